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

const MODULES: usize = 1000;
const RUNS: usize = 7;

/// The text of module `i`: it uses up to two earlier modules.
fn module(i: usize) -> String {
    let mut s = String::new();
    let name = format!("gen.m{i:04}");
    let w = |s: &mut String, line: &str| {
        s.push_str(line);
        s.push('\n');
    };
    w(&mut s, &format!("module {name} {{"));
    w(
        &mut s,
        &format!("  \"Generated module {i}: a little of every clause kind.\""),
    );
    // `i/2` and `i/3`: a realistic layered graph in which one module reaches a few dozen
    // others, not the whole project.
    let mut deps: Vec<usize> = if i == 0 { vec![] } else { vec![i / 2, i / 3] };
    deps.dedup();
    for d in &deps {
        w(&mut s, &format!("  use gen.m{d:04}"));
    }
    w(&mut s, "");
    w(&mut s, "  record Point {");
    w(&mut s, "    \"A point on a grid.\"");
    w(&mut s, "    x: int,");
    w(&mut s, "    y: int,");
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  enum Shape {");
    w(&mut s, "    Dot");
    w(&mut s, "    Circle(int)");
    w(&mut s, "    Rect(int, int)");
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  error ParseError {");
    w(&mut s, "    Empty");
    w(&mut s, "    Bad(str)");
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  fn add(a: int, b: int) -> int {");
    w(&mut s, "    \"Adds two numbers.\"");
    w(&mut s, "    requires a < 1000000 && b < 1000000");
    w(&mut s, "    example add(1, 2) == 3");
    w(&mut s, "    example add(-1, 1) == 0");
    w(&mut s, "    ensures result == a + b");
    w(&mut s, "    property commutes: forall x: int in -1000..1000, y: int in -1000..1000 => add(x, y) == add(y, x)");
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  fn parse(s: str) -> result<int, ParseError> {");
    w(&mut s, "    example parse(\"\") == err(ParseError.Empty)");
    w(
        &mut s,
        "    example parse(\"x\") == err(ParseError.Bad(\"x\"))",
    );
    w(&mut s, "    example parse(\"12\") == ok(12)");
    w(
        &mut s,
        "    property forall n: int in 0..1000 => parse(to_str(n)) == ok(n)",
    );
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  fn area(shape: Shape) -> int {");
    w(&mut s, "    example area(Shape.Dot) == 0");
    w(&mut s, "    example area(Shape.Rect(2, 3)) == 6");
    w(&mut s, "  }");
    w(&mut s, "");
    w(
        &mut s,
        "  fn origin() -> Point { example origin() == Point { x: 0, y: 0 } }",
    );
    w(&mut s, "");
    w(
        &mut s,
        "  fn names(xs: list<str>, m: map<str, int>) -> option<str> {",
    );
    w(
        &mut s,
        "    example names([\"a\"], {\"a\": 1}) == some(\"a\")",
    );
    w(
        &mut s,
        "    example len(repeat(\"ab\", 3)) == 6 && contains([1, 2], 2)",
    );
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  type Counter {");
    w(
        &mut s,
        "    fn new(start: int) -> Counter { requires start >= 0 }",
    );
    w(&mut s, "    fn bump(mut self)");
    w(&mut s, "    fn get(self) -> int");
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  scenario \"counts up\" {");
    w(&mut s, "    let c = Counter.new(1)");
    w(&mut s, "    c.bump()");
    w(&mut s, "    expect c.get() == 2");
    w(&mut s, "  }");
    w(&mut s, "");
    w(&mut s, "  snapshot \"a counter\" { Counter.new(3) }");
    w(&mut s, "");
    w(&mut s, "  nfr \"Never panics.\"");
    w(&mut s, "  nfr forbid unsafe");
    w(&mut s, "  nfr deps []");
    w(&mut s, "  nfr perf add(1, 2) < 1ms");
    w(&mut s, "  nfr max_lines 200");
    w(&mut s, "  nfr lint");
    w(&mut s, "}");
    s
}

fn generate(root: &Path) {
    std::fs::write(root.join("ghost.toml"), "[project]\nname = \"bench\"\n")
        .expect("write ghost.toml");
    let dir = root.join("specs/gen");
    std::fs::create_dir_all(&dir).expect("create specs/gen");
    for i in 0..MODULES {
        std::fs::write(dir.join(format!("m{i:04}.ghost")), module(i)).expect("write a module");
    }
}

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
    // GHOST_BENCH_DIR keeps the generated project in a folder of your choice, for
    // profiling; by default it lives in a temp folder that is removed afterwards.
    let temp = tempfile::tempdir().expect("create a temp folder");
    let root =
        std::env::var_os("GHOST_BENCH_DIR").map_or_else(|| temp.path().to_path_buf(), Into::into);
    std::fs::create_dir_all(&root).expect("create the project folder");
    generate(&root);
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
