//! Benchmark of re-locking: every module of a locked project stale at once (as a new
//! ghost, whose key is part of each module's spec fingerprint, leaves it) with its code
//! on disk still passing, and a build that tests that code and locks it again, asking no
//! agent. Prints the wall-clock time of the manual build and of the agent's (pointed at
//! a port nothing listens on: a request would fail the run), each the median of a few
//! runs on the same target folder, so cargo compiles nothing after the first.
//!
//! `cargo bench --bench relock`. It asserts that every module is re-locked and fresh.

#[path = "../tests/support/aged.rs"]
mod aged;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Modules in the project: each with an example and a property, so each has a test
/// binary of its own to build and run.
const MODULES: usize = 40;
const RUNS: usize = 3;

fn ghost(root: &Path, args: &[&str], agent: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ghost"));
    command.current_dir(root).args(args);
    if agent {
        command
            .env("GHOST_PROVIDER", "openai")
            .env("GHOST_MODEL", "none")
            .env("GHOST_BASE_URL", "http://127.0.0.1:9/v1");
    }
    command.output().expect("run ghost")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A project of [`MODULES`] modules with right code, locked by a manual build.
fn locked_project(root: &Path) {
    std::fs::write(
        root.join("ghost.toml"),
        "[project]\nname = \"relock_bench\"\n",
    )
    .expect("write ghost.toml");
    for i in 0..MODULES {
        let spec = format!(
            "module gen.m{i} {{\n  fn add{i}(a: int, b: int) -> int {{\n    requires a > -1000000 && a < 1000000 && b > -1000000 && b < 1000000\n    example add{i}(1, 2) == 3\n    property forall x: int in -100..100, y: int in -100..100 => add{i}(x, y) == add{i}(y, x)\n  }}\n}}\n"
        );
        let code =
            format!("use super::*;\n\npub fn add{i}(a: i64, b: i64) -> i64 {{\n    a + b\n}}\n");
        let spec_path = root.join(format!("specs/gen/m{i}.ghost"));
        let imp_path = root.join(format!("generated/src/gen/m{i}/imp.rs"));
        for (path, text) in [(spec_path, spec), (imp_path, code)] {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }
    ok(
        &ghost(root, &["build", "--provider", "manual", "-q"], false),
        "the first build",
    );
}

/// Every entry's spec fingerprint replaced, as an older ghost's would differ.
fn age(root: &Path) {
    let path = root.join("ghost.lock");
    let lock = std::fs::read_to_string(&path).expect("read the lock");
    std::fs::write(&path, aged::aged_lock(&lock)).expect("write the lock");
}

fn time(root: &Path, args: &[&str], agent: bool) -> Duration {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        age(root);
        let start = Instant::now();
        let out = ghost(root, args, agent);
        times.push(start.elapsed());
        ok(&out, &format!("ghost {args:?}"));
        // Every module fresh again (`status` exits 1 otherwise).
        ok(&ghost(root, &["status"], false), "status after the build");
    }
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let temp = tempfile::tempdir().expect("create a temp folder");
    let root = temp.path();
    locked_project(root);
    println!("project: {MODULES} modules, locked; each run finds every module stale");
    let builds: [(&str, &[&str], bool); 2] = [
        (
            "ghost build --provider manual",
            &["build", "--provider", "manual"],
            false,
        ),
        ("ghost build (an agent configured)", &["build"], true),
    ];
    for (what, args, agent) in builds {
        let median = time(root, args, agent);
        println!("{what}: median of {RUNS}: {:.2} s", median.as_secs_f64());
    }
    ok(
        &ghost(root, &["build", "--locked", "-q"], false),
        "build --locked",
    );
}
