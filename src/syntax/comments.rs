//! The `//` comments of a file, found by a lexical scan that skips strings, so that the
//! formatter can put every comment back.

use super::ast::{Comment, Span};

/// The offset just past the string literal that opens at `i` (escapes skipped), or the
/// end of the text for a string that is never closed. Shared by every lexical scan of the
/// syntax stage, so they agree on where strings end.
pub(crate) fn skip_string(bytes: &[u8], i: usize) -> usize {
    string_end(bytes, i).unwrap_or(bytes.len())
}

/// [`skip_string`], `None` for a string that is never closed.
pub(crate) fn string_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The offset of the line break that ends the `//` comment opening at `i` (or the end of
/// the text): shared like [`skip_string`].
pub(crate) fn skip_comment(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |n| i + n)
}

pub(crate) fn scan(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                i = skip_comment(bytes, i);
                let body = text[start..i].trim_end_matches('\r');
                out.push(Comment {
                    text: body.to_string(),
                    span: Span::new(start, start + body.len()),
                });
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_outside_strings_only() {
        let c = scan("a // one\n\"// not\" // two");
        let texts: Vec<_> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["// one", "// two"]);
    }
}
