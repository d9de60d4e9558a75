//! The Rust target: the files of the generated crate and a module's interface as text.
//!
//! For a module `a.b` (see cli.md, "The Rust target"): `src/a/b/mod.rs` (compiler-owned:
//! docs, records, enums, errors, `mod imp; pub use imp::*;`), `src/a/b/imp.rs` (the
//! agent's; the compiler only writes a `todo!()` stub when none exists) and
//! `tests/a_b.rs` (the acceptance tests). The crate adds `Cargo.toml` and `src/lib.rs`.
//! Everything here is pure and deterministic: the same project gives the same bytes,
//! wherever it sits on disk (file paths of specs never reach the output).

mod checked;
mod example_code;
mod expr;
mod interface;
mod lib_file;
mod manifest;
mod module_file;
mod names;
pub mod nfr_check;
mod signature;
mod strategy;
mod stub;
mod tests_file;
mod types;

use crate::check::{ModuleModel, Project};
use crate::compile::TargetSettings;
use std::path::PathBuf;

pub use checked::PRECONDITION_BROKEN;
pub use example_code::{example_asserts, scenario_code, snapshot_code};
pub use nfr_check::{check_static_nfrs, physical_lines, undeclared_crates, StaticNfrFailure};
pub use stub::is_untouched_stub;

/// Who owns a generated file, which decides when it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Written on every build; hand edits are overwritten.
    Compiler,
    /// A stub for the agent: written only when the file does not exist yet.
    AgentStub,
}

/// One file of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the generated crate's folder (`generated/`), with `/` separators.
    pub path: PathBuf,
    pub contents: String,
    pub owner: Owner,
}

/// Every file of the generated crate: `Cargo.toml`, `src/lib.rs`, then each module's
/// files in the project's (dependency) order.
pub fn crate_files(project: &Project, settings: &TargetSettings) -> Vec<GeneratedFile> {
    let mut files = crate_level_files(project, settings);
    for module in &project.modules {
        files.extend(module_files(project, module, settings));
    }
    files
}

/// The crate's own files, without any module's: `Cargo.toml` and `src/lib.rs`.
pub fn crate_level_files(project: &Project, settings: &TargetSettings) -> Vec<GeneratedFile> {
    vec![
        GeneratedFile {
            path: PathBuf::from("Cargo.toml"),
            contents: manifest::cargo_toml(project, settings),
            owner: Owner::Compiler,
        },
        GeneratedFile {
            path: PathBuf::from("src/lib.rs"),
            contents: lib_file::lib_rs(project, &settings.crate_name),
            owner: Owner::Compiler,
        },
    ]
}

/// One module's files: `src/a/b/mod.rs`, the `src/a/b/imp.rs` stub, `tests/a_b.rs`
/// (which also holds the module's ignored `perf_` timing tests).
pub fn module_files(
    project: &Project,
    module: &ModuleModel,
    settings: &TargetSettings,
) -> Vec<GeneratedFile> {
    let dir = format!("src/{}", module.path.join("/"));
    vec![
        GeneratedFile {
            path: PathBuf::from(format!("{dir}/mod.rs")),
            contents: module_file::mod_rs(project, module),
            owner: Owner::Compiler,
        },
        GeneratedFile {
            path: PathBuf::from(format!("{dir}/imp.rs")),
            contents: stub::imp_rs(module),
            owner: Owner::AgentStub,
        },
        GeneratedFile {
            path: tests_path(&names::test_target(module)),
            contents: tests_file::tests_rs(project, module, settings),
            owner: Owner::Compiler,
        },
    ]
}

/// The exact Rust interface of a module: its types and the signatures of its functions
/// and methods (no bodies), as the implementation must provide them. Used in prompts,
/// both for the module itself and for the modules that `use` it.
pub fn interface(project: &Project, module: &ModuleModel) -> String {
    let _ = project;
    interface::render(module)
}

/// The Rust signature of a function or method of `module` as its `imp.rs` declares it
/// (`pub fn get(&mut self, key: &str) -> Option<String>`, no body).
pub fn signature_of(module: &str, f: &crate::check::Function) -> String {
    signature::signature(
        &types::TypeCtx {
            module,
            root: "crate",
        },
        f,
    )
}

