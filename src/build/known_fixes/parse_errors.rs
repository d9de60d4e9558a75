//! `?` on a parse error in a function that returns the module's error:
//! `let n = part.parse::<i64>()?;` in a function returning `Result<_, Ipv4Error>`
//! (E0277, `` `?` couldn't convert the error to `Ipv4Error` ``), or `part.parse()?` where
//! the type is inferred (E0271, `` type mismatch resolving `<i64 as FromStr>::Err ==
//! Ipv4Error` ``). The module's error has no `From<ParseIntError>`, and rustc offers
//! nothing: the model meant the error the spec gives for text that is not a number. The
//! most frequent compile error left in the evaluation's logs (docs/evals.md): the example
//! reply's `map_err` did not stop it.
//!
//! The parse error is mapped, `.map_err(|_| Ipv4Error::NotANumber(part.to_string()))?`,
//! to the variant whose name says "not a number" (`NotANumber`, `BadDigit`, `BadFormat`,
//! ...; see [`NUMBER_WORDS`]), with the text that did not parse when the variant holds a
//! `str`. No such variant, no fix: a guess among unrelated variants is the model's to make.
//! A variant that is right for some inputs and not others is the tests' to tell (and a
//! wrong variant is one of ghost's small edits, `mutants.rs`).

use super::{suggestion_of, Edit, Point};
use crate::build::cargo::CompilerMessage;
use crate::check::{Enum, Ty, VariantModel};
use rustfix::Suggestion;

/// Words in the name of a variant meaning "this text is not a number", the most telling
/// first: `NotANumber` and `BadNumber` win over `BadFormat`, which wins over `Bad...`.
const NUMBER_WORDS: [&str; 9] = [
    "Number",
    "Digit",
    "Int",
    "Format",
    "Parse",
    "Invalid",
    "Malformed",
    "Syntax",
    "Bad",
];

/// The number types `parse` is given by the E0271 fix (`parse::<i64>()`).
const NUMBERS: [&str; 12] = [
    "i64", "i32", "i16", "i8", "isize", "u64", "u32", "u16", "u8", "usize", "f64", "f32",
];

/// The fix for `e`, an error in `code` (the imp.rs it points into), given the module's
/// enums (among them its errors).
pub(super) fn parse_error_mapped(
    code: &str,
    e: &CompilerMessage,
    enums: &[Enum],
) -> Option<Suggestion> {
    let first = e.rendered.lines().next()?;
    if !e.file.as_deref()?.ends_with("imp.rs") {
        return None;
    }
    let at = Point::of(code, e)?;
    let (edits, len): (Vec<Edit>, usize) = if let Some(rest) =
        first.strip_prefix("error[E0277]: `?` couldn't convert the error to `")
    {
        let parse_error = ["ParseIntError", "ParseFloatError"]
            .iter()
            .any(|t| e.rendered.contains(t));
        if !parse_error || code.as_bytes().get(at.byte) != Some(&b'?') {
            return None;
        }
        let error = last_segment(rest.strip_suffix('`')?);
        let variant = variant_for(enums, error, unparsed_text(code, at.byte).as_deref())?;
        (
            vec![(at.byte..at.byte, format!(".map_err(|_| {variant})"))],
            1,
        )
    } else if let Some(rest) = first.strip_prefix("error[E0271]: type mismatch resolving `<") {
        let (number, rest) = rest.split_once(" as FromStr>::Err == ")?;
        let error = last_segment(rest.strip_suffix('`')?);
        if !NUMBERS.contains(&number) || !code[at.byte..].starts_with("parse()?") {
            return None;
        }
        let receiver = code[..at.byte]
            .strip_suffix('.')
            .and_then(receiver_before)
            .map(|r| format!("{r}.to_string()"));
        let variant = variant_for(enums, error, receiver.as_deref())?;
        let after_name = at.byte + "parse".len();
        let after_call = after_name + "()".len();
        (
            vec![
                (after_name..after_name, format!("::<{number}>")),
                (after_call..after_call, format!(".map_err(|_| {variant})")),
            ],
            "parse".len(),
        )
    } else {
        return None;
    };
    let span = at.span(e, len)?;
    Some(suggestion_of(&span, first, edits))
}

/// `Ipv4Error` of `ip::Ipv4Error`.
fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

