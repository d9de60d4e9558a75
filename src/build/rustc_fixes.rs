//! The compiler's own fixes: rustc's suggestions for the errors in a module's `imp.rs`,
//! applied without asking the model.
//!
//! In: rustc's JSON diagnostic of each error (read by `cargo.rs`) and the code it was
//! reported on. Out: the code with, for each error, the first change rustc suggested.
//!
//! Small models make the mistakes rustc knows how to fix (`mut` missing on a binding,
//! `usize` where `i64` is wanted, a missing `&` or `.to_string()`), and a repair round trip
//! to the model costs a thousand tokens and a minute where applying the suggestion costs
//! one compile. Only suggestions that need nothing filled in are taken (rustc's
//! `MachineApplicable` and `MaybeIncorrect`, never `HasPlaceholders`); a wrong guess is not
//! a risk, since the acceptance tests still decide, and code that does not get better is
//! not kept (see `generate.rs`).

use super::cargo::CompilerMessage;
use rustfix::diagnostics::{Applicability, Diagnostic};
use rustfix::{CodeFix, Suggestion};
use std::collections::HashSet;

/// How many times one attempt's code is fixed and compiled again: rustc reports type
/// errors before borrow errors, so a fix can bring the next error to light.
pub const MAX_ROUNDS: u32 = 3;

/// How many errors' fixes are tried one at a time, in a round where all of them together
/// did not help (each try is a compile).
pub const MAX_SINGLE_TRIES: usize = 3;

/// The suggestion in one rustc diagnostic (the `message` of cargo's JSON line), if it has
/// one that can be applied as it is.
pub fn suggestion(message: &serde_json::Value) -> Option<Suggestion> {
    let mut diagnostic: Diagnostic = serde::Deserialize::deserialize(message).ok()?;
    for child in &mut diagnostic.children {
        child.spans.retain(|s| {
            matches!(
                s.suggestion_applicability,
                Some(Applicability::MachineApplicable | Applicability::MaybeIncorrect)
            )
        });
        for span in &mut child.spans {
            mend_mut_binding(span);
        }
    }
    rustfix::collect_suggestions(
        &diagnostic,
        &HashSet::<String>::new(),
        rustfix::Filter::Everything,
    )
}

/// rustc 1.95 suggests making a binding inside a pattern mutable (`for (i, c) in ...`
/// then `i += 1`, E0384) by inserting `(mut i) ` before the `i`, which gives
/// `for ((mut i) i, c)`: a syntax error where the fix was meant. The insertion it meant is
/// `mut `; this mends the suggestion when the name it quotes stands right after it.
fn mend_mut_binding(span: &mut rustfix::diagnostics::DiagnosticSpan) {
    let Some(name) = span
        .suggested_replacement
        .as_deref()
        .and_then(|r| r.strip_prefix("(mut "))
        .and_then(|r| r.strip_suffix(") "))
    else {
        return;
    };
    let Some(line) = span.text.first() else {
        return;
    };
    let after: String = line
        .text
        .chars()
        .skip(line.highlight_start.saturating_sub(1))
        .collect();
    let named_here = after
        .strip_prefix(name)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
    if span.byte_start == span.byte_end && !name.is_empty() && named_here {
        span.suggested_replacement = Some("mut ".to_string());
    }
}

/// `code` (the text of `imp_path`) with the first suggested change of every error that
/// points into it; `None` when rustc suggested nothing there.
///
/// Changes to other files (the compiler-owned `mod.rs`, the tests) are never made, and
/// one that overlaps a change already made is left for the next round.
pub fn apply(code: &str, errors: &[CompilerMessage], imp_path: &str) -> Option<String> {
    let mut fix = CodeFix::new(code);
    for suggestion in errors
        .iter()
        .filter(|e| e.level == "error")
        .filter_map(|e| e.suggestion.as_ref())
    {
        let Some(solution) = suggestion.solutions.first() else {
            continue;
        };
        let inside = solution.replacements.iter().all(|r| {
            same_file(&r.snippet.file_name, imp_path) && r.snippet.range.end <= code.len()
        });
        if inside {
            // An overlapping change is refused and leaves the code as it was.
            let _ = fix.apply_solution(solution);
        }
    }
    if !fix.modified() {
        return None;
    }
    fix.finish().ok().filter(|fixed| fixed != code)
}

