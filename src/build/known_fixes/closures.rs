//! A closure given as the pattern of a `str` method (`s.split(|c| c.is_ascii_digit())`):
//! rustc needs the parameter's type before it reads the method called on it, which the
//! pattern's trait does not give it (E0282, "type annotations needed"), and suggests a
//! placeholder (`|c: /* Type */|`). A pattern closure takes a `char`.

use super::{span_line, Edit, Span};

/// The `str` methods that take a pattern, which a closure `FnMut(char) -> bool` can be.
const PATTERN_METHODS: &[&str] = &[
    "contains",
    "ends_with",
    "find",
    "match_indices",
    "matches",
    "replace",
    "replacen",
    "rfind",
    "rmatch_indices",
    "rmatches",
    "rsplit",
    "rsplit_once",
    "rsplit_terminator",
    "rsplitn",
    "split",
    "split_inclusive",
    "split_once",
    "split_terminator",
    "splitn",
    "starts_with",
    "strip_prefix",
    "strip_suffix",
    "trim_end_matches",
    "trim_matches",
    "trim_start_matches",
];

/// The span is the closure's only parameter (`c` in `.split(|c| ..)` or
/// `.splitn(2, |c| ..)`), untyped: `c: char`.
pub(super) fn pattern_parameter(span: &Span) -> Option<Vec<Edit>> {
    let on = span_line(span)?;
    let param = &on.text[on.start..on.end];
    if param.is_empty() || !param.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    // One parameter, with no type yet: the closure's `|` follows it.
    if !on.text[on.end..].trim_start().starts_with('|') {
        return None;
    }
    let before = on.text[..on.start].trim_end().strip_suffix('|')?.trim_end();
    // The closure is the call's first argument, or its second after a simple one
    // (`splitn(2, |c| ..)`).
    let head = match before.strip_suffix('(') {
        Some(head) => head,
        None => {
            let (head, first) = before.strip_suffix(',')?.rsplit_once('(')?;
            if first.contains(['(', ')', '|']) {
                return None;
            }
            head
        }
    };
    // After the last character that is no part of a name (which may be wider than a
    // byte: an invisible mark before `(` is white space to rustc).
    let method_start = head
        .char_indices()
        .rfind(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let method = &head[method_start..];
    if !head[..method_start].trim_end().ends_with('.') || !PATTERN_METHODS.contains(&method) {
        return None;
    }
    let end = on.at + on.end;
    Some(vec![(end..end, ": char".to_string())])
}
