//! The paths of the generated crate that a module's `imp.rs` names, with its `use`
//! declarations followed: `use crate::a; a::x::one()` names `crate::a::x::one`, as
//! `use crate::{a::x as y}; y::one()` and `use super::*; c::f()` (a module's child
//! module, which its `mod.rs` declares) do.
//!
//! Not name resolution as rustc does it, on purpose: a lexer's tokens (so comments and
//! strings name nothing), `use` trees, `crate::`, `self::` and `super::` from where the
//! file sits (and from inline `mod` blocks in it), and glob imports of the crate's own
//! module tree. A `use` in a block (a function's body) holds in that block only, and a
//! type or `mod` the code declares shadows what a glob brings of the same name, as in
//! rustc: code is refused for a module it really names, never for one a name of its own
//! looks like. Names the code binds itself (a `let`, a type) are never paths to a module
//! of the crate, and paths to other crates (`std::`, `::x`) are left out.

use crate::compile::rust::items::{tokens, Token};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// How deep one name's resolution may go through `use` bindings (`use a::b; use b::c;`)
/// before it gives up: a cycle of imports does not compile, and must not loop here.
const MAX_HOPS: usize = 16;

/// What a name looked up in a scope (the blocks a token sits in, see `Code::scope_of`)
/// stands for, a crate path or nothing.
type Found = BTreeMap<(Vec<String>, String), Option<Vec<String>>>;

/// What one `use` tree leaf brings into its scope.
#[derive(Debug, Clone)]
enum Import {
    /// `use P;` or `use P as name;`: `name` stands for the path `P`, as written.
    Binding { name: String, path: Vec<String> },
    /// `use P::*;`: every name `P` holds.
    Glob { path: Vec<String> },
}

/// A module's `imp.rs`, read for the paths it names.
struct Code {
    /// Every token, comments and white space left out, `r#` taken off identifiers.
    tokens: Vec<Token>,
    /// Per token, the blocks it sits in, outermost first: an inline `mod helpers { .. }`
    /// by its name, any other block (a function's body) by a segment no name can be
    /// (see [`is_block`]).
    scope_of: Vec<Vec<String>>,
    /// Per scope, its imports.
    imports: BTreeMap<Vec<String>, Vec<Import>>,
    /// Per scope, the names it declares in the namespace of modules and types (`mod`,
    /// `struct`, `enum`, `union`, `trait`, `type`): they shadow a glob's.
    declared: BTreeMap<Vec<String>, BTreeSet<String>>,
    /// What a name looked up in a scope was found to stand for: a file of many globs
    /// reaching each other looks the same names up again and again, and a cycle of them
    /// must end.
    found: RefCell<Found>,
    /// Per token, whether it is part of a `use` declaration.
    in_use: Vec<bool>,
    /// The file's own path in the crate: its module's, then `imp`.
    file: Vec<String>,
}

