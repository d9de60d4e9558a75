//! Splicing: a repair's reply that holds only the functions it was asked to write anew,
//! put in place of the ones taken out of the code the repair showed.
//!
//! In: the code a repair prompt showed (with holes, see [`super::rewrite`]) and the code
//! of the reply. Out: the whole `imp.rs`.
//!
//! Why: a repair asks only for the bodies it took out. Writing the rest again would cost
//! output tokens, the dearest and slowest kind, and give the model a chance to break what
//! worked. A reply that holds the whole file (every function the shown code has) is taken
//! as it is, so an agent that writes everything loses nothing.
//!
//! How: the reply's top-level items are matched to the shown code's by kind and name
//! (`fn push`, `struct Ring`, `impl Ring`); a matched item replaces the shown one, a
//! method replaces the method of the same name in the matching `impl` block, and anything
//! new (a helper, a second `impl`, a `use`) is added after the code.

use std::collections::BTreeSet;
use std::ops::Range;

use super::tidy::items::{items, Item};

/// The whole file: `reply` put into `shown`; `None` when `reply` is whole already.
pub fn splice(shown: &str, reply: &str) -> Option<String> {
    let shown_items = items(shown);
    let reply_items = items(reply);
    let wanted = function_names(shown, &shown_items);
    if wanted.is_empty() || wanted.is_subset(&function_names(reply, &reply_items)) {
        return None;
    }
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let mut seen: BTreeSet<Key> = BTreeSet::new();
    for item in &reply_items {
        let text = reply[item.span.clone()].trim().to_string();
        let Some(key) = key(item) else {
            if !text.is_empty() {
                added.push(text);
            }
            continue;
        };
        if !seen.insert(key.clone()) {
            // The same item twice in one reply: the first one counts.
            continue;
        }
        let target = shown_items
            .iter()
            .find(|s| self::key(s).as_ref() == Some(&key));
        match (target, &key) {
            (Some(_), Key::Use(_)) => {}
            (Some(t), Key::Impl(_)) => {
                edits.extend(merge_impl(shown, t, reply, item));
            }
            (Some(t), _) => edits.push((core(shown, t), text)),
            (None, Key::Fn(_)) => match method_named(shown, &shown_items, &key) {
                // A method written without its `impl` block: it goes where the method was.
                Some(range) => edits.push((range, indent_body(&text))),
                None => added.push(text),
            },
            (None, _) => added.push(text),
        }
    }
    Some(apply(shown, edits, &added))
}

/// What identifies an item between the shown code and the reply.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// A function, or a method inside an `impl` block.
    Fn(String),
    /// A struct, enum, trait, type, const, static or module: its kind and name.
    Named(String, String),
    /// An `impl` block, by its head (`impl Display for Ring`).
    Impl(String),
    /// A `use` declaration, by its text.
    Use(String),
}

