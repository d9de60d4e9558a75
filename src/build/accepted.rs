//! A copy of each module's accepted code, so that code deleted from the generated crate
//! comes back as it was locked, without asking the agent.
//!
//! In: the code ghost accepts for a module (written to `.ghost/locked/MODULE.rs`), and,
//! as a build starts, the lock and the crate on disk. Out: each module whose `imp.rs` is
//! gone (or is an untouched stub) while the lock records code whose copy is here: its
//! file written back.
//!
//! Why: `generated/` deleted, or one `imp.rs` removed by mistake, would otherwise send
//! every such module to the agent: tokens for code ghost had, and (from the response
//! cache, or a model at temperature 0) perhaps older code than the lock records, such
//! as the code a `--force` replaced. Only a copy whose hash is the lock's is written
//! back: the lock decides what the code is.

use std::path::{Path, PathBuf};

use crate::plan::lock::{locks, Lock};

/// Where the copy of `module`'s accepted code is kept.
fn copy_path(state_dir: &Path, module: &str) -> PathBuf {
    state_dir.join("locked").join(format!("{module}.rs"))
}

/// Keeps `code` as `module`'s accepted code. Best effort: without a copy, deleted code is
/// asked of the agent, as before.
pub fn keep(state_dir: &Path, module: &str, code: &[u8]) {
    let path = copy_path(state_dir, module);
    if let Some(parent) = path.parent() {
        if std::fs::create_dir_all(parent).is_ok() {
            let _ = crate::plan::lock::write_atomic(&path, code);
        }
    }
}

/// The code the lock records for `module` (its `implementation` hash): the kept copy, or
/// the crate's `imp.rs` when that is still it. `None` when neither is.
pub fn locked_code(
    paths: &super::session::Paths,
    module: &str,
    implementation: &str,
) -> Option<Vec<u8>> {
    let imp = paths
        .out_dir
        .join(crate::compile::rust::imp_path_of(module));
    [copy_path(&paths.state_dir, module), imp]
        .into_iter()
        .filter_map(|path| std::fs::read(path).ok())
        .find(|code| locks(implementation, code))
}

/// Writes back the `imp.rs` of each of `modules` (name, path in the crate) that is gone,
/// or an untouched stub, when the lock records code whose copy is kept; returns the names
/// of those written back.
pub fn restore<'a>(
    state_dir: &Path,
    out_dir: &Path,
    lock: &Lock,
    modules: impl IntoIterator<Item = (&'a str, &'a Path)>,
) -> Vec<String> {
    let mut restored = Vec::new();
    for (name, imp) in modules {
        let Some(entry) = lock.get(name) else {
            continue;
        };
        let target = out_dir.join(imp);
        let gone = match std::fs::read(&target) {
            Err(_) => true,
            Ok(bytes) => {
                std::str::from_utf8(&bytes).is_ok_and(crate::compile::rust::is_untouched_stub)
            }
        };
        if !gone {
            continue;
        }
        let Ok(copy) = std::fs::read(copy_path(state_dir, name)) else {
            continue;
        };
        if !locks(&entry.implementation, &copy) {
            continue;
        }
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| crate::plan::lock::write_atomic(&target, &copy));
        if written.is_ok() {
            restored.push(name.to_string());
        }
    }
    restored
}
