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

/// Settings of the target that change what is generated; part of every fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TargetSettings {
    /// The generated crate's package name (from ghost.toml `[project] name`).
    pub crate_name: String,
    /// The Rust edition of the generated crate.
    pub edition: String,
}

impl Default for TargetSettings {
    fn default() -> Self {
        TargetSettings {
            crate_name: "generated".into(),
            edition: "2021".into(),
        }
    }
}
