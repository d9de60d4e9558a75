//! The stages in order, for the commands that go past `check`: load and check the specs,
//! compile them, and gather what the later stages share (the lock, the templates, the
//! folders). One place, so that `check`, `prompt`, `test`, `build` and `status` agree.

use super::{CommandError, Exit, Output};
use crate::build::session::{Context, Paths};
use crate::compile::prompt::Templates;
use crate::compile::{self, Compiled, TargetSettings};
use crate::plan::Lock;
use crate::project::{Checked, Loaded, Project};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The name of the lock file, beside `ghost.toml`.
pub const LOCK_FILE: &str = "ghost.lock";
/// The folder of local state, beside `ghost.toml`.
pub const STATE_DIR: &str = ".ghost";

/// A project loaded and checked.
pub struct Pipeline {
    pub project: Project,
    pub loaded: Loaded,
    pub checked: Checked,
}

impl Pipeline {
    /// Loads and checks the whole project (or `paths` and what they use).
    pub fn load(paths: &[PathBuf]) -> Result<Pipeline, CommandError> {
        Pipeline::load_in(Project::from_current_dir()?, paths)
    }

    /// Loads and checks the whole project whose `ghost.toml` is in (or above) `dir`.
    pub fn load_at(dir: &std::path::Path) -> Result<Pipeline, CommandError> {
        Pipeline::load_in(Project::discover(dir)?, &[])
    }

    fn load_in(project: Project, paths: &[PathBuf]) -> Result<Pipeline, CommandError> {
        let loaded = if paths.is_empty() {
            project.load_all()?
        } else {
            project.load_selection(paths)?
        };
        let checked = loaded.check();
        Ok(Pipeline {
            project,
            loaded,
            checked,
        })
    }

    /// Prints the diagnostics; `Some(Exit::Failure)` when there are errors, so that the
    /// caller stops: a spec with errors never reaches an agent.
    /// `what` says what was not done (`nothing was generated`, `nothing was tested`).
    pub fn report_errors(&self, out: &Output, what: &str) -> Option<Exit> {
        let errors = self.show_diagnostics(out);
        (errors > 0).then(|| {
            out.error(&format!(
                "{} in the specs; fix {} first ({what})",
                super::output::plural(errors, "error"),
                if errors == 1 { "it" } else { "them" }
            ));
            Exit::Failure
        })
    }

    /// Prints the diagnostics, without the closing error line of [`Self::report_errors`];
    /// returns how many are errors.
    pub fn show_diagnostics(&self, out: &Output) -> usize {
        let diags = &self.checked.diagnostics;
        out.diagnostics(diags, &self.loaded.sources_for(diags));
        diags.iter().filter(|d| d.is_error()).count()
    }

    /// The modules a spec file declares that the checker left out for errors (their
    /// own, or a module they use), sorted.
    pub fn modules_with_errors(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .loaded
            .files
            .iter()
            .filter_map(crate::check::SpecFile::module_name)
            .filter(|n| self.checked.project.module(n).is_none())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub fn paths(&self) -> Paths {
        let mut paths = Paths {
            out_dir: self.project.config.out_dir(),
            state_dir: self.project.root.join(STATE_DIR),
            lock: self.project.root.join(LOCK_FILE),
            guarded: crate::build::session::Guard {
                root: self.project.root.clone(),
                specs_dir: self.project.specs_dir.clone(),
                ghost_owned: Vec::new(),
            },
            target: None,
        };
        // Absolute, as the guard's walk sees them (`GHOST_TARGET_DIR` may be relative).
        paths.guarded.ghost_owned = [
            paths.out_dir.clone(),
            paths.state_dir.clone(),
            paths.lock.clone(),
            paths.target_dir(),
        ]
        .into_iter()
        .map(|p| std::path::absolute(&p).unwrap_or(p))
        .collect();
        paths
    }

    /// Holds the project for one `build` or `test` until the returned file is dropped:
    /// two runs at once would share scratch copies and overwrite each other's work. The
    /// operating system lets go of the lock when the process ends, however it ends.
    pub fn hold(&self) -> Result<std::fs::File, CommandError> {
        let path = self.paths().state_dir.join("build.lock");
        let write = |source| CommandError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(self.paths().state_dir).map_err(write)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(write)?;
        // A few tries: `ghost check` probes this lock (`build_running`) for an instant,
        // which must not turn a build starting at that instant away.
        for _ in 0..PROBE_TRIES {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                Err(std::fs::TryLockError::Error(source)) => return Err(write(source)),
            }
        }
        Err(CommandError::Busy { path })
    }

