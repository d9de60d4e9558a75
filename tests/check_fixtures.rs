//! The checker over the fixture corpus in `tests/fixtures`.
//!
//! `valid/*.ghost` are checked together as one project (they may `use` each other) and
//! must come out without errors (their warnings are snapshotted); each gets a snapshot of its AST and of its checked module.
//! `invalid/*.ghost` are checked one by one; each is named after the code it must
//! produce (`e0201_unknown_type.ghost`, `w0301_tests_nothing.ghost` for a warning) and gets a snapshot of its rendered diagnostics.
//! A folder under `valid/` or `invalid/` is a specs root: module names come from paths.

use ghost::check::{check_parsed, Project, SpecFile};
use ghost::diagnostics::render::{render, Format, Sources};
use ghost::diagnostics::{self, Diagnostic};
use std::path::{Path, PathBuf};

const ROOT: &str = "tests/fixtures";

/// Parsed files, their syntax diagnostics and their texts.
struct Loaded {
    specs: Vec<SpecFile>,
    diags: Vec<Diagnostic>,
    sources: Sources,
}

/// `files`: (path relative to the crate, the module name its place implies).
fn load(files: &[(PathBuf, Option<String>)]) -> Loaded {
    let mut loaded = Loaded {
        specs: Vec::new(),
        diags: Vec::new(),
        sources: Sources::new(),
    };
    for (file, expected_module) in files {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .expect("fixture is readable");
        let (ast, diags) = ghost::syntax::parse_bytes(file, &bytes);
        let text = String::from_utf8(bytes).unwrap_or_default();
        loaded.sources.insert(file.clone(), text.clone());
        loaded.diags.extend(diags);
        loaded.specs.push(SpecFile {
            file: file.clone(),
            expected_module: expected_module.clone(),
            text,
            ast,
        });
    }
    loaded
}

/// Parses and checks; every diagnostic, sorted, and the project.
fn run(files: &[(PathBuf, Option<String>)]) -> (Loaded, Project, Vec<Diagnostic>) {
    let mut loaded = load(files);
    let (project, check_diags) = check_parsed(&loaded.specs, &loaded.diags);
    let mut all = std::mem::take(&mut loaded.diags);
    all.extend(check_diags);
    diagnostics::sort(&mut all);
    (loaded, project, all)
}

fn entries(dir: &str) -> Vec<PathBuf> {
    let abs = Path::new(env!("CARGO_MANIFEST_DIR")).join(ROOT).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&abs)
        .expect("fixture folder exists")
        .map(|e| {
            Path::new(ROOT)
                .join(dir)
                .join(e.expect("readable entry").file_name())
        })
        .collect();
    out.sort();
    out
}

/// Every `.ghost` file under a specs root, with the module name its path implies.
fn project_files(root: &Path) -> Vec<(PathBuf, Option<String>)> {
    let abs_root = Path::new(env!("CARGO_MANIFEST_DIR")).join(root);
    let mut out: Vec<(PathBuf, Option<String>)> = walkdir::WalkDir::new(&abs_root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "ghost"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&abs_root)
                .expect("under the root")
                .with_extension("");
            let module = rel
                .iter()
                .map(|s| s.to_string_lossy())
                .collect::<Vec<_>>()
                .join(".");
            (
                root.join(e.path().strip_prefix(&abs_root).expect("under the root")),
                Some(module),
            )
        })
        .collect();
    out.sort();
    out
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn valid_fixtures_check_clean() {
    let files: Vec<(PathBuf, Option<String>)> = entries("valid")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "ghost"))
        .map(|p| (p, None))
        .collect();
    assert!(files.len() >= 3, "the valid corpus is there");
    let (loaded, project, diags) = run(&files);
    let rendered = render(&diags, &loaded.sources, Format::Human, false);
    assert!(
        !diags.iter().any(Diagnostic::is_error),
        "valid fixtures must check without errors:\n{rendered}"
    );
    // The corpus exercises the language, not good tests: some of its clauses test
    // nothing of the code, and are warned of (which does not make a spec invalid).
    insta::assert_snapshot!(
        "valid_warnings",
        render(&diags, &loaded.sources, Format::Short, false)
    );
    for spec in &loaded.specs {
        let name = stem(&spec.file);
        let module = spec.ast.module.as_ref().expect("a module");
        let model = project
            .module(&module.path.dotted())
            .expect("every valid module is kept");
        insta::assert_yaml_snapshot!(format!("valid_ast__{name}"), module);
        insta::assert_yaml_snapshot!(format!("valid_model__{name}"), model);
    }
    assert_eq!(project.modules.len(), loaded.specs.len());
}

#[test]
fn valid_projects_check_clean() {
    for dir in entries("valid")
        .into_iter()
        .filter(|p| p.extension().is_none())
    {
        let (loaded, project, diags) = run(&project_files(&dir));
        let rendered = render(&diags, &loaded.sources, Format::Human, false);
        assert!(
            diags.is_empty(),
            "{}: must check clean:\n{rendered}",
            dir.display()
        );
        let order: Vec<&str> = project.modules.iter().map(|m| m.name.as_str()).collect();
        insta::assert_yaml_snapshot!(format!("valid_project__{}", stem(&dir)), order);
    }
}

/// `e0201_unknown_type` -> `E0201`
fn code_of(name: &str) -> String {
    name.split('_').next().expect("a name").to_uppercase()
}

#[test]
fn invalid_fixtures_report_their_code() {
    let all = entries("invalid");
    assert!(all.len() >= 25, "one invalid fixture per diagnostic kind");
    for path in all {
        let name = stem(&path);
        let files = if path.extension().is_some() {
            vec![(path.clone(), None)]
        } else {
            project_files(&path)
        };
        let (loaded, project, diags) = run(&files);
        let rendered = render(&diags, &loaded.sources, Format::Human, false);
        let code = code_of(&name);
        assert!(
            diags.iter().any(|d| d.code() == code),
            "{name}: expected {code}, got:\n{rendered}"
        );
        let kept: Vec<&str> = project.modules.iter().map(|m| m.name.as_str()).collect();
        let shown = format!("kept modules: {kept:?}\n\n{rendered}");
        insta::assert_snapshot!(format!("invalid__{name}"), shown);
    }
}
