//! What ghost last wrote of the generated crate's compiler-owned files (`Cargo.toml`,
//! `src/lib.rs`, each module's `mod.rs` and tests), so that a hand edit of one is kept
//! before ghost writes the file again.
//!
//! In: the state folder's record of the files' hashes (`.ghost/written`, one
//! `HASH  PATH` a line, as `sha256sum` prints them), the compiled files and the crate on
//! disk. Out: the files edited since ghost wrote them, each copied under
//! `.ghost/kept/TIME-generated/` before it is replaced; then the new record.
//!
//! Why: these files hold only what the specs make, so a build writes them again whenever
//! they differ, and a dependency added to `Cargo.toml` or a note in a `mod.rs` would be
//! gone without a word. A file that differs from what the compiler writes now is either
//! ghost's own older output (a spec changed) or someone's edit: the record tells the two
//! apart. A file the record does not name (a fresh clone, a new module) is not judged:
//! ghost cannot tell, and most such files are its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::compile::rust::{GeneratedFile, Owner};
use crate::plan::lock::{implementation_hash as hash, same_text};

/// The record's name in the state folder.
const RECORD: &str = "written";

/// A compiler-owned file edited since ghost wrote it, and where its text was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptEdit {
    /// The file, relative to the generated crate.
    pub path: PathBuf,
    /// Its copy, `None` when it could not be written.
    pub kept: Option<PathBuf>,
}

/// The hashes of the files as ghost last wrote them, by path relative to the crate.
fn read_record(state_dir: &Path) -> BTreeMap<PathBuf, String> {
    let text = std::fs::read_to_string(state_dir.join(RECORD)).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let (hash, path) = line.split_once("  ")?;
            Some((PathBuf::from(path), hash.to_string()))
        })
        .collect()
}

/// Copies each compiler-owned file of `files` that was edited since ghost wrote it (it is
/// neither what the compiler writes now nor what ghost last wrote there) into a folder of
/// its own under `state_dir/kept/`, before the caller writes it again.
/// Judged only while `lock` (ghost.lock) is as when the record was made
/// ([`judged_record`]).
pub fn keep_edits(
    state_dir: &Path,
    out_dir: &Path,
    lock: &Path,
    files: &[GeneratedFile],
) -> Vec<KeptEdit> {
    let Some(record) = judged_record(state_dir, lock) else {
        return Vec::new();
    };
    let edited: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .filter(|f| f.owner == Owner::Compiler)
        .filter_map(|f| {
            let ours = record.get(&f.path)?;
            let on_disk = std::fs::read(out_dir.join(&f.path)).ok()?;
            // What the compiler writes now is no edit: compared as text (hashes are equal
            // exactly then), which spares hashing the files of a build with nothing to do.
            let edited = !same_text(&on_disk, f.contents.as_bytes()) && hash(&on_disk) != *ours;
            edited.then_some((f.path.clone(), on_disk))
        })
        .collect();
    keep_all(state_dir, edited)
}

/// Copies each of `edited` (a path in the crate and its text) into one new folder under
/// `state_dir/kept/`.
fn keep_all(state_dir: &Path, edited: Vec<(PathBuf, Vec<u8>)>) -> Vec<KeptEdit> {
    if edited.is_empty() {
        return Vec::new();
    }
    let dir = kept_dir(state_dir);
    edited
        .into_iter()
        .map(|(path, text)| KeptEdit {
            kept: keep_one(&dir, &path, &text),
            path,
        })
        .collect()
}

/// Records the compiler-owned files of `files` whose text on disk is now what the
/// compiler writes (after the caller wrote the crate): ghost's own, from now on. The
/// snapshots' entries are kept as they were ([`record_snapshots`] makes them). Best
/// effort: without a record the next build judges no file, which is what it did before.
pub fn record(state_dir: &Path, out_dir: &Path, lock: &Path, files: &[GeneratedFile]) {
    update_record(state_dir, lock, |entries| {
        entries.retain(|path, _| is_snapshot(path));
        for f in files.iter().filter(|f| f.owner == Owner::Compiler) {
            // Compared as text, not by hash: the same answer, one hash fewer a file.
            let on_disk = std::fs::read(out_dir.join(&f.path));
            if on_disk.is_ok_and(|b| same_text(&b, f.contents.as_bytes())) {
                entries.insert(f.path.clone(), hash(f.contents.as_bytes()));
            }
        }
    });
}

