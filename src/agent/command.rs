//! The command provider: a user's agent program, run in a scratch workspace with a time limit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWriteExt};

use super::{AgentError, AgentSettings};

/// How much of each output stream is kept: the end is where programs say what went wrong.
const TAIL_BYTES: usize = 16 * 1024;
/// How long to wait for output after the program exited (a process that left the group can
/// hold the pipes open forever).
const DRAIN_LIMIT: Duration = Duration::from_secs(2);
/// Folders of the workspace that are not compared: build output and version control, which
/// an agent program may legitimately touch.
const UNWATCHED: [&str; 2] = ["target", ".git"];
/// Top-level files that are not compared: `Cargo.lock` is cargo's output, written by any
/// `cargo test` an agent runs to check its work (and never copied back to the project).
const UNWATCHED_FILES: [&str; 1] = ["Cargo.lock"];

/// Files of the workspace larger than this are compared by their size and times rather
/// than read (see `snapshot`): a crate's own files are far smaller.
const MAX_HASHED_BYTES: u64 = 16 << 20;

/// What a run of the agent program left behind.
#[derive(Debug)]
pub struct CommandOutcome {
    pub stdout_tail: String,
    pub stderr_tail: String,
    pub exit_status: ExitStatus,
    /// The file at `GHOST_IMPL_PATH` after the run; `None` if there is none.
    pub new_contents: Option<String>,
    /// Whether the run wrote that file (its contents or its modification time changed):
    /// a program that exits without writing must not pass off the old code as its own.
    pub wrote: bool,
    /// Every other file the run created or changed, relative to the workspace, sorted.
    /// The build refuses an attempt that lists any.
    pub other_changes: Vec<PathBuf>,
    /// Every other file the run deleted, relative to the workspace, sorted: kept apart
    /// from [`Self::other_changes`] so the program is told it deleted them (`rm -rf ./*`
    /// was told it "wrote" `Cargo.toml`). The build refuses an attempt that lists any.
    pub other_deletions: Vec<PathBuf>,
}

impl CommandOutcome {
    /// Whether the run touched any file besides its own.
    pub fn touched_others(&self) -> bool {
        !self.other_changes.is_empty() || !self.other_deletions.is_empty()
    }
}

/// The program and arguments of the `command` setting: split as a shell would, a
/// relative path with a `/` in it (`./agent.sh`) taken from the project's folder (the
/// program runs in a scratch folder). An error for a command that is empty or cannot be
/// split (an open quote).
pub fn command_line(settings: &AgentSettings) -> Result<(String, Vec<String>), AgentError> {
    let line = settings.command.as_deref().unwrap_or("").trim();
    if line.is_empty() {
        return Err(AgentError::Settings {
            reason: "provider `command` needs `command` in the [agent] table, e.g. `command = \"codex exec --full-auto -\"`".into(),
        });
    }
    let mut argv = shlex::split(line)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| AgentError::Settings {
            reason: format!("cannot split the agent command `{line}`: check its quotes"),
        })?;
    let mut program = argv.remove(0);
    if program.contains('/') && Path::new(&program).is_relative() {
        if let Some(base) = &settings.command_base {
            program = base.join(&program).to_string_lossy().into_owned();
        }
    }
    Ok((program, argv))
}

/// The arguments of the `command` setting that name a file of the project by a relative
/// path (`sh agents/run.sh`) which `workdir`, the scratch folder the program runs in,
/// does not have: what a program that failed at once most likely could not open. Only the
/// program itself is taken from the project's folder; an argument is the program's to
/// read, and may well be meant in the scratch copy (`src/..`), so it is only named.
pub fn misplaced_paths(settings: &AgentSettings, workdir: &Path) -> Vec<String> {
    let (Ok((_, args)), Some(base)) = (command_line(settings), &settings.command_base) else {
        return Vec::new();
    };
    args.into_iter()
        .filter(|a| !a.starts_with('-') && Path::new(a).is_relative())
        .filter(|a| base.join(a).is_file() && !workdir.join(a).exists())
        .collect()
}

/// Whether the agent's program can be started: a path names a file, a bare name one on
/// `PATH`. Checked before a build asks for anything, so a mistyped command is a
/// configuration error at once, not a failed attempt per module.
pub fn program_exists(program: &str, path_var: Option<&std::ffi::OsStr>) -> bool {
    !program_files(program, path_var).is_empty()
}

