//! Splicing: a repair's reply that holds only the functions it was asked to write anew,
//! put in place of the ones taken out of the code the repair showed.
//!
//! In: the code a repair prompt showed (with holes, see [`super::rewrite`]) and the code
//! of the reply. Out: the whole `imp.rs`.
//!
//! Why: a repair asks only for the bodies it took out. Writing the rest again would cost
//! output tokens, the dearest and slowest kind, and give the model a chance to break what
//! worked. A reply that holds the whole file (every function and type the shown code
//! has) is taken as it is, so an agent that writes everything loses nothing.
//!
//! How: the reply's top-level items are matched to the shown code's by kind and name
//! (`fn push`, `struct Ring`, `impl Ring`); a matched item replaces the shown one, a
//! method replaces the method of the same name in the matching `impl` block, and anything
//! new (a helper, a second `impl`, a `use`) is added after the code.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::compile::rust::items::{indent_rest, items, Item};

/// The whole file: `reply` put into `shown`, whose bodies of `rewrite` were taken out;
/// `None` when `reply` is whole already (it has every function and type of `shown`).
pub fn splice(shown: &str, reply: &str, rewrite: &[String]) -> Option<String> {
    // Inner doc comments and attributes belong at the top of a file, not where a
    // function goes; the shown code keeps its own.
    let reply: String = reply
        .lines()
        .filter(|l| !l.trim_start().starts_with("//!"))
        .map(|l| format!("{l}\n"))
        .collect();
    let shown_items = items(shown);
    let reply_items: Vec<Item> = items(&reply)
        .into_iter()
        .filter(|i| !is_inner_attribute(i))
        .collect();
    if covers(&reply, &reply_items, shown, &shown_items) {
        return None;
    }
    let blocks: Vec<Block> = shown_items
        .iter()
        .filter_map(|i| match key(i) {
            Some(Key::Impl(head)) => Some(Block {
                head,
                methods: i.inner_items(shown),
                end: i.body().map(|b| shown[..b.end].trim_end().len()),
            }),
            _ => None,
        })
        .collect();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    // Methods to add to a shown block (by its index), and what the reply gave already.
    let mut new_methods: Vec<Vec<String>> = vec![Vec::new(); blocks.len()];
    let mut seen: BTreeSet<Key> = BTreeSet::new();
    let mut seen_methods: BTreeSet<(String, String)> = BTreeSet::new();
    for item in &reply_items {
        let text = reply[item.span.clone()].trim().to_string();
        match key(item) {
            None if text.is_empty() => {}
            None => added.push(text),
            Some(Key::Impl(head)) => {
                let Some(first) = blocks.iter().position(|b| b.head == head) else {
                    added.push(text);
                    continue;
                };
                for method in item.inner_items(&reply) {
                    let Some(Key::Fn(name)) = key(&method) else {
                        continue;
                    };
                    if !seen_methods.insert((head.clone(), name.clone())) {
                        // The same method twice in one reply: the first one counts.
                        continue;
                    }
                    let text = reply[method.span.clone()].trim().to_string();
                    let target = blocks
                        .iter()
                        .filter(|b| b.head == head)
                        .flat_map(|b| &b.methods)
                        .find(|m| key(m) == Some(Key::Fn(name.clone())));
                    match target {
                        Some(m) => edits.push((core(shown, m), text)),
                        None => new_methods[first].push(text),
                    }
                }
            }
            Some(k) => {
                if !seen.insert(k.clone()) {
                    continue;
                }
                let target = shown_items.iter().find(|s| key(s).as_ref() == Some(&k));
                match (target, &k) {
                    (Some(_), Key::Use(_)) => {}
                    (Some(t), _) => edits.push((core(shown, t), text)),
                    // A method written without its `impl` block: it goes where the method
                    // was, if it is one of those taken out.
                    (None, Key::Fn(name)) if rewrite.contains(name) => {
                        match blocks
                            .iter()
                            .flat_map(|b| &b.methods)
                            .find(|m| key(m) == Some(k.clone()))
                        {
                            Some(m) => edits.push((core(shown, m), indent_rest(&text))),
                            None => added.push(text),
                        }
                    }
                    (None, _) => added.push(text),
                }
            }
        }
    }
    for (block, texts) in blocks.iter().zip(new_methods) {
        if let (Some(at), false) = (block.end, texts.is_empty()) {
            let insert: String = texts.iter().map(|t| format!("\n\n    {t}")).collect();
            edits.push((at..at, insert));
        }
    }
    Some(apply(shown, edits, &added))
}

