//! An integer of one type where another is wanted, and no fix from rustc: an operand of
//! arithmetic mixing the spec's `int` (`i64`) with a length or an index (`usize`), as in
//! `min(i + size, xs.len())` with `i: usize` and `size: i64` (E0308 on `size`; the E0277
//! `cannot add `i64` to `usize`` on the operator goes with it). Where a value is passed or
//! returned rustc suggests `.try_into().unwrap()` itself, and that is taken first
//! (`rustc_fixes.rs`); for an operand it suggests nothing, as `try_into` could not be
//! inferred there. The operand is cast to the type wanted, `(size as usize)`: the
//! expression then has the type its surroundings need (a slice bound, a length), and the
//! tests decide what a negative value does.

use super::{expected_found, span_line, wrap, Edit, Span};
use crate::compile::rust::NUMBER_TYPES;

/// `(x as usize)` for an integer `x` of another type where a `usize` is wanted, and so for
/// every pair of integer types.
pub(super) fn integer_as_integer(span: &Span) -> Option<Vec<Edit>> {
    let (expected, found) = expected_found(span)?;
    let integer = |t: &str| NUMBER_TYPES.contains(&t) && !t.starts_with('f');
    if expected == found || !integer(expected) || !integer(found) {
        return None;
    }
    let on = span_line(span)?;
    let operand = &on.text[on.start..on.end];
    // A name, a field, a call or an index binds tighter than `as`; anything else
    // (`a - b`, `x as i64`) is bracketed first.
    let tight = !operand.is_empty()
        && operand
            .chars()
            .all(|c| c.is_alphanumeric() || "_.:()[]".contains(c));
    Some(if tight {
        wrap(span, "(", &format!(" as {expected})"))
    } else {
        wrap(span, "((", &format!(") as {expected})"))
    })
}
