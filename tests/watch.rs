//! `ghost watch` as an editor's background task meets it: the real binary in a temp
//! project, a spec broken and fixed on disk the way editors save (write a temp file, rename
//! it over the spec), and the diagnostics and summaries read back as they are printed.
//! The test waits for lines, never for time; the timeout is only a safety net.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

/// How long to wait for a line before declaring the watcher stuck.
const SAFETY_NET: Duration = Duration::from_secs(60);

const GOOD: &str = "\
module text.slug {
  fn slugify(title: str) -> str {
    \"Lowercase words joined by '-'.\"
    example slugify(\"Hello World\") == \"hello-world\"
  }
}
";

/// `title: strr`: an unknown type on line 2.
const BROKEN: &str = "\
module text.slug {
  fn slugify(title: strr) -> str {
    \"Lowercase words joined by '-'.\"
    example slugify(\"Hello World\") == \"hello-world\"
  }
}
";

/// A line the child printed, with the stream it came on.
#[derive(Debug)]
enum Line {
    Out(String),
    Err(String),
}

/// Kills the watcher when the test ends, passing or not.
struct Watcher {
    child: Child,
    lines: Receiver<Line>,
    seen: Vec<Line>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watcher {
    fn start(dir: &Path, args: &[&str]) -> Watcher {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("ghost"))
            .current_dir(dir)
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("GHOST_PROVIDER")
            // Builds that run cargo compile the test dependencies once for the suite.
            .env("GHOST_TARGET_DIR", crate::support::shared_target_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ghost watch");
        let (send, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        forward(stdout, send.clone(), Line::Out);
        forward(stderr, send, Line::Err);
        Watcher {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for the first line that `wanted` accepts, and returns it.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Line) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(SAFETY_NET) {
                Ok(line) => {
                    let found = wanted(&line);
                    let text = match &line {
                        Line::Out(t) | Line::Err(t) => t.clone(),
                    };
                    self.seen.push(line);
                    if found {
                        return text;
                    }
                }
                Err(e) => panic!(
                    "no {what} from ghost watch ({e}); it printed {:#?}",
                    self.seen
                ),
            }
        }
    }
}

/// Sends each line of `stream` to `send`, from a thread of its own.
fn forward(stream: impl Read + Send + 'static, send: Sender<Line>, tag: fn(String) -> Line) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if send.send(tag(line)).is_err() {
                return;
            }
        }
    });
}

/// Writes `text` to `path` as vim does: a new file next to it, renamed over it.
fn save_like_an_editor(path: &Path, text: &str) {
    let temp = path.with_extension("ghost.tmp~");
    std::fs::write(&temp, text).expect("write the temp file");
    std::fs::rename(&temp, path).expect("rename it over the spec");
}

#[test]
fn watch_reports_a_broken_spec_on_save_and_the_fix_after() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(dir.path().join("ghost.toml"), "[project]\nname = \"t\"\n").expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, GOOD).expect("write the spec");

    let mut watch = Watcher::start(dir.path(), &["watch", "--message-format", "short"]);
    let is_err =
        |prefix: &'static str| move |l: &Line| matches!(l, Line::Err(t) if t.starts_with(prefix));
    // The watches are in place before the first check starts.
    let first = watch.wait_for("first summary", is_err("ghost: checked"));
    // Nothing is generated in this project: the module is `missing`, which is not an error.
    assert_eq!(first, "ghost: checked 1 module: 0 errors; 1 missing");

    save_like_an_editor(&spec, BROKEN);
    // stdout (the diagnostic) and stderr (the summary) are read by two threads, so they
    // may arrive in either order: wait for the summary, then for the diagnostic if it
    // has not come yet.
    let since = watch.seen.len();
    let summary = watch.wait_for("summary of the broken run", is_err("ghost: checked"));
    assert_eq!(summary, "ghost: checked 1 module: 1 error");
    let already = watch.seen[since..].iter().find_map(|l| match l {
        Line::Out(t) => Some(t.clone()),
        Line::Err(_) => None,
    });
    let diagnostic = match already {
        Some(d) => d,
        None => watch.wait_for("diagnostic", |l| matches!(l, Line::Out(_))),
    };
    assert_eq!(
        diagnostic,
        "specs/text/slug.ghost:2:21: error: unknown type `strr`"
    );

    save_like_an_editor(&spec, GOOD);
    let summary = watch.wait_for("summary of the fixed run", is_err("ghost: checked"));
    assert_eq!(summary, "ghost: checked 1 module: 0 errors; 1 missing");

    // Every run was framed for the problem matcher, and the watcher is still running.
    let begins = watch
        .seen
        .iter()
        .filter(|l| matches!(l, Line::Err(t) if t == "ghost: checking"))
        .count();
    assert_eq!(begins, 3, "{:#?}", watch.seen);
    assert!(
        watch.child.try_wait().expect("poll the child").is_none(),
        "ghost watch exited"
    );
}

