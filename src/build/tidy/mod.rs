//! Tidying a reply before it is tested: what a model writes around the code of `imp.rs`
//! that can only break the build is taken out, without asking the model again.
//!
//! In: the code taken from the reply, the module's compiler-owned `mod.rs` and the last
//! segment of the module's name. Out: the code to write as `imp.rs`, and one line for each
//! change made (for the run log).
//!
//! Models, small ones most, copy the interface they were shown: they define again the
//! records, enums and errors that `mod.rs` already defines (two types of one name: every
//! test fails to compile), implement `Display` a second time, wrap the file in `mod imp {}`,
//! and add a `fn main` or a `mod tests`; they forget `Debug`, and take `mut self` from
//! the spec where the interface says `&mut self`, and leave `pub` off a method. Each of these is a whole repair round
//! trip when left to the model, and a certain edit here: what is dropped is either
//! already in `mod.rs` or never compiled into the library, and what is added or changed
//! is what the interface in the prompt asked for.

mod example_items;
mod example_variants;
mod homeless;
mod receivers;
mod visibility;

use crate::compile::prompt::dedent;
use crate::compile::rust::items::{self, items, Item};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// A reply's code after tidying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tidied {
    pub code: String,
    /// What was changed, one line each (`dropped struct Rgb: mod.rs defines it`).
    pub changes: Vec<String>,
}

/// What `mod.rs` defines, as far as a duplicate in imp.rs would clash with it.
#[derive(Debug, Default)]
struct Owned {
    /// Names of the structs, enums, unions and type aliases.
    types: BTreeSet<String>,
    /// Per type, the traits it implements (derived or written), by their last name.
    traits: BTreeMap<String, BTreeSet<String>>,
}

impl Owned {
    /// The error types: those that implement `Error`.
    fn errors(&self) -> impl Iterator<Item = &String> {
        self.traits
            .iter()
            .filter(|(_, traits)| traits.contains("Error"))
            .map(|(ty, _)| ty)
    }
}