/// An `impl` block of the shown code.
struct Block {
    head: String,
    methods: Vec<Item>,
    /// Where a method added to it goes: before its closing brace.
    end: Option<usize>,
}

/// What identifies an item between the shown code and the reply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// A function, or a method inside an `impl` block.
    Fn(String),
    /// A struct, enum, trait, type, const, static or module: its kind and name.
    Named(String, String),
    /// An `impl` block, by its head without generics and paths (`impl Display for Ring`
    /// for `impl<T> std::fmt::Display for Ring<T>`).
    Impl(String),
    /// A `use` declaration, by its text.
    Use(String),
}

fn key(item: &Item) -> Option<Key> {
    if let Some(name) = item.fn_name() {
        return Some(Key::Fn(name));
    }
    let head = item.head();
    let (first, name) = (*head.first()?, head.get(1));
    match first {
        "impl" => Some(Key::Impl(impl_head(&head))),
        "use" => Some(Key::Use(head.join(" "))),
        "struct" | "enum" | "union" | "trait" | "type" | "const" | "static" | "mod" => {
            name.map(|n| Key::Named(first.to_string(), n.to_string()))
        }
        _ => None,
    }
}

/// `impl<T: Clone> std::fmt::Display for Ring<T> {` as `impl Display for Ring`: the words
/// before the body, outside angle brackets, each path by its last name.
pub(super) fn impl_head(head: &[&str]) -> String {
    let mut words: Vec<&str> = Vec::new();
    let mut depth = 0usize;
    let mut previous = "";
    for w in head
        .iter()
        .copied()
        .take_while(|w| *w != "{" && *w != "where")
    {
        match w {
            "<" => depth += 1,
            // `->` inside `Fn(..) -> T` is not a closing bracket.
            ">" if previous != "-" => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            "::" => {
                words.pop();
            }
            _ => words.push(w),
        }
        previous = w;
    }
    words.join(" ")
}

/// Whether `item` is an inner attribute (`#![allow(..)]`).
fn is_inner_attribute(item: &Item) -> bool {
    matches!(item.tokens.as_slice(), [hash, bang, ..] if hash.text == "#" && bang.text == "!")
}

/// Whether the reply has every function and type of the shown code. Its imports do not
/// count: a whole reply that no longer needs one leaves it out, and one kept unused would
/// be a warning (an error under `nfr lint`).
fn covers(reply: &str, reply_items: &[Item], shown: &str, shown_items: &[Item]) -> bool {
    // Each item's key, and whether it is public.
    let keys = |code: &str, top: &[Item]| -> BTreeMap<Key, bool> {
        let mut out = BTreeMap::new();
        for item in top {
            match key(item) {
                Some(Key::Impl(_)) => {
                    out.extend(
                        item.inner_items(code)
                            .iter()
                            .filter_map(|i| Some((key(i)?, i.is_pub()))),
                    );
                }
                Some(Key::Use(_)) => {}
                Some(k) => {
                    out.insert(k, item.is_pub());
                }
                None => {}
            }
        }
        out
    };
    let had = keys(shown, shown_items);
    let has = keys(reply, reply_items);
    // A reply that leaves out only private items it never names is a whole file written
    // without the old helpers: spliced in, they would stay as dead code (`nfr lint`
    // refuses it) or as the holes the repair showed.
    let named: BTreeSet<String> = crate::compile::rust::items::tokens(reply)
        .into_iter()
        .map(|t| t.text)
        .collect();
    had.iter()
        .filter(|(k, _)| !has.contains_key(*k))
        .all(|(k, public)| match k {
            Key::Fn(name) | Key::Named(_, name) => !public && !named.contains(name),
            Key::Impl(_) | Key::Use(_) => false,
        })
}

