//! Methods whose receiver is not the interface's: a model given `fn add(mut self, ..)`
//! in the spec and `fn add(&mut self, ..)` in the interface often writes the first, and
//! then every test that uses the value again fails to compile (`use of moved value`), in
//! the tests, where rustc has no suggestion for imp.rs.

use crate::compile::rust::items::{items, Token};
use std::collections::BTreeMap;
use std::ops::Range;

/// The receiver of one method: its bytes in the source and its text (`&mut self`).
struct Receiver {
    span: Range<usize>,
    text: String,
}

/// Gives every method of `code` the receiver its namesake has in `stub` (the compiler's
/// imp.rs), per type; one line per change.
pub(super) fn fix(code: &mut String, stub: &str) -> Vec<String> {
    let wanted = methods(stub);
    let mut edits: Vec<(Range<usize>, String, String)> = Vec::new();
    for ((ty, name), receiver) in methods(code) {
        let Some(want) = wanted.get(&(ty.clone(), name.clone())) else {
            continue;
        };
        if want.text != receiver.text {
            let what = format!(
                "`{ty}::{name}` takes `{}` as the interface says, not `{}`",
                want.text, receiver.text
            );
            edits.push((receiver.span, want.text.clone(), what));
        }
    }
    edits.sort_by_key(|(span, _, _)| span.start);
    let changes = edits.iter().map(|(_, _, what)| what.clone()).collect();
    super::replace_all(
        code,
        edits
            .into_iter()
            .map(|(span, text, _)| (span, text))
            .collect(),
    );
    changes
}

/// The receivers of the methods in the `impl Type { .. }` blocks (not trait impls) of
/// `src`, by type and method name.
fn methods(src: &str) -> BTreeMap<(String, String), Receiver> {
    let mut out = BTreeMap::new();
    for item in items(src) {
        // Not generic and not a trait's: the interface's own methods.
        let Some(ty) = item.inherent_type() else {
            continue;
        };
        for method in item.inner_items(src) {
            let toks = &method.tokens;
            let Some(fn_at) = toks.iter().position(|t| t.text == "fn") else {
                continue;
            };
            let Some(name) = toks.get(fn_at + 1) else {
                continue;
            };
            if let Some(receiver) = receiver(&toks[fn_at + 2..]) {
                out.insert((ty.clone(), name.text.clone()), receiver);
            }
        }
    }
    out
}

/// Where the parameter list starts after a method's name: past its generics, whose
/// bounds may hold parentheses of their own (`<F: Fn(i64) -> i64>`).
fn parameters_start(after_name: &[Token]) -> Option<usize> {
    let mut depth = 0i32;
    for (i, t) in after_name.iter().enumerate() {
        match t.text.as_str() {
            "<" => depth += 1,
            // `->` is two tokens: its `>` closes nothing.
            ">" if i > 0 && after_name[i - 1].text == "-" => {}
            ">" => depth -= 1,
            "(" if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// The receiver at the start of a method's parameter list (`(&mut self, ..)`); `None` for a function without one or a typed one (`self: Box<Self>`).
fn receiver(after_name: &[Token]) -> Option<Receiver> {
    let open = parameters_start(after_name)?;
    let rest = &after_name[open + 1..];
    let self_at = rest.iter().take(4).position(|t| t.text == "self")?;
    let parts = &rest[..=self_at];
    let known = matches!(
        parts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>()[..],
        ["self"] | ["mut", "self"] | ["&", "self"] | ["&", "mut", "self"]
    );
    let next = rest.get(self_at + 1).map(|t| t.text.as_str());
    if !known || !matches!(next, Some(")" | ",")) {
        return None;
    }
    let span = parts[0].span.start..parts[self_at].span.end;
    let text = parts
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
        .replace("& ", "&");
    Some(Receiver { span, text })
}
