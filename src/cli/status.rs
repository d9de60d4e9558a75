//! `ghost status`: one line per module, from the lock and the last run.

use super::pipeline::Pipeline;
use super::{CommandError, Exit, Output};
use crate::build::runlog::{last_attempts, last_build_costs};
use crate::plan::lock::LockEntry;
use crate::plan::state::State;

pub const HELP: &str = "\
Prints one line per module: its state (fresh, stale, missing, tampered, failing), the
attempts and tokens its last build took (the lock's for locked code; the run log's for a
build that failed), and the last result. A module whose spec has
errors is listed as `error` after the others, its diagnostics shown first. A lock entry
no spec declares any more is listed as `orphaned` (the next `ghost build` drops it).

Exits 0 when every module is fresh; 1 when a spec has errors or a module is not fresh
(stale, missing, tampered, failing or orphaned), naming them on stderr. `ghost check`
is the command that exits 0 for stale and missing modules (what a save produces).

Example:
  ghost status";

#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

/// One module's `module-status` line in JSON.
#[derive(serde::Serialize)]
struct StatusJson<'a> {
    module: &'a str,
    state: &'a str,
    why: Vec<&'a str>,
    attempts: u32,
    tokens_in: u64,
    tokens_out: u64,
    last_result: &'a str,
    locked_code_kept: bool,
    unlocked_code: bool,
}

impl<'a> StatusJson<'a> {
    /// The line of a module with no build to tell of (a spec with errors, an entry no
    /// spec declares): its state, why, and what its lock entry says it cost.
    fn unbuilt(module: &'a str, state: &'a str, why: &'a str, entry: Option<&LockEntry>) -> Self {
        let (attempts, tokens_in, tokens_out) = locked_cost(entry);
        StatusJson {
            module,
            state,
            why: vec![why],
            attempts,
            tokens_in,
            tokens_out,
            last_result: "-",
            locked_code_kept: false,
            unlocked_code: false,
        }
    }

    fn print(&self, out: &Output) {
        out.json_line(
            "module-status",
            serde_json::to_value(self).unwrap_or_default(),
        );
    }
}

/// What a lock entry says its code cost: attempts, tokens in and out (0 without one).
fn locked_cost(entry: Option<&LockEntry>) -> (u32, u64, u64) {
    entry.map_or((0, 0, 0), |e| (e.attempts, e.tokens_in, e.tokens_out))
}

