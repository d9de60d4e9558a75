//! The original text as the formatter reads it: the comments not yet printed (a cursor
//! that only moves forward, so every comment is printed exactly once and in order), and
//! the blank lines and braces between the AST's spans.

use crate::syntax::ast::Comment;

pub(crate) struct Source<'a> {
    text: &'a str,
    comments: &'a [Comment],
    /// Index of the first comment not yet printed.
    next: usize,
}

impl<'a> Source<'a> {
    pub(crate) fn new(text: &'a str, comments: &'a [Comment]) -> Self {
        Source {
            text,
            comments,
            next: 0,
        }
    }

    /// Takes every comment not yet printed that starts before `pos`.
    pub(crate) fn take_before(&mut self, pos: usize) -> Vec<&'a Comment> {
        let start = self.next;
        while self.next < self.comments.len() && self.comments[self.next].span.start < pos {
            self.next += 1;
        }
        self.comments[start..self.next].iter().collect()
    }

    /// Takes the next comment if it ends the source line on which `end` stands, with only
    /// spaces, tabs and commas (a field's separator) between.
    pub(crate) fn take_trailing(&mut self, end: usize) -> Option<&'a Comment> {
        let c = self.comments.get(self.next)?;
        let between = self.text.get(end..c.span.start)?;
        if between.bytes().all(|b| matches!(b, b' ' | b'\t' | b',')) {
            self.next += 1;
            Some(c)
        } else {
            None
        }
    }

    /// True when a comment not yet printed starts in `from..to`.
    pub(crate) fn has_comment_between(&self, from: usize, to: usize) -> bool {
        self.comments[self.next..]
            .iter()
            .any(|c| c.span.start >= from && c.span.start < to)
    }

    /// True when the source holds a blank line between `from` and `to`.
    pub(crate) fn blank_between(&self, from: usize, to: usize) -> bool {
        let Some(gap) = self.text.get(from..to) else {
            return false;
        };
        let lines: Vec<&str> = gap.split('\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r')))
    }

    /// The offset of the first `byte` at or after `from` outside strings and comments.
    /// The callers look for a brace that the grammar guarantees, after the last node
    /// before it; the end of the text stands in if it is missing.
    pub(crate) fn find_code(&self, byte: u8, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = from;
        while i < bytes.len() {
            match bytes[i] {
                b if b == byte => return i,
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        bytes.len()
    }

    /// True when the text at `span_end - 1` is a closing brace (a `fn` written with a body).
    pub(crate) fn ends_with_brace(&self, span_end: usize) -> bool {
        span_end > 0 && self.text.as_bytes().get(span_end - 1) == Some(&b'}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    fn comment(text: &str, at: usize) -> Comment {
        Comment {
            text: text.into(),
            span: Span::new(at, at + text.len()),
        }
    }

    #[test]
    fn blank_lines_are_found_between_positions() {
        let s = Source::new("a\n\n  b\nc", &[]);
        assert!(s.blank_between(1, 5));
        assert!(!s.blank_between(5, 8));
    }

    #[test]
    fn braces_inside_strings_and_comments_are_skipped() {
        let s = Source::new("x \"{\" // {\n {", &[]);
        assert_eq!(s.find_code(b'{', 0), 12);
    }

    #[test]
    fn trailing_comments_allow_commas_only() {
        let text = "a: int, // one\nb } // two";
        let cs = [comment("// one", 8), comment("// two", 19)];
        let mut s = Source::new(text, &cs);
        assert_eq!(s.take_trailing(6).map(|c| c.text.as_str()), Some("// one"));
        assert!(s.take_trailing(16).is_none());
        assert_eq!(s.take_before(100).len(), 1);
    }
}
