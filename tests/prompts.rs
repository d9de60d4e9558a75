//! Prompts over the fixture corpus: the first and a repair prompt of every valid module,
//! snapshotted, and template overrides.

use ghost::check::{check, Project, SpecFile};
use ghost::compile::prompt::{
    diff, render_first, render_fresh, render_repair, PromptError, RepairContext, Templates,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const VALID: &str = "tests/fixtures/valid";

/// Parses and checks `files` (path relative to the crate, the module its place implies).
fn check_files(files: &[(PathBuf, Option<String>)]) -> Project {
    let specs: Vec<SpecFile> = files
        .iter()
        .map(|(file, expected_module)| {
            let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
                .expect("fixture is readable");
            let (ast, diags) = ghost::syntax::parse_bytes(file, &bytes);
            assert!(
                diags.is_empty(),
                "{}: valid fixtures parse clean",
                file.display()
            );
            let text = String::from_utf8(bytes).expect("valid fixtures are UTF-8");
            SpecFile {
                file: file.clone(),
                expected_module: expected_module.clone(),
                text,
                ast,
            }
        })
        .collect();
    let (project, diags) = check(&specs);
    // Warnings allowed: some of the corpus's clauses test nothing of the code, on purpose.
    assert!(
        !diags.iter().any(|d| d.is_error()),
        "valid fixtures check without errors: {diags:?}"
    );
    project
}

/// The projects of the valid corpus: the loose files together, and each folder alone.
fn projects() -> Vec<Project> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(VALID);
    let mut loose = Vec::new();
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(&root).expect("the valid corpus exists") {
        let name = entry.expect("readable entry").file_name();
        let rel = Path::new(VALID).join(&name);
        if rel.extension().is_some_and(|x| x == "ghost") {
            loose.push((rel, None));
        } else if root.join(&name).is_dir() {
            folders.push(rel);
        }
    }
    loose.sort();
    folders.sort();
    let mut out = vec![check_files(&loose)];
    for folder in folders {
        let abs = Path::new(env!("CARGO_MANIFEST_DIR")).join(&folder);
        let mut files: Vec<(PathBuf, Option<String>)> = walkdir::WalkDir::new(&abs)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "ghost"))
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&abs)
                    .expect("under the folder")
                    .to_path_buf();
                let module = rel
                    .with_extension("")
                    .iter()
                    .map(|s| s.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(".");
                (folder.join(rel), Some(module))
            })
            .collect();
        files.sort();
        out.push(check_files(&files));
    }
    out
}

/// A plausible failed attempt, as the build loop would report it.
fn repair_for(imp_path: &str) -> RepairContext {
    let before = "use super::*;\n\npub fn placeholder() {\n    todo!()\n}\n";
    let previous =
        "use super::*;\n\npub fn placeholder() {\n    // first try\n    unimplemented!()\n}\n";
    let failures =
        "   Compiling generated v0.1.0 (/tmp/g)\n    Finished `test` profile in 0.5s\n     \
        Running tests/x.rs\n\nrunning 2 tests\ntest passes ... ok\ntest example_1 ... FAILED\n\n\
        failures:\n\n---- example_1 stdout ----\nthread 'example_1' panicked at tests/x.rs:9:5:\n\
        assertion `left == right` failed\n  left: \"a\"\n right: \"b\"\n\
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\n\
        failures:\n    example_1\n\ntest result: FAILED. 1 passed; 1 failed; 0 ignored\n";
    let compiler = format!(
        "warning: unused variable: `x`\n --> {imp_path}:3:9\n\nerror[E0425]: cannot find value `y` in this scope\n \
         --> {imp_path}:4:5\n  |\n4 |     y\n  |     ^ not found in this scope\n\n\
         error: could not compile `generated` (lib) due to 1 previous error\n"
    );
    RepairContext {
        attempt: 3,
        previous_code: previous.to_string(),
        rewrite: Vec::new(),
        failures: vec![failures.to_string()],
        compiler_errors: vec![compiler],
        last_diff: Some(diff(before, previous)),
        shrink: 0,
        spec_changes: None,
        whole_file: false,
    }
}

