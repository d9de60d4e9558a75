//! Rust source split into its top-level items, by a lexer that knows just enough Rust
//! (comments, strings, raw strings, char literals against lifetimes, brackets) to find
//! where each item starts and ends.
//!
//! Not a parser on purpose: a model's reply is often not valid Rust, and its items must
//! still be found; a full parser (syn) would give up on the first syntax error.
//!
//! Here, in the compile stage, so that its static NFR checks (`nfr_check.rs`) read an
//! `imp.rs` with the same lexer the build stage tidies and splices replies with.

use std::ops::Range;

/// One token: an identifier or keyword, one punctuation character, or a literal
/// (strings, chars, numbers), with its bytes in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub span: Range<usize>,
}

impl Token {
    /// Whether the token is a string or character literal (raw and prefixed ones too:
    /// `r#"a"#`, `b'x'`), not a lifetime (`'a`) and not a number.
    pub fn is_literal(&self) -> bool {
        let t = &self.text;
        t.contains('"') || (t.len() > 2 && t.ends_with('\''))
    }
}

/// A top-level item: its tokens (attributes included) and its bytes, from the end of the
/// item before it (so the comments and doc comments above it belong to it).
#[derive(Debug, Clone)]
pub struct Item {
    pub tokens: Vec<Token>,
    pub span: Range<usize>,
}

impl Item {
    /// The tokens after the attributes and the visibility: `struct Rgb`, `impl Display for E`.
    pub fn head(&self) -> Vec<&str> {
        let t = &self.tokens;
        let mut i = self.after_attributes();
        if t.get(i).is_some_and(|x| x.text == "pub") {
            i += 1;
            if t.get(i).is_some_and(|x| x.text == "(") {
                i = skip_group(t, i);
            }
        }
        t[i.min(t.len())..]
            .iter()
            .map(|x| x.text.as_str())
            .collect()
    }

    /// Whether the item is public (`pub`, `pub(crate)`, ...), after its attributes.
    pub fn is_pub(&self) -> bool {
        let at = self.after_attributes();
        self.tokens.get(at).is_some_and(|x| x.text == "pub")
    }

    /// The bytes of the item's visibility (`pub`, `pub(crate)`), or the empty range where
    /// one would go (the start of its head, after its attributes).
    pub fn visibility(&self) -> Option<Range<usize>> {
        let t = &self.tokens;
        let at = self.after_attributes();
        let first = t.get(at)?;
        if first.text != "pub" {
            return Some(first.span.start..first.span.start);
        }
        let end = if t.get(at + 1).is_some_and(|x| x.text == "(") {
            skip_group(t, at + 1)
        } else {
            at + 1
        };
        Some(first.span.start..t.get(end - 1)?.span.end)
    }

    /// The index of the first token after the item's `#[...]` and `#![...]` attributes.
    fn after_attributes(&self) -> usize {
        let t = &self.tokens;
        let mut i = 0;
        while t.get(i).is_some_and(|x| x.text == "#") {
            i += 1;
            if t.get(i).is_some_and(|x| x.text == "!") {
                i += 1;
            }
            i = skip_group(t, i);
        }
        i
    }

    /// The name of a function item: `fn NAME` after nothing but `const`, `async`,
    /// `unsafe`, `extern "C"` or `default` (`pub const fn len(..)` is `len`).
    pub fn fn_name(&self) -> Option<String> {
        let head = self.head();
        let at = head.iter().position(|w| *w == "fn")?;
        let qualifiers = |w: &&str| {
            matches!(
                *w,
                "const" | "async" | "unsafe" | "extern" | "default" | "\"C\""
            )
        };
        if !head[..at].iter().all(qualifiers) {
            return None;
        }
        head.get(at + 1).map(|n| n.to_string())
    }

