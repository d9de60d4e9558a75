//! Code that changed during a build, not by ghost's hand; and code ghost is about to
//! overwrite that someone wrote by hand.
//!
//! In: every module's `imp.rs` in the generated crate when a build starts, and each code
//! ghost writes during it. Out: the modules whose `imp.rs` is not what ghost left there,
//! each put back, its other text kept under `.ghost/kept/`.
//!
//! Why: an agent program runs in a scratch copy, but it can reach any file by its path,
//! and one that writes into another module's code would leave the project tampered
//! behind a green build, or get its text tested and locked as that module's. So each
//! module's code is compared with what ghost expects there before its own job reads it
//! (`check_one`), and every module's when the build ends (`check_all`), however it ends.
//! Ghost writes a module's code only in that module's own job, and with `put`, which holds
//! the lock the checks hold: a check never sees ghost's write before its record (a job
//! still accepting when a failed build's end check runs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A module's `imp.rs`: where it is, and what it must hold (`None`: no file).
type Expected = (PathBuf, Option<Vec<u8>>);

/// What each module's `imp.rs` must hold, by module name: what was there when the build
/// started, or what ghost wrote since.
#[derive(Debug, Default)]
pub struct ExpectedCode {
    files: Mutex<BTreeMap<String, Expected>>,
    /// Where the other text goes (`.ghost/kept`).
    kept_root: PathBuf,
}

/// A module whose code changed during the build, not by ghost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideWrite {
    pub module: String,
    /// Where its changed text was kept, when there was one and it could be kept.
    pub kept: Option<PathBuf>,
    /// Whether ghost's code is back in place.
    pub restored: bool,
}

impl OutsideWrite {
    /// What the user is told, in the build's report.
    pub fn why(&self) -> String {
        let kept = match &self.kept {
            Some(path) => format!("its new text is kept in `{}`", path.display()),
            None => "it had no text to keep".to_string(),
        };
        let restored = if self.restored {
            "the code ghost expects there is back in place"
        } else {
            "the code ghost expects there could not be put back"
        };
        format!(
            "its imp.rs changed during the build, not by ghost (an agent program writing outside its scratch copy, or an editor): {restored}; {kept}"
        )
    }
}

impl ExpectedCode {
    /// Reads the `imp.rs` of each of `modules` (name, path relative to `crate_dir`).
    pub fn read<'a>(
        crate_dir: &Path,
        modules: impl IntoIterator<Item = (&'a str, &'a Path)>,
        kept_root: &Path,
    ) -> ExpectedCode {
        let files = modules
            .into_iter()
            .map(|(name, rel)| {
                let path = crate_dir.join(rel);
                // Regular files only: a named pipe in its place would block for ever.
                let bytes = crate::project::read_regular(&path).ok();
                (name.to_string(), (path, bytes))
            })
            .collect();
        ExpectedCode {
            files: Mutex::new(files),
            kept_root: kept_root.to_path_buf(),
        }
    }

    /// Ghost writes `code` as `module`'s `imp.rs` at `path` (`None`: removes the file), and
    /// expects it there from now on. One step to the end-of-build check (which holds the
    /// same lock): a check between the write and its record would take ghost's own write
    /// for someone else's, put the old code back and leave the lock describing the new.
    pub fn put(&self, module: &str, path: &Path, code: Option<&[u8]>) -> std::io::Result<()> {
        let mut files = self
            .files
            .lock()
            .map_err(|_| std::io::Error::other("a build job panicked"))?;
        match code {
            // The same bytes are left alone: a new modification time would make cargo
            // compile the crate again (for every module re-locked as it is).
            Some(bytes) if crate::project::read_regular(path).ok().as_deref() == Some(bytes) => {}
            Some(bytes) => crate::plan::lock::write_atomic(path, bytes)?,
            None => std::fs::remove_file(path)?,
        }
        if let Some((_, expected)) = files.get_mut(module) {
            *expected = code.map(<[u8]>::to_vec);
        }
        Ok(())
    }

    /// Whether what is on disk now is what ghost expects for `module` (`true` for a
    /// module it does not know).
    fn matches(&self, module: &str) -> bool {
        self.check(Some(module), false).is_empty()
    }

    /// Checks `module` before its job reads its code: put back if someone else wrote it.
    pub fn check_one(&self, module: &str) -> Option<OutsideWrite> {
        if self.matches(module) {
            return None;
        }
        self.check(Some(module), true).into_iter().next()
    }

    /// Checks every module (as the build ends), putting back what someone else wrote.
    pub fn check_all(&self) -> Vec<OutsideWrite> {
        self.check(None, true)
    }

    fn check(&self, only: Option<&str>, restore: bool) -> Vec<OutsideWrite> {
        let Ok(files) = self.files.lock() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (module, (path, expected)) in files.iter() {
            if only.is_some_and(|m| m != module) {
                continue;
            }
            // A named pipe in its place reads as no file (and is replaced by what ghost
            // expects): opening it would block for ever.
            let now = crate::project::read_regular(path).ok();
            if &now == expected {
                continue;
            }
            if !restore {
                out.push(OutsideWrite {
                    module: module.clone(),
                    kept: None,
                    restored: false,
                });
                continue;
            }
            let (kept, restored) = put_back(path, expected.as_deref(), now.as_deref(), |text| {
                keep_copy(&self.kept_root, module, "changed-during-build", text)
            });
            out.push(OutsideWrite {
                module: module.clone(),
                kept,
                restored,
            });
        }
        out
    }
}

