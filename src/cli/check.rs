//! `ghost check [PATHS]`: parse and check specs, print their diagnostics and a summary.

use super::output::plural;
use super::{CommandError, Exit, Output, PathArgs};
use crate::project::Project;

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

pub fn run(args: &CheckArgs, out: &Output) -> Result<Exit, CommandError> {
    let start = std::time::Instant::now();
    let project = Project::from_current_dir()?;
    let loaded = if args.paths.paths.is_empty() {
        project.load_all()?
    } else {
        project.load_selection(&args.paths.paths)?
    };
    out.verbose(&format!("read and parsed {} spec files in {:?}", loaded.files.len(), start.elapsed()));
    let start = std::time::Instant::now();
    let checked = loaded.check();
    out.verbose(&format!("checked them in {:?}", start.elapsed()));
    out.diagnostics(&checked.diagnostics, &loaded.sources_for(&checked.diagnostics));
    let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
    out.status(&format!("checked {}: {}", plural(checked.selected_files, "module"), plural(errors, "error")));
    Ok(Exit::failure_if(errors > 0))
}