/// Tidies `code`, the imp.rs of module `leaf` (`wrap` for `text.wrap`), against `mod_rs`
/// and `stub`, the compiler's imp.rs with the interface's exact signatures.
pub fn tidy(code: &str, mod_rs: &str, stub: &str, leaf: &str) -> Tidied {
    let mut changes = Vec::new();
    let mut code = code.to_string();
    // A wrapper module, possibly two deep (`mod text { mod wrap { .. } }` is rare enough).
    for _ in 0..2 {
        let Some((item, body)) = items(&code).into_iter().find_map(|i| {
            let head = i.head();
            let wrapper = head.first() == Some(&"mod")
                && head.get(1).is_some_and(|n| *n == "imp" || *n == leaf)
                && head.get(2) == Some(&"{")
                && !i.has_attribute("test");
            let body = i.body()?;
            wrapper.then_some((i, body))
        }) else {
            break;
        };
        changes.push(format!(
            "unwrapped `mod {} {{ .. }}`: imp.rs is the module's body",
            item.head()[1]
        ));
        let inner = dedent(&code[body]);
        code.replace_range(item.span.clone(), &format!("\n{inner}\n"));
    }

    // Before the example's error is renamed: a copied `parse_reading` is what names it.
    let copied = example_items::fix(&mut code, mod_rs, stub);
    changes.extend(copied);
    let owned = owned(mod_rs);
    // A spec may declare a function named `main` (a library's `main` is any function);
    // only a model's own demo `main` goes.
    let spec_main = items(stub)
        .iter()
        .any(|i| i.fn_name().as_deref() == Some("main"));
    // Before the duplicates are dropped: a copied `impl Display for MeterError` is then
    // the module error's second `Display`, and goes.
    let renamed = rename_example_error(&mut code, mod_rs, &owned);
    let mut drop = Vec::new();
    for item in items(&code) {
        if let Some(why) = unwanted(&item, &owned, spec_main) {
            changes.push(why);
            // An item's span starts where the previous item ended: its doc comment goes
            // with it.
            drop.push((item.span, "\n".to_string()));
        }
    }
    replace_all(&mut code, drop);

    // Taking items out and unwrapping leave blank lines to squeeze; the edits below keep
    // every line as it is (a squeeze would also reach into multi-line string literals).
    let reshaped = !changes.is_empty();
    changes.extend(renamed);
    for error in owned.errors() {
        changes.extend(example_variants::fix(&mut code, mod_rs, error));
    }
    changes.extend(derive_debug(&mut code));
    changes.extend(unexport_macros(&mut code));
    // Before the receivers: a method moved into its block gets the interface's receiver.
    let moved = homeless::fix(&mut code, stub);
    let reshaped = reshaped || !moved.is_empty();
    changes.extend(moved);
    changes.extend(receivers::fix(&mut code, stub));
    changes.extend(visibility::fix(&mut code, stub));

    // The interface's types are reached through `use super::*;`, and so is `BTreeMap`,
    // which mod.rs imports (the signatures of `map` parameters name it); a file that names
    // one without it does not compile (a file that names none needs nothing).
    let tokens = items::tokens(&code);
    let uses_super = tokens.windows(4).any(|w| {
        w[0].text == "use" && w[1].text == "super" && w[2].text == "::" && w[3].text == "*"
    });
    let names_owned = tokens
        .iter()
        .any(|t| owned.types.contains(&t.text) || t.text == "BTreeMap");
    if names_owned && !uses_super {
        // After the file's inner doc comments and attributes, which must come first.
        let head: usize = code
            .split_inclusive('\n')
            .take_while(|l| {
                let t = l.trim_start();
                t.is_empty() || t.starts_with("//!") || t.starts_with("#![")
            })
            .map(str::len)
            .sum();
        let (top, rest) = code.split_at(head);
        code = format!("{top}use super::*;\n\n{}", rest.trim_start());
        changes.push("added `use super::*;`: the interface's types come from mod.rs".into());
    }
    if !reshaped {
        // Not even the blank lines are touched: the model's code is kept as it wrote it.
        return Tidied { code, changes };
    }
    Tidied {
        code: squeeze_blank_lines(&code),
        changes,
    }
}

/// The error type of the example reply at the start of every prompt (`example.tera`).
/// Small models copy its name into modules whose error has another one.
pub const EXAMPLE_ERROR: &str = "MeterError";

/// Renames the example's error type to the module's, when the code uses it without
/// defining it and `mod.rs` defines exactly one error type: the type the model meant.
fn rename_example_error(code: &mut String, mod_rs: &str, owned: &Owned) -> Option<String> {
    // A project's own `MeterError` (in mod.rs, or reached by a path) is not the example's.
    if owned.types.contains(EXAMPLE_ERROR) || mod_rs.contains(EXAMPLE_ERROR) {
        return None;
    }
    let tokens = items::tokens(code);
    let by_path = tokens
        .windows(2)
        .any(|w| w[0].text == "::" && w[1].text == EXAMPLE_ERROR);
    if by_path {
        return None;
    }
    let mentioned = tokens.iter().any(|t| t.text == EXAMPLE_ERROR);
    let defined_here = tokens.windows(2).any(|w| {
        matches!(w[0].text.as_str(), "enum" | "struct" | "type") && w[1].text == EXAMPLE_ERROR
    });
    if !mentioned || defined_here {
        return None;
    }
    let mut errors = owned.errors();
    let (Some(error), None) = (errors.next(), errors.next()) else {
        return None;
    };
    let uses = tokens.iter().filter(|t| t.text == EXAMPLE_ERROR);
    replace_all(
        code,
        uses.map(|t| (t.span.clone(), error.clone())).collect(),
    );
    Some(format!(
        "renamed `{EXAMPLE_ERROR}` (the example's error) to `{error}`, the module's"
    ))
}

