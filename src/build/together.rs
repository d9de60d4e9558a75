//! Several modules' acceptance tests in one cargo run, for `ghost test` and `ghost build
//! --locked`: the modules in, the runs they share out ([`SharedRuns`]: the tests' and
//! timings' outcomes the run vouches for, by module). With nothing to compile, a module's own
//! `cargo test` is mostly cargo finding that out (the repository's eleven modules: 2.6 s
//! one by one, 1.1 s together), so CI pays it once instead of once per module.
//!
//! Code under test can print anything, libtest's lines included, so an outcome is taken
//! from the shared run only where cargo vouches for it: a binary's output that ends in
//! `test result: ok.` counts as passing only when cargo did not name its target failing
//! (`error: test failed, to rerun pass `--test a_mod``, which a test cannot take back),
//! and one that ends in `test result: FAILED.` with failing tests only when cargo named
//! it. Every other module (a binary that ended early, a compile error, any module of a run
//! stopped at its time limit, an output that does not split) is tested on its own, which
//! names the failure with its exit status and tells a broken neighbour from broken code
//! (a scratch copy). The price of a module that never returns: the time limit twice.

use super::cargo::{
    libtest_text, parse_libtest, parse_outcome, running_target, Cargo, TestOutcome,
};
use super::verify::{SharedRuns, Snapshots};
use crate::check::{ModuleModel, NfrModel};
use crate::compile::rust::test_target;
use crate::process::Finished;
use std::collections::BTreeMap;

/// The runs `modules` (two or more, none refused by the in-memory rule) can share: their
/// acceptance tests from one cargo run, and the timings of those asking for `nfr perf`
/// whose tests passed from one more. What the runs do not vouch for, each module runs on
/// its own.
pub async fn run_together(cargo: &Cargo, modules: &[&ModuleModel]) -> std::io::Result<SharedRuns> {
    let mut shared = SharedRuns::default();
    let targets: Vec<String> = modules.iter().map(|m| test_target(m)).collect();
    // Compiled first, on the compile's own time limit: a cold target folder builds every
    // test binary here, which must not eat the time the tests are given. A compile error
    // anywhere is for the modules' own runs to place (their code, or a neighbour's).
    if !cargo.compile_targets(&targets, false).await?.green() {
        return Ok(shared);
    }
    let env = Snapshots::Compare.insta_env();
    let finished = cargo.test_targets(&targets, false, &[], &env).await?;
    shared.tests = vouched(&finished, &targets);
    // Timings only of code whose tests passed, as a module's own run takes them.
    let timed: Vec<String> = targets
        .iter()
        .zip(modules)
        .filter(|(target, m)| {
            shared.tests.get(*target).is_some_and(TestOutcome::green)
                && m.nfrs
                    .iter()
                    .any(|n| matches!(n.kind, NfrModel::Perf { .. }))
        })
        .map(|(target, _)| target.clone())
        .collect();
    if timed.len() < 2 || !cargo.compile_targets(&timed, true).await?.green() {
        return Ok(shared);
    }
    let finished = cargo
        .test_targets(&timed, true, &["--ignored", "perf_"], &env)
        .await?;
    shared.perf = vouched(&finished, &timed);
    Ok(shared)
}

/// The outcomes of `targets` that a run of them all vouches for (see the module's doc):
/// passing where cargo named no failure, failing where it did and the binary said which
/// tests failed. A target missing from the map is tested on its own. Nothing is taken from
/// a run stopped at its time limit: the binary running then can have written anything,
/// cargo's and libtest's lines included, and cargo had no time to name it.
fn vouched(finished: &Finished, targets: &[String]) -> BTreeMap<String, TestOutcome> {
    if finished.timed_out || !parse_outcome(finished).errors.is_empty() {
        return BTreeMap::new();
    }
    let text = libtest_text(&finished.stdout);
    let Some(outputs) = split(&text, &finished.stderr, targets) else {
        return BTreeMap::new();
    };
    let named = named_failing(&finished.stderr);
    // A run that failed without cargo naming a target is one whose words this ghost does
    // not know (another cargo): nothing of it is taken.
    if !finished.success() && named.is_empty() {
        return BTreeMap::new();
    }
    let mut out = BTreeMap::new();
    for (target, output) in outputs {
        let mut outcome = TestOutcome::default();
        parse_libtest(output, &mut outcome);
        let closed = |verdict: &str| output.lines().any(|l| l.starts_with(verdict));
        let vouched = if named.contains(&target) {
            closed("test result: FAILED.") && !outcome.failed.is_empty()
        } else {
            closed("test result: ok.") && outcome.failed.is_empty()
        };
        if vouched {
            out.insert(target.to_string(), outcome);
        }
    }
    out
}