/// The variant of error `error` that says "not a number", as an expression: a unit
/// variant, or one holding a `str` when `text` (the text that did not parse, as a
/// `String` expression) is known.
fn variant_for(enums: &[Enum], error: &str, text: Option<&str>) -> Option<String> {
    let e = enums.iter().find(|e| e.name == error)?;
    let fits = |v: &VariantModel| match v.fields.as_slice() {
        [] => Some(format!("{}::{}", e.name, v.name)),
        [Ty::Str] => text.map(|t| format!("{}::{}({t})", e.name, v.name)),
        _ => None,
    };
    NUMBER_WORDS.iter().find_map(|word| {
        e.variants
            .iter()
            .filter(|v| v.name.contains(word))
            .find_map(fits)
    })
}

/// The text a call ending just before `question` (the `?`) tried to parse, as a
/// `String` expression: `part.to_string()` for `part.parse::<u8>()`, `(&s[1..3])
/// .to_string()` for `u8::from_str_radix(&s[1..3], 16)`.
fn unparsed_text(code: &str, question: usize) -> Option<String> {
    let head = code[..question].strip_suffix(')')?;
    let open = opening(head, '(', ')')?;
    let args = &head[open + 1..];
    let callee = &head[..open];
    if callee.ends_with("from_str_radix") {
        let first = args.split(',').next()?.trim();
        return (!first.is_empty() && !first.contains(['"', '\'']))
            .then(|| format!("({first}).to_string()"));
    }
    // `.parse()` or `.parse::<T>()`, given nothing.
    if !args.trim().is_empty() {
        return None;
    }
    let callee = match callee.strip_suffix('>') {
        Some(generic) => generic.rsplit_once("::<")?.0,
        None => callee,
    };
    let receiver = callee.strip_suffix("parse")?.strip_suffix('.')?;
    receiver_before(receiver).map(|r| format!("{r}.to_string()"))
}

/// The expression `text` ends with, as a method's receiver: names, field and method
/// accesses, paths, indexing and calls (`self.parts[i]`, `s.trim()`). None when it
/// advances something (`it.next()`): a second evaluation in the error would read
/// another value.
fn receiver_before(text: &str) -> Option<&str> {
    let mut end = text.len();
    loop {
        let before = &text[..end];
        let step = match before.chars().next_back() {
            Some(')') => opening(before.strip_suffix(')')?, '(', ')')?,
            Some(']') => opening(before.strip_suffix(']')?, '[', ']')?,
            Some(c) if c.is_alphanumeric() || c == '_' || c == '.' => end - c.len_utf8(),
            Some(':') if before.ends_with("::") => end - 2,
            // A turbofish, `collect::<String>()`.
            Some('>') => before
                .rfind("::<")
                .filter(|&i| !before[i..].contains('('))?,
            _ => break,
        };
        end = step;
    }
    let receiver = &text[end..];
    let starts_well = receiver.starts_with(|c: char| c.is_alphabetic() || c == '_')
        || (receiver.starts_with('(') && !receiver.starts_with("()"));
    let advances = ["next(", "pop(", "remove(", "take("]
        .iter()
        .any(|m| receiver.contains(m));
    (starts_well && !advances && !receiver.contains(['"', '\''])).then_some(receiver)
}