    /// The names of the checked modules.
    pub fn module_names(&self) -> Vec<&str> {
        self.checked
            .project
            .modules
            .iter()
            .map(|m| m.name.as_str())
            .collect()
    }

    /// Whether a spec file declares module `name`, whether or not it has errors.
    pub fn declares(&self, name: &str) -> bool {
        self.loaded
            .files
            .iter()
            .any(|f| f.module_name().as_deref() == Some(name))
    }

    /// The lock; one a merge left with conflict markers is settled entry by entry by the
    /// code on disk, and said so; markers with nothing to settle are said only with
    /// `tell_markers` (not by `build`, which writes the lock without them, or refuses it
    /// with `--locked`).
    pub fn lock(&self, out: &Output, tell_markers: bool) -> Result<Lock, CommandError> {
        let mut lock = Lock::read(&self.paths().lock).map_err(CommandError::Lock)?;
        settle_conflicts(&mut lock, &self.project.config.out_dir(), out, tell_markers);
        Ok(lock)
    }

    pub fn settings(&self) -> TargetSettings {
        target_settings(&self.project)
    }

    /// The prompt templates (see [`load_templates`]).
    pub fn templates(&self) -> Result<Templates, CommandError> {
        load_templates(&self.project)
    }

    /// Each checked module's canonical spec text (no comments, no layout), by name.
    pub fn canonical(&self) -> BTreeMap<String, String> {
        let mut all = self.loaded.canonical();
        all.retain(|name, _| self.checked.project.module(name).is_some());
        all
    }

    /// Writes back, from `.ghost/locked/`, the code the lock records for each module
    /// whose `imp.rs` is gone (`build/accepted.rs`), saying which; before the build looks
    /// at the crate, so that those modules are what they were: fresh, or stale for
    /// their own reasons.
    pub fn restore_accepted(&self, lock: &Lock, out: &Output, forced: &[String]) {
        let paths = self.paths();
        let imps: Vec<(&str, PathBuf)> = self
            .checked
            .project
            .modules
            .iter()
            .filter(|m| !forced.contains(&m.name))
            .map(|m| (m.name.as_str(), crate::compile::rust::imp_path(m)))
            .collect();
        let restored = crate::build::accepted::restore(
            &paths.state_dir,
            &paths.out_dir,
            lock,
            imps.iter().map(|(name, path)| (*name, path.as_path())),
        );
        if !restored.is_empty() {
            let named: Vec<String> = restored.iter().map(|n| format!("`{n}`")).collect();
            out.status(&format!(
                "restored the code ghost.lock records for {} from .ghost/locked/ (it was gone from the generated crate): no agent asked (`ghost build --force MODULE` asks for new code)",
                super::output::first_few(&named, 5)
            ));
        }
    }

    /// Compiles every checked module.
    pub fn compile(&self, templates: &Templates) -> Compiled {
        compile::compile(
            &self.checked.project,
            &self.canonical(),
            &self.settings(),
            &templates.version(),
        )
    }

    /// Everything a build, test or locked run needs; consumes the pipeline's model.
    pub fn context(self, templates: Templates) -> Context {
        let compiled = self.compile(&templates);
        let paths = self.paths();
        let regenerated = crate::build::workspace::regenerated(
            &paths.out_dir,
            &paths.state_dir,
            &paths.lock,
            &compiled,
        );
        Context {
            read_specs: crate::build::spec_changes::ReadSpecs::new(&self.loaded.files),
            pending_retest: crate::build::retest::read(&paths),
            regenerated,
            paths,
            test_timeout: Duration::from_secs(self.project.config.config.build.test_timeout),
            test_memory_mb: self.project.config.config.build.test_memory_mb,
            api_key_env: self.project.config.config.agent.api_key_env.clone(),
            edits: self.project.config.config.build.edits,
            module_tree: crate::build::unused_modules::ModuleTree::of(&self.checked.project),
            project: self.checked.project,
            compiled,
            templates,
        }
    }
}

/// What `check`, `status` and `build` say of a lock with merge conflict markers whose
/// sides lock different modules (or the same code): each side is read as it is.
pub const MARKERS_LEFT: &str = "ghost.lock has merge conflict markers (each side locked modules the other did not, and both are read); run `ghost build` (no agent is asked for what is fresh: it writes the lock without the markers) and commit the result, as `ghost build --locked` refuses it until then";

