//! Function and method signatures as the implementation must declare them.

use super::names::{doc_lines, ident};
use super::types::TypeCtx;
use crate::check::{Function, Ty};

/// `pub fn name(&mut self, key: &str) -> Option<String>` (no body, no `;`).
pub fn signature(cx: &TypeCtx, f: &Function) -> String {
    let mut params = Vec::new();
    match f.receiver {
        Some(true) => params.push("&mut self".to_string()),
        Some(false) => params.push("&self".to_string()),
        None => {}
    }
    for (name, ty) in &f.params {
        params.push(format!("{}: {}", ident(name), cx.param(ty)));
    }
    let ret = match &f.ret {
        Ty::Unit => String::new(),
        ty => format!(" -> {}", cx.ret(ty, f.owner.as_deref())),
    };
    format!("pub fn {}({}){ret}", ident(&f.name), params.join(", "))
}

/// The doc comment of a function: its spec doc, then its signature as written.
pub fn fn_doc(f: &Function, indent: &str) -> String {
    let mut out = String::new();
    if let Some(doc) = &f.doc {
        out.push_str(&doc_lines("///", doc, indent));
        out.push_str(&format!("{indent}///\n"));
    }
    out.push_str(&format!(
        "{indent}/// Spec: `{}`\n",
        f.signature_source.replace('`', "'")
    ));
    out
}