/// `example len("hi") == 2` runs none of the module's code: W0301, a warning.
const WEAK: &str = "\
module text.slug {
  fn slugify(title: str) -> str {
    \"Lowercase words joined by '-'.\"
    example slugify(\"Hello World\") == \"hello-world\"
    example len(\"hi\") == 2
  }
}
";

/// `watch -D warnings --build`: a check with warnings says it failed and starts no build;
/// once the spec has none, the build runs.
#[test]
fn watch_denying_warnings_builds_only_without_them() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(dir.path().join("ghost.toml"), "[project]\nname = \"t\"\n").expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, WEAK).expect("write the spec");

    let mut watch = Watcher::start(
        dir.path(),
        &["watch", "-D", "warnings", "--build", "--provider", "manual"],
    );
    let denied = watch.wait_for(
        "the denied warning",
        |l| matches!(l, Line::Err(t) if t.contains("denied by `-D warnings`")),
    );
    assert!(denied.contains("the check failed: 1 warning"), "{denied}");
    let since = watch.seen.len();
    save_like_an_editor(&spec, GOOD);
    watch.wait_for(
        "the build after a check without warnings",
        |l| matches!(l, Line::Err(t) if t.contains("; watching for changes")),
    );
    // The first check started no build: the only build line is the second check's.
    let builds = watch
        .seen
        .iter()
        .filter(|l| matches!(l, Line::Err(t) if t.contains("; watching for changes")))
        .count();
    assert_eq!(builds, 1, "{:#?}", watch.seen);
    assert!(
        !watch.seen[since..]
            .iter()
            .any(|l| matches!(l, Line::Err(t) if t.contains("denied by"))),
        "{:#?}",
        watch.seen
    );
}

/// After a build has run (its runtime takes Ctrl-C and SIGTERM over for the rest of the
/// process), Ctrl-C still ends `ghost watch --build`, with exit code 130.
#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_watch_after_a_build() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(
        dir.path().join("ghost.toml"),
        // An agent that fails at once: the build runs in a runtime, asks and gives up.
        "[project]\nname = \"t\"\n\n[agent]\nprovider = \"command\"\ncommand = \"false\"\nmax_attempts = 1\n",
    )
    .expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, GOOD).expect("write the spec");

    let mut watch = Watcher::start(dir.path(), &["watch", "--build"]);
    watch.wait_for(
        "the end of the first build",
        |l| matches!(l, Line::Err(t) if t.contains("; watching for changes")),
    );
    let pid = watch.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    // `wait` blocks: from a thread, so that a watch that ignores the signal fails the test
    // instead of hanging it.
    let (done, exited) = mpsc::channel();
    let mut child = std::mem::replace(
        &mut watch.child,
        Command::new("true").spawn().expect("a placeholder child"),
    );
    std::thread::spawn(move || {
        let _ = done.send(child.wait());
    });
    let status = exited
        .recv_timeout(SAFETY_NET)
        .expect("ghost watch ended on Ctrl-C")
        .expect("its exit status");
    assert_eq!(status.code(), Some(130), "{:#?}", watch.seen);
}