#[test]
fn prompts_of_every_valid_module() {
    let templates = Templates::builtin();
    let mut seen = 0;
    for project in projects() {
        for module in &project.modules {
            let first =
                render_first(&templates, &project, module, &[]).expect("built-in templates render");
            assert!(
                first.contains(&format!("module `{}`", module.name)),
                "{}: the prompt names its module",
                module.name
            );
            for f in module
                .functions
                .iter()
                .chain(module.types.iter().flat_map(|t| &t.methods))
            {
                for c in f.requires.iter().chain(&f.ensures) {
                    assert!(
                        first.contains(c.source.trim()),
                        "{}: quotes `{}` as written",
                        module.name,
                        c.source
                    );
                }
                // Examples as the tests check them: one Rust assertion each.
                let asserts = ghost::compile::rust::example_asserts(module, f);
                assert_eq!(asserts.len(), f.examples.len());
                for a in asserts {
                    assert!(first.contains(&a), "{}: shows `{a}`", module.name);
                }
            }
            assert_eq!(
                first,
                render_first(&templates, &project, module, &[]).expect("renders"),
                "deterministic"
            );
            let imp_path = format!("src/{}/imp.rs", module.path.join("/"));
            let repair = render_repair(&templates, &project, module, &repair_for(&imp_path), &[])
                .expect("renders");
            let module_part = &first[..first
                .rfind("Reply with ONE")
                .expect("a closing instruction")];
            assert!(
                repair.starts_with(module_part),
                "{}: repair starts with the first prompt's module part",
                module.name
            );
            assert!(
                repair.contains("cannot find value `y`") && !repair.contains("Compiling"),
                "trimmed output"
            );
            let name = module.name.replace('.', "_");
            insta::assert_snapshot!(format!("prompt_first__{name}"), first);
            insta::assert_snapshot!(format!("prompt_repair__{name}"), repair);
            seen += 1;
        }
    }
    assert!(seen >= 5, "the corpus has modules");
}

/// A fresh start after failed attempts: the first prompt, and the lessons of those
/// attempts before its closing instruction; with no lessons, the first prompt itself.
#[test]
fn a_fresh_prompt_is_the_first_with_the_lessons_before_its_instruction() {
    let project = slug_project();
    let module = project.module("text.slug").expect("checked");
    let templates = Templates::builtin();
    let first = render_first(&templates, &project, module, &[]).expect("renders");
    assert_eq!(
        render_fresh(&templates, &project, module, &[], &[]).expect("renders"),
        first
    );
    let lessons = [
        "`example slugify(\"A b\") == \"a-b\"` does not hold, left: \"a b\", right: \"a-b\""
            .to_string(),
        "did not compile: error[E0599]: no method named `lowercase` found for reference `&str`"
            .to_string(),
    ];
    let fresh = render_fresh(&templates, &project, module, &lessons, &[]).expect("renders");
    let module_part = &first[..first.rfind("Reply with ONE").expect("an instruction")];
    assert!(fresh.starts_with(module_part), "the same cacheable prefix");
    insta::assert_snapshot!(&fresh[module_part.len()..]);
}

fn slug_project() -> Project {
    check_files(&[(Path::new(VALID).join("slug.ghost"), None)])
}

#[test]
fn template_override_replaces_the_builtin() {
    let project = slug_project();
    let module = project.module("text.slug").expect("checked");
    let overrides = BTreeMap::from([(
        "first.tera".to_string(),
        "custom prompt for {{ module }}".to_string(),
    )]);
    let templates = Templates::with_overrides(overrides).expect("a valid override");
    assert_ne!(
        templates.version(),
        Templates::builtin().version(),
        "an override changes the version"
    );
    assert_eq!(
        render_first(&templates, &project, module, &[]).expect("renders"),
        "custom prompt for text.slug\n"
    );
    let repair = render_repair(
        &templates,
        &project,
        module,
        &repair_for("src/text/slug/imp.rs"),
        &[],
    )
    .expect("renders");
    assert!(
        repair.contains("# Repair: attempt 3"),
        "repair.tera stays built in"
    );
}

#[test]
fn a_repair_names_the_bodies_it_took_out() {
    let templates = Templates::builtin();
    let project = &projects()[0];
    let module = &project.modules[0];
    let imp_path = format!("src/{}/imp.rs", module.path.join("/"));
    let mut repair = repair_for(&imp_path);
    repair.rewrite = vec!["parse".into(), "render".into()];
    let text = render_repair(&templates, project, module, &repair, &[]).expect("renders");
    assert!(
        text.contains("The bodies of `parse` and `render` are taken out: they did not compile (the errors below quote them as they were). Write them anew; keep the rest."),
        "{text}"
    );
    assert!(
        text.contains("Reply with ONE ```rust code block holding only `parse` and `render`, each whole with its signature, and anything you add or change besides them (a helper; a changed struct or enum in full): ghost puts them in place of the taken-out bodies and keeps the rest."),
        "{text}"
    );
    repair.previous_code = "use super::*;\n\nimpl Doc {\n    pub fn parse(s: &str) -> Doc {\n        // TODO: write this body anew\n    }\n}\n".into();
    let text = render_repair(&templates, project, module, &repair, &[]).expect("renders");
    assert!(
        text.contains(
            "holding only `parse` and `render` (a method inside its `impl` line as shown), each whole"
        ),
        "{text}"
    );
    repair.compiler_errors.clear();
    repair.rewrite.truncate(1);
    let text = render_repair(&templates, project, module, &repair, &[]).expect("renders");
    assert!(
        text.contains("The body of `parse` is taken out: it failed the tests below."),
        "{text}"
    );
    repair.rewrite.clear();
    let text = render_repair(&templates, project, module, &repair, &[]).expect("renders");
    assert!(!text.contains("taken out"), "{text}");
    assert!(
        text.contains("Reply with ONE ```rust code block: the whole corrected"),
        "{text}"
    );
}

