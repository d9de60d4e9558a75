//! Deciding whether an implementation is accepted: its acceptance tests and every
//! checked NFR, with the report of which NFRs were checked and which were only asked for.

use super::cargo::{messages_in, Cargo, TestFailure, TestOutcome, GAVE_UP};
use super::snapshots::Pinned;
use super::unused_modules::ModuleTree;
use crate::check::{ModuleModel, NfrModel, Project};
use crate::compile::rust::nfr_check::NO_DEPS;
use crate::compile::rust::{check_static_nfrs, reaches_outside, test_target, IN_MEMORY};
use serde::Serialize;
use std::collections::BTreeMap;

/// How insta treats `snapshot` tests in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshots {
    /// Record snapshots that have never been accepted; compare the pinned ones.
    RecordNew,
    /// Compare only: a missing or different snapshot fails (CI, `ghost test`).
    Compare,
}

impl Snapshots {
    /// The environment of a test run in this mode.
    pub const fn insta_env(self) -> [(&'static str, &'static str); 3] {
        [
            ("INSTA_UPDATE", self.insta_update()),
            ("INSTA_FORCE_PASS", "0"),
            ("CI", ""),
        ]
    }

    const fn insta_update(self) -> &'static str {
        match self {
            // Records everything, matching files too (so that each one's description is
            // the spec it was recorded for); `snapshots.rs` restores and fails pinned ones
            // that changed.
            Snapshots::RecordNew => "force",
            Snapshots::Compare => "no",
        }
    }
}

/// One checked NFR's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NfrResult {
    /// The clause as written in the spec.
    pub nfr: String,
    pub ok: bool,
    /// Whether it was checked at all: a timing is taken only once the tests pass, and a
    /// clause not checked is not `ok` but not broken either.
    pub checked: bool,
    /// Why it failed, in words the agent and the user can act on.
    pub detail: String,
}

impl NfrResult {
    /// Checked and found wanting.
    pub fn broken(&self) -> bool {
        self.checked && !self.ok
    }
}

/// Everything decided about one implementation.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub tests: TestOutcome,
    /// Checked NFRs (forbid unsafe, deps, max_lines, lint, perf) with their results.
    pub checked: Vec<NfrResult>,
    /// Free-text NFRs: asked for in the prompt only.
    pub asked: Vec<String>,
}

impl Verdict {
    pub fn green(&self) -> bool {
        self.tests.green() && self.checked.iter().all(|n| n.ok)
    }

    /// Its tests all ran to the end: it compiled, finished and was not refused. Only
    /// then does a test that did not fail say something about the code.
    pub fn ran(&self) -> bool {
        let t = &self.tests;
        t.errors.is_empty() && t.cargo_error.is_none() && !t.timed_out && !self.refused()
    }

    /// Refused before it ran: the code reaches outside memory (files, programs), so
    /// its tests were not run at all.
    pub fn refused(&self) -> bool {
        self.checked
            .iter()
            .any(|n| (n.nfr == IN_MEMORY || n.nfr == ONLY_USED_MODULES) && n.broken())
    }

    /// A failure that looks like the spec's rather than the code's: an example, scenario or
    /// property whose own values break a `requires` (a broken one whose arguments the
    /// code computed says `PRECONDITION_BROKEN` nowhere: it is the code's), an `ensures`
    /// calling a function outside its `requires` (`CLAUSE_CALL_BROKEN`), a property that
    /// discards nearly every case it generates or keeps nearly only one input, a float the
    /// spec wrote exactly where the code's differs only in rounding (`float_rounding.rs`). A `requires` or `where` that calls the
    /// module's functions can make either happen for wrong code, so the build stops only
    /// when two attempts in a row hit the same one, or when [`Verdict::spec_fault_is_certain`].
    /// `tests_rs` is the module's test file, which names each test's clause.
    pub fn spec_fault(&self, tests_rs: &str) -> Option<String> {
        // A timing run whose arguments break the function's `requires`.
        let perf = self.checked.iter().filter(|n| n.broken()).find_map(|n| {
            let at = n.detail.find(crate::compile::rust::PRECONDITION_BROKEN)?;
            let line = n.detail[at..].lines().next().unwrap_or_default();
            Some(format!("`{}`: {line}", n.nfr))
        });
        if perf.is_some() {
            return perf;
        }
        self.tests.failed.iter().find_map(|f| {
            if let Some(at) = f.output.find(crate::compile::rust::PRECONDITION_BROKEN) {
                let line = f.output[at..].lines().next().unwrap_or_default();
                return Some(format!("`{}`: {line}", f.name));
            }
            if f.output.contains(crate::compile::rust::SPEC_ARITHMETIC) {
                return Some(overflowed(&f.name, &f.output, tests_rs));
            }
            if let Some(line) = f
                .output
                .lines()
                .find(|l| l.contains(crate::compile::rust::CLAUSE_CALL_BROKEN))
            {
                // The panic's line whole (`Test failed: ` before it in a property): it
                // opens with the clause, before the words it is found by.
                let line = line.trim_start_matches("Test failed: ").trim_end_matches('.');
                return Some(format!("`{}`: {line}", f.name));
            }
            if f.output.contains(crate::compile::rust::SPEC_LOOKUP) {
                return Some(looked_up(&f.name, &f.output, tests_rs));
            }
            if let Some(at) = f.output.find(crate::compile::rust::TOO_FEW_INPUTS) {
                let line = f.output[at..].lines().next().unwrap_or_default();
                // The message quotes the property; proptest ends it with a `.` of its own.
                return Some(line.trim_end_matches('.').to_string());
            }
            if let Some((got, want)) = super::float_rounding::rounding_only(&f.output) {
                return Some(format!(
                    "`{}`: the code gave {got} where the spec says {want}, which differ only in floating-point rounding; floats compare exactly, so write the value an `f64` computation gives, or check it within a tolerance (`ensures result - e < 1e-9 && e - result < 1e-9`)",
                    f.name
                ));
            }
            f.output
                .contains(GAVE_UP)
                .then(|| gave_up(&f.name, &f.output, tests_rs))
        })
    }

