//! The example reply's own items copied whole into a module's reply: small models answer
//! a prompt for a type with methods (the third held-out set's `stateful.editor`, every
//! attempt; `stateful.library`, two of four) by writing the example's `parse_reading`
//! and `Meter` first and the module's code after them. Renamed onto the module's error,
//! the copied function names variants the error does not have (compile errors that a
//! repair spends its attempt on), and the copied lines count against `nfr max_lines`.
//! The interface never asks for them and nothing else calls them: they go.

use super::{implemented, replace_all};
use crate::compile::rust::items::{items, tokens, Item};
use std::collections::BTreeSet;
use std::ops::Range;

/// The names of the functions and types the built-in example reply (`example.tera`)
/// defines, read from its code block so that they follow the template; read once, as
/// every reply is tidied against them.
fn example_names() -> &'static BTreeSet<String> {
    static NAMES: std::sync::LazyLock<BTreeSet<String>> = std::sync::LazyLock::new(read_names);
    &NAMES
}

fn read_names() -> BTreeSet<String> {
    let template = include_str!("../../../templates/example.tera");
    let Some(code) = template
        .split_once("```rust\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(code, _)| code)
    else {
        return BTreeSet::new();
    };
    items(code)
        .iter()
        .filter_map(defined)
        .map(|(_, name)| name)
        .collect()
}

/// What `item` is, as a user reads it (`struct Meter`, `impl Display for Meter`), and the
/// function's or type's name it defines (for an `impl`, the type's).
fn defined(item: &Item) -> Option<(String, String)> {
    let head = item.head();
    if let ["struct" | "enum", name, ..] = head.as_slice() {
        return Some((format!("{} {name}", head[0]), name.to_string()));
    }
    if let Some(ty) = item.inherent_type() {
        return Some((format!("impl {ty}"), ty));
    }
    if let Some((tr, ty)) = implemented(&head) {
        return Some((format!("impl {tr} for {ty}"), ty));
    }
    let name = item.fn_name()?;
    Some((format!("fn {name}"), name))
}

/// Drops the top-level items of `code` that define one of the example's names, when
/// neither the interface (`mod_rs`, `stub`) nor the rest of the code names it: a project
/// may well have a `Meter` of its own. One line per dropped item.
pub(super) fn fix(code: &mut String, mod_rs: &str, stub: &str) -> Vec<String> {
    let example = example_names();
    let interface: BTreeSet<String> = tokens(mod_rs)
        .into_iter()
        .chain(tokens(stub))
        .map(|t| t.text)
        .collect();
    let copied: Vec<(String, Range<usize>, String)> = items(code)
        .iter()
        .filter_map(|item| {
            let (what, name) = defined(item)?;
            let ours = example.contains(&name) && !interface.contains(&name);
            ours.then(|| (name, item.span.clone(), what))
        })
        .collect();
    if copied.is_empty() {
        return Vec::new();
    }
    let names: BTreeSet<&str> = copied.iter().map(|(n, _, _)| n.as_str()).collect();
    let inside = |at: usize| copied.iter().any(|(_, span, _)| span.contains(&at));
    let called_elsewhere = tokens(code)
        .iter()
        .any(|t| names.contains(t.text.as_str()) && !inside(t.span.start));
    if called_elsewhere {
        return Vec::new();
    }
    let changes = copied
        .iter()
        .map(|(_, _, what)| {
            format!(
                "dropped `{what}`: copied from the example reply; the interface has no such item"
            )
        })
        .collect();
    replace_all(
        code,
        copied
            .into_iter()
            .map(|(_, span, _)| (span, "\n".to_string()))
            .collect(),
    );
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_defines_a_function_and_a_type() {
        let names = example_names();
        assert!(names.contains("parse_reading"), "{names:?}");
        assert!(names.contains("Meter"), "{names:?}");
    }
}