    /// The type of an inherent `impl Type {` block (not generic, not a trait's).
    pub fn inherent_type(&self) -> Option<String> {
        let head = self.head();
        match (head.first(), head.get(1), head.get(2)) {
            (Some(&"impl"), Some(ty), Some(&"{")) => Some(ty.to_string()),
            _ => None,
        }
    }

    /// The items inside the item's braces (an `impl` block's methods), with their spans
    /// in `code`, the text this item was split from.
    pub fn inner_items(&self, code: &str) -> Vec<Item> {
        let Some(body) = self.body() else {
            return Vec::new();
        };
        items(&code[body.clone()])
            .into_iter()
            .map(|mut m| {
                m.span = m.span.start + body.start..m.span.end + body.start;
                for t in &mut m.tokens {
                    t.span = t.span.start + body.start..t.span.end + body.start;
                }
                m
            })
            .collect()
    }

    /// Whether an attribute of the item mentions `word` (`#[cfg(test)]` for `test`).
    pub fn has_attribute(&self, word: &str) -> bool {
        let t = &self.tokens;
        let mut i = 0;
        while t.get(i).is_some_and(|x| x.text == "#") {
            let start = i;
            i += 1;
            if t.get(i).is_some_and(|x| x.text == "!") {
                i += 1;
            }
            i = skip_group(t, i);
            if t[start..i.min(t.len())].iter().any(|x| x.text == word) {
                return true;
            }
        }
        false
    }

    /// The bytes between the item's outermost `{` and its matching `}`, if it has a body.
    pub fn body(&self) -> Option<Range<usize>> {
        let open = self.tokens.iter().position(|x| x.text == "{")?;
        let close = skip_group(&self.tokens, open).checked_sub(1)?;
        let close = self.tokens.get(close).filter(|x| x.text == "}")?;
        Some(self.tokens[open].span.end..close.span.start)
    }
}

/// Index after the bracketed group that starts at `i` (or `i` if none starts there).
pub fn skip_group(t: &[Token], i: usize) -> usize {
    if !t.get(i).is_some_and(|x| is_open(&x.text)) {
        return i;
    }
    let mut depth = 0usize;
    for (j, x) in t.iter().enumerate().skip(i) {
        if is_open(&x.text) {
            depth += 1;
        } else if is_close(&x.text) {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return j + 1;
            }
        }
    }
    t.len()
}

fn is_open(s: &str) -> bool {
    matches!(s, "(" | "[" | "{")
}

fn is_close(s: &str) -> bool {
    matches!(s, ")" | "]" | "}")
}

/// The top-level items of `src`. An item ends at a `;` or at the `}` that closes its
/// body (with a `;` right after it, as in `const X: T = { .. };`); an inner attribute
/// (`#![..]`) is an item of its own. Text after the last item belongs to no item.
pub fn items(src: &str) -> Vec<Item> {
    // Each token moved into its item, not copied: every build and check reads every
    // module's code through here.
    let mut tokens = tokens(src).into_iter().peekable();
    let mut out = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    while let Some(tok) = tokens.next() {
        let (open, close) = (is_open(&tok.text), is_close(&tok.text));
        current.push(tok);
        let text = current.last().map_or("", |t| t.text.as_str());
        if open {
            depth += 1;
            continue;
        }
        if close {
            depth = depth.saturating_sub(1);
        }
        let inner_attribute = depth == 0
            && text == "]"
            && current.len() >= 3
            && current[0].text == "#"
            && current[1].text == "!";
        let ends = depth == 0 && (text == ";" || text == "}" || inner_attribute);
        if ends {
            if text == "}" {
                if let Some(semi) = tokens.next_if(|t| t.text == ";") {
                    current.push(semi);
                }
            }
            let end = current.last().map(|t| t.span.end).unwrap_or(start);
            out.push(Item {
                tokens: std::mem::take(&mut current),
                span: start..end,
            });
            start = end;
        }
    }
    if !current.is_empty() {
        // An unfinished item (a reply cut off, a missing brace): up to the end.
        out.push(Item {
            tokens: current,
            span: start..src.len(),
        });
    }
    out
}

