//! Stale modules whose code on disk is tested before anything is asked of an agent,
//! tested together: the modules in, each one's verdict out ([`Pretested`]).
//!
//! A new ghost (new generated tests, a new key) or new target settings make every module
//! stale at once, and each one's code is tested again to be re-locked. Module by module
//! that is one cargo run per module, each in its own scratch copy of the crate, whose
//! library cargo compiles anew every time: 74 s for 150 modules. Here their acceptance
//! tests are built in one cargo run in the generated crate and run as `together.rs` runs
//! them, and each verdict is judged from its binary's outcome as `ghost test` judges it.
//!
//! Only green verdicts are used, and only for the code they were taken of, in a build
//! that has changed no code the module uses by the time its turn comes: anything else
//! takes the module's usual path (its own scratch copy, which also records new
//! snapshots, which this run only compares).

use super::session::{forced, Context, Options};
use super::verify::{judge, refused, Snapshots, Verdict};
use crate::check::ModuleModel;
use crate::compile::rust::test_target;
use crate::compile::CompiledModule;
use crate::plan::state::State;
use crate::plan::Lock;
use std::collections::{BTreeMap, BTreeSet};

/// A green verdict taken in the shared run, with the code it is of.
#[derive(Debug)]
pub struct Pretest {
    pub code: String,
    pub verdict: Verdict,
}

/// The green verdicts of the shared run, by module.
#[derive(Debug, Default)]
pub struct Pretested {
    by_module: BTreeMap<String, Pretest>,
}

impl Pretested {
    /// The green verdict of `module`'s `code`, if the shared run took one of that code.
    pub fn take(&mut self, module: &str, code: &str) -> Option<Verdict> {
        self.by_module
            .remove(module)
            .filter(|p| p.code == code)
            .map(|p| p.verdict)
    }
}

/// A module whose code on disk is tested in the shared run.
struct Chosen<'a> {
    m: &'a CompiledModule,
    module: &'a ModuleModel,
    code: String,
}

impl Chosen<'_> {
    /// The modules whose code its tests run: itself and those it uses.
    fn runs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.m.name.as_str()).chain(self.module.uses.iter().map(String::as_str))
    }
}

/// The modules of `order` (not those `beside` it) whose code on disk the build tests
/// first, with that code: stale, with code, their own prose unchanged, not forced, each
/// snapshot pinned for its steps as they are now, refused by no rule (`verify::refused`), and
/// using only modules that are fresh or such modules themselves (a module that may get
/// new code first makes the run's verdict one of code it will not be used with).
fn candidates<'a>(
    ctx: &'a Context,
    lock: &Lock,
    order: &[&'a CompiledModule],
    beside: &BTreeSet<String>,
    opts: &Options,
) -> Vec<Chosen<'a>> {
    let mut chosen: Vec<Chosen<'a>> = Vec::new();
    // Most builds have no stale module (a save hook's, every module fresh): the statuses,
    // which read and hash each module's code, are taken only when two could be stale
    // (fewer are not tested together).
    if order
        .iter()
        .filter(|m| ctx.may_be_stale(lock, m))
        .take(2)
        .count()
        < 2
    {
        return chosen;
    }
    let mut settled: BTreeSet<&str> = BTreeSet::new();
    for m in order {
        let status = ctx.status(lock, m);
        if status.state == State::Fresh && !forced(opts, &m.name) {
            settled.insert(&m.name);
            continue;
        }
        let qualifies = status.state == State::Stale
            && status.has_code
            && !status.prose_changed
            && !forced(opts, &m.name)
            && !beside.contains(&m.name);
        let Some(module) = ctx.project.module(&m.name) else {
            continue;
        };
        let uses_settled = module.uses.iter().all(|u| settled.contains(u.as_str()));
        let code = ctx
            .imp_bytes(m)
            .and_then(|bytes| String::from_utf8(bytes).ok());
        // Code the in-memory rule refuses, or code naming a module its spec does not use
        // (which here would run against that module's code), is never run: refused on
        // its own path.
        let runnable =
            |code: &String| refused(&ctx.project, &ctx.module_tree, module, code).is_none();
        // A pin missing or recorded for other steps is recorded anew on the module's own
        // path: this run only compares, and would leave the old steps' pin in place.
        let pinned = || super::snapshots::pinned_for_spec(&ctx.paths.out_dir, m, module);
        if let Some(code) = code.filter(|c| qualifies && uses_settled && pinned() && runnable(c)) {
            settled.insert(&m.name);
            chosen.push(Chosen { m, module, code });
        }
    }
    chosen
}

