//! `ghost init [DIR]`: a new project with one example spec that checks clean.

use super::{CommandError, Exit, Output};
use crate::config::FILE_NAME;
use crate::project::display_path;
use std::path::{Path, PathBuf};

pub const HELP: &str = "\
Creates DIR (default: the current folder) if needed, and in it:
  ghost.toml              the project settings (fill in [agent] before `ghost build`)
  specs/text/slug.ghost   an example spec
  .gitignore              with `.ghost/` (ghost's local state), the generated crate's
                          target/ and insta's pending snapshots
An existing ghost.toml is never overwritten.

Examples:
  ghost init demo && cd demo && ghost check
  ghost init";

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The project's folder; the current folder when not given
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

const CONFIG_TEMPLATE: &str = include_str!("init/ghost.toml.in");
const EXAMPLE_SPEC: &str = include_str!("init/slug.ghost");
const EXAMPLE_PATH: &str = "specs/text/slug.ghost";
/// What `.gitignore` gets: ghost's local state, and what running cargo in the generated
/// crate leaves there (its target folder; insta's pending snapshots).
const GITIGNORE_ENTRIES: [&str; 4] = [
    ".ghost/",
    "/generated/target/",
    "*.snap.new",
    "*.pending-snap",
];

pub fn run(args: &InitArgs, out: &Output) -> Result<Exit, CommandError> {
    let cwd = std::env::current_dir().map_err(CommandError::CurrentDir)?;
    let dir = match &args.dir {
        Some(dir) => cwd.join(dir),
        None => cwd.clone(),
    };
    let config = dir.join(FILE_NAME);
    if config.exists() {
        return Err(CommandError::AlreadyInitialized {
            path: display_path(&cwd, &config),
        });
    }
    if dir.exists() && !dir.is_dir() {
        return Err(CommandError::NotAFolder {
            path: display_path(&cwd, &dir),
        });
    }
    // A project inside another's specs or generated crate would have its files read as
    // the other's specs (E0210 and E0214 there) or overwritten by its build.
    if let Some(outer) = dir
        .parent()
        .and_then(|p| crate::project::Project::discover(p).ok())
    {
        let within = |d: &std::path::Path| {
            let d = d.canonicalize().unwrap_or(d.to_path_buf());
            let mut probe = dir.clone();
            while !probe.exists() {
                if !probe.pop() {
                    break;
                }
            }
            probe.canonicalize().is_ok_and(|p| p.starts_with(&d))
        };
        if within(&outer.specs_dir) || within(&outer.config.out_dir()) {
            return Err(CommandError::Usage(format!(
                "`{}` is inside the specs or generated folder of the project at `{}`\nhelp: create the new project outside it",
                display_path(&cwd, &dir).display(),
                display_path(&cwd, &outer.root).display()
            )));
        }
    }
    create_dir(&dir)?;
    let dir = dir.canonicalize().unwrap_or(dir);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "demo".into());
    // The crate's name as Cargo takes it (`1 demo` is `ghost-1-demo`): written as the
    // project's name, it is the one code depending on the crate uses, said once here.
    let name = super::pipeline::crate_name(&name);
    write_new(&dir.join(FILE_NAME), &config_text(&name))?;
    let example = dir.join(EXAMPLE_PATH);
    let kept = example.exists();
    if !kept {
        if let Some(parent) = example.parent() {
            create_dir(parent)?;
        }
        write_new(&example, EXAMPLE_SPEC)?;
    }
    add_gitignore_entry(&dir.join(".gitignore"))?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    out.status(&format!(
        "created ghost project `{name}` in {}",
        display_path(&cwd, &dir).display()
    ));
    if kept {
        // The user's own file, never the example: said so, so that `ghost check` showing
        // something else than the README's example is no surprise.
        out.status(&format!(
            "kept the existing `{}` (no example spec written)",
            display_path(&cwd, &example).display()
        ));
    }
    let what = if kept {
        "the specs"
    } else {
        "the example spec"
    };
    let cd = cd_into(&cwd, &dir);
    out.status(&format!(
        "next: `{cd}ghost check` checks {what}; fill in [agent] in ghost.toml, then `ghost build`"
    ));
    Ok(Exit::Success)
}

/// `cd DIR && ` for a project made in another folder than the current one, with DIR
/// quoted as a shell needs it (`cd 'weird name'`), so that the next steps work when
/// pasted: `ghost check` run where `ghost init` was found no project. Empty when the
/// project is the current folder.
fn cd_into(cwd: &Path, dir: &Path) -> String {
    let shown = display_path(cwd, dir);
    if shown == Path::new(".") {
        return String::new();
    }
    let mut text = shown.to_string_lossy().into_owned();
    // `cd -x` would read the name as an option.
    if text.starts_with('-') {
        text = format!("./{text}");
    }
    let quoted = shlex::try_quote(&text).map_or_else(|_| text.clone(), |q| q.into_owned());
    format!("cd {quoted} && ")
}

/// The config file for a project called `name` (quoted as a TOML string).
fn config_text(name: &str) -> String {
    let quoted = toml::Value::String(name.to_string()).to_string();
    CONFIG_TEMPLATE.replace("{name}", &quoted)
}

fn create_dir(dir: &Path) -> Result<(), CommandError> {
    std::fs::create_dir_all(dir).map_err(|source| CommandError::Write {
        path: dir.to_path_buf(),
        source,
    })
}

fn write_new(path: &Path, text: &str) -> Result<(), CommandError> {
    std::fs::write(path, text).map_err(|source| CommandError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Appends to `.gitignore` each of [`GITIGNORE_ENTRIES`] that no line names already
/// (with or without its leading or trailing `/`).
fn add_gitignore_entry(path: &Path) -> Result<(), CommandError> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let bare = |l: &str| l.trim().trim_matches('/').to_string();
    let missing: Vec<&str> = GITIGNORE_ENTRIES
        .into_iter()
        .filter(|e| !existing.lines().any(|l| bare(l) == bare(e)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for entry in missing {
        text.push_str(entry);
        text.push('\n');
    }
    write_new(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_template_is_a_valid_config() {
        let text = config_text("my \"odd\" name");
        let config = crate::config::Config::parse(Path::new("ghost.toml"), &text)
            .expect("the template parses");
        assert_eq!(config.project.name.as_deref(), Some("my \"odd\" name"));
    }

    #[test]
    fn the_example_spec_parses() {
        let (ast, diags) = crate::syntax::parse(Path::new(EXAMPLE_PATH), EXAMPLE_SPEC);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            ast.module.map(|m| m.path.dotted()).as_deref(),
            Some("text.slug")
        );
    }
}
