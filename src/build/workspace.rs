//! Writing the generated crate to disk: compiler-owned files on every build, the agent's
//! `imp.rs` stub only where no implementation exists, never anything outside the crate.

use crate::compile::rust::{GeneratedFile, Owner};
use crate::compile::{Compiled, CompiledModule};
use crate::plan::lock::write_atomic;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// What [`write_crate`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or changed (relative to the crate folder).
    pub written: Vec<PathBuf>,
    /// Stubs written because no implementation existed.
    pub stubs: Vec<PathBuf>,
    /// Modules whose `mod.rs` holds ghost's stub of an item their `imp.rs` lacks
    /// (`standing_in.rs`).
    pub standing_in: Vec<super::standing_in::StandingIn>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write `{0}`: generated files must stay inside the generated crate")]
    Outside(PathBuf),
    #[error(
        "refusing to overwrite `{}`: ghost did not write it (a crate of your own?)\n\
         help: point `out` in ghost.toml at a folder of ghost's own, such as `out = \"generated\"`",
        .0.display()
    )]
    NotOurs(PathBuf),
    #[error(
        "`{}` is where cargo (or rustup) reads settings for the generated crate, and ghost did \
         not put it there: a `rustc-wrapper`, a `runner` or a toolchain path in it runs \
         whatever program it names as ghost builds and tests the crate\n\
         help: delete it (an agent program writing outside its scratch copy may have left it); \
         settings for building go in the project's folder or your own cargo config",
        .0.display()
    )]
    Planted(PathBuf),
    #[error(
        "`{}` changed during the build, not by ghost: cargo (or rustup) reads it as settings \
         for the crates ghost builds, and a `rustc-wrapper`, a `runner` or a toolchain path in \
         it runs whatever program it names, so the build stopped before cargo ran again\n\
         help: if you changed it, run the build again; if not, an agent program writing \
         outside its scratch copy did: look at what it holds",
        .0.display()
    )]
    SettingsChanged(PathBuf),
    #[error(
        "cannot write `{path}`: {source}\n\
         help: make its folder writable and move away what is in the way of ghost (a folder \
         or a read-only file by that name)"
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Files in the crate's folder that cargo or rustup read as settings, which ghost never
/// writes there: a `.cargo/config.toml` (`rustc-wrapper`, `runner`) or a toolchain file
/// (a toolchain by path) would run a program of whoever wrote them.
pub const BUILD_SETTINGS: &[&str] = &[".cargo", "rust-toolchain", "rust-toolchain.toml"];

/// A relative path with no `..`, no root: safe to join under the crate folder.
pub fn is_inside(path: &Path) -> bool {
    !path.as_os_str().is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Fails naming the first of [`BUILD_SETTINGS`] in the crate's folder: every command
/// that builds the crate (`build`, `test`, `build --locked`) checks first.
pub fn refuse_build_settings(out_dir: &Path) -> Result<(), WriteError> {
    match settings_in(out_dir) {
        Some(planted) => Err(WriteError::Planted(planted)),
        None => Ok(()),
    }
}

/// The first of [`BUILD_SETTINGS`] in `dir`.
fn settings_in(dir: &Path) -> Option<PathBuf> {
    BUILD_SETTINGS
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.symlink_metadata().is_ok())
}

/// The settings files cargo and rustup read from the folders above a crate and from
/// `CARGO_HOME`, with their contents when a build started ([`remember_settings`]): one
/// that changes during the build (an agent program writing `../../.cargo/config.toml`
/// past its scratch copy) stops it before cargo runs again. Those that were there are
/// the user's own, and stay allowed.
static REMEMBERED: std::sync::Mutex<Remembered> = std::sync::Mutex::new(Remembered {
    state_dir: None,
    files: Vec::new(),
});

/// What [`remember_settings`] saw as the build started.
struct Remembered {
    /// The project's `.ghost`: scratch crates live in it, and its folders are ghost's.
    state_dir: Option<PathBuf>,
    /// The settings files above the project's folders, with their contents.
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
}

