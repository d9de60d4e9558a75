//! The Rust target: snapshots of the generated crate for the valid fixtures,
//! determinism, and proof that the generated acceptance tests bite (see `accept`).

mod accept;

use ghost::compile::rust::{crate_files, interface, is_generated_header, GeneratedFile, Owner};
use ghost::compile::TargetSettings;

fn settings() -> TargetSettings {
    TargetSettings {
        crate_name: "demo".into(),
        ..TargetSettings::default()
    }
}

fn render(files: &[GeneratedFile]) -> String {
    let mut out = String::new();
    for f in files {
        let owner = match f.owner {
            Owner::Compiler => "compiler",
            Owner::AgentStub => "agent stub",
        };
        out.push_str(&format!(
            "===== {} ({owner})\n{}",
            f.path.display(),
            f.contents
        ));
    }
    out
}

#[test]
fn generated_crate_of_the_valid_fixtures() {
    let project = checked_valid_fixtures();
    let files = crate_files(&project, &settings());
    let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert!(
        paths.contains(&"tests/cache_lru.rs".to_string()),
        "{paths:?}"
    );
    insta::assert_snapshot!("valid_fixtures_crate", render(&files));
    // The build overwrites the crate's root files only when their header says ghost
    // wrote them: the headers and the check must agree.
    for root in ["Cargo.toml", "src/lib.rs"] {
        let file = files
            .iter()
            .find(|f| f.path == std::path::Path::new(root))
            .expect("a root file");
        let first = file.contents.lines().next().unwrap_or_default();
        assert!(is_generated_header(first), "{root}: {first}");
    }
    assert!(!is_generated_header("[package]"));
}

#[test]
fn interfaces_of_the_valid_fixtures() {
    let project = checked_valid_fixtures();
    let mut out = String::new();
    for m in &project.modules {
        out.push_str(&interface(&project, m));
        out.push('\n');
    }
    assert!(
        out.contains("pub fn slugify(title: &str) -> String;"),
        "{out}"
    );
    insta::assert_snapshot!("valid_fixtures_interfaces", out);
}

#[test]
fn generating_is_deterministic_and_independent_of_the_spec_folder() {
    let project = checked_valid_fixtures();
    let first = crate_files(&project, &settings());
    let second = crate_files(&project, &settings());
    assert_eq!(first, second);
    let mut moved = project.clone();
    for m in &mut moved.modules {
        m.file = std::path::Path::new("/elsewhere/entirely").join(&m.file);
    }
    assert_eq!(crate_files(&moved, &settings()), first);
}

/// Golden outputs must also build: the crate of the valid fixtures, with the stubs,
/// compiles its library and all its test targets without a single warning.
#[test]
fn valid_fixtures_crate_builds_without_warnings() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let project = checked_valid_fixtures();
    for file in crate_files(&project, &settings()) {
        let path = tmp.path().join(&file.path);
        std::fs::create_dir_all(path.parent().expect("files sit in folders")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write");
    }
    if let Ok(dir) = std::env::var("GHOST_KEEP_GENERATED") {
        let _ = std::fs::remove_dir_all(&dir);
        let _ = copy_dir(tmp.path(), std::path::Path::new(&dir));
    }
    // The fixtures' `nfr deps` name crates that are not in the offline registry; the
    // stubs use none of them, so the check builds without.
    let manifest = tmp.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let (head, tail) = text
        .split_once("[dependencies]\n")
        .expect("a dependencies table");
    let tail = &tail[tail.find("\n\n").expect("a blank line after the table")..];
    std::fs::write(&manifest, format!("{head}[dependencies]\n{tail}")).expect("manifest");
    let (passed, output) = accept::cargo(tmp.path(), &["test", "--no-run"], "no");
    assert!(passed, "the generated crate must build:\n{output}");
    assert!(
        !output.contains("warning"),
        "the generated crate must build without warnings:\n{output}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The valid fixtures (single files) parsed and checked as one project.
fn checked_valid_fixtures() -> ghost::check::Project {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("valid fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ghost"))
        .collect();
    paths.sort();
    let mut specs = Vec::new();
    let mut syntax = Vec::new();
    for path in paths {
        let rel = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .expect("inside")
            .to_path_buf();
        let text = std::fs::read_to_string(&path).expect("readable");
        let (ast, diags) = ghost::syntax::parse(&rel, &text);
        syntax.extend(diags);
        specs.push(ghost::check::SpecFile {
            file: rel,
            expected_module: None,
            text,
            ast,
        });
    }
    let (project, diags) = ghost::check::check_parsed(&specs, &syntax);
    // Warnings allowed: some of the fixtures' clauses test nothing of the code, on purpose.
    assert!(
        syntax.is_empty() && !diags.iter().any(|d| d.is_error()),
        "{syntax:?} {diags:?}"
    );
    project
}
