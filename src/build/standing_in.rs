//! Stand-ins for the interface items a module's `imp.rs` does not have yet: a spec that
//! gains a function or a `type` gives the module a `mod.rs` re-exporting it
//! (`pub use imp::extra;`) before any code has it, and that one line would stop the whole
//! generated crate from compiling, every module's tests with it, until someone writes the
//! item (the manual provider leaves the module waiting for just that). So the `mod.rs`
//! ghost writes into the generated crate has, in place of each re-export `imp.rs` cannot
//! answer, the compiler's stub of that item (a `todo!()` body, marked as ghost's), and
//! the line comes back as soon as `imp.rs` has the item. A method a `type` gains that the
//! code's type lacks would stop the module's own test target compiling (its signature
//! check names it): its stub stands in an `impl` block of its own after the type's
//! re-export, legal beside the code's since a type's inherent methods may be split across
//! the crate's modules. `imp.rs` is read by tokens (`compile/rust/items.rs`'s lexer), so a
//! comment or a string naming an item is not the item.
//!
//! Only in the generated crate: a scratch copy tests a module's code against its real
//! `mod.rs` (`generate.rs` puts it back), so code without an item never passes, and a
//! module whose `mod.rs` holds a stand-in is never locked from the generated crate
//! (`stale_together.rs` skips it); `ghost test` fails it whatever its tests say
//! ([`lacking`]). `imp.rs` is never touched.

use crate::compile::rust::items::{items, Item};
use crate::compile::rust::{GeneratedFile, Owner};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The line of `mod.rs` that re-exports an interface item from `imp.rs`.
const REEXPORT: &str = "pub use imp::";

/// How a stand-in's comment starts.
const MARK: &str = "// ghost's stub: imp.rs has no public `";

/// A module whose `mod.rs` holds stand-ins: its path in the crate, and the items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingIn {
    pub mod_rs: PathBuf,
    pub items: Vec<String>,
}

impl StandingIn {
    /// What to tell the user: where the stand-ins are and what puts them away, with the
    /// paths as seen from the current folder (`out_dir` is the generated crate).
    pub fn why(&self, out_dir: &Path) -> String {
        let names: Vec<String> = self
            .items
            .iter()
            .map(|n| format!("`{}`", bare(n)))
            .collect();
        let shown = |p: &Path| crate::project::shown_from_cwd(&out_dir.join(p));
        format!(
            "`{}` has no public {} yet: `{}` holds ghost's stub (`todo!()`) in its place, so that the crate compiles; it goes once `imp.rs` has it",
            shown(&self.mod_rs.with_file_name("imp.rs")).display(),
            names.join(", "),
            shown(&self.mod_rs).display()
        )
    }
}

/// `files` (the crate's, as the compiler writes them) with each module's `mod.rs` fitted
/// to the `imp.rs` on disk under `out_dir`, and the modules given stand-ins. A module
/// with no `imp.rs`, or an untouched stub (both replaced by the new stub), gets none.
pub fn fit_to_code(
    out_dir: &Path,
    files: &[GeneratedFile],
) -> (Vec<GeneratedFile>, Vec<StandingIn>) {
    let mut fitted = files.to_vec();
    let mut standing = Vec::new();
    for stub in files.iter().filter(|f| f.owner == Owner::AgentStub) {
        let Some(mod_path) = stub.path.parent().map(|d| d.join("mod.rs")) else {
            continue;
        };
        let Some(code) = std::fs::read(out_dir.join(&stub.path)).ok().and_then(|b| {
            String::from_utf8(crate::plan::lock::lf_line_endings(&b).into_owned()).ok()
        }) else {
            continue;
        };
        if crate::compile::rust::is_untouched_stub(&code) {
            continue;
        }
        let Some(f) = fitted
            .iter_mut()
            .find(|f| f.path == mod_path && f.owner == Owner::Compiler)
        else {
            continue;
        };
        let (text, names) = with_stand_ins(&f.contents, &stub.contents, &code);
        if !names.is_empty() {
            f.contents = text;
            standing.push(StandingIn {
                mod_rs: mod_path,
                items: names,
            });
        }
    }
    (fitted, standing)
}