/// Records the pinned snapshots on disk as ghost's, as a build ends: each was pinned by
/// code the build accepted, or was there before and not edited (an edited one was taken
/// out as the build began, [`keep_edited_snapshots`]).
pub fn record_snapshots(state_dir: &Path, out_dir: &Path, lock: &Path) {
    update_record(state_dir, lock, |entries| {
        entries.retain(|path, _| !is_snapshot(path));
        for (path, bytes) in snapshots_on_disk(out_dir) {
            entries.insert(path, hash(&bytes));
        }
    });
}

/// Records `pins` (paths in the crate) as ghost's, as a module's code is accepted and its
/// pins copied into the crate: a build killed before its end leaves them recorded.
pub fn record_pins(state_dir: &Path, out_dir: &Path, lock: &Path, pins: &[PathBuf]) {
    update_record(state_dir, lock, |entries| {
        for pin in pins {
            if let Ok(bytes) = std::fs::read(out_dir.join(pin)) {
                entries.insert(pin.clone(), hash(&bytes));
            }
        }
    });
}

/// Reads the record, lets `change` change its entries, records `lock` (ghost.lock) as it
/// is now, and writes the record back. Every record is made so: ghost writes the lock
/// only just before one, so its own lock writes never leave the files unjudged, while a
/// lock that changed otherwise (a pull) does (see [`judged_record`]).
fn update_record(
    state_dir: &Path,
    lock: &Path,
    change: impl FnOnce(&mut BTreeMap<PathBuf, String>),
) {
    // Modules are accepted on several threads at once; each rewrites the whole record.
    let _one_at_a_time = RECORDING.lock();
    let before = read_record(state_dir);
    let mut entries = before.clone();
    change(&mut entries);
    entries.insert(lock_key(), lock_hash(lock));
    // A record that says what it said is not written again: a build with nothing to do
    // wrote (and synced) it twice, and a write in `.ghost/` is not free.
    if entries != before {
        write_record(state_dir, &entries);
    }
}

/// Writes `lock` to `path` (ghost.lock) for a reason of ghost's own that comes with no
/// new record (a module found failing, entries no spec declares dropped, merge markers
/// settled): a record judged before stays judged, so the build that follows still keeps
/// the hand edits of generated files. A record that was not judged (a pull) stays so.
pub fn write_lock(
    state_dir: &Path,
    lock: &crate::plan::Lock,
    path: &Path,
) -> Result<(), crate::plan::LockError> {
    let _one_at_a_time = RECORDING.lock();
    let judged = judged_record(state_dir, path);
    lock.write(path)?;
    match judged {
        Some(mut entries) => {
            entries.insert(lock_key(), lock_hash(path));
            write_record(state_dir, &entries);
        }
        // The lock written may be the very one the record was made with (a merge settled
        // to this checkout's side, an orphan dropped again after a `git checkout .`), while
        // the files came with the other lock: without its lock entry, the record stays
        // unjudged, and those files are not taken for hand edits.
        None => {
            let mut entries = read_record(state_dir);
            if entries.remove(&lock_key()).is_some() {
                write_record(state_dir, &entries);
            }
        }
    }
    Ok(())
}

/// The record, when ghost.lock is as it was when the record was made: files (and pins)
/// that came with a new lock (a pull, a branch switched, a merge) are a teammate's
/// build's, not edits, and are not judged until a build records them anew.
fn judged_record(state_dir: &Path, lock: &Path) -> Option<BTreeMap<PathBuf, String>> {
    let record = read_record(state_dir);
    (record.get(&lock_key()) == Some(&lock_hash(lock))).then_some(record)
}

