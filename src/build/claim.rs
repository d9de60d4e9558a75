//! Which crate folder a shared cargo target folder's artifacts of a package belong to,
//! and the lock that keeps two crate folders of one package from building and running
//! over each other: a crate folder and a target folder in, a [`Claim`] out, held for as
//! long as a cargo run (or a run of the test binaries it built) needs the artifacts.
//!
//! A target folder shared between projects (`GHOST_TARGET_DIR`) holds one set of
//! artifacts per package name and version, wherever the package lives: cargo takes a
//! checkout whose files are older than another checkout's build as fresh, and runs the
//! other checkout's test binaries (with its code and its snapshot paths). So the folder
//! remembers which crate folder built each package last; when another one comes, its
//! files are dated now, which makes cargo rebuild this package, and only it. Not `cargo
//! clean --package`: that removes artifacts by target name (`math_double-*`), and so the
//! test binaries of every other project with a module of that name, even while their
//! `cargo test` is about to run them.
//!
//! Two ghost processes with crate folders of one package (two checkouts' `generated/`
//! crates; the scratch copies of different projects have versions of their own) take
//! turns: a claim holds an OS lock on `ghost-owners/NAME@VERSION.lock` until it is
//! dropped, so the other cannot rebuild the package between this one's build and its run
//! of the binaries. Within one process claims of a package are shared (a run holding one
//! calls cargo, which claims again).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The package locks this process holds: the locked file, and how many claims hold it.
static HELD: Mutex<BTreeMap<PathBuf, (std::fs::File, usize)>> = Mutex::new(BTreeMap::new());

/// The target folder's artifacts of a package, claimed for one crate folder until this is
/// dropped.
#[derive(Debug)]
#[must_use = "the claim ends when it is dropped"]
pub struct Claim {
    /// The lock file held: none when the manifest names no package, or the file system
    /// cannot lock.
    lock: Option<PathBuf>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let Some(lock) = &self.lock else { return };
        let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, holders)) = held.get_mut(lock) {
            *holders -= 1;
            if *holders == 0 {
                // Closing the file releases the OS lock.
                held.remove(lock);
            }
        }
    }
}

/// Claims `target_dir`'s artifacts of the package in `crate_dir` for that folder, waiting
/// for another process's claim of the package to end; dates the crate's sources now when
/// another crate folder built the package last.
pub async fn claim(crate_dir: &Path, target_dir: &Path) -> std::io::Result<Claim> {
    // Before every run: cargo settings an agent program put beside a scratch crate (in
    // `.ghost/`, whose folders cargo reads as the crate's parents) would run a program of
    // its choosing as cargo builds the code.
    if let Some(planted) = super::workspace::planted_settings(crate_dir) {
        return Err(std::io::Error::other(planted.to_string()));
    }
    let Some(package) = package_id(&crate_dir.join("Cargo.toml")) else {
        // cargo itself will say what is wrong with the manifest.
        return Ok(Claim { lock: None });
    };
    let owners = target_dir.join("ghost-owners");
    std::fs::create_dir_all(&owners)?;
    // Canonical: one folder named two ways is one lock, not a claim waiting on itself.
    let owners = std::fs::canonicalize(&owners)?;
    let claim = hold(owners.join(format!("{package}.lock"))).await?;
    let marker = owners.join(&package);
    let here = std::fs::canonicalize(crate_dir)?
        .to_string_lossy()
        .into_owned();
    match std::fs::read_to_string(&marker) {
        Ok(owner) if owner == here => return Ok(claim),
        Ok(_) => date_now(crate_dir),
        Err(_) => {}
    }
    crate::plan::lock::write_atomic(&marker, here.as_bytes())?;
    Ok(claim)
}

/// Told once per wait for another process's claim (`on_wait`): the command line prints
/// it, so a run waiting for another checkout's says so.
type WaitNotice = Box<dyn Fn(&str) + Send + Sync>;
static WAIT_NOTICE: std::sync::OnceLock<WaitNotice> = std::sync::OnceLock::new();

/// Sets what is told of a wait for another process's claim, once per process.
pub fn on_wait(notice: WaitNotice) {
    let _ = WAIT_NOTICE.set(notice);
}

/// One task of this process takes a package's OS lock at a time: a second file opened on
/// it would wait on this process's own lock (or, where locks are emulated per process,
/// release it when closed). The others wait here, then share the one taken.
static TAKING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How often a claim held by another process is tried again. Polled, not waited on with
/// a blocking lock, so that Ctrl-C stops a run that waits.
const RETRY: std::time::Duration = std::time::Duration::from_millis(100);

