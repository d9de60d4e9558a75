//! Running a child process with a time limit that kills its whole process tree.
//!
//! Shared by the stages that start processes (the command provider, cargo runs). The
//! child is started in a process group of its own, so a timeout kills the child and
//! everything it started (a test that spawned a process, a shell's children); so does a
//! child that ends leaving processes behind that hold its output open.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

/// The process groups started by [`run`] that are still running. Children live in groups
/// of their own, so the terminal's Ctrl-C does not reach them: [`kill_all`] does.
static RUNNING: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

pub(crate) fn register(pid: Option<u32>, running: bool) {
    if let (Some(pid), Ok(mut set)) = (pid, RUNNING.lock()) {
        if running {
            set.insert(pid);
        } else {
            set.remove(&pid);
        }
    }
}

/// Resolves when the user interrupts ghost: Ctrl-C, SIGTERM (what a cancelled CI job
/// sends) or SIGHUP (the terminal or the editor running ghost closed), so that all stop
/// the work the same way, its processes killed.
pub async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // A hang-up the process was started to ignore (`nohup ghost build &`) stays
        // ignored: listening for it would take that away.
        let hangup = (!hangup_ignored())
            .then(|| signal(SignalKind::hangup()).ok())
            .flatten();
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            let hung_up = async {
                match hangup {
                    Some(mut h) => {
                        h.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
                _ = hung_up => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Whether SIGHUP was ignored when ghost started (`nohup`), read before ghost listens for
/// it (which replaces the disposition). Linux tells it in `/proc/self/status`; elsewhere a
/// hang-up is not listened for at all, as before, rather than take `nohup` away.
#[cfg(unix)]
fn hangup_ignored() -> bool {
    static IGNORED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IGNORED.get_or_init(|| {
        if !cfg!(target_os = "linux") {
            return true;
        }
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let mask = status
                    .lines()
                    .find_map(|l| l.strip_prefix("SigIgn:"))?
                    .trim()
                    .to_string();
                u64::from_str_radix(&mask, 16).ok()
            })
            // SIGHUP is signal 1: the mask's lowest bit.
            .is_none_or(|mask| mask & 1 == 1)
    })
}

/// Runs `work` on `runtime` until it ends (`Some`) or the user interrupts ghost (`None`,
/// every process it started killed): the children live in process groups of their own,
/// which the terminal's Ctrl-C does not reach.
pub fn until_interrupted<F: std::future::Future>(
    runtime: &tokio::runtime::Runtime,
    work: F,
) -> Option<F::Output> {
    let result = runtime.block_on(async {
        // The signals first: their handlers are set up when first polled, and a Ctrl-C
        // before that (while the work's first poll runs) would end ghost as the
        // default handler does, leaving its children running.
        tokio::select! {
            biased;
            _ = interrupted() => None,
            r = work => Some(r),
        }
    });
    if result.is_none() {
        kill_all();
    }
    result
}

/// Kills every process group still running (on Ctrl-C, before ghost exits).
pub fn kill_all() {
    let pids: Vec<u32> = RUNNING
        .lock()
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    for pid in pids {
        kill_group(pid);
    }
}

/// A process group [`run`] started and registered: unregistered when dropped, and killed
/// too unless the run saw its child end.
struct Group {
    pid: Option<u32>,
    ended: bool,
}

impl Drop for Group {
    fn drop(&mut self) {
        if let (false, Some(pid)) = (self.ended, self.pid) {
            kill_group(pid);
        }
        register(self.pid, false);
    }
}

/// What a finished (or killed) process left behind.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    /// The exit code; `None` when killed by a signal (including our time limit).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }
}

