//! Benchmark of `ghost build --concurrency 8`: 16 independent one-function modules, a
//! scripted OpenAI-compatible server on 127.0.0.1 that answers every request after a fixed
//! delay with code that is right at once. If the modules really run at once, the build
//! takes about two delays (16 requests, 8 at a time) plus the time cargo spends testing,
//! not sixteen delays.
//!
//! Four builds of the same project: a warm-up (no delay; compiles what the others reuse),
//! then with `--force` and an emptied response cache, one with no delay (the test time),
//! one with the delay, and one with the delay at `--concurrency 1` for comparison. It
//! prints each wall time and its ratio to one delay.
//!
//! The binary is the one Cargo builds for this benchmark (`CARGO_BIN_EXE_ghost`); the
//! generated crates share the test suite's cargo target folder (`GHOST_TARGET_DIR` set to
//! `ghost-tests-target` in the system temp folder). A measurement, not a test: it asserts
//! only that every build succeeds and asks once per module. Run it with
//! `cargo bench --bench concurrency` (add `--profile dev` to skip a release build of ghost:
//! the figures are dominated by the delay and cargo).

#[allow(dead_code)]
#[path = "../tests/support/server.rs"]
mod server;
#[allow(dead_code)]
#[path = "../tests/support/wire.rs"]
mod wire;

use server::{Answer, Background};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MODULES: usize = 16;
const CONCURRENCY: &str = "8";
const DELAY: Duration = Duration::from_secs(2);

fn spec(i: usize) -> String {
    format!(
        "module bench.m{i:02} {{\n  \"Module {i}.\"\n\n  fn f{i:02}(n: int) -> int {{\n    \"n plus {i}.\"\n    example f{i:02}(1) == {}\n  }}\n}}\n",
        i + 1
    )
}

fn code(i: usize) -> String {
    format!("pub fn f{i:02}(n: i64) -> i64 {{\n    n + {i}\n}}\n")
}

/// Runs `ghost build ARGS` in `root`; returns the wall time.
fn build(root: &Path, concurrency: &str, args: &[&str]) -> Duration {
    let target = std::env::temp_dir().join("ghost-tests-target");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ghost"))
        .arg("build")
        .args(["--concurrency", concurrency])
        .args(args)
        .current_dir(root)
        .env("GHOST_TARGET_DIR", target)
        .env("CARGO_NET_OFFLINE", "true")
        .env("NO_COLOR", "1")
        .env_remove("GHOST_PROVIDER")
        .env_remove("GHOST_MODEL")
        .env_remove("GHOST_BASE_URL")
        .output()
        .expect("run ghost");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "ghost build failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn main() {
    let delay_ms = Arc::new(AtomicU64::new(0));
    let delay = delay_ms.clone();
    let background = Background::start_with(Arc::new(move |seen, _| {
        let prompt = seen.prompt();
        let module = (0..MODULES).find(|i| prompt.contains(&format!("# Module `bench.m{i:02}`")));
        let answer = match module {
            Some(i) => wire::code(seen, &code(i)),
            None => Answer::json(400, r#"{"error":{"message":"no such module"}}"#),
        };
        Answer::Delayed(
            Duration::from_millis(delay.load(Ordering::SeqCst)),
            Box::new(answer),
        )
    }));

    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    std::fs::write(
        root.join("ghost.toml"),
        format!(
            "[project]\nname = \"bench_concurrency\"\n\n[agent]\nprovider = \"openai\"\nmodel = \"bench\"\nbase_url = \"{}\"\n",
            background.server.base_url
        ),
    )
    .expect("write ghost.toml");
    std::fs::create_dir_all(root.join("specs/bench")).expect("mkdir");
    for i in 0..MODULES {
        std::fs::write(root.join(format!("specs/bench/m{i:02}.ghost")), spec(i))
            .expect("write spec");
    }

    let warm_up = build(root, CONCURRENCY, &[]);
    let again = |label: &str, concurrency: &str, delay: Duration| {
        delay_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
        // The response cache would answer identical prompts without asking.
        let _ = std::fs::remove_dir_all(root.join(".ghost/cache"));
        let before = background.server.seen().len();
        let took = build(root, concurrency, &["--force"]);
        let asked = background.server.seen().len() - before;
        assert_eq!(asked, MODULES, "{label}: every module asks once");
        took
    };
    let tests_only = again("no delay", CONCURRENCY, Duration::ZERO);
    let delayed = again("delayed", CONCURRENCY, DELAY);
    let one_at_a_time = again("one at a time", "1", DELAY);

    println!(
        "{MODULES} modules, --concurrency {CONCURRENCY}, server delay {:.1} s",
        DELAY.as_secs_f64()
    );
    println!(
        "  warm-up build (compiles):     {:6.1} s",
        warm_up.as_secs_f64()
    );
    println!(
        "  --force, no delay (tests):    {:6.1} s",
        tests_only.as_secs_f64()
    );
    println!(
        "  --force, {:.0} s delay:           {:6.1} s = {:.1} delays",
        DELAY.as_secs_f64(),
        delayed.as_secs_f64(),
        delayed.as_secs_f64() / DELAY.as_secs_f64()
    );
    println!(
        "  delayed minus tests:          {:6.1} s = {:.1} delays (two rounds of 8 would be 2)",
        delayed.saturating_sub(tests_only).as_secs_f64(),
        delayed.saturating_sub(tests_only).as_secs_f64() / DELAY.as_secs_f64()
    );
    println!(
        "  the same at --concurrency 1:  {:6.1} s = {:.1} delays",
        one_at_a_time.as_secs_f64(),
        one_at_a_time.as_secs_f64() / DELAY.as_secs_f64()
    );
}
