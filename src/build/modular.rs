//! Modular arithmetic done in `i64`: `(c as u8 - b + k as u8) % 26` that overflowed
//! becomes `((c as i64 - (b as i64) + k as i64).rem_euclid(26) as u8)`, one of ghost's
//! small edits (`mutants.rs`), tried when a failing test panicked with an overflow.
//!
//! In: the attempt's code and the byte ranges of the bodies to edit. Out: one variant of
//! the code for each `(...) % N` whose left side casts to a narrow integer type.
//!
//! Why: a small model wraps a shift around an alphabet or a ring in the type of its
//! characters (`u8`) and casts a signed amount into it (`k as u8`): a negative or large
//! amount overflows, or wraps the wrong way (the evaluation's `algo.caesar`, every run).
//! Computed in `i64` with `rem_euclid`, the remainder is never negative and nothing
//! overflows; the value goes back to the type the code used.

use super::mutants::code_mask;

/// The narrow integer types a model casts into before a `%`.
const NARROW: &[&str] = &["u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32"];

/// The variants of `code`, one per `(...) % N` inside `bodies` (byte ranges) whose
/// parenthesised left side casts to a narrow type, each with what changed.
pub fn in_i64(code: &str, bodies: &[(usize, usize)]) -> Vec<(String, String)> {
    let mask = code_mask(code);
    let b = code.as_bytes();
    let mut out = Vec::new();
    for (at, _) in code.match_indices(") % ") {
        let close = at;
        if !mask[close] || !bodies.iter().any(|(s, e)| close >= *s && close < *e) {
            continue;
        }
        let modulus: String = code[at + 4..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '_')
            .collect();
        let after = at + 4 + modulus.len();
        if modulus.is_empty() || code[after..].starts_with(|c: char| c.is_alphanumeric()) {
            continue;
        }
        let Some(open) = super::mutants::enclosing(b, &mask, close, (b'(', b')')) else {
            continue;
        };
        let inner = &code[open..=close];
        let Some(narrow) = first_cast(inner) else {
            continue;
        };
        let wide = widened(inner);
        let edited = format!(
            "{}({wide}.rem_euclid({modulus}) as {narrow}){}",
            &code[..open],
            &code[after..]
        );
        let what = format!(
            "`{}.rem_euclid({modulus})` in `i64` for `{} % {modulus}`",
            one_line(&wide),
            one_line(inner)
        );
        out.push((edited, what));
    }
    out
}

/// The first narrow type `text` casts to (`as u8`).
fn first_cast(text: &str) -> Option<&'static str> {
    casts(text).into_iter().next().map(|(_, _, t)| t)
}

/// Each `as T` with `T` narrow: its byte range and `T`.
fn casts(text: &str) -> Vec<(usize, usize, &'static str)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(" as ") {
        let rest = &text[at + 4..];
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if let Some(t) = NARROW.iter().find(|t| **t == word) {
            out.push((at, at + 4 + word.len(), *t));
        }
    }
    out
}

/// `text` with every narrow cast made `as i64`, and byte literals (`b'a'`) cast too.
fn widened(text: &str) -> String {
    let mut out = text.to_string();
    for (start, end, _) in casts(text).into_iter().rev() {
        out.replace_range(start..end, " as i64");
    }
    let mut i = 0;
    let mut result = String::with_capacity(out.len());
    let bytes = out.as_bytes();
    while i < out.len() {
        // `b'a'` or `b'\n'`, not inside a name (`sub'`).
        let literal_len = if bytes[i] == b'b'
            && bytes.get(i + 1) == Some(&b'\'')
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        {
            out[i + 2..].find('\'').map(|end| {
                // `b'\''`: the escaped quote is not the end.
                let end = if out[i + 2..].starts_with("\\'") {
                    out[i + 4..].find('\'').map_or(end, |e| e + 2)
                } else {
                    end
                };
                end + 3
            })
        } else {
            None
        };
        match literal_len {
            Some(len) => {
                result.push_str(&format!("({} as i64)", &out[i..i + len]));
                i += len;
            }
            None => {
                let c = out[i..].chars().next().unwrap_or(' ');
                result.push(c);
                i += c.len_utf8();
            }
        }
    }
    result
}

/// `text` on one line, for the run log.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(code: &str) -> Vec<(usize, usize)> {
        vec![(0, code.len())]
    }

    #[test]
    fn a_shift_in_u8_is_done_in_i64() {
        let code =
            "let shifted = ((c as u8 - (base as u8) + k as u8) % 26 + (base as u8)) as char;";
        let found = in_i64(code, &whole(code));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].0,
            "let shifted = (((c as i64 - (base as i64) + k as i64).rem_euclid(26) as u8) + (base as u8)) as char;"
        );
        assert!(found[0].1.contains("rem_euclid(26)"), "{}", found[0].1);
    }

    #[test]
    fn byte_literals_are_widened_and_other_remainders_left_alone() {
        let code =
            "let o = (c as u8 - b'a' + k as u8) % 26; let q = (n + 1) % 7; let r = (x as u8) % m;";
        let found = in_i64(code, &whole(code));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].0.starts_with(
                "let o = ((c as i64 - (b'a' as i64) + k as i64).rem_euclid(26) as u8);"
            ),
            "{}",
            found[0].0
        );
    }

    #[test]
    fn strings_comments_and_other_bodies_are_not_edited() {
        let code =
            "// (c as u8 + k) % 26\nlet s = \"(c as u8) % 26\";\nlet t = (c as u8 + k) % 26;";
        assert!(in_i64(code, &[(0, 10)]).is_empty());
        assert_eq!(in_i64(code, &whole(code)).len(), 1);
    }
}
