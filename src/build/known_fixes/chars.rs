//! `u8` and `char` taken for each other: a `u8` where a `char` is wanted becomes
//! `char::from(x)`, a `char` where an integer is wanted `(c) as u8`, and a `char` in
//! arithmetic with an integer that integer (`b'a'`, `(base as u8)`). A `&char` where a
//! `&str` is wanted becomes the character's string (`&c.to_string()`).

use super::{expected_found, span_line, wrap, Edit, Span};

/// A `u8` where a `char` is wanted, or a `char` where an integer is: the span is the
/// expression, its label says what was expected and found.
pub(super) fn char_and_integer(span: &Span) -> Option<Vec<Edit>> {
    match expected_found(span)? {
        ("char", "u8") => Some(wrap(span, "char::from(", ")")),
        (int, "char") if INTEGERS.contains(&int) => Some(wrap(span, "(", &format!(") as {int}"))),
        // `numeral_value(&s.chars().nth(i).expect(..))` for `fn numeral_value(s: &str)`:
        // a method call binds tighter than `&`, so `&x.to_string()` is a `&String`.
        ("&str", "&char") => Some(wrap(span, "", ".to_string()")),
        ("&str", "char") => Some(wrap(span, "&(", ").to_string()")),
        _ => None,
    }
}

/// Integer types a `char` is mixed with in arithmetic.
const INTEGERS: [&str; 6] = ["u8", "u32", "u64", "i32", "i64", "usize"];

/// `c as u8 - 'a'` (E0277, `cannot subtract `char` from `u8``): the `char` on the right of
/// the operator (the span) becomes the integer on its left, `b'a'` for an ASCII literal,
/// `(base as u8)` for a name or a method chain on one.
pub(super) fn right_operand(message: &str, span: &Span) -> Option<Vec<Edit>> {
    let rest = message
        .strip_prefix("cannot add `char` to `")
        .or_else(|| message.strip_prefix("cannot subtract `char` from `"))?;
    let int = rest.strip_suffix('`')?;
    if !INTEGERS.contains(&int) {
        return None;
    }
    let on = span_line(span)?;
    let (line, line_at) = (on.text, on.at);
    let after = &line[on.end..];
    let start = on.end + (after.len() - after.trim_start().len());
    let operand = &line[start..];
    let literal = ascii_char_literal_len(operand);
    if int == "u8" && literal.is_some() {
        return Some(vec![(line_at + start..line_at + start, "b".to_string())]);
    }
    let len = literal.or_else(|| operand_len(operand))?;
    Some(vec![
        (line_at + start..line_at + start, "(".to_string()),
        (
            line_at + start + len..line_at + start + len,
            format!(" as {int})"),
        ),
    ])
}

/// `base + shift` with `base: char` (E0369, `cannot add `u8` to `char``): the left
/// operand, the span rustc labels `char`, becomes the right one's integer type (`u8` when
/// rustc does not know it yet, `_` or `{integer}`).
pub(super) fn left_operand(message: &str, spans: &[Span]) -> Option<Vec<Edit>> {
    let right = message
        .strip_prefix("cannot add `")
        .and_then(|r| r.strip_suffix("` to `char`"))
        .or_else(|| {
            message
                .strip_prefix("cannot subtract `")
                .and_then(|r| r.strip_suffix("` from `char`"))
        })?;
    let int = match right {
        "_" | "{integer}" => "u8",
        int if INTEGERS.contains(&int) => int,
        _ => return None,
    };
    let left = spans
        .iter()
        .find(|s| !s.is_primary && s.label.as_deref() == Some("char"))?;
    Some(wrap(left, "(", &format!(" as {int})")))
}

/// The length of the char literal of one ASCII character `text` starts with, which a `b`
/// before it makes a byte literal (`'a'`, `'\n'`; not `'é'`, not `'\u{e9}'`).
fn ascii_char_literal_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('\'')?;
    let mut chars = rest.chars();
    let len = match chars.next()? {
        '\\' => matches!(chars.next()?, 'n' | 't' | 'r' | '\\' | '\'' | '0').then_some(4)?,
        c if c.is_ascii() && c != '\'' => 3,
        _ => return None,
    };
    (chars.next()? == '\'').then_some(len)
}

/// The length of the operand `text` starts with: a name, a field path or a chain of
/// method calls without arguments (`base`, `self.base`, `c.to_ascii_lowercase()`).
fn operand_len(text: &str) -> Option<usize> {
    let mut len = 0;
    let bytes = text.as_bytes();
    while len < bytes.len() {
        let b = bytes[len];
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
            len += 1;
        } else if text[len..].starts_with("()") {
            len += 2;
        } else {
            break;
        }
    }
    let operand = &text[..len];
    let starts_well = operand
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    // Only a whole operand: not the start of `key[i]`, `f(x)` or `char::from(d)`.
    let rest = text[len..].trim_start();
    let ends = rest.is_empty()
        || rest.starts_with([
            ')', ';', ',', '}', ']', '+', '-', '*', '/', '%', '<', '>', '=', '&', '|', '^',
        ]);
    (starts_well && ends && !operand.ends_with('.')).then_some(len)
}
