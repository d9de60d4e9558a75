//! What the build-side commands print when they finish: the closing table of a build,
//! the result of `--locked`, the results of `ghost test`, and the exit code each implies.

use super::output::plural;
use super::{Exit, Output};
use crate::build::session::{BrokenCrate, LockedReport, ModuleReport, Outcome, Tested};
use crate::plan::state::State;

/// The closing table of a build; the exit code: 0 all green, 3 when the agent failed a
/// module, 1 when any other module is not green (waiting, failing, edited by hand).
/// `spec_of` names a module's spec file, for the `file:line:col` lines of
/// `--message-format short` (an editor's problem matcher, under `ghost watch --build`).
pub fn build(
    out: &Output,
    reports: &[ModuleReport],
    spec_of: impl Fn(&str) -> Option<std::path::PathBuf>,
) -> Exit {
    if out.json() {
        for r in reports {
            let mut value = serde_json::to_value(r).unwrap_or_default();
            if let Some(fields) = value.as_object_mut() {
                fields.insert("outcome".into(), r.outcome.label().into());
                fields.insert("why".into(), r.outcome.why().into());
            }
            out.json_line("module-built", value);
        }
    }
    let width = reports
        .iter()
        .map(|r| r.module.len())
        .max()
        .unwrap_or(6)
        .max(6);
    out.status(&format!(
        "{:<width$}  {:<22} {:>8} {:>17} {:>8}  nfr",
        "module", "outcome", "attempts", "tokens in/out", "time"
    ));
    for r in reports {
        let nfr = if r.nfr_checked + r.nfr_asked == 0 {
            "-".to_string()
        } else {
            format!("{} checked, {} asked", r.nfr_checked, r.nfr_asked)
        };
        out.status(&format!(
            "{:<width$}  {:<22} {:>8} {:>17} {:>7.1}s  {nfr}",
            r.module,
            r.outcome.label(),
            r.attempts,
            format!("{}/{}", r.tokens_in, r.tokens_out),
            r.millis as f64 / 1000.0,
        ));
    }
    // Code that passed only after ghost's own edits is code no agent wrote as it stands:
    // said, so that it is reviewed like a reply.
    for r in reports.iter().filter(|r| r.outcome.is_green()) {
        if let Some(edit) = r.history.last().and_then(|a| a.mutant.as_deref()) {
            out.status(&format!(
                "  `{}` passed after ghost's own edit: {edit} (`[build] edits = false` in ghost.toml turns these off)",
                r.module
            ));
        }
    }
    let green = reports.iter().filter(|r| r.outcome.is_green()).count();
    let tokens: u64 = reports.iter().map(|r| r.tokens_in + r.tokens_out).sum();
    if out.json() {
        out.json_line(
            "build-finished",
            serde_json::json!({ "green": green, "modules": reports.len(), "tokens": tokens }),
        );
    }
    out.status(&format!(
        "{} of {} green, {} tokens",
        green,
        plural(reports.len(), "module"),
        tokens
    ));
    for r in reports.iter().filter(|r| !r.outcome.is_green()) {
        if let Some(why) = r.outcome.why() {
            out.error(&format!("`{}` ({}): {why}", r.module, r.outcome.label()));
        }
        if let Some(file) = spec_of(&r.module) {
            let why = r.outcome.why().unwrap_or_default();
            let why = why.lines().next().unwrap_or_default();
            let severity = if matches!(r.outcome, Outcome::Waiting { .. }) {
                "warning"
            } else {
                "error"
            };
            let message = format!("module `{}` is {}: {why}", r.module, r.outcome.label());
            short_line(out, &file, severity, &message);
        }
        // What code for an old spec got wrong says nothing about the new one.
        if matches!(
            r.outcome,
            Outcome::Waiting { .. } | Outcome::Skipped { .. } | Outcome::SpecChanged { .. }
        ) {
            continue;
        }
        for text in &r.details {
            out.error(&indent(text));
        }
        // A module broken by another's new code made no attempts to go on from; its
        // `why` says what to do.
        if matches!(r.outcome, Outcome::Exhausted { .. }) && !r.details.is_empty() {
            out.status(&format!(
                "  help: `ghost build {0}` tries again (it goes on from the attempts that failed, asking anew); `ghost prompt {0} --repair` shows the last repair prompt; a spec that says more (an example of what went wrong) helps most",
                r.module
            ));
        }
    }
    if reports
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Exhausted { .. }))
    {
        Exit::Agent
    } else {
        Exit::failure_if(green < reports.len())
    }
}

