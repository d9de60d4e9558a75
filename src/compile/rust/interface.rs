//! A module's Rust interface as text, for prompts: its types and the signatures of its
//! functions and methods, no bodies.

use super::module_file::{enum_decl, record_decl};
use super::names::{doc_lines, ident, module_path};
use super::signature::{fn_doc, signature};
use super::types::{opaque_derives, passed_by_value, TypeCtx};
use crate::check::{ModuleModel, Project};
use std::collections::BTreeSet;

/// The interface of `module`: what its `mod.rs` declares and what its `imp.rs` must.
pub fn render(project: &Project, module: &ModuleModel) -> String {
    render_with(project, module, false, None)
}

/// The interface of a module another one uses, as that one's prompt shows it: with each
/// function's `requires`, which its caller must keep (the module's own prompt shows them
/// beside its tests).
pub fn render_used(project: &Project, module: &ModuleModel) -> String {
    render_with(project, module, true, None)
}

/// The types `names` of a module that a prompt's module does not use, but whose types the
/// interfaces of the modules it uses name: their declarations only, as [`render_used`]
/// shows them.
pub fn render_reached(project: &Project, module: &ModuleModel, names: &BTreeSet<String>) -> String {
    render_with(project, module, true, Some(names))
}

fn render_with(
    project: &Project,
    module: &ModuleModel,
    requires: bool,
    only: Option<&BTreeSet<String>>,
) -> String {
    let shown = |name: &str| only.is_none_or(|names| names.contains(name));
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
    if only.is_some() {
        out.push_str(
            "// not used by this module: the modules it uses take or return these types
",
        );
    }
    out.push_str(
        "// `mod.rs` declares the types below and imports `std::collections::BTreeMap`;
",
    );
    // A used module's `imp.rs` is written already: what it holds is none of this one's.
    if !requires {
        out.push_str(
            "// `imp.rs` starts with `use super::*;` and defines the functions and types with bodies.
",
        );
    }
    for record in module.records.iter().filter(|r| shown(&r.name)) {
        out.push('\n');
        out.push_str(&record_decl(&cx, record));
    }
    for e in module.enums.iter().filter(|e| shown(&e.name)) {
        out.push('\n');
        out.push_str(&enum_decl(&cx, e));
        if e.is_error {
            out.push_str("// implements std::fmt::Display and std::error::Error (in mod.rs)\n");
        }
    }
    for f in module.functions.iter().filter(|_| only.is_none()) {
        out.push('\n');
        out.push_str(&doc(f, ""));
        out.push_str(&format!("{};\n", signature(&cx, f)));
    }
    for t in module.types.iter().filter(|t| shown(&t.name)) {
        out.push('\n');
        if let Some(doc) = &t.doc {
            out.push_str(&doc_lines("///", doc, ""));
        }
        let name = ident(&t.name);
        // A body with a TODO, not `{ /* fields */ }`: a small model copies a one-line
        // placeholder as it stands and then uses fields it never declared.
        let by_value = passed_by_value(project, module, &t.name);
        if requires {
            // Another module's type, written already: its fields are private to it.
            out.push_str(&format!(
                "{}\npub struct {name} {{\n    // private fields: use the methods below\n}}\n\nimpl {name} {{\n",
                opaque_derives(by_value)
            ));
        } else {
            let why = if by_value {
                "Debug and Clone are required: tests print values and pass copies"
            } else {
                "Debug is required: tests print values"
            };
            out.push_str(&format!(
                "{} // {why}\npub struct {name} {{\n    // TODO: the fields\n}}\n\nimpl {name} {{\n",
                opaque_derives(by_value)
            ));
        }
        for m in &t.methods {
            out.push_str(&doc(m, "    "));
            out.push_str(&format!("    {};\n", signature(&cx, m)));
        }
        out.push_str("}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{render, render_used};

    fn project(specs: &[(&str, &str)]) -> crate::check::Project {
        let (project, diags) = crate::check::check_texts(specs);
        // Warnings allowed: these specs show what the compiler makes, not good tests.
        assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
        project
    }

    /// A used module's opaque type is written already: the user's prompt shows its fields
    /// as private, not as a TODO to fill in, and says nothing of that module's `imp.rs`.
    #[test]
    fn a_used_type_shows_no_todo_of_its_own_module() {
        let stock = "module stock {\n  type Inv {\n    fn new() -> Inv\n    fn count(self) -> int\n  }\n}\n";
        let cart = "module cart {\n  use stock\n  fn fill(i: Inv) -> int\n}\n";
        let p = project(&[("stock.ghost", stock), ("cart.ghost", cart)]);
        let stock = p.modules.iter().find(|m| m.name == "stock").expect("stock");
        let own = render(&p, stock);
        assert!(
            own.contains("// TODO: the fields") && own.contains("`imp.rs` starts with"),
            "{own}"
        );
        let used = render_used(&p, stock);
        assert!(
            used.contains("pub struct Inv {\n    // private fields: use the methods below\n}")
                && !used.contains("TODO")
                && !used.contains("`imp.rs`")
                && used.contains("pub fn count(&self) -> i64;"),
            "{used}"
        );
    }
}
