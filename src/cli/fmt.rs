//! `ghost fmt [--check] [PATHS]`: canonical formatting of spec files.
//!
//! Files are rewritten atomically (a temporary file in the same folder, then a rename)
//! and only when their formatting changes. A file with syntax errors is reported and left
//! untouched.

use super::output::plural;
use super::{CommandError, Exit, Output, PathArgs};
use crate::diagnostics::render::Sources;
use crate::diagnostics::Diagnostic;
use crate::project::{self, Project};
use std::path::{Path, PathBuf};

pub const HELP: &str = "\
Without PATHS, every spec of the project is formatted. With --check nothing is written:
the files that would change are listed on stdout, one a line, and ghost exits 1.
A file with syntax errors is reported and left as it is (exit 1).

Examples:
  ghost fmt
  ghost fmt --check
  ghost fmt specs/text/slug.ghost";

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Write nothing; list the files whose formatting would change and exit 1 if any
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub paths: PathArgs,
}

/// A formatter: a file's path (for diagnostics) and text in, the formatted text or the
/// syntax diagnostics out.
pub type Formatter = fn(&Path, &str) -> Result<String, Vec<Diagnostic>>;

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    Broken,
}

pub fn run(args: &FmtArgs, out: &Output) -> Result<Exit, CommandError> {
    run_with(args, out, formatter())
}

/// The formatter `ghost fmt` uses.
fn formatter() -> Formatter {
    crate::format::format_source
}

pub fn run_with(args: &FmtArgs, out: &Output, format: Formatter) -> Result<Exit, CommandError> {
    let cwd = std::env::current_dir().map_err(CommandError::CurrentDir)?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let files = if args.paths.paths.is_empty() {
        Project::discover(&cwd)?.spec_paths()?
    } else {
        let mut files = Vec::new();
        for path in &args.paths.paths {
            let abs = cwd.join(path);
            if abs.is_dir() {
                files.extend(project::discover(&abs)?);
            } else if abs.is_file() && project::is_spec_file(&abs) {
                files.push(abs);
            } else if abs.is_file() {
                return Err(project::ProjectError::NotASpec { path: path.clone() }.into());
            } else {
                return Err(project::ProjectError::NoSuchPath { path: path.clone() }.into());
            }
        }
        files.sort();
        files.dedup();
        files
    };
    let (mut changed, mut broken) = (0, 0);
    for file in &files {
        let shown = project::display_path(&cwd, file);
        match format_file(file, &shown, args.check, out, format)? {
            Outcome::Unchanged => {}
            Outcome::Changed => changed += 1,
            Outcome::Broken => broken += 1,
        }
    }
    // The files with syntax errors were neither formatted nor checked: counted apart.
    let files_word = plural(files.len() - broken, "file");
    if args.check {
        out.status(&format!("checked {files_word}: {changed} to reformat"));
    } else {
        out.status(&format!("formatted {files_word}: {changed} changed"));
    }
    if broken > 0 {
        out.status(&format!(
            "{} with syntax errors left untouched",
            plural(broken, "file")
        ));
    }
    Ok(Exit::failure_if(broken > 0 || (args.check && changed > 0)))
}

fn format_file(
    file: &Path,
    shown: &Path,
    check: bool,
    out: &Output,
    format: Formatter,
) -> Result<Outcome, CommandError> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            let kind = crate::diagnostics::Kind::Unreadable {
                reason: e.to_string(),
            };
            let diag = Diagnostic::new(shown, Default::default(), kind);
            out.diagnostics(&[diag], &Sources::new());
            return Ok(Outcome::Broken);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (_, diags) = crate::syntax::parse_bytes(shown, e.as_bytes());
            let mut sources = Sources::new();
            sources.insert(
                shown,
                project::printable_prefix(e.as_bytes(), e.utf8_error().valid_up_to()),
            );
            out.diagnostics(&diags, &sources);
            return Ok(Outcome::Broken);
        }
    };
    match format(shown, &text).map(|formatted| in_file_style(&text, formatted)) {
        Err(diags) => {
            let mut sources = Sources::new();
            sources.insert(shown, text);
            out.diagnostics(&diags, &sources);
            Ok(Outcome::Broken)
        }
        Ok(formatted) if formatted == text => Ok(Outcome::Unchanged),
        Ok(formatted) => {
            if check && out.json() {
                out.json_line("unformatted", serde_json::json!({ "file": shown }));
            } else if check {
                out.result(&shown.display().to_string());
            } else {
                write_atomically(file, formatted.as_bytes())?;
                out.verbose(&format!("formatted {}", shown.display()));
            }
            Ok(Outcome::Changed)
        }
    }
}

/// `formatted` (LF line endings, no byte order mark) with the line endings and the byte
/// order mark of the file as it was: a Windows checkout (git's `core.autocrlf`) keeps
/// `\r\n`, so `fmt --check` does not call every spec unformatted there, and `fmt` leaves
/// the endings to git.
fn in_file_style(text: &str, formatted: String) -> String {
    let formatted = if text.contains("\r\n") {
        formatted.replace('\n', "\r\n")
    } else {
        formatted
    };
    match text.starts_with('\u{feff}') && !formatted.starts_with('\u{feff}') {
        true => format!("\u{feff}{formatted}"),
        false => formatted,
    }
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`, so a
/// crash never leaves a half-written spec.
pub fn write_atomically(shown: &Path, bytes: &[u8]) -> Result<(), CommandError> {
    // Through a link to the file it names (the link stays a link), with the file's own
    // permissions (the new file would get the default ones).
    let path = &std::fs::canonicalize(shown).unwrap_or_else(|_| shown.to_path_buf());
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = path.with_file_name(format!(".{name}.ghost-tmp"));
    let err = |source| CommandError::Write {
        path: shown.to_path_buf(),
        source,
    };
    let written = std::fs::write(&tmp, bytes)
        .and_then(|()| match &permissions {
            Some(p) => std::fs::set_permissions(&tmp, p.clone()),
            None => Ok(()),
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_line_endings_and_byte_order_mark_are_kept() {
        let lf = "module m {\n}\n".to_string();
        assert_eq!(in_file_style("module m {}\n", lf.clone()), lf);
        assert_eq!(
            in_file_style("module m {}\r\n", lf.clone()),
            "module m {\r\n}\r\n"
        );
        assert_eq!(
            in_file_style("\u{feff}module m {}\n", lf),
            "\u{feff}module m {\n}\n"
        );
    }
}