/// The files `program` may name: itself when it is a path, else the file of that name in
/// each folder of `PATH`, in order; those that exist.
fn program_files(program: &str, path_var: Option<&std::ffi::OsStr>) -> Vec<PathBuf> {
    let candidates: Vec<PathBuf> = if program.contains('/') {
        vec![PathBuf::from(program)]
    } else {
        path_var
            .map(|paths| {
                std::env::split_paths(paths)
                    .map(|dir| dir.join(program))
                    .collect()
            })
            .unwrap_or_default()
    };
    candidates.into_iter().filter(|p| p.is_file()).collect()
}

/// The file `program` names when it cannot be executed (no execute permission): one
/// found by its path, or, for a bare name, the first on `PATH` when none there can be.
/// Checked with [`program_exists`], so that a script saved without `chmod +x` is a
/// configuration error at once, not an attempt failed per module.
pub fn not_executable(program: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let files = program_files(program, path_var);
    if files.iter().any(|f| executable(f)) {
        return None;
    }
    files.into_iter().next()
}

/// Whether anyone may execute `file` (elsewhere than on unix: assumed so).
fn executable(file: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(file).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        true
    }
}

/// Runs the `command` of `settings` in `workdir` with `prompt` on stdin, `GHOST_MODULE` set to
/// the dotted `module` name and `GHOST_IMPL_PATH` to `impl_rel_path` (relative to
/// `workdir`). The program runs in a process group of its own; at `timeout` the whole group
/// (the program and everything it started) is killed. The group is also killed when the
/// program exits, so that nothing it left in the background outlives its run. A non-zero
/// exit is an outcome, not an error: the caller decides.
pub async fn run_command(
    settings: &AgentSettings,
    workdir: &Path,
    module: &str,
    impl_rel_path: &Path,
    prompt: &str,
    timeout: Duration,
) -> Result<CommandOutcome, AgentError> {
    let (program, args) = command_line(settings)?;
    let before = snapshot(workdir)?;
    let impl_path = workdir.join(impl_rel_path);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let modified_before = modified(&impl_path);

    let mut command = tokio::process::Command::new(&program);
    command
        .args(&args)
        .current_dir(workdir)
        .env("GHOST_MODULE", module)
        .env("GHOST_IMPL_PATH", impl_rel_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn().map_err(|source| AgentError::Spawn {
        program: program.clone(),
        source,
    })?;
    let group = child.id();
    // Known to `process::kill_all`, which an interrupted build calls: the agent's whole
    // group goes with it, not only the program ghost started.
    crate::process::register(group, true);

    let stdin = child.stdin.take();
    let prompt = prompt.as_bytes().to_vec();
    // A program that never reads its stdin closes the pipe: not an error of ours.
    tokio::spawn(async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&prompt).await;
            let _ = stdin.shutdown().await;
        }
    });
    let stdout = child.stdout.take().map(|s| tokio::spawn(tail(s)));
    let stderr = child.stderr.take().map(|s| tokio::spawn(tail(s)));

    let waited = tokio::time::timeout(timeout, child.wait()).await;
    kill_group(group);
    crate::process::register(group, false);
    let exit_status = match waited {
        Ok(Ok(status)) => status,
        Ok(Err(source)) => {
            return Err(AgentError::Io {
                path: workdir.to_path_buf(),
                source,
            })
        }
        Err(_elapsed) => {
            let _ = child.kill().await;
            return Err(AgentError::CommandTimeout { program, timeout });
        }
    };
    let stdout_tail = drain(stdout).await;
    let stderr_tail = drain(stderr).await;

    // A link would have ghost read (and show in prompts and logs) whatever file it names.
    if std::fs::symlink_metadata(&impl_path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(AgentError::NotAFile {
            path: impl_rel_path.to_path_buf(),
            what: "a symbolic link",
        });
    }
    let new_contents = match read_at_most(&impl_path, super::MAX_CODE_BYTES) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            return Err(AgentError::NotAFile {
                path: impl_rel_path.to_path_buf(),
                what: "a named pipe, a device or a folder",
            })
        }
        Err(source) => {
            return Err(AgentError::Io {
                path: impl_path,
                source,
            })
        }
    };
    let after = snapshot(workdir)?;
    let changed = changes(&before, &after);
    let wrote = changed.iter().any(|p| p == impl_rel_path)
        || (new_contents.is_some() && modified(&impl_path) != modified_before);
    let (other_deletions, other_changes) = changed
        .into_iter()
        .filter(|p| p != impl_rel_path)
        .partition(|p| !after.contains_key(p));
    Ok(CommandOutcome {
        stdout_tail,
        stderr_tail,
        exit_status,
        new_contents,
        wrote,
        other_changes,
        other_deletions,
    })
}

