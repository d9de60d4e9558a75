//! Several modules' acceptance tests from one build, for `ghost test` and `ghost build
//! --locked`: the modules in, the runs they share out ([`SharedRuns`]: the tests' and
//! timings' outcomes taken from them, by module). With nothing to compile, a module's own
//! `cargo test` is mostly cargo finding that out (the repository's eleven modules: 2.6 s
//! one by one), so cargo builds every module's test binary in one run and ghost runs the
//! binaries itself, as `cargo test` would: each with its own output, exit status and time
//! limit, as many at once as the machine has cores and memory for (the timings one at a
//! time).
//!
//! Each binary's outcome is its own: code under test can print anything, libtest's lines
//! included, but only into its own binary's output, and the exit status is the process's.
//! An outcome is taken when it is plain (a binary that closed `test result: ok.` and
//! exited 0, one that closed `FAILED.` naming failing tests and exited 101, one stopped at
//! its time limit when it ran alone, named by the test it hung in); any other module (a binary that ended
//! early, a compile error anywhere) is tested on its own, which names the failure with its
//! exit status and tells a broken neighbour from broken code (a scratch copy). A project
//! whose cargo configuration sets the binaries' variables (`[env]`) or a runner is tested
//! through cargo, module by module (see `cargo_config.rs`).

use super::cargo::{hung_test, parse_libtest, Cargo, TestOutcome};
use super::verify::{SharedRuns, Snapshots};
use crate::check::{ModuleModel, NfrModel};
use crate::compile::rust::test_target;
use crate::process::Finished;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The environment of the shared runs: snapshots compared, never recorded.
const COMPARE_ENV: [(&str, &str); 3] = Snapshots::Compare.insta_env();

/// The runs `modules` (two or more, none refused by the in-memory rule) can share: their
/// acceptance tests from one build, and the timings of those asking for `nfr perf` whose
/// tests passed from one release build. What the runs do not settle, each module runs on
/// its own.
pub async fn run_together(cargo: &Cargo, modules: &[&ModuleModel]) -> std::io::Result<SharedRuns> {
    let mut shared = SharedRuns::default();
    // A configuration that sets the binaries' variables or runs them through another
    // program is cargo's to apply: every module runs through cargo.
    if super::cargo_config::changes_test_runs(&cargo.crate_dir) {
        return Ok(shared);
    }
    // Held until the binaries have run: another checkout of the package sharing the
    // target folder must not rebuild them in between (see `claim.rs`).
    let _claim = cargo.claim_target().await?;
    let targets: Vec<String> = modules.iter().map(|m| test_target(m)).collect();
    // Compiled first, on the compile's own time limit: a cold target folder builds every
    // test binary here, which must not eat the time the tests are given. A compile error
    // anywhere is for the modules' own runs to place (their code, or a neighbour's).
    let (built, binaries) = cargo.compile_targets(&targets, false).await?;
    if !built.green() {
        return Ok(shared);
    }
    let env = &COMPARE_ENV;
    let at_once = at_once(cargo.memory_mb);
    shared.tests = run_binaries(cargo, &binaries, &targets, &[], env, at_once).await?;
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
    if timed.is_empty() {
        return Ok(shared);
    }
    let (built, binaries) = cargo.compile_targets(&timed, true).await?;
    if !built.green() {
        return Ok(shared);
    }
    // One at a time: a timing shares the machine with nothing ghost started.
    shared.perf = run_binaries(cargo, &binaries, &timed, &["--ignored", "perf_"], env, 1).await?;
    Ok(shared)
}

/// How many test binaries run at once: one a core, but no more than the machine's memory
/// holds at each one's limit (`test_memory_mb`), so that modules allocating without end
/// side by side fail at their limit instead of bringing the machine's out-of-memory
/// killer (cargo ran one binary at a time).
fn at_once(memory_mb: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let fit = match (memory_mb, total_memory_mb()) {
        (0, _) | (_, None) => cores,
        (limit, Some(total)) => usize::try_from(total / limit).unwrap_or(usize::MAX),
    };
    cores.min(fit).max(1)
}

/// The memory ghost may use in MiB, where the system says: the machine's
/// (`/proc/meminfo` on Linux), or a container's limit when smaller (cgroup v2's
/// `memory.max`).
fn total_memory_mb() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    let container = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|max| max.trim().parse::<u64>().ok())
        .map_or(u64::MAX, |bytes| bytes >> 20);
    Some((kib / 1024).min(container))
}

