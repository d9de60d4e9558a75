//! `ghost check [PATHS]`: parse and check specs, print their diagnostics and a summary.

use super::output::plural;
use super::{CommandError, Exit, Output, PathArgs};
use crate::project::Project;
use std::path::PathBuf;

pub const HELP: &str = "\
Without PATHS, every spec of the project is checked. With PATHS (the editor's save hook),
only those files and, transitively, the modules they `use` are read; diagnostics are
shown for the given files only, and a dependency with errors is reported once, at its `use`.

Human diagnostics go to stderr; `--message-format short` and `json` print them on stdout,
one a line, for problem matchers. The summary line is on stderr.

Examples:
  ghost check
  ghost check specs/text/slug.ghost --message-format short
  ghost check specs/net --message-format json";

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub paths: PathArgs,
}

/// One check of a project (or of a selection of its files), its diagnostics printed.
pub struct CheckRun {
    /// The files read; held so that `ghost check` frees them with the rest (see `run`).
    _loaded: crate::project::Loaded,
    pub checked: crate::project::Checked,
    pub errors: usize,
}

impl CheckRun {
    /// The summary line: `checked 3 modules: 1 error`.
    pub fn summary(&self) -> String {
        format!(
            "checked {}: {}",
            plural(self.checked.selected_files, "module"),
            plural(self.errors, "error")
        )
    }
}

pub fn run(args: &CheckArgs, out: &Output) -> Result<Exit, CommandError> {
    let project = Project::from_current_dir()?;
    let run = check_project(&project, &args.paths.paths, out)?;
    out.status(&run.summary());
    let errors = run.errors;
    // The process ends right after this; freeing every AST and the model one by one takes
    // longer (a noticeable part of a large project's check) than letting the OS reclaim it.
    std::mem::forget(run);
    Ok(Exit::failure_if(errors > 0))
}

/// Reads, parses and checks the project's specs (or only `paths` and what they `use`) and
/// prints their diagnostics; `ghost check` and every run of `ghost watch` share it.
pub fn check_project(
    project: &Project,
    paths: &[PathBuf],
    out: &Output,
) -> Result<CheckRun, CommandError> {
    let start = std::time::Instant::now();
    let loaded = if paths.is_empty() {
        project.load_all()?
    } else {
        project.load_selection(paths)?
    };
    out.verbose(&format!(
        "read and parsed {} spec files in {:?}",
        loaded.files.len(),
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
    Ok(CheckRun {
        _loaded: loaded,
        checked,
        errors,
    })
}