    /// Whether a failure [`Verdict::spec_fault`] found is the spec's whatever the code, so
    /// no other attempt can mend it: a broken `requires` in a test whose preconditions the
    /// spec alone decides (it carries [`SPEC_DECIDES`](crate::compile::rust::SPEC_DECIDES)),
    /// or a property that gave up on discarded cases, or kept nearly only one input, where
    /// the spec alone discards its cases
    /// ([`SPEC_FILTERS`](crate::compile::rust::SPEC_FILTERS)).
    pub fn spec_fault_is_certain(&self, tests_rs: &str) -> bool {
        let lines: Vec<&str> = tests_rs.lines().collect();
        // Whether the test opens below a `marker` line (its doc and `#[test]` between).
        let marked = |name: &str, marker: &str| {
            super::lessons::test_line(&lines, name).is_some_and(|at| {
                lines[at.saturating_sub(5)..at]
                    .iter()
                    .any(|l| l.trim() == marker)
            })
        };
        let decided = |name: &str| marked(name, crate::compile::rust::SPEC_DECIDES);
        let broken = crate::compile::rust::PRECONDITION_BROKEN;
        let tests = self.tests.failed.iter().any(|f| {
            // A property's arithmetic on its own inputs reads nothing the code made.
            f.output.contains(crate::compile::rust::SPEC_ARITHMETIC)
                || f.output.contains(crate::compile::rust::SPEC_LOOKUP)
                || (f.output.contains(broken) && decided(&f.name))
                || ((f.output.contains(GAVE_UP)
                    || f.output.contains(crate::compile::rust::TOO_FEW_INPUTS))
                    && marked(&f.name, crate::compile::rust::SPEC_FILTERS))
        });
        // A timing run's panic names its test: `thread 'perf_1' (..) panicked at ..`.
        let timings = self.checked.iter().filter(|n| n.broken()).any(|n| {
            n.detail.contains(broken)
                && n.detail
                    .split("thread '")
                    .nth(1)
                    .and_then(|rest| rest.split('\'').next())
                    .is_some_and(decided)
        });
        tests || timings
    }

    /// The failures to feed back to the agent: failing tests' output and broken NFRs.
    #[cfg(test)]
    pub fn failure_texts(&self) -> Vec<String> {
        self.failure_texts_in("")
    }

    /// [`Self::failure_texts`], each test that panicked outside ghost's checks (a map
    /// indexed by a missing key, a slice out of range, the code's own panic) named with
    /// the spec clause it checks, from `tests_rs` (the generated tests): the panic alone
    /// says where in Rust, not which line of the spec.
    pub fn failure_texts_in(&self, tests_rs: &str) -> Vec<String> {
        // Each test's panic first; a test failing exactly as one before it (the same
        // panic at the same place) is named, not told again.
        let mut told: Vec<(String, &str)> = Vec::new();
        let mut out: Vec<String> = Vec::new();
        for f in &self.tests.failed {
            let text = crate::compile::prompt::test_output(&f.output);
            let key = text.replacen(&format!("'{}'", f.name), "'_'", 1);
            match told.iter().find(|(k, _)| *k == key) {
                Some((_, first)) => out.push(format!(
                    "test `{}` failed the same way as `{first}`",
                    f.name
                )),
                None => {
                    let clause = super::lessons::clause_of(tests_rs, &f.name)
                        .filter(|_| !text.contains("does not hold"))
                        .map(|c| format!(" ({})", c.trim_end_matches('.')))
                        .unwrap_or_default();
                    out.push(format!("test `{}`{clause} failed:\n{text}", f.name));
                    told.push((key, &f.name));
                }
            }
        }
        if self.tests.timed_out {
            out.push(match &self.tests.hung {
                Some(t) => {
                    let clause = super::lessons::clause_of(tests_rs, t)
                        .map(|c| format!(" ({})", c.trim_end_matches('.')))
                        .unwrap_or_default();
                    format!("test `{t}`{clause} did not finish within the time limit: look for an endless loop or recursion")
                }
                None => "the tests did not finish within the time limit: look for an endless loop or recursion".into(),
            });
        }
        if let Some(e) = &self.tests.cargo_error {
            out.push(format!("cargo failed:\n{e}"));
        }
        out.extend(
            self.checked
                .iter()
                .filter(|n| n.broken())
                .map(|n| n.detail.clone()),
        );
        out
    }