/// An item's bytes without the blank space before it (its comments and attributes kept).
fn core(code: &str, item: &Item) -> Range<usize> {
    let text = &code[item.span.clone()];
    let start = item.span.start + (text.len() - text.trim_start().len());
    start..item.span.end
}

/// `code` with `edits` made (ranges that do not overlap) and `added` after it.
fn apply(code: &str, mut edits: Vec<(Range<usize>, String)>, added: &[String]) -> String {
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = code.to_string();
    let mut floor = usize::MAX;
    for (range, text) in edits {
        if range.end > floor {
            // Overlaps an edit made already (a reply naming one method twice): skipped.
            continue;
        }
        floor = range.start;
        out.replace_range(range, &text);
    }
    for text in added {
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push_str("\n\n");
        out.push_str(text);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::splice;

    #[test]
    fn a_reply_of_every_function_that_drops_an_import_is_whole() {
        let shown = "use crate::math::double::double;\n\npub fn quad(n: i64) -> i64 {\n    // TODO: write this body anew\n}\n";
        let reply = "pub fn quad(n: i64) -> i64 {\n    n * 4\n}\n";
        assert_eq!(splice(shown, reply, &["quad".into()]), None);
    }

    /// The functions taken out of [`SHOWN`].
    fn rewrite() -> Vec<String> {
        vec!["new".into(), "push".into(), "total".into()]
    }

    const SHOWN: &str = "use super::*;

#[derive(Debug)]
pub struct Ring {
    items: Vec<i64>,
}

impl Ring {
    pub fn new(capacity: i64) -> Self {
        // TODO: write this body anew
    }

    pub fn push(&mut self, x: i64) -> Option<i64> {
        // TODO: write this body anew
    }

    pub fn len(&self) -> i64 {
        self.items.len() as i64
    }
}

pub fn total(r: &Ring) -> i64 {
    // TODO: write this body anew
}
";

    #[test]
    fn methods_and_functions_go_where_their_holes_were() {
        let reply = "use super::*;

impl Ring {
    pub fn push(&mut self, x: i64) -> Option<i64> {
        self.items.push(x);
        None
    }

    pub fn new(capacity: i64) -> Self {
        Ring { items: Vec::with_capacity(capacity as usize) }
    }
}

pub fn total(r: &Ring) -> i64 {
    r.items.iter().sum()
}
";
        let out = splice(SHOWN, reply, &rewrite()).expect("a partial reply");
        assert_eq!(
            out,
            "use super::*;

#[derive(Debug)]
pub struct Ring {
    items: Vec<i64>,
}

impl Ring {
    pub fn new(capacity: i64) -> Self {
        Ring { items: Vec::with_capacity(capacity as usize) }
    }

    pub fn push(&mut self, x: i64) -> Option<i64> {
        self.items.push(x);
        None
    }

    pub fn len(&self) -> i64 {
        self.items.len() as i64
    }
}

pub fn total(r: &Ring) -> i64 {
    r.items.iter().sum()
}
"
        );
    }

    /// A whole file written anew without the old private helpers, which it never names:
    /// taken as it is (spliced, the helpers stayed as dead code, and a `Drop` body the
    /// repair took out stayed a hole).
    #[test]
    fn a_reply_leaving_out_unused_private_helpers_is_whole() {
        let shown = "use super::*;\n\nstruct Bomb;\n\nimpl Drop for Bomb {\n    fn drop(&mut self) {\n        // TODO: write this body anew\n    }\n}\n\nfn inner(s: &str) -> String {\n    s.to_string()\n}\n\npub fn slugify(s: &str) -> String {\n    // TODO: write this body anew\n}\n";
        let reply =
            "use super::*;\n\npub fn slugify(s: &str) -> String {\n    s.to_lowercase()\n}\n";
        assert_eq!(
            splice(shown, reply, &["slugify".into(), "drop".into()]),
            None
        );
        // One that calls a helper it left out is spliced in, the helper kept.
        let calling = "pub fn slugify(s: &str) -> String {\n    inner(s).to_lowercase()\n}\n";
        let spliced = splice(shown, calling, &["slugify".into()]).expect("spliced");
        assert!(spliced.contains("fn inner") && spliced.contains("inner(s).to_lowercase()"));
    }

    #[test]
    fn a_whole_reply_is_taken_as_it_is() {
        let reply = "use super::*;

pub struct Ring {
    items: Vec<i64>,
    head: usize,
}

impl Ring {
    pub fn new(capacity: i64) -> Self { Ring { items: Vec::new(), head: 0 } }
    pub fn push(&mut self, x: i64) -> Option<i64> { None }
    pub fn len(&self) -> i64 { 0 }
}

pub fn total(r: &Ring) -> i64 { 0 }
";
        assert_eq!(splice(SHOWN, reply, &rewrite()), None);
    }

    #[test]
    fn new_helpers_fields_and_methods_are_kept() {
        let reply = "pub struct Ring {
    items: Vec<i64>,
    head: usize,
}

impl Ring {
    pub fn new(capacity: i64) -> Self {
        Ring { items: Vec::new(), head: 0 }
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

pub fn total(r: &Ring) -> i64 {
    sum(&r.items)
}

fn sum(v: &[i64]) -> i64 {
    v.iter().sum()
}
";
        let out = splice(SHOWN, reply, &rewrite()).expect("a partial reply");
        assert!(
            out.contains(
                "#[derive(Debug)]\npub struct Ring {\n    items: Vec<i64>,\n    head: usize,\n}"
            ) || out.contains("pub struct Ring {\n    items: Vec<i64>,\n    head: usize,\n}"),
            "{out}"
        );
        assert!(
            out.contains("        Ring { items: Vec::new(), head: 0 }"),
            "{out}"
        );
        // `push` was not in the reply: its hole stays, for the compiler to point at.
        assert!(
            out.contains("    pub fn push(&mut self, x: i64) -> Option<i64> {\n        // TODO"),
            "{out}"
        );
        assert!(out.contains("    }\n\n    fn is_empty(&self) -> bool {\n        self.items.is_empty()\n    }\n}"), "{out}");
        assert!(out.ends_with("pub fn total(r: &Ring) -> i64 {\n    sum(&r.items)\n}\n\nfn sum(v: &[i64]) -> i64 {\n    v.iter().sum()\n}\n"), "{out}");
        assert_eq!(out.matches("pub struct Ring").count(), 1, "{out}");
        assert_eq!(out.matches("use super::*;").count(), 1, "{out}");
    }

    #[test]
    fn a_method_given_twice_counts_once_and_garbage_is_kept_for_the_compiler() {
        let reply = "impl Ring {
    pub fn new(capacity: i64) -> Self { Ring { items: Vec::new() } }
}

impl Ring {
    pub fn new(capacity: i64) -> Self { Ring { items: vec![1] } }
}

Here is the code.
";
        let out = splice(SHOWN, reply, &rewrite()).expect("a partial reply");
        assert!(out.contains("Ring { items: Vec::new() }"), "{out}");
        assert!(!out.contains("vec![1]"), "{out}");
        assert!(out.trim_end().ends_with("Here is the code."), "{out}");
    }

    #[test]
    fn a_method_written_without_its_impl_block_goes_where_the_method_was() {
        let reply = "pub fn push(&mut self, x: i64) -> Option<i64> {\n    self.items.push(x);\n    None\n}\n";
        let out = splice(SHOWN, reply, &rewrite()).expect("a partial reply");
        assert!(
            out.contains("    pub fn push(&mut self, x: i64) -> Option<i64> {\n        self.items.push(x);\n        None\n    }\n\n    pub fn len"),
            "{out}"
        );
        assert_eq!(out.matches("fn push").count(), 1, "{out}");
    }

    #[test]
    fn a_reply_of_every_function_keeps_the_imports_and_constants_it_left_out() {
        let shown = "use super::*;\nuse std::collections::HashMap;\n\nconst VALUES: [i64; 2] = [1, 5];\n\npub fn from_roman(s: &str) -> Option<i64> {\n    // TODO: write this body anew\n}\n";
        let reply = "//! Roman numerals.\n#![allow(dead_code)]\n\npub fn from_roman(s: &str) -> Option<i64> {\n    let m: HashMap<char, i64> = HashMap::new();\n    Some(VALUES[0] + m.len() as i64)\n}\n";
        let out = splice(shown, reply, &["from_roman".into()]).expect("a partial reply");
        assert_eq!(
            out,
            "use super::*;\nuse std::collections::HashMap;\n\nconst VALUES: [i64; 2] = [1, 5];\n\npub fn from_roman(s: &str) -> Option<i64> {\n    let m: HashMap<char, i64> = HashMap::new();\n    Some(VALUES[0] + m.len() as i64)\n}\n"
        );
    }

    #[test]
    fn impl_blocks_match_by_type_and_trait_not_by_path_or_generics() {
        let shown = "use std::fmt;\n\nimpl<T> Ring<T> {\n    pub fn new() -> Self {\n        // TODO: write this body anew\n    }\n\n    pub fn len(&self) -> i64 {\n        0\n    }\n}\n\nimpl fmt::Display for Ring<i64> {\n    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n        // TODO: write this body anew\n    }\n}\n";
        let reply = "impl<T: Clone> Ring<T> {\n    pub fn new() -> Self {\n        Ring { items: Vec::new() }\n    }\n}\n\nimpl std::fmt::Display for Ring<i64> {\n    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n        write!(f, \"ring\")\n    }\n}\n\nimpl<T> Ring<T> {\n    fn is_empty(&self) -> bool {\n        true\n    }\n}\n";
        let out = splice(shown, reply, &["new".into(), "fmt".into()]).expect("a partial reply");
        assert_eq!(out.matches("impl").count(), 2, "{out}");
        assert!(out.contains("        Ring { items: Vec::new() }"), "{out}");
        assert!(out.contains("        write!(f, \"ring\")"), "{out}");
        assert!(
            out.contains("    pub fn len(&self) -> i64 {\n        0\n    }\n\n    fn is_empty(&self) -> bool {\n        true\n    }\n}"),
            "a second block's method goes into the first: {out}"
        );
    }

    #[test]
    fn a_free_helper_named_like_a_kept_method_does_not_replace_it() {
        let reply = "pub fn len(v: &[i64]) -> usize {\n    v.len()\n}\n";
        let out = splice(SHOWN, reply, &rewrite()).expect("a partial reply");
        assert!(
            out.contains("    pub fn len(&self) -> i64 {\n        self.items.len() as i64\n    }"),
            "{out}"
        );
        assert!(
            out.ends_with("pub fn len(v: &[i64]) -> usize {\n    v.len()\n}\n"),
            "{out}"
        );
    }

    #[test]
    fn an_impl_the_shown_code_lacks_is_added_whole() {
        let reply = "impl std::fmt::Display for Ring {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, \"ring\") }
}
";
        let out = splice(SHOWN, reply, &rewrite()).expect("a partial reply");
        assert!(out.starts_with(SHOWN.trim_end()), "{out}");
        assert!(
            out.trim_end().ends_with("write!(f, \"ring\") }\n}"),
            "{out}"
        );
    }
}