/// The paths (below `crate`, segment by segment) that `code`, the `imp.rs` of the module
/// at `module` (`["text", "slug"]`), names: every path its code calls or refers to,
/// resolved through its `use` declarations, and every item a `use` imports. A `use` of a
/// module or a folder of modules (a path in `tree`) names nothing by itself, only through
/// the paths that go on from it; a glob import of one is named as the path with `*` last,
/// for its items are then called by their bare names. `tree` holds every module's path
/// and every prefix of one.
pub fn named_paths(
    code: &str,
    module: &[String],
    tree: &BTreeSet<Vec<String>>,
) -> Vec<Vec<String>> {
    let code = Code::read(code, module);
    let mut out = Vec::new();
    for (scope, imports) in &code.imports {
        for import in imports {
            let (written, glob) = match import {
                Import::Binding { path, .. } => (path, false),
                Import::Glob { path } => (path, true),
            };
            let Some(mut path) = code.resolve(scope, written, tree, 0) else {
                continue;
            };
            if glob {
                path.push("*".to_string());
                out.push(path);
            } else if !tree.contains(&path) {
                out.push(path);
            }
        }
    }
    let mut i = 0;
    while i < code.tokens.len() {
        let start = i;
        let segments = code.path_at(&mut i);
        if segments.len() < 2 || code.in_use[start] {
            i = i.max(start + 1);
            continue;
        }
        if let Some(path) = code.resolve(&code.scope_of[start], &segments, tree, 0) {
            out.push(path);
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Code {
    fn read(text: &str, module: &[String]) -> Code {
        let mut tokens = tokens(text);
        for t in &mut tokens {
            if let Some(name) = t.text.strip_prefix("r#") {
                t.text = name.to_string();
            }
        }
        let scope_of = scopes(&tokens);
        let mut declared: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
        for (k, pair) in tokens.windows(2).enumerate() {
            let declares = matches!(
                pair[0].text.as_str(),
                "mod" | "struct" | "enum" | "union" | "trait" | "type"
            );
            if declares && is_word(&pair[1].text) {
                declared
                    .entry(scope_of[k].clone())
                    .or_default()
                    .insert(pair[1].text.clone());
            }
        }
        let mut in_use = vec![false; tokens.len()];
        let mut imports: BTreeMap<Vec<String>, Vec<Import>> = BTreeMap::new();
        let mut i = 0;
        while i < tokens.len() {
            if tokens[i].text != "use" {
                i += 1;
                continue;
            }
            let start = i;
            let mut found = Vec::new();
            let end = use_tree(&tokens, i + 1, &[], &mut found);
            // Up to the `;` that ends the declaration, whatever the tree held.
            let end = (end..tokens.len())
                .find(|&k| tokens[k].text == ";" || tokens[k].text == "}")
                .map_or(tokens.len(), |k| k + usize::from(tokens[k].text == ";"));
            for flag in &mut in_use[start..end] {
                *flag = true;
            }
            imports
                .entry(scope_of[start].clone())
                .or_default()
                .extend(found);
            i = end.max(start + 1);
        }
        let mut file = module.to_vec();
        file.push("imp".to_string());
        Code {
            tokens,
            scope_of,
            imports,
            declared,
            found: RefCell::new(BTreeMap::new()),
            in_use,
            file,
        }
    }

    /// The path that starts at token `*i` (`a`, `::`, `b`, ...) and moves `*i` past it:
    /// empty where no path starts (a token after `::` or `.` continues another one).
    fn path_at(&self, i: &mut usize) -> Vec<String> {
        let t = &self.tokens;
        let continues = *i > 0 && matches!(t[*i - 1].text.as_str(), "::" | ".");
        let mut segments = Vec::new();
        if continues || !is_word(&t[*i].text) {
            *i += 1;
            return segments;
        }
        while let Some(token) = t.get(*i).filter(|x| is_word(&x.text)) {
            segments.push(token.text.clone());
            *i += 1;
            let next_is_word = t.get(*i + 1).is_some_and(|x| is_word(&x.text));
            if t.get(*i).is_some_and(|x| x.text == "::") && next_is_word {
                *i += 1;
            } else {
                break;
            }
        }
        segments
    }

    /// The crate path of the module that `scope` is in: the file's, or an inline `mod`'s.
    fn here(&self, scope: &[String]) -> Vec<String> {
        let mods = scope.iter().filter(|s| !is_block(s));
        self.file.iter().chain(mods).cloned().collect()
    }

    /// The crate path that `written`, as it stands in the inline module `scope`, reaches,
    /// or `None` when it leaves the crate or names what this file binds itself.
    fn resolve(
        &self,
        scope: &[String],
        written: &[String],
        tree: &BTreeSet<Vec<String>>,
        hops: usize,
    ) -> Option<Vec<String>> {
        let (first, rest) = written.split_first()?;
        if hops > MAX_HOPS {
            return None;
        }
        let mut here = self.here(scope);
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => here,
            "super" => {
                here.pop()?;
                here
            }
            _ => {
                let mut found = self.lookup(scope, first, tree, hops)?;
                found.extend(rest.iter().cloned());
                return Some(found);
            }
        };
        let mut rest = rest;
        while let Some(("super", after)) = rest.split_first().map(|(s, a)| (s.as_str(), a)) {
            base.pop()?;
            rest = after;
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The crate path `name` stands for in `scope`: a `use` binding of it there, or a glob
    /// import there of a place that holds it; from a block, in the blocks around it too,
    /// up to its module. Each (scope, name) is looked up once, a cycle reading as nothing.
    fn lookup(
        &self,
        scope: &[String],
        name: &str,
        tree: &BTreeSet<Vec<String>>,
        hops: usize,
    ) -> Option<Vec<String>> {
        let key = (scope.to_vec(), name.to_string());
        if let Some(found) = self.found.borrow().get(&key) {
            return found.clone();
        }
        self.found.borrow_mut().insert(key.clone(), None);
        let mut scope = scope;
        let found = loop {
            if self.declared.get(scope).is_some_and(|d| d.contains(name)) {
                // The code's own type or module: a path through it is the file's.
                let mut here = self.here(scope);
                here.push(name.to_string());
                break Some(here);
            }
            let found = self.lookup_in(scope, name, tree, hops);
            match scope.split_last() {
                Some((last, outer)) if found.is_none() && is_block(last) => scope = outer,
                _ => break found,
            }
        };
        self.found.borrow_mut().insert(key, found.clone());
        found
    }

    /// [`Code::lookup`] in `scope` alone.
    fn lookup_in(
        &self,
        scope: &[String],
        name: &str,
        tree: &BTreeSet<Vec<String>>,
        hops: usize,
    ) -> Option<Vec<String>> {
        let imports = self.imports.get(scope)?;
        for import in imports {
            if let Import::Binding { name: bound, path } = import {
                if bound == name {
                    return self.resolve(scope, path, tree, hops + 1);
                }
            }
        }
        for import in imports {
            let Import::Glob { path } = import else {
                continue;
            };
            let Some(place) = self.resolve(scope, path, tree, hops + 1) else {
                continue;
            };
            if let Some(inner) = place.strip_prefix(self.file.as_slice()) {
                // A glob of this file or of a `mod` block in it: what is imported there.
                if let Some(found) = self.lookup(inner, name, tree, hops + 1) {
                    return Some(found);
                }
                continue;
            }
            let mut candidate = place;
            candidate.push(name.to_string());
            if tree.contains(&candidate) {
                return Some(candidate);
            }
        }
        None
    }
}

/// Whether `text` is an identifier or a keyword a path may hold (`crate`, `super`).
fn is_word(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_') && text != "_"
}

/// Whether a scope's segment is a block other than an inline `mod` (see [`scopes`]).
fn is_block(segment: &str) -> bool {
    segment.starts_with('{')
}

/// Per token, the blocks it sits in: an inline `mod NAME { .. }` by its name, any other
/// by `{` and the index of its opening brace, which no name can be.
fn scopes(tokens: &[Token]) -> Vec<Vec<String>> {
    let mut open: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        match token.text.as_str() {
            "{" => {
                // A block's braces belong to the scope around it.
                out.push(open.clone());
                let named = i >= 2 && tokens[i - 2].text == "mod" && is_word(&tokens[i - 1].text);
                open.push(if named {
                    tokens[i - 1].text.clone()
                } else {
                    format!("{{{i}")
                });
                continue;
            }
            "}" => {
                open.pop();
            }
            _ => {}
        }
        out.push(open.clone());
    }
    out
}

/// Reads the use tree at token `i` (after `use`, or inside a `{ }` group) below the
/// segments `prefix`, adding what it imports to `out`; returns the token after it.
fn use_tree(tokens: &[Token], mut i: usize, prefix: &[String], out: &mut Vec<Import>) -> usize {
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text.as_str());
    let mut path = prefix.to_vec();
    if text(i) == "::" {
        // `::std::..`: another crate's path, which no module of this one is on.
        if path.is_empty() {
            return i + 1;
        }
        i += 1;
    }
    loop {
        let word = text(i);
        if word == "*" {
            out.push(Import::Glob { path });
            return i + 1;
        }
        if word == "{" {
            i += 1;
            while i < tokens.len() && text(i) != "}" {
                let before = i;
                i = use_tree(tokens, i, &path, out);
                if text(i) == "," {
                    i += 1;
                } else if text(i) != "}" {
                    // Not a use tree (a reply cut off): the group ends here.
                    return i.max(before + 1);
                }
            }
            return i + 1;
        }
        if !is_word(word) {
            return i;
        }
        path.push(word.to_string());
        i += 1;
        if text(i) == "::" {
            i += 1;
        } else {
            break;
        }
    }
    // `a::x::{self, one}`: `self` is `a::x` itself.
    if path.last().is_some_and(|s| s == "self") && path.len() > 1 {
        path.pop();
    }
    let mut name = path.last().cloned().unwrap_or_default();
    if text(i) == "as" {
        name = text(i + 1).to_string();
        i += 2;
    }
    if !name.is_empty() {
        out.push(Import::Binding { name, path });
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(modules: &[&str]) -> BTreeSet<Vec<String>> {
        let mut out = BTreeSet::new();
        for m in modules {
            let path: Vec<String> = m.split('.').map(str::to_string).collect();
            for k in 1..=path.len() {
                out.insert(path[..k].to_vec());
            }
        }
        out
    }

    fn named(code: &str, module: &str, modules: &[&str]) -> Vec<String> {
        let module: Vec<String> = module.split('.').map(str::to_string).collect();
        named_paths(code, &module, &tree(modules))
            .iter()
            .map(|p| p.join("::"))
            .collect()
    }

    const MODULES: &[&str] = &["a.x", "a.w", "b", "b.c", "m.y"];

    #[test]
    fn a_path_through_an_imported_module_or_folder_is_followed() {
        let code = "use crate::a;\npub fn f() -> i64 { a::x::one() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one"]);
        let code = "use crate::a::x;\npub fn f() -> i64 { x::one() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one"]);
        let code = "use crate::a::x as other;\npub fn f() -> i64 { other::one() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one"]);
        // An imported item is named by its `use`, called by its bare name or not.
        let code = "use crate::a::x::one;\npub fn f() -> i64 { one() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one"]);
        // A `use` of a module that nothing goes on from names nothing.
        assert!(named("use crate::a::x;\n", "m.y", MODULES).is_empty());
    }

    #[test]
    fn grouped_nested_and_relative_use_trees_are_read() {
        let code = "use crate::{a, b::c};\nfn f() -> i64 { a::w::w() + c::c() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::w::w", "b::c::c"]);
        let code = "use crate::{a::{x::{self, one as uno}, w::*}};\nfn f() -> i64 { x::two() }\n";
        assert_eq!(
            named(code, "m.y", MODULES),
            ["a::w::*", "a::x::one", "a::x::two"]
        );
        // A path that starts from another import (`use b::c` after `use crate::b`), and
        // one from `super` (`m.y`'s file is `crate::m::y::imp`).
        let code =
            "use crate::b;\nuse b::c;\nuse super::super::super::a::x::one;\nfn f() { c::g() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one", "b::c::g"]);
        let code =
            "fn f() -> i64 { super::super::y::g() + self::h() + super::super::super::b::f() }";
        assert_eq!(
            named(code, "m.y", MODULES),
            ["b::f", "m::y::g", "m::y::imp::h"]
        );
    }

    #[test]
    fn a_glob_reaches_the_child_modules_of_the_module_it_imports() {
        // `b`'s `mod.rs` declares `pub mod c;`: `use super::*;` in `b`'s code brings `c`.
        let code = "use super::*;\npub fn f() -> i64 { c::c() + Local::new() }\n";
        assert_eq!(named(code, "b", MODULES), ["b::*", "b::c::c"]);
        // An inline `mod` block's `super` is the file, whose glob it reaches through.
        let code = "use crate::*;\nmod inner {\n    use super::*;\n    pub fn g() -> i64 { a::x::one() }\n}\n";
        assert_eq!(
            named(code, "m.y", MODULES),
            ["*", "a::x::one", "m::y::imp::*"]
        );
    }

    #[test]
    fn comments_strings_and_other_crates_name_nothing() {
        let code = "// use crate::a;\n/* a::x::one() */\nfn f() -> &'static str { \"crate::b::f\" }\nuse ::std::fmt;\nuse std::collections::BTreeMap;\nfn g() { std::mem::swap(&mut 1, &mut 2); BTreeMap::<i64, i64>::new(); v.iter().map(x::y) }\n";
        let found = named(code, "m.y", MODULES);
        assert!(
            found
                .iter()
                .all(|p| !p.starts_with("a::") && !p.starts_with("b::")),
            "{found:?}"
        );
        // Cut off mid-declaration, or cyclic: no panic, no endless loop.
        for broken in [
            "use crate::{a::",
            "use crate::{{{",
            "use a::b; use b::a; fn f() { a::f() }",
            "use",
            "use ::",
            "mod m {",
        ] {
            let _ = named(broken, "m.y", MODULES);
        }
    }

    #[test]
    fn a_use_in_a_block_holds_in_that_block_only() {
        // `h` is `crate::b` in `f` and `crate::a::x` in `g`: read as one scope, `g`'s call
        // was `b::one` (refusing code for a module it does not call) and `f`'s `a::x::f`.
        let code = "fn f() { use crate::b as h; h::f() }\nfn g() -> i64 { use crate::a::x as h; h::one() }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one", "b::f"]);
        // A block sees the `use` of the blocks around it and of its module.
        let code = "use crate::b;\nfn f() { use crate::a::x; if true { x::one(); b::f(); } }\n";
        assert_eq!(named(code, "m.y", MODULES), ["a::x::one", "b::f"]);
        // `self::` in a function's body is the file's module still.
        assert_eq!(
            named("fn f() { self::g() }", "m.y", MODULES),
            ["m::y::imp::g"]
        );
    }

    #[test]
    fn the_code_s_own_modules_and_types_shadow_what_a_glob_brings() {
        // `use super::*;` in `b` brings its child module `c`, but the code's own `mod c`
        // (or type `c`) is what `c::` names, as rustc reads it: nothing of module `b.c`.
        for own in [
            "mod c { pub fn f() -> i64 { 1 } }",
            "enum c { f }",
            "struct c;",
        ] {
            let code = format!("use super::*;\n{own}\npub fn g() -> i64 {{ c::f() }}\n");
            let found = named(&code, "b", MODULES);
            assert!(
                found.iter().all(|p| !p.starts_with("b::c")),
                "{code}: {found:?}"
            );
        }
        // Declared in another function's body, it shadows nothing here.
        let code = "use super::*;\nfn h() { enum c { f } }\npub fn g() -> i64 { c::c() }\n";
        assert_eq!(named(code, "b", MODULES), ["b::*", "b::c::c"]);
    }

    #[test]
    fn globs_reaching_each_other_are_read_in_time() {
        // Each name looked up through four globs of blocks that glob the file back: up to
        // sixteen hops of four ways each, the test ran for minutes.
        let mut code = String::new();
        for k in 0..4 {
            code.push_str(&format!(
                "use inner{k}::*;\nmod inner{k} {{ use super::*; }}\n"
            ));
        }
        for k in 0..200 {
            code.push_str(&format!("fn f{k}() -> Vec<i64> {{ Vec::new() }}\n"));
        }
        code.push_str("use crate::a::x::*;\nfn g() -> i64 { one() }\n");
        let mut expected = vec!["a::x::*".to_string(), "m::y::imp::*".to_string()];
        expected.extend((0..4).map(|k| format!("m::y::imp::inner{k}::*")));
        assert_eq!(named(&code, "m.y", MODULES), expected);
    }
}