/// Takes `#[macro_export]` off the macros imp.rs defines, and `crate::` (or `$crate::`)
/// off their calls: an exported macro lives at the crate's root, where every module's
/// share one namespace, and two modules each built green beside the others' stubs with a
/// `helper!` of their own left a crate that no longer compiled, both locked as fresh. A
/// macro of the module's own needs no export: it is called after its definition.
fn unexport_macros(code: &mut String) -> Vec<String> {
    let tokens = items::tokens(code);
    let text = |i: usize| tokens.get(i).map_or("", |t| t.text.as_str());
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for i in 0..tokens.len() {
        if !(text(i) == "#" && text(i + 1) == "[" && text(i + 2) == "macro_export") {
            continue;
        }
        // The attribute ends at its `]`, after `(local_inner_macros)` if it has that.
        let Some(close) = (i + 3..tokens.len()).find(|&k| text(k) == "]") else {
            continue;
        };
        // With its line's end: no blank line is left where it stood.
        let end = tokens[close].span.end;
        let end = end
            + code[end..]
                .find('\n')
                .filter(|&n| code[end..end + n].trim().is_empty())
                .map_or(0, |n| n + 1);
        edits.push((tokens[i].span.start..end, String::new()));
        if let Some(at) = (close + 1..tokens.len()).find(|&k| text(k) == "macro_rules") {
            if text(at + 1) == "!" && !text(at + 2).is_empty() {
                names.push(text(at + 2).to_string());
            }
        }
    }
    if edits.is_empty() {
        return Vec::new();
    }
    for i in 2..tokens.len() {
        let called = names.iter().any(|n| n == text(i)) && text(i + 1) == "!";
        if called && text(i - 1) == "::" && text(i - 2) == "crate" {
            let start = if i >= 3 && text(i - 3) == "$" {
                i - 3
            } else {
                i - 2
            };
            edits.push((
                tokens[start].span.start..tokens[i].span.start,
                String::new(),
            ));
        } else if called && text(i - 1) == "::" && text(i - 2) == "$crate" {
            edits.push((
                tokens[i - 2].span.start..tokens[i].span.start,
                String::new(),
            ));
        }
    }
    replace_all(code, edits);
    let shown: Vec<String> = names.iter().map(|n| format!("`{n}!`")).collect();
    vec![format!(
        "took `#[macro_export]` off {}: exported macros share the crate's root with every other module's",
        if shown.is_empty() { "a macro".to_string() } else { shown.join(", ") }
    )]
}

/// Adds `#[derive(Debug)]` to the structs and enums imp.rs defines without `Debug`: the
/// acceptance tests print values (`assert_eq!`), the prompt says so, and small models
/// still forget it; rustc suggests the derive only within one crate, never from the tests.
fn derive_debug(code: &mut String) -> Vec<String> {
    let all = items(code);
    let written: BTreeSet<String> = all
        .iter()
        .filter_map(|i| implemented(&i.head()))
        .filter(|(tr, _)| tr == "Debug")
        .map(|(_, ty)| ty)
        .collect();
    let mut missing = Vec::new();
    for item in &all {
        let head = item.head();
        let Some((kind @ ("struct" | "enum"), name)) = defined(&head) else {
            continue;
        };
        let derived = derives(item).iter().any(|d| d == "Debug");
        // A `dyn Fn` field has no `Debug`: deriving it would break code that compiles.
        let has_dyn = item.tokens.iter().any(|t| t.text == "dyn");
        if !derived && !written.contains(name) && !has_dyn {
            if let Some(first) = item.tokens.first() {
                missing.push((first.span.start, format!("{kind} {name}")));
            }
        }
    }
    let changes = missing
        .iter()
        .map(|(_, what)| format!("derived `Debug` for `{what}`: the tests print it"))
        .collect();
    let derives = missing
        .into_iter()
        .map(|(at, _)| (at..at, "#[derive(Debug)]\n".to_string()));
    replace_all(code, derives.collect());
    changes
}

/// Makes every replacement (a byte range of `code` and its new text; an empty range is an
/// insertion), from the last to the first, so that the ranges still ahead stay where
/// they were. The ranges must not overlap.
fn replace_all(code: &mut String, mut edits: Vec<(Range<usize>, String)>) {
    edits.sort_by_key(|(range, _)| range.start);
    for (range, text) in edits.into_iter().rev() {
        code.replace_range(range, &text);
    }
}

