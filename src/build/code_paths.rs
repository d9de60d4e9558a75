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

/// A scope (the file's top level, an inline `mod` or another block) by its index in
/// [`Scopes`]: tokens, imports and lookups name their scope by it, so that no token holds
/// a list of the blocks around it (code nested deep took memory and time in the square
/// of its size).
type ScopeId = usize;

/// The top level of the file.
const TOP: ScopeId = 0;

/// What a name looked up in a scope stands for, a crate path or nothing.
type Found = BTreeMap<(ScopeId, String), Option<Vec<String>>>;

/// What one `use` tree leaf brings into its scope.
#[derive(Debug, Clone)]
enum Import {
    /// `use P;` or `use P as name;`: `name` stands for the path `P`, as written.
    Binding { name: String, path: Vec<String> },
    /// `use P::*;`: every name `P` holds.
    Glob { path: Vec<String> },
}

/// One scope of the file.
#[derive(Debug)]
struct Scope {
    /// The scope around it; `None` for the top level.
    parent: Option<ScopeId>,
    /// An inline `mod`'s name; `None` for the top level and any other block (a
    /// function's body).
    module: Option<String>,
    /// The inline `mod` it is or sits in, innermost: itself for a `mod`, `None` outside
    /// every one.
    in_module: Option<ScopeId>,
}

impl Scope {
    /// Whether it is a block other than an inline `mod` (and not the top level): a name
    /// not found in it is looked up in the scope around it.
    fn is_block(&self) -> bool {
        self.parent.is_some() && self.module.is_none()
    }
}

/// The file's scopes as a tree, each knowing its parent: the top level first, then each
/// in the order its `{` comes. The blocks of two `mod m { .. }` of one name in one scope
/// are one scope, as the module they make is one.
#[derive(Debug)]
struct Scopes {
    all: Vec<Scope>,
    /// Each inline `mod` by the scope it sits in and its name.
    modules: BTreeMap<(ScopeId, String), ScopeId>,
}

impl Scopes {
    /// The scope of each token of `tokens`, and the scopes: an inline `mod NAME { .. }`,
    /// or any other `{ .. }` block. A block's braces belong to the scope around it.
    fn read(tokens: &[Token]) -> (Scopes, Vec<ScopeId>) {
        let mut scopes = Scopes {
            all: vec![Scope {
                parent: None,
                module: None,
                in_module: None,
            }],
            modules: BTreeMap::new(),
        };
        let mut open = vec![TOP];
        let mut scope_of = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.iter().enumerate() {
            let here = open.last().copied().unwrap_or(TOP);
            scope_of.push(here);
            match token.text.as_str() {
                "{" => {
                    let named =
                        i >= 2 && tokens[i - 2].text == "mod" && is_word(&tokens[i - 1].text);
                    let name = named.then(|| tokens[i - 1].text.clone());
                    open.push(scopes.open(here, name));
                }
                "}" if open.len() > 1 => {
                    open.pop();
                    // Its closing brace belongs to the scope around the block too.
                    if let (Some(last), Some(&outer)) = (scope_of.last_mut(), open.last()) {
                        *last = outer;
                    }
                }
                _ => {}
            }
        }
        (scopes, scope_of)
    }

    /// The scope of a block opened in `parent`: an inline `mod` of that name (the one
    /// already there, when there is one), or a new block.
    fn open(&mut self, parent: ScopeId, module: Option<String>) -> ScopeId {
        if let Some(name) = &module {
            if let Some(&id) = self.modules.get(&(parent, name.clone())) {
                return id;
            }
        }
        let id = self.all.len();
        let in_module = if module.is_some() {
            Some(id)
        } else {
            self.all[parent].in_module
        };
        if let Some(name) = &module {
            self.modules.insert((parent, name.clone()), id);
        }
        self.all.push(Scope {
            parent: Some(parent),
            module,
            in_module,
        });
        id
    }

    /// The inline `mod` at `path` below the file's top level (`["inner", "deeper"]`), by
    /// its names alone: a `mod` inside a function's body is on no path.
    fn module_at(&self, path: &[String]) -> Option<ScopeId> {
        path.iter().try_fold(TOP, |scope, name| {
            self.modules.get(&(scope, name.clone())).copied()
        })
    }

    /// The names of the inline `mod`s that `scope` is or sits in, outermost first.
    fn module_names(&self, scope: ScopeId) -> Vec<String> {
        let mut names = Vec::new();
        let mut next = self.all[scope].in_module;
        while let Some(m) = next {
            names.extend(self.all[m].module.iter().cloned());
            next = self.all[m].parent.and_then(|p| self.all[p].in_module);
        }
        names.reverse();
        names
    }
}

