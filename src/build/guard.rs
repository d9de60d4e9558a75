//! What an agent program may not touch: the project's spec files and `ghost.toml`, and
//! the rest of the project outside what ghost writes itself.
//!
//! In: the project, before a `command` agent runs and after. Out: the files that changed
//! in between: the specs and `ghost.toml` with their text from before, kept under
//! `.ghost/kept/`; other files (a README, the project's own code, a git hook) by name
//! only, from their sizes and times (keeping a copy of a whole project at every attempt
//! would cost more than the attempt).
//!
//! Why: an agent program (a coding assistant run in the module's scratch copy) can reach
//! any file, and one that cannot make the tests pass may edit the spec they come from.
//! Ghost never writes these files during a build, so a change while the agent ran is the
//! agent's, another agent's (`concurrency` above 1) or the user's (a save during `ghost
//! watch`): the user is warned and nothing is overwritten, the text from before being kept
//! for the user to put back. The attempt itself is tested against the specs as the build
//! read them, which no change made now can loosen. Only the spec files `ghost build` reads are guarded
//! (not an editor's swap files beside them), and only their text is kept.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use super::session::Guard;

/// The guarded files' contents at one moment, by a name relative to the project
/// (`ghost.toml`, `specs/text/slug.ghost`); and the size and time of the project's other
/// files.
#[derive(Debug, Default)]
pub struct Guarded {
    files: BTreeMap<PathBuf, Vec<u8>>,
    others: BTreeMap<PathBuf, Stamp>,
    /// Whether `others` stopped at [`MAX_STAMPED`]: which files it holds then depends on
    /// the walk's order, so only files both readings hold are compared.
    capped: bool,
}

/// What tells a file changed without reading it: its size, its time of change and, on
/// unix, the time its inode last changed (`ctime`), which no program can set back: an
/// agent that rewrites a file to the same size and then restores its time (`touch -r`)
/// changes it still.
type Stamp = (u64, Option<SystemTime>, (i64, i64));

/// The [`Stamp`] of a file's metadata.
pub(crate) fn stamp(m: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let changed = {
        use std::os::unix::fs::MetadataExt;
        (m.ctime(), m.ctime_nsec())
    };
    #[cfg(not(unix))]
    let changed = (0, 0);
    (m.len(), m.modified().ok(), changed)
}

/// The most of the project's other files stamped: past this (a project inside a large
/// repository), the rest go unwatched rather than slow every attempt down.
const MAX_STAMPED: usize = 20_000;

/// Folders never watched: build output and installed packages, which tools write on their
/// own, and git's objects (a commit during a build is the user's). Git's hooks and config
/// are watched: a hook an agent plants runs at the user's next commit.
fn unwatched(e: &walkdir::DirEntry, in_git: bool) -> bool {
    let name = e.file_name().to_string_lossy();
    if in_git {
        return e.depth() == 2 && !matches!(name.as_ref(), "hooks" | "config");
    }
    e.file_type().is_dir()
        && matches!(
            name.as_ref(),
            "target" | "node_modules" | ".jj" | ".hg" | ".svn"
        )
}

impl Guarded {
    /// Reads `ghost.toml` and every spec file of the specs folder (as `ghost build` finds
    /// them). A file that cannot be read is left out, so it never counts as changed unless
    /// it could be read at the other reading.
    pub fn take(guard: &Guard) -> Guarded {
        let mut taken = Guarded::take_files(guard);
        taken.others = others(guard);
        taken.capped = taken.others.len() >= MAX_STAMPED;
        taken
    }

    /// [`Guarded::take`] of the specs and `ghost.toml` alone, without the walk over the
    /// project's other files: what a build stopped by Ctrl-C still compares, promptly.
    pub fn take_files(guard: &Guard) -> Guarded {
        let mut files = BTreeMap::new();
        // Regular files only: a named pipe an agent program left in their place would
        // block the read for ever.
        if let Ok(bytes) = crate::project::read_regular(&guard.root.join("ghost.toml")) {
            files.insert(PathBuf::from("ghost.toml"), bytes);
        }
        for path in crate::project::discover(&guard.specs_dir).unwrap_or_default() {
            let Ok(rel) = path.strip_prefix(&guard.specs_dir) else {
                continue;
            };
            if let Ok(bytes) = crate::project::read_regular(&path) {
                files.insert(Path::new("specs").join(rel), bytes);
            }
        }
        Guarded {
            files,
            ..Guarded::default()
        }
    }

