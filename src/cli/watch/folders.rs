//! What `ghost watch` watches (the specs folder, recursively, and the project root for
//! `ghost.toml`; with `--build --provider manual`, also the generated crate's `src/` for
//! the modules' `imp.rs`), which file-system events count as a change, and the debounce
//! that turns one save into one change.
//!
//! Folders are watched, never single files: editors save by writing a temp file and renaming
//! it over the spec (vim), or by deleting and recreating it, and a watch on the old file
//! would die with it. When the specs folder itself is moved, removed or recreated, or
//! ghost.toml names another one, the watches are set up again before the next check.

use notify::event::{CreateKind, ModifyKind, RemoveKind};
use notify::{Event, EventKind, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime};

/// How long the files must stay quiet before a burst of events counts as one save.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// The folders to watch, as the project's configuration gives them (canonical paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The folder that holds ghost.toml (watched alone, not recursively).
    pub root: PathBuf,
    /// `ghost.toml` itself.
    pub config: PathBuf,
    /// The specs folder, when the configuration could be read.
    pub specs: Option<PathBuf>,
    /// Folders ghost writes into (`generated/`, `.ghost/`): never a change, even when the
    /// specs folder holds them (but for [`Self::code`]).
    pub ignored: Vec<PathBuf>,
    /// The generated crate's `src/`, where the modules' `imp.rs` are, when a save of one
    /// is a change: with the manual provider, the user is the agent, and the build tests
    /// and locks what they wrote.
    pub code: Option<PathBuf>,
}

/// What is watched now.
#[derive(Debug, Default)]
pub struct Folders {
    wanted: Option<Wanted>,
    root: Option<PathBuf>,
    specs: Option<PathBuf>,
    /// `ghost.lock`, while the last check failed on it: restoring it is the fix, which
    /// must count as a change. Otherwise it is no change: builds write it.
    broken_lock: Option<PathBuf>,
    /// The folder of [`Wanted::code`] as watched now, when it needs a watch of its own
    /// (it is not in the specs folder).
    code: Option<PathBuf>,
    /// The implementation hashes ghost.lock records: an `imp.rs` holding one of them is
    /// ghost's own write (code it put back or locked), not the user's.
    locked_code: BTreeSet<String>,
    /// When each `imp.rs` was last written as the last build left them: one written
    /// since is the user's save, even of the text it had (the answer to a revision
    /// prompt may be the code unchanged, which the next build locks).
    code_times: BTreeMap<PathBuf, SystemTime>,
}

/// What a burst of events asks for, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Nothing that matters (an open, a temp file, a write under `generated/`).
    None,
    /// A spec or ghost.toml changed: check again.
    Check,
    /// A folder moved, appeared or vanished: set the watches up again, then check.
    Rewatch,
}

/// The watcher stopped sending events; watching cannot go on.
#[derive(Debug, thiserror::Error)]
#[error("the file watcher stopped\nhelp: start `ghost watch` again")]
pub struct WatcherGone;

impl Folders {
    /// Sets the watches up for `wanted`: again from scratch when `force` (the specs folder
    /// was replaced), else only where it differs from what is watched. Returns the folders
    /// that could not be watched, with why, for the caller to report.
    pub fn update(
        &mut self,
        watcher: &mut dyn Watcher,
        wanted: Wanted,
        force: bool,
    ) -> Vec<(PathBuf, notify::Error)> {
        let mut failed = Vec::new();
        let specs = wanted.specs.clone().filter(|dir| dir.is_dir());
        rewatch(
            watcher,
            &mut self.specs,
            specs,
            force,
            RecursiveMode::Recursive,
            &mut failed,
        );
        // Inside the specs folder, the code's events come with the specs' already.
        let code = wanted
            .code
            .clone()
            .filter(|dir| dir.is_dir())
            .filter(|dir| {
                wanted
                    .specs
                    .as_ref()
                    .is_none_or(|specs| !dir.starts_with(specs))
            });
        rewatch(
            watcher,
            &mut self.code,
            code,
            force,
            RecursiveMode::Recursive,
            &mut failed,
        );
        let root = Some(wanted.root.clone());
        rewatch(
            watcher,
            &mut self.root,
            root,
            force,
            RecursiveMode::NonRecursive,
            &mut failed,
        );
        self.wanted = Some(wanted);
        failed
    }