/// A revision (a prose change reaching accepted code): what changed and the code, and a
/// reply of only what the change touches; with failing tests, those too.
#[test]
fn a_revision_shows_what_changed_and_asks_only_for_what_it_touches() {
    let templates = Templates::builtin();
    let project = &projects()[0];
    let module = &project.modules[0];
    let module_part = render_first(&templates, project, module, &[]).expect("renders");
    let module_part = &module_part[..module_part.find("\n# ").expect("a heading")];
    let code = "use super::*;\n\npub fn parse(s: &str) -> Doc {\n    Doc::default()\n}\n";
    let mut revision = RepairContext {
        attempt: 1,
        previous_code: code.into(),
        spec_changes: Some("@@ -1,2 +1,2 @@\n-/// Parses a doc.\n+/// Parses a doc, trimming it first.\n pub fn parse(s: &str) -> Doc;\n".into()),
        ..RepairContext::default()
    };
    let green = render_repair(&templates, project, module, &revision, &[]).expect("renders");
    revision.failures = vec!["test example_parse_1 ... FAILED\nleft: 1\nright: 2".into()];
    revision.rewrite = vec!["parse".into()];
    revision.previous_code =
        "use super::*;\n\npub fn parse(s: &str) -> Doc {\n    // TODO: write this body anew\n}\n"
            .into();
    let failing = render_repair(&templates, project, module, &revision, &[]).expect("renders");
    let tail = |text: &str| {
        let start = text.find("# Revision").expect("a revision heading");
        assert!(
            text[..start].starts_with(module_part),
            "the module part first, as cached"
        );
        text[start..].to_string()
    };
    insta::assert_snapshot!(format!(
        "{}\n--- failing its new tests ---\n{}",
        tail(&green),
        tail(&failing)
    ));
}

#[test]
fn broken_override_names_template_and_line() {
    let overrides = BTreeMap::from([(
        "repair.tera".to_string(),
        "line one\n{% if %}\n".to_string(),
    )]);
    let err = Templates::with_overrides(overrides).expect_err("a syntax error");
    assert!(
        matches!(&err, PromptError::Syntax { name, line: Some(2), .. } if name == "repair.tera"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("`repair.tera`") && message.contains("line 2"),
        "{message}"
    );
}

#[test]
fn unknown_override_and_unknown_variable_are_clear() {
    let unknown = BTreeMap::from([("frist.tera".to_string(), "x".to_string())]);
    let err = Templates::with_overrides(unknown).expect_err("unknown name");
    assert!(
        err.to_string().contains("`first.tera`"),
        "lists the known names: {err}"
    );

    let project = slug_project();
    let module = project.module("text.slug").expect("checked");
    let bad = BTreeMap::from([("first.tera".to_string(), "{{ no_such_thing }}".to_string())]);
    let templates = Templates::with_overrides(bad).expect("parses");
    let err = render_first(&templates, &project, module, &[]).expect_err("unknown variable");
    assert!(
        matches!(&err, PromptError::Render { name, .. } if name == "first.tera"),
        "{err:?}"
    );
    assert!(err.to_string().contains("no_such_thing"), "{err}");
}

/// Checks specs given as text: (path, text), each path's module implied by its place.
fn check_texts(specs: &[(&str, &str)]) -> Project {
    let (project, diags) = ghost::check::check_texts(specs);
    assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
    project
}

/// `top` uses `mid`, whose functions take and return `base`'s record: the agent writing
/// `top` handles those values, so its prompt shows the record's fields (and only the
/// types `mid` names, not `base`'s functions), though `top` does not use `base`.
#[test]
fn a_prompt_shows_the_types_its_used_modules_take_from_further_modules() {
    let base = "module base {\n  record Money { cents: int, currency: str }\n  enum Unused { A }\n  error Bad { Neg(Money) }\n  fn make(c: int) -> Money\n}\n";
    let mid = "module mid {\n  use base\n  fn add(a: Money, b: Money) -> result<Money, Bad>\n}\n";
    let top = "module top {\n  use mid\n  fn total(xs: list<int>) -> int\n}\n";
    let project = check_texts(&[("base.ghost", base), ("mid.ghost", mid), ("top.ghost", top)]);
    let module = project.module("top").expect("checked");
    let prompt = render_first(&Templates::builtin(), &project, module, &[]).expect("renders");
    let base_part = prompt
        .split("### `base` (`crate::base`)")
        .nth(1)
        .unwrap_or_else(|| panic!("a section for `base`:\n{prompt}"));
    assert!(
        base_part.contains("pub struct Money {\n    pub cents: i64,\n    pub currency: String,\n}")
            && base_part.contains("pub enum Bad {"),
        "{base_part}"
    );
    assert!(
        !base_part.contains("Unused") && !base_part.contains("fn make"),
        "only the types mid names: {base_part}"
    );
    // `mid` uses `base` itself: its prompt shows `base` as a used module already, once.
    let mid_prompt = render_first(
        &Templates::builtin(),
        &project,
        project.module("mid").expect("checked"),
        &[],
    )
    .expect("renders");
    assert_eq!(mid_prompt.matches("### `base`").count(), 1, "{mid_prompt}");
}
