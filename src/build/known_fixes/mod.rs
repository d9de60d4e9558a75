//! Fixes for mistakes small models make often and rustc offers no change for, written
//! the way rustc writes its own suggestions, so `rustc_fixes.rs` applies them alike.
//!
//! In: rustc's JSON diagnostic of one error (cargo's `message`). Out: a change to the code,
//! when the error is one of the mistakes below. The change is what the model meant, in the
//! types the code actually has:
//!
//! - `len` or `is_empty` called on an iterator (`s.split('/').len()`): counted on a clone,
//!   `parts.clone().count()`, `parts.clone().next().is_none()`; `iter()` on one: `clone()`.
//! - a `str` indexed by a number (`s[i]`): the byte there, as a char,
//!   `char::from(s.as_bytes()[i])`.
//! - a slice or `Vec` indexed by a number that is not a `usize` (`v[i]`, `i: i64`):
//!   `v[(i) as usize]`.
//! - a `u8` where a `char` is wanted: `char::from(x)`; a `char` where an integer is
//!   wanted: `(c) as u8`.
//!
//! A guess that makes things worse costs one compile: fixed code is kept only when it is
//! closer to compiling (`fixes_helped` in `generate.rs`), and the acceptance tests still
//! decide.

use rustfix::{LinePosition, LineRange, Replacement, Snippet, Solution, Suggestion};
use serde::Deserialize;

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

/// Integer types a model indexes with by mistake (the spec's `int` is `i64`).
const NOT_USIZE: [&str; 8] = ["i64", "i32", "u32", "u64", "i8", "i16", "u8", "u16"];

#[derive(Deserialize)]
struct Diagnostic {
    message: String,
    code: Option<Code>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    label: Option<String>,
    #[serde(default)]
    text: Vec<SpanLine>,
}

#[derive(Deserialize)]
struct SpanLine {
    text: String,
}

/// A change at a byte range of the file: what replaces it.
type Edit = (std::ops::Range<usize>, String);

/// The change for the error in `message` (cargo's JSON `message`), if it is a known mistake.
pub fn suggestion(message: &serde_json::Value) -> Option<Suggestion> {
    let d = Diagnostic::deserialize(message).ok()?;
    let span = d.spans.iter().find(|s| s.is_primary)?;
    let code = d.code.as_ref().map(|c| c.code.as_str()).unwrap_or("");
    let edits = match code {
        "E0599" => iterator_method(&d.message, span),
        "E0277" => index(&d.message, span),
        "E0308" => char_and_integer(span),
        _ => None,
    }?;
    Some(suggestion_of(span, &d.message, edits))
}