/// The settings files of every folder from `dir` up, and of `CARGO_HOME`.
fn settings_files(dir: &Path) -> Vec<PathBuf> {
    let names = [
        ".cargo/config.toml",
        ".cargo/config",
        "rust-toolchain",
        "rust-toolchain.toml",
    ];
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut out: Vec<PathBuf> = dir
        .ancestors()
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .collect();
    if let Some(home) = home {
        out.push(home.join("config.toml"));
        out.push(home.join("config"));
    }
    out
}

/// Records the settings files above `state_dir` (the project's `.ghost`) and `out_dir`
/// (the generated crate, which may sit outside the project), as written and with links
/// resolved, as a build starts, before any agent runs.
pub fn remember_settings(state_dir: &Path, out_dir: &Path) {
    let mut dirs = vec![state_dir.to_path_buf(), out_dir.to_path_buf()];
    dirs.extend(
        [state_dir, out_dir]
            .iter()
            .filter_map(|d| d.canonicalize().ok()),
    );
    let mut files: Vec<PathBuf> = dirs.iter().flat_map(|d| settings_files(d)).collect();
    files.sort();
    files.dedup();
    let files = files
        .into_iter()
        .map(|f| {
            // Only files: a pipe put where one goes would never end a read.
            let text = f
                .metadata()
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|_| std::fs::read(&f).ok());
            (f, text)
        })
        .collect();
    if let Ok(mut r) = REMEMBERED.lock() {
        *r = Remembered {
            state_dir: Some(state_dir.to_path_buf()),
            files,
        };
    }
}

/// The first remembered settings file whose contents changed since the build started.
fn changed_settings(remembered: &Remembered) -> Option<PathBuf> {
    remembered
        .files
        .iter()
        .find(|(f, before)| {
            let now = f.metadata().ok().map(|m| {
                if m.is_file() {
                    std::fs::read(f).ok()
                } else {
                    Some(Vec::new())
                }
            });
            now.flatten() != *before
        })
        .map(|(f, _)| f.clone())
}

/// The first of [`BUILD_SETTINGS`] cargo would read for a crate in `crate_dir` from the
/// folders ghost owns (the crate's own and, for a scratch crate in `.ghost/`, each folder
/// up to `.ghost` itself), or a settings file above that changed since the build started
/// (settings there that were there before are the user's own).
pub fn planted_settings(crate_dir: &Path) -> Option<WriteError> {
    let remembered = REMEMBERED.lock().ok()?;
    if let Some(changed) = changed_settings(&remembered) {
        return Some(WriteError::SettingsChanged(changed));
    }
    // The crate's own folder, and for a scratch crate each folder up to the state folder.
    let state_dir = remembered
        .state_dir
        .as_deref()
        .filter(|s| crate_dir.starts_with(s));
    for dir in crate_dir.ancestors() {
        if let Some(found) = settings_in(dir) {
            return Some(WriteError::Planted(found));
        }
        if state_dir.is_none_or(|s| dir == s) {
            break;
        }
    }
    None
}