    /// Compiler errors, rendered as rustc prints them.
    pub fn compiler_errors(&self) -> Vec<String> {
        self.tests
            .errors
            .iter()
            .filter(|e| !e.is_closing_count())
            .map(|e| e.rendered.clone())
            .collect()
    }

    /// One line: `12 passed`, `1 of 3 failed; 1 nfr broken (`nfr lint`)`.
    pub fn summary(&self) -> String {
        let broken: Vec<String> = self
            .checked
            .iter()
            .filter(|n| n.broken())
            .map(|n| format!("`{}`", n.nfr))
            .collect();
        let mut s = self.tests.summary();
        if !broken.is_empty() {
            s.push_str(&format!(
                "; {} nfr broken ({})",
                broken.len(),
                broken.join(", ")
            ));
        }
        let unchecked = self.unchecked_while_green();
        if !unchecked.is_empty() {
            let names: Vec<String> = unchecked.iter().map(|n| format!("`{}`", n.nfr)).collect();
            s.push_str(&format!(
                "; {} nfr not checked ({})",
                unchecked.len(),
                names.join(", ")
            ));
        }
        s
    }

    /// Checked NFRs that could not be checked although the tests pass (clippy or a
    /// release build out of time): what alone keeps green tests from being green.
    pub fn unchecked_while_green(&self) -> Vec<&NfrResult> {
        if !self.tests.green() {
            return Vec::new();
        }
        self.checked
            .iter()
            .filter(|n| !n.checked && !n.ok)
            .collect()
    }
}

/// What a failed timing test printed, as its clause's detail: the test's own message
/// names the clause and says by how much it broke (`... is broken: the median of 11 runs
/// took 30ms, over the budget of 5ms`) and needs no second name. The panic's `thread
/// 'perf_1' panicked at` line stays: it says which timing it was (`spec_fault_is_certain`).
fn timing_failure(source: &str, output: &str) -> String {
    if output.contains(&format!("`{source}` is broken")) {
        output.trim().to_string()
    } else {
        format!("`{source}` is broken: {}", output.trim())
    }
}

/// What a property whose own arithmetic overflowed (test `name`, which printed `output`)
/// tells the user: which property, which operation, for which inputs, and how to keep its
/// values within `int`.
fn overflowed(name: &str, output: &str, tests_rs: &str) -> String {
    own_fault(
        (name, output, tests_rs),
        crate::compile::rust::SPEC_ARITHMETIC,
        "bound its variables with `in` (`forall x: int in -1000..1000`) or a `where`, so that its arithmetic stays within `int`",
    )
}

/// What a property whose own lookup found nothing (test `name`, which printed `output`)
/// tells the user: which property, which lookup and inputs, and how to keep such cases out.
fn looked_up(name: &str, output: &str, tests_rs: &str) -> String {
    own_fault(
        (name, output, tests_rs),
        crate::compile::rust::SPEC_LOOKUP,
        "keep such inputs out with a `where` that tests first (`where len(xs) > 0`, or `where len(xs) > 0 && xs[0] > 0`: `&&` stops at the first false)",
    )
}

/// A property's own mistake, whatever the code returns: the property, the line of the
/// panic that starts with `marker`, the minimal input proptest found, and `advice`.
fn own_fault((name, output, tests_rs): (&str, &str, &str), marker: &str, advice: &str) -> String {
    let property = super::lessons::clause_of(tests_rs, name).unwrap_or_else(|| format!("`{name}`"));
    let at = output.find(marker).unwrap_or_default();
    let what = output[at..].lines().next().unwrap_or_default();
    let what = what.trim_end_matches('.');
    let inputs = output
        .lines()
        .find_map(|l| l.strip_prefix("minimal failing input: "))
        .map(|i| format!(" (for {i})"))
        .unwrap_or_default();
    format!("{property}: {what}{inputs}, whatever the code returns; {advice}")
}