/// The files of the generated crate that every module shares, `Cargo.toml` (a test target
/// per module) and `src/lib.rs` (a `pub mod` per top-level name): two branches that each
/// added a module leave them in conflict when git merges them.
const SHARED_CRATE_FILES: [&str; 2] = ["Cargo.toml", "src/lib.rs"];

/// Says which of the crate's shared files a merge left with conflict markers: cargo reads
/// neither, and no module's state shows it (a module's own files make it stale). Read
/// whole, two files: cheap enough for every save.
pub fn tell_crate_conflicts(project: &Project, out: &Output) {
    let out_dir = project.config.out_dir();
    for file in SHARED_CRATE_FILES {
        let path = out_dir.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if crate::plan::lock::has_conflict_markers(&text) {
            out.warning(&format!(
                "`{}` has merge conflict markers: run `ghost build`, which writes it again from the specs, and commit the result",
                project.display(&path).display()
            ));
        }
    }
}

/// Settles the entries of a lock a merge left in conflict ([`Lock::settle`]) by the
/// `imp.rs` files under `out_dir`, with a warning that names them; with `tell_markers`,
/// markers that leave nothing to settle are said too ([`MARKERS_LEFT`]).
pub fn settle_conflicts(
    lock: &mut Lock,
    out_dir: &std::path::Path,
    out: &Output,
    tell_markers: bool,
) {
    if lock.conflicted.is_empty() {
        // Markers around entries both sides agree on, or that only one side has (each
        // branch locked a module of its own, next to the other's in the sorted file):
        // nothing to settle, but `build --locked` refuses the file until it is written
        // again, which a save hook's `check` must say before CI does.
        if lock.had_markers && tell_markers {
            out.warning(MARKERS_LEFT);
        }
        return;
    }
    let settled = lock.settle(|module| {
        std::fs::read(out_dir.join(crate::compile::rust::imp_path_of(module))).ok()
    });
    out.warning(&format!(
        "ghost.lock has merge conflicts; for {} ghost reads the side that locked the code on disk, or takes code that neither side locked as stale (`ghost build` re-tests what the merge changed and writes the lock without the markers)",
        settled
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

/// The prompt templates: the built-in ones, overridden by `.ghost/templates/*.tera`, then
/// by the `templates` folder named in ghost.toml.
pub fn load_templates(project: &Project) -> Result<Templates, CommandError> {
    let overrides = template_overrides(project)?;
    if overrides.is_empty() {
        return Ok(Templates::builtin());
    }
    with_overrides(project, overrides)
}

/// The built-in templates with `overrides` (non-empty) in place, each override named in
/// errors by its file.
fn with_overrides(
    project: &Project,
    overrides: BTreeMap<String, String>,
) -> Result<Templates, CommandError> {
    let shown = shown_templates(project)?;
    Templates::with_overrides(overrides)
        .map(|t| t.shown_as(shown.clone()))
        .map_err(|e| CommandError::Template(e.shown_as(&shown)))
}

/// Each overriding template's file as the user reaches it (`prompts/first.tera`), by its
/// template name (with and without `.tera`, as an override may be named either way).
fn shown_templates(project: &Project) -> Result<BTreeMap<String, String>, CommandError> {
    let mut shown = BTreeMap::new();
    for (name, file) in template_files(project)? {
        let path = crate::project::display_path(&project.cwd, &file)
            .display()
            .to_string();
        let bare = name.trim_end_matches(".tera").to_string();
        shown.insert(format!("{bare}.tera"), path.clone());
        shown.insert(name, path);
    }
    Ok(shown)
}

/// The [`Templates::version`] of [`load_templates`], which parses the templates only when
/// the project overrides some (the built-in ones are known to parse).
pub fn templates_version(project: &Project) -> Result<String, CommandError> {
    let overrides = template_overrides(project)?;
    if overrides.is_empty() {
        return Ok(Templates::builtin_version());
    }
    Ok(with_overrides(project, overrides)?.version())
}

/// The project's template files by file name, the later folder winning.
fn template_overrides(project: &Project) -> Result<BTreeMap<String, String>, CommandError> {
    let mut overrides = BTreeMap::new();
    for (name, f) in template_files(project)? {
        let text = std::fs::read_to_string(&f).map_err(|source| CommandError::Read {
            path: f.clone(),
            source,
        })?;
        overrides.insert(name, text);
    }
    Ok(overrides)
}

/// Whether a template in `.ghost/templates/` (not committed) is in use: not shadowed by
/// one of the same name in the `templates` folder named in ghost.toml.
pub fn local_templates_in_use(project: &Project) -> bool {
    let local = local_templates_dir(project);
    template_files(project).is_ok_and(|files| files.values().any(|f| f.starts_with(&local)))
}

fn local_templates_dir(project: &Project) -> PathBuf {
    project.root.join(STATE_DIR).join("templates")
}

/// The `.tera` file that overrides each template, by file name: from `.ghost/templates/`,
/// then from the `templates` folder named in ghost.toml, the later folder winning.
fn template_files(project: &Project) -> Result<BTreeMap<String, PathBuf>, CommandError> {
    let mut dirs = vec![local_templates_dir(project)];
    if let Some(t) = &project.config.config.project.templates {
        let dir = project.root.join(t);
        // `.ghost/templates` is optional; a folder named in ghost.toml must exist, or a
        // typo would silently give the built-in prompts.
        if !dir.is_dir() {
            return Err(CommandError::Usage(format!(
                "the templates folder `{}` named in ghost.toml does not exist\nhelp: create it (docs/templates.md lists the templates it may override), or remove `templates` from [project]",
                t.display()
            )));
        }
        dirs.push(dir);
    }
    let mut files = BTreeMap::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for f in entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|e| e == "tera"))
        {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.insert(name, f);
        }
    }
    Ok(files)
}