/// The path of a module's implementation file inside the generated crate.
pub fn imp_path(module: &ModuleModel) -> PathBuf {
    PathBuf::from(format!("src/{}/imp.rs", module.path.join("/")))
}

/// The path of a module's acceptance tests inside the generated crate, from its test
/// target's name: `tests/a_b.rs`.
pub fn tests_path(test_target: &str) -> PathBuf {
    PathBuf::from(format!("tests/{test_target}.rs"))
}

/// The name of a module's test target (`cargo test --test <name>`).
pub fn test_target(module: &ModuleModel) -> String {
    names::test_target(module)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, SpecFile};
    use std::path::Path;

    fn project(specs: &[&str]) -> Project {
        let files: Vec<SpecFile> = specs
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let file = PathBuf::from(format!("spec{i}.ghost"));
                let (ast, diags) = crate::syntax::parse(Path::new(&file), text);
                assert!(diags.is_empty(), "{diags:?}");
                SpecFile {
                    file,
                    expected_module: None,
                    text: text.to_string(),
                    ast,
                }
            })
            .collect();
        let (project, diags) = check(&files);
        assert!(diags.is_empty(), "{diags:?}");
        project
    }

    fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        files
            .iter()
            .find(|f| f.path == Path::new(path))
            .map(|f| f.contents.as_str())
            .unwrap_or_else(|| panic!("no {path}"))
    }

    #[test]
    fn a_module_with_modules_below_it_declares_them() {
        let p = project(&[
            "module a { fn f() -> int { example f() == 1 } }",
            "module a.b.c { fn g() -> int { example g() == 2 } }",
        ]);
        let files = crate_files(&p, &TargetSettings::default());
        assert!(file(&files, "src/lib.rs").contains("pub mod a;\n"));
        assert!(file(&files, "src/a/mod.rs").ends_with("pub mod b {\n    pub mod c;\n}\n"));
        assert!(file(&files, "tests/a_b_c.rs").contains("use generated::a::b::c::*;"));
    }

    #[test]
    fn keywords_and_records_reach_rust_intact() {
        let p = project(&[r#"module geo.kw {
            record Pt { x: int, y: int }
            fn shift(p: Pt, by: int) -> Pt {
                example shift(Pt { x: 1, y: 2 }, 1) == Pt { x: 2, y: 3 }
                property forall q: Pt, n: int in -3..3 => shift(q, n).x == q.x + n
            }
            fn lookup(m: map<str, int>, k: str) -> int {
                requires contains(m, k)
                example lookup({"a": 1}, "a") == 1
            }
        }"#]);
        let files = crate_files(&p, &TargetSettings::default());
        let tests = file(&files, "tests/geo_kw.rs");
        assert!(
            tests.contains("fn arb_pt() -> impl proptest::strategy::Strategy<Value = Pt>"),
            "{tests}"
        );
        assert!(
            tests.contains("q in arb_pt(), n in -3_i64..3_i64"),
            "{tests}"
        );
        assert!(
            tests.contains("let __left: i64 = shift(q.clone(), n).x;"),
            "{tests}"
        );
        assert!(tests.contains("m.contains_key(&k.to_string())"), "{tests}");
        let stub = file(&files, "src/geo/kw/imp.rs");
        assert!(
            stub.contains("pub fn lookup(m: &BTreeMap<String, i64>, k: &str) -> i64 {"),
            "{stub}"
        );
        let module = p.module("geo.kw").expect("checked");
        assert!(interface(&p, module).contains("pub fn shift(p: Pt, by: i64) -> Pt;"));
    }

    #[test]
    fn records_with_many_fields_get_grouped_strategies() {
        let fields: Vec<String> = (0..14).map(|i| format!("f{i}: int")).collect();
        let spec = format!(
            "module big.rec {{ record Wide {{ {} }} fn w(x: Wide) -> int {{ property forall x: Wide => w(x) >= 0 }} }}",
            fields.join(", ")
        );
        let p = project(&[&spec]);
        let files = crate_files(&p, &TargetSettings::default());
        let tests = file(&files, "tests/big_rec.rs");
        assert!(
            tests.contains("|((x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11,), (x12, x13,))|"),
            "{tests}"
        );
    }
}