/// rustc names files relative to the crate, with `/` (or `\` on Windows).
fn same_file(reported: &str, imp_path: &str) -> bool {
    reported.replace('\\', "/") == imp_path.replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustc's own JSON for `let k: i64 = v.len();` at bytes 39..46 of `CODE`.
    const LEN_AS_I64: &str = r#"{"message":"mismatched types","code":{"code":"E0308","explanation":null},"level":"error","spans":[{"file_name":"src/a/imp.rs","byte_start":39,"byte_end":46,"line_start":2,"line_end":2,"column_start":18,"column_end":25,"is_primary":true,"text":[],"label":"expected `i64`, found `usize`","suggested_replacement":null,"suggestion_applicability":null,"expansion":null}],"children":[{"message":"you can convert a `usize` to an `i64` and panic if the converted value doesn't fit","code":null,"level":"help","spans":[{"file_name":"src/a/imp.rs","byte_start":46,"byte_end":46,"line_start":2,"line_end":2,"column_start":25,"column_end":25,"is_primary":true,"text":[],"label":null,"suggested_replacement":".try_into().unwrap()","suggestion_applicability":"MachineApplicable","expansion":null}],"children":[],"rendered":null}],"rendered":"error[E0308]: mismatched types"}"#;
    const CODE: &str = "fn f(v: &[i64]) -> i64 {\n let k: i64 = v.len();\n k }\n";

    fn error(json: &str) -> CompilerMessage {
        let value: serde_json::Value = serde_json::from_str(json).expect("test JSON");
        CompilerMessage {
            level: "error".into(),
            file: Some("src/a/imp.rs".into()),
            line: Some(2),
            column: None,
            rendered: String::new(),
            suggestion: suggestion(&value),
        }
    }

    /// rustc 1.95's JSON for `i += 1` on the `i` of `for (i, c) in ...`, at byte 25.
    const FOR_BINDING: &str = r#"{"children":[{"children":[],"code":null,"level":"help","message":"consider making this binding mutable","rendered":null,"spans":[{"byte_end":25,"byte_start":25,"column_end":10,"column_start":10,"expansion":null,"file_name":"src/a/imp.rs","is_primary":true,"label":null,"line_end":2,"line_start":2,"suggested_replacement":"(mut i) ","suggestion_applicability":"MachineApplicable","text":[{"highlight_end":10,"highlight_start":10,"text":"    for (i, c) in s.chars().enumerate() {"}]}]}],"code":{"code":"E0384","explanation":null},"level":"error","message":"cannot assign twice to immutable variable `i`","rendered":"","spans":[{"byte_end":71,"byte_start":65,"column_end":15,"column_start":9,"expansion":null,"file_name":"src/a/imp.rs","is_primary":true,"label":"cannot assign twice to immutable variable","line_end":3,"line_start":3,"suggested_replacement":null,"suggestion_applicability":null,"text":[]}]}"#;

    #[test]
    fn a_pattern_binding_is_made_mut_where_rustc_suggests_a_broken_insertion() {
        let code = "fn f(s: &str) {\n    for (i, c) in s.chars().enumerate() {\n        i += 1;\n    }\n}\n";
        assert_eq!(&code[25..26], "i");
        let fixed = apply(code, &[error(FOR_BINDING)], "src/a/imp.rs").expect("a fix");
        assert!(fixed.contains("for (mut i, c) in"), "{fixed}");
    }

    #[test]
    fn applies_the_suggestion_rustc_made() {
        assert_eq!(&CODE[39..46], "v.len()");
        let fixed = apply(CODE, &[error(LEN_AS_I64)], "src/a/imp.rs").expect("a fix");
        assert!(
            fixed.contains("let k: i64 = v.len().try_into().unwrap();"),
            "{fixed}"
        );
    }

    #[test]
    fn leaves_other_files_and_placeholders_alone() {
        assert_eq!(apply(CODE, &[error(LEN_AS_I64)], "src/b/imp.rs"), None);
        let placeholder = LEN_AS_I64.replace("\"MachineApplicable\"", "\"HasPlaceholders\"");
        assert!(error(&placeholder).suggestion.is_none());
        let warning = CompilerMessage {
            level: "warning".into(),
            ..error(LEN_AS_I64)
        };
        assert_eq!(apply(CODE, &[warning], "src/a/imp.rs"), None);
    }

    #[test]
    fn a_span_past_the_end_of_the_code_is_not_applied() {
        assert_eq!(
            apply("fn f() {}", &[error(LEN_AS_I64)], "src/a/imp.rs"),
            None
        );
    }
}
