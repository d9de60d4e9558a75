//! Fixes for mistakes small models make often and rustc offers no change for, written
//! the way rustc writes its own suggestions, so `rustc_fixes.rs` applies them alike.
//!
//! In: rustc's JSON diagnostic of one error (cargo's `message`). Out: a change to the code,
//! when the error is one of the mistakes below. The change is what the model meant, in the
//! types the code actually has:
//!
//! - `len` or `is_empty` called on an iterator (`s.split('/').len()`): counted on a clone,
//!   `parts.clone().count()`, `parts.clone().next().is_none()`; `iter()` on one: `clone()`.
//! - a `str` indexed by a number (`s[i]`): the char at that place,
//!   `s.chars().nth(i).expect(..)`.
//! - a slice or `Vec` indexed by a number that is not a `usize` (`v[i]`, `i: i64`):
//!   `v[(i) as usize]`.
//! - a `u8` where a `char` is wanted: `char::from(x)`; a `char` where an integer is
//!   wanted: `(c) as u8`; a `char` in arithmetic with a `u8`: `b'a'`, `(base as u8)`.
//! - a `Vec` of references where one of owned values is wanted (`Vec<(&String, &i64)>`):
//!   the elements cloned, `.into_iter().map(..).collect::<Vec<_>>()`; references
//!   collected into owned values: `.map(..).collect()`.
//! - an iterator collected into a tuple (`(i64, i64, i64, i64)`): collected into a `Vec`,
//!   the tuple made of its first elements.
//! - an integer of one type where another is wanted, and rustc suggests nothing (an
//!   operand of arithmetic, `i + size` with `i: usize` and `size: i64`): `(size as usize)`.
//! - a float where an integer is wanted (`Ok(x / 100.0 * 100.0)` for a `Result<i64, _>`):
//!   rounded, `((x).round() as i64)`.
//! - `String::from` given a `&&str`, a number or a `bool`: `ToString::to_string`.
//! - a `&str` where a `&String` is wanted (`names.contains(name)` on a `Vec<String>`):
//!   `&(name).to_string()`.
//! - `is_empty` called on a type that has none (a module's own type with a `len`):
//!   `len().eq(&0)`.
//! - a range given to `remove` (`s.remove(0..n)`): `drain`, which takes one.
//! - a value used after a move: cloned where it was moved.
//! - `?` on a parse error in a function returning the module's error
//!   (`part.parse::<u8>()?`): mapped to the error's variant for text that is not a number,
//!   `.map_err(|_| Ipv4Error::NotANumber(part.to_string()))?`.
//! - a closure given as a `str` method's pattern whose parameter's type rustc cannot
//!   infer (`s.split(|c| c.is_ascii_digit())`, E0282): `|c: char|`.
//! - a closure's parameter used in the body of the `for` loop whose head it is in
//!   (`for word in s.split(' ').filter(|w| ..) { f(w) }`): the loop's binding, `f(word)`.
//!
//! A guess that makes things worse costs one compile: fixed code is kept only when it is
//! closer to compiling (`fixes_helped` in `generate.rs`), and the acceptance tests still
//! decide.

mod chars;
mod closures;
mod floats;
mod indexing;
mod integers;
mod iterators;
mod names;
mod ownership;
mod parse_errors;
mod ranges;

use super::cargo::CompilerMessage;
use rustfix::{LinePosition, LineRange, Replacement, Snippet, Solution, Suggestion};
use serde::Deserialize;

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
        "E0599" => iterators::method(&d.message, span)
            .or_else(|| iterators::is_empty_without_one(&d.message, span)),
        "E0277" => indexing::index(&d.message, span)
            .or_else(|| chars::right_operand(&d.message, span))
            .or_else(|| ownership::string_from_other(&d.message, span))
            .or_else(|| ownership::collected_references(&d.message, span))
            .or_else(|| ownership::collected_tuple(&d.message, span)),
        "E0308" => chars::char_and_integer(span)
            .or_else(|| floats::float_as_integer(span))
            .or_else(|| ownership::borrowed_elements(span))
            .or_else(|| ownership::str_for_string_reference(span))
            .or_else(|| ranges::remove_range(span))
            .or_else(|| integers::integer_as_integer(span)),
        "E0282" => closures::pattern_parameter(span),
        "E0369" => chars::left_operand(&d.message, &d.spans),
        "E0382" => ownership::clone_moved(&d),
        _ => None,
    }?;
    Some(suggestion_of(span, &d.message, edits))
}