/// A save that `ghost watch --build` sees while another build holds the project (one run
/// in a terminal) is built once that build ends, not dropped.
#[test]
fn a_watch_build_waits_for_a_build_running_beside_it() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(dir.path().join("ghost.toml"), "[project]\nname = \"t\"\n").expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, GOOD).expect("write the spec");
    // The other build: this test holding the project's build lock.
    std::fs::create_dir_all(dir.path().join(".ghost")).expect("mkdir .ghost");
    let held = std::fs::File::create(dir.path().join(".ghost/build.lock")).expect("lock file");
    held.lock().expect("hold the lock");

    let mut watch = Watcher::start(dir.path(), &["watch", "--build", "--provider", "manual"]);
    watch.wait_for(
        "the wait for the other build",
        |l| matches!(l, Line::Err(t) if t.contains("building when it ends")),
    );
    drop(held);
    let end = watch.wait_for(
        "the end of the build",
        |l| matches!(l, Line::Err(t) if t.contains("; watching for changes")),
    );
    assert!(!end.contains("failed"), "{:#?}", watch.seen);
    assert!(
        dir.path().join(".ghost/prompts/text.slug.md").exists(),
        "the build ran: {:#?}",
        watch.seen
    );
}

/// A ghost.lock that cannot be read stops the check; restoring it (what the error's help
/// says) starts the next one, though the lock is otherwise no change (builds write it).
#[test]
fn watch_checks_again_when_a_broken_lock_is_restored() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(dir.path().join("ghost.toml"), "[project]\nname = \"t\"\n").expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, GOOD).expect("write the spec");
    let lock = dir.path().join("ghost.lock");
    std::fs::write(&lock, "garbage [\n").expect("write a broken lock");

    let mut watch = Watcher::start(dir.path(), &["watch"]);
    let waiting = watch.wait_for(
        "the wait for a fix",
        |l| matches!(l, Line::Err(t) if t.contains("for a fix")),
    );
    assert_eq!(
        waiting,
        "ghost: watching `ghost.lock` and the specs for a fix"
    );
    std::fs::write(&lock, "version = 1\n").expect("restore the lock");
    let summary = watch.wait_for(
        "the check after the fix",
        |l| matches!(l, Line::Err(t) if t.starts_with("ghost: checked")),
    );
    assert_eq!(summary, "ghost: checked 1 module: 0 errors; 1 missing");
}

/// With `--build` and no agent configured a build tests and locks the code on disk, as
/// a manual one does: a save of a module's `imp.rs` starts a run, which locks the edit.
#[test]
fn a_watch_with_no_agent_builds_the_code_the_user_saves() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(
        dir.path().join("ghost.toml"),
        "[project]\nname = \"watch-no-agent\"\n",
    )
    .expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, GOOD).expect("write the spec");
    let imp = dir.path().join("generated/src/text/slug/imp.rs");
    std::fs::create_dir_all(imp.parent().expect("a folder")).expect("mkdir");
    let code = "use super::*;\n\npub fn slugify(title: &str) -> String {\n    title.to_lowercase().split_whitespace().collect::<Vec<_>>().join(\"-\")\n}\n";
    std::fs::write(&imp, code).expect("write the code");

    let mut watch = Watcher::start(dir.path(), &["watch", "--build"]);
    let end_of_build = |l: &Line| matches!(l, Line::Err(t) if t.contains("; watching for changes"));
    let first = watch.wait_for("the end of the first build", end_of_build);
    assert_eq!(
        first, "ghost: built; watching for changes",
        "{:#?}",
        watch.seen
    );
    let lock = std::fs::read_to_string(dir.path().join("ghost.lock")).expect("the lock");

    std::fs::write(&imp, format!("{code}// tuned by hand\n")).expect("edit imp.rs");
    let second = watch.wait_for("the end of the build of the edit", end_of_build);
    assert_eq!(
        second, "ghost: built; watching for changes",
        "{:#?}",
        watch.seen
    );
    let relocked = std::fs::read_to_string(dir.path().join("ghost.lock")).expect("the lock");
    assert_ne!(lock, relocked, "the edit is locked");
}

