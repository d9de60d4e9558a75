//! A failed assertion whose two values differ only in floating-point rounding: the spec's
//! exact `float` (docs/language.md: floats compare exactly) against what any computation
//! in `f64` gives.
//!
//! In: a failing test's output. Out: the two printed values, when every part of them is
//! equal but one or more floats that differ in the last digits (`Some(0.15000000000000002)`
//! against `Some(0.15)`).
//!
//! Why: `example mean([0.1, 0.2]) == some(0.15)` fails every right implementation, and
//! the build blamed the code and spent its attempts on repairs no code can pass; told as
//! the spec's fault, two attempts failing the same way end the build with what to write.

/// How far apart two floats may be, relative to the larger, to count as one value rounded
/// two ways.
const RELATIVE: f64 = 1e-9;

/// The code's value and the spec's (`left:` and `right:` of the assertion), when they
/// differ only in floating-point rounding.
pub fn rounding_only(output: &str) -> Option<(String, String)> {
    let (got, want) = super::mutants::left_right(output)?;
    let (got, want) = (got.trim(), want.trim());
    let (a, b) = (parts(got), parts(want));
    if got == want || a.len() != b.len() {
        return None;
    }
    let mut rounded = false;
    for (x, y) in a.iter().zip(&b) {
        match (x, y) {
            (Part::Text(x), Part::Text(y)) if x == y => {}
            (Part::Float(x), Part::Float(y)) if x == y => {}
            (Part::Float(x), Part::Float(y)) if close(*x, *y) => rounded = true,
            _ => return None,
        }
    }
    rounded.then(|| (got.to_string(), want.to_string()))
}

/// A printed value cut into floats (numbers with a `.` or an exponent) and the text
/// between them; strings are text, whatever they hold.
#[derive(Debug, PartialEq)]
enum Part {
    Text(String),
    Float(f64),
}

fn parts(value: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = value.chars().collect();
    let (mut i, mut in_string) = (0, false);
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            text.push(c);
            if c == '\\' && i + 1 < chars.len() {
                text.push(chars[i + 1]);
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        let starts_number = (c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if starts_number {
            let end = (i + 1..chars.len())
                .find(|&j| {
                    let d = chars[j];
                    !(d.is_ascii_digit()
                        || d == '.'
                        || d == 'e'
                        || d == 'E'
                        || ((d == '-' || d == '+') && matches!(chars[j - 1], 'e' | 'E')))
                })
                .unwrap_or(chars.len());
            let number: String = chars[i..end].iter().collect();
            let float = number.contains(['.', 'e', 'E']);
            match number.parse::<f64>() {
                Ok(f) if float => {
                    out.push(Part::Text(std::mem::take(&mut text)));
                    out.push(Part::Float(f));
                }
                _ => text.push_str(&number),
            }
            i = end;
            continue;
        }
        in_string = c == '"';
        text.push(c);
        i += 1;
    }
    out.push(Part::Text(text));
    out
}

fn close(x: f64, y: f64) -> bool {
    x.is_finite() && y.is_finite() && (x - y).abs() <= RELATIVE * x.abs().max(y.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(left: &str, right: &str) -> String {
        format!("thread 'example_mean_1' panicked at tests/stats.rs:9:5:\nassertion `left == right` failed\n  left: {left}\n right: {right}\n")
    }

    #[test]
    fn values_apart_only_in_the_last_digits_of_a_float_are_rounding() {
        let got = rounding_only(&failed("Some(0.15000000000000002)", "Some(0.15)"));
        assert_eq!(
            got,
            Some(("Some(0.15000000000000002)".into(), "Some(0.15)".into()))
        );
        let list = failed(
            "[Point { x: 0.30000000000000004, y: -1.0 }]",
            "[Point { x: 0.3, y: -1.0 }]",
        );
        assert!(rounding_only(&list).is_some());
        assert!(rounding_only(&failed("1e-7", "1.0000000000000001e-7")).is_some());
    }

    #[test]
    fn any_other_difference_is_the_code_s() {
        assert_eq!(rounding_only(&failed("Some(0.25)", "Some(0.15)")), None);
        assert_eq!(rounding_only(&failed("None", "Some(0.15)")), None);
        assert_eq!(
            rounding_only(&failed("(0.30000000000000004, 2)", "(0.3, 3)")),
            None,
            "an int differs too"
        );
        assert_eq!(
            rounding_only(&failed("\"0.30000000000000004\"", "\"0.3\"")),
            None,
            "text, not a float"
        );
        assert_eq!(rounding_only(&failed("12", "13")), None);
        assert_eq!(rounding_only("no assertion here"), None);
    }
}
