//! Several modules' acceptance tests in one cargo run, for `ghost test` and `ghost build
//! --locked`: the modules in, the runs they share out ([`SharedRuns`]: each module's tests
//! and timings, when the run passed as a whole). With nothing to compile, a module's own
//! `cargo test` is mostly cargo finding that out (the repository's eleven modules: 2.6 s
//! one by one, 1.1 s together), so CI pays it once instead of once per module.
//!
//! A run that fails is not read here: each of its modules is tested on its own again,
//! which is what names the failing module with its exit status, tells a broken
//! neighbour from broken code (a scratch copy), and reports a binary that ended early.
//! Only a run that exited 0 is trusted, since code under test can print anything,
//! libtest's lines included. The price: a red module costs its tests twice, and a test
//! that fails only sometimes gets a second chance in its own run.

use super::cargo::{libtest_text, parse_libtest, parse_outcome, Cargo, TestOutcome};
use super::verify::{SharedRuns, Snapshots};
use crate::check::{ModuleModel, NfrModel};
use crate::compile::rust::test_target;
use crate::process::Finished;
use std::path::Path;

/// The runs `modules` (two or more, none refused by the in-memory rule) can share: their
/// acceptance tests from one cargo run, and the timings of those asking for `nfr perf`
/// from one more, each kept only when the whole run passed. Whatever is not kept, each
/// module runs on its own.
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
    let Some(tests) = read_passing(&finished, &targets) else {
        return Ok(shared);
    };
    shared.tests = targets.into_iter().zip(tests).collect();
    let timed: Vec<String> = modules
        .iter()
        .filter(|m| {
            m.nfrs
                .iter()
                .any(|n| matches!(n.kind, NfrModel::Perf { .. }))
        })
        .map(|m| test_target(m))
        .collect();
    if timed.len() < 2 || !cargo.compile_targets(&timed, true).await?.green() {
        return Ok(shared);
    }
    let finished = cargo
        .test_targets(&timed, true, &["--ignored", "perf_"], &env)
        .await?;
    if let Some(perf) = read_passing(&finished, &timed) {
        shared.perf = timed.into_iter().zip(perf).collect();
    }
    Ok(shared)
}

/// Each of `targets`' outcomes, in their order, from a run that passed as a whole; `None`
/// when something failed or timed out, or the output does not tell the binaries apart.
fn read_passing(finished: &Finished, targets: &[String]) -> Option<Vec<TestOutcome>> {
    // The exit status is what decides: a test printing `test result: ok.` cannot set it.
    if !finished.success() || !parse_outcome(finished).green() {
        return None;
    }
    split(&libtest_text(&finished.stdout), &finished.stderr, targets)
}

/// The passing outcomes of a run's test binaries, in `targets`' order. cargo says
/// `Running tests/NAME.rs (...)` on stderr as it starts each binary, and each binary's
/// output on stdout opens with libtest's `running N tests`: the k-th of one is the k-th
/// of the other. Anything else (a binary without its closing `test result: ok.`, a
/// count that differs because a test printed such a line itself) is `None`.
fn split(text: &str, stderr: &str, targets: &[String]) -> Option<Vec<TestOutcome>> {
    let ran: Vec<&str> = stderr.lines().filter_map(running_target).collect();
    let outputs = outputs(text);
    let mut sorted_ran = ran.clone();
    sorted_ran.sort_unstable();
    let mut sorted_targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    sorted_targets.sort_unstable();
    if ran.len() != outputs.len() || sorted_ran != sorted_targets {
        return None;
    }
    targets
        .iter()
        .map(|t| {
            let k = ran.iter().position(|r| r == t)?;
            passing(outputs[k])
        })
        .collect()
}

/// The target of cargo's `     Running tests/NAME.rs (target/debug/deps/NAME-hash)`.
fn running_target(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("Running ")?;
    let (file, _) = rest.split_once(" (")?;
    let path = Path::new(file);
    (path.extension()? == "rs").then_some(())?;
    path.file_stem()?.to_str()
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

/// One binary's outcome, when it ran to its end and every test passed.
fn passing(output: &str) -> Option<TestOutcome> {
    let mut out = TestOutcome::default();
    parse_libtest(output, &mut out);
    let closed = output.lines().any(|l| l.starts_with("test result: ok."));
    (closed && out.failed.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STDERR: &str = "   Compiling gen v0.1.0 (/p)\n    Finished `test` profile\n     Running tests/b_mod.rs (/t/debug/deps/b_mod-1a2b)\n     Running tests/a_mod.rs (/t/debug/deps/a_mod-3c4d)\n";

    fn targets() -> Vec<String> {
        vec!["a_mod".to_string(), "b_mod".to_string()]
    }

    #[test]
    fn each_binary_is_its_target_in_the_order_cargo_ran_them() {
        let text = "\nrunning 2 tests\ntest example_f_1 ... ok\ntest example_f_2 ... ok\n\ntest result: ok. 2 passed; 0 failed; 0 ignored\n\n\nrunning 1 test\ntest scenario_g ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n\n";
        let got = split(text, STDERR, &targets()).expect("two passing binaries");
        assert_eq!(got[0].passed, ["scenario_g"], "a_mod ran second");
        assert_eq!(got[1].passed, ["example_f_1", "example_f_2"]);
    }

    #[test]
    fn a_binary_that_never_closed_is_tested_again_on_its_own() {
        // `std::process::exit(0)` in the code: cargo exits 0, libtest never reports.
        let text = "\nrunning 2 tests\ntest example_f_1 ... ok\ntest example_f_2 ... \n\nrunning 1 test\ntest scenario_g ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        assert!(split(text, STDERR, &targets()).is_none());
    }

    #[test]
    fn a_test_printing_libtest_lines_itself_is_tested_again_on_its_own() {
        let text = "\nrunning 1 test\ntest example_f_1 ... \nrunning 0 tests\nok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n\nrunning 1 test\ntest scenario_g ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        assert!(
            split(text, STDERR, &targets()).is_none(),
            "three openings, two binaries"
        );
    }

    #[test]
    fn a_target_cargo_did_not_run_is_tested_on_its_own() {
        let text = "\nrunning 1 test\ntest scenario_g ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        let stderr = "     Running tests/a_mod.rs (/t/debug/deps/a_mod-3c4d)\n";
        assert!(split(text, stderr, &targets()).is_none());
    }

    #[test]
    fn cargo_running_lines_name_their_target() {
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
    }
}