/// Writes `m`'s `mod.rs` in the generated crate again, fitted to the code now on disk,
/// where it holds a stand-in: code just accepted has the items the old code lacked.
pub fn refit(paths: &crate::build::session::Paths, m: &crate::compile::CompiledModule) {
    let (files, _) = fit_to_code(&paths.out_dir, &m.files);
    for f in files
        .iter()
        .filter(|f| f.owner == Owner::Compiler && f.path.ends_with("mod.rs"))
    {
        let target = paths.out_dir.join(&f.path);
        // Only a stand-in ghost wrote is put away here; any other change to the file is
        // the build's end to judge (`written.rs` keeps an edit by hand).
        let ours = std::fs::read(&target).is_ok_and(|b| String::from_utf8_lossy(&b).contains(MARK));
        if ours && crate::plan::lock::write_atomic(&target, f.contents.as_bytes()).is_ok() {
            let (state_dir, lock) = (&paths.state_dir, &paths.lock);
            crate::build::written::record_pins(
                state_dir,
                &paths.out_dir,
                lock,
                std::slice::from_ref(&f.path),
            );
        }
    }
}

/// The interface items `code` (`m`'s `imp.rs`) lacks: code that passed its tests
/// against ghost's stand-ins for them (no test calls them) is not code a lock may record.
pub fn lacking(m: &crate::compile::CompiledModule, code: &str) -> Vec<String> {
    let file = |owner: Owner, name: &str| {
        m.files
            .iter()
            .find(|f| f.owner == owner && f.path.ends_with(name))
            .map_or("", |f| f.contents.as_str())
    };
    let (mod_rs, stub) = (
        file(Owner::Compiler, "mod.rs"),
        file(Owner::AgentStub, "imp.rs"),
    );
    missing(mod_rs, stub, code).into_iter().collect()
}