/// Why `item` must not stay in imp.rs, if it must not.
fn unwanted(item: &Item, owned: &Owned, spec_main: bool) -> Option<String> {
    let head = item.head();
    if item.has_attribute("test") || head.starts_with(&["mod", "tests"]) {
        return Some("dropped the tests module: ghost's acceptance tests are the tests".into());
    }
    if head.starts_with(&["fn", "main"]) && !spec_main {
        return Some("dropped `fn main`: imp.rs is part of a library".into());
    }
    if head.starts_with(&["mod", "imp", ";"]) || head.starts_with(&["use", "imp", "::", "*"]) {
        return Some(format!(
            "dropped `{}`: that line belongs to mod.rs",
            head.join(" ")
        ));
    }
    if let Some((kind, name)) = defined(&head) {
        if owned.types.contains(name) {
            return Some(format!("dropped `{kind} {name}`: mod.rs defines it"));
        }
    }
    if let Some((tr, ty)) = implemented(&head) {
        if owned.traits.get(&ty).is_some_and(|t| t.contains(&tr)) {
            return Some(format!(
                "dropped `impl {tr} for {ty}`: mod.rs implements it"
            ));
        }
    }
    None
}

fn owned(mod_rs: &str) -> Owned {
    let mut owned = Owned::default();
    for item in items(mod_rs) {
        let head = item.head();
        if let Some((_, name)) = defined(&head) {
            owned.types.insert(name.to_string());
            owned
                .traits
                .entry(name.to_string())
                .or_default()
                .extend(derives(&item));
        }
        if let Some((tr, ty)) = implemented(&head) {
            owned.traits.entry(ty).or_default().insert(tr);
        }
    }
    owned
}

/// `("struct", "Rgb")` for `struct Rgb { .. }`.
fn defined<'a>(head: &[&'a str]) -> Option<(&'a str, &'a str)> {
    match head {
        [kind @ ("struct" | "enum" | "union" | "type"), name, ..] => Some((kind, name)),
        _ => None,
    }
}

/// The trait's and the type's last names of `impl<..> a::Trait<..> for b::Type<..>`.
fn implemented(head: &[&str]) -> Option<(String, String)> {
    if head.first() != Some(&"impl") {
        return None;
    }
    let mut angle = 0i32;
    let mut trait_name = None;
    let mut for_at = None;
    for (i, tok) in head.iter().enumerate().skip(1) {
        match *tok {
            "<" => angle += 1,
            ">" => angle -= 1,
            "for" if angle == 0 => {
                for_at = Some(i);
                break;
            }
            "{" => return None,
            t if angle == 0 && is_ident(t) => trait_name = Some(t.to_string()),
            _ => {}
        }
    }
    let for_at = for_at?;
    let mut angle = 0i32;
    let mut type_name = None;
    for tok in &head[for_at + 1..] {
        match *tok {
            "<" => angle += 1,
            ">" => angle -= 1,
            "{" | "where" if angle == 0 => break,
            t if angle == 0 && is_ident(t) => type_name = Some(t.to_string()),
            _ => {}
        }
    }
    Some((trait_name?, type_name?))
}

/// The last names of the traits in the item's `#[derive(..)]` attributes.
fn derives(item: &Item) -> Vec<String> {
    let t = &item.tokens;
    let mut out = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        if tok.text == "derive" && t.get(i + 1).is_some_and(|x| x.text == "(") {
            for x in t[i + 2..].iter().take_while(|x| x.text != ")") {
                // `std::fmt::Debug` gives `std`, `fmt` and `Debug`: only `Debug` can clash.
                if is_ident(&x.text) {
                    out.push(x.text.clone());
                }
            }
        }
    }
    out
}

/// Whether `s` is a Rust identifier (a letter or `_`, then letters, digits or `_`).
pub(super) fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// At most one blank line in a row, and one newline at the end: what is left where items
/// were taken out.
fn squeeze_blank_lines(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut blank = 0;
    for line in code.trim().lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