/// One record's read-modify-write at a time, in this process.
static RECORDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The record's entry for `ghost.lock` as the record was made (among the snapshots'
/// entries, which [`record`] keeps, under a name no pin has).
fn lock_key() -> PathBuf {
    Path::new("tests").join("snapshots").join("@ghost.lock")
}

fn lock_hash(lock: &Path) -> String {
    std::fs::read(lock).map(|b| hash(&b)).unwrap_or_default()
}

/// The pinned snapshots edited since ghost recorded them, among those `selected` takes
/// (the modules the build tests, which pin them again): each kept (under
/// `state_dir/kept/`) and taken out, so that the build tests its module again and pins
/// the value its locked code prints. A hand-edited pin would otherwise pass every local
/// command and fail only `build --locked`.
pub fn keep_edited_snapshots(
    state_dir: &Path,
    out_dir: &Path,
    lock: &Path,
    selected: &dyn Fn(&Path) -> bool,
) -> Vec<KeptEdit> {
    let edited: Vec<(PathBuf, Vec<u8>)> = edited_snapshots(state_dir, out_dir, lock)
        .into_iter()
        .filter(|(path, _)| selected(path))
        .collect();
    let kept = keep_all(state_dir, edited);
    for k in kept.iter().filter(|k| k.kept.is_some()) {
        // Only with its text kept: nothing anyone wrote is lost.
        let _ = std::fs::remove_file(out_dir.join(&k.path));
    }
    kept
}

/// The snapshots on disk whose text is not what ghost recorded (by path in the crate),
/// judged only while `ghost.lock` is as when they were recorded ([`judged_record`]).
pub fn edited_snapshots(state_dir: &Path, out_dir: &Path, lock: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Some(record) = judged_record(state_dir, lock) else {
        return Vec::new();
    };
    snapshots_on_disk(out_dir)
        .into_iter()
        .filter(|(path, bytes)| record.get(path).is_some_and(|h| *h != hash(bytes)))
        .collect()
}

/// Whether `path` (relative to the crate) is a pinned snapshot.
fn is_snapshot(path: &Path) -> bool {
    path.starts_with("tests/snapshots")
}

/// Every `tests/snapshots/*.snap` of the crate, with its bytes.
fn snapshots_on_disk(out_dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new("tests").join("snapshots");
    let Ok(entries) = std::fs::read_dir(out_dir.join(&dir)) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".snap"))
        .filter_map(|e| Some((dir.join(e.file_name()), std::fs::read(e.path()).ok()?)))
        .collect();
    out.sort();
    out
}

fn write_record(state_dir: &Path, entries: &BTreeMap<PathBuf, String>) {
    let text: String = entries
        .iter()
        .map(|(path, h)| format!("{h}  {}\n", path.display()))
        .collect();
    if std::fs::create_dir_all(state_dir).is_ok() {
        let _ = crate::plan::lock::write_atomic(&state_dir.join(RECORD), text.as_bytes());
    }
}

/// A folder of its own under `state_dir/kept/` for the edits kept now.
fn kept_dir(state_dir: &Path) -> PathBuf {
    super::outside_writes::kept_folder(&state_dir.join("kept"), "generated")
}

/// Writes `text` as `dir/path`; where, or `None` when it could not be written.
fn keep_one(dir: &Path, path: &Path, text: &[u8]) -> Option<PathBuf> {
    let to = dir.join(path);
    to.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&to, text))
        .ok()
        .map(|()| to)
}

impl KeptEdit {
    /// Where its text went: `its text is kept in `PATH``, or that it could not be kept.
    pub fn where_kept(&self) -> String {
        match &self.kept {
            Some(path) => format!("its text is kept in `{}`", path.display()),
            None => "its text could not be kept".to_string(),
        }
    }

