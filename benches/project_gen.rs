//! The generated benchmark project: 1,000 modules of about 70 lines, with `use`s between
//! them and every clause kind. Shared by the `check` and `compile` benchmarks.

use std::path::{Path, PathBuf};

/// How many modules the project has.
pub const MODULES: usize = 1000;

/// The text of module `i`.
pub fn module(i: usize) -> String {
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
        "    example len(repeat(\"ab\", add(1, 2))) == 6 && contains([1, 2], 2)",
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

/// Writes the project (ghost.toml and every spec) under `root`.
pub fn generate(root: &Path) {
    std::fs::write(root.join("ghost.toml"), "[project]\nname = \"bench\"\n")
        .expect("write ghost.toml");
    let dir = root.join("specs/gen");
    std::fs::create_dir_all(&dir).expect("create specs/gen");
    for i in 0..MODULES {
        std::fs::write(dir.join(format!("m{i:04}.ghost")), module(i)).expect("write a module");
    }
}

/// Where a benchmark generates the project: `GHOST_BENCH_DIR`, a folder of your choice
/// kept for profiling, or by default `temp` (a temp folder removed afterwards).
pub fn generate_in(temp: &Path) -> PathBuf {
    let root = std::env::var_os("GHOST_BENCH_DIR").map_or_else(|| temp.to_path_buf(), Into::into);
    std::fs::create_dir_all(&root).expect("create the project folder");
    generate(&root);
    root
}