/// Writes the crate's files under `out_dir`.
pub fn write_crate(out_dir: &Path, files: &[GeneratedFile]) -> Result<WriteReport, WriteError> {
    let mut report = WriteReport::default();
    // The folder is ghost's when its manifest says so; until then (a new `out`, or one
    // naming a folder of the user's) a file already there is replaced only if it says
    // ghost wrote it. Every file is looked at before any is written: a refusal leaves
    // the folder as it was.
    let crate_is_ghosts = std::fs::read(out_dir.join("Cargo.toml"))
        .ok()
        .is_some_and(|b| has_ghost_header(&b));
    refuse_build_settings(out_dir)?;
    let mut existing = Vec::with_capacity(files.len());
    for f in files {
        if !is_inside(&f.path) {
            return Err(WriteError::Outside(f.path.clone()));
        }
        let target = out_dir.join(&f.path);
        let old = std::fs::read(&target).ok();
        if old
            .as_deref()
            .is_some_and(|old| !may_replace(f, old, crate_is_ghosts))
        {
            return Err(WriteError::NotOurs(target));
        }
        existing.push(old);
    }
    for (f, existing) in files.iter().zip(existing) {
        let target = out_dir.join(&f.path);
        let write = match f.owner {
            // Line endings aside, as they are compared everywhere: a checkout with
            // `core.autocrlf` has every file in `\r\n`, and writing them all again in `\n`
            // on a build with nothing to do would make git, cargo and editors see each
            // one changed.
            Owner::Compiler => existing
                .as_deref()
                .is_none_or(|old| !crate::plan::lock::same_text(old, f.contents.as_bytes())),
            // A stub nobody filled in follows the interface; code never is replaced.
            Owner::AgentStub => existing.as_deref().is_none_or(|old| {
                let old = crate::plan::lock::lf_line_endings(old);
                *old != *f.contents.as_bytes()
                    && std::str::from_utf8(&old).is_ok_and(crate::compile::rust::is_untouched_stub)
            }),
        };
        if write {
            write_atomic(&target, f.contents.as_bytes()).map_err(|source| WriteError::Io {
                path: target.clone(),
                source,
            })?;
            report.written.push(f.path.clone());
            if f.owner == Owner::AgentStub {
                report.stubs.push(f.path.clone());
            }
        }
    }
    Ok(report)
}

/// [`write_crate`], keeping first a copy (under `state_dir/kept/`) of each compiler-owned
/// file edited since ghost wrote it, and recording what is on disk after (`written.rs`).
/// Every command that writes the crate goes through here. Each `mod.rs` is fitted to its
/// `imp.rs` on disk first: an item the code lacks gets ghost's stub, so that the crate
/// compiles (`standing_in.rs`).
pub fn write_crate_keeping(
    paths: &super::session::Paths,
    files: &[GeneratedFile],
) -> Result<(WriteReport, Vec<super::written::KeptEdit>), WriteError> {
    let (state_dir, out_dir, lock) = (&paths.state_dir, &paths.out_dir, &paths.lock);
    let (files, standing_in) = super::standing_in::fit_to_code(out_dir, files);
    let kept = super::written::keep_edits(state_dir, out_dir, lock, &files);
    let mut report = write_crate(out_dir, &files)?;
    report.standing_in = standing_in;
    super::written::record(state_dir, out_dir, lock, &files);
    Ok((report, kept))
}

/// Whether `old`, on disk where `f` goes, may be replaced by it: the crate's root files
/// (`Cargo.toml`, `src/lib.rs`) only when their first line says ghost wrote them, so that
/// an `out` pointed at a crate of the user's own never replaces its manifest; the other
/// compiler-owned files when the folder is ghost's or they say ghost wrote them. The
/// agent's `imp.rs` is never replaced here (only an untouched stub is).
fn may_replace(f: &GeneratedFile, old: &[u8], crate_is_ghosts: bool) -> bool {
    if f.owner == Owner::AgentStub {
        return true;
    }
    if f.path == Path::new("Cargo.toml") || f.path == Path::new("src/lib.rs") {
        return has_ghost_header(old);
    }
    crate_is_ghosts
        || String::from_utf8_lossy(old)
            .to_lowercase()
            .contains("generated by ghost")
}

/// Whether `old`, a crate root file (`Cargo.toml`, `src/lib.rs`), says on its first line
/// that ghost wrote it.
fn has_ghost_header(old: &[u8]) -> bool {
    let first = old.split(|b| *b == b'\n').next().unwrap_or_default();
    crate::compile::rust::is_generated_header(&String::from_utf8_lossy(first))
}

/// The modules whose compiler-owned files (`mod.rs`, the tests) on disk differ from
/// `compiled`'s, or one of whose pinned snapshots is gone (deleted to accept a new value),
/// among those that have an `imp.rs` on disk (the others have no code to test again).
pub fn regenerated(
    out_dir: &Path,
    state_dir: &Path,
    lock: &Path,
    compiled: &Compiled,
) -> BTreeSet<String> {
    let edited = edited_snapshots(state_dir, out_dir, lock);
    compiled
        .modules
        .iter()
        .filter(|m| out_dir.join(&m.imp_path).is_file())
        .filter(|m| differs_on_disk(out_dir, m) || pins_edited(m, &edited))
        .map(|m| m.name.clone())
        .collect()
}