/// Runs the binaries of `targets`, `at_once` at a time, and keeps the outcomes that
/// [`settled`] takes.
async fn run_binaries(
    cargo: &Cargo,
    binaries: &BTreeMap<String, PathBuf>,
    targets: &[String],
    test_args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    at_once: usize,
) -> std::io::Result<BTreeMap<String, TestOutcome>> {
    // Without the package's folder (gone meanwhile), no binary runs: each module runs
    // on its own, whose cargo says what is wrong.
    let Ok(package) = cargo.package_env() else {
        return Ok(BTreeMap::new());
    };
    let package = Arc::new(package);
    let slots = Arc::new(tokio::sync::Semaphore::new(at_once.max(1)));
    let mut runs = tokio::task::JoinSet::new();
    for target in targets {
        // A target cargo built no binary for (another cargo's words) runs on its own.
        let Some(binary) = binaries.get(target).cloned() else {
            continue;
        };
        let (cargo, target, slots) = (cargo.clone(), target.clone(), slots.clone());
        let package = package.clone();
        runs.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let finished = cargo.run_binary(&binary, test_args, env, &package).await;
            (target, finished)
        });
    }
    let mut out = BTreeMap::new();
    while let Some(joined) = runs.join_next().await {
        // A binary that could not be started (gone, built for another machine by a
        // cargo configured to cross-compile) is the module's own run's to try, as is
        // a run whose task failed: one binary's trouble stops nobody else's.
        if let Ok((target, Ok(finished))) = joined {
            if let Some(outcome) = settled(&finished, at_once > 1) {
                out.insert(target, outcome);
            }
        }
    }
    Ok(out)
}