/// With `--build --provider manual` the user is the agent: saving a module's `imp.rs`
/// starts a run, whose build tests that code and locks it, as `ghost build --provider
/// manual` run by hand would. Ghost's own write there (the first build's stub) starts
/// none: the run after the save is the second.
#[test]
fn a_manual_watch_builds_the_code_the_user_saves() {
    let dir = tempfile::tempdir().expect("create a temp folder");
    std::fs::write(
        dir.path().join("ghost.toml"),
        "[project]\nname = \"watch-manual\"\n",
    )
    .expect("write");
    let spec = dir.path().join("specs/text/slug.ghost");
    std::fs::create_dir_all(spec.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&spec, GOOD).expect("write the spec");

    let mut watch = Watcher::start(dir.path(), &["watch", "--build", "--provider", "manual"]);
    let end_of_build = |l: &Line| matches!(l, Line::Err(t) if t.contains("; watching for changes"));
    let first = watch.wait_for("the end of the first build", end_of_build);
    assert_eq!(
        first, "ghost: build ended with exit code 1; watching for changes",
        "{:#?}",
        watch.seen
    );
    let imp = dir.path().join("generated/src/text/slug/imp.rs");
    assert!(
        std::fs::read_to_string(&imp).is_ok_and(|t| t.contains("todo!()")),
        "the first build wrote the stub"
    );

    let temp = imp.with_extension("rs.tmp~");
    std::fs::write(
        &temp,
        "use super::*;\n\npub fn slugify(title: &str) -> String {\n    title.to_lowercase().split_whitespace().collect::<Vec<_>>().join(\"-\")\n}\n",
    )
    .expect("write the code");
    std::fs::rename(&temp, &imp).expect("rename it over imp.rs");
    let second = watch.wait_for("the end of the build of the saved code", end_of_build);
    assert_eq!(
        second, "ghost: built; watching for changes",
        "{:#?}",
        watch.seen
    );
    let lock = std::fs::read_to_string(dir.path().join("ghost.lock")).expect("the lock");
    assert!(lock.contains("name = \"text.slug\""), "{lock}");
    let runs = watch
        .seen
        .iter()
        .filter(|l| matches!(l, Line::Err(t) if t == "ghost: checking"))
        .count();
    assert_eq!(runs, 2, "{:#?}", watch.seen);

    // The locked code edited by hand (tampered, which `check` calls an error): the
    // manual build adopts the edit, as the check's help says it does.
    let edited = format!(
        "{}// tuned by hand\n",
        std::fs::read_to_string(&imp).expect("read imp.rs")
    );
    std::fs::write(&imp, &edited).expect("edit imp.rs");
    let third = watch.wait_for("the end of the build of the edit", end_of_build);
    assert_eq!(
        third, "ghost: built; watching for changes",
        "{:#?}",
        watch.seen
    );
    let relocked = std::fs::read_to_string(dir.path().join("ghost.lock")).expect("the lock");
    assert_ne!(lock, relocked, "the edit is locked");

    // A changed doc: the build hands out a revision and waits. The code needs no change,
    // so the user saves it as it is, which the next build tests and locks.
    save_like_an_editor(&spec, &GOOD.replace("joined by", "joined with"));
    let waits = watch.wait_for("the end of the build of the new doc", end_of_build);
    assert_eq!(
        waits, "ghost: build ended with exit code 1; watching for changes",
        "{:#?}",
        watch.seen
    );
    std::fs::write(&imp, &edited).expect("save imp.rs unchanged");
    let last = watch.wait_for("the end of the build of the unchanged save", end_of_build);
    assert_eq!(
        last, "ghost: built; watching for changes",
        "{:#?}",
        watch.seen
    );
}