/// Why code lacking `names` is not accepted, for the build's report.
/// The path is shown from the current folder (`out_dir` is the generated crate).
pub fn lacking_why(out_dir: &Path, m: &crate::compile::CompiledModule, names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{}`", bare(n))).collect();
    format!(
        "its tests pass, but `{}` has no public {}, which the spec declares: write it there",
        crate::project::shown_from_cwd(&out_dir.join(&m.imp_path)).display(),
        names.join(", ")
    )
}

/// Why a stale module's code needs more than its tests: the items it lacks (`names`),
/// for `ghost check` and `ghost status`.
pub fn lacking_reason(names: &[String]) -> Option<String> {
    let names: Vec<String> = names.iter().map(|n| format!("`{}`", bare(n))).collect();
    (!names.is_empty()).then(|| {
        format!(
            "its imp.rs has no public {} the spec declares",
            names.join(", ")
        )
    })
}

/// Why `ghost test` fails code lacking `names` whatever its tests say: they met ghost's
/// stand-ins, not code (the path shown from the current folder).
pub fn lacking_in_test(
    out_dir: &Path,
    m: &crate::compile::CompiledModule,
    names: &[String],
) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("`{}`", bare(n))).collect();
    format!(
        "`{}` has no public {}, which the spec declares: its tests met ghost's stub (`todo!()`) in its place, not code; write it there, or run `ghost build {}`",
        crate::project::shown_from_cwd(&out_dir.join(&m.imp_path)).display(),
        names.join(", "),
        m.name
    )
}

/// Whether `code` (a module's `imp.rs`) lacks an item its `mod_rs` re-exports.
#[cfg(test)]
fn lacks_items(mod_rs: &str, code: &str) -> bool {
    !missing(mod_rs, "", code).is_empty()
}

/// `mod_rs` with the re-export (and the doc above it) of each item `code` lacks replaced
/// by that item from `stub` (the compiler's stub `imp.rs`), an `impl` block of the stubs
/// of the methods it lacks of a type it has after that type's re-export, and the items
/// replaced (a method as `Type::method`).
fn with_stand_ins(mod_rs: &str, stub: &str, code: &str) -> (String, Vec<String>) {
    let missing = missing(mod_rs, stub, code);
    if missing.is_empty() {
        return (mod_rs.to_string(), Vec::new());
    }
    let stub_items = items(stub);
    // The lints `mod imp;` is let off (the spec fixes the API's shape), for its stand-ins.
    let allow = mod_rs
        .lines()
        .take_while(|l| *l != "mod imp;")
        .last()
        .filter(|l| l.starts_with("#[allow("))
        .unwrap_or("");
    let mut out = String::with_capacity(mod_rs.len());
    let mut doc = String::new();
    let mut replaced = Vec::new();
    for line in mod_rs.split_inclusive('\n') {
        if line.starts_with("///") {
            doc.push_str(line);
            continue;
        }
        let name = reexported(line);
        let stand_in = name
            .filter(|name| missing.contains(*name))
            .and_then(|name| Some((name, stand_in(stub, &stub_items, name, allow)?)));
        match stand_in {
            Some((name, text)) => {
                // The stub's own doc is the spec's, as the dropped one was.
                out.push_str(&text);
                replaced.push(name.to_string());
            }
            None => {
                out.push_str(&doc);
                out.push_str(line);
                let lacking: Vec<&str> = name
                    .map(|ty| {
                        missing
                            .iter()
                            .filter_map(|m| m.strip_prefix(ty)?.strip_prefix("::"))
                            .collect()
                    })
                    .unwrap_or_default();
                let methods = name
                    .filter(|_| !lacking.is_empty())
                    .and_then(|ty| methods_stand_in(stub, &stub_items, ty, &lacking, allow));
                if let (Some(ty), Some(text)) = (name, methods) {
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(&text);
                    replaced.extend(lacking.iter().map(|m| format!("{ty}::{m}")));
                }
            }
        }
        doc.clear();
    }
    out.push_str(&doc);
    (out, replaced)
}

/// The item a `pub use imp::NAME;` line re-exports.
fn reexported(line: &str) -> Option<&str> {
    line.trim_end()
        .strip_prefix(REEXPORT)?
        .strip_suffix(';')
        .filter(|n| {
            n.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '#')
        })
}

/// The items `mod_rs` re-exports from `imp.rs` that `code` does not define, and each
/// method of a type it defines that it has no `fn` of (`Type::method`, the methods
/// those of `stub`'s, the compiler's stub `imp.rs`); none when `code` may define items no
/// name shows (a macro called at its top level). Read by tokens, so that a comment or a
/// string that says `pub fn NAME(` is not the item.
fn missing(mod_rs: &str, stub: &str, code: &str) -> BTreeSet<String> {
    let names: Vec<&str> = mod_rs.lines().filter_map(reexported).collect();
    if names.is_empty() {
        return BTreeSet::new();
    }
    let Some(have) = defined(code) else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    let mut stub_items = None;
    for name in names {
        if !have.names.contains(bare(name)) {
            out.insert(name.to_string());
            continue;
        }
        // Only a type has methods, and the stub has an `impl` block only for a type: a
        // plain look at the compiler's own text spares lexing it for a function.
        if have.macros || !stub.contains(&format!("\nimpl {name} {{")) {
            continue;
        }
        let stub_items = stub_items.get_or_insert_with(|| items(stub));
        for method in methods_of(stub, stub_items, name) {
            if !have.fns.contains(bare(&method)) {
                out.insert(format!("{name}::{method}"));
            }
        }
    }
    out
}

/// What an `imp.rs` defines, as far as its module's interface goes.
struct Defined {
    /// The names its public top-level items define or bring in (every name a `use`
    /// mentions, to be safe).
    names: BTreeSet<String>,
    /// The name of every `fn` anywhere in it: a method of a type is there if a function
    /// of its name is, in any `impl` block (a trait's too, which a stand-in beside it
    /// would shadow) or nested module; one with none would stop the tests compiling.
    fns: BTreeSet<String>,
    /// It defines a macro, which may write methods no `fn` shows.
    macros: bool,
}

/// What `code` defines, or `None` when a macro called at the top level may define more.
fn defined(code: &str) -> Option<Defined> {
    let mut have = Defined {
        names: BTreeSet::new(),
        fns: BTreeSet::new(),
        macros: false,
    };
    for item in items(code) {
        let head = item.head();
        if let [name, "!", ..] = head.as_slice() {
            if *name != "macro_rules" {
                return None;
            }
        }
        for pair in item.tokens.windows(2) {
            match (pair[0].text.as_str(), pair[1].text.as_str()) {
                ("fn", name) => {
                    have.fns.insert(bare(name).to_string());
                }
                ("macro_rules", _) => have.macros = true,
                _ => {}
            }
        }
        have.macros |= writes_methods(&item);
        // Only what `pub use imp::NAME;` can re-export: a private item (a helper of the
        // name) would stop the crate compiling as a missing one does.
        let public = item
            .visibility()
            .is_some_and(|at| code.get(at) == Some("pub"));
        if !public {
            continue;
        }
        if let Some(name) = item.fn_name() {
            have.names.insert(bare(&name).to_string());
            continue;
        }
        match head.as_slice() {
            ["use", rest @ ..] => have.names.extend(rest.iter().map(|w| bare(w).to_string())),
            [kind, name, ..]
                if matches!(
                    *kind,
                    "struct" | "enum" | "union" | "type" | "trait" | "const" | "static" | "mod"
                ) =>
            {
                have.names.insert(bare(name).to_string());
            }
            _ => {}
        }
    }
    Some(have)
}

/// The attributes that write no methods: lints, conditions, layout, docs, and deriving
/// the standard library's traits (a third-party derive, `#[derive(Getters)]`, may write
/// inherent methods no `fn` of the code shows, which a stand-in would clash with).
const PLAIN_ATTRIBUTES: &[&str] = &[
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "cfg",
    "cfg_attr",
    "doc",
    "inline",
    "cold",
    "must_use",
    "non_exhaustive",
    "repr",
    "test",
    "track_caller",
    "deprecated",
    "derive",
    "rustfmt",
    "clippy",
    "should_panic",
    "ignore",
];
const STD_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Default",
];

/// Whether `item` may write methods no `fn` of it shows: an attribute other than the
/// plain ones, or a macro called in an `impl` block's body (not in a function's).
fn writes_methods(item: &Item) -> bool {
    let t = &item.tokens;
    let word = |i: usize| t.get(i).map_or("", |x| x.text.as_str());
    let mut depth = 0usize;
    let is_impl = item.head().first() == Some(&"impl");
    for i in 0..t.len() {
        match word(i) {
            "{" | "(" | "[" => depth += 1,
            "}" | ")" | "]" => depth = depth.saturating_sub(1),
            "#" => {
                let at = if word(i + 1) == "!" { i + 2 } else { i + 1 };
                if word(at) != "[" {
                    continue;
                }
                let name = word(at + 1);
                if !PLAIN_ATTRIBUTES.contains(&name) {
                    return true;
                }
                let end = crate::compile::rust::items::skip_group(t, at);
                let derives_other = name == "derive"
                    && t[at + 2..end.saturating_sub(1).max(at + 2)]
                        .iter()
                        .any(|x| {
                            let w = x.text.as_str();
                            w.chars().next().is_some_and(char::is_alphabetic)
                                && !STD_DERIVES.contains(&w)
                                && !matches!(
                                    w,
                                    "std"
                                        | "core"
                                        | "fmt"
                                        | "hash"
                                        | "cmp"
                                        | "clone"
                                        | "default"
                                        | "marker"
                                )
                        });
                if derives_other {
                    return true;
                }
            }
            "!" if is_impl && depth == 1 && i > 0 && matches!(word(i + 1), "(" | "[" | "{") => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// The methods of type `ty` in `stub` (the compiler's stub `imp.rs`, split into
/// `stub_items`): those of its inherent `impl` block.
fn methods_of(stub: &str, stub_items: &[Item], ty: &str) -> Vec<String> {
    stub_items
        .iter()
        .filter(|i| i.inherent_type().as_deref() == Some(ty))
        .flat_map(|i| i.inner_items(stub))
        .filter_map(|m| m.fn_name())
        .collect()
}

/// The marked comment above a stand-in for `names`.
fn mark(names: &[String]) -> String {
    format!(
        "\n{MARK}{}` yet, and the crate compiles meanwhile; it goes once\n\
         // imp.rs has it (edit imp.rs, not this file).\n",
        names.join("`, `")
    )
}

/// `text` (a stub's item) with its `todo!()` saying whose stub it is (`shown`).
fn marked_todo(text: &str, shown: &str) -> String {
    text.replace(
        "todo!()",
        &format!("todo!(\"`{shown}` is ghost's stub until imp.rs has a public one\")"),
    )
}

/// An `impl ty` block of the stubs of `methods` from `stub`, marked as ghost's: a type's
/// inherent methods may be split across `impl` blocks in the crate's modules, so this one
/// stands beside the code's own in `mod.rs`.
fn methods_stand_in(
    stub: &str,
    stub_items: &[Item],
    ty: &str,
    methods: &[&str],
    allow: &str,
) -> Option<String> {
    let inner: Vec<Item> = stub_items
        .iter()
        .filter(|i| i.inherent_type().as_deref() == Some(ty))
        .flat_map(|i| i.inner_items(stub))
        .collect();
    let shown: Vec<String> = methods
        .iter()
        .map(|m| format!("{}::{}", bare(ty), bare(m)))
        .collect();
    let mut out = mark(&shown);
    out.push_str("#[allow(unused_variables)]\n");
    if !allow.is_empty() {
        out.push_str(allow);
        out.push('\n');
    }
    out.push_str(&format!("impl {ty} {{\n"));
    for (method, shown) in methods.iter().zip(&shown) {
        let item = inner
            .iter()
            .find(|i| i.fn_name().as_deref() == Some(*method))?;
        let text = stub[item.span.clone()].trim_matches('\n');
        out.push_str(&marked_todo(text, shown));
        out.push('\n');
    }
    out.push_str("}\n");
    Some(out)
}

/// A name without its raw prefix (`r#type` is `type`).
fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// The stub's text of `name`, marked as ghost's: a function, or a type's struct and its
/// `impl` block.
fn stand_in(stub: &str, stub_items: &[Item], name: &str, allow: &str) -> Option<String> {
    let own: Vec<&Item> = stub_items
        .iter()
        .filter(|i| {
            i.fn_name().as_deref() == Some(name)
                || i.head().get(..2) == Some(&["struct", name][..])
                || i.inherent_type().as_deref() == Some(name)
        })
        .collect();
    if own.is_empty() {
        return None;
    }
    let mut out = mark(&[bare(name).to_string()]);
    for item in own {
        let text = stub[item.span.clone()].trim_matches('\n');
        out.push_str("#[allow(unused_variables)]\n");
        if !allow.is_empty() {
            out.push_str(allow);
            out.push('\n');
        }
        out.push_str(&marked_todo(text, bare(name)));
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOD_RS: &str = "//! Module `a`.\n\nmod imp;\n\n/// Doubles.\npub use imp::double;\n\n/// A counter.\npub use imp::Counter;\n";
    const STUB: &str = "//! The implementation of module `a`: a stub by ghost, to be replaced by the agent.\n#![allow(unused_imports, unused_variables)]\n\nuse super::*;\n\n/// Doubles.\npub fn double(x: i64) -> i64 {\n    todo!()\n}\n\n/// A counter.\n#[derive(Debug)]\npub struct Counter {}\n\nimpl Counter {\n    pub fn new() -> Self {\n        todo!()\n    }\n}\n";

    #[test]
    fn code_with_every_item_keeps_the_re_exports() {
        let code = "use super::*;\npub fn double(x: i64) -> i64 { x * 2 }\n#[derive(Debug)]\npub struct Counter { n: i64 }\nimpl Counter { pub fn new() -> Self { Counter { n: 0 } } }\n";
        assert_eq!(
            with_stand_ins(MOD_RS, STUB, code),
            (MOD_RS.to_string(), vec![])
        );
    }

    #[test]
    fn a_missing_function_gets_the_stubs_in_place_of_its_re_export() {
        let code = "use super::*;\n#[derive(Debug)]\npub struct Counter { n: i64 }\nimpl Counter { pub fn new() -> Self { Counter { n: 0 } } }\n";
        let (text, names) = with_stand_ins(MOD_RS, STUB, code);
        assert_eq!(names, ["double"]);
        assert!(!text.contains("pub use imp::double;"), "{text}");
        assert!(text.contains("pub use imp::Counter;"), "{text}");
        assert!(text.contains("#[allow(unused_variables)]\n/// Doubles.\npub fn double(x: i64) -> i64 {\n    todo!(\"`double` is ghost's stub until imp.rs has a public one\")\n}\n"), "{text}");
        assert_eq!(text.matches("/// Doubles.").count(), 1, "{text}");
    }

    #[test]
    fn a_missing_type_gets_its_struct_and_impl() {
        let code = "pub fn double(x: i64) -> i64 { x * 2 }\n";
        let (text, names) = with_stand_ins(MOD_RS, STUB, code);
        assert_eq!(names, ["Counter"]);
        assert!(
            text.contains("#[derive(Debug)]\npub struct Counter {}"),
            "{text}"
        );
        assert!(
            text.contains("impl Counter {\n    pub fn new() -> Self {"),
            "{text}"
        );
        assert!(!text.contains("pub use imp::Counter;"), "{text}");
    }

    #[test]
    fn a_public_use_or_a_top_level_macro_counts_as_having_it_a_private_item_not() {
        let by_use = "mod inner { pub fn double(x: i64) -> i64 { x } }\npub use inner::double;\npub struct Counter;\n";
        assert!(!lacks_items(MOD_RS, by_use));
        let by_macro = "make_items! { double Counter }\n";
        assert!(!lacks_items(MOD_RS, by_macro));
        // `pub use imp::NAME;` cannot re-export these: as missing.
        let private = "fn double(x: i64) -> i64 { x }\npub(crate) struct Counter;\n";
        assert_eq!(missing(MOD_RS, STUB, private).len(), 2);
        assert!(lacks_items(MOD_RS, "fn other() {}\n"));
        // A longer name is another item.
        assert!(!lacks_items(
            MOD_RS,
            "pub fn double(x: i64) -> i64 { x }\npub struct Counter;\n"
        ));
        assert!(lacks_items(
            MOD_RS,
            "pub fn double_it(x: i64) -> i64 { x }\npub struct Counters;\n"
        ));
    }

    #[test]
    fn a_comment_or_a_string_that_names_the_item_is_not_the_item() {
        let commented = "// pub fn double(x: i64) -> i64 { x * 2 }\n/* pub struct Counter {} */\nfn other() {}\n";
        assert_eq!(
            missing(MOD_RS, STUB, commented),
            ["Counter".to_string(), "double".to_string()].into()
        );
        let quoted = "pub const NOTE: &str = \"pub fn double(\";\npub struct Counter;\nimpl Counter { pub fn new() -> Self { Counter } }\n";
        let (text, names) = with_stand_ins(MOD_RS, STUB, quoted);
        assert_eq!(names, ["double"]);
        assert!(
            text.contains("pub fn double(x: i64) -> i64 {\n    todo!("),
            "{text}"
        );
        // Nested in a module or an `impl` block, a function is no top-level item either.
        let nested = "mod inner { pub fn double(x: i64) -> i64 { x } }\npub struct Counter;\nimpl Counter { pub fn new() -> Self { Counter } }\n";
        assert_eq!(missing(MOD_RS, STUB, nested), ["double".to_string()].into());
    }

    const STUB_BUMP: &str = "//! The implementation of module `a`: a stub by ghost, to be replaced by the agent.\n#![allow(unused_imports, unused_variables)]\n\nuse super::*;\n\n/// Doubles.\npub fn double(x: i64) -> i64 {\n    todo!()\n}\n\n/// A counter.\n#[derive(Debug)]\npub struct Counter {}\n\nimpl Counter {\n    pub fn new() -> Self {\n        todo!()\n    }\n\n    /// One more.\n    pub fn bump(&mut self) -> i64 {\n        todo!()\n    }\n}\n";

    #[test]
    fn a_missing_method_of_a_type_the_code_has_gets_an_impl_block_of_its_stub() {
        let code = "use super::*;\npub fn double(x: i64) -> i64 { x * 2 }\n#[derive(Debug)]\npub struct Counter { n: i64 }\nimpl Counter {\n    pub fn new() -> Self { Counter { n: 0 } }\n    // pub fn bump(&mut self) -> i64\n}\n";
        let (text, names) = with_stand_ins(MOD_RS, STUB_BUMP, code);
        assert_eq!(names, ["Counter::bump"]);
        assert!(text.contains("pub use imp::Counter;\n"), "{text}");
        assert!(
            text.contains("// ghost's stub: imp.rs has no public `Counter::bump` yet")
                && text.contains("#[allow(unused_variables)]\nimpl Counter {\n    /// One more.\n    pub fn bump(&mut self) -> i64 {\n        todo!(\"`Counter::bump` is ghost's stub until imp.rs has a public one\")\n    }\n}\n"),
            "{text}"
        );
        assert!(
            !text.contains("pub fn new() -> Self {\n        todo!"),
            "{text}"
        );
        // Any `fn bump` may be it (a trait's method a stand-in would shadow, a private
        // one a stand-in would clash with), and a macro may write it: no stand-in.
        for has_it in [
            "impl Counter { pub fn new() -> Self { Counter { n: 0 } } }\nimpl Iterator for Counter { type Item = i64; fn next(&mut self) -> Option<i64> { None } }\nimpl Counter { fn bump(&mut self) -> i64 { 1 } }\n",
            "macro_rules! bumps { () => { pub fn bump(&mut self) -> i64 { 1 } } }\nimpl Counter { pub fn new() -> Self { Counter { n: 0 } } bumps!(); }\n",
        ] {
            let code = format!("pub fn double(x: i64) -> i64 {{ x }}\npub struct Counter {{ n: i64 }}\n{has_it}");
            assert_eq!(missing(MOD_RS, STUB_BUMP, &code), BTreeSet::new(), "{code}");
        }
        // Nor where a derive of another crate's, or a macro in an `impl` block, may.
        for may_have_it in [
            "#[derive(Debug, Clone, getset::Getters)]\npub struct Counter { n: i64 }\nimpl Counter { pub fn new() -> Self { Counter { n: 0 } } }\n",
            "#[derive(Debug)]\npub struct Counter { n: i64 }\nimpl Counter { pub fn new() -> Self { Counter { n: 0 } } other::bumps!(); }\n",
            "#[derive(Debug)]\n#[getters]\npub struct Counter { n: i64 }\nimpl Counter { pub fn new() -> Self { Counter { n: 0 } } }\n",
        ] {
            let code = format!("pub fn double(x: i64) -> i64 {{ x }}\n{may_have_it}");
            assert_eq!(missing(MOD_RS, STUB_BUMP, &code), BTreeSet::new(), "{code}");
        }
        // The standard library's derives, lints and a macro called in a method write none.
        let plain = "pub fn double(x: i64) -> i64 { x }\n#[derive(Debug, Clone, PartialEq, Default)]\n#[allow(dead_code)]\npub struct Counter { n: i64 }\nimpl Counter {\n    #[must_use]\n    pub fn new() -> Self { println!(\"new\"); Counter { n: 0 } }\n}\n";
        assert_eq!(
            missing(MOD_RS, STUB_BUMP, plain),
            ["Counter::bump".to_string()].into()
        );
        // A type missing altogether gets its whole stub, once.
        let (text, names) =
            with_stand_ins(MOD_RS, STUB_BUMP, "pub fn double(x: i64) -> i64 { x }\n");
        assert_eq!(names, ["Counter"]);
        assert_eq!(text.matches("pub fn bump").count(), 1, "{text}");
    }
}
