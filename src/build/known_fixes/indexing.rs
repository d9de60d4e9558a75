//! Indexing with the wrong types: a `str` indexed by a number (`s[i]`) gives its char at
//! that place, `s.chars().nth(i).expect(..)`; a slice indexed by an `i64`,
//! `v[(i) as usize]`.

use super::{span_line, wrap, Edit, Span};

/// Integer types a model indexes with by mistake (the spec's `int` is `i64`).
const NOT_USIZE: [&str; 8] = ["i64", "i32", "u32", "u64", "i8", "i16", "u8", "u16"];

/// `the type `X` cannot be indexed by `I``: the span is the index inside the brackets.
pub(super) fn index(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let rest = message.strip_prefix("the type `")?;
    let (ty, rest) = rest.split_once('`')?;
    let by = rest
        .strip_prefix(" cannot be indexed by `")?
        .trim_end_matches('`');
    if ty == "str" || ty == "String" {
        // The char at that place, not the byte's: the index most often counts chars
        // (`for (i, c) in s.chars().enumerate()`), and for ASCII text the two agree.
        let (open, close) = brackets_around(span)?;
        receiver_start(span, open)?;
        // Past the end it panics, as indexing does: a loop scanning for a char that is
        // not there then fails at once instead of running to the time limit.
        let (opening, closing) = match by {
            "usize" | "{integer}" => (".chars().nth(", ").expect(\"string index out of range\")"),
            by if NOT_USIZE.contains(&by) => (
                ".chars().nth((",
                ") as usize).expect(\"string index out of range\")",
            ),
            _ => return None,
        };
        return Some(vec![
            (open..open + 1, opening.to_string()),
            (close..close + 1, closing.to_string()),
        ]);
    }
    if ty.starts_with('[') && NOT_USIZE.contains(&by) {
        return Some(wrap(span, "(", ") as usize"));
    }
    None
}

/// The byte offsets (in the file) of the `[` before a one-line span and the `]` after it.
fn brackets_around(span: &Span) -> Option<(usize, usize)> {
    let on = span_line(span)?;
    let open = on.text[..on.start].trim_end();
    let close = on.text[on.end..].trim_start();
    if !open.ends_with('[') || !close.starts_with(']') {
        return None;
    }
    let close_at = on.end + (on.text[on.end..].len() - close.len());
    Some((on.at + open.len() - 1, on.at + close_at))
}

/// Where the indexed value starts: a path like `s`, `self.text` or `words.0`, just before
/// its `[` (`open`, a byte offset in the file). `None` for anything more complicated.
fn receiver_start(span: &Span, open: usize) -> Option<usize> {
    let on = span_line(span)?;
    let before = on.text.get(..open.checked_sub(on.at)?)?;
    let path = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        .len();
    let receiver = &before[path..];
    if receiver.is_empty() || receiver.starts_with('.') || receiver.ends_with('.') {
        return None;
    }
    Some(on.at + path)
}