pub fn run(args: &StatusArgs, out: &Output) -> Result<Exit, CommandError> {
    let _ = args;
    let pipeline = Pipeline::load(&[])?;
    // A spec with errors is shown, and listed as such; the other modules' lines still
    // follow (as `ghost check` lists them), so that one broken file does not hide the
    // state of the whole project.
    let errors = pipeline.show_diagnostics(out);
    let broken = pipeline.modules_with_errors();
    let lock = pipeline.lock(out, true)?;
    super::pipeline::tell_crate_conflicts(&pipeline.project, out);
    let templates = pipeline.templates()?;
    let specs_shown = pipeline.project.display(&pipeline.project.specs_dir);
    let ctx = pipeline.context(templates);
    let last = last_attempts(&ctx.paths.runs_dir());
    let costs = last_build_costs(&ctx.paths.runs_dir());
    // The modules that are not fresh, with their state, for the closing error; whether
    // one of them is a hand edit (which an agent's build keeps as it is).
    let mut not_fresh: Vec<String> = Vec::new();
    let mut edited = false;
    let width = ctx
        .compiled
        .modules
        .iter()
        .map(|m| m.name.len())
        .chain(broken.iter().map(String::len))
        .chain(lock.names().map(str::len))
        .max()
        .unwrap_or(6)
        .max(6);
    if !out.json() {
        out.result(&format!(
            "{:<width$}  {:<9} {:>8} {:>17}  last result",
            "module", "state", "attempts", "tokens in/out"
        ));
    }
    for m in &ctx.compiled.modules {
        let status = ctx.status_shown(&lock, m);
        let entry = lock.get(&m.name);
        // What the last build spent, where it ended without code in the lock for this
        // spec (no entry says what a failed build cost).
        let failed_build = (status.state != State::Fresh)
            .then(|| last.get(&m.name))
            .flatten()
            .filter(|a| a.outcome.starts_with("failed"))
            .and_then(|_| costs.get(&m.name));
        let (attempts, tokens_in, tokens_out) =
            failed_build.copied().unwrap_or_else(|| locked_cost(entry));
        let tokens = if failed_build.is_none() && entry.is_none() {
            String::from("-")
        } else {
            format!("{tokens_in}/{tokens_out}")
        };
        let last_result = match last.get(&m.name) {
            Some(a) if a.tests.is_empty() => a.outcome.clone(),
            Some(a) => format!("{} ({})", a.outcome, a.tests),
            None => "-".into(),
        };
        // A rebuild (`--force`) that failed leaves the locked code in place; so does one
        // with the manual provider, waiting for new code, and code edited by hand that a
        // manual build found failing, then put back as locked.
        let kept = status.state == State::Fresh
            && last.get(&m.name).is_some_and(|a| {
                a.outcome.starts_with("failed") || a.outcome == "failing" || a.outcome == "waiting"
            });
        let mut reasons: Vec<&str> = status.reasons.iter().map(|r| r.as_str()).collect();
        // What the code lacks of the spec's interface (`standing_in.rs`): it needs more
        // than a test run.
        let lacks = (status.state == State::Stale)
            .then(|| ctx.imp_bytes(m))
            .flatten()
            .map(|code| crate::build::standing_in::lacking(m, &String::from_utf8_lossy(&code)))
            .and_then(|names| crate::build::standing_in::lacking_reason(&names));
        reasons.extend(lacks.as_deref());
        if status.state != State::Fresh {
            not_fresh.push(format!("`{}` ({})", m.name, status.state));
            edited |= status.state == State::Tampered;
        }
        if out.json() {
            StatusJson {
                module: &m.name,
                state: status.state.as_str(),
                why: reasons,
                attempts,
                tokens_in,
                tokens_out,
                last_result: &last_result,
                locked_code_kept: kept,
                unlocked_code: status.state == State::Missing && status.has_code,
            }
            .print(out);
            continue;
        }
        // Why a module is stale goes last, so that the columns stay aligned.
        let why = if reasons.is_empty() {
            String::new()
        } else {
            format!(" (stale: {})", reasons.join(", "))
        };
        let kept = if kept {
            "; the locked code is kept"
        } else if status.state == State::Missing && status.has_code {
            // Code on disk that no lock entry covers (a lock deleted or merged away).
            " (code on disk, not locked: `ghost build` tests it and locks it if it passes)"
        } else {
            ""
        };
        out.result(&format!(
            "{:<width$}  {:<9} {:>8} {:>17}  {last_result}{kept}{why}",
            m.name,
            status.state.to_string(),
            attempts,
            tokens
        ));
    }
    for name in &broken {
        let entry = lock.get(name);
        if out.json() {
            let why = "its spec, or that of a module it uses, has errors";
            StatusJson::unbuilt(name, "error", why, entry).print(out);
            continue;
        }
        let (attempts, tokens) = entry.map_or((0, String::from("-")), |e| {
            (e.attempts, format!("{}/{}", e.tokens_in, e.tokens_out))
        });
        out.result(&format!(
            "{name:<width$}  {:<9} {attempts:>8} {tokens:>17}  its spec, or that of a module it uses, has errors (shown above); fix them, then `ghost build`",
            "error"
        ));
    }
    // Entries of modules no spec declares (a spec deleted or renamed); a file with errors
    // still declares its module.
    for name in lock.names() {
        if ctx.compiled.module(name).is_some() || broken.iter().any(|b| b == name) {
            continue;
        }
        not_fresh.push(format!("`{name}` (orphaned)"));
        if out.json() {
            let why = "no spec declares it: `ghost build` drops it from ghost.lock";
            StatusJson::unbuilt(name, "orphaned", why, lock.get(name)).print(out);
            continue;
        }
        out.result(&format!(
            "{name:<width$}  {:<9} {:>8} {:>17}  no spec declares it: `ghost build` drops it from ghost.lock",
            "orphaned", "-", "-"
        ));
    }
    // No module at all (a fresh folder, `specs` set to the wrong one): an empty table
    // alone would read as all good, as `ghost check`'s summary would.
    if ctx.compiled.modules.is_empty() && broken.is_empty() && lock.names().next().is_none() {
        out.status(&format!(
            "no spec files in `{}`\nhelp: write one there (`a/b.ghost` is module `a.b`; `ghost init` writes an example), or set `specs` under `[project]` in ghost.toml",
            specs_shown.display()
        ));
    }
    // The process ends right after this; freeing the compiled project file by file took
    // a twentieth of a large project's `status` (as in `ghost check`, the OS reclaims it).
    std::mem::forget(ctx);
    if !not_fresh.is_empty() {
        // As `build --locked` would find them: the exit code tells a script, the line
        // tells a person which, without the table's width.
        out.error(&format!(
            "{} not fresh: {}\nhelp: `ghost build` brings {} up to date{}",
            if not_fresh.len() == 1 {
                "1 module is".to_string()
            } else {
                format!("{} modules are", not_fresh.len())
            },
            super::output::first_few(&not_fresh, 5),
            if not_fresh.len() == 1 { "it" } else { "them" },
            if edited {
                "; a hand edit (tampered) is adopted by `ghost build --provider manual` if its tests pass"
            } else {
                ""
            }
        ));
    }
    Ok(Exit::failure_if(errors > 0 || !not_fresh.is_empty()))
}