    /// Counts a write of `lock` (the project's ghost.lock, in the root folder watched
    /// already) as a change while the last check failed on it; `None` once it reads again.
    pub fn watch_broken_lock(&mut self, lock: Option<PathBuf>) {
        self.broken_lock = lock;
    }

    /// Takes in what a build left (see [`Wanted::code`]): the implementation hashes
    /// ghost.lock records now, and when each module's `imp.rs` was written. A module's
    /// `imp.rs` written since is the user's save; one holding locked code or ghost's stub
    /// is the user's only if written since.
    pub fn built(&mut self, locked_code: BTreeSet<String>) {
        self.locked_code = locked_code;
        self.code_times = self
            .wanted
            .as_ref()
            .and_then(|w| w.code.as_ref())
            .map(|code| {
                walkdir::WalkDir::new(code)
                    .into_iter()
                    .flatten()
                    .filter(|e| e.file_name() == "imp.rs")
                    .filter_map(|e| Some((e.path().to_path_buf(), modified(e.path())?)))
                    .collect()
            })
            .unwrap_or_default();
    }

    /// Blocks until something that matters changes, then until the files have been quiet
    /// for [`DEBOUNCE`], and says what the whole burst asks for.
    pub fn wait(&self, events: &Receiver<notify::Result<Event>>) -> Result<Change, WatcherGone> {
        let mut change = Change::None;
        while change == Change::None {
            let event = events.recv().map_err(|_| WatcherGone)?;
            change = self.classify(event);
        }
        loop {
            match events.recv_timeout(DEBOUNCE) {
                Ok(event) => change = change.max(self.classify(event)),
                Err(RecvTimeoutError::Timeout) => return Ok(change),
                Err(RecvTimeoutError::Disconnected) => return Err(WatcherGone),
            }
        }
    }

    /// What one event asks for.
    pub fn classify(&self, event: notify::Result<Event>) -> Change {
        let Ok(event) = event else {
            // The watcher lost track (an overflowing queue, a vanished folder): start over.
            return Change::Rewatch;
        };
        if event.need_rescan() {
            return Change::Rewatch;
        }
        match event.kind {
            // Our own reads open the specs; attributes are not contents.
            EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => Change::None,
            _ => event
                .paths
                .iter()
                .map(|path| self.classify_path(path, &event.kind))
                .max()
                .unwrap_or(Change::None),
        }
    }

    fn classify_path(&self, path: &Path, kind: &EventKind) -> Change {
        let Some(wanted) = &self.wanted else {
            return Change::None;
        };
        if path == wanted.config || self.broken_lock.as_deref() == Some(path) {
            return Change::Check;
        }
        if let Some(code) = &wanted.code {
            // The folder itself gone (`generated/` deleted): its watch is gone with it,
            // and the next build makes it again, to be watched anew.
            if path == code
                && matches!(
                    kind,
                    EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
                )
            {
                return Change::Rewatch;
            }
            if path.starts_with(code) && path.file_name().is_some_and(|n| n == "imp.rs") {
                return if self.written_by_user(path) {
                    Change::Check
                } else {
                    Change::None
                };
            }
        }
        let Some(specs) = &wanted.specs else {
            return Change::None;
        };
        if path == specs {
            return Change::Rewatch;
        }
        if !path.starts_with(specs) || wanted.ignored.iter().any(|dir| path.starts_with(dir)) {
            return Change::None;
        }
        let is_folder_event = matches!(
            kind,
            EventKind::Create(CreateKind::Folder) | EventKind::Remove(RemoveKind::Folder)
        );
        // A folder renamed in or out of the tree: notify names the new folder, or a path
        // that no longer exists (moved away), which a spec file's name never is.
        let is_folder_rename = matches!(kind, EventKind::Modify(ModifyKind::Name(_)))
            && (path.is_dir() || (!path.exists() && path.extension().is_none()));
        if is_folder_event || is_folder_rename {
            Change::Rewatch
        } else if path
            .extension()
            .is_some_and(|e| e == crate::project::SPEC_EXTENSION)
        {
            Change::Check
        } else {
            Change::None
        }
    }

