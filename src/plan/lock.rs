//! `ghost.lock`: one entry per accepted module, sorted by name, diff-friendly TOML.
//!
//! An entry records what the implementation was accepted against (the spec, prose,
//! interface and dependency fingerprints), the hash of the accepted `imp.rs`, and what
//! it cost (agent, model, attempts, tokens), and whether its tests were last found
//! failing (after a module it uses got new code). Writes are atomic (a temporary file in the
//! same folder, then a rename), so an interrupted build never leaves half a lock.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The lock format's version; bumped when the format changes incompatibly.
pub const LOCK_VERSION: u32 = 1;

const HEADER: &str = "# Written by ghost: one entry per accepted module. Do not edit by hand;\n# `ghost build` updates it and `ghost check` compares the specs with it.\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(rename = "module", default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<LockEntry>,
    /// The two sides of each entry a merge left in conflict (git's `<<<<<<<` markers),
    /// until [`Lock::settle`] picks one; `modules` holds the first side meanwhile.
    #[serde(skip)]
    pub conflicted: Vec<(LockEntry, LockEntry)>,
    /// The file read had merge conflict markers (whether or not an entry differed
    /// between its sides): it is to be written back without them.
    #[serde(skip)]
    pub had_markers: bool,
}

impl Default for Lock {
    fn default() -> Self {
        Lock {
            version: LOCK_VERSION,
            modules: Vec::new(),
            conflicted: Vec::new(),
            had_markers: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    /// The module's dotted name.
    pub name: String,
    /// Fingerprint of the spec (formatting and comments ignored; templates and target
    /// settings included).
    pub spec: String,
    /// Fingerprint of the module's prose: docs, free-text NFRs, signatures.
    pub prose: String,
    /// Fingerprint of what dependents see.
    pub interface: String,
    /// Combined interface fingerprints of the modules it uses.
    pub deps: String,
    /// sha256 of the accepted `imp.rs`.
    pub implementation: String,
    /// The provider that wrote it (`openai`, `anthropic`, `command`, `manual`).
    pub agent: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
    pub attempts: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// The locked code was found failing its tests (a module it uses got new code, or
    /// another module's use made its tests ask more, a `Clone`: no fingerprint shows
    /// either): `failing` in every checkout until a build finds it passing or replaces
    /// it. Written only when true, so other entries read as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot read `{path}`: {source}\nhelp: ghost.lock must be a readable file (restore it from version control; a missing one is an empty lock)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a valid lock file: {message}\nhelp: restore it from version control (`git checkout ghost.lock`); or delete it and run `ghost build`, which tests the code on disk again and locks what passes (as `agent = \"manual\"`: who wrote it is lost with the file) and asks the agent only for the rest", crate::project::at(path, *position))]
    Parse {
        path: PathBuf,
        /// Where in the file, when the fault is at one place (a TOML syntax error).
        position: Option<(usize, usize)>,
        message: String,
    },
    #[error("{}: lock format version {found}, this ghost reads version {LOCK_VERSION}\nhelp: upgrade ghost (a newer one wrote it); or delete it and run `ghost build`, which tests the code on disk again and locks what passes", crate::project::at(path, None))]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write `{path}`: {source}\nhelp: ghost.lock must be a writable file in a writable folder")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Lock {
    /// Reads the lock; a missing file is an empty lock.
    pub fn read(path: &Path) -> Result<Lock, LockError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
            Err(source) => {
                return Err(LockError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Self::parse(path, &text)
    }

    /// Parses a lock; one with merge conflict markers is read as both its sides, merged
    /// entry by entry (see [`Lock::settle`]).
    pub fn parse(path: &Path, text: &str) -> Result<Lock, LockError> {
        let Some((ours, theirs)) = conflict_sides(text) else {
            return Self::parse_plain(path, text);
        };
        // The side's own fault, without the path and advice its error would print again
        // (the error made here says both once); its position is in the side, not the file.
        let unreadable = |side: &'static str| {
            move |e: LockError| {
                let fault = match e {
                    LockError::Parse { message, .. } => message,
                    other => other.to_string(),
                };
                LockError::Parse {
                    path: path.to_path_buf(),
                    position: None,
                    message: format!(
                        "it has merge conflict markers, and {side} does not read as a lock: {fault}\n  hint: take either side of each conflicting line (every module's entry whole), then `ghost build` re-tests and re-locks what the merge changed, without an agent where the code passes"
                    ),
                }
            }
        };
        let ours =
            Self::parse_plain(path, &ours).map_err(unreadable("our side (before `=======`)"))?;
        let theirs =
            Self::parse_plain(path, &theirs).map_err(unreadable("their side (after `=======`)"))?;
        let mut merged = ours.clone();
        for entry in theirs.modules {
            match ours.get(&entry.name) {
                None => merged.modules.push(entry),
                Some(mine) if *mine == entry => {}
                Some(mine) => merged.conflicted.push((mine.clone(), entry)),
            }
        }
        merged.modules.sort_by(|a, b| a.name.cmp(&b.name));
        merged.had_markers = true;
        Ok(merged)
    }

    /// Picks one side of every entry a merge left in conflict: the one that locked the
    /// code now on disk (`on_disk` gives a module's `imp.rs`), else the first. The module
    /// then comes out stale where the merge changed what it was locked against, and a
    /// build re-tests it (no agent where the code passes). Code that neither side locked
    /// (git merged both sides' edits of it) is no hand edit either: its entry takes that
    /// code with a spec fingerprint nothing matches, so that it is re-tested too. Returns
    /// the modules settled.
    pub fn settle(&mut self, on_disk: impl Fn(&str) -> Option<Vec<u8>>) -> Vec<String> {
        let mut settled = Vec::new();
        for (ours, theirs) in std::mem::take(&mut self.conflicted) {
            let code = on_disk(&ours.name);
            let pick = match code {
                Some(c) if locks(&ours.implementation, &c) => ours,
                Some(c) if locks(&theirs.implementation, &c) => theirs,
                Some(c) => LockEntry {
                    implementation: implementation_hash(&c),
                    spec: String::new(),
                    failing: false,
                    ..ours
                },
                None => ours,
            };
            settled.push(pick.name.clone());
            self.upsert(pick);
        }
        settled
    }

    fn parse_plain(path: &Path, text: &str) -> Result<Lock, LockError> {
        let mut lock: Lock = toml::from_str(text).map_err(|e| LockError::Parse {
            path: path.to_path_buf(),
            position: crate::diagnostics::toml_error_position(text, &e),
            message: e.message().trim().to_string(),
        })?;
        if lock.version != LOCK_VERSION {
            return Err(LockError::Version {
                path: path.to_path_buf(),
                found: lock.version,
            });
        }
        lock.modules.sort_by(|a, b| a.name.cmp(&b.name));
        // Two entries for one module (a merge that kept both sides): which one holds is
        // the user's call, not a silent first-wins.
        if let Some(twice) = lock.modules.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(LockError::Parse {
                path: path.to_path_buf(),
                position: None,
                message: format!(
                    "module `{}` has two entries (a merge that kept both sides?); keep the right one",
                    twice[0].name
                ),
            });
        }
        Ok(lock)
    }

    /// The lock as text: a header comment, then the entries sorted by name.
    pub fn to_text(&self) -> String {
        let mut sorted = self.clone();
        sorted.modules.sort_by(|a, b| a.name.cmp(&b.name));
        sorted.modules.dedup_by(|a, b| a.name == b.name);
        let body = toml::to_string(&sorted).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// Writes the lock atomically.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        write_atomic(path, self.to_text().as_bytes()).map_err(|source| LockError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn get(&self, module: &str) -> Option<&LockEntry> {
        self.modules.iter().find(|e| e.name == module)
    }

    /// Adds or replaces the entry of `entry.name`.
    pub fn upsert(&mut self, entry: LockEntry) {
        match self.modules.iter_mut().find(|e| e.name == entry.name) {
            Some(slot) => *slot = entry,
            None => {
                self.modules.push(entry);
                self.modules.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }

    /// Records whether `module`'s locked code fails its tests; whether that changed the
    /// lock (a module without an entry has nothing to record).
    pub fn set_failing(&mut self, module: &str, failing: bool) -> bool {
        match self.modules.iter_mut().find(|e| e.name == module) {
            Some(e) if e.failing != failing => {
                e.failing = failing;
                true
            }
            _ => false,
        }
    }

    /// The modules the lock has an entry for.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().map(|e| e.name.as_str())
    }

    /// Drops the entries of modules that no longer exist.
    /// Forgets `module`'s entry.
    pub fn remove(&mut self, module: &str) {
        self.modules.retain(|e| e.name != module);
    }

    pub fn retain_modules(&mut self, names: &[&str]) {
        self.modules.retain(|e| names.contains(&e.name.as_str()));
    }
}

/// Whether `text` holds a merge conflict (a line starting with `<<<<<<<`).
pub fn has_conflict_markers(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("<<<<<<<"))
}

/// The two sides of a text with git's merge conflict markers (`<<<<<<<`, `|||||||` for
/// diff3's base, `=======`, `>>>>>>>` at the start of lines), or `None` without any.
fn conflict_sides(text: &str) -> Option<(String, String)> {
    #[derive(PartialEq)]
    enum At {
        Both,
        Ours,
        Base,
        Theirs,
    }
    if !has_conflict_markers(text) {
        return None;
    }
    let (mut ours, mut theirs) = (String::new(), String::new());
    let mut at = At::Both;
    for line in text.split_inclusive('\n') {
        if line.starts_with("<<<<<<<") {
            at = At::Ours;
        } else if line.starts_with("|||||||") && at == At::Ours {
            at = At::Base;
        } else if line.starts_with("=======") && at != At::Both {
            at = At::Theirs;
        } else if line.starts_with(">>>>>>>") && at == At::Theirs {
            at = At::Both;
        } else {
            match at {
                At::Both => {
                    ours.push_str(line);
                    theirs.push_str(line);
                }
                At::Ours => ours.push_str(line),
                At::Base => {}
                At::Theirs => theirs.push_str(line),
            }
        }
    }
    Some((ours, theirs))
}

/// sha256 of an implementation file's bytes, as hex, its line endings read as `\n`: a
/// checkout that turns them into `\r\n` (git's `core.autocrlf` on Windows) holds the same
/// code, which rustc reads the same way, and must not be taken for a hand edit.
pub fn implementation_hash(contents: &[u8]) -> String {
    crate::compile::fingerprint::sha256_hex(&lf_line_endings(contents))
}

/// Whether `locked` (an entry's `implementation`) is the hash of `contents`: as hashed
/// now, or as ghost hashed it before line endings were read as `\n` (a lock written by
/// an older ghost over code with `\r\n`).
pub fn locks(locked: &str, contents: &[u8]) -> bool {
    implementation_hash(contents) == locked
        || crate::compile::fingerprint::sha256_hex(contents) == locked
}

/// `bytes` with every `\r\n` read as `\n` (borrowed when there is none).
pub fn lf_line_endings(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    // `contains` on bytes is a memchr: most files have no `\r` at all, and comparing
    // every pair of bytes was a twentieth of a no-op build.
    if !bytes.contains(&b'\r') || !bytes.windows(2).any(|w| w == b"\r\n") {
        return std::borrow::Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// Whether two versions of a text file say the same, whatever their line endings.
pub fn same_text(a: &[u8], b: &[u8]) -> bool {
    lf_line_endings(a) == lf_line_endings(b)
}

/// The name of the temporary file [`write_atomic`] writes `path` through, beside it:
/// `.NAME.PID.tmp`, there for a moment while this process writes.
pub fn temp_name_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.{}.tmp", std::process::id())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so
/// readers see the old or the new contents, never half of either.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(temp_name_of(path));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
impl LockEntry {
    /// An entry for tests: module `name` with fingerprints `s`, `p`, `i`, `d` and the
    /// code `code`, accepted by hand in one attempt.
    pub fn for_tests(name: &str, code: &[u8]) -> LockEntry {
        LockEntry {
            name: name.into(),
            spec: "s".into(),
            prose: "p".into(),
            interface: "i".into(),
            deps: "d".into(),
            implementation: implementation_hash(code),
            agent: "manual".into(),
            model: String::new(),
            attempts: 1,
            tokens_in: 0,
            tokens_out: 0,
            failing: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> LockEntry {
        LockEntry::for_tests(name, b"fn f() {}")
    }

    #[test]
    fn crlf_line_endings_hash_as_lf() {
        let lf = b"use super::*;\n\npub fn f() -> i64 {\n    1\n}\n";
        let crlf = b"use super::*;\r\n\r\npub fn f() -> i64 {\r\n    1\r\n}\r\n";
        assert_eq!(implementation_hash(lf), implementation_hash(crlf));
        assert_ne!(
            implementation_hash(lf),
            implementation_hash(b"pub fn f() {}\n")
        );
        assert!(same_text(b"a\r\nb\r\n", b"a\nb\n"));
        assert!(!same_text(b"a\rb", b"a\nb"), "a lone \\r is kept");
    }

    #[test]
    fn failing_is_written_only_when_true() {
        let mut lock = Lock::default();
        lock.upsert(entry("a.b"));
        assert!(!lock.to_text().contains("failing"), "{}", lock.to_text());
        let mut failing = entry("a.b");
        failing.failing = true;
        lock.upsert(failing);
        let text = lock.to_text();
        assert!(text.contains("failing = true"), "{text}");
        let back = Lock::parse(Path::new("ghost.lock"), &text).expect("parses");
        assert!(back.get("a.b").is_some_and(|e| e.failing));
    }

    #[test]
    fn a_conflicted_lock_is_read_as_both_sides_and_settled_by_the_code_on_disk() {
        let entry = |name: &str, code: &[u8], deps: &str| {
            let mut e = super::tests::entry(name);
            e.implementation = implementation_hash(code);
            e.deps = deps.into();
            e
        };
        let side = |entries: Vec<LockEntry>| {
            let mut lock = Lock::default();
            for e in entries {
                lock.upsert(e);
            }
            lock.to_text()
        };
        let ours = side(vec![entry("a.a", b"A", "d"), entry("b.b", b"B1", "d")]);
        let theirs = side(vec![
            entry("a.a", b"A", "d"),
            entry("b.b", b"B2", "d2"),
            entry("c.c", b"C", "d"),
        ]);
        // What git writes: the common lines once, each differing hunk twice.
        let lines = |text: &str, range: std::ops::Range<usize>| -> String {
            text.lines()
                .skip(range.start)
                .take(range.len())
                .map(|l| format!("{l}\n"))
                .collect()
        };
        let mut text = String::new();
        for op in similar::TextDiff::from_lines(&ours, &theirs).ops() {
            let (old, new) = (op.old_range(), op.new_range());
            if op.tag() == similar::DiffTag::Equal {
                text.push_str(&lines(&ours, old));
            } else {
                text.push_str(&format!(
                    "<<<<<<< HEAD\n{}=======\n{}>>>>>>> theirs\n",
                    lines(&ours, old),
                    lines(&theirs, new)
                ));
            }
        }
        assert!(text.contains("<<<<<<<"), "{text}");
        let mut lock = Lock::parse(Path::new("ghost.lock"), &text).expect("both sides read");
        assert_eq!(lock.names().collect::<Vec<_>>(), ["a.a", "b.b", "c.c"]);
        assert_eq!(lock.conflicted.len(), 1);
        let mut merged = lock.clone();
        merged.settle(|_| Some(b"B1 and B2".to_vec()));
        let entry = merged.get("b.b").expect("an entry");
        assert_eq!(entry.implementation, implementation_hash(b"B1 and B2"));
        assert!(
            entry.spec.is_empty(),
            "code git merged from both sides: re-tested"
        );
        let settled = lock.settle(|name| (name == "b.b").then(|| b"B2".to_vec()));
        assert_eq!(settled, ["b.b"]);
        assert_eq!(
            lock.get("b.b").map(|e| e.deps.as_str()),
            Some("d2"),
            "theirs: its code is on disk"
        );
        assert!(lock.conflicted.is_empty());
        assert!(!lock.to_text().contains("<<<<<<<"));
        assert!(lock.had_markers);
        let garbled = "<<<<<<< HEAD\nversion = 1\n=======\n[[module]\n>>>>>>> x\n";
        let err = Lock::parse(Path::new("ghost.lock"), garbled).expect_err("unreadable");
        assert!(err.to_string().contains("take either side"), "{err}");
    }

    #[test]
    fn round_trips_sorted() {
        let mut lock = Lock::default();
        lock.upsert(entry("text.slug"));
        lock.upsert(entry("cache.lru"));
        let text = lock.to_text();
        assert!(text.find("cache.lru") < text.find("text.slug"), "{text}");
        let back = Lock::parse(Path::new("ghost.lock"), &text).expect("parses");
        assert_eq!(back, lock);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = Lock::parse(Path::new("ghost.lock"), "[[module]\nname = 1")
            .expect_err("garbage is refused");
        // Where, as compilers say it: an editor's problem matcher reads it.
        assert!(
            err.to_string()
                .starts_with("ghost.lock:1:9: not a valid lock file: "),
            "{err}"
        );
    }

    #[test]
    fn a_conflict_with_an_unreadable_side_says_which_and_advises_once() {
        let mut lock = Lock::default();
        lock.upsert(entry("text.slug"));
        let good = lock.to_text();
        let (head, ours) = good.split_once("[[module]]").expect("an entry");
        let text = format!("{head}<<<<<<< HEAD\n[[module]]{ours}=======\n[[module]]\nname = \"text.slug\n>>>>>>> other\n");
        let err = Lock::parse(Path::new("ghost.lock"), &text)
            .expect_err("an unreadable side is refused")
            .to_string();
        assert!(
            err.starts_with("ghost.lock: not a valid lock file: it has merge conflict markers, and their side (after `=======`) does not read as a lock: "),
            "{err}"
        );
        assert_eq!(err.matches("help: restore it").count(), 1, "{err}");
        assert_eq!(
            err.matches("ghost.lock").count(),
            2,
            "the path, and the help's file: {err}"
        );
    }

    #[test]
    fn a_module_locked_twice_is_refused() {
        let entry = "[[module]]\nname = \"a.b\"\nspec = \"1\"\nprose = \"1\"\ninterface = \"1\"\ndeps = \"1\"\nimplementation = \"1\"\nagent = \"manual\"\nmodel = \"\"\nattempts = 1\ntokens_in = 0\ntokens_out = 0\n";
        let text = format!("version = {LOCK_VERSION}\n\n{entry}\n{entry}");
        let err = Lock::parse(Path::new("ghost.lock"), &text).expect_err("refused");
        assert!(err.to_string().contains("`a.b` has two entries"), "{err}");
        let once = format!("version = {LOCK_VERSION}\n\n{entry}");
        assert_eq!(
            Lock::parse(Path::new("ghost.lock"), &once)
                .expect("one entry")
                .modules
                .len(),
            1
        );
    }

    #[test]
    fn other_versions_are_refused() {
        let err = Lock::parse(Path::new("ghost.lock"), "version = 99\n")
            .expect_err("another version is refused");
        assert!(matches!(err, LockError::Version { found: 99, .. }));
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ghost.lock");
        write_atomic(&path, b"one").expect("write");
        write_atomic(&path, b"two").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
