//! What an agent program may not touch: the project's specs and `ghost.toml`.
//!
//! In: the project, before a `command` agent runs and after. Out: the files that changed
//! in between, and their text from before, kept under `.ghost/kept/`.
//!
//! Why: an agent program (a coding assistant run in the module's scratch copy) can reach
//! any file, and one that cannot make the tests pass may edit the spec they come from.
//! Ghost never writes these files during a build, so any change while the agent ran is
//! the agent's or the user's (a save during `ghost watch`): the attempt is refused and
//! nothing is overwritten, the text from before being kept for the user to put back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::session::Guard;

/// The guarded files' contents at one moment, by path.
#[derive(Debug, Default)]
pub struct Guarded {
    root: PathBuf,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Guarded {
    /// Reads every file under the specs folder and `ghost.toml`. A file that cannot be
    /// read is left out of both readings, so it never counts as changed.
    pub fn take(guard: &Guard) -> Guarded {
        let mut files = BTreeMap::new();
        let mut paths = vec![guard.root.join("ghost.toml")];
        paths.extend(
            walkdir::WalkDir::new(&guard.specs_dir)
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path()),
        );
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                files.insert(path, bytes);
            }
        }
        Guarded {
            root: guard.root.clone(),
            files,
        }
    }

    /// The files changed, added or removed since `self` was taken (`later`), relative to
    /// the project's folder.
    pub fn changes(&self, later: &Guarded) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .files
            .iter()
            .filter(|(path, bytes)| later.files.get(*path) != Some(bytes))
            .map(|(path, _)| path.clone())
            .collect();
        out.extend(
            later
                .files
                .keys()
                .filter(|path| !self.files.contains_key(*path))
                .cloned(),
        );
        out.sort();
        out.iter().map(|p| self.relative(p)).collect()
    }

    /// Writes the text from before of each of `changed` (relative paths, as
    /// [`Guarded::changes`] gives them) under `kept_dir`; returns the files written.
    pub fn keep(&self, changed: &[PathBuf], kept_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for rel in changed {
            let Some(bytes) = self.files.get(&self.root.join(rel)) else {
                continue; // added by the agent: nothing to keep
            };
            let to = kept_dir.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&to, bytes)?;
            written.push(to);
        }
        Ok(written)
    }

    fn relative(&self, path: &Path) -> PathBuf {
        path.strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(root: &Path, files: &[(&str, &str)]) -> Guarded {
        Guarded {
            root: root.to_path_buf(),
            files: files
                .iter()
                .map(|(p, t)| (root.join(p), t.as_bytes().to_vec()))
                .collect(),
        }
    }

    #[test]
    fn changed_added_and_removed_files_are_named_and_the_old_text_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let before = guarded(
            root,
            &[
                ("ghost.toml", "a"),
                ("specs/x.ghost", "x"),
                ("specs/y.ghost", "y"),
            ],
        );
        let after = guarded(
            root,
            &[
                ("ghost.toml", "a"),
                ("specs/x.ghost", "x2"),
                ("specs/z.ghost", "z"),
            ],
        );
        let changed = before.changes(&after);
        assert_eq!(
            changed,
            ["specs/x.ghost", "specs/y.ghost", "specs/z.ghost"].map(PathBuf::from)
        );
        assert!(before
            .changes(&guarded(
                root,
                &[
                    ("ghost.toml", "a"),
                    ("specs/x.ghost", "x"),
                    ("specs/y.ghost", "y")
                ]
            ))
            .is_empty());
        let kept = before
            .keep(&changed, &root.join(".ghost/kept"))
            .expect("kept");
        assert_eq!(kept.len(), 2, "the added file has nothing to keep");
        assert_eq!(
            std::fs::read_to_string(root.join(".ghost/kept/specs/x.ghost")).expect("x"),
            "x"
        );
    }
}