/// Runs `cmd` to completion or until `limit` passes, feeding `stdin` if given.
pub async fn run(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    limit: Duration,
) -> std::io::Result<Finished> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true)
    .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    register(pid, true);
    // A run dropped before its child ended (its caller gave up on it) kills the group,
    // not just the child `kill_on_drop` reaches, and forgets it either way.
    let mut group = Group { pid, ended: false };
    // Readers run as tasks of their own so that what was printed before a timeout is
    // kept: it names the test that hung.
    let out = tokio::spawn(read_all(child.stdout.take()));
    let err = tokio::spawn(read_all(child.stderr.take()));
    // Fed after the readers start, so a child that writes before it reads cannot fill
    // its pipe and wait on us while we wait on it; and by a task of its own, so a child
    // that never reads its input (and never exits) cannot hold the write, and with it the
    // time limit below, for ever once the pipe is full.
    if let (Some(bytes), Some(mut input)) = (stdin, child.stdin.take()) {
        let bytes = bytes.to_vec();
        tokio::spawn(async move {
            // A child that exits without reading its input is not an error of ours.
            let _ = input.write_all(&bytes).await;
        });
    }
    let status = tokio::time::timeout(limit, child.wait()).await;
    let timed_out = status.is_err();
    if timed_out {
        if let Some(pid) = pid {
            kill_group(pid);
        }
    }
    // Once the child ended its pipes close, unless a process it left behind holds them
    // (code under test that started a program in the background): the readers get a
    // moment, then the group is killed, which closes the pipes its members hold and so
    // keeps what the child printed (taken for nothing before, as if it never reported),
    // and leaves nothing running. A process that left the group could still hold them:
    // the readers get a second moment, not forever.
    let grace = Duration::from_secs(2);
    let (mut out, mut err) = (out, err);
    let mut stdout = None;
    let mut stderr = None;
    let mut left_behind = false;
    for round in 0..2 {
        if stdout.is_none() {
            stdout = tokio::time::timeout(grace, &mut out).await.ok();
        }
        if stderr.is_none() {
            stderr = tokio::time::timeout(grace, &mut err).await.ok();
        }
        if round > 0 || (stdout.is_some() && stderr.is_some()) {
            break;
        }
        left_behind = !timed_out;
        if let Some(pid) = pid {
            kill_group(pid);
        }
    }
    let stdout = stdout.and_then(Result::ok).unwrap_or_default();
    let mut stderr = stderr.and_then(Result::ok).unwrap_or_default();
    if left_behind {
        stderr.extend_from_slice(LEFT_BEHIND.as_bytes());
    }
    let code = match status {
        Ok(status) => status?.code(),
        Err(_) => {
            let _ = child.wait().await;
            None
        }
    };
    group.ended = true;
    Ok(Finished {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
        elapsed: start.elapsed(),
    })
}

/// Said after the output of a run that left processes behind holding its output open.
pub const LEFT_BEHIND: &str = "\n[ghost: the run ended with processes it started still running and holding its output open; ghost stopped them]\n";

/// How much of one stream is kept from its start, and from its end. Code that prints
/// in a loop can write gigabytes; what a report needs is the start (the compiler's
/// messages, the first failures) and the end (libtest's summary).
const KEEP_HEAD: usize = 2 << 20;
const KEEP_TAIL: usize = 2 << 20;

/// Reads a stream to its end, keeping its first and last megabytes and saying how much
/// was left out between them.
async fn read_all<R: tokio::io::AsyncRead + Unpin>(reader: Option<R>) -> Vec<u8> {
    match reader {
        Some(r) => read_kept(r, KEEP_HEAD, KEEP_TAIL).await,
        None => Vec::new(),
    }
}

/// Reads a stream to its end, keeping at most `head` bytes from its start and `tail` from
/// its end, with a note of how much was left out between them.
pub async fn read_kept<R: tokio::io::AsyncRead + Unpin>(
    mut reader: R,
    head: usize,
    tail: usize,
) -> Vec<u8> {
    let mut kept = Kept::new(head, tail);
    let mut chunk = vec![0u8; 64 << 10];
    while let Ok(n) = reader.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        kept.push(&chunk[..n]);
    }
    kept.into_bytes()
}

