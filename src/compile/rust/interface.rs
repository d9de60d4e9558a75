//! A module's Rust interface as text, for prompts: its types and the signatures of its
//! functions and methods, no bodies.

use super::module_file::{enum_decl, record_decl};
use super::names::{doc_lines, ident, module_path};
use super::signature::{fn_doc, signature};
use super::types::{opaque_derives, passed_by_value, TypeCtx};
use crate::check::{ModuleModel, Project};

/// The interface of `module`: what its `mod.rs` declares and what its `imp.rs` must.
pub fn render(project: &Project, module: &ModuleModel) -> String {
    render_with(project, module, false)
}

/// The interface of a module another one uses, as that one's prompt shows it: with each
/// function's `requires`, which its caller must keep (the module's own prompt shows them
/// beside its tests).
pub fn render_used(project: &Project, module: &ModuleModel) -> String {
    render_with(project, module, true)
}

fn render_with(project: &Project, module: &ModuleModel, requires: bool) -> String {
    let doc = |f: &crate::check::Function, indent: &str| {
        let mut out = fn_doc(f, indent);
        if requires {
            for r in &f.requires {
                out.push_str(&format!(
                    "{indent}/// `{}`: call it only so.\n",
                    r.source.replace('`', "'")
                ));
            }
        }
        out
    };
    let cx = TypeCtx {
        module: &module.name,
        root: "crate",
    };
    let mut out = format!(
        "// module `{}`, reached as `{}`\n",
        module.name,
        module_path("crate", &module.name)
    );
    if let Some(doc) = &module.doc {
        out.push_str(&doc_lines("//!", doc, ""));
    }
    out.push_str(
        "// `mod.rs` declares the types below and imports `std::collections::BTreeMap`;
",
    );
    out.push_str(
        "// `imp.rs` starts with `use super::*;` and defines the functions and types with bodies.
",
    );
    for record in &module.records {
        out.push('\n');
        out.push_str(&record_decl(&cx, record));
    }
    for e in &module.enums {
        out.push('\n');
        out.push_str(&enum_decl(&cx, e));
        if e.is_error {
            out.push_str("// implements std::fmt::Display and std::error::Error (in mod.rs)\n");
        }
    }
    for f in &module.functions {
        out.push('\n');
        out.push_str(&doc(f, ""));
        out.push_str(&format!("{};\n", signature(&cx, f)));
    }
    for t in &module.types {
        out.push('\n');
        if let Some(doc) = &t.doc {
            out.push_str(&doc_lines("///", doc, ""));
        }
        let name = ident(&t.name);
        // A body with a TODO, not `{ /* fields */ }`: a small model copies a one-line
        // placeholder as it stands and then uses fields it never declared.
        let by_value = passed_by_value(project, module, &t.name);
        let why = if by_value {
            "Debug and Clone are required: tests print values and pass copies"
        } else {
            "Debug is required: tests print values"
        };
        out.push_str(&format!(
            "{} // {why}\npub struct {name} {{\n    // TODO: the fields\n}}\n\nimpl {name} {{\n",
            opaque_derives(by_value)
        ));
        for m in &t.methods {
            out.push_str(&doc(m, "    "));
            out.push_str(&format!("    {};\n", signature(&cx, m)));
        }
        out.push_str("}\n");
    }
    out
}