/// The pinned snapshots edited since ghost recorded them (`written.rs`), by path.
pub fn edited_snapshots(state_dir: &Path, out_dir: &Path, lock: &Path) -> BTreeSet<PathBuf> {
    super::written::edited_snapshots(state_dir, out_dir, lock)
        .into_iter()
        .map(|(path, _)| path)
        .collect()
}

/// Whether one of the snapshots `m`'s tests pin is among `edited`.
pub fn pins_edited(m: &CompiledModule, edited: &BTreeSet<PathBuf>) -> bool {
    !edited.is_empty() && m.snapshot_files().iter().any(|f| edited.contains(f))
}

/// Whether a module's compiler-owned files on disk differ from what the compiler writes
/// now, or a snapshot its tests pin is missing.
pub fn differs_on_disk(out_dir: &Path, m: &CompiledModule) -> bool {
    !outdated(out_dir, &m.files).is_empty()
        || m.snapshot_files()
            .iter()
            .any(|f| !out_dir.join(f).is_file())
}

/// Compiler-owned files whose contents on disk differ from what the compiler writes now
/// (for `ghost build --locked`: generated code that does not match the specs), each
/// `mod.rs` as fitted to its code on disk (`standing_in.rs`).
pub fn outdated(out_dir: &Path, files: &[GeneratedFile]) -> Vec<PathBuf> {
    let (files, _) = super::standing_in::fit_to_code(out_dir, files);
    files
        .iter()
        .filter(|f| f.owner == Owner::Compiler)
        .filter(|f| {
            // Line endings aside: a checkout may turn them into `\r\n`.
            std::fs::read(out_dir.join(&f.path))
                .ok()
                .is_none_or(|on_disk| {
                    !crate::plan::lock::same_text(&on_disk, f.contents.as_bytes())
                })
        })
        .map(|f| f.path.clone())
        .collect()
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
    fn an_old_stub_follows_the_interface_and_filled_in_code_stays() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stub = |sig: &str| {
            format!("//! The implementation of module `s.a`: a stub by ghost, to be replaced by the agent.\n#![allow(unused_imports, unused_variables)]\n\nuse super::*;\n\n/// Doc.\npub fn {sig} {{\n    todo!()\n}}\n")
        };
        let write = |contents: &str| {
            write_crate(
                dir.path(),
                &[file("src/a/imp.rs", contents, Owner::AgentStub)],
            )
            .expect("writes")
        };
        let read = || std::fs::read_to_string(dir.path().join("src/a/imp.rs")).expect("imp.rs");
        write(&stub("f(r: R)"));
        let r = write(&stub("f(r: Q)"));
        assert_eq!(r.stubs.len(), 1, "the old stub is replaced");
        assert!(read().contains("r: Q"));
        // One function filled in: code, kept.
        let filled = stub("f(r: Q)").replace("todo!()", "let _ = r;");
        std::fs::write(dir.path().join("src/a/imp.rs"), &filled).expect("write");
        assert!(write(&stub("f(r: P)")).stubs.is_empty());
        assert_eq!(read(), filled);
    }

    #[test]
    fn a_compiler_owned_file_checked_out_with_crlf_is_not_written_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("src/a/mod.rs");
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, "//! Generated by ghost\r\npub mod imp;\r\n").expect("write");
        let ours = |contents: &str| [file("src/a/mod.rs", contents, Owner::Compiler)];
        let r = write_crate(dir.path(), &ours("//! Generated by ghost\npub mod imp;\n"))
            .expect("writes");
        assert!(r.written.is_empty(), "{:?}", r.written);
        let on_disk = std::fs::read(&path).expect("mod.rs");
        assert_eq!(on_disk, b"//! Generated by ghost\r\npub mod imp;\r\n");
        // Another text is written, in ghost's own line endings.
        let r = write_crate(
            dir.path(),
            &ours("//! Generated by ghost\npub mod other;\n"),
        )
        .expect("writes");
        assert_eq!(r.written, [PathBuf::from("src/a/mod.rs")]);
        let on_disk = std::fs::read(&path).expect("mod.rs");
        assert_eq!(on_disk, b"//! Generated by ghost\npub mod other;\n");
    }

    #[test]
    fn a_crate_of_the_users_own_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"mine\"\n",
        )
        .expect("write");
        let files = [file(
            "Cargo.toml",
            "# Generated by ghost: do not edit\n",
            Owner::Compiler,
        )];
        let err = write_crate(dir.path(), &files).expect_err("refused");
        assert!(err.to_string().contains("ghost did not write it"), "{err}");
        let mine = std::fs::read_to_string(dir.path().join("Cargo.toml")).expect("kept");
        assert!(mine.contains("mine"));
        // One ghost wrote is ghost's to change.
        std::fs::write(dir.path().join("Cargo.toml"), "# Generated by ghost: old\n")
            .expect("write");
        write_crate(dir.path(), &files).expect("rewritten");
    }

    #[test]
    fn stubs_never_replace_code() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("Cargo.toml"), "# Generated by ghost\n").expect("write");
        let files = [
            file("src/a/imp.rs", "stub", Owner::AgentStub),
            file("src/a/mod.rs", "v1", Owner::Compiler),
        ];
        let r = write_crate(dir.path(), &files).expect("writes");
        assert_eq!(r.stubs, [PathBuf::from("src/a/imp.rs")]);
        std::fs::write(dir.path().join("src/a/imp.rs"), "real code").expect("edit");
        let files = [
            file("src/a/imp.rs", "stub", Owner::AgentStub),
            file("src/a/mod.rs", "v2", Owner::Compiler),
        ];
        let r = write_crate(dir.path(), &files).expect("writes");
        assert_eq!(r.written, [PathBuf::from("src/a/mod.rs")]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("src/a/imp.rs")).expect("read"),
            "real code"
        );
        assert!(outdated(dir.path(), &files).is_empty());
        std::fs::write(dir.path().join("src/a/mod.rs"), "hand edit").expect("edit");
        assert_eq!(
            outdated(dir.path(), &files),
            [PathBuf::from("src/a/mod.rs")]
        );
    }

    #[test]
    fn files_of_the_users_own_in_a_folder_without_ghosts_manifest_are_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("src/a")).expect("mkdir");
        std::fs::write(dir.path().join("src/a/mod.rs"), "// my own\n").expect("write");
        let files = [
            file(
                "Cargo.toml",
                "# Generated by ghost: do not edit\n",
                Owner::Compiler,
            ),
            file("src/a/mod.rs", "//! Generated by ghost\n", Owner::Compiler),
        ];
        let err = write_crate(dir.path(), &files).expect_err("refused");
        assert!(matches!(err, WriteError::NotOurs(_)), "{err}");
        assert!(
            !dir.path().join("Cargo.toml").exists(),
            "nothing written before the refusal"
        );
        // A file that says ghost wrote it is ghost's to change, manifest or not.
        std::fs::write(
            dir.path().join("src/a/mod.rs"),
            "//! Generated by ghost, old\n",
        )
        .expect("write");
        write_crate(dir.path(), &files).expect("rewritten");
        // Once the manifest is ghost's, so is the folder.
        std::fs::write(dir.path().join("src/a/mod.rs"), "hand edit\n").expect("write");
        write_crate(dir.path(), &files).expect("rewritten");
    }

    #[test]
    fn paths_outside_the_crate_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        for bad in ["../escape.rs", "/etc/passwd", ""] {
            let err =
                write_crate(dir.path(), &[file(bad, "x", Owner::Compiler)]).expect_err("refused");
            assert!(matches!(err, WriteError::Outside(_)), "{bad}");
        }
    }
}
