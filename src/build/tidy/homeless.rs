//! Methods written outside their `impl` block: a model that opens its reply with
//! `pub fn new(capacity: i64) -> Self { .. }` at the top level and the other methods in
//! `impl BoundedStack { .. }` (the evaluation's `stateful.stack`) meant `new` as a method
//! of the type; `Self` outside an `impl` does not compile, and rustc has no fix for it.

use crate::compile::rust::items::{indent_rest, items, Item};
use std::collections::BTreeSet;
use std::ops::Range;

/// Moves each top-level function of `code` that the interface (`stub`, the compiler's
/// imp.rs) has as a method of one type, and not as a free function, into that type's
/// `impl` block (a new one at the end when `code` has none). Only a function that names
/// `self` or `Self`, or returns the type (`pub fn new() -> Inventory`, a constructor),
/// moves: any other is a helper that happens to share a name.
pub(super) fn fix(code: &mut String, stub: &str) -> Vec<String> {
    let (free, methods) = interface(stub);
    let top = items(code);
    // What the reply's own `impl Type {` blocks define already.
    let defined: BTreeSet<(String, String)> = inherent_methods(code).into_iter().collect();
    let mut moved: Vec<(String, String, String, Range<usize>)> = Vec::new();
    for item in &top {
        let Some(name) = item.fn_name() else {
            continue;
        };
        if free.contains(&name) {
            continue;
        }
        let mut owners = methods.iter().filter(|(_, m)| *m == name);
        let (Some((ty, _)), None) = (owners.next(), owners.next()) else {
            continue;
        };
        if !names_self(item) && !returns(item, ty) {
            continue;
        }
        // A method the block has already, or given twice: left for the compiler to name.
        let twice = moved.iter().any(|(t, n, _, _)| t == ty && *n == name);
        if twice || defined.contains(&(ty.clone(), name.clone())) {
            continue;
        }
        // Inner doc comments (`//!`) above the first item stay at the top of the file.
        let text: String = code[item.span.clone()]
            .split_inclusive('\n')
            .filter(|l| !l.trim_start().starts_with("//!"))
            .collect();
        moved.push((ty.clone(), name, text.trim().to_string(), item.span.clone()));
    }
    let changes = moved
        .iter()
        .map(|(ty, name, _, _)| {
            format!("moved `{name}` into `impl {ty}`: the interface has it as a method")
        })
        .collect();
    // The functions taken out (their `//!` lines kept), then each type's into its block,
    // or into a new one at the end.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut by_type: Vec<(String, Vec<String>)> = Vec::new();
    for (ty, _, text, span) in moved {
        let kept: usize = code[span.clone()]
            .split_inclusive('\n')
            .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with("//!"))
            .map(str::len)
            .sum();
        edits.push((span.start + kept..span.end, String::new()));
        let indented = indent_rest(&text);
        match by_type.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, list)) => list.push(indented),
            None => by_type.push((ty, vec![indented])),
        }
    }
    let mut appended = String::new();
    for (ty, list) in by_type {
        let methods = list.join("\n\n    ");
        let block = top.iter().find(|i| i.inherent_type().as_ref() == Some(&ty));
        match block.and_then(Item::body) {
            Some(body) if code[body.clone()].trim().is_empty() => {
                edits.push((body, format!("\n    {methods}\n")));
            }
            Some(body) => {
                let at = code[..body.end].trim_end().len();
                edits.push((at..at, format!("\n\n    {methods}")));
            }
            None => appended.push_str(&format!("\n\nimpl {ty} {{\n    {methods}\n}}\n")),
        }
    }
    super::replace_all(code, edits);
    if !appended.is_empty() {
        let trimmed = code.trim_end().len();
        code.truncate(trimmed);
        code.push_str(&appended);
    }
    changes
}

/// Whether a function names `self` (not as the path `self::x`) or `Self`: only a
/// method can.
fn names_self(item: &Item) -> bool {
    let t = &item.tokens;
    t.iter().enumerate().any(|(i, tok)| {
        tok.text == "Self" || (tok.text == "self" && t.get(i + 1).is_none_or(|n| n.text != "::"))
    })
}

/// Whether a function's signature returns exactly `ty` (`fn new() -> Inventory {`).
fn returns(item: &Item, ty: &str) -> bool {
    let t = &item.tokens;
    let Some(arrow) = t
        .windows(2)
        .take_while(|w| w[0].text != "{")
        .position(|w| w[0].text == "-" && w[1].text == ">")
    else {
        return false;
    };
    t.get(arrow + 2).is_some_and(|r| r.text == ty)
        && t.get(arrow + 3)
            .is_some_and(|n| n.text == "{" || n.text == "where")
}

/// The interface's free functions, and its methods as (type, name).
fn interface(stub: &str) -> (BTreeSet<String>, Vec<(String, String)>) {
    let free = items(stub).iter().filter_map(Item::fn_name).collect();
    (free, inherent_methods(stub))
}

/// The methods of the inherent `impl Type { .. }` blocks of `src`, as (type, name).
fn inherent_methods(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in items(src) {
        let Some(ty) = item.inherent_type() else {
            continue;
        };
        for method in item.inner_items(src) {
            if let Some(name) = method.fn_name() {
                out.push((ty.clone(), name));
            }
        }
    }
    out
}