/// The outcome of one test binary's run, when it is plain enough to take: it closed with
/// libtest's verdict and exited as libtest does after it (0 for `ok.`, 101 for `FAILED.`
/// with the failing tests named), or it was stopped at its time limit (the test it hung
/// in named, as a module's own run names it) while it ran alone. `None` for anything else:
/// an early end (`exit`, `abort`, a signal) is named by the module's own run, with its exit
/// status, and a binary stopped at its limit while `beside_others` ran too is tried again on
/// its own there: slow code that the neighbours' load pushed past the limit must not be a
/// timeout in CI's eyes, at the price of a second wait for code that truly hangs.
fn settled(finished: &Finished, beside_others: bool) -> Option<TestOutcome> {
    let text = &finished.stdout;
    let mut outcome = TestOutcome {
        timed_out: finished.timed_out,
        elapsed: finished.elapsed,
        ..TestOutcome::default()
    };
    parse_libtest(text, &mut outcome);
    if finished.timed_out {
        if beside_others {
            return None;
        }
        outcome.hung = hung_test(text);
        return Some(outcome);
    }
    // libtest's verdict is its last `test result:` line.
    let verdict = text.lines().rfind(|l| l.starts_with("test result:"));
    let closed = |word: &str| verdict.is_some_and(|l| l.starts_with(word));
    let plain = match finished.code {
        Some(0) => closed("test result: ok.") && outcome.failed.is_empty(),
        Some(101) => closed("test result: FAILED.") && !outcome.failed.is_empty(),
        _ => false,
    };
    plain.then_some(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSES: &str = "\nrunning 2 tests\ntest example_f_1 ... ok\ntest example_f_2 ... ok\n\ntest result: ok. 2 passed; 0 failed; 0 ignored\n\n";
    const FAILS: &str = "\nrunning 1 test\ntest scenario_g ... FAILED\n\nfailures:\n\n---- scenario_g stdout ----\nthread 'scenario_g' panicked at tests/a_mod.rs:9:5:\n`expect s.len() == 1` does not hold\n\nfailures:\n    scenario_g\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored\n\n";

    fn settled_alone(finished: &Finished) -> Option<TestOutcome> {
        settled(finished, false)
    }

    fn run(code: Option<i32>, stdout: &str) -> Finished {
        Finished {
            code,
            stdout: stdout.to_string(),
            ..Finished::default()
        }
    }

    #[test]
    fn a_binary_that_passed_or_failed_as_libtest_ends_is_taken() {
        let passed = settled_alone(&run(Some(0), PASSES)).expect("taken");
        assert!(passed.green());
        assert_eq!(passed.passed, ["example_f_1", "example_f_2"]);
        let failed = settled_alone(&run(Some(101), FAILS)).expect("taken");
        assert_eq!(failed.failed.len(), 1);
        assert!(failed.failed[0].output.contains("does not hold"));
    }

    #[test]
    fn a_binary_whose_exit_does_not_match_its_words_runs_on_its_own() {
        // The code printed libtest's closing line itself, then ended the process.
        assert!(settled_alone(&run(Some(1), PASSES)).is_none());
        assert!(settled_alone(&run(Some(101), PASSES)).is_none());
        // Killed by a signal (an abort, the memory limit) after saying ok.
        assert!(settled_alone(&run(None, PASSES)).is_none());
        // `exit(0)` before libtest closed: no verdict at all.
        assert!(settled_alone(&run(Some(0), "\nrunning 1 test\ntest scenario_g ... ")).is_none());
        // A failure libtest names only in words the code printed: exit 0 says it passed,
        // so the words are not believed, and neither is the pass.
        assert!(settled_alone(&run(Some(0), FAILS)).is_none());
        // Printed failure lines before libtest's own passing verdict: exit 0 and `ok.`
        // agree, but the failures read do not.
        assert!(settled_alone(&run(Some(0), &format!("{FAILS}{PASSES}"))).is_none());
        // libtest's verdict is its last line: a failing exit after a printed FAILED
        // verdict and a real `ok.` is no plain failure.
        assert!(settled_alone(&run(Some(101), &format!("{FAILS}{PASSES}"))).is_none());
    }

    #[test]
    fn no_more_binaries_run_at_once_than_there_are_cores_or_memory_for() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(at_once(0), cores, "no memory limit: one a core");
        if total_memory_mb().is_some() {
            assert_eq!(
                at_once(u64::MAX),
                1,
                "a limit past the machine's memory: one"
            );
        }
    }

    fn in_folder(dir: &std::path::Path) -> Cargo {
        Cargo {
            crate_dir: dir.to_path_buf(),
            target_dir: dir.join("target"),
            timeout: std::time::Duration::from_secs(20),
            memory_mb: 0,
            hidden_env: Vec::new(),
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    /// Each binary runs in the crate's folder with the variables cargo would give it, and
    /// one that cannot be started is left to its module's own run, not an error.
    #[cfg(unix)]
    #[test]
    fn binaries_run_as_cargo_runs_them_and_one_that_cannot_start_is_left_out() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = std::fs::canonicalize(tmp.path()).expect("canonical");
        let script = dir.join("a_mod-1");
        std::fs::write(
            &script,
            "#!/bin/sh\n[ \"$1 $2\" = \"--test-threads 1\" ] && [ \"$(pwd)\" = \"$CARGO_MANIFEST_DIR\" ] && [ \"$INSTA_WORKSPACE_ROOT\" = \"$CARGO_MANIFEST_DIR\" ] && s=ok || s=FAILED\nprintf '\\nrunning 1 test\\ntest example_f_1 ... %s\\n\\ntest result: ok. 1 passed\\n' \"$s\"\n",
        )
        .expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let binaries = BTreeMap::from([
            ("a_mod".to_string(), script),
            ("b_mod".to_string(), dir.join("gone")),
        ]);
        let targets = ["a_mod".to_string(), "b_mod".to_string()];
        let got = block_on(run_binaries(
            &in_folder(&dir),
            &binaries,
            &targets,
            &[],
            &[],
            2,
        ))
        .expect("runs");
        assert_eq!(got.keys().collect::<Vec<_>>(), ["a_mod"]);
        assert_eq!(got["a_mod"].passed, ["example_f_1"], "{:?}", got["a_mod"]);
    }

    #[test]
    fn a_binary_stopped_at_its_limit_is_taken_with_the_test_it_hung_in() {
        let mut late = run(
            None,
            "\nrunning 2 tests\ntest example_f_1 ... ok\ntest example_f_2 ... ",
        );
        late.timed_out = true;
        let outcome = settled(&late, false).expect("taken");
        assert!(outcome.timed_out && !outcome.green());
        assert_eq!(outcome.hung.as_deref(), Some("example_f_2"));
        assert_eq!(outcome.summary(), "timed out in `example_f_2`");
    }

    #[test]
    fn a_binary_stopped_at_its_limit_beside_others_runs_again_on_its_own() {
        let mut late = run(None, "\nrunning 1 test\ntest example_f_1 ... ");
        late.timed_out = true;
        assert!(settled(&late, true).is_none());
    }
}
