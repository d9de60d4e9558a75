//! Benchmark of the commands run on a locked project, every module fresh: `ghost check`
//! (whole project and one file), `ghost status`, `ghost fmt --check` and a `ghost build`
//! with nothing to do, each run several times with the real binary; prints the median
//! wall-clock time of each.
//!
//! The project is `benches/check.rs`'s 1,000 modules (without their snapshots, which only
//! a test run pins), locked without cargo: `ghost build --provider manual` writes the
//! crate, each `imp.rs` gets code, and the lock is written here from the compiled
//! fingerprints, as a build that accepted that code would have. Nothing is compiled or
//! tested, so the figures are ghost's own work: parsing, checking, compiling every
//! module, comparing the crate on disk with it. Run it with `cargo bench --bench locked`;
//! it asserts only that every module is fresh.

mod project_gen;

use ghost::build::session::entry_for;
use ghost::compile::prompt::Templates;
use ghost::compile::{self, TargetSettings};
use ghost::plan::Lock;
use project_gen::{generate_in, MODULES};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

/// Runs `ghost ARGS` in `root`.
fn ghost(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ghost"))
        .current_dir(root)
        .args(args)
        .output()
        .expect("run ghost")
}

/// Runs `ghost ARGS` in `root` `RUNS` times, each expected to exit with `code`; returns
/// the median.
fn time(root: &Path, args: &[&str], code: i32) -> Duration {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = ghost(root, args);
        times.push(start.elapsed());
        assert_eq!(
            out.status.code(),
            Some(code),
            "ghost {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort();
    times[RUNS / 2]
}

/// The generated project without its snapshots: a pinned value exists only once a test
/// run printed it, and a module whose pin is missing is stale.
fn without_snapshots(root: &Path) {
    for i in 0..MODULES {
        let path = root.join(format!("specs/gen/m{i:04}.ghost"));
        let text = std::fs::read_to_string(&path).expect("read a module");
        let text = text.replace("  snapshot \"a counter\" { Counter.new(3) }\n", "");
        std::fs::write(&path, text).expect("write a module");
    }
}

/// Writes code into every module's `imp.rs` and a lock that accepted it, from the
/// fingerprints the compiler gives (as `ghost build` computes them).
fn lock_without_cargo(root: &Path) {
    // Canonical specs, so that `fmt --check` has nothing to say, as in a tidy project.
    assert!(ghost(root, &["fmt"]).status.success(), "ghost fmt");
    // Writes the crate (stubs included) and a prompt per module; every module waits.
    let out = ghost(root, &["build", "--provider", "manual", "-q"]);
    assert_eq!(out.status.code(), Some(1), "every module waits for code");
    let project = ghost::project::Project::discover(root).expect("the project is found");
    let loaded = project.load_all().expect("the specs load");
    let checked = loaded.check();
    assert!(checked.diagnostics.is_empty(), "the project checks clean");
    let canonical = loaded.canonical();
    let settings = TargetSettings {
        crate_name: "bench".into(),
        ..TargetSettings::default()
    };
    let compiled = compile::compile(
        &checked.project,
        &canonical,
        &settings,
        &Templates::builtin_version(),
    );
    let mut lock = Lock::default();
    for m in &compiled.modules {
        // Not the stub (ghost tells an untouched one by its `todo!()`s): code someone
        // wrote. It is never compiled here.
        let code = m.stub.replace("todo!()", "unimplemented!()");
        std::fs::write(root.join("generated").join(&m.imp_path), &code).expect("write imp.rs");
        lock.upsert(entry_for(m, code.as_bytes(), None));
    }
    lock.write(&root.join("ghost.lock"))
        .expect("write ghost.lock");
    let out = ghost(root, &["check"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains(&format!("{MODULES} fresh")),
        "every module is fresh:\n{said}"
    );
}

fn main() {
    let temp = tempfile::tempdir().expect("create a temp folder");
    let root = generate_in(temp.path());
    without_snapshots(&root);
    lock_without_cargo(&root);
    println!("project: {MODULES} modules, locked, every module fresh");
    let one = format!("specs/gen/m{:04}.ghost", MODULES - 1);
    let commands: [(&str, &[&str]); 5] = [
        ("ghost check", &["check", "-q"]),
        ("ghost check FILE", &["check", "-q", &one]),
        ("ghost status", &["status"]),
        ("ghost fmt --check", &["fmt", "--check"]),
        ("ghost build (nothing to do)", &["build", "-q"]),
    ];
    for (what, args) in commands {
        let median = time(&root, args, 0);
        println!(
            "{what}: median of {RUNS}: {:.1} ms",
            median.as_secs_f64() * 1e3
        );
    }
}