/// Tokens of `src`, comments and whitespace left out.
pub fn tokens(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if let Some(width) = whitespace_at(src, i) {
            i += width;
            continue;
        }
        if b[i..].starts_with(b"//") {
            i = memchr(b, b'\n', i).unwrap_or(b.len());
            continue;
        }
        if b[i..].starts_with(b"/*") {
            i = block_comment_end(b, i);
            continue;
        }
        if let Some(end) = raw_string_end(b, i) {
            i = end;
        } else if c == b'"' {
            i = quoted_end(b, i + 1, b'"');
        } else if c == b'\'' {
            i = char_or_lifetime_end(src, i);
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            i = word_end(src, i);
            // `r#match`: a raw identifier is one token (not `r`, `#` and `match`).
            let raw_ident = &src[start..i] == "r"
                && b.get(i) == Some(&b'#')
                && b.get(i + 1)
                    .is_some_and(|x| x.is_ascii_alphabetic() || *x == b'_');
            if raw_ident {
                i = word_end(src, i + 1);
            }
            // `b"..."`, `c"..."`: a prefixed string is one literal with its prefix.
            if i < b.len() && b[i] == b'"' && matches!(&src[start..i], "b" | "c") {
                i = quoted_end(b, i + 1, b'"');
            } else if i < b.len() && b[i] == b'\'' && &src[start..i] == "b" {
                i = quoted_end(b, i + 1, b'\'');
            }
        } else if b[i..].starts_with(b"::") {
            i += 2;
        } else {
            // One punctuation character, as a whole UTF-8 character.
            i += src[i..].chars().next().map_or(1, char::len_utf8);
        }
        let end = i.min(b.len());
        out.push(Token {
            text: src[start..end].to_string(),
            span: start..end,
        });
        i = end;
    }
    out
}

/// The width of the white space character at byte `i`, if one is there: Rust's white
/// space is Unicode's `Pattern_White_Space`, which holds characters outside ASCII (a
/// left-to-right mark, U+200E). Read as part of a word, `std\u{200e}::fs` would hide
/// `std` from the checks of what code reaches, while rustc reads `std ::fs`.
fn whitespace_at(src: &str, i: usize) -> Option<usize> {
    let c = src[i..].chars().next()?;
    matches!(
        c,
        '\t' | '\n'
            | '\u{b}'
            | '\u{c}'
            | '\r'
            | ' '
            | '\u{85}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
    )
    .then(|| c.len_utf8())
}

/// The end of the word (an identifier, a keyword or a number) at byte `i`: letters,
/// digits, `_` and characters outside ASCII, up to white space.
fn word_end(src: &str, mut i: usize) -> usize {
    let b = src.as_bytes();
    while i < b.len()
        && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
        && whitespace_at(src, i).is_none()
    {
        i += src[i..].chars().next().map_or(1, char::len_utf8);
    }
    i
}

fn memchr(b: &[u8], byte: u8, from: usize) -> Option<usize> {
    b[from..].iter().position(|&x| x == byte).map(|p| from + p)
}

/// After a (nested) block comment starting at `i`.
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// After a quoted literal whose opening quote is just before `i`, honouring `\` escapes.
fn quoted_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            x if x == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// After a raw string (`r"..."`, `r#"..."#`, `br#"..."#`) starting at `i`, if one does.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if b.get(j) == Some(&b'b') || b.get(j) == Some(&b'c') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    // Not the end of an identifier such as `for`.
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&x| x == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"'
            && b[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&x| x == b'#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(b.len())
}

/// After `'x'`, `'\n'` (a char literal) or `'a` (a lifetime or label) starting at `i`.
fn char_or_lifetime_end(src: &str, i: usize) -> usize {
    let b = src.as_bytes();
    if b.get(i + 1) == Some(&b'\\') {
        return quoted_end(b, i + 1, b'\'');
    }
    let Some(c) = src[i + 1..].chars().next() else {
        return b.len();
    };
    let after = i + 1 + c.len_utf8();
    if b.get(after) == Some(&b'\'') {
        return after + 1;
    }
    // A lifetime: the quote and an identifier.
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    j.max(i + 1)
}