/// The first `max` bytes of `path` and one more when there are more: enough for the
/// build to refuse code longer than any module's without reading a runaway file whole.
/// Only a regular file is read (see [`crate::project::open_regular`]): a named pipe left
/// there would block ghost for ever.
fn read_at_most(path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    crate::project::open_regular(path)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Kills the process group led by `leader`; it may be gone already.
fn kill_group(leader: Option<u32>) {
    if let Some(pid) = leader {
        crate::process::kill_group(pid);
    }
}

/// The last [`TAIL_BYTES`] of a stream, as text (with a note of what was left out
/// before them).
async fn tail(stream: impl AsyncRead + Unpin) -> String {
    let kept = crate::process::read_kept(stream, 0, TAIL_BYTES).await;
    String::from_utf8_lossy(&kept).into_owned()
}

async fn drain(task: Option<tokio::task::JoinHandle<String>>) -> String {
    let Some(task) = task else {
        return String::new();
    };
    let abort = task.abort_handle();
    match tokio::time::timeout(DRAIN_LIMIT, task).await {
        Ok(Ok(text)) => text,
        _ => {
            abort.abort();
            "(output not collected: a process outside the agent's group kept it open)".into()
        }
    }
}

/// A digest of every file under `root` (but the [`UNWATCHED`] folders and
/// [`UNWATCHED_FILES`]), by relative path.
fn snapshot(root: &Path) -> Result<BTreeMap<PathBuf, [u8; 32]>, AgentError> {
    let mut files = BTreeMap::new();
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            let names: &[&str] = if e.file_type().is_dir() {
                &UNWATCHED
            } else {
                &UNWATCHED_FILES
            };
            !(e.depth() == 1 && names.iter().any(|u| e.file_name() == *u))
        });
    for entry in walk {
        let entry = entry.map_err(|e| AgentError::Io {
            path: e.path().unwrap_or(root).to_path_buf(),
            source: e.into(),
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .expect("walkdir yields paths under its root")
            .to_path_buf();
        let digest = if entry.file_type().is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap_or_default();
            Sha256::digest(target.to_string_lossy().as_bytes())
        } else if !entry.file_type().is_file() {
            // A named pipe, a socket or a device: never opened (a pipe's open waits for a
            // writer for ever), but there, and so a change when the program made it.
            Sha256::digest(b"not a regular file")
        } else if let Some(large) = entry.metadata().ok().filter(|m| m.len() > MAX_HASHED_BYTES) {
            // Known by its size and times, not read: a program can leave a sparse file
            // of terabytes, whose hashing would hold the build (and a Ctrl-C) for hours.
            Sha256::digest(format!("{:?}", crate::build::guard::stamp(&large)).as_bytes())
        } else {
            // Read as it is hashed: a file the program left may be of any size.
            let mut hasher = Sha256::new();
            crate::project::open_regular(entry.path())
                .and_then(|mut file| std::io::copy(&mut file, &mut hasher))
                .map_err(|source| AgentError::Io {
                    path: entry.path().to_path_buf(),
                    source,
                })?;
            hasher.finalize()
        };
        files.insert(rel, digest.into());
    }
    Ok(files)
}

/// Paths created, changed or deleted between two snapshots, sorted.
fn changes(
    before: &BTreeMap<PathBuf, [u8; 32]>,
    after: &BTreeMap<PathBuf, [u8; 32]>,
) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = after
        .iter()
        .filter(|(path, digest)| before.get(*path) != Some(digest))
        .map(|(path, _)| path.clone())
        .chain(before.keys().filter(|p| !after.contains_key(*p)).cloned())
        .collect();
    changed.sort();
    changed
}