/// `text` with at most `head` bytes from its start and `tail` from its end, and a note of
/// how much was left out between them (a failing test's output, for one).
pub fn keep_ends(text: &str, head: usize, tail: usize) -> String {
    let mut kept = Kept::new(head, tail);
    kept.push(text.as_bytes());
    String::from_utf8_lossy(&kept.into_bytes()).into_owned()
}

/// The head and tail of a stream, and the number of bytes dropped between them. Neither
/// end splits a UTF-8 character: text stays text.
struct Kept {
    head: Vec<u8>,
    head_limit: usize,
    /// The head stopped short of its limit at a character's start: it takes no more.
    head_closed: bool,
    tail: std::collections::VecDeque<u8>,
    tail_limit: usize,
    dropped: usize,
}

impl Kept {
    fn new(head_limit: usize, tail_limit: usize) -> Kept {
        Kept {
            head: Vec::new(),
            head_limit,
            head_closed: false,
            tail: std::collections::VecDeque::new(),
            tail_limit,
            dropped: 0,
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        let mut room = if self.head_closed {
            0
        } else {
            self.head_limit.saturating_sub(self.head.len())
        };
        if room < bytes.len() {
            while room > 0 && is_continuation(bytes[room]) {
                room -= 1;
            }
            self.head_closed = true;
        }
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        bytes = rest;
        self.tail.extend(bytes);
        let over = self.tail.len().saturating_sub(self.tail_limit);
        self.tail.drain(..over);
        self.dropped += over;
    }

    fn into_bytes(self) -> Vec<u8> {
        let mut out = self.head;
        let mut tail: Vec<u8> = self.tail.into();
        if self.dropped > 0 {
            // The tail starts at its first whole line, or at least at a whole character.
            let start = tail
                .iter()
                .position(|b| *b == b'\n')
                .map(|i| i + 1)
                .or_else(|| tail.iter().position(|b| !is_continuation(*b)))
                .unwrap_or(0);
            let dropped = self.dropped + start;
            tail.drain(..start);
            out.extend_from_slice(
                format!("\n[ghost: {dropped} bytes of output left out here]\n").as_bytes(),
            );
        }
        out.extend_from_slice(&tail);
        out
    }
}

/// A byte inside a UTF-8 character, not its first.
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Kills the process group led by `pid` (the child and everything it started).
pub fn kill_group(pid: u32) {
    use nix::sys::signal::{killpg, Signal};
    use nix::unistd::Pid;
    if let Ok(raw) = i32::try_from(pid) {
        // The group may already be gone; nothing else to do then.
        let _ = killpg(Pid::from_raw(raw), Signal::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_child_that_never_reads_its_input_is_stopped_at_the_limit() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 600"]);
        // Far more than a pipe holds.
        let input = vec![b'x'; 4 << 20];
        let finished = runtime
            .block_on(run(cmd, Some(&input), Duration::from_secs(1)))
            .expect("sh runs");
        assert!(finished.timed_out && finished.elapsed < Duration::from_secs(600));
    }

    #[test]
    fn a_flood_of_output_keeps_its_start_and_its_end() {
        let mut kept = Kept::new(KEEP_HEAD, KEEP_TAIL);
        kept.push(b"compiler message\n");
        let line = b"noise noise noise noise noise noise noise noise noise noise\n";
        for _ in 0..200_000 {
            kept.push(line);
        }
        kept.push(b"test result: FAILED. 0 passed; 1 failed\n");
        let out = kept.into_bytes();
        assert!(out.len() <= KEEP_HEAD + KEEP_TAIL + 100, "{}", out.len());
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("compiler message\n"));
        assert!(text.ends_with("test result: FAILED. 0 passed; 1 failed\n"));
        assert!(
            text.contains("bytes of output left out here]\nnoise"),
            "cut at a line"
        );
        // A short stream is kept whole.
        let mut short = Kept::new(KEEP_HEAD, KEEP_TAIL);
        short.push(b"all of it");
        assert_eq!(short.into_bytes(), b"all of it");
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_stream_read_for_its_tail_alone_keeps_its_last_lines() {
        let mut text = String::from("first line\n");
        for i in 0..1000 {
            text.push_str(&format!("line {i}\n"));
        }
        let kept = rt().block_on(read_kept(text.as_bytes(), 0, 100));
        let kept = String::from_utf8(kept).expect("text");
        assert!(kept.starts_with("\n[ghost: "), "{kept}");
        assert!(
            kept.ends_with("line 999\n") && !kept.contains("first line"),
            "{kept}"
        );
        assert!(kept.len() < 200, "{}", kept.len());
    }

    #[test]
    fn captures_output_and_exit_code() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "cat; echo err >&2; exit 3"]);
        let f = rt()
            .block_on(run(cmd, Some(b"hello"), Duration::from_secs(30)))
            .expect("runs");
        assert_eq!(f.code, Some(3));
        assert_eq!(f.stdout, "hello");
        assert_eq!(f.stderr, "err\n");
        assert!(!f.timed_out);
    }

    /// A child that leaves a process running in the background, holding its output open
    /// (code under test that spawned `sleep 1000`): the run ends with what the child
    /// printed, says so, and stops what it left (its output was lost before: the readers
    /// waited for the pipes to close, and were given up on).
    #[cfg(unix)]
    #[test]
    fn a_process_left_behind_holding_the_output_is_stopped_and_the_output_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pidfile = dir.path().join("left.pid");
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            &format!(
                "sleep 1000 & echo $! > {}; echo 'test result: ok.'",
                pidfile.display()
            ),
        ]);
        let f = rt()
            .block_on(run(cmd, None, Duration::from_secs(600)))
            .expect("runs");
        assert_eq!(f.code, Some(0));
        assert_eq!(f.stdout, "test result: ok.\n", "the child's output is kept");
        assert!(f.stderr.contains(LEFT_BEHIND), "{}", f.stderr);
        let pid = std::fs::read_to_string(&pidfile).expect("the background process started");
        let pid: i32 = pid.trim().parse().expect("a pid");
        // Killed: gone, or a zombie its new parent has yet to reap, once the kernel has
        // delivered the signal (its pipes closed before it is a zombie; polled, at most
        // five seconds).
        let stat = format!("/proc/{pid}/stat");
        let dead = (0..500).any(|_| {
            let gone = std::fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z "));
            if !gone {
                std::thread::sleep(Duration::from_millis(10));
            }
            gone
        });
        assert!(dead, "the process left behind is still running");
    }

    #[test]
    fn the_time_limit_kills_the_whole_tree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pidfile = dir.path().join("grandchild.pid");
        // The shell starts a grandchild that records its pid, then both wait "forever".
        let script = format!(
            "sh -c 'echo $$ > {}; exec sleep 100' & sleep 100",
            pidfile.display()
        );
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &format!("echo started; {script}")]);
        let f = rt()
            .block_on(run(cmd, None, Duration::from_secs(1)))
            .expect("runs");
        assert!(f.timed_out);
        assert_eq!(f.code, None);
        assert_eq!(f.stdout, "started\n", "output before the timeout is kept");
        let pid = std::fs::read_to_string(&pidfile).expect("the grandchild started");
        let stat = format!("/proc/{}/stat", pid.trim());
        // SIGKILL was sent to the whole group: the grandchild is gone or a zombie once
        // the kernel has delivered it (polled, at most five seconds).
        let dead = (0..500).any(|_| {
            let gone = std::fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z "));
            if !gone {
                std::thread::sleep(Duration::from_millis(10));
            }
            gone
        });
        assert!(dead, "a grandchild survived the time limit");
    }
}
