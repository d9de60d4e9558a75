//! `ghost fmt`'s engine: a file's text in, its canonical text (or its syntax diagnostics)
//! out. Pure, like the syntax stage it sits beside: it reads the AST and the comments and
//! never touches the disk.
//!
//! The canonical layout (docs/fmt.md says the same for users):
//! - 2 spaces of indentation per block; `module a.b {` ... `}`; the output ends with one
//!   line break and has no trailing white space.
//! - The module's doc comes first; the doc and the items are separated by one blank line,
//!   except within a run of `use` lines or of `nfr` lines, which stay together (a blank
//!   line the user put inside such a run is kept, so groups can be formed).
//! - Inside every other block (fn bodies, records, enums, types, scenarios, snapshots) one
//!   element per line, and a blank line the user put between two elements is kept (runs
//!   of blank lines become one). No blank line after `{` or before `}`.
//! - A `fn` with no doc and no clauses prints without a body; otherwise `{`, the doc, one
//!   clause per line, `}`. Records: one `field: type,` per line; enums and errors: one
//!   variant per line, no commas. A block with nothing in it prints as `Name {}`.
//! - A property wider than 100 columns breaks before `where` and `=>`, each part on a
//!   line one level deeper (not in the canonical text fingerprints hash).
//! - Expressions on one line with canonical spacing: `a == b`, `-x`, `f(x, y)`, `[1, 2]`,
//!   `{"k": 1}`, `(a,)`, `Name { f: x }`, `Name {}`. Parentheses the user wrote stay;
//!   others are added only where precedence needs them. Integers print in decimal without
//!   `_`; floats and durations print as written.
//! - Strings are re-escaped: `\"`, `\\`, `\n`, `\r`, `\t`, `\0` and `\u{..}` for other
//!   control characters; everything else as itself. A string's value never changes.
//! - Docs print their lines as lines: continuation lines line up one column right of the
//!   opening quote (their indentation is not part of the doc's text).
//! - Comments are all kept, in order. A comment on a line of its own is printed on its own
//!   line before the element that follows it, at that element's indentation; a comment
//!   after code stays at the end of that element's line (or of the `{` line it followed);
//!   comments before `}` stay before it; comments before `module` or after its `}` stay
//!   there. A comment inside an element's one-line text (inside an expression or a
//!   header split over lines) moves to a line of its own before that element.

pub mod canonical;
mod expr;
mod layout;
mod source;

use crate::diagnostics::Diagnostic;
use crate::syntax;
use std::path::Path;

/// The canonical text of `text`, or its syntax diagnostics: a file that does not parse is
/// never formatted. `file` is only used to label the diagnostics.
pub fn format_source(file: &Path, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (ast, diags) = syntax::parse(file, text);
    if !diags.is_empty() {
        return Err(diags);
    }
    let Some(module) = &ast.module else {
        // The parser reports a file without a module; this keeps the contract if not.
        return Err(diags);
    };
    let printer = layout::Printer::new(source::Source::new(text, &ast.comments));
    Ok(printer.file(module))
}

/// For `ghost fmt --check`: `Ok(Some(formatted))` when the file is not in canonical form,
/// `Ok(None)` when it is, the syntax diagnostics when it does not parse.
pub fn needs_formatting(file: &Path, text: &str) -> Result<Option<String>, Vec<Diagnostic>> {
    let formatted = format_source(file, text)?;
    Ok((formatted != text).then_some(formatted))
}

#[cfg(test)]
mod tests;

/// The module as the formatter prints it with no comments and no blank lines of the
/// user's, every property on one line: the same text for every way of writing the same
/// module. The spec fingerprint is a hash of it.
pub fn canonical(module: &crate::syntax::ast::Module) -> String {
    layout::Printer::new(source::Source::new("", &[]))
        .unwrapped()
        .file(module)
}
