//! Code that changed during a build, not by ghost's hand; and code ghost is about to
//! overwrite that someone wrote by hand.
//!
//! In: every module's `imp.rs` in the generated crate when a build starts, and again when
//! it ends, with the modules ghost wrote in between. Out: the modules whose `imp.rs`
//! changed otherwise, each put back as it was, its new text kept under `.ghost/kept/`.
//!
//! Why: an agent program runs in a scratch copy, but it can reach any file by its path,
//! and one that writes into another module's code would leave the project tampered
//! behind a green build. Ghost writes a module's code only when it accepts it, so any
//! other change between the start and the end of a build is someone else's: the agent's,
//! or an editor's save. Checked at the end, not while agents run: ghost's own writes
//! (other modules accepted meanwhile, with `concurrency` above 1) cannot race the check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module's `imp.rs` at one moment, by module name (`None`: no file).
#[derive(Debug, Default)]
pub struct CodeOnDisk {
    files: BTreeMap<String, (PathBuf, Option<Vec<u8>>)>,
}

/// A module whose code changed during the build, not by ghost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideWrite {
    pub module: String,
    /// Where its changed text was kept, when there was one and it could be kept.
    pub kept: Option<PathBuf>,
    /// Whether the code from before is back in place.
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
            "the code from before is back in place"
        } else {
            "the code from before could not be put back"
        };
        format!(
            "its imp.rs changed during the build, not by ghost (an agent program writing outside its scratch copy, or an editor): {restored}; {kept}"
        )
    }
}

impl CodeOnDisk {
    /// Reads the `imp.rs` of each of `modules` (name, path relative to `crate_dir`).
    pub fn read<'a>(
        crate_dir: &Path,
        modules: impl IntoIterator<Item = (&'a str, &'a Path)>,
    ) -> CodeOnDisk {
        let files = modules
            .into_iter()
            .map(|(name, rel)| {
                let path = crate_dir.join(rel);
                let bytes = std::fs::read(&path).ok();
                (name.to_string(), (path, bytes))
            })
            .collect();
        CodeOnDisk { files }
    }

    /// The modules whose `imp.rs` differs from `self` now, leaving out those ghost wrote
    /// (`written`). Each is put back as it was, its new text kept in a folder of its own
    /// under `kept_root`.
    pub fn restore_outside_writes(
        &self,
        written: &BTreeSet<String>,
        kept_root: &Path,
    ) -> Vec<OutsideWrite> {
        let mut out = Vec::new();
        for (module, (path, before)) in &self.files {
            if written.contains(module) {
                continue;
            }
            let now = std::fs::read(path).ok();
            if &now == before {
                continue;
            }
            let kept = now
                .as_deref()
                .and_then(|text| keep_copy(kept_root, module, "changed-during-build", text));
            // Only with the new text kept: nothing anyone wrote is lost.
            let restored = (now.is_none() || kept.is_some())
                && match before {
                    Some(bytes) => crate::plan::lock::write_atomic(path, bytes).is_ok(),
                    None => std::fs::remove_file(path).is_ok(),
                };
            out.push(OutsideWrite {
                module: module.clone(),
                kept,
                restored,
            });
        }
        out
    }
}

/// Writes `text` (a module's `imp.rs`) to `kept_root/<time>-<module>-<why>/imp.rs`, a
/// folder of its own; its path, or `None` when it could not be written.
pub fn keep_copy(kept_root: &Path, module: &str, why: &str, text: &[u8]) -> Option<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let dir = kept_root.join(format!("{stamp}-{module}-{why}"));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("imp.rs");
    std::fs::write(&path, text).ok()?;
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let before = CodeOnDisk::read(root, modules);
        std::fs::write(root.join("a.rs"), "a by ghost").expect("write");
        std::fs::write(root.join("b.rs"), "b by an intruder").expect("write");
        std::fs::write(root.join("d.rs"), "d added").expect("write");
        let kept_root = root.join("kept");
        let written = BTreeSet::from(["m.a".to_string()]);
        let found = before.restore_outside_writes(&written, &kept_root);
        let names: Vec<&str> = found.iter().map(|w| w.module.as_str()).collect();
        assert_eq!(names, ["m.b", "m.d"]);
        assert!(found.iter().all(|w| w.restored));
        assert_eq!(
            std::fs::read_to_string(root.join("a.rs")).ok().as_deref(),
            Some("a by ghost")
        );
        assert_eq!(
            std::fs::read_to_string(root.join("b.rs")).ok().as_deref(),
            Some("b")
        );
        assert!(
            !root.join("d.rs").exists(),
            "a file added by someone else is taken out"
        );
        let kept_b = found[0].kept.as_ref().expect("kept");
        assert_eq!(
            std::fs::read_to_string(kept_b).ok().as_deref(),
            Some("b by an intruder")
        );
        assert!(
            found[0].why().contains("back in place"),
            "{}",
            found[0].why()
        );
    }
}
