//! `ghost.lock`: one entry per accepted module, sorted by name, diff-friendly TOML.
//!
//! An entry records what the implementation was accepted against (the spec, prose,
//! interface and dependency fingerprints), the hash of the accepted `imp.rs`, and what
//! it cost (agent, model, attempts, tokens). Writes are atomic (a temporary file in the
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
}

impl Default for Lock {
    fn default() -> Self {
        Lock {
            version: LOCK_VERSION,
            modules: Vec::new(),
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
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot read `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{path}` is not a valid lock file: {message}\n  hint: restore it from version control, or delete it and run `ghost build` to rebuild every module")]
    Parse { path: PathBuf, message: String },
    #[error("`{path}` has lock format version {found}, this ghost reads version {LOCK_VERSION}\n  hint: upgrade ghost, or delete the lock and rebuild")]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write `{path}`: {source}")]
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

    pub fn parse(path: &Path, text: &str) -> Result<Lock, LockError> {
        let mut lock: Lock = toml::from_str(text).map_err(|e| LockError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
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

    /// The modules the lock has an entry for.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().map(|e| e.name.as_str())
    }

    /// Drops the entries of modules that no longer exist.
    pub fn retain_modules(&mut self, names: &[&str]) {
        self.modules.retain(|e| names.contains(&e.name.as_str()));
    }
}

/// sha256 of an implementation file's bytes, as hex.
pub fn implementation_hash(contents: &[u8]) -> String {
    crate::compile::fingerprint::sha256_hex(contents)
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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
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
mod tests {
    use super::*;

    fn entry(name: &str) -> LockEntry {
        LockEntry {
            name: name.into(),
            spec: "s".into(),
            prose: "p".into(),
            interface: "i".into(),
            deps: "d".into(),
            implementation: implementation_hash(b"fn f() {}"),
            agent: "manual".into(),
            model: String::new(),
            attempts: 1,
            tokens_in: 0,
            tokens_out: 0,
        }
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
        assert!(err.to_string().contains("not a valid lock file"), "{err}");
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