fn key(item: &Item) -> Option<Key> {
    let head = item.head();
    let mut words = head.iter().copied().skip_while(|w| {
        matches!(
            *w,
            "const" | "async" | "unsafe" | "extern" | "default" | "\"C\""
        ) && head.contains(&"fn")
    });
    let first = words.next()?;
    match first {
        "fn" => words.next().map(|n| Key::Fn(n.to_string())),
        "impl" => Some(Key::Impl(
            head.iter()
                .take_while(|w| **w != "{")
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "use" => Some(Key::Use(head.join(" "))),
        "struct" | "enum" | "union" | "trait" | "type" | "const" | "static" | "mod" => words
            .next()
            .map(|n| Key::Named(first.to_string(), n.to_string())),
        _ => None,
    }
}

/// The names of the functions of `code`: top-level ones and methods of `impl` blocks.
fn function_names(code: &str, top: &[Item]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in top {
        match key(item) {
            Some(Key::Fn(name)) => {
                out.insert(name);
            }
            Some(Key::Impl(_)) => {
                for (method, _) in methods(code, item) {
                    if let Some(Key::Fn(name)) = key(&method) {
                        out.insert(name);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Where the method `key` of one of `top`'s `impl` blocks is, if one has it.
fn method_named(code: &str, top: &[Item], key: &Key) -> Option<Range<usize>> {
    top.iter()
        .filter(|i| matches!(self::key(i), Some(Key::Impl(_))))
        .flat_map(|i| methods(code, i))
        .find(|(m, _)| self::key(m).as_ref() == Some(key))
        .map(|(m, _)| core(code, &m))
}

/// A top-level function's text indented one level, to stand inside an `impl` block (its
/// first line takes the indentation of the place it goes to).
fn indent_body(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.is_empty() {
                l.to_string()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The items inside an `impl` block's braces, with their spans in `code`, and where the
/// block's closing brace is.
fn methods(code: &str, block: &Item) -> Vec<(Item, usize)> {
    let Some(body) = block.body() else {
        return Vec::new();
    };
    items(&code[body.clone()])
        .into_iter()
        .map(|mut m| {
            m.span = m.span.start + body.start..m.span.end + body.start;
            for t in &mut m.tokens {
                t.span = t.span.start + body.start..t.span.end + body.start;
            }
            (m, body.end)
        })
        .collect()
}

/// The edits that put the reply's `impl` block's methods into the shown one of the same
/// head: a method replaces the one of its name, a new one goes before the closing brace.
fn merge_impl(
    shown: &str,
    target: &Item,
    reply: &str,
    block: &Item,
) -> Vec<(Range<usize>, String)> {
    let existing = methods(shown, target);
    let Some(body) = target.body() else {
        return Vec::new();
    };
    let mut edits = Vec::new();
    let mut new_methods = Vec::new();
    for (method, _) in methods(reply, block) {
        let text = reply[method.span.clone()].trim().to_string();
        let matched = key(&method).and_then(|k| {
            existing
                .iter()
                .find(|(m, _)| key(m).as_ref() == Some(&k))
                .map(|(m, _)| m)
        });
        match matched {
            Some(m) => edits.push((core(shown, m), text)),
            None if !text.is_empty() => new_methods.push(text),
            None => {}
        }
    }
    if !new_methods.is_empty() {
        let at = shown[..body.end].trim_end().len();
        let mut insert = String::new();
        for text in new_methods {
            insert.push_str("\n\n    ");
            insert.push_str(&text);
        }
        edits.push((at..at, insert));
    }
    edits
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
        let out = splice(SHOWN, reply).expect("a partial reply");
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
        assert_eq!(splice(SHOWN, reply), None);
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
        let out = splice(SHOWN, reply).expect("a partial reply");
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
        let out = splice(SHOWN, reply).expect("a partial reply");
        assert!(out.contains("Ring { items: Vec::new() }"), "{out}");
        assert!(!out.contains("vec![1]"), "{out}");
        assert!(out.trim_end().ends_with("Here is the code."), "{out}");
    }

    #[test]
    fn a_method_written_without_its_impl_block_goes_where_the_method_was() {
        let reply = "pub fn push(&mut self, x: i64) -> Option<i64> {\n    self.items.push(x);\n    None\n}\n";
        let out = splice(SHOWN, reply).expect("a partial reply");
        assert!(
            out.contains("    pub fn push(&mut self, x: i64) -> Option<i64> {\n        self.items.push(x);\n        None\n    }\n\n    pub fn len"),
            "{out}"
        );
        assert_eq!(out.matches("fn push").count(), 1, "{out}");
    }

    #[test]
    fn an_impl_the_shown_code_lacks_is_added_whole() {
        let reply = "impl std::fmt::Display for Ring {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, \"ring\") }
}
";
        let out = splice(SHOWN, reply).expect("a partial reply");
        assert!(out.starts_with(SHOWN.trim_end()), "{out}");
        assert!(
            out.trim_end().ends_with("write!(f, \"ring\") }\n}"),
            "{out}"
        );
    }
}
