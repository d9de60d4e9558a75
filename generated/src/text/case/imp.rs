//! The implementation of module `text.case`.

use super::*;

/// The words of `s`, lowercased. Every character that is not an ASCII letter or digit
/// separates words (so non-ASCII text is dropped). Inside a run of letters and digits a
/// new word starts at an uppercase letter that follows a lowercase letter (`fooBar`), and
/// at an uppercase letter that follows an uppercase letter and is followed by a
/// lowercase one (`HTTPServer` is `http`, `server`). A digit never starts a new word.
pub fn words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    for run in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        // Every character of a run is ASCII, so bytes and characters coincide.
        let bytes = run.as_bytes();
        let mut start = 0;
        for i in 1..bytes.len() {
            let (prev, cur) = (bytes[i - 1], bytes[i]);
            let next_is_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = cur.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_is_lower));
            if boundary {
                words.push(run[start..i].to_ascii_lowercase());
                start = i;
            }
        }
        if start < run.len() {
            words.push(run[start..].to_ascii_lowercase());
        }
    }
    words
}

/// The words of `s` joined in `case`: `Snake` is `a_b`, `Kebab` is `a-b`, `Camel` is
/// `aB`, `Pascal` is `AB` and `Screaming` is `A_B`, where capitalising a word uppercases
/// its first character only.
pub fn convert(s: &str, case: Case) -> String {
    let words = words(s);
    match case {
        Case::Snake => words.join("_"),
        Case::Kebab => words.join("-"),
        Case::Screaming => words.join("_").to_ascii_uppercase(),
        Case::Camel => words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == 0 { w.clone() } else { capitalise(w) })
            .collect(),
        Case::Pascal => words.iter().map(|w| capitalise(w)).collect(),
    }
}

/// `word` with its first character uppercased (words are ASCII).
fn capitalise(word: &str) -> String {
    let mut out = word.to_string();
    if let Some(first) = out.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    out
}
