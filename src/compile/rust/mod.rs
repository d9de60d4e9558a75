//! The Rust target: the files of the generated crate and a module's interface as text.
//!
//! For a module `a.b` (see cli.md, "The Rust target"): `src/a/b/mod.rs` (compiler-owned:
//! docs, records, enums, errors, `mod imp; pub use imp::*;`), `src/a/b/imp.rs` (the
//! agent's; the compiler only writes a `todo!()` stub when none exists) and
//! `tests/a_b.rs` (the acceptance tests). The crate adds `Cargo.toml` and `src/lib.rs`.
//! Everything here is pure and deterministic: the same project gives the same bytes,
//! wherever it sits on disk (file paths of specs never reach the output).

mod checked;
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

pub use nfr_check::{check_static_nfrs, physical_lines, undeclared_crates, StaticNfrFailure};

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
            path: PathBuf::from(format!("tests/{}.rs", names::test_target(module))),
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

/// The path of a module's implementation file inside the generated crate.
pub fn imp_path(module: &ModuleModel) -> PathBuf {
    PathBuf::from(format!("src/{}/imp.rs", module.path.join("/")))
}

/// The name of a module's test target (`cargo test --test <name>`).
pub fn test_target(module: &ModuleModel) -> String {
    names::test_target(module)
}