/// The byte index in `text` of the bracket `open` that the text's end closes (the
/// closing bracket already taken off), skipping nested pairs.
fn opening(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        if c == close {
            depth += 1;
        } else if c == open {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc's error `first_line` at the first `marker` of `code` (its line and column).
    fn error(code: &str, first_line: &str, marker: &str) -> CompilerMessage {
        let at = code.find(marker).expect("the marker is in the code");
        let line = code[..at].matches('\n').count() + 1;
        let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
        CompilerMessage {
            level: "error".into(),
            file: Some("src/net/ip/imp.rs".into()),
            line: Some(line as u32),
            column: Some((code[line_start..at].chars().count() + 1) as u32),
            rendered: format!("{first_line}\n  --> src/net/ip/imp.rs:{line}:1\n   = note: has type `Result<_, ParseIntError>`\n"),
            suggestion: None,
        }
    }

    fn error_enum(variants: &[(&str, Vec<Ty>)]) -> Vec<Enum> {
        vec![Enum {
            name: "IpError".into(),
            is_error: true,
            doc: None,
            variants: variants
                .iter()
                .map(|(name, fields)| VariantModel {
                    name: name.to_string(),
                    fields: fields.clone(),
                })
                .collect(),
            ordered: false,
            span: Default::default(),
        }]
    }

    fn fixed(code: &str, e: &CompilerMessage, enums: &[Enum]) -> Option<String> {
        let s = parse_error_mapped(code, e, enums)?;
        let mut fix = rustfix::CodeFix::new(code);
        fix.apply(&s).ok()?;
        fix.finish().ok()
    }

    const QUESTION: &str = "error[E0277]: `?` couldn't convert the error to `ip::IpError`";

    #[test]
    fn a_parse_error_becomes_the_variant_for_text_that_is_not_a_number() {
        let enums = error_enum(&[
            ("WrongPartCount", vec![Ty::Int]),
            ("BadFormat", vec![]),
            ("NotANumber", vec![Ty::Str]),
        ]);
        let code = "pub fn f(parts: &[&str]) -> Result<i64, IpError> {\n    let n = parts[0].trim().parse::<i64>()?;\n    Ok(n)\n}\n";
        assert_eq!(
            fixed(code, &error(code, QUESTION, "?;"), &enums).as_deref(),
            Some(
                code.replace(
                    "parse::<i64>()?",
                    "parse::<i64>().map_err(|_| IpError::NotANumber(parts[0].trim().to_string()))?"
                )
                .as_str()
            )
        );
        // `from_str_radix`: the text is its first argument.
        let hex = "fn g(s: &str) -> Result<u8, IpError> {\n    let x = u8::from_str_radix(&s[1..3], 16)?;\n    Ok(x)\n}\n";
        assert_eq!(
            fixed(hex, &error(hex, QUESTION, "?;"), &enums).as_deref(),
            Some(
                hex.replace(
                    "16)?",
                    "16).map_err(|_| IpError::NotANumber((&s[1..3]).to_string()))?"
                )
                .as_str()
            )
        );
        // A receiver with a turbofish, read whole.
        let collected = "fn c(s: &str) -> Result<i64, IpError> {\n    Ok(s.chars().collect::<String>().parse::<i64>()?)\n}\n";
        assert!(
            fixed(collected, &error(collected, QUESTION, "?)"), &enums)
                .is_some_and(|c| c
                    .contains("IpError::NotANumber(s.chars().collect::<String>().to_string())")),
        );
        // A text read by advancing an iterator cannot be read again: a unit variant then.
        let next = "fn h(it: &mut std::str::Split<char>) -> Result<i64, IpError> {\n    Ok(it.next().unwrap().parse::<i64>()?)\n}\n";
        assert_eq!(
            fixed(next, &error(next, QUESTION, "?)"), &enums).as_deref(),
            Some(
                next.replace("()?", "().map_err(|_| IpError::BadFormat)?")
                    .as_str()
            )
        );
    }

    #[test]
    fn an_inferred_parse_is_given_its_type() {
        let enums = error_enum(&[("BadNumber", vec![Ty::Str])]);
        let code =
            "fn f(s: &str) -> Result<i64, IpError> {\n    let n: i64 = s.parse()?;\n    Ok(n)\n}\n";
        let e = error(
            code,
            "error[E0271]: type mismatch resolving `<i64 as FromStr>::Err == IpError`",
            "parse()",
        );
        assert_eq!(
            fixed(code, &e, &enums).as_deref(),
            Some(
                code.replace(
                    "s.parse()?",
                    "s.parse::<i64>().map_err(|_| IpError::BadNumber(s.to_string()))?"
                )
                .as_str()
            )
        );
    }

    #[test]
    fn no_variant_saying_not_a_number_no_fix() {
        let code = "fn f(s: &str) -> Result<i64, IpError> {\n    Ok(s.parse::<i64>()?)\n}\n";
        let e = error(code, QUESTION, "?)");
        // Only variants of other meanings, or holding numbers.
        let enums = error_enum(&[("Empty", vec![]), ("BadLength", vec![Ty::Int])]);
        assert!(parse_error_mapped(code, &e, &enums).is_none());
        // Another error type than the module's, or not a parse error.
        let enums = error_enum(&[("BadNumber", vec![Ty::Str])]);
        let other = error(
            code,
            "error[E0277]: `?` couldn't convert the error to `Other`",
            "?)",
        );
        assert!(parse_error_mapped(code, &other, &enums).is_none());
        let mut io = e.clone();
        io.rendered = io.rendered.replace("ParseIntError", "io::Error");
        assert!(parse_error_mapped(code, &io, &enums).is_none());
        // The column points elsewhere than a `?`.
        let off = error(code, QUESTION, "parse");
        assert!(parse_error_mapped(code, &off, &enums).is_none());
        // The same module's error: the fix applies.
        assert!(parse_error_mapped(code, &e, &enums).is_some());
    }
}