/// The targets cargo names failing on stderr: `error: test failed, to rerun pass
/// `--test a_mod`` as each one ends, and the closing list of a `--no-fail-fast` run
/// (`error: 2 targets failed:` then one `    `--test a_mod`` per line).
fn named_failing(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let quoted = l
                .strip_prefix("error: test failed, to rerun pass `")
                .or_else(|| l.strip_prefix('`'))?;
            quoted.strip_prefix("--test ")?.strip_suffix('`')
        })
        .collect()
}

/// Each binary of a run, with its output. cargo says `Running tests/NAME.rs (...)` on
/// stderr as it starts each binary, and each binary's output on stdout opens with
/// libtest's `running N tests`: the k-th of one is the k-th of the other. `None` when the
/// counts differ (a test printed such a line itself) or other targets ran.
fn split<'t>(
    text: &'t str,
    stderr: &'t str,
    targets: &[String],
) -> Option<Vec<(&'t str, &'t str)>> {
    let ran: Vec<&str> = stderr.lines().filter_map(running_target).collect();
    let outputs = outputs(text);
    let mut sorted_ran = ran.clone();
    sorted_ran.sort_unstable();
    sorted_ran.dedup();
    let foreign = ran.iter().any(|r| !targets.iter().any(|t| t == r));
    if sorted_ran.len() != ran.len()
        || foreign
        || ran.len() != outputs.len()
        || ran.len() != targets.len()
    {
        return None;
    }
    Some(ran.into_iter().zip(outputs).collect())
}

/// The test binaries' outputs, each from its `running N tests` line to the next one.
fn outputs(text: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if is_opening(line.trim_end()) {
            starts.push(at);
        }
        at += line.len();
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| &text[start..starts.get(i + 1).copied().unwrap_or(text.len())])
        .collect()
}