/// Says that the generated crate does not compile after a build (its exit code is
/// already a failure: some module is not green).
pub fn broken_crate(out: &Output, broken: &BrokenCrate) {
    let named: Vec<String> = broken.modules.iter().map(|m| format!("`{m}`")).collect();
    let whose = if named.is_empty() {
        String::new()
    } else {
        format!(" (in the code of {})", super::output::first_few(&named, 5))
    };
    if out.json() {
        out.json_line(
            "crate-broken",
            serde_json::json!({ "modules": broken.modules, "errors": broken.errors }),
        );
    }
    out.error(&format!(
        "the generated crate does not compile as it is now{whose}: nothing that depends on it builds until it does"
    ));
    for text in &broken.errors {
        out.error(&indent(text));
    }
    let again = match broken.modules.as_slice() {
        [one] => format!("`ghost build {one}` tries again"),
        _ => "`ghost build` tries again".to_string(),
    };
    let why = if broken.left_behind {
        "a module that failed keeps its last accepted code, which may call an older interface of a module this build changed; "
    } else {
        ""
    };
    out.status(&format!(
        "  help: {why}{again}, or mend the code by hand and lock it with `ghost build --provider manual`"
    ));
}

/// With `--message-format short`, a line for a module's spec file as a whole
/// (`specs/a/b.ghost:1:1: error: ...`), for an editor's or a CI's problem matcher.
fn short_line(out: &Output, file: &std::path::Path, severity: &str, message: &str) {
    if out.format == super::MessageFormat::Short {
        out.result(&format!("{}:1:1: {severity}: {message}", file.display()));
    }
}

/// The result of `ghost build --locked`. `spec_of` names a module's spec file, for the
/// `file:line:col` lines of `--message-format short` (a CI's problem matcher).
pub fn locked(
    out: &Output,
    report: &LockedReport,
    crate_dir: &std::path::Path,
    spec_of: impl Fn(&str) -> Option<std::path::PathBuf>,
) -> Exit {
    let short = |file: &std::path::Path, message: &str| short_line(out, file, "error", message);
    for (module, state) in &report.not_fresh {
        let what = if *state == State::Tampered {
            "its imp.rs was edited by hand: run `ghost build --provider manual` to lock the edit if its tests pass (or `ghost build --force` to regenerate it), and commit the result"
        } else {
            "run `ghost build` and commit the result"
        };
        out.error(&format!("module `{module}` is {state}: {what}"));
        if let Some(file) = spec_of(module) {
            short(&file, &format!("module `{module}` is {state}: {what}"));
        }
        if out.json() {
            out.json_line(
                "module-not-fresh",
                serde_json::json!({ "module": module, "state": state, "help": what }),
            );
        }
    }
    for file in &report.outdated_files {
        if out.json() {
            out.json_line("file-outdated", serde_json::json!({ "file": file }));
        }
        let message = "not what the specs generate now (missing, from an older spec or ghost, or edited by hand): run `ghost build` and commit the result";
        out.error(&format!("`{}` is {message}", file.display()));
        short(file, &format!("this file is {message}"));
    }
    if !report.not_fresh.is_empty() || !report.outdated_files.is_empty() {
        return Exit::Failure;
    }
    for t in report.tests.iter().filter(|t| !t.green()) {
        if let Some(file) = spec_of(&t.module) {
            short(
                &file,
                &format!(
                    "module `{}` fails its acceptance tests: {}",
                    t.module,
                    t.verdict.summary()
                ),
            );
        }
    }
    test_results(out, &report.tests, crate_dir)
}