    /// The project's files, besides the guarded ones, that changed (size or time), were
    /// added or were removed since `self` was taken (`later`), by their names relative to
    /// the project.
    pub fn others_changed(&self, later: &Guarded) -> Vec<PathBuf> {
        let whole = !(self.capped || later.capped);
        changed_keys(&self.others, &later.others, whole)
    }

    /// The files changed, added or removed since `self` was taken (`later`), by their
    /// names relative to the project (the specs folder called `specs`, whatever its name).
    pub fn changes(&self, later: &Guarded) -> Vec<PathBuf> {
        changed_keys(&self.files, &later.files, true)
    }

    /// Writes the text from before of each of `changed` (names as [`Guarded::changes`]
    /// gives them) into `kept_dir`, a folder of its own that must not exist yet (so that
    /// a second refusal never replaces what the first kept); returns the files written.
    pub fn keep(&self, changed: &[PathBuf], kept_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        if kept_dir.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("`{}` exists already", kept_dir.display()),
            ));
        }
        let mut written = Vec::new();
        for rel in changed {
            let Some(bytes) = self.files.get(rel) else {
                continue; // added while the agent ran: nothing to keep
            };
            // The names are made here, relative; never write outside the kept folder.
            if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
                continue;
            }
            let to = kept_dir.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&to, bytes)?;
            written.push(to);
        }
        Ok(written)
    }
}

/// The paths whose value differs between `before` and `after`, sorted; with `whole`
/// (each map holds every file, not the first of a capped walk), also those only one has.
fn changed_keys<T: PartialEq>(
    before: &BTreeMap<PathBuf, T>,
    after: &BTreeMap<PathBuf, T>,
    whole: bool,
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = before
        .iter()
        .filter(|(path, value)| match after.get(*path) {
            Some(now) => now != *value,
            None => whole,
        })
        .map(|(path, _)| path.clone())
        .collect();
    if whole {
        out.extend(
            after
                .keys()
                .filter(|path| !before.contains_key(*path))
                .cloned(),
        );
    }
    out.sort();
    out
}