/// What `ghost.lock` must hold during a build: what was there when it started, or what
/// ghost wrote since. An agent program can reach it by its path as it can a module's
/// code, and a lock changed behind ghost's back would be left by a build that writes
/// nothing more (a forged entry calling the program's code fresh), or overwritten
/// unseen by the next module's accept.
#[derive(Debug)]
pub struct ExpectedLock {
    path: PathBuf,
    bytes: Mutex<Option<Vec<u8>>>,
    /// Where the other text goes (`.ghost/kept`).
    kept_root: PathBuf,
}

/// `ghost.lock` found changed during a build, not by ghost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideLockWrite {
    /// Where its changed text was kept, when there was one and it could be kept.
    pub kept: Option<PathBuf>,
    /// Whether ghost's lock is back in place.
    pub restored: bool,
}

impl OutsideLockWrite {
    /// What the user is told.
    pub fn why(&self) -> String {
        let restored = if self.restored {
            "the lock ghost keeps is back in place"
        } else {
            "the lock ghost keeps could not be put back: run `ghost build` again"
        };
        let kept = match &self.kept {
            Some(path) => format!("the changed text is kept in `{}`", path.display()),
            None => "it had no text to keep".to_string(),
        };
        format!("`ghost.lock` changed during the build, not by ghost (an agent program writing outside its scratch copy, or an editor): {restored}; {kept}")
    }
}

impl ExpectedLock {
    /// Reads the lock at `path` as the build starts.
    pub fn read(path: &Path, kept_root: &Path) -> ExpectedLock {
        ExpectedLock {
            path: path.to_path_buf(),
            bytes: Mutex::new(crate::project::read_regular(path).ok()),
            kept_root: kept_root.to_path_buf(),
        }
    }

    /// Ghost writes the lock with `write`: text someone else wrote there since is kept
    /// first (and returned, to be told), and what `write` leaves is expected from now on.
    pub fn write<E>(
        &self,
        write: impl FnOnce() -> Result<(), E>,
    ) -> Result<Option<OutsideLockWrite>, E> {
        let Ok(mut expected) = self.bytes.lock() else {
            return write().map(|()| None);
        };
        let now = crate::project::read_regular(&self.path).ok();
        let found = (now != *expected).then(|| OutsideLockWrite {
            kept: now.as_deref().and_then(|text| self.keep(text)),
            // By the write below, which records code ghost already put in place.
            restored: true,
        });
        write()?;
        *expected = crate::project::read_regular(&self.path).ok();
        Ok(found)
    }

    /// Checks the lock (as the build ends), putting back what ghost expects there when
    /// someone else changed it, their text kept.
    pub fn check(&self) -> Option<OutsideLockWrite> {
        let expected = self.bytes.lock().ok()?;
        let now = crate::project::read_regular(&self.path).ok();
        if now == *expected {
            return None;
        }
        let (kept, restored) = put_back(&self.path, expected.as_deref(), now.as_deref(), |text| {
            self.keep(text)
        });
        Some(OutsideLockWrite { kept, restored })
    }

    fn keep(&self, text: &[u8]) -> Option<PathBuf> {
        keep_file(
            &self.kept_root,
            "ghost.lock-changed-during-build",
            "ghost.lock",
            text,
        )
    }
}

/// Puts `expected` (`None`: no file) back at `path`, where `now` was found instead, once
/// `now` is kept by `keep`: nothing anyone wrote is lost. Where it was kept, and whether
/// ghost's text is back.
fn put_back(
    path: &Path,
    expected: Option<&[u8]>,
    now: Option<&[u8]>,
    keep: impl FnOnce(&[u8]) -> Option<PathBuf>,
) -> (Option<PathBuf>, bool) {
    let kept = now.and_then(keep);
    let restored = (now.is_none() || kept.is_some())
        && match expected {
            Some(bytes) => crate::plan::lock::write_atomic(path, bytes).is_ok(),
            None => std::fs::remove_file(path).is_ok(),
        };
    (kept, restored)
}

/// Writes `text` (a module's `imp.rs`) to `kept_root/<time>-<module>-<why>/imp.rs`, a
/// folder of its own; its path, or `None` when it could not be written.
pub fn keep_copy(kept_root: &Path, module: &str, why: &str, text: &[u8]) -> Option<PathBuf> {
    keep_file(kept_root, &format!("{module}-{why}"), "imp.rs", text)
}

/// Writes `text` to `kept_root/<time>-<label>/<file>`, a folder of its own; its path, or
/// `None` when it could not be written.
fn keep_file(kept_root: &Path, label: &str, file: &str, text: &[u8]) -> Option<PathBuf> {
    let dir = kept_folder(kept_root, label);
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(file);
    std::fs::write(&path, text).ok()?;
    Some(path)
}

