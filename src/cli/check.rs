//! `ghost check [PATHS]`: parse and check specs, print their diagnostics and a summary.

use super::output::plural;
use super::MessageFormat;
use super::{CommandError, Exit, Output, PathArgs};
use crate::check::{ModuleModel, SpecFile};
use crate::compile::fingerprint::{Fingerprinter, Fingerprints};
use crate::plan::lock::LockEntry;
use crate::plan::state::{decide, needs_fingerprints, Current, ModuleStatus, State};
use crate::plan::Lock;
use crate::project::{Checked, Loaded, Project};
use crate::syntax::ast;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

pub const HELP: &str = "\
Without PATHS, every spec of the project is checked. With PATHS (the editor's save hook),
only those files, the modules nested in theirs and, transitively, the modules they `use`
are read; diagnostics are shown for the given files only, and a dependency with errors is
reported once, at its `use`.

Each module is then compared with ghost.lock, and listed when it is not fresh: stale (its
spec changed), missing (no code yet), tampered (its code edited by hand), failing; a lock
entry no spec declares any more is listed as orphaned.

Human diagnostics go to stderr; `--message-format short` and `json` print them on stdout,
one a line, for problem matchers. The summary line is on stderr.

Exits 1 for errors in the specs and for tampered modules; warnings (W03xx: a clause whose
test passes whatever the code does) are printed but exit 0, as Cargo's do, unless
`-D warnings` denies them: then any warning exits 1 too, and a last line on stderr says
that the warnings failed the check (the CI form, as `cargo clippy -- -D warnings`). Stale
and missing modules, what a save produces, exit 0 (`ghost build --locked` is the check
that fails on them); 2 for bad usage or an invalid ghost.toml.

Examples:
  ghost check
  ghost check specs/text/slug.ghost --message-format short
  ghost check specs/net --message-format json
  ghost check -D warnings                      # in CI: a warning fails the check";

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub paths: PathArgs,
    /// Make what LINT names fail the check (exit 1) as errors do: `-D warnings` denies
    /// every warning (W03xx), as `cargo clippy -- -D warnings` does
    #[arg(short = 'D', long = "deny", value_enum, value_name = "LINT")]
    pub deny: Vec<Deny>,
}

/// What `-D` can deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    // No doc comment: clap would list the values in a long form that reflows the help.
    Warnings,
}

/// One check of a project (or of a selection of its files), its diagnostics and module
/// states printed.
pub struct CheckRun {
    /// The files read and the model; held so that `ghost check` can skip freeing them
    /// (see `run`), and handed by `ghost watch --build` to the build it starts.
    loaded: Loaded,
    checked: Checked,
    pub errors: usize,
    pub warnings: usize,
    pub tampered: usize,
    /// `checked 3 modules: 1 error; 2 fresh, 1 stale`
    pub summary: String,
}

impl CheckRun {
    /// The project as this check loaded it, for a build that must not read and check
    /// every spec again (`ghost watch --build`, after each save).
    pub fn into_pipeline(self, project: Project) -> super::pipeline::Pipeline {
        super::pipeline::Pipeline {
            project,
            loaded: self.loaded,
            checked: self.checked,
        }
    }

    /// Spec errors or hand-edited modules: `ghost check` exits 1.
    pub fn failed(&self) -> bool {
        self.errors > 0 || self.tampered > 0
    }

    /// Whether `deny` fails this check (`-D warnings` and warnings found); if so, says
    /// so in an error line, shown with `-q` too: the summary alone ("0 errors, 2
    /// warnings") would not say why the check failed.
    pub fn denied(&self, deny: &[Deny], out: &Output) -> bool {
        let denied = deny.contains(&Deny::Warnings) && self.warnings > 0;
        if denied {
            out.error(&format!(
                "the check failed: {}, denied by `-D warnings`\nhelp: strengthen the clauses the warnings point at, or drop `-D warnings` to let warnings pass",
                plural(self.warnings, "warning")
            ));
        }
        denied
    }
}

