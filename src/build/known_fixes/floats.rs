//! A float where an integer is wanted (E0308, ``expected `i64`, found `f64` ``): the model
//! computed an integer through floats (`(percent / 100.0) * 100.0` returned as the spec's
//! `int`), and rustc offers no conversion, as it is lossy. The value is rounded to the
//! nearest integer: what the computation means when it stays in whole numbers, where a
//! plain `as` would truncate `28.999999999999996` to 28. The tests decide the rest.

use super::{expected_found, wrap, Edit, Span};

/// Integer types a float is turned into.
const INTEGERS: [&str; 10] = [
    "i64", "i32", "i16", "i8", "isize", "u64", "u32", "u16", "u8", "usize",
];

/// `((x).round() as i64)` for a float `x` where an `i64` (or another integer) is wanted.
pub(super) fn float_as_integer(span: &Span) -> Option<Vec<Edit>> {
    let (expected, found) = expected_found(span)?;
    if !INTEGERS.contains(&expected) || !matches!(found, "f64" | "f32") {
        return None;
    }
    Some(wrap(span, "((", &format!(").round() as {expected})")))
}
