//! Pieces of a spec in their canonical text, as `ghost fmt` prints them: a clause, a
//! statement, a signature, an `nfr`, a scenario or snapshot block. The checker records
//! these (not the text as written) as each clause's source, which the compiler quotes in
//! prompts, tests and failure messages: so formatting a spec, or writing `1_000` for
//! `1000`, changes none of the compiler's outputs, as it changes none of its fingerprints.

use super::expr::string;
use super::layout;
use crate::syntax::ast::{Clause, FnDecl, Nfr, Property, Stmt};

/// `example f(1) == 2`, `property p: forall x: int in 0..9 => f(x) >= 0`.
pub fn clause(c: &Clause) -> String {
    layout::clause(c)
}

/// `property p: forall x: int in 0..9 => f(x) >= 0`.
pub fn property(p: &Property) -> String {
    layout::property(p)
}

/// `let a = Acc.new()`, `expect a.total() == 2`, `a.add(1)`.
pub fn stmt(s: &Stmt) -> String {
    layout::stmt(s)
}

/// `fn f(x: int) -> int`, without its body.
pub fn signature(f: &FnDecl) -> String {
    layout::fn_head(f)
}

/// `nfr perf f(100) < 1ms`, `nfr deps [regex = "1"]`.
pub fn nfr(n: &Nfr) -> String {
    layout::nfr(n)
}

/// A `scenario` or `snapshot` block: `keyword "name" {`, one statement a line indented
/// by two spaces, `}`.
pub fn block(keyword: &str, name: &str, stmts: &[Stmt]) -> String {
    let mut out = format!("{keyword} {} {{", string(name));
    for s in stmts {
        out.push_str("\n  ");
        out.push_str(&stmt(s));
    }
    out.push_str("\n}");
    out
}

/// Whether `ghost fmt`, the tests and the prompt write `c` as an escape (`\u{202e}`)
/// rather than as itself: control characters; the direction-changing ones, which rustc
/// refuses in literals and comments (`text_direction_codepoint_in_literal`), so that
/// written as themselves they would keep the generated crate from compiling; and those
/// that only hide text (the zero-width space, the word joiner and invisible operators,
/// the byte-order mark, line and paragraph separators). The joiners that shape scripts
/// and emoji (U+200C, U+200D), the left-to-right and right-to-left marks and the soft
/// hyphen are text, written as themselves.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// A string literal whose value is `value`, escaped as `ghost fmt` writes it.
pub fn string_literal(value: &str) -> String {
    string(value)
}
