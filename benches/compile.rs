//! Benchmark: compiling a 1,000-module project, in process (not a test).
//!
//! `cargo bench --bench compile` generates the same project as `benches/check.rs`, loads
//! and checks it once, then times the compiler over all of it: every module's generated
//! files (interface, `mod.rs`, stub, acceptance tests), fingerprints, and first prompt.
//! It prints the median of several runs.

mod project_gen;

use ghost::compile::prompt::{self, Templates};
use ghost::compile::{self, TargetSettings};
use project_gen::{generate_in, MODULES};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn main() {
    let temp = tempfile::tempdir().expect("create a temp folder");
    let root = generate_in(temp.path());
    let project = ghost::project::Project::discover(&root).expect("the project is found");
    let loaded = project.load_all().expect("the specs load");
    let checked = loaded.check();
    assert!(
        checked.diagnostics.is_empty(),
        "the generated project checks clean"
    );
    assert_eq!(checked.project.modules.len(), MODULES);
    let canonical = loaded.canonical();
    let templates = Templates::builtin();
    let settings = TargetSettings::default();

    let mut files_times = Vec::new();
    let mut prompt_times = Vec::new();
    let mut bytes = (0, 0);
    for _ in 0..RUNS {
        let start = Instant::now();
        let compiled = compile::compile(
            &checked.project,
            &canonical,
            &settings,
            &templates.version(),
        );
        files_times.push(start.elapsed());
        bytes.0 = compiled
            .all_files()
            .iter()
            .map(|f| f.contents.len())
            .sum::<usize>();
        let start = Instant::now();
        let mut prompt_bytes = 0;
        for m in &checked.project.modules {
            prompt_bytes += prompt::render_first(&templates, &checked.project, m, &[])
                .expect("renders")
                .len();
        }
        prompt_times.push(start.elapsed());
        bytes.1 = prompt_bytes;
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    println!("project: {MODULES} modules");
    println!(
        "compile (crate files, acceptance tests, fingerprints): median of {RUNS}: {:.1} ms, {} KiB",
        median(files_times),
        bytes.0 / 1024
    );
    println!(
        "first prompts of every module: median of {RUNS}: {:.1} ms, {} KiB",
        median(prompt_times),
        bytes.1 / 1024
    );
}