/// What a property that gave up on discarded cases (test `name`, which printed `output`)
/// tells the user: which property, which clauses discarded the cases (from proptest's
/// tally, `\t\t1024 times at requires x % 7 == 0`), and how to draw cases that pass.
fn gave_up(name: &str, output: &str, tests_rs: &str) -> String {
    let property = super::lessons::clause_of(tests_rs, name).unwrap_or_else(|| format!("`{name}`"));
    let mut by: Vec<String> = Vec::new();
    for line in output.lines().filter(|l| l.starts_with("\t\t")) {
        let Some((_, reason)) = line.trim_start().split_once(" times at ") else {
            continue;
        };
        // `prop_assume!` puts the place in the test file before the `where` it quotes.
        let reason = match reason.split_once(": where ") {
            Some((_, filter)) => format!("where {filter}"),
            None => reason.to_string(),
        };
        let reason = format!("`{reason}`");
        if !by.contains(&reason) {
            by.push(reason);
        }
    }
    let by = if by.is_empty() {
        "its `where` or the `requires` of the function it is about".to_string()
    } else {
        by.join(", ")
    };
    // Advice for what the property draws: only a record's or a collection's is named.
    let binders = binder_text(&property);
    let mut advice = String::new();
    if binders.contains(|c: char| c.is_ascii_uppercase()) {
        advice.push_str("; a record's fields are drawn over their whole range: draw the fields as bounded variables and build the record in the property");
    }
    if by.contains("contains(") {
        advice.push_str("; a value drawn at random is seldom in a collection drawn at random: put the drawn value in one the property builds (`forall k: str, v: int => lookup({k: v}, k) == some(v)`)");
    }
    format!(
        "{property} rejects nearly every case it generates ({by}), and proptest gave up; narrow the generator so that most cases are valid: bound the variables with `in` (`forall x: int in 0..1000`), or draw other values and build valid ones from them (`forall k: int in -100..100 => f(k * 7) == k`){advice}"
    )
}

