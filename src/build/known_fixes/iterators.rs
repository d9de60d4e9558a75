//! `len`, `is_empty` or `iter` called on an iterator of the standard library, as if it
//! were a collection (`s.split('/').len()`): counted on a clone.

use super::{Edit, Span};

/// Iterator types of the standard library that small models take for collections.
const ITERATORS: [&str; 30] = [
    "Split",
    "SplitN",
    "RSplit",
    "RSplitN",
    "SplitWhitespace",
    "SplitAsciiWhitespace",
    "SplitTerminator",
    "Chars",
    "CharIndices",
    "Bytes",
    "Lines",
    "Matches",
    "Filter",
    "Map",
    "FilterMap",
    "Rev",
    "Skip",
    "Take",
    "SkipWhile",
    "TakeWhile",
    "Enumerate",
    "Zip",
    "Chain",
    "Peekable",
    "Cloned",
    "Copied",
    "Flatten",
    "FlatMap",
    "StepBy",
    "Inspect",
];

/// `len`, `is_empty` or `iter` called on an iterator: the span is the method's name.
pub(super) fn method(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let rest = message.strip_prefix("no method named `")?;
    let (method, rest) = rest.split_once('`')?;
    let ty = rest.strip_prefix(" found for struct `")?;
    let name = ty.split('<').next()?.rsplit("::").next()?;
    if !ITERATORS.contains(&name) {
        return None;
    }
    let replacement = match method {
        "len" => "clone().count",
        "is_empty" => "clone().next().is_none",
        "iter" => "clone",
        _ => return None,
    };
    Some(vec![(
        span.byte_start..span.byte_end,
        replacement.to_string(),
    )])
}

/// `is_empty` called on a value whose type has none (a module's own type with a `len`,
/// `self.is_empty()`): `len().eq(&0)`, a method chain, so `!self.is_empty()` keeps its
/// meaning. The span is the method's name, followed by `()`.
pub(super) fn is_empty_without_one(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let rest = message
        .strip_prefix("no method named `is_empty` found for ")
        .or_else(|| message.strip_prefix("the method `is_empty` exists for "))?;
    // Only the module's own types (`&mut RingBuffer`): for another (`Option<Vec<i64>>`)
    // a `len` is no likelier than the `is_empty` that is missing.
    let ty = rest.split('`').nth(1)?;
    let ty = ty.trim_start_matches('&').trim_start();
    let ty = ty.strip_prefix("mut ").unwrap_or(ty);
    let own = ty.chars().next().is_some_and(char::is_uppercase)
        && ty.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !own {
        return None;
    }
    let on = super::span_line(span)?;
    if !on.text[on.end..].starts_with("()") {
        return None;
    }
    Some(vec![(
        span.byte_start..span.byte_end + 2,
        "len().eq(&0)".to_string(),
    )])
}