/// A folder of its own under `kept_root` (`.ghost/kept`) for what is kept now:
/// `<time>-<label>`, the time first so that a listing is in order.
pub fn kept_folder(kept_root: &Path, label: &str) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    kept_root.join(format!("{stamp}-{label}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_put_as_it_already_is_keeps_its_modification_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "a").expect("write");
        let long_ago =
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(long_ago))
            .expect("dated");
        let expected = ExpectedCode::read(
            dir.path(),
            [("m.a", Path::new("a.rs"))],
            &dir.path().join("kept"),
        );
        expected.put("m.a", &path, Some(b"a")).expect("put");
        let modified = || {
            std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .expect("mtime")
        };
        assert_eq!(
            modified(),
            long_ago,
            "not written again: cargo would compile anew"
        );
        expected.put("m.a", &path, Some(b"a, new")).expect("put");
        assert_ne!(modified(), long_ago);
        assert!(expected.check_one("m.a").is_none());
    }

    #[test]
    fn a_lock_changed_not_by_ghost_is_kept_and_put_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lock = dir.path().join("ghost.lock");
        let kept_root = dir.path().join("kept");
        std::fs::write(&lock, "as it started").expect("write");
        let expected = ExpectedLock::read(&lock, &kept_root);
        assert_eq!(expected.check(), None, "unchanged");
        // Ghost's own write is no one else's.
        let write = |text: &'static str| {
            let lock = lock.clone();
            move || std::fs::write(&lock, text)
        };
        assert_eq!(expected.write(write("ghost's")).expect("written"), None);
        assert_eq!(expected.check(), None, "ghost's own write");
        // Someone else's, before ghost writes again: kept, then replaced by ghost's.
        std::fs::write(&lock, "planted").expect("write");
        let found = expected
            .write(write("ghost's again"))
            .expect("written")
            .expect("found");
        let kept = found.kept.clone().expect("kept");
        assert_eq!(
            std::fs::read_to_string(&kept).ok().as_deref(),
            Some("planted")
        );
        assert!(found.restored && found.why().contains("changed during the build"));
        // Someone else's, as the build ends: kept, and ghost's put back.
        std::fs::write(&lock, "planted at the end").expect("write");
        let found = expected.check().expect("found");
        assert!(found.restored);
        assert_eq!(
            std::fs::read_to_string(found.kept.expect("kept"))
                .ok()
                .as_deref(),
            Some("planted at the end")
        );
        assert_eq!(
            std::fs::read_to_string(&lock).ok().as_deref(),
            Some("ghost's again")
        );
        // A lock that was not there, and was made by someone else: kept and taken out.
        let none = ExpectedLock::read(&dir.path().join("none.lock"), &kept_root);
        std::fs::write(dir.path().join("none.lock"), "made").expect("write");
        assert!(none.check().is_some_and(|f| f.restored));
        assert!(!dir.path().join("none.lock").exists());
    }

    #[test]
    fn a_change_not_by_ghost_is_put_back_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for (rel, text) in [("a.rs", "a"), ("b.rs", "b"), ("c.rs", "c")] {
            std::fs::write(root.join(rel), text).expect("write");
        }
        let modules = [
            ("m.a", Path::new("a.rs")),
            ("m.b", Path::new("b.rs")),
            ("m.c", Path::new("c.rs")),
            ("m.d", Path::new("d.rs")),
        ];
        let kept_root = root.join("kept");
        let expected = ExpectedCode::read(root, modules, &kept_root);
        // Ghost writes a; someone else writes into b, adds d, and then into a too.
        expected
            .put("m.a", &root.join("a.rs"), Some(b"a by ghost"))
            .expect("written");
        assert!(expected.check_one("m.a").is_none());
        std::fs::write(root.join("b.rs"), "b by an intruder").expect("write");
        let early = expected
            .check_one("m.b")
            .expect("found before b's job reads it");
        assert!(early.restored);
        assert_eq!(
            std::fs::read_to_string(root.join("b.rs")).ok().as_deref(),
            Some("b")
        );
        std::fs::write(root.join("d.rs"), "d added").expect("write");
        std::fs::write(root.join("a.rs"), "a by ghost, then an intruder").expect("write");
        let found = expected.check_all();
        let names: Vec<&str> = found.iter().map(|w| w.module.as_str()).collect();
        assert_eq!(names, ["m.a", "m.d"]);
        assert!(found.iter().all(|w| w.restored));
        assert_eq!(
            std::fs::read_to_string(root.join("a.rs")).ok().as_deref(),
            Some("a by ghost")
        );
        assert!(
            !root.join("d.rs").exists(),
            "a file added by someone else is taken out"
        );
        let kept_a = found[0].kept.as_ref().expect("kept");
        assert_eq!(
            std::fs::read_to_string(kept_a).ok().as_deref(),
            Some("a by ghost, then an intruder")
        );
        assert!(
            found[0].why().contains("back in place"),
            "{}",
            found[0].why()
        );
        assert!(expected.check_all().is_empty(), "all as expected now");
    }
}