/// One line per module with its acceptance tests' result; failures with their output.
pub fn test_results(out: &Output, results: &[Tested], crate_dir: &std::path::Path) -> Exit {
    let mut failed = 0;
    let together = results.iter().filter(|t| t.together).count();
    if together > 0 {
        out.verbose(&format!(
            "the outcomes of {} came from one shared build",
            plural(together, "module")
        ));
    }
    for tested in results {
        let Tested {
            module,
            verdict,
            failures,
            ..
        } = tested;
        // Tests that passed against ghost's stand-in for an item the code lacks
        // (`standing_in.rs`) are no proof that code and spec agree.
        let green = tested.green();
        let mark = if green { "ok" } else { "FAILED" };
        let asked = if verdict.asked.is_empty() {
            String::new()
        } else {
            format!(", {} asked", verdict.asked.len())
        };
        let lacks = if tested.lacking.is_empty() {
            String::new()
        } else {
            format!("; lacks {}", plural(tested.lacking.len(), "declared item"))
        };
        out.status(&format!(
            "{mark:>6} {module}: {}{lacks}; nfr {} checked{asked}",
            verdict.summary(),
            verdict.checked.len()
        ));
        // The first compiler errors (the rest mostly follow from them) and the failures.
        let failures: Vec<String> = if green {
            Vec::new()
        } else {
            verdict
                .compiler_errors()
                .into_iter()
                .take(3)
                .chain(failures.iter().cloned())
                // The broken NFRs are in `failures`; these could not be checked.
                .chain(
                    verdict
                        .unchecked_while_green()
                        .into_iter()
                        .map(|n| n.detail.clone()),
                )
                .collect()
        };
        if out.json() {
            out.json_line(
                "module-tested",
                serde_json::json!({
                    "module": module,
                    "green": green,
                    "summary": verdict.summary(),
                    "nfr_checked": verdict.checked.len(),
                    "failures": failures,
                }),
            );
        }
        if !green {
            failed += 1;
            for text in &failures {
                out.error(&indent(text));
            }
            // insta's own advice (`cargo insta test`) is not the way here: the pin is
            // ghost's, taken anew from code the build accepts. A snapshot with no file
            // (never pinned, or deleted to accept a change) differs from nothing: deleting
            // it again is no advice.
            let (unpinned, differing): (Vec<&str>, Vec<&str>) = failures
                .iter()
                .filter_map(|f| snapshot_file(f))
                .partition(|file| !crate_dir.join(file).is_file());
            if !differing.is_empty() {
                out.status("  help: a snapshot differs from its pinned value: if the new value is right, delete its `.snap` file (the `Snapshot file` above, in the generated crate) and run `ghost build` to pin it anew; otherwise the code is wrong");
            }
            if !unpinned.is_empty() {
                out.status(&format!(
                    "  help: {} no pinned value yet (`{}` is not in the generated crate): `ghost build` pins the value of code it accepts; `ghost test` only compares",
                    if unpinned.len() == 1 { "a snapshot has" } else { "snapshots have" },
                    unpinned.join("`, `")
                ));
            }
        }
    }
    out.status(&format!(
        "{} of {} green",
        results.len() - failed,
        plural(results.len(), "module")
    ));
    Exit::failure_if(failed > 0)
}

/// The pinned file a failure of insta names (`Snapshot file: tests/snapshots/a.snap`),
/// relative to the generated crate.
fn snapshot_file(failure: &str) -> Option<&str> {
    failure
        .lines()
        .find_map(|l| l.trim().strip_prefix("Snapshot file: "))
        .map(str::trim)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