/// The white space that starts the line holding byte `at` of `code`.
pub fn line_indent(code: &str, at: usize) -> &str {
    let start = code[..at].rfind('\n').map_or(0, |n| n + 1);
    let line = &code[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// `text` one level (four spaces) deeper from its second line on, the first being placed
/// by the caller; a line that starts inside a string literal is left as it is, since
/// spaces there would change the string.
pub fn indent_rest(text: &str) -> String {
    let literals: Vec<Range<usize>> = tokens(text)
        .into_iter()
        .filter(|t| t.text.contains('\n'))
        .map(|t| t.span)
        .collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut at = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let inside = literals.iter().any(|r| r.start < at && at < r.end);
        if i > 0 && !inside && !line.trim().is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        at += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(src: &str) -> Vec<String> {
        items(src).iter().map(|i| i.head().join(" ")).collect()
    }

    #[test]
    fn splits_items_with_their_attributes() {
        let src = "use super::*;\n\n/// A point.\n#[derive(Debug, Clone)]\npub struct P { x: i64 }\n\nimpl std::fmt::Display for P {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, \"}}{{\") }\n}\nconst X: i64 = { 1 };\npub(crate) fn f(c: char) -> bool { c == '}' || c == '\\'' }\n";
        let h = heads(src);
        assert_eq!(h.len(), 5, "{h:?}");
        assert_eq!(h[0], "use super :: * ;");
        assert!(h[1].starts_with("struct P {"), "{h:?}");
        assert!(
            h[2].starts_with("impl std :: fmt :: Display for P {"),
            "{h:?}"
        );
        assert!(h[3].starts_with("const X"), "{h:?}");
        assert!(h[4].starts_with("fn f"), "{h:?}");
        // Each item's bytes start where the previous one ended: the doc comment is P's.
        let it = items(src);
        assert!(src[it[1].span.clone()].contains("/// A point."));
    }

    #[test]
    fn strings_comments_and_lifetimes_do_not_end_items() {
        let src =
            "fn a<'a>(s: &'a str) -> &'a str { /* } */ let _r = r#\"}\"#; // }\n s }\nfn b() {}";
        let h = heads(src);
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(h[1].starts_with("fn b"));
    }

    #[test]
    fn raw_identifiers_are_one_token() {
        let it = items("fn r#match(x: i64) -> i64 { x }\nfn r() {}\nconst S: &str = r#\"a\"#;");
        assert_eq!(it[0].fn_name().as_deref(), Some("r#match"));
        assert_eq!(it[1].fn_name().as_deref(), Some("r"));
        assert_eq!(
            it[2].head(),
            ["const", "S", ":", "&", "str", "=", "r#\"a\"#", ";"]
        );
    }

    #[test]
    fn attributes_and_bodies() {
        let it =
            items("#[cfg(test)]\nmod tests { fn t() {} }\n#![allow(x)]\nmod imp { pub fn f() {} }");
        assert!(it[0].has_attribute("test"));
        assert!(!it[2].has_attribute("test"));
        assert!(
            it[1].head().is_empty(),
            "an inner attribute is an item of its own"
        );
        let body = it[2].body().expect("a body");
        assert_eq!(
            &"#[cfg(test)]\nmod tests { fn t() {} }\n#![allow(x)]\nmod imp { pub fn f() {} }"[body],
            " pub fn f() {} "
        );
    }

    #[test]
    fn unfinished_text_is_one_last_item() {
        let it = items("fn a() {}\nfn b() { if x {");
        assert_eq!(it.len(), 2);
        assert_eq!(it[1].span.end, "fn a() {}\nfn b() { if x {".len());
    }
}
