//! Stage 1, syntax: the text of one `.ghost` file in, an owned AST with byte spans and
//! the syntax diagnostics out.
//!
//! Parsing never gives up on the whole file for one error: when the file as a whole does
//! not parse, each top-level item is parsed on its own (see `recover.rs`), so one broken
//! `fn` leaves the rest of the module intact for the checker. pest's types stay inside
//! this stage (`grammar.rs`, `lower.rs`, `recover.rs`).

pub mod ast;
mod comments;
mod depth;
mod grammar;
mod lower;
#[cfg(test)]
mod prefixes;
mod recover;
mod resync;

use crate::diagnostics::{Diagnostic, Kind};
use ast::{SourceFile, Span};
use std::path::Path;

/// Parses a file's bytes. Bytes that are not UTF-8 give a diagnostic at the first bad byte.
pub fn parse_bytes(file: &Path, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(file, text),
        Err(e) => {
            let at = e.valid_up_to();
            let diag = Diagnostic::new(file, Span::new(at, at + 1), Kind::InvalidUtf8);
            (
                SourceFile {
                    module: None,
                    comments: Vec::new(),
                },
                vec![diag],
            )
        }
    }
}

/// Parses a file's text into its AST and syntax diagnostics.
pub fn parse(file: &Path, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    // A byte-order mark (some Windows editors write one) is read as three spaces: the
    // spans stay offsets into the file as it is on disk.
    let without_bom;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            without_bom = format!("   {rest}");
            without_bom.as_str()
        }
        None => text,
    };
    let comments = comments::scan(text);
    if let Some((at, limit)) = depth::too_deep_at(text) {
        let diag = Diagnostic::new(file, Span::new(at, at + 1), Kind::TooDeep { limit });
        return (
            SourceFile {
                module: None,
                comments,
            },
            vec![diag],
        );
    }
    let (module, diags) = match grammar::parse_file(text) {
        Ok(pair) => lower::module_from_file(file, pair),
        Err(err) => recover::parse_with_recovery(file, text, err),
    };
    (SourceFile { module, comments }, diags)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_design_examples_parse_clean() {
        for f in ["slug", "port", "lru"] {
            let p = format!(
                "{}/tests/fixtures/valid/{f}.ghost",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&p).expect("the fixture exists");
            let (ast, diags) = super::parse(std::path::Path::new(&p), &text);
            assert!(diags.is_empty(), "{f}: {diags:#?}");
            assert!(ast.module.is_some(), "{f}");
        }
    }

    #[test]
    fn broken_items_do_not_hide_the_others() {
        let text = "module a.b {\n  fn f(x: int) -> int { example f(1) == }\n  fn g() -> int\n  record R { x: int y: }\n  nfr perf g() < 2ms\n}\n";
        let (ast, diags) = super::parse(std::path::Path::new("a/b.ghost"), text);
        assert_eq!(diags.len(), 2, "{diags:#?}");
        let module = ast.module.expect("the module header parses");
        // `fn g` and the `nfr` survive the two broken items around them, and `fn f`,
        // broken only in its clause, is kept without it.
        assert_eq!(module.items.len(), 3);
    }

    /// A broken item's stray `}` (`record R x: int }`) is not the module's end: the items
    /// after it still parse, and their errors are still reported.
    #[test]
    fn a_stray_closing_brace_does_not_end_the_module() {
        let text = "module a.b {\n  record R x: int }\n  fn g() -> int\n  fn h( -> int\n}\n";
        let (ast, diags) = super::parse(std::path::Path::new("a/b.ghost"), text);
        assert_eq!(diags.len(), 2, "{diags:#?}");
        let module = ast.module.expect("the module header parses");
        assert_eq!(module.items.len(), 1, "`fn g` survives");
    }

    /// An unclosed `(` and a string never closed each end at their item: the items after
    /// them parse, and the errors come once each, in the order of the file.
    #[test]
    fn unclosed_brackets_and_strings_end_at_their_item() {
        let text = "module a.b {\n  fn f(x: int -> int {\n    example f(1) == 2\n  }\n  fn g(s: str) -> str {\n    example g(\"a) == \"b\"\n  }\n  record R { x: int\n  fn h() -> int\n  nfr \"text\n  fn k() -> int\n}\n";
        let (ast, diags) = super::parse(std::path::Path::new("a/b.ghost"), text);
        let lines: Vec<usize> = diags
            .iter()
            .map(|d| text[..d.span.start].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, [2, 6, 9, 10], "{diags:#?}");
        let module = ast.module.expect("the module header parses");
        assert_eq!(module.items.len(), 2, "`fn h` and `fn k` parse");
        assert_eq!(module.unparsed, ["f", "g", "R"]);
    }

    #[test]
    fn a_byte_order_mark_is_white_space() {
        let text = "\u{feff}module a.b {\n  fn g() -> int\n}\n";
        let (ast, diags) = super::parse(std::path::Path::new("a/b.ghost"), text);
        assert!(diags.is_empty(), "{diags:#?}");
        let module = ast.module.expect("the module parses");
        // Spans are offsets into the file with its mark (3 bytes).
        assert_eq!(&text[module.path.span.start..module.path.span.end], "a.b");
    }

    #[test]
    fn a_string_over_lines_means_the_same_with_crlf_line_endings() {
        let lf = "module a.b {\n  \"One\n  two.\"\n  fn g() -> str {\n    example g() == \"x\n\\ry\"\n  }\n}\n";
        let crlf = lf.replace('\n', "\r\n");
        let (a, da) = super::parse(std::path::Path::new("a/b.ghost"), lf);
        let (b, db) = super::parse(std::path::Path::new("a/b.ghost"), &crlf);
        assert!(da.is_empty() && db.is_empty(), "{da:#?} {db:#?}");
        let canonical = |ast: crate::syntax::ast::SourceFile| {
            crate::format::canonical(&ast.module.expect("a module"))
        };
        let (a, b) = (canonical(a), canonical(b));
        assert_eq!(a, b);
        assert!(a.contains("\\r"), "an escaped \\r stays: {a}");
    }
}