/// A claim on the lock file `path` (canonical): shared with this process's other claims
/// of it, or the OS lock taken, waiting for another process to let go.
async fn hold(path: PathBuf) -> std::io::Result<Claim> {
    let shared = || {
        HELD.lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&path)
            .map(|(_, holders)| *holders += 1)
            .is_some()
    };
    if shared() {
        return Ok(Claim { lock: Some(path) });
    }
    let _taking = TAKING.lock().await;
    if shared() {
        return Ok(Claim { lock: Some(path) });
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {
                if !told {
                    told = true;
                    if let Some(notice) = WAIT_NOTICE.get() {
                        notice(&format!(
                            "waiting for another ghost run using the same generated crate's build (`{}`)",
                            path.display()
                        ));
                    }
                }
                tokio::time::sleep(RETRY).await;
            }
            // A file system without locks (some network mounts say `ENOLCK`) gets the
            // claim without one, as ghost claimed before it locked: checkouts there take
            // no turns.
            Err(std::fs::TryLockError::Error(_)) => return Ok(Claim { lock: None }),
        }
    }
    HELD.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.clone(), (file, 1));
    Ok(Claim { lock: Some(path) })
}

/// Sets the modification time of the crate's sources (`Cargo.toml`, `src/`, `tests/`) to
/// now. A file that cannot be dated (read-only) is left as it is: cargo then decides on
/// the times it has, as it would without ghost.
fn date_now(crate_dir: &Path) {
    let now = std::time::SystemTime::now();
    let files = ["Cargo.toml", "src", "tests"]
        .iter()
        .flat_map(|p| walkdir::WalkDir::new(crate_dir.join(p)))
        .flatten()
        .filter(|e| e.file_type().is_file());
    for file in files {
        let _ = std::fs::File::options()
            .write(true)
            .open(file.path())
            .and_then(|f| f.set_modified(now));
    }
}

/// `name@version` of the manifest's package, as cargo names a package.
///
/// Asked before every cargo run, of a manifest that names every module's test target:
/// parsing it each time was 38% of `ghost build --locked`'s own time on a 300-module
/// project. The answer is kept for the text it was read from (per file, for the scratch
/// copies), so a manifest that changed is read anew.
pub(super) fn package_id(manifest: &Path) -> Option<String> {
    static KNOWN: std::sync::Mutex<BTreeMap<PathBuf, (String, Option<String>)>> =
        std::sync::Mutex::new(BTreeMap::new());
    let text = std::fs::read_to_string(manifest).ok()?;
    if let Ok(known) = KNOWN.lock() {
        if let Some((_, id)) = known.get(manifest).filter(|(seen, _)| *seen == text) {
            return id.clone();
        }
    }
    let id = package_id_in(&text);
    if let Ok(mut known) = KNOWN.lock() {
        // Bounded: an eval goes through many scratch copies, each a manifest of its own.
        if known.len() >= 64 {
            known.clear();
        }
        known.insert(manifest.to_path_buf(), (text, id.clone()));
    }
    id
}

/// [`package_id`] of a manifest's text.
fn package_id_in(text: &str) -> Option<String> {
    let value: toml::Table = text.parse().ok()?;
    let package = value.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?;
    let version = package.get("version")?.as_str()?;
    Some(format!("{name}@{version}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_claimed_crate_is_dated_now_and_its_target_folder_is_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let long_ago = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        for p in ["Cargo.toml", "src/lib.rs", "tests/a.rs", "target/debug/a"] {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&p, "").expect("write");
            std::fs::File::options()
                .write(true)
                .open(&p)
                .and_then(|f| f.set_modified(long_ago))
                .expect("date");
        }
        date_now(dir.path());
        let modified = |p: &str| {
            std::fs::metadata(dir.path().join(p))
                .and_then(|m| m.modified())
                .expect("mtime")
        };
        for p in ["Cargo.toml", "src/lib.rs", "tests/a.rs"] {
            assert!(modified(p) > long_ago, "{p} dated now");
        }
        assert_eq!(modified("target/debug/a"), long_ago, "target untouched");
    }

    #[test]
    fn claims_of_one_package_in_one_process_are_shared_and_end_with_the_last() {
        let dir = tempfile::tempdir().expect("temp dir");
        let crate_dir = dir.path().join("gen");
        std::fs::create_dir_all(&crate_dir).expect("mkdir");
        std::fs::write(
            crate_dir.join("Cargo.toml"),
            "[package]\nname = \"gen\"\nversion = \"0.1.0\"\n",
        )
        .expect("manifest");
        let target = dir.path().join("target");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let lock = target.join("ghost-owners/gen@0.1.0.lock");
        let other = || {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&lock)
                .expect("open")
        };
        let outer = rt.block_on(claim(&crate_dir, &target)).expect("claimed");
        // A nested claim (a run holding one calls cargo) does not wait for the first.
        let inner = rt.block_on(claim(&crate_dir, &target)).expect("shared");
        drop(outer);
        assert!(
            matches!(other().try_lock(), Err(std::fs::TryLockError::WouldBlock)),
            "held while a claim is left"
        );
        drop(inner);
        assert!(other().try_lock().is_ok(), "released with the last claim");
        assert_eq!(
            std::fs::read_to_string(target.join("ghost-owners/gen@0.1.0")).expect("marker"),
            std::fs::canonicalize(&crate_dir)
                .expect("canonical")
                .to_string_lossy()
        );
    }
}
