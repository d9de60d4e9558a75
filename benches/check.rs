//! Benchmark of `ghost check`: generates a project of 1,000 modules (about 60 lines each,
//! every clause kind, `use`s between them) in a temp folder and runs the real `ghost`
//! binary on it, for the whole project and for one file, several times each, printing
//! the median wall-clock time of each.
//!
//! The binary is the one Cargo builds for this benchmark (`CARGO_BIN_EXE_ghost`, which
//! Cargo sets for benchmarks as for integration tests), so the figures include process
//! start-up, as a user or an editor's save hook sees them. Run it with
//! `cargo bench --bench check`; it is a measurement, not a test: it asserts only that the
//! generated project checks clean.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

/// The text of module `i`: it uses up to two earlier modules.
mod project_gen;
use project_gen::{generate_in, module, MODULES};

/// Runs `ghost ARGS` in `root` `RUNS` times; returns the median.
fn time(root: &Path, args: &[&str]) -> Duration {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ghost"))
            .current_dir(root)
            .args(args)
            .output()
            .expect("run ghost");
        times.push(start.elapsed());
        assert!(
            out.status.success(),
            "ghost {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let temp = tempfile::tempdir().expect("create a temp folder");
    let root = generate_in(temp.path());
    let lines: usize = (0..MODULES).map(|i| module(i).lines().count()).sum();
    println!("project: {MODULES} modules, {lines} lines");
    let whole = time(&root, &["check", "-q"]);
    println!(
        "ghost check (whole project): median of {RUNS}: {:.1} ms",
        whole.as_secs_f64() * 1e3
    );
    let one = format!("specs/gen/m{:04}.ghost", MODULES - 1);
    let single = time(&root, &["check", "-q", &one]);
    println!(
        "ghost check {one} (one file and its uses): median of {RUNS}: {:.1} ms",
        single.as_secs_f64() * 1e3
    );
}