    /// The warning the user reads: the file, that it is written again, and where its
    /// text is.
    pub fn why(&self, out_dir: &Path) -> String {
        let kept = self.where_kept();
        let file = out_dir.join(&self.path);
        if is_snapshot(&self.path) {
            return format!(
                "`{}` was edited since ghost pinned it: a pin holds what the locked code prints, so it is taken out and its module tested again to pin it anew; {kept} (to pin another value, change the code or the spec)",
                file.display()
            );
        }
        format!(
            "`{}` was edited since ghost wrote it: it holds only what the specs make, so it is written again; {kept} (say what you need in the spec: `nfr deps` for a dependency, a doc string for a comment)",
            file.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str, owner: Owner) -> GeneratedFile {
        GeneratedFile {
            path: PathBuf::from(path),
            contents: contents.into(),
            owner,
        }
    }

    #[test]
    fn edits_since_ghost_wrote_are_kept_and_its_own_older_output_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, out) = (dir.path().join(".ghost"), dir.path().join("generated"));
        std::fs::create_dir_all(out.join("src")).expect("mkdir");
        let first = [
            file("Cargo.toml", "[package]\n", Owner::Compiler),
            file("src/lib.rs", "pub mod a;\n", Owner::Compiler),
            file("src/a/imp.rs", "stub", Owner::AgentStub),
        ];
        for f in &first {
            let path = out.join(&f.path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, &f.contents).expect("write");
        }
        let lock = dir.path().join("ghost.lock");
        std::fs::write(&lock, "v1").expect("lock");
        assert!(
            keep_edits(&state, &out, &lock, &first).is_empty(),
            "no record: not judged"
        );
        record(&state, &out, &lock, &first);
        // A spec change makes new files; a person edits the manifest (CRLF is no edit).
        std::fs::write(
            out.join("Cargo.toml"),
            "[package]\n[dependencies]\nserde = \"1\"\n",
        )
        .expect("edit");
        std::fs::write(out.join("src/lib.rs"), "pub mod a;\r\n").expect("crlf");
        std::fs::write(out.join("src/a/imp.rs"), "code").expect("code");
        let second = [
            file("Cargo.toml", "[package]\nname = \"x\"\n", Owner::Compiler),
            file("src/lib.rs", "pub mod a;\npub mod b;\n", Owner::Compiler),
            file("src/a/imp.rs", "stub", Owner::AgentStub),
        ];
        std::fs::write(&lock, "v2").expect("a pull");
        assert!(
            keep_edits(&state, &out, &lock, &second).is_empty(),
            "a new lock: not judged"
        );
        std::fs::write(&lock, "v1").expect("lock");
        let kept = keep_edits(&state, &out, &lock, &second);
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].path, PathBuf::from("Cargo.toml"));
        let copy = kept[0].kept.as_ref().expect("kept");
        assert!(std::fs::read_to_string(copy)
            .expect("copy")
            .contains("serde"));
        assert!(kept[0]
            .why(Path::new("generated"))
            .contains("generated/Cargo.toml"));
        // Written and recorded: the new text is ghost's own.
        for f in &second[..2] {
            std::fs::write(out.join(&f.path), &f.contents).expect("write");
        }
        record(&state, &out, &lock, &second);
        assert!(keep_edits(&state, &out, &lock, &second).is_empty());
    }

    /// ghost's own lock writes between records (a module marked failing, orphans
    /// dropped) leave a judged record judged, and an unjudged one (a pull) unjudged.
    #[test]
    fn ghosts_own_lock_writes_keep_the_record_judged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, out) = (dir.path().join(".ghost"), dir.path().join("generated"));
        std::fs::create_dir_all(&out).expect("mkdir");
        let files = [file("Cargo.toml", "[package]\n", Owner::Compiler)];
        std::fs::write(out.join("Cargo.toml"), "[package]\n").expect("write");
        let path = dir.path().join("ghost.lock");
        crate::plan::Lock::default().write(&path).expect("lock");
        record(&state, &out, &path, &files);
        let mut changed = crate::plan::Lock::default();
        changed.upsert(crate::plan::LockEntry::for_tests("a.b", b"code"));
        write_lock(&state, &changed, &path).expect("written");
        assert!(judged_record(&state, &path).is_some(), "still judged");
        std::fs::write(&path, "# a pull\n").expect("a pull");
        changed.set_failing("a.b", true);
        write_lock(&state, &changed, &path).expect("written");
        assert!(judged_record(&state, &path).is_none(), "still not judged");
    }

    /// A lock ghost writes while the record is not judged (a merge's markers settled to
    /// this checkout's side) may be byte for byte the lock the record was made with: the
    /// files the merge brought are still not judged.
    #[test]
    fn a_lock_written_back_as_it_was_recorded_does_not_judge_a_merge() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, out) = (dir.path().join(".ghost"), dir.path().join("generated"));
        std::fs::create_dir_all(&out).expect("mkdir");
        let ours = [file("Cargo.toml", "[package]\n", Owner::Compiler)];
        std::fs::write(out.join("Cargo.toml"), "[package]\n").expect("write");
        let path = dir.path().join("ghost.lock");
        let mut lock = crate::plan::Lock::default();
        lock.upsert(crate::plan::LockEntry::for_tests("a.b", b"code"));
        lock.write(&path).expect("lock");
        record(&state, &out, &path, &ours);
        // The merge: both sides' files, and the lock with markers.
        std::fs::write(out.join("Cargo.toml"), "[package]\n# theirs\n").expect("merged");
        std::fs::write(&path, "<<<<<<< HEAD\n=======\n>>>>>>> theirs\n").expect("merge");
        write_lock(&state, &lock, &path).expect("settled, as this side had it");
        assert!(judged_record(&state, &path).is_none(), "still not judged");
        let now = [file(
            "Cargo.toml",
            "[package]\nname = \"x\"\n",
            Owner::Compiler,
        )];
        assert!(keep_edits(&state, &out, &path, &now).is_empty());
    }

    #[test]
    fn an_edited_snapshot_is_kept_and_taken_out_and_others_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, out) = (dir.path().join(".ghost"), dir.path().join("generated"));
        let snaps = out.join("tests/snapshots");
        std::fs::create_dir_all(&snaps).expect("mkdir");
        std::fs::write(snaps.join("a__x.snap"), "5\n").expect("write");
        std::fs::write(snaps.join("a__y.snap"), "7\n").expect("write");
        let lock = dir.path().join("ghost.lock");
        std::fs::write(&lock, "v1").expect("lock");
        let all = |_: &Path| true;
        assert!(
            keep_edited_snapshots(&state, &out, &lock, &all).is_empty(),
            "no record"
        );
        record_snapshots(&state, &out, &lock);
        // The crate's files recorded later keep the snapshots' entries.
        record(&state, &out, &lock, &[]);
        std::fs::write(snaps.join("a__x.snap"), "6\n").expect("edit");
        assert_eq!(edited_snapshots(&state, &out, &lock).len(), 1);
        // A new lock (a pull) brought it: not judged.
        std::fs::write(&lock, "v2").expect("lock");
        assert!(edited_snapshots(&state, &out, &lock).is_empty());
        std::fs::write(&lock, "v1").expect("lock");
        // Only the pins of the modules the build tests are taken out.
        let none = |_: &Path| false;
        assert!(keep_edited_snapshots(&state, &out, &lock, &none).is_empty());
        assert!(snaps.join("a__x.snap").exists());
        let kept = keep_edited_snapshots(&state, &out, &lock, &all);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].path, Path::new("tests/snapshots/a__x.snap"));
        let copy = kept[0].kept.as_ref().expect("kept");
        assert_eq!(std::fs::read_to_string(copy).expect("copy"), "6\n");
        assert!(
            !snaps.join("a__x.snap").exists(),
            "taken out, to be pinned again"
        );
        assert!(snaps.join("a__y.snap").exists());
    }
}
