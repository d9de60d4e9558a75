//! Benchmark of the rules every module's code is held to before its tests run
//! (`verify::refused`: nothing outside memory, no module the spec does not `use`), in
//! process (not a test).
//!
//! `cargo bench --bench code_rules` generates the same 1,000-module project as
//! `benches/check.rs`, gives each module an `imp.rs` that calls the modules it uses by
//! their crate paths, and times the rules over every module, as `ghost test` runs them;
//! then times the reading of one large `imp.rs` for the paths it names
//! (`code_paths::named_paths`): many functions, and blocks nested deep. It prints the
//! median of several runs of each.

mod project_gen;

use ghost::build::code_paths::named_paths;
use ghost::build::unused_modules::ModuleTree;
use ghost::build::verify::refused;
use project_gen::{generate_in, MODULES};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

/// The code of module `i` of the generated project, calling the modules it uses (those
/// `project_gen` gives it) by their paths.
fn imp(i: usize) -> String {
    let mut code = String::from("use super::*;\n\npub fn add(a: i64, b: i64) -> i64 {\n");
    if i == 0 {
        code.push_str("    a + b\n");
    } else {
        code.push_str(&format!(
            "    crate::gen::m{:04}::add(a, 0) + crate::gen::m{:04}::add(0, b)\n",
            i / 2,
            i / 3
        ));
    }
    code.push_str("}\n\npub fn origin() -> Point {\n    Point { x: 0, y: 0 }\n}\n");
    code
}

/// A large `imp.rs`: `functions` functions whose bodies nest blocks `depth` deep, each
/// block calling a module through a `use` and a path.
fn large_imp(functions: usize, depth: usize) -> String {
    let mut code = String::from("use crate::gen::m0001;\nuse super::*;\n");
    for f in 0..functions {
        code.push_str(&format!("pub fn f{f}(x: i64) -> i64 {{\n"));
        for _ in 0..depth {
            code.push_str("if x > 0 { let y = m0001::add(x, 1); crate::gen::m0002::add(y, 2);\n");
        }
        code.push_str("x\n");
        code.push_str(&"}\n".repeat(depth));
        code.push_str("}\n");
    }
    code
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let temp = tempfile::tempdir().expect("create a temp folder");
    let root = generate_in(temp.path());
    let project = ghost::project::Project::discover(&root).expect("the project is found");
    let loaded = project.load_all().expect("the specs load");
    let checked = loaded.check();
    assert!(checked.diagnostics.is_empty(), "the project checks clean");
    let project = checked.project;
    assert_eq!(project.modules.len(), MODULES);
    let codes: Vec<String> = (0..MODULES).map(imp).collect();

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let tree = ModuleTree::of(&project);
        for (k, m) in project.modules.iter().enumerate() {
            let i: usize = m.name["gen.m".len()..].parse().expect("a generated name");
            let verdict = refused(&project, &tree, m, &codes[i]);
            assert!(verdict.is_none(), "module {k} calls only what it uses");
        }
        times.push(start.elapsed());
    }
    println!(
        "the code rules over every module ({MODULES}): median of {RUNS}: {:.1} ms",
        median(times)
    );

    let tree: BTreeSet<Vec<String>> = project
        .modules
        .iter()
        .flat_map(|m| (1..=m.path.len()).map(|k| m.path[..k].to_vec()))
        .collect();
    let module = vec!["gen".to_string(), "m0999".to_string()];
    for (functions, depth) in [(2000, 4), (1, 500), (1, 1000)] {
        let code = large_imp(functions, depth);
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let named = named_paths(&code, &module, &tree);
            times.push(start.elapsed());
            assert_eq!(named.len(), 3, "{named:?}");
        }
        println!(
            "the paths one imp.rs names ({functions} functions, blocks {depth} deep, {} KiB): median of {RUNS}: {:.1} ms",
            code.len() / 1024,
            median(times)
        );
    }
}
