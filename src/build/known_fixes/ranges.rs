//! A range given to `remove`, which takes one index (`s.remove(0..n)`): `drain`, which
//! takes a range and removes the same elements, from a `String` or a `Vec` alike.

use super::{expected_found, span_line, Edit, Span};

/// The span is the range argument, labelled ``expected `usize`, found `Range<usize>` ``.
pub(super) fn remove_range(span: &Span) -> Option<Vec<Edit>> {
    let (expected, found) = expected_found(span)?;
    if expected != "usize" || !found.contains("Range") {
        return None;
    }
    let on = span_line(span)?;
    let before = on.text[..on.start].trim_end().strip_suffix('(')?.trim_end();
    let method = ".remove";
    if !before.ends_with(method) {
        return None;
    }
    let end = on.at + before.len();
    Some(vec![(end - "remove".len()..end, "drain".to_string())])
}