/// `errors` with ghost's fixes that need the code itself (not only the line rustc
/// quotes); `code` is the text of the file the errors point into. These take the place
/// of rustc's own suggestion: what they match says more than rustc's guess (for `w`
/// used in `for word in ..filter(|w| ..)`, rustc offers any local one letter away, `n`).
///
/// `enums` are the module's enums and errors: `?` on a parse error is mapped to the
/// module's error for text that is not a number (`parse_errors.rs`).
pub fn with_code_fixes(
    code: &str,
    errors: &[CompilerMessage],
    enums: &[crate::check::Enum],
) -> Vec<CompilerMessage> {
    errors
        .iter()
        .map(|e| {
            let mut e = e.clone();
            let fix = names::closure_parameter_in_loop(code, &e)
                .or_else(|| parse_errors::parse_error_mapped(code, &e, enums));
            if let Some(fix) = fix {
                e.suggestion = Some(fix);
            }
            e
        })
        .collect()
}

/// Where an error's primary span starts in `code`, the file it points into (fixes that
/// read the file itself, not only the line rustc quotes): its byte, its line's text and
/// where that line starts.
struct Point<'a> {
    byte: usize,
    line_text: &'a str,
    line_at: usize,
}

impl<'a> Point<'a> {
    fn of(code: &'a str, e: &CompilerMessage) -> Option<Self> {
        let line = e.line? as usize;
        let lines: Vec<&str> = code.split_inclusive('\n').collect();
        let line_text = lines
            .get(line.checked_sub(1)?)?
            .trim_end_matches(['\n', '\r']);
        let line_at: usize = lines[..line - 1].iter().map(|l| l.len()).sum();
        let start = byte_of_column(line_text, e.column? as usize)?;
        Some(Point {
            byte: line_at + start,
            line_text,
            line_at,
        })
    }

    /// The span of `len` bytes from the point, as rustc's JSON gives one.
    fn span(&self, e: &CompilerMessage, len: usize) -> Option<Span> {
        let start = self.byte - self.line_at;
        let column = e.column? as usize;
        Some(Span {
            file_name: e.file.clone()?,
            byte_start: self.byte,
            byte_end: self.byte + len,
            line_start: e.line? as usize,
            line_end: e.line? as usize,
            column_start: column,
            column_end: column + self.line_text.get(start..start + len)?.chars().count(),
            is_primary: true,
            label: None,
            text: vec![SpanLine {
                text: self.line_text.to_string(),
            }],
        })
    }
}

/// Insertions of `before` and `after` around the span.
fn wrap(span: &Span, before: &str, after: &str) -> Vec<Edit> {
    vec![
        (span.byte_start..span.byte_start, before.to_string()),
        (span.byte_end..span.byte_end, after.to_string()),
    ]
}

/// A one-line span within its line.
struct OnLine<'a> {
    /// The whole line.
    text: &'a str,
    /// Where the span starts and ends in the line (byte indices).
    start: usize,
    end: usize,
    /// Where the line starts in the file (a byte offset).
    at: usize,
}

/// The line of a one-line span, and where the span and the line are.
fn span_line(span: &Span) -> Option<OnLine<'_>> {
    if span.line_start != span.line_end {
        return None;
    }
    let text = span.text.first()?.text.as_str();
    let start = byte_of_column(text, span.column_start)?;
    let end = byte_of_column(text, span.column_end)?;
    let at = span.byte_start.checked_sub(start)?;
    Some(OnLine {
        text,
        start,
        end,
        at,
    })
}

/// `("char", "u8")` of a span labelled ``expected `char`, found `u8` ``.
fn expected_found(span: &Span) -> Option<(&str, &str)> {
    let label = span.label.as_deref()?;
    let rest = label.strip_prefix("expected `")?;
    let (expected, found) = rest.split_once("`, found `")?;
    Some((expected, found.strip_suffix('`')?))
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
mod tests;
