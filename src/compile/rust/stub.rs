//! The stub `imp.rs` the compiler writes when a module has no implementation yet: every
//! function and method with its exact signature and a `todo!()` body, so the crate builds.

use super::names::{doc_lines, ident};
use super::signature::{fn_doc, signature};
use super::types::{opaque_derives, passed_by_value, TypeCtx};
use crate::check::ModuleModel;

/// The text of the stub `src/a/b/imp.rs`.
pub fn imp_rs(module: &ModuleModel) -> String {
    let cx = TypeCtx {
        module: &module.name,
        root: "crate",
    };
    let mut out = format!(
        "//! The implementation of module `{}`: a stub by ghost, to be replaced by the agent.\n",
        module.name
    );
    // The stub uses neither its imports nor its parameters; an implementation will.
    out.push_str("#![allow(unused_imports, unused_variables)]\n\nuse super::*;\n");
    for f in &module.functions {
        out.push('\n');
        out.push_str(&fn_doc(f, ""));
        out.push_str(&format!("{} {{\n    todo!()\n}}\n", signature(&cx, f)));
    }
    for t in &module.types {
        out.push('\n');
        if let Some(doc) = &t.doc {
            out.push_str(&doc_lines("///", doc, ""));
        }
        let name = ident(&t.name);
        out.push_str(&format!(
            "{}\npub struct {name} {{}}\n\nimpl {name} {{\n",
            opaque_derives(passed_by_value(module, &t.name))
        ));
        for (i, m) in t.methods.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&fn_doc(m, "    "));
            out.push_str(&format!(
                "    {} {{\n        todo!()\n    }}\n",
                signature(&cx, m)
            ));
        }
        out.push_str("}\n");
    }
    out
}
