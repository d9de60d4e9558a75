//! Methods written outside their `impl` block: a model that opens its reply with
//! `pub fn new(capacity: i64) -> Self { .. }` at the top level and the other methods in
//! `impl BoundedStack { .. }` (the evaluation's `stateful.stack`) meant `new` as a method
//! of the type; `Self` outside an `impl` does not compile, and rustc has no fix for it.

use super::items::{items, Item};
use std::collections::BTreeSet;

/// Moves each top-level function of `code` that the interface (`stub`, the compiler's
/// imp.rs) has as a method of one type, and not as a free function, into that type's
/// `impl` block (a new one at the end when `code` has none). Only a function that names
/// `self` or `Self` moves: one that does not is a helper that happens to share a name.
pub(super) fn fix(code: &mut String, stub: &str) -> Vec<String> {
    let (free, methods) = interface(stub);
    let top = items(code);
    let mut moved: Vec<(String, String, std::ops::Range<usize>)> = Vec::new();
    for item in &top {
        let Some(name) = fn_name(item) else {
            continue;
        };
        if free.contains(&name)
            || !item
                .tokens
                .iter()
                .any(|t| t.text == "self" || t.text == "Self")
        {
            continue;
        }
        let mut owners = methods.iter().filter(|(_, m)| *m == name);
        let (Some((ty, _)), None) = (owners.next(), owners.next()) else {
            continue;
        };
        let text = code[item.span.clone()].trim().to_string();
        moved.push((ty.clone(), text, item.span.clone()));
    }
    if moved.is_empty() {
        return Vec::new();
    }
    let changes = moved
        .iter()
        .map(|(ty, text, _)| {
            let name = text
                .split("fn ")
                .nth(1)
                .and_then(|r| r.split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
                .unwrap_or("");
            format!("moved `{name}` into `impl {ty}`: the interface has it as a method")
        })
        .collect();
    // Insertions into the blocks there are, then the functions taken out, from the end.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut appended: Vec<(String, Vec<String>)> = Vec::new();
    for (ty, text, span) in moved {
        let indented = indent(&text);
        let block = top.iter().find(|i| {
            let head = i.head();
            head.first() == Some(&"impl")
                && head.get(1) == Some(&ty.as_str())
                && head.get(2) == Some(&"{")
        });
        match block.and_then(Item::body) {
            Some(body) => {
                let at = code[..body.end].trim_end().len();
                edits.push((at..at, format!("\n\n    {indented}")));
            }
            None => match appended.iter_mut().find(|(t, _)| *t == ty) {
                Some((_, list)) => list.push(indented),
                None => appended.push((ty, vec![indented])),
            },
        }
        edits.push((span, "\n".to_string()));
    }
    super::replace_all(code, edits);
    for (ty, list) in appended {
        let trimmed = code.trim_end().len();
        code.truncate(trimmed);
        code.push_str(&format!(
            "\n\nimpl {ty} {{\n    {}\n}}\n",
            list.join("\n\n    ")
        ));
    }
    changes
}

/// The interface's free functions, and its methods as (type, name), from the inherent
/// `impl Type { .. }` blocks of the stub.
fn interface(stub: &str) -> (BTreeSet<String>, Vec<(String, String)>) {
    let mut free = BTreeSet::new();
    let mut methods = Vec::new();
    for item in items(stub) {
        if let Some(name) = fn_name(&item) {
            free.insert(name);
            continue;
        }
        let head = item.head();
        let (Some(&"impl"), Some(ty), Some(&"{")) = (head.first(), head.get(1), head.get(2)) else {
            continue;
        };
        let Some(body) = item.body() else {
            continue;
        };
        for method in items(&stub[body]) {
            if let Some(name) = fn_name(&method) {
                methods.push((ty.to_string(), name));
            }
        }
    }
    (free, methods)
}

/// The name of a function item (`pub fn new(..)`, `pub const fn len(..)`).
fn fn_name(item: &Item) -> Option<String> {
    let head = item.head();
    let at = head.iter().position(|w| *w == "fn")?;
    if head[..at]
        .iter()
        .any(|w| !matches!(*w, "const" | "async" | "unsafe"))
    {
        return None;
    }
    head.get(at + 1).map(|n| n.to_string())
}

/// A top-level item's text indented one level (its first line is placed by the caller).
fn indent(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.is_empty() {
                l.to_string()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