/// `len`, `is_empty` or `iter` called on an iterator: the span is the method's name.
fn iterator_method(message: &str, span: &Span) -> Option<Vec<Edit>> {
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

/// `the type `X` cannot be indexed by `I``: the span is the index inside the brackets.
fn index(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let rest = message.strip_prefix("the type `")?;
    let (ty, rest) = rest.split_once('`')?;
    let by = rest
        .strip_prefix(" cannot be indexed by `")?
        .trim_end_matches('`');
    if ty == "str" || ty == "String" {
        let (open, close) = brackets_around(span)?;
        let receiver = receiver_start(span, open)?;
        return Some(vec![
            (receiver..receiver, "char::from(".to_string()),
            (open..open, ".as_bytes()".to_string()),
            (close + 1..close + 1, ")".to_string()),
        ]);
    }
    if ty.starts_with('[') && NOT_USIZE.contains(&by) {
        return Some(wrap(span, "(", ") as usize"));
    }
    None
}

/// A `u8` where a `char` is wanted, or a `char` where an integer is: the span is the
/// expression, its label says what was expected and found.
fn char_and_integer(span: &Span) -> Option<Vec<Edit>> {
    let label = span.label.as_deref()?;
    let rest = label.strip_prefix("expected `")?;
    let (expected, found) = rest.split_once("`, found `")?;
    match (expected, found.trim_end_matches('`')) {
        ("char", "u8") => Some(wrap(span, "char::from(", ")")),
        (int, "char") if matches!(int, "u8" | "u32" | "u64" | "i32" | "i64" | "usize") => {
            Some(wrap(span, "(", &format!(") as {int}")))
        }
        _ => None,
    }
}

/// Insertions of `before` and `after` around the span.
fn wrap(span: &Span, before: &str, after: &str) -> Vec<Edit> {
    vec![
        (span.byte_start..span.byte_start, before.to_string()),
        (span.byte_end..span.byte_end, after.to_string()),
    ]
}

/// The line of a one-line span, where the span starts in it (a byte index) and where the
/// line starts in the file.
fn span_line(span: &Span) -> Option<(&str, usize, usize)> {
    if span.line_start != span.line_end {
        return None;
    }
    let line = span.text.first()?.text.as_str();
    let start = byte_of_column(line, span.column_start)?;
    let line_at = span.byte_start.checked_sub(start)?;
    Some((line, start, line_at))
}

/// The byte offsets (in the file) of the `[` before a one-line span and the `]` after it.
fn brackets_around(span: &Span) -> Option<(usize, usize)> {
    let (line, start, line_at) = span_line(span)?;
    let end = byte_of_column(line, span.column_end)?;
    let open = line[..start].trim_end();
    let close = line[end..].trim_start();
    if !open.ends_with('[') || !close.starts_with(']') {
        return None;
    }
    let close_at = end + (line[end..].len() - close.len());
    Some((line_at + open.len() - 1, line_at + close_at))
}

/// Where the indexed value starts: a path like `s`, `self.text` or `words.0`, just before
/// its `[` (`open`, a byte offset in the file). `None` for anything more complicated.
fn receiver_start(span: &Span, open: usize) -> Option<usize> {
    let (line, _, line_at) = span_line(span)?;
    let before = line.get(..open.checked_sub(line_at)?)?;
    let path = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        .len();
    let receiver = &before[path..];
    if receiver.is_empty() || receiver.starts_with('.') || receiver.ends_with('.') {
        return None;
    }
    Some(line_at + path)
}

/// The byte index in `line` of rustc's 1-based character column.
fn byte_of_column(line: &str, column: usize) -> Option<usize> {
    let index = column.checked_sub(1)?;
    line.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .nth(index)
}

/// The edits as one rustfix suggestion with one solution, as rustc would give it.
fn suggestion_of(span: &Span, message: &str, edits: Vec<Edit>) -> Suggestion {
    let line_range = LineRange {
        start: LinePosition {
            line: span.line_start,
            column: span.column_start,
        },
        end: LinePosition {
            line: span.line_end,
            column: span.column_end,
        },
    };
    let snippet = |range: std::ops::Range<usize>| Snippet {
        file_name: span.file_name.clone(),
        line_range,
        range,
    };
    Suggestion {
        message: message.to_string(),
        snippets: vec![snippet(span.byte_start..span.byte_end)],
        solutions: vec![Solution {
            message: format!("ghost's fix for: {message}"),
            replacements: edits
                .into_iter()
                .map(|(range, replacement)| Replacement {
                    snippet: snippet(range),
                    replacement,
                })
                .collect(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc's JSON for an error whose primary span is `span` in `code`, on one line (the
    /// fields this file reads, with the values rustc gives them). `span` may be marked
    /// within its context: `text[«i»]` is the `i` of the first `text[i]`.
    fn diagnostic(
        code: &str,
        error: &str,
        message: &str,
        label: &str,
        span: &str,
    ) -> serde_json::Value {
        let (before, rest) = span.split_once('«').unwrap_or(("", span));
        let marked = rest.split('»').next().unwrap_or(rest);
        let context = span.replace(['«', '»'], "");
        let at = code.find(&context).expect("the span is in the code");
        let start = at + before.len();
        let end = start + marked.len();
        let line_begin = code[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = code[start..].find('\n').map_or(code.len(), |i| start + i);
        let line = code[..start].matches('\n').count() + 1;
        let column = |byte: usize| code[line_begin..byte].chars().count() + 1;
        serde_json::json!({
            "message": message,
            "code": {"code": error, "explanation": null},
            "level": "error",
            "spans": [{
                "file_name": "src/a/imp.rs",
                "byte_start": start,
                "byte_end": end,
                "line_start": line,
                "line_end": line,
                "column_start": column(start),
                "column_end": column(end),
                "is_primary": true,
                "label": label,
                "text": [{"text": &code[line_begin..line_end]}],
            }],
            "children": [],
            "rendered": "",
        })
    }

    fn fixed(code: &str, json: &serde_json::Value) -> Option<String> {
        let s = suggestion(json)?;
        let mut fix = rustfix::CodeFix::new(code);
        fix.apply(&s).ok()?;
        fix.finish().ok()
    }

    #[test]
    fn counts_an_iterator_on_a_clone() {
        let code = "fn f(s: &str) -> bool {\n    let parts = s.split('/');\n    parts.len() == 2 && !parts.is_empty()\n}\n";
        let len = diagnostic(
            code,
            "E0599",
            "no method named `len` found for struct `std::str::Split<'a, P>` in the current scope",
            "",
            "len",
        );
        assert_eq!(
            fixed(code, &len).as_deref(),
            Some("fn f(s: &str) -> bool {\n    let parts = s.split('/');\n    parts.clone().count() == 2 && !parts.is_empty()\n}\n")
        );
        let empty = diagnostic(
            code,
            "E0599",
            "no method named `is_empty` found for struct `Filter<I, P>` in the current scope",
            "method not found in `Filter<Chars<'_>, {closure}>`",
            "is_empty",
        );
        let after = fixed(code, &empty).expect("a fix");
        assert!(after.contains("!parts.clone().next().is_none()"), "{after}");
        let collection = diagnostic(
            code,
            "E0599",
            "no method named `len` found for struct `Meter` in the current scope",
            "",
            "len",
        );
        assert!(suggestion(&collection).is_none(), "only iterators");
    }

    #[test]
    fn a_str_indexed_by_a_number_gives_the_char_of_its_byte() {
        let code = "fn f(s: &str, i: usize) -> bool {\n    'x' == s[i + 1] && self.text[i].is_ascii()\n}\n";
        let first = diagnostic(
            code,
            "E0277",
            "the type `str` cannot be indexed by `usize`",
            "string indices are ranges of `usize`",
            "i + 1",
        );
        assert_eq!(
            fixed(code, &first).as_deref(),
            Some("fn f(s: &str, i: usize) -> bool {\n    'x' == char::from(s.as_bytes()[i + 1]) && self.text[i].is_ascii()\n}\n")
        );
        let field = diagnostic(
            code,
            "E0277",
            "the type `str` cannot be indexed by `usize`",
            "",
            "text[«i»]",
        );
        let after = fixed(code, &field).expect("a fix");
        assert!(
            after.contains("char::from(self.text.as_bytes()[i]).is_ascii()"),
            "{after}"
        );
    }

    #[test]
    fn a_slice_indexed_by_an_i64_is_indexed_by_its_usize() {
        let code = "fn f(v: &[i64], i: i64) -> i64 {\n    v[i - 1]\n}\n";
        let json = diagnostic(
            code,
            "E0277",
            "the type `[i64]` cannot be indexed by `i64`",
            "slice indices are of type `usize` or ranges of `usize`",
            "i - 1",
        );
        assert_eq!(
            fixed(code, &json).as_deref(),
            Some("fn f(v: &[i64], i: i64) -> i64 {\n    v[(i - 1) as usize]\n}\n")
        );
    }

    #[test]
    fn bytes_and_chars_are_converted_where_the_other_is_wanted() {
        let code = "fn f(x: u8, c: char) -> String {\n    let mut out = String::new();\n    out.push(x % 10 + b'0');\n    let y: u32 = c;\n    out\n}\n";
        let byte = diagnostic(
            code,
            "E0308",
            "mismatched types",
            "expected `char`, found `u8`",
            "x % 10 + b'0'",
        );
        let after = fixed(code, &byte).expect("a fix");
        assert!(
            after.contains("out.push(char::from(x % 10 + b'0'));"),
            "{after}"
        );
        let char = diagnostic(
            code,
            "E0308",
            "mismatched types",
            "expected `u32`, found `char`",
            "«c»;",
        );
        let after = fixed(code, &char).expect("a fix");
        assert!(after.contains("let y: u32 = (c) as u32;"), "{after}");
        let other = diagnostic(
            code,
            "E0308",
            "mismatched types",
            "expected `String`, found `i64`",
            "«out»\n}",
        );
        assert!(suggestion(&other).is_none(), "other mismatches are rustc's");
    }
}