/// The [`candidates`] of a build, tested together ([`pretest`]); `starting` is told how
/// many before their run, which only two or more make.
pub async fn pretest_stale(
    ctx: &Context,
    lock: &Lock,
    order: &[&CompiledModule],
    beside: &BTreeSet<String>,
    opts: &Options,
    starting: impl FnOnce(usize),
) -> std::io::Result<Pretested> {
    let chosen = candidates(ctx, lock, order, beside, opts);
    if chosen.len() < 2 {
        return Ok(Pretested::default());
    }
    starting(chosen.len());
    pretest(ctx, &chosen).await
}

/// Tests `chosen` (two or more) together in the generated crate and judges each module
/// whose tests ran there; keeps the green verdicts.
async fn pretest(ctx: &Context, chosen: &[Chosen<'_>]) -> std::io::Result<Pretested> {
    let mut out = Pretested::default();
    let modules: Vec<&ModuleModel> = chosen.iter().map(|c| c.module).collect();
    // The code the run tests: the chosen modules' and what they use (whole folders).
    let read = |name: &str| ctx.compiled.module(name).and_then(|m| ctx.imp_bytes(m));
    let tested: BTreeMap<&str, Option<Vec<u8>>> = chosen
        .iter()
        .flat_map(Chosen::runs)
        .map(|name| (name, read(name)))
        .collect();
    let cargo = ctx.cargo();
    let mut shared = super::together::run_together(&cargo, &modules).await?;
    // Code someone else wrote during the run (and ghost puts back before the module's
    // turn) was what cargo tested: no verdict of a module it touches is taken.
    for c in chosen {
        let Chosen { m, module, code } = c;
        let Some(tests) = shared.tests.remove(&test_target(module)) else {
            continue;
        };
        // Code lacking an item its spec gained passed against ghost's stand-in for it
        // (`standing_in.rs`), which no lock may record: a scratch copy judges it.
        let lacks = !super::standing_in::lacking(m, code).is_empty();
        if !tests.green() || lacks || !same_code(&tested, c.runs(), read) {
            continue;
        }
        let verdict = judge(&cargo, module, code, tests, Snapshots::Compare, &mut shared).await?;
        if verdict.green() {
            out.by_module.insert(
                m.name.clone(),
                Pretest {
                    code: code.clone(),
                    verdict,
                },
            );
        }
    }
    Ok(out)
}

/// Whether every module of `names` has the code it had when `before` was read (`None`:
/// no `imp.rs`), as `now` reads it.
fn same_code<'n>(
    before: &BTreeMap<&str, Option<Vec<u8>>>,
    mut names: impl Iterator<Item = &'n str>,
    now: impl Fn(&str) -> Option<Vec<u8>>,
) -> bool {
    names.all(|name| before.get(name).is_some_and(|code| *code == now(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_kept_only_for_code_no_one_changed_during_the_run() {
        let before: BTreeMap<&str, Option<Vec<u8>>> = [("a", Some(b"a".to_vec())), ("b", None)]
            .into_iter()
            .collect();
        let as_before = |name: &str| before.get(name).cloned().flatten();
        assert!(same_code(&before, ["a", "b"].into_iter(), as_before));
        let a_edited = |name: &str| (name == "a").then(|| b"a, edited".to_vec());
        assert!(!same_code(&before, ["a"].into_iter(), a_edited));
        let b_written = |name: &str| Some(name.as_bytes().to_vec());
        assert!(!same_code(&before, ["b"].into_iter(), b_written));
        assert!(
            !same_code(&before, ["c"].into_iter(), as_before),
            "not read before"
        );
    }
}
