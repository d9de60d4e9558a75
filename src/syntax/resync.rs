//! Where parsing resumes after an item whose brackets or strings never close.
//!
//! `recover.rs` cuts a module's body at the item keywords that stand outside every
//! bracket and string. An unclosed `(` or `{`, or a string never closed, hides every later
//! keyword from that cut: the broken item swallows the rest of the file, and its one error
//! hides the errors of every item after it. This file cuts such a chunk again by its
//! layout instead of its brackets.
//!
//! The rule, and why it is robust: brackets and quotes are exactly what is broken, so they
//! cannot be trusted; the layout can, as every item is written on lines of its own at the
//! module's indentation (`ghost fmt` writes them so, and so do people). Within a chunk that
//! does not balance, a new item starts at each line whose first word is an item keyword
//! and that is indented no deeper than the broken item's own keyword (a method's `fn`,
//! deeper inside a `type`, does not count), and the broken item ends after a line holding
//! only `}` at exactly its keyword's indentation (its own closing brace). A line holding
//! only `}` indented less is the module's closing brace, which ends the item before it.
//! The cut is only made in a chunk that failed to parse and whose brackets or strings do
//! not balance: a file that parses, or whose errors leave its brackets whole, is read as
//! before, so a doc string with a line that happens to start with `type` is never cut.

use super::comments::{skip_comment, string_end};

/// The item keywords that may open a line of a module's body.
use super::recover::ITEM_KEYWORDS;

/// Whether `chunk` has a string that never closes, a bracket that never closes, or a
/// closing bracket of the wrong kind: its brackets then say nothing reliable about where
/// its items end.
pub(crate) fn unbalanced(chunk: &str) -> bool {
    let bytes = chunk.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => match string_end(bytes, i) {
                Some(after) => {
                    i = after;
                    continue;
                }
                None => return true,
            },
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_comment(bytes, i);
                continue;
            }
            b @ (b'(' | b'[' | b'{') => open.push(b),
            b @ (b')' | b']' | b'}') => {
                let opener = match b {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if open.pop() != Some(opener) {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    !open.is_empty()
}

/// The items of the chunk `text[start..end]`, cut by layout (see the file's doc): each
/// `(from, to)` a piece to parse on its own, ending where the next one's code starts. The
/// module's closing brace, and blank lines or comments between the pieces, belong to none. A chunk whose first item keyword does
/// not open its line is cut only at lines indented no deeper than that keyword.
pub(crate) fn pieces(text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
    let column = start - line_start;
    let mut pieces = Vec::new();
    // The start of the piece being read, while one is.
    let mut open = Some(start);
    let mut at = text[start..end].find('\n').map_or(end, |n| start + n + 1);
    while at < end {
        let line_end = text[at..end].find('\n').map_or(end, |n| at + n + 1);
        let line = &text[at..line_end];
        let code = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - code.len();
        let code_at = at + indent;
        let code = code.trim_end();
        let closing = code == "}" || (code.starts_with('}') && code[1..].trim().starts_with("//"));
        if opens_item(code) && indent <= column {
            if let Some(from) = open {
                pieces.push((from, code_at));
            }
            open = Some(code_at);
        } else if closing && indent < column {
            // The module's closing brace: the item before it ends there.
            if let Some(from) = open.take() {
                pieces.push((from, code_at));
            }
        } else if closing && indent == column && open.is_some() {
            if let Some(from) = open.take() {
                pieces.push((from, line_end));
            }
        } else if open.is_none() && !is_trivia_line(code) {
            // Text between items that opens none: a piece of its own, reported as such,
            // unless it is the module's closing brace with nothing after it.
            let rest = &text[code_at..end];
            if !(closing && rest.trim_start_matches('}').trim().is_empty()) {
                open = Some(code_at);
            }
        }
        at = line_end;
    }
    if let Some(from) = open {
        pieces.push((from, end));
    }
    pieces
}

/// Whether a line's code (indentation removed) starts with an item keyword followed by
/// a blank, a string or the end of the line.
fn opens_item(code: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|k| {
        code.strip_prefix(k)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '"']))
    })
}

fn is_trivia_line(code: &str) -> bool {
    code.is_empty() || code.starts_with("//")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_reads_strings_and_brackets() {
        assert!(!unbalanced(
            "fn f(x: int) -> str { example f(1) == \"a(\" }"
        ));
        assert!(unbalanced("fn f(x: int -> int { }"));
        assert!(unbalanced("fn f() -> str { example f() == \"a }"));
        assert!(unbalanced("fn f() { example f(1] }"));
        assert!(!unbalanced("nfr \"a \\\" b\""));
    }

    /// The pieces of `text` from its first `from` on, each as its text.
    fn texts_from<'t>(text: &'t str, from: &str) -> Vec<&'t str> {
        let start = text.find(from).expect("there");
        pieces(text, start, text.len())
            .into_iter()
            .map(|(a, b)| text[a..b].trim_end())
            .collect()
    }

    #[test]
    fn a_broken_item_ends_at_its_closing_brace_or_the_next_item() {
        let text = "module m {\n  fn one(x: int -> int {\n    example one(1) == 2\n  }\n  record R { x: int\n  fn two() -> int\n}\n";
        assert_eq!(
            texts_from(text, "fn one"),
            [
                "fn one(x: int -> int {\n    example one(1) == 2\n  }",
                "record R { x: int",
                "fn two() -> int",
            ]
        );
    }

    /// Items written at the left margin: each ends at its own `}`, and the module's `}`
    /// after the last one belongs to none.
    #[test]
    fn items_at_the_margin_end_at_their_own_brace() {
        let text = "module m {\nfn one(x: int -> int {\n  example one(1) == 2\n}\nfn two() -> int {\n}\n}\n";
        assert_eq!(
            texts_from(text, "fn one"),
            [
                "fn one(x: int -> int {\n  example one(1) == 2\n}",
                "fn two() -> int {\n}",
            ]
        );
    }

    /// A method's `fn`, deeper than its `type`, is not an item of the module.
    #[test]
    fn deeper_lines_stay_in_their_item() {
        let text = "module m {\n  type T {\n    fn get(self -> int\n    fn set(mut self, x: int)\n  }\n}\n";
        let start = text.find("type").expect("there");
        assert_eq!(pieces(text, start, text.len()).len(), 1);
    }
}