/// The target settings of a project (part of every spec fingerprint).
pub fn target_settings(project: &Project) -> TargetSettings {
    TargetSettings {
        crate_name: crate_name(project.config.name()),
        package: project.config.config.package.clone(),
        ..TargetSettings::default()
    }
}

/// The warning for a `name` in ghost.toml that is not the generated crate's name as
/// written (a character Cargo does not take, or a crate the tests use): the crate goes by
/// another name, which code depending on it must use.
pub fn renamed_crate_warning(project: &Project) -> Option<String> {
    let name = project.config.config.project.name.as_deref()?;
    let crate_name = crate_name(name);
    // A name ghost.toml leaves out is the folder's: said so, not quoted as a setting.
    let whose = if project.config.name_from_folder {
        format!("the project's name `{name}` (its folder's: ghost.toml's [project] sets none)")
    } else {
        format!("ghost.toml's `name = \"{name}\"`")
    };
    (crate_name != name).then(|| {
        format!(
            "{whose} is not a usable crate name (Cargo takes ASCII letters, digits, `-` and `_`, starting with a letter, and the tests use `std`, `core`, `proptest` and `insta`): the generated crate is called `{crate_name}`, which code depending on it must use; set `name` under [project] to a valid one to choose it"
        )
    })
}

/// A Cargo package name from a project name: ASCII letters, digits, `-` and `_`; one
/// that does not start with a letter, or that a crate the tests need already has (a
/// throwaway project in a folder named `test`), gets `ghost-` before it.
pub fn crate_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let taken = crate::check::TAKEN_CRATE_NAMES.contains(&s.replace('-', "_").as_str());
    if taken || !s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        s.insert_str(0, "ghost-");
    }
    s
}

/// How often [`Pipeline::hold`] tries the build lock before it says another run holds it.
const PROBE_TRIES: u32 = 5;

/// Whether a `ghost build` or `ghost test` holds the project's build lock now: a module's
/// code and its lock entry are then written one after the other, and a check between the
/// two would read new code against its old entry. Probed with a shared lock, held for an
/// instant (a build starting then tries again, see [`Pipeline::hold`]).
pub fn build_running(state_dir: &std::path::Path) -> bool {
    let Ok(file) = std::fs::File::open(state_dir.join("build.lock")) else {
        return false;
    };
    matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_are_valid_package_names() {
        assert_eq!(crate_name("demo"), "demo");
        assert_eq!(crate_name("my lib.v2"), "my-lib-v2");
        assert_eq!(crate_name("2fast"), "ghost-2fast");
        assert_eq!(crate_name(""), "ghost-");
        assert_eq!(crate_name("test"), "ghost-test");
        assert_eq!(crate_name("proptest"), "ghost-proptest");
        assert_eq!(crate_name("testing"), "testing");
    }
}