/// libtest's first line: `running 1 test`, `running 12 tests`.
fn is_opening(line: &str) -> bool {
    line.strip_prefix("running ")
        .and_then(|r| r.strip_suffix(" tests").or_else(|| r.strip_suffix(" test")))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STDERR: &str = "   Compiling gen v0.1.0 (/p)\n    Finished `test` profile\n     Running tests/b_mod.rs (/t/debug/deps/b_mod-1a2b)\n     Running tests/a_mod.rs (/t/debug/deps/a_mod-3c4d)\n";
    const B_PASSES: &str = "\nrunning 2 tests\ntest example_f_1 ... ok\ntest example_f_2 ... ok\n\ntest result: ok. 2 passed; 0 failed; 0 ignored\n\n";
    const A_PASSES: &str = "\nrunning 1 test\ntest scenario_g ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n\n";
    const A_FAILS: &str = "\nrunning 1 test\ntest scenario_g ... FAILED\n\nfailures:\n\n---- scenario_g stdout ----\nthread 'scenario_g' panicked at tests/a_mod.rs:9:5:\n`expect s.len() == 1` does not hold\n\nfailures:\n    scenario_g\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored\n\n";

    fn run(code: i32, stdout: &str, stderr: &str) -> Finished {
        Finished {
            code: Some(code),
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
            ..Finished::default()
        }
    }

    fn targets() -> Vec<String> {
        vec!["a_mod".to_string(), "b_mod".to_string()]
    }

    #[test]
    fn each_binary_is_its_target_in_the_order_cargo_ran_them() {
        let got = vouched(
            &run(0, &format!("{B_PASSES}{A_PASSES}"), STDERR),
            &targets(),
        );
        assert_eq!(got["a_mod"].passed, ["scenario_g"], "a_mod ran second");
        assert_eq!(got["b_mod"].passed, ["example_f_1", "example_f_2"]);
    }

    #[test]
    fn a_failure_cargo_names_is_taken_and_the_passing_binary_beside_it() {
        let stderr = format!("{STDERR}error: test failed, to rerun pass `--test a_mod`\n\nerror: 1 target failed:\n    `--test a_mod`\n");
        let got = vouched(
            &run(101, &format!("{B_PASSES}{A_FAILS}"), &stderr),
            &targets(),
        );
        assert_eq!(got["a_mod"].failed.len(), 1);
        assert!(got["a_mod"].failed[0].output.contains("does not hold"));
        assert!(got["b_mod"].green());
    }

    #[test]
    fn a_binary_that_says_ok_but_failed_is_tested_on_its_own() {
        // The code printed libtest's closing line itself, then ended the process: cargo
        // names the target, and its own `ok` is not believed.
        let stderr = format!("{STDERR}error: test failed, to rerun pass `--test a_mod`\n");
        let got = vouched(
            &run(101, &format!("{B_PASSES}{A_PASSES}"), &stderr),
            &targets(),
        );
        assert!(
            !got.contains_key("a_mod") && got.contains_key("b_mod"),
            "{got:?}"
        );
    }

    #[test]
    fn a_failed_run_cargo_names_nothing_of_is_not_read() {
        let got = vouched(
            &run(101, &format!("{B_PASSES}{A_FAILS}"), STDERR),
            &targets(),
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_binary_that_never_closed_is_tested_again_on_its_own() {
        // `std::process::exit(0)` in the code: cargo exits 0, libtest never reports.
        let a_cut = "\nrunning 1 test\ntest scenario_g ... \n";
        let got = vouched(&run(0, &format!("{B_PASSES}{a_cut}"), STDERR), &targets());
        assert!(
            !got.contains_key("a_mod") && got.contains_key("b_mod"),
            "{got:?}"
        );
    }

    #[test]
    fn a_test_printing_libtest_lines_itself_is_tested_again_on_its_own() {
        let forged = "\nrunning 1 test\ntest example_f_1 ... \nrunning 0 tests\nok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        let got = vouched(&run(0, &format!("{forged}{A_PASSES}"), STDERR), &targets());
        assert!(got.is_empty(), "three openings, two binaries: {got:?}");
    }

    #[test]
    fn a_target_cargo_did_not_run_is_not_read() {
        let one = "     Running tests/a_mod.rs (/t/debug/deps/a_mod-3c4d)\n";
        assert!(vouched(&run(0, A_PASSES, one), &targets()).is_empty());
    }

    #[test]
    fn nothing_is_taken_from_a_run_stopped_at_its_limit() {
        // The hung binary wrote a closing line for itself and an opening for another.
        let forged = "\nrunning 1 test\ntest scenario_g ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        let stderr = format!("{STDERR}     Running tests/b_mod.rs (/x)\n");
        let mut late = run(
            0,
            &format!("{B_PASSES}{forged}\nrunning 1 test\ntest example_f_1 ... "),
            &stderr,
        );
        late.code = None;
        late.timed_out = true;
        assert!(vouched(&late, &targets()).is_empty());
    }

    #[test]
    fn cargo_lines_name_their_target() {
        assert_eq!(
            running_target("     Running tests/text_case.rs (target/debug/deps/text_case-0f)"),
            Some("text_case")
        );
        assert_eq!(
            running_target("     Running unittests src/lib.rs (x)"),
            Some("lib")
        );
        assert_eq!(running_target("   Compiling gen v0.1.0 (/p)"), None);
        assert!(is_opening("running 0 tests") && is_opening("running 1 test"));
        assert!(!is_opening("running late tests") && !is_opening("running  tests"));
        assert_eq!(
            named_failing("error: test failed, to rerun pass `--test a_mod`\nerror: 2 targets failed:\n    `--test a_mod`\n    `--test b_mod`\n"),
            ["a_mod", "a_mod", "b_mod"]
        );
    }
}