/// The bound variables of a property's clause, `x: int, p: Point` in
/// `property forall x: int, p: Point where .. => ..`: up to its `where` or `=>`.
fn binder_text(property: &str) -> &str {
    let after = property.split_once("forall ").map_or("", |(_, rest)| rest);
    let end = [after.find(" where "), after.find("=>")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(after.len());
    &after[..end]
}

/// Runs `module`'s acceptance tests and checked NFRs against the crate `cargo` points at,
/// whose `imp.rs` for the module holds `imp_text`; `tree` is `project`'s module tree.
pub async fn verify(
    cargo: &Cargo,
    project: &Project,
    tree: &ModuleTree,
    module: &ModuleModel,
    imp_text: &str,
    snapshots: Snapshots,
) -> std::io::Result<Verdict> {
    if let Some(verdict) = refused(project, tree, module, imp_text) {
        return Ok(verdict);
    }
    let target = test_target(module);
    let env = snapshots.insta_env();
    let pinned = Pinned::read(&cargo.crate_dir, &target);
    let mut tests = cargo.test(&target, false, &[], &env).await?;
    for f in &mut tests.failed {
        if let Some(why) = called_unused_module(&module.name, &module.uses, &f.output) {
            f.output.push('\n');
            f.output.push_str(&why);
        }
    }
    if snapshots == Snapshots::RecordNew {
        for (name, output) in pinned.restore_changed() {
            // The test passed (insta recorded the new value); the pin says it failed.
            let tail = format!("::{name}");
            tests.passed.retain(|p| *p != name && !p.ends_with(&tail));
            tests.failed.push(TestFailure { name, output });
        }
        // A value recorded now is pinned for good: it must be the same in another
        // process (no `HashMap` order, no clock), or every later test run fails on it.
        if tests.green() && pinned.recorded_new() {
            let again = Snapshots::Compare.insta_env();
            let second = cargo.test(&target, false, &["snapshot_"], &again).await?;
            for f in second.failed {
                tests.passed.retain(|p| *p != f.name);
                tests.failed.push(TestFailure {
                    output: format!(
                        "its value differs from one run to the next, so it cannot be pinned: its `{{:#?}}` must not depend on `HashMap` or `HashSet` order (use `BTreeMap`/`BTreeSet` or a `Vec`), the clock or randomness\n{}",
                        f.output
                    ),
                    name: f.name,
                });
            }
        }
    }
    let verdict = judge(
        cargo,
        module,
        imp_text,
        tests,
        snapshots,
        &mut SharedRuns::default(),
    )
    .await?;
    if snapshots == Snapshots::RecordNew && !verdict.green() {
        pinned.forget_run();
    }
    Ok(verdict)
}

/// Why a test panicked with `todo!()` in another module's `imp.rs`, when the spec of
/// `module` (which uses `uses`) does not `use` that module: in a build's copy of the crate every module a module does
/// not use (directly or not) is the compiler's stub, so code that calls one fails there,
/// though the crate in `generated/` has its code. Said, or the agent and the user read
/// that the other module is not written yet. Code naming such a module by its path is
/// refused before it runs ([`refused`]), through its `use` declarations too; this catches
/// the calls that scan cannot see (a path a macro puts together from its pieces).
fn called_unused_module(module: &str, uses: &[String], output: &str) -> Option<String> {
    if !output.contains("not yet implemented") {
        return None;
    }
    let at = output.find("panicked at src/")? + "panicked at src/".len();
    let path = output[at..].split_once("/imp.rs:")?.0;
    let other = path.replace('/', ".");
    if other == module || uses.contains(&other) || path.contains(char::is_whitespace) {
        return None;
    }
    Some(format!(
        "`src/{path}/imp.rs` is module `{other}`, which the spec of `{module}` does not `use`: its tests run with that module's stub, so the code may not call it; call only the modules the spec uses (`use {other}` in the spec allows it)"
    ))
}

/// The verdict of code that is not run at all: it reaches outside memory. Code that
/// writes files or starts programs could change the project it is tested in, or anything
/// else the user can reach.
/// So is code that calls a module its spec does not `use` (`unused_modules.rs`): it would
/// pass where that module has code and fail where it is a stub. `tree` is `project`'s
/// module tree, read once per run.
pub fn refused(
    project: &Project,
    tree: &ModuleTree,
    module: &ModuleModel,
    imp_text: &str,
) -> Option<Verdict> {
    let outside = reaches_outside(imp_text, &module.names());
    let unused = super::unused_modules::named_unused(project, tree, &module.name, imp_text);
    if outside.is_empty() && unused.is_empty() {
        return None;
    }
    let mut verdict = Verdict::default();
    if !outside.is_empty() {
        verdict.checked.push(NfrResult {
            nfr: IN_MEMORY.to_string(),
            ok: false,
            checked: true,
            detail: format!(
                "imp.rs uses {}: not run. A module's functions compute their results from their arguments alone; take out every use of files, programs, the network and the environment",
                outside.join(", ")
            ),
        });
    }
    if !unused.is_empty() {
        verdict.checked.push(NfrResult {
            nfr: ONLY_USED_MODULES.to_string(),
            ok: false,
            checked: true,
            detail: super::unused_modules::why(&module.name, &unused),
        });
    }
    Some(verdict)
}

/// The rule [`refused`] holds code to beside [`IN_MEMORY`], named as a checked NFR.
pub const ONLY_USED_MODULES: &str = "calls only the modules its spec uses";

/// Cargo runs made once for several modules (`ghost test` and `build --locked` test every
/// module of one unchanging crate; see `together.rs`): what [`judge`] finds here it does
/// not run again.
#[derive(Debug, Default)]
pub struct SharedRuns {
    /// Acceptance tests' outcomes taken from the shared build's binaries, by test target.
    pub tests: BTreeMap<String, TestOutcome>,
    /// Timing runs' (`nfr perf`) outcomes, the same way.
    pub perf: BTreeMap<String, TestOutcome>,
    /// The crate's clippy run, made for the first module that asks for `nfr lint`.
    pub lint: Option<TestOutcome>,
}

/// The verdict of `module`'s code from its acceptance tests' outcome, run already (by
/// [`verify`], or with other modules' by `ghost test`): its checked NFRs are checked,
/// with the runs `shared` holds and cargo runs of its own for the rest.
pub async fn judge(
    cargo: &Cargo,
    module: &ModuleModel,
    imp_text: &str,
    tests: TestOutcome,
    snapshots: Snapshots,
    shared: &mut SharedRuns,
) -> std::io::Result<Verdict> {
    let mut verdict = Verdict {
        tests,
        ..Verdict::default()
    };
    let lint = &mut shared.lint;
    let target = test_target(module);
    let env = snapshots.insta_env();
    let compiled = verdict.tests.errors.is_empty()
        && verdict.tests.cargo_error.is_none()
        && !verdict.tests.timed_out;

    let static_failures = check_static_nfrs(module, imp_text);
    let module_dir = format!("src/{}/", module.path.join("/"));
    let has = |f: fn(&NfrModel) -> bool| module.nfrs.iter().any(|n| f(&n.kind));
    // Lint and perf are one cargo run each, however many clauses ask for them.
    if lint.is_none() && has(|k| matches!(k, NfrModel::Lint)) && compiled {
        *lint = Some(cargo.clippy().await?);
    }
    // clippy missing says nothing of the code, and no attempt of an agent can change it:
    // the run stops with what to install.
    if let Some(why) = lint.as_ref().and_then(|l| l.cargo_error.as_ref()) {
        return Err(std::io::Error::other(format!(
            "`cargo clippy` did not run, so `nfr lint` cannot be checked; install clippy (`rustup component add clippy`):\n{why}"
        )));
    }
    let lint = lint.as_ref().filter(|_| compiled);
    // Why a timing was not taken, when it was not.
    let mut perf_unchecked = "the acceptance tests do not pass";
    let perf = if has(|k| matches!(k, NfrModel::Perf { .. })) && verdict.tests.green() {
        if let Some(run) = shared.perf.remove(&target) {
            Some(run)
        } else {
            // The release build first, on its own time (the first one compiles every
            // dependency); then the timing, on the tests' time.
            let built = cargo.compile_tests(&target, true).await?;
            if built.timed_out {
                perf_unchecked = "the release build did not finish within its time limit";
                None
            } else {
                Some(
                    cargo
                        .test(&target, true, &["--ignored", "perf_"], &env)
                        .await?,
                )
            }
        }
    } else {
        None
    };

    let mut perf_n = 0;
    for nfr in &module.nfrs {
        let source = &nfr.source;
        // Lint needs code that compiles, a timing tests that pass.
        let checked = match &nfr.kind {
            NfrModel::Lint => lint.is_some_and(|l| !l.timed_out),
            NfrModel::Perf { .. } => perf.is_some(),
            _ => true,
        };
        let (ok, detail) = match &nfr.kind {
            NfrModel::Text(t) => {
                verdict.asked.push(t.clone());
                continue;
            }
            NfrModel::ForbidUnsafe => {
                // rustc enforces `#![forbid(unsafe_code)]`: a violation is a compile error.
                let broken = verdict
                    .tests
                    .errors
                    .iter()
                    .any(|e| e.rendered.contains("unsafe"));
                (
                    !broken,
                    format!("`{source}` is broken: remove every `unsafe` block"),
                )
            }
            NfrModel::Deps(_) | NfrModel::MaxLines(_) => {
                let broken: Vec<String> = static_failures
                    .iter()
                    .filter(|f| f.breaks(source))
                    .map(|f| f.to_string())
                    .collect();
                (broken.is_empty(), broken.join("\n"))
            }
            NfrModel::Lint => match &lint {
                None => (
                    false,
                    format!("`{source}` not checked: the code does not compile"),
                ),
                // clippy stopped says nothing of the code: not checked, not ok.
                Some(lint) if lint.timed_out => (
                    false,
                    format!("`{source}` not checked: clippy did not finish within the time limit"),
                ),
                Some(lint) => {
                    let dir = std::path::Path::new(&module_dir);
                    let found: Vec<String> = messages_in(&lint.warnings, dir)
                        .into_iter()
                        .chain(messages_in(&lint.errors, dir))
                        .map(|m| m.rendered.clone())
                        .collect();
                    (
                        found.is_empty(),
                        format!(
                            "`{source}` is broken: clippy reports in this module:\n{}",
                            found.join("\n")
                        ),
                    )
                }
            },
            NfrModel::Perf { .. } => {
                perf_n += 1;
                match &perf {
                    None => (false, format!("`{source}` not checked: {perf_unchecked}")),
                    Some(run) => {
                        let name = format!("perf_{perf_n}");
                        let failure = run
                            .failed
                            .iter()
                            .find(|f| f.name == name)
                            .map(|f| timing_failure(source, &f.output));
                        let other = run.errors.first().map(|e| e.rendered.clone()).or_else(|| {
                            run.timed_out.then(|| {
                                "the timing run did not finish within the time limit".to_string()
                            })
                        });
                        match failure.or(other.map(|why| format!("`{source}` is broken: {why}"))) {
                            Some(why) => (false, why),
                            None => (true, String::new()),
                        }
                    }
                }
            }
        };
        verdict.checked.push(NfrResult {
            nfr: source.clone(),
            ok,
            checked,
            detail: if ok { String::new() } else { detail },
        });
    }
    // A module without `nfr deps` keeps `nfr deps []`: listed only when broken.
    for failure in static_failures.iter().filter(|f| f.is_implicit()) {
        verdict.checked.push(NfrResult {
            nfr: NO_DEPS.to_string(),
            ok: false,
            checked: true,
            detail: format!("{failure} (the spec declares no `nfr deps`, so the module may use none; declare the crate in the spec if it is wanted)"),
        });
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::cargo::TestFailure;

    #[test]
    fn a_panic_outside_ghosts_checks_is_named_with_its_clause() {
        let tests_rs = "/// `example first(\"\") == 'a'`\n#[test]\nfn example_first_1() {}\n/// `example first(\"b\") == 'b'`\n#[test]\nfn example_first_2() {}\n";
        let mut v = Verdict::default();
        v.tests.failed.push(TestFailure {
            name: "example_first_1".into(),
            output: "thread 'example_first_1' panicked at src/a/imp.rs:2:5:\nindex out of bounds: the len is 0 but the index is 0".into(),
        });
        v.tests.failed.push(TestFailure {
            name: "example_first_2".into(),
            output: "`example first(\"b\") == 'b'` does not hold\n   left: 'c'\n  right: 'b'"
                .into(),
        });
        let texts = v.failure_texts_in(tests_rs);
        assert!(
            texts[0].starts_with("test `example_first_1` (`example first(\"\") == 'a'`) failed:"),
            "{texts:?}"
        );
        assert!(
            texts[1].starts_with("test `example_first_2` failed:"),
            "its own message quotes it already: {texts:?}"
        );
    }

    #[test]
    fn a_test_that_never_ends_is_named_with_its_clause() {
        let tests_rs = "/// `example count([]) == 0`\n#[test]\nfn example_count_1() {}\n";
        let mut v = Verdict::default();
        v.tests.timed_out = true;
        v.tests.hung = Some("example_count_1".into());
        assert_eq!(
            v.failure_texts_in(tests_rs),
            ["test `example_count_1` (`example count([]) == 0`) did not finish within the time limit: look for an endless loop or recursion"]
        );
    }

    #[test]
    fn a_timing_not_taken_is_not_called_broken() {
        let mut v = Verdict::default();
        v.tests.passed.push("example_shift_1".into());
        v.tests.failed.push(TestFailure {
            name: "example_shift_2".into(),
            output: "left: 1\nright: 2".into(),
        });
        v.checked.push(NfrResult {
            nfr: "nfr perf shift(\"a\", 3) < 2ms".into(),
            ok: false,
            checked: false,
            detail: "not checked: the acceptance tests do not pass".into(),
        });
        assert!(!v.green());
        assert!(!v.summary().contains("nfr"), "{}", v.summary());
        assert!(
            v.failure_texts().iter().all(|t| !t.contains("not checked")),
            "the repair hears of the failing test only: {:?}",
            v.failure_texts()
        );
        v.checked[0].checked = true;
        assert!(
            v.summary()
                .ends_with("; 1 nfr broken (`nfr perf shift(\"a\", 3) < 2ms`)"),
            "{}",
            v.summary()
        );
    }

    /// The test file of a module whose property discards the cases `requires x % 7 == 0`
    /// rejects, and whose other property calls `inc(same(x))`.
    const TESTS_RS: &str = "
proptest::proptest! {
    // The spec alone decides which of this property's cases are discarded.
    /// `property forall x: int => sevens(x) * 7 == x`
    #[test]
    fn property_sevens_1(x in proptest::arbitrary::any::<i64>()) {
    }

    /// `property forall x: int where valid(x) => sevens(x) * 7 == x`
    #[test]
    fn property_sevens_2(x in proptest::arbitrary::any::<i64>()) {
    }

    /// `property forall x: int in 0..1000 => inc(same(x)) == x + 1`
    #[test]
    fn property_same_1(x in 0_i64..1000_i64) {
    }
}
";

    fn failing(name: &str, output: &str) -> Verdict {
        let mut v = Verdict::default();
        v.tests.failed.push(TestFailure {
            name: name.into(),
            output: output.into(),
        });
        v
    }

    #[test]
    fn a_property_that_gives_up_is_the_spec_s_and_says_which_clause_rejected() {
        let output = "thread 'property_sevens_1' panicked at tests/m.rs:9:1:\nTest aborted: Too many global rejects\n\t\t1024 times at requires x % 7 == 0";
        let v = failing("property_sevens_1", output);
        let fault = v.spec_fault(TESTS_RS).expect("the spec's");
        assert!(
            fault.starts_with("`property forall x: int => sevens(x) * 7 == x` rejects nearly every case it generates (`requires x % 7 == 0`)")
                && fault.contains("bound the variables with `in`"),
            "{fault}"
        );
        assert!(v.spec_fault_is_certain(TESTS_RS), "no code decides them");
        // It draws no record and filters on no `contains`: no advice about either.
        assert!(
            !fault.contains("record") && !fault.contains("collection"),
            "{fault}"
        );
        // A `where` that calls the module's functions: wrong code could reject every case.
        let output = "Test aborted: Too many global rejects\n\t\t1024 times at tests/m.rs:14:9: where valid(x)";
        let v = failing("property_sevens_2", output);
        let fault = v.spec_fault(TESTS_RS).expect("looks like the spec's");
        assert!(fault.contains("(`where valid(x)`)"), "{fault}");
        assert!(!v.spec_fault_is_certain(TESTS_RS));
    }

    #[test]
    fn a_stub_of_a_module_the_spec_does_not_use_is_named() {
        let uses = ["a.z".to_string()];
        let panic = |path: &str| {
            format!(
                "thread 'example_two_1' panicked at src/{path}/imp.rs:9:5:\nnot yet implemented"
            )
        };
        let why = called_unused_module("a.y", &uses, &panic("a/x")).expect("named");
        assert!(
            why.starts_with(
                "`src/a/x/imp.rs` is module `a.x`, which the spec of `a.y` does not `use`"
            ),
            "{why}"
        );
        // Its own stub, or a used module's, is another story.
        assert_eq!(called_unused_module("a.y", &uses, &panic("a/y")), None);
        assert_eq!(called_unused_module("a.y", &uses, &panic("a/z")), None);
        assert_eq!(
            called_unused_module("a.y", &uses, "panicked at src/a/x/imp.rs:1:1:\nboom"),
            None
        );
    }

    #[test]
    fn a_property_that_gives_up_gets_advice_for_what_it_draws() {
        let tests_rs = "    /// `property forall p: Point, m: map<str, int>, k: str where contains(m, k) => f(p, m, k)`\n    #[test]\n    fn property_f_1(p in __arb_point()) {\n    }\n";
        let output = "Test aborted: Too many global rejects\n\t\t16384 times at tests/m.rs:14:9: where contains(m, k)";
        let fault = failing("property_f_1", output)
            .spec_fault(tests_rs)
            .expect("the spec's");
        assert!(
            fault.contains("a record's fields are drawn over their whole range")
                && fault.contains("seldom in a collection drawn at random"),
            "{fault}"
        );
        assert_eq!(
            binder_text("`property p: forall x: int, q: Point where x > 0 => g(x)`"),
            "x: int, q: Point"
        );
        assert_eq!(binder_text("`property forall s: str => h(s)`"), "s: str ");
    }

    #[test]
    fn a_property_that_kept_nearly_one_input_is_the_spec_s() {
        let message = format!("{}: `property forall x: int => sevens(x) * 7 == x` kept 256 cases, 250 of them `x = 0`, and 3 different inputs of the 4000 it drew", crate::compile::rust::TOO_FEW_INPUTS);
        let output = format!("thread 'property_sevens_1' panicked at tests/m.rs:9:1:\nTest failed: {message}.\nminimal failing input: x = 0");
        let v = failing("property_sevens_1", &output);
        assert_eq!(v.spec_fault(TESTS_RS), Some(message.clone()));
        assert!(
            v.spec_fault_is_certain(TESTS_RS),
            "no code decides the cases kept"
        );
        // A `where` that calls the module's functions: wrong code could keep one input.
        let v = failing("property_sevens_2", &output);
        assert!(v.spec_fault(TESTS_RS).is_some());
        assert!(!v.spec_fault_is_certain(TESTS_RS));
    }

    #[test]
    fn a_property_whose_own_arithmetic_overflows_is_the_spec_s_whatever_the_code() {
        let tests_rs = "    /// `property forall x: int => double(x) == x * 2`\n    #[test]\n    fn property_double_1(x in proptest::arbitrary::any::<i64>()) {\n    }\n";
        let output = "thread 'property_double_1' panicked at tests/m.rs:9:51:\nthe property's own arithmetic overflows or divides by zero: `x * 2`\n\nthread 'property_double_1' panicked at tests/m.rs:3:1:\nTest failed: the property's own arithmetic overflows or divides by zero: `x * 2`.\nminimal failing input: x = -4611686018427387905";
        let v = failing("property_double_1", output);
        assert_eq!(
            v.spec_fault(tests_rs).as_deref(),
            Some("`property forall x: int => double(x) == x * 2`: the property's own arithmetic overflows or divides by zero: `x * 2` (for x = -4611686018427387905), whatever the code returns; bound its variables with `in` (`forall x: int in -1000..1000`) or a `where`, so that its arithmetic stays within `int`")
        );
        assert!(v.spec_fault_is_certain(tests_rs));
        // The code's own overflow is the code's.
        let output = "thread 'property_double_1' panicked at src/m/imp.rs:2:5:\nattempt to multiply with overflow";
        let v = failing("property_double_1", output);
        assert_eq!(v.spec_fault(tests_rs), None);
        assert!(!v.spec_fault_is_certain(tests_rs));
    }

    #[test]
    fn an_ensures_calling_a_function_outside_its_requires_may_be_the_spec_s() {
        let message = format!("`ensures f(result) > 0` of `g` calls `f` with x = 0, which breaks `f`'s `requires x > 0` (for n = 0, result = 0): {}, so the clause cannot judge this result", crate::compile::rust::CLAUSE_CALL_BROKEN);
        // In an example (whose preconditions the spec decides) and in a property.
        let example = format!("thread 'example_g_1' panicked at tests/m.rs:106:13:\n{message}");
        let property = format!("thread 'property_same_1' panicked at tests/m.rs:204:1:\nTest failed: {message}.\nminimal failing input: n = 0");
        let tests_rs = format!(
            "{}\n/// `example g(0) == 0`\n#[test]\nfn example_g_1() {{}}\n{TESTS_RS}",
            crate::compile::rust::SPEC_DECIDES
        );
        for (name, output) in [("example_g_1", example), ("property_same_1", property)] {
            let v = failing(name, &output);
            assert_eq!(
                v.spec_fault(&tests_rs),
                Some(format!("`{name}`: {message}"))
            );
            // Other code could return what `f` accepts, even where the spec decides the
            // example's own preconditions: only two attempts hitting it say it is the spec's.
            assert!(!v.spec_fault_is_certain(&tests_rs), "{name}");
        }
    }

    #[test]
    fn a_requires_broken_by_a_value_the_code_computed_is_the_code_s() {
        let output = "Test failed: `inc(same(x))`: `same(x)` gave -300, which breaks `inc`'s `requires x >= 0`: the implementation computed that value, so the implementation must change.\nminimal failing input: x = 300";
        let v = failing("property_same_1", output);
        assert_eq!(v.spec_fault(TESTS_RS), None);
        assert!(!v.spec_fault_is_certain(TESTS_RS));
    }
}