    /// Whether the `imp.rs` at `path` holds a save of the user's: written since the last
    /// build ended, or holding code that is neither ghost's stub nor code the lock records
    /// (what a build writes: a stub where there is no code, locked code put back; a save
    /// during a build is written before it ends); and there at all (a deletion leaves
    /// nothing to test). Ghost's own writes must be no change, or every build would start
    /// the next.
    fn written_by_user(&self, path: &Path) -> bool {
        let Ok(bytes) = std::fs::read(path) else {
            return false;
        };
        if modified(path).is_some_and(|t| self.code_times.get(path) != Some(&t)) {
            return true;
        }
        let stub = std::str::from_utf8(&bytes).is_ok_and(crate::compile::rust::is_untouched_stub);
        !stub
            && !self
                .locked_code
                .iter()
                .any(|hash| crate::plan::lock::locks(hash, &bytes))
    }
}

/// When the file at `path` was last written, where the system says.
fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Moves the watch held in `slot` to `wanted` when they differ (or with `force`): the old
/// folder unwatched (it may be gone already, taking its watch with it), the new one
/// watched, or its failure added to `failed`.
fn rewatch(
    watcher: &mut dyn Watcher,
    slot: &mut Option<PathBuf>,
    wanted: Option<PathBuf>,
    force: bool,
    mode: RecursiveMode,
    failed: &mut Vec<(PathBuf, notify::Error)>,
) {
    if !force && *slot == wanted {
        return;
    }
    if let Some(old) = slot.take() {
        let _ = watcher.unwatch(&old);
    }
    if let Some(dir) = wanted {
        match watcher.watch(&dir, mode) {
            Ok(()) => *slot = Some(dir),
            Err(e) => failed.push((dir, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, DataChange, RenameMode};

    fn folders() -> Folders {
        Folders {
            wanted: Some(Wanted {
                root: PathBuf::from("/p"),
                config: PathBuf::from("/p/ghost.toml"),
                specs: Some(PathBuf::from("/p/specs")),
                ignored: vec![PathBuf::from("/p/specs/generated")],
                code: None,
            }),
            root: None,
            specs: None,
            broken_lock: None,
            code: None,
            locked_code: BTreeSet::new(),
            code_times: BTreeMap::new(),
        }
    }

    fn event(kind: EventKind, paths: &[&str]) -> notify::Result<Event> {
        let mut event = Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from(path));
        }
        Ok(event)
    }

    #[test]
    fn spec_writes_and_renames_over_a_spec_are_changes() {
        let f = folders();
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert_eq!(
            f.classify(event(write, &["/p/specs/a/b.ghost"])),
            Change::Check
        );
        let rename = EventKind::Modify(ModifyKind::Name(RenameMode::Both));
        assert_eq!(
            f.classify(event(
                rename,
                &["/p/specs/a/.b.ghost.tmp", "/p/specs/a/b.ghost"]
            )),
            Change::Check
        );
        assert_eq!(f.classify(event(write, &["/p/ghost.toml"])), Change::Check);
    }

    #[test]
    fn opens_temp_files_and_generated_code_are_not_changes() {
        let f = folders();
        let open = EventKind::Access(AccessKind::Any);
        assert_eq!(
            f.classify(event(open, &["/p/specs/a/b.ghost"])),
            Change::None
        );
        let create = EventKind::Create(CreateKind::File);
        assert_eq!(
            f.classify(event(create, &["/p/specs/a/4913"])),
            Change::None
        );
        assert_eq!(
            f.classify(event(create, &["/p/specs/a/b.ghost~"])),
            Change::None
        );
        assert_eq!(f.classify(event(create, &["/p/ghost.lock"])), Change::None);
        let folder = EventKind::Create(CreateKind::Folder);
        assert_eq!(
            f.classify(event(folder, &["/p/specs/generated/src"])),
            Change::None
        );
    }

    #[test]
    fn the_lock_is_a_change_only_while_a_check_failed_on_it() {
        let mut f = folders();
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        assert_eq!(f.classify(event(write, &["/p/ghost.lock"])), Change::None);
        f.watch_broken_lock(Some(PathBuf::from("/p/ghost.lock")));
        assert_eq!(f.classify(event(write, &["/p/ghost.lock"])), Change::Check);
        f.watch_broken_lock(None);
        assert_eq!(f.classify(event(write, &["/p/ghost.lock"])), Change::None);
    }

    #[test]
    fn the_specs_folder_replaced_or_a_folder_in_it_asks_for_new_watches() {
        let f = folders();
        let removed = EventKind::Remove(RemoveKind::Folder);
        assert_eq!(f.classify(event(removed, &["/p/specs"])), Change::Rewatch);
        let created = EventKind::Create(CreateKind::Folder);
        assert_eq!(
            f.classify(event(created, &["/p/specs/net"])),
            Change::Rewatch
        );
        assert_eq!(
            f.classify(Err(notify::Error::generic("queue overflow"))),
            Change::Rewatch
        );
    }

    /// With the manual provider, a save of a module's `imp.rs` is a change, even of the
    /// text it had; but not ghost's own writes there (what the last build wrote), nor a
    /// deletion; and without it (`code: None`), no `imp.rs` is.
    #[test]
    fn the_users_imp_rs_is_a_change_in_a_manual_watch_and_ghosts_writes_are_not() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let code = dir.path().join("generated/src");
        let imp = code.join("text/slug/imp.rs");
        std::fs::create_dir_all(imp.parent().expect("a folder")).expect("mkdir");
        let mut f = folders();
        let write = EventKind::Modify(ModifyKind::Data(DataChange::Any));
        let event = || Ok(Event::new(write).add_path(imp.clone()));
        let put = |text: &str| std::fs::write(&imp, text).expect("write imp.rs");
        let users =
            "use super::*;\n\npub fn slugify(title: &str) -> String {\n    title.to_string()\n}\n";
        put(users);
        assert_eq!(
            f.classify(event()),
            Change::None,
            "not watched without the manual provider"
        );

        if let Some(wanted) = f.wanted.as_mut() {
            wanted.code = Some(code.clone());
        }
        // A build writes the stub: its event, seen after the build, is no change.
        put("//! The implementation of module `text.slug`: a stub by ghost, to be replaced by the agent.\n#![allow(unused_imports, unused_variables)]\n\nuse super::*;\n\npub fn slugify(title: &str) -> String {\n    todo!()\n}\n");
        f.built(BTreeSet::new());
        assert_eq!(f.classify(event()), Change::None, "ghost's stub");
        put(users);
        assert_eq!(f.classify(event()), Change::Check, "the user's code");

        // The build locks it; then the same text saved again (a revision's answer that
        // the code needs no change) is a change.
        let locked: BTreeSet<String> =
            [crate::plan::lock::implementation_hash(users.as_bytes())].into();
        f.built(locked.clone());
        assert_eq!(f.classify(event()), Change::None, "the save the build took");
        let later = modified(&imp).expect("a time") + Duration::from_secs(1);
        std::fs::File::options()
            .write(true)
            .open(&imp)
            .and_then(|file| file.set_modified(later))
            .expect("save it again");
        assert_eq!(f.classify(event()), Change::Check, "saved again, unchanged");

        // A save during a build (before it ends) of code no lock records is a change;
        // locked code put back by a build is not.
        put(&format!("{users}// tuned\n"));
        f.built(locked.clone());
        assert_eq!(f.classify(event()), Change::Check);
        put(users);
        f.built(locked);
        assert_eq!(
            f.classify(event()),
            Change::None,
            "the locked code, put back"
        );

        std::fs::remove_file(&imp).expect("delete imp.rs");
        let removed = EventKind::Remove(RemoveKind::File);
        assert_eq!(
            f.classify(Ok(Event::new(removed).add_path(imp.clone()))),
            Change::None
        );
        let other = code.join("text/slug/mod.rs");
        std::fs::write(&other, users).expect("write mod.rs");
        assert_eq!(
            f.classify(Ok(Event::new(write).add_path(other))),
            Change::None,
            "only imp.rs is the user's"
        );
    }
}