/// A module's `imp.rs`, read for the paths it names.
struct Code {
    /// Every token, comments and white space left out, `r#` taken off identifiers.
    tokens: Vec<Token>,
    /// The file's scopes.
    scopes: Scopes,
    /// Per token, the scope it sits in.
    scope_of: Vec<ScopeId>,
    /// Per scope, its imports.
    imports: Vec<Vec<Import>>,
    /// Per scope, the names it declares in the namespace of modules and types (`mod`,
    /// `struct`, `enum`, `union`, `trait`, `type`): they shadow a glob's.
    declared: Vec<BTreeSet<String>>,
    /// Per block, where a name it does not hold is looked up next: the nearest scope
    /// around it that is not a block, or that imports or declares a name (a block that
    /// does neither has nothing to find, and code nested deep walked every one of them
    /// for every name).
    outer: Vec<ScopeId>,
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
    for (scope, imports) in code.imports.iter().enumerate() {
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
        if let Some(path) = code.resolve(code.scope_of[start], &segments, tree, 0) {
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
        let (scopes, scope_of) = Scopes::read(&tokens);
        let mut declared = vec![BTreeSet::new(); scopes.all.len()];
        for (k, pair) in tokens.windows(2).enumerate() {
            let declares = matches!(
                pair[0].text.as_str(),
                "mod" | "struct" | "enum" | "union" | "trait" | "type"
            );
            if declares && is_word(&pair[1].text) {
                declared[scope_of[k]].insert(pair[1].text.clone());
            }
        }
        let mut in_use = vec![false; tokens.len()];
        let mut imports = vec![Vec::new(); scopes.all.len()];
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
            imports[scope_of[start]].extend(found);
            i = end.max(start + 1);
        }
        // A scope's parent comes before it, so its `outer` is known first.
        let mut outer = vec![TOP; scopes.all.len()];
        for (id, scope) in scopes.all.iter().enumerate() {
            let Some(parent) = scope.parent else {
                continue;
            };
            let quiet = imports[parent].is_empty() && declared[parent].is_empty();
            outer[id] = if scopes.all[parent].is_block() && quiet {
                outer[parent]
            } else {
                parent
            };
        }
        let mut file = module.to_vec();
        file.push("imp".to_string());
        Code {
            tokens,
            scopes,
            scope_of,
            imports,
            declared,
            outer,
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
    fn here(&self, scope: ScopeId) -> Vec<String> {
        let mut here = self.file.clone();
        here.extend(self.scopes.module_names(scope));
        here
    }

    /// The crate path that `written`, as it stands in `scope`, reaches, or `None` when it
    /// leaves the crate or names what this file binds itself.
    fn resolve(
        &self,
        scope: ScopeId,
        written: &[String],
        tree: &BTreeSet<Vec<String>>,
        hops: usize,
    ) -> Option<Vec<String>> {
        let (first, rest) = written.split_first()?;
        if hops > MAX_HOPS {
            return None;
        }
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.here(scope),
            "super" => {
                let mut here = self.here(scope);
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
        scope: ScopeId,
        name: &str,
        tree: &BTreeSet<Vec<String>>,
        hops: usize,
    ) -> Option<Vec<String>> {
        let key = (scope, name.to_string());
        if let Some(found) = self.found.borrow().get(&key) {
            return found.clone();
        }
        self.found.borrow_mut().insert(key.clone(), None);
        let mut scope = scope;
        let found = loop {
            if self.declared[scope].contains(name) {
                // The code's own type or module: a path through it is the file's.
                let mut here = self.here(scope);
                here.push(name.to_string());
                break Some(here);
            }
            let found = self.lookup_in(scope, name, tree, hops);
            if found.is_none() && self.scopes.all[scope].is_block() {
                scope = self.outer[scope];
            } else {
                break found;
            }
        };
        self.found.borrow_mut().insert(key, found.clone());
        found
    }

    /// [`Code::lookup`] in `scope` alone.
    fn lookup_in(
        &self,
        scope: ScopeId,
        name: &str,
        tree: &BTreeSet<Vec<String>>,
        hops: usize,
    ) -> Option<Vec<String>> {
        let imports = &self.imports[scope];
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
                let found = self
                    .scopes
                    .module_at(inner)
                    .and_then(|inner| self.lookup(inner, name, tree, hops + 1));
                if let Some(found) = found {
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
    fn code_nested_deep_is_read_in_linear_time_and_memory() {
        // Each token held the list of the blocks around it, and each name was looked up
        // in every block around its own: 5,000 blocks nested took about 270 million
        // names (gigabytes) and minutes. Now a token holds its block's index.
        let depth = 5_000;
        let mut code = String::from("use crate::a;\nfn f(x: i64) {\n");
        for _ in 0..depth {
            code.push_str("if x > 0 { a::x::one(); b::c::c();\n");
        }
        code.push_str("use crate::b::c as h;\nh::f();\n");
        code.push_str(&"}\n".repeat(depth));
        code.push_str("}\nfn g() { h::g() }\n");
        // `b` is not imported, and `h` holds in the deepest block alone.
        assert_eq!(named(&code, "m.y", MODULES), ["a::x::one", "b::c::f"]);
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