/// The stamps of the project's files outside the specs folder, `ghost.toml` and what
/// ghost writes itself (up to [`MAX_STAMPED`]; links are not followed).
fn others(guard: &Guard) -> BTreeMap<PathBuf, Stamp> {
    let mut out = BTreeMap::new();
    if guard.root.as_os_str().is_empty() {
        return out;
    }
    let skipped = |e: &walkdir::DirEntry| {
        let path = e.path();
        if e.depth() == 0 {
            return false;
        }
        let in_git = path
            .strip_prefix(&guard.root)
            .ok()
            .and_then(|rel| rel.components().next())
            .is_some_and(|c| c.as_os_str() == ".git");
        path == guard.specs_dir
            || guard.ghost_owned.iter().any(|owned| {
                // Or the file ghost writes it through, there while ghost writes the lock
                // (another module accepted, or the lock put back as the build stops).
                path == owned
                    || (path.parent() == owned.parent()
                        && e.file_name().to_string_lossy()
                            == crate::plan::lock::temp_name_of(owned))
            })
            || unwatched(e, in_git)
            || (e.depth() == 1 && e.file_name() == "ghost.toml")
    };
    let walk = walkdir::WalkDir::new(&guard.root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| !skipped(e));
    for entry in walk.filter_map(Result::ok) {
        if entry.file_type().is_dir() {
            continue;
        }
        if out.len() >= MAX_STAMPED {
            break;
        }
        let Ok(rel) = entry.path().strip_prefix(&guard.root) else {
            continue;
        };
        let stamp = entry
            .metadata()
            .map(|m| stamp(&m))
            .unwrap_or((0, None, (0, 0)));
        out.insert(rel.to_path_buf(), stamp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(files: &[(&str, &str)]) -> Guarded {
        Guarded {
            files: files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.as_bytes().to_vec()))
                .collect(),
            others: BTreeMap::new(),
            capped: false,
        }
    }

    #[test]
    fn changed_added_and_removed_files_are_named_and_the_old_text_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let was = [
            ("ghost.toml", "a"),
            ("specs/x.ghost", "x"),
            ("specs/y.ghost", "y"),
        ];
        let before = guarded(&was);
        let after = guarded(&[
            ("ghost.toml", "a"),
            ("specs/x.ghost", "x2"),
            ("specs/z.ghost", "z"),
        ]);
        let changed = before.changes(&after);
        assert_eq!(
            changed,
            ["specs/x.ghost", "specs/y.ghost", "specs/z.ghost"].map(PathBuf::from)
        );
        assert!(before.changes(&guarded(&was)).is_empty());
        let kept_dir = dir.path().join("kept/1");
        let kept = before.keep(&changed, &kept_dir).expect("kept");
        assert_eq!(kept.len(), 2, "the added file has nothing to keep");
        assert_eq!(
            std::fs::read_to_string(kept_dir.join("specs/x.ghost")).expect("x"),
            "x"
        );
        // A second refusal into the same folder replaces nothing.
        assert!(after.keep(&changed, &kept_dir).is_err());
        assert_eq!(
            std::fs::read_to_string(kept_dir.join("specs/x.ghost")).expect("x"),
            "x"
        );
    }

    /// An agent that rewrites a file to the same size and sets its time back (`touch -r`)
    /// still changes its inode's time, which no program can set back.
    #[cfg(unix)]
    #[test]
    fn a_rewrite_with_its_time_set_back_is_still_a_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let readme = root.join("README.md");
        std::fs::write(&readme, "readme\n").expect("write");
        let guard = Guard {
            root: root.to_path_buf(),
            specs_dir: root.join("specs"),
            ghost_owned: Vec::new(),
        };
        let before = Guarded::take(&guard);
        let time = std::fs::metadata(&readme)
            .and_then(|m| m.modified())
            .expect("a time");
        std::fs::write(&readme, "pwned\n\n").expect("write");
        std::fs::File::options()
            .write(true)
            .open(&readme)
            .and_then(|f| f.set_modified(time))
            .expect("time set back");
        let after = Guarded::take(&guard);
        assert_eq!(before.others_changed(&after), [PathBuf::from("README.md")]);
    }

    #[test]
    fn only_spec_files_are_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("specs/text")).expect("mkdir");
        std::fs::write(root.join("ghost.toml"), "[project]").expect("toml");
        std::fs::write(root.join("specs/text/slug.ghost"), "module text.slug {}").expect("spec");
        std::fs::write(root.join("specs/text/.slug.ghost.swp"), "swap").expect("swap");
        std::fs::write(root.join("specs/notes.md"), "notes").expect("notes");
        let g = Guarded::take(&Guard {
            root: root.to_path_buf(),
            specs_dir: root.join("specs"),
            ghost_owned: Vec::new(),
        });
        let names: Vec<&PathBuf> = g.files.keys().collect();
        assert_eq!(
            names,
            [
                &PathBuf::from("ghost.toml"),
                &PathBuf::from("specs/text/slug.ghost")
            ]
        );
    }

    #[test]
    fn the_projects_other_files_are_watched_but_not_what_ghost_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for (path, text) in [
            ("ghost.toml", "[project]"),
            ("specs/a.ghost", "module a {}"),
            ("README.md", "read me"),
            ("src/main.rs", "fn main() {}"),
            ("generated/src/lib.rs", ""),
            (".ghost/run.log", ""),
            ("ghost.lock", ""),
            ("target/debug/x", ""),
            (".git/HEAD", "ref"),
            (".git/objects/ab/cd", ""),
            (".git/hooks/pre-commit.sample", ""),
        ] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let guard = Guard {
            root: root.to_path_buf(),
            specs_dir: root.join("specs"),
            ghost_owned: ["generated", ".ghost", "ghost.lock"]
                .map(|p| root.join(p))
                .to_vec(),
        };
        let before = Guarded::take(&guard);
        let watched: Vec<&PathBuf> = before.others.keys().collect();
        assert_eq!(
            watched,
            [".git/hooks/pre-commit.sample", "README.md", "src/main.rs"]
                .map(PathBuf::from)
                .iter()
                .collect::<Vec<_>>()
        );
        std::fs::write(root.join("README.md"), "changed by an agent").expect("write");
        std::fs::write(root.join(".git/hooks/pre-commit"), "rm -rf ~").expect("write");
        std::fs::write(root.join("generated/src/lib.rs"), "ghost's").expect("write");
        std::fs::write(root.join("ghost.lock"), "ghost's").expect("write");
        // The file ghost writes the lock through, caught there by the second reading.
        let temp = crate::plan::lock::temp_name_of(&root.join("ghost.lock"));
        std::fs::write(root.join(temp), "ghost's").expect("write");
        std::fs::remove_file(root.join("src/main.rs")).expect("rm");
        let after = Guarded::take(&guard);
        assert_eq!(
            before.others_changed(&after),
            [".git/hooks/pre-commit", "README.md", "src/main.rs"].map(PathBuf::from)
        );
        assert!(
            before.changes(&after).is_empty(),
            "the specs are as they were"
        );
    }
}
