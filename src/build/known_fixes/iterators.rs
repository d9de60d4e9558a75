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