pub fn run(args: &CheckArgs, out: &Output) -> Result<Exit, CommandError> {
    let project = Project::from_current_dir()?;
    let run = check_project(&project, &args.paths.paths, out)?;
    out.status(&run.summary);
    let denied = run.denied(&args.deny, out);
    let failed = run.failed() || denied;
    // The process ends right after this; freeing every AST and the model one by one takes
    // longer (a noticeable part of a large project's check) than letting the OS reclaim it.
    std::mem::forget(run);
    Ok(Exit::failure_if(failed))
}

/// Reads, parses and checks the project's specs (or only `paths` and what they `use`),
/// compares them with the lock, and prints the diagnostics and the states of the modules
/// that are not fresh; the summary line is left to the caller. `ghost check` and every run
/// of `ghost watch` share it.
pub fn check_project(
    project: &Project,
    paths: &[PathBuf],
    out: &Output,
) -> Result<CheckRun, CommandError> {
    // The lock and the templates' version are read beside the parsing and checking, which
    // leave a core idle in their sequential parts; their errors still come after the
    // specs' (they are looked at only then).
    std::thread::scope(|scope| {
        let lock_side = scope.spawn(|| lock_and_templates(project));
        check_with(project, paths, out, || {
            lock_side
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// What the module states are compared with: the lock and the templates' version.
fn lock_and_templates(project: &Project) -> Result<(Lock, String), CommandError> {
    let lock = Lock::read(&project.root.join(super::pipeline::LOCK_FILE))?;
    let templates_version = super::pipeline::templates_version(project)?;
    Ok((lock, templates_version))
}

/// [`check_project`], given where to get the lock and the templates' version from.
fn check_with(
    project: &Project,
    paths: &[PathBuf],
    out: &Output,
    lock_and_templates: impl FnOnce() -> Result<(Lock, String), CommandError>,
) -> Result<CheckRun, CommandError> {
    let start = std::time::Instant::now();
    let loaded = if paths.is_empty() {
        project.load_all()?
    } else {
        project.load_selection(paths)?
    };
    out.verbose(&format!(
        "read and parsed {} in {:?}",
        plural(loaded.files.len(), "spec file"),
        start.elapsed()
    ));
    let start = std::time::Instant::now();
    let checked = loaded.check();
    out.verbose(&format!("checked them in {:?}", start.elapsed()));
    out.diagnostics(
        &checked.diagnostics,
        &loaded.sources_for(&checked.diagnostics),
    );
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = checked.diagnostics.len() - errors;
    let start = std::time::Instant::now();
    let (mut lock, templates_version) = lock_and_templates()?;
    super::pipeline::settle_conflicts(&mut lock, &project.config.out_dir(), out, true);
    super::pipeline::tell_crate_conflicts(project, out);
    let states = module_states(project, &loaded, &checked, &lock, &templates_version);
    out.verbose(&format!("compared with the lock in {:?}", start.elapsed()));
    let building = super::pipeline::build_running(&project.root.join(super::pipeline::STATE_DIR));
    let tampered = report_states(out, &states, building);
    // Entries of modules no spec declares (a spec deleted or renamed): only a check of
    // the whole project can tell.
    let orphans: Vec<&str> = if paths.is_empty() {
        // A file with errors still declares its module, even one whose header could not
        // be read.
        let declared: HashSet<String> = loaded
            .files
            .iter()
            .filter_map(SpecFile::module_name)
            .collect();
        lock.names().filter(|n| !declared.contains(*n)).collect()
    } else {
        Vec::new()
    };
    report_orphans(out, &orphans);
    let summary = format!(
        "checked {}: {}{}{}{}{}",
        plural(checked.selected_files, "module"),
        // A tampered module is an error too, of the code, not the specs: said apart, so
        // that "0 errors" does not sit beside an `error:` line.
        if tampered > 0 {
            format!("{} in the specs", plural(errors, "error"))
        } else {
            plural(errors, "error")
        },
        // Said only when there are some: they do not fail the check.
        if warnings > 0 {
            format!(", {}", plural(warnings, "warning"))
        } else {
            String::new()
        },
        state_counts(&states, tampered > 0),
        // Modules whose spec, or a used module's, has errors have no state: counted beside
        // those that have one, so that the summary accounts for every module it checked
        // (when none has one, the errors say it).
        match checked.selected_files.saturating_sub(states.len()) {
            n if n > 0 && !states.is_empty() => format!(", {n} with errors"),
            _ => String::new(),
        },
        if orphans.is_empty() {
            String::new()
        } else {
            format!(
                "; {} in ghost.lock that no spec declares",
                plural(orphans.len(), "module")
            )
        }
    );
    // A project with no spec at all (a fresh folder, `specs` set to the wrong one): the
    // summary alone would read as all good.
    let summary = if paths.is_empty() && loaded.files.is_empty() {
        format!(
            "{summary}: no spec files in `{}`\nhelp: write one there (`a/b.ghost` is module `a.b`; `ghost init` writes an example), or set `specs` under `[project]` in ghost.toml",
            project.display(&project.specs_dir).display()
        )
    } else {
        summary
    };
    Ok(CheckRun {
        loaded,
        checked,
        errors,
        warnings,
        tampered,
        summary,
    })
}

/// One selected module's state against the lock.
struct ModuleState {
    name: String,
    file: std::path::PathBuf,
    status: ModuleStatus,
    /// The interface items its code lacks (`standing_in.rs`).
    lacking: Vec<String>,
}

/// The state of every checked module whose file was selected: fingerprints, and the
/// module's compiler-owned files compared with what is on disk (no prompt is rendered),
/// computed only for the modules whose state depends on them (locked, with code), on
/// every core, so that this stays fast enough for every save.
fn module_states(
    project: &Project,
    loaded: &Loaded,
    checked: &Checked,
    lock: &Lock,
    templates_version: &str,
) -> Vec<ModuleState> {
    let settings = super::pipeline::target_settings(project);
    let out_dir = project.config.out_dir();
    let models: HashMap<&str, &ModuleModel> = checked
        .project
        .modules
        .iter()
        .map(|m| (m.name.as_str(), m))
        .collect();
    // Reversed, so that the first of two entries of one module wins, as in `Lock::get`.
    let entries: HashMap<&str, &LockEntry> = lock
        .modules
        .iter()
        .rev()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let modules: Vec<(&SpecFile, &ast::Module, &ModuleModel)> = loaded
        .selected_files()
        .filter_map(|f| {
            let ast = f.ast.module.as_ref()?;
            let model = models.get(ast.path.dotted().as_str())?;
            Some((f, ast, *model))
        })
        .collect();
    let fingerprinter = Fingerprinter::new(&checked.project, &settings, templates_version);
    let state_dir = project.root.join(super::pipeline::STATE_DIR);
    let lock_file = project.root.join(super::pipeline::LOCK_FILE);
    let edited = crate::build::workspace::edited_snapshots(&state_dir, &out_dir, &lock_file);
    let pending_retest = crate::build::retest::read_in(&state_dir);
    crate::parallel::map(&modules, |&(f, ast, model)| {
        let imp = std::fs::read(out_dir.join(crate::compile::rust::imp_path(model))).ok();
        let entry = entries.get(model.name.as_str()).copied();
        let needed = needs_fingerprints(entry, imp.as_deref());
        let fp = if needed {
            fingerprinter.module(model, &crate::format::canonical(ast))
        } else {
            Fingerprints::default()
        };
        // The module's own files, rendered as a build writes them (a few milliseconds):
        // one edited by hand, or a pinned snapshot deleted, makes the module stale, as
        // `status` says and `build --locked` refuses.
        let compiled = needed.then(|| {
            crate::compile::compile_module(&checked.project, model, &settings, fp.clone())
        });
        let generated_changed = compiled.as_ref().is_some_and(|compiled| {
            crate::build::workspace::differs_on_disk(&out_dir, compiled)
                || crate::build::workspace::pins_edited(compiled, &edited)
        });
        let current = Current {
            spec: &fp.spec,
            prose: &fp.prose,
            deps: &fp.deps,
            implementation: imp.as_deref(),
            stub: "",
            generated_changed,
        };
        let untested =
            crate::build::session::uses_any(&checked.project, &model.name, &pending_retest);
        let status = decide(entry, &current).with_untested_dependency(untested);
        // What a stale module's code lacks of the spec's interface (`standing_in.rs`),
        // said beside its state (only then: reading the code by tokens is not free).
        let lacking = match (&compiled, &imp) {
            (Some(compiled), Some(code)) if status.state == State::Stale => {
                crate::build::standing_in::lacking(compiled, &String::from_utf8_lossy(code))
            }
            _ => Vec::new(),
        };
        ModuleState {
            name: model.name.clone(),
            file: f.file.clone(),
            status,
            lacking,
        }
    })
}

/// Prints the modules that are not fresh; returns how many are tampered (an error). While
/// a build runs (`building`), code that differs from its lock entry is most likely the
/// build's own, written just before its entry: said, not an error.
fn report_states(out: &Output, states: &[ModuleState], building: bool) -> usize {
    let mut tampered = 0;
    for s in states.iter().filter(|s| s.status.state != State::Fresh) {
        let mut reasons: Vec<&str> = s.status.reasons.iter().map(|r| r.as_str()).collect();
        let lacks = crate::build::standing_in::lacking_reason(&s.lacking)
            .filter(|_| s.status.state == State::Stale);
        reasons.extend(lacks.as_deref());
        let is_tampered = s.status.state == State::Tampered;
        if is_tampered && building {
            reasons.push("a build is running: its code may be the build's, written just before its lock entry; check again when the build ends");
        } else if is_tampered {
            reasons.push("its imp.rs differs from what ghost.lock recorded (edited by hand)");
        }
        let why = if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        };
        let is_error = is_tampered && !building;
        if is_error {
            tampered += 1;
        }
        match out.format {
            MessageFormat::Json => out.result(&serde_json::json!({
                "reason": "module-state",
                "module": s.name,
                "file": s.file.display().to_string(),
                "state": s.status.state.as_str(),
                "reasons": reasons,
            }).to_string()),
            MessageFormat::Short if is_error => out.result(&format!(
                "{}:1:1: error: module `{}` is tampered: its imp.rs differs from what ghost.lock recorded",
                s.file.display(),
                s.name
            )),
            MessageFormat::Short => {}
            MessageFormat::Human if is_error => out.error(&format!(
                "module `{}` is tampered: its imp.rs was edited by hand\nhelp: `ghost build --provider manual` adopts the edit if its tests pass; `ghost build --force` regenerates it",
                s.name
            )),
            MessageFormat::Human => out.status(&format!("{:>9} {}{why}", s.status.state.as_str(), s.name)),
        }
    }
    tampered
}

/// Says which lock entries no spec declares; `ghost build` drops them.
fn report_orphans(out: &Output, orphans: &[&str]) {
    for name in orphans {
        match out.format {
            MessageFormat::Json => out.result(
                &serde_json::json!({
                    "reason": "module-state",
                    "module": name,
                    "state": "orphaned",
                    "reasons": ["no spec declares it: `ghost build` drops it from ghost.lock"],
                })
                .to_string(),
            ),
            MessageFormat::Short => {}
            MessageFormat::Human => out.status(&format!(
                "{:>9} {name} (no spec declares it: `ghost build` drops it from ghost.lock)",
                "orphaned"
            )),
        }
    }
}

/// `; 2 fresh, 1 stale` (empty when nothing was compared).
fn state_counts(states: &[ModuleState], tampered_is_error: bool) -> String {
    let mut counts: std::collections::BTreeMap<State, usize> = std::collections::BTreeMap::new();
    for s in states {
        *counts.entry(s.status.state).or_default() += 1;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(state, n)| match state {
            State::Tampered if tampered_is_error => format!("{n} {state} (an error)"),
            _ => format!("{n} {state}"),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}
