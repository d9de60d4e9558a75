//! Stage 3, compile: the checked [`crate::check::Project`] in; for each module its Rust
//! interface, acceptance tests, prompt and fingerprints out. Pure and deterministic: the
//! same specs give byte-identical output.
//!
//! - [`rust`]: the generated crate (manifest, module tree, compiler-owned `mod.rs`, stub
//!   `imp.rs`, acceptance tests) and a module's Rust interface as text.
//! - [`prompt`]: the agent prompts, rendered with tera from overridable templates.
//! - [`fingerprint`]: the hashes the lock compares.

pub mod fingerprint;
pub mod prompt;
pub mod rust;
pub mod spec_text;

/// Settings of the target that change what is generated; part of every fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TargetSettings {
    /// The generated crate's package name (from ghost.toml `[project] name`).
    pub crate_name: String,
    /// The Rust edition of the generated crate.
    pub edition: String,
    /// [`GENERATOR_VERSION`]: a change in what the compiler writes makes every module
    /// stale, so its code is tested again against the new tests (and re-locked at no
    /// token cost when it passes).
    pub generator: String,
    /// What the manifest says about the crate (`[package]` in ghost.toml): not part of
    /// the fingerprints, since it changes no code.
    #[serde(skip)]
    pub package: crate::config::PackageSettings,
}

/// The version of the generated code's shape (mod.rs, acceptance tests). Bump it with any
/// change to `src/compile/rust/` that changes generated files.
pub const GENERATOR_VERSION: &str = "rust-1";

impl Default for TargetSettings {
    fn default() -> Self {
        TargetSettings {
            crate_name: "generated".into(),
            edition: "2021".into(),
            generator: GENERATOR_VERSION.into(),
            package: crate::config::PackageSettings::default(),
        }
    }
}

use crate::check::Project;
use fingerprint::Fingerprints;
use rust::GeneratedFile;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One module, compiled: what the plan compares and the build writes.
#[derive(Debug, Clone)]
pub struct CompiledModule {
    /// The dotted name.
    pub name: String,
    pub fingerprints: Fingerprints,
    /// Its files: `mod.rs`, the `imp.rs` stub, `tests/a_b.rs`.
    pub files: Vec<GeneratedFile>,
    /// The stub `imp.rs` the compiler writes where none exists.
    pub stub: String,
    /// `src/a/b/imp.rs`, relative to the generated crate.
    pub imp_path: PathBuf,
    /// The module's test target (`cargo test --test a_b`).
    pub test_target: String,
}

/// The whole project, compiled.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Crate-level files: `Cargo.toml`, `src/lib.rs`.
    pub crate_files: Vec<GeneratedFile>,
    /// One entry per module, in dependency order.
    pub modules: Vec<CompiledModule>,
}

impl CompiledModule {
    /// The text of its acceptance tests (`tests/a_b.rs`), whose `///` line above each
    /// test quotes the clause it checks.
    pub fn tests_rs(&self) -> &str {
        let path = rust::tests_path(&self.test_target);
        self.files
            .iter()
            .find(|f| f.path == path)
            .map_or("", |f| f.contents.as_str())
    }

    /// The files insta pins its snapshots in, relative to the generated crate
    /// (`tests/snapshots/a_b__debug_view.snap`), read off the tests' `assert_debug_snapshot!`
    /// calls, whose names are slugs.
    pub fn snapshot_files(&self) -> Vec<PathBuf> {
        const CALL: &str = "insta::assert_debug_snapshot!(\"";
        self.tests_rs()
            .match_indices(CALL)
            .filter_map(|(at, _)| {
                let rest = &self.tests_rs()[at + CALL.len()..];
                let name = &rest[..rest.find('"')?];
                Some(
                    PathBuf::from("tests")
                        .join("snapshots")
                        .join(format!("{}__{name}.snap", self.test_target)),
                )
            })
            .collect()
    }
}

impl Compiled {
    pub fn module(&self, name: &str) -> Option<&CompiledModule> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// Every file of the crate.
    pub fn all_files(&self) -> Vec<GeneratedFile> {
        self.crate_files
            .iter()
            .chain(self.modules.iter().flat_map(|m| m.files.iter()))
            .cloned()
            .collect()
    }
}

/// Compiles one module of a checked project, whose `fingerprints` the caller computed
/// (`ghost check` has them already, for the modules it compares with their files).
pub fn compile_module(
    project: &Project,
    m: &crate::check::ModuleModel,
    settings: &TargetSettings,
    fingerprints: Fingerprints,
) -> CompiledModule {
    let files = rust::module_files(project, m, settings);
    let imp_path = rust::imp_path(m);
    let stub = files
        .iter()
        .find(|f| f.path == imp_path)
        .map(|f| f.contents.clone())
        .unwrap_or_default();
    CompiledModule {
        name: m.name.clone(),
        fingerprints,
        files,
        stub,
        imp_path,
        test_target: rust::test_target(m),
    }
}

/// Compiles every module of a checked project. `canonical` maps each module's name to
/// its spec as the formatter prints it without comments (for the spec fingerprint).
pub fn compile(
    project: &Project,
    canonical: &BTreeMap<String, String>,
    settings: &TargetSettings,
    template_version: &str,
) -> Compiled {
    let crate_files = rust::crate_level_files(project, settings);
    let fingerprinter = fingerprint::Fingerprinter::new(project, settings, template_version);
    let modules = project
        .modules
        .iter()
        .map(|m| {
            let spec = canonical.get(&m.name).map(String::as_str).unwrap_or("");
            compile_module(project, m, settings, fingerprinter.module(m, spec))
        })
        .collect();
    Compiled {
        crate_files,
        modules,
    }
}
