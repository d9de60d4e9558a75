//! Items of the interface written without `pub` (or with `pub(crate)`): mod.rs re-exports
//! each function and type of the interface by name, so a private one stops the whole
//! crate from compiling, with an error in mod.rs, a file the model never sees. The
//! interface asked for `pub`; small models leave it out of a method now and then.

use crate::compile::rust::items::{items, Item};
use std::collections::BTreeSet;
use std::ops::Range;

/// What the compiler's stub imp.rs declares public: free functions, types, and methods
/// (by type and name).
#[derive(Default)]
struct Declared {
    functions: BTreeSet<String>,
    types: BTreeSet<String>,
    methods: BTreeSet<(String, String)>,
}

/// Makes `pub` every function, type and method of `code` that the interface (`stub`, the
/// compiler's imp.rs) declares; one line per change.
pub(super) fn fix(code: &mut String, stub: &str) -> Vec<String> {
    let declared = declared(stub);
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut changes = Vec::new();
    let mut make_pub = |item: &Item, what: String| {
        let Some(vis) = item.visibility() else {
            return;
        };
        let written = &code[vis.clone()];
        if written == "pub" {
            return;
        }
        let was = if written.is_empty() {
            "private".to_string()
        } else {
            format!("`{written}`")
        };
        changes.push(format!(
            "made {what} `pub` as the interface says (it was {was})"
        ));
        let text = if written.is_empty() { "pub " } else { "pub" };
        edits.push((vis, text.to_string()));
    };
    for item in items(code) {
        if let Some(name) = item.fn_name() {
            if declared.functions.contains(&name) {
                make_pub(&item, format!("`fn {name}`"));
            }
            continue;
        }
        if let Some((kind, name)) = defined_type(&item) {
            if declared.types.contains(&name) {
                make_pub(&item, format!("`{kind} {name}`"));
            }
            continue;
        }
        let Some(ty) = item.inherent_type() else {
            continue;
        };
        for method in item.inner_items(code) {
            let Some(name) = method.fn_name() else {
                continue;
            };
            if declared.methods.contains(&(ty.clone(), name.clone())) {
                make_pub(&method, format!("`{ty}::{name}`"));
            }
        }
    }
    super::replace_all(code, edits);
    changes
}

fn declared(stub: &str) -> Declared {
    let mut out = Declared::default();
    for item in items(stub)
        .iter()
        .filter(|i| i.is_pub() || i.inherent_type().is_some())
    {
        if let Some(name) = item.fn_name() {
            out.functions.insert(name);
        } else if let Some((_, name)) = defined_type(item) {
            out.types.insert(name);
        } else if let Some(ty) = item.inherent_type() {
            for method in item.inner_items(stub).iter().filter(|m| m.is_pub()) {
                if let Some(name) = method.fn_name() {
                    out.methods.insert((ty.clone(), name));
                }
            }
        }
    }
    out
}

/// `("struct", "Name")` for a struct, enum or type alias item (a `type` of the spec
/// without fields may be written as `type Handle = i64;`).
fn defined_type(item: &Item) -> Option<(&'static str, String)> {
    let head = item.head();
    let kind = match head.first() {
        Some(&"struct") => "struct",
        Some(&"enum") => "enum",
        Some(&"type") => "type",
        _ => return None,
    };
    Some((kind, head.get(1)?.to_string()))
}
