//! The Rust target: the files of the generated crate and a module's interface as text.

use crate::check::{ModuleModel, Project};

/// The exact Rust interface of a module: its types and the signatures of its functions
/// and methods (no bodies), as the implementation must provide them. Used in prompts,
/// both for the module itself and for the modules that `use` it.
pub fn interface(project: &Project, module: &ModuleModel) -> String {
    let _ = (project, module);
    String::new()
}
