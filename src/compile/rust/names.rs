//! Rust identifiers, paths and literals for the generated code: escaping keywords, snake
//! case for test names, module paths, string literals.

use crate::check::ModuleModel;

/// Rust's strict and reserved keywords (all editions up to 2024): a spec name equal to
/// one of them is written as a raw identifier.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Rust's number types: a name of one is a primitive, not a crate or a module, and a
/// value of one has a decimal text.
pub const NUMBER_TYPES: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
    "f64",
];

/// Keywords that cannot be raw identifiers: they get a trailing `_` instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A spec name as a Rust identifier: `type` -> `r#type`, `self` -> `self_`.
pub fn ident(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// The crate's name as Rust code names it (`my-demo` -> `my_demo`).
pub fn crate_ident(crate_name: &str) -> String {
    ident(&crate_name.replace('-', "_"))
}

/// The module's path below a root (`crate` or the crate's name): `crate::text::slug`.
pub fn module_path(root: &str, module: &str) -> String {
    let mut path = root.to_string();
    for segment in module.split('.') {
        path.push_str("::");
        path.push_str(&ident(segment));
    }
    path
}

/// The module's test target and test file stem: `text.slug` -> `text_slug`.
pub fn test_target(module: &ModuleModel) -> String {
    test_target_of(&module.name)
}

/// [`test_target`] of a module known by its dotted name only (a lock entry's).
pub fn test_target_of(module: &str) -> String {
    module.replace('.', "_")
}

/// A name in snake case for test function names: `LruCache` -> `lru_cache`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// Free text as a snake-case identifier part: `"evicts the LRU entry"` ->
/// `evicts_the_lru_entry`; never empty.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("unnamed");
    }
    out
}

/// Makes `name` unique among `taken` by appending `_2`, `_3`, ... and records it.
pub fn unique(name: String, taken: &mut Vec<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// A Rust string literal with the same value: `"a\"b\n"`.
pub fn str_lit(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // rustc refuses direction-changing characters written as themselves.
            c if crate::format::canonical::is_hidden(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A doc text as `prefix`-comment lines (`///` or `//!`), one per line of the text.
pub fn doc_lines(prefix: &str, doc: &str, indent: &str) -> String {
    let mut out = String::new();
    // A lone carriage return ends a line too: rustc refuses a bare CR in a doc comment.
    let doc = doc.replace("\r\n", "\n").replace('\r', "\n");
    // Tabs as spaces (clippy's `tabs_in_doc_comments`), other control characters escaped:
    // a NUL written as it is makes git and grep take the whole file for binary; and so are
    // invisible characters, of which rustc refuses the direction-changing ones in a comment
    // (`text_direction_codepoint_in_comment`), so that the whole crate would not build.
    let doc: String = doc
        .chars()
        .map(|c| match c {
            '\t' => "    ".to_string(),
            c if c != '\n' && crate::format::canonical::is_hidden(c) => {
                c.escape_unicode().to_string()
            }
            c => c.to_string(),
        })
        .collect();
    for line in doc.lines() {
        if line.trim().is_empty() {
            out.push_str(&format!("{indent}{prefix}\n"));
        } else {
            out.push_str(&format!("{indent}{prefix} {}\n", line.trim_end()));
        }
    }
    out
}

/// Whether a name follows Rust's snake case convention (so no lint fires on it).
pub fn is_snake(name: &str) -> bool {
    !name.chars().any(|c| c.is_ascii_uppercase())
}

/// Whether a name follows Rust's upper camel case convention.
pub fn is_camel(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !name.contains('_')
}

/// A name in lower-case words: `NotANumber` is `not a number`, `IOError` `io error`,
/// `too_long` `too long`.
pub fn words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let starts_word = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if c == '_' {
            out.push(' ');
            continue;
        }
        if starts_word && !out.ends_with(' ') {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_carriage_return_in_a_doc_ends_its_line() {
        assert_eq!(
            doc_lines("///", "A CR\rhere.\r\nEnd.", ""),
            "/// A CR\n/// here.\n/// End.\n"
        );
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
        assert_eq!(ident("slug"), "slug");
    }

    #[test]
    fn names_are_said_in_words() {
        assert_eq!(words("NotANumber"), "not a number");
        assert_eq!(words("PortError"), "port error");
        assert_eq!(words("IOError"), "io error");
        assert_eq!(words("too_long"), "too long");
        assert_eq!(words("Utf8Bad"), "utf8 bad");
        assert_eq!(words("Empty"), "empty");
    }

    #[test]
    fn names_turn_into_snake_case_and_slugs() {
        assert_eq!(snake("LruCache"), "lru_cache");
        assert_eq!(snake("HTTPServer"), "httpserver");
        assert_eq!(slug("Evicts the LRU entry!"), "evicts_the_lru_entry");
        assert_eq!(slug("!!"), "unnamed");
    }

    #[test]
    fn string_literals_escape_what_rust_needs() {
        assert_eq!(str_lit("a\"b\\c\n{}"), "\"a\\\"b\\\\c\\n{}\"");
    }

    #[test]
    fn direction_changing_characters_are_escaped_in_literals_and_docs() {
        // Written as themselves, rustc refuses them (deny-by-default lints).
        assert_eq!(str_lit("a\u{202e}b"), r#""a\u{202e}b""#);
        assert_eq!(
            doc_lines("///", "x\u{2066}y\u{2069}", ""),
            "/// x\\u{2066}y\\u{2069}\n"
        );
    }

    #[test]
    fn unique_names_get_a_counter() {
        let mut taken = Vec::new();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a_2");
    }
}
