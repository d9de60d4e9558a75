//! The stub `imp.rs` the compiler writes when a module has no implementation yet: every
//! function and method with its exact signature and a `todo!()` body, so the crate builds.

use super::names::{doc_lines, ident};
use super::signature::{fn_doc, signature};
use super::types::{opaque_derives, passed_by_value, TypeCtx};
use crate::check::{ModuleModel, Project};

/// The stub's first line, which tells a stub from code: `STUB_HEAD`, the module's name,
/// a backtick, then `STUB_MARK`.
const STUB_HEAD: &str = "//! The implementation of module `";
const STUB_MARK: &str = ": a stub by ghost, to be replaced by the agent.";

/// Whether `text` is a stub ghost wrote, for this spec or an earlier one, that nobody
/// has filled in: its first line is the stub's and every function still ends in
/// `todo!()`. Such a file is ghost's to replace when the interface changes (an old stub
/// naming a type the spec renamed would stop the crate from building).
pub fn is_untouched_stub(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    if !(first.starts_with(STUB_HEAD) && first.ends_with(STUB_MARK)) {
        return false;
    }
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let fns = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| *w == "fn")
        .count();
    fns == code.matches("todo!()").count() && code.matches(';').count() == 1
}

/// The text of the stub `src/a/b/imp.rs`.
pub fn imp_rs(project: &Project, module: &ModuleModel) -> String {
    let cx = TypeCtx {
        module: &module.name,
        root: "crate",
    };
    let mut out = format!("{STUB_HEAD}{}`{STUB_MARK}\n", module.name);
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
            opaque_derives(passed_by_value(project, module, &t.name))
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
