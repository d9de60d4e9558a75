//! The static part of the checked NFRs, run by the build on an implementation's text:
//! `nfr deps` (no crate outside the declared ones) and `nfr max_lines` (physical lines).
//! `nfr forbid unsafe` is the `#![forbid(unsafe_code)]` in `mod.rs`, enforced by rustc.
//! Beside them, the rule every implementation keeps whatever its spec says: it computes in
//! memory ([`reaches_outside`]), checked before its tests run.

use crate::check::{ModuleModel, NfrModel};
use std::collections::BTreeSet;

/// An NFR that an implementation's text breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticNfrFailure {
    /// `nfr deps`: the implementation names crates it may not use. `implicit` when the
    /// module declares no `nfr deps` and keeps [`NO_DEPS`].
    UndeclaredCrates {
        nfr: String,
        crates: Vec<String>,
        implicit: bool,
    },
    /// `nfr max_lines`: the implementation is longer than allowed.
    TooManyLines { nfr: String, lines: usize, max: u64 },
}

impl StaticNfrFailure {
    /// Whether this breaks the clause `source` as the spec declares it (not the implicit
    /// `nfr deps []` of a module that declares none).
    pub fn breaks(&self, source: &str) -> bool {
        match self {
            StaticNfrFailure::UndeclaredCrates { nfr, implicit, .. } => !implicit && nfr == source,
            StaticNfrFailure::TooManyLines { nfr, .. } => nfr == source,
        }
    }

    /// Whether this breaks the implicit `nfr deps []` of a module that declares none.
    pub fn is_implicit(&self) -> bool {
        matches!(
            self,
            StaticNfrFailure::UndeclaredCrates { implicit: true, .. }
        )
    }
}

impl std::fmt::Display for StaticNfrFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StaticNfrFailure::UndeclaredCrates { nfr, crates, .. } => write!(
                f,
                "`{nfr}` is broken: imp.rs uses {}; use only the declared crates or the standard library",
                crates.join(", ")
            ),
            StaticNfrFailure::TooManyLines { nfr, lines, max } => write!(
                f,
                "`{nfr}` is broken: imp.rs has {lines} lines, at most {max} are allowed, comments and blank lines included; make it shorter, starting with the doc comments"
            ),
        }
    }
}

/// The rule every module keeps, declared or not: its functions compute their results
/// from their arguments, without files, programs, the network or the environment. The
/// spec language has no types for any of them, and code that reaches them could change
/// the project it is tested in.
pub const IN_MEMORY: &str = "no files, programs, network or environment";

/// The parts of the standard library that reach outside the process's memory, with what
/// each one reaches.
const OUTSIDE_MEMORY: &[(&str, &str)] = &[
    ("fs", "files"),
    ("process", "programs and the process itself"),
    ("net", "the network"),
    ("os", "the operating system"),
    ("env", "the environment and the current folder"),
    ("path", "files, through a path's methods"),
];

/// Macros that write machine code, which reaches whatever the process can.
const ASSEMBLY: &[&str] = &["asm", "global_asm", "naked_asm", "llvm_asm"];

/// Of [`LINKER_ATTRIBUTES`], those no ordinary code names otherwise: refused wherever
/// they appear, so that an attribute built by a macro or `cfg_attr` is found too.
const DISTINCT_LINKER_ATTRIBUTES: &[&str] = &["no_mangle", "export_name", "link_section"];

/// Attributes that hand an item to the linker or the process's start-up by name or
/// section (`#[no_mangle]` on a function named `write` replaces the C library's; an
/// `.init_array` entry runs before `main`).
const LINKER_ATTRIBUTES: &[&str] = &[
    "no_mangle",
    "export_name",
    "link_section",
    "link",
    "link_name",
    "used",
    "naked",
];

/// Macros that read files or the environment while the code compiles.
const COMPILE_TIME_READS: &[&str] = &[
    "include",
    "include_str",
    "include_bytes",
    "env",
    "option_env",
];

/// The parts of the standard library outside memory that `imp.rs` names (`std::fs`,
/// `use std::{fs, io}`), as `std::fs (files)`; in the order first named, no duplicates.
/// Also what would hide where a path goes: `std::*`, `std` renamed (`use std as s`,
/// `use std::{self as s}`, `extern crate std as s`) or named alone (a macro's argument),
/// `std::$x` (a path a macro completes); and what reaches outside otherwise: `extern`
/// blocks, `#[path]` modules (another file's code), and the macros that read files or the
/// environment as the code compiles (`include_str!`, `env!`). A textual check like
/// [`undeclared_crates`], not a sandbox: comments and strings are skipped.
///
/// `declared`: the names the module's spec gives (functions, parameters, fields, types,
/// variants): `asm` or `export_name` are refused wherever they stand (a macro may build
/// the call or the attribute from them), unless the spec itself names something so.
pub fn reaches_outside(imp_rs_text: &str, declared: &BTreeSet<String>) -> Vec<String> {
    let words: Vec<String> = words(imp_rs_text)
        .into_iter()
        .map(|w| w.strip_prefix("r#").map(str::to_string).unwrap_or(w))
        .collect();
    let mut found: Vec<String> = Vec::new();
    let mut note = |name: &str| {
        let text = match name {
            "*" => "`std::*` (all of it, files and programs included)".to_string(),
            "renamed" => "`std` renamed (where it goes cannot be read)".to_string(),
            "alone" => "`std` named alone (where a macro takes it cannot be read)".to_string(),
            "$" => "`std::$..` (a path a macro completes: where it goes cannot be read)".to_string(),
            "extern" => "an `extern` block (code from outside Rust)".to_string(),
            "#path" => "a `#[path]` module (code from another file)".to_string(),
            "asm" => "`asm!` or `global_asm!` (machine code, which reaches whatever the process can)".to_string(),
            "linker" => "`#[no_mangle]`, `#[export_name]`, `#[link_section]` or the like (items the linker or the process's start-up would pick up by name)".to_string(),
            "macro" => "`include_str!`, `include!`, `env!` or the like (files or the environment, read as the code compiles)".to_string(),
            "$!" => "a macro called by a name another macro hands it (`$m!`: which macro runs cannot be read)".to_string(),
            "use$" => "a `use` of a name a macro hands it (`use core::$x`: what it imports cannot be read)".to_string(),
            _ => match OUTSIDE_MEMORY.iter().find(|(m, _)| *m == name) {
                Some((m, what)) => format!("`std::{m}` ({what})"),
                None => return,
            },
        };
        if !found.contains(&text) {
            found.push(text);
        }
    };
    let roots = use_roots(&words);
    for i in 0..words.len() {
        let next = |k: usize| words.get(i + k).map(String::as_str);
        // Whether words[i] is inside a `use` declaration, and the first name of its path
        // (`core` in `use {core::include_str as i};`).
        let in_use = roots[i].is_some();
        let use_root = roots[i].map(|r| words[r].as_str());
        // A `use` of a name a macro hands it (`use core::$x as r;` in its body, then
        // `r!(..)`): what it imports cannot be read.
        if in_use && words[i] == "$" {
            note("use$");
            continue;
        }
        // Called (`include_str!`), or named by a path or in a `use` that does not start in
        // the crate itself (`use core::include_str as i;` calls it `i!`); the crate's own
        // `env` or `include` (`crate::config::env`, `self::include`) is none.
        let after_path = i > 0 && words[i - 1] == "::";
        let named_outside = (after_path && !OWN_ROOTS.contains(&path_root(&words, i)))
            || (in_use && !use_root.is_some_and(|root| OWN_ROOTS.contains(&root)));
        // `std::env` is the module, said as such below.
        let std_env = words[i] == "env" && path_root(&words, i) == "std";
        if COMPILE_TIME_READS.contains(&words[i].as_str())
            && (next(1) == Some("!") || (named_outside && !std_env))
        {
            note("macro");
            continue;
        }
        // `m!(include_str)` calling `$name!(..)`: any macro at all, `include!` or `env!`
        // among them, under a name no check can read.
        if words[i] == "!" && calls_a_handed_macro(&words, i) {
            note("$!");
            continue;
        }
        // Called (`asm!`) or named by its path always; named at all (`use core::arch::{asm
        // as a}`, `m!(asm)`) unless the spec names something `asm`.
        let spec_name = declared.contains(&words[i]);
        if ASSEMBLY.contains(&words[i].as_str())
            && (next(1) == Some("!") || after_path || !spec_name)
        {
            note("asm");
            continue;
        }
        // Wherever they stand (`#[cfg_attr(all(), no_mangle)]`, `m!(unsafe(no_mangle))`),
        // unless the spec names something so.
        if DISTINCT_LINKER_ATTRIBUTES.contains(&words[i].as_str()) && !spec_name {
            note("linker");
            continue;
        }
        if words[i] == "#" && next(1) == Some("[") {
            // `#[unsafe(no_mangle)]`, as edition 2024 writes it, too.
            let skip = if next(2) == Some("unsafe") && next(3) == Some("(") {
                2
            } else {
                0
            };
            match next(2 + skip) {
                Some("path") => note("#path"),
                Some(a) if LINKER_ATTRIBUTES.contains(&a) => note("linker"),
                // `#[cfg_attr(cond, used, link(..))]`: the attributes it may add.
                Some("cfg_attr") => {
                    let mut depth = 0usize;
                    for w in words.iter().skip(i + 2 + skip) {
                        match w.as_str() {
                            "(" | "[" => depth += 1,
                            ")" | "]" => {
                                if depth <= 1 {
                                    break;
                                }
                                depth -= 1;
                            }
                            a if LINKER_ATTRIBUTES.contains(&a) => note("linker"),
                            "path" => note("#path"),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        // `extern "C" { .. }` (its string is not among the words) and `extern crate std as s`.
        if words[i] == "extern" {
            match words.get(i + 1).map(String::as_str) {
                Some("crate") => {
                    if words.get(i + 2).is_some_and(|w| w == "std")
                        && words.get(i + 3).is_some_and(|w| w == "as")
                    {
                        note("renamed");
                    }
                }
                _ => note("extern"),
            }
            continue;
        }
        if words[i] != "std" {
            continue;
        }
        match next(1) {
            Some("::") => {}
            Some("as") => {
                note("renamed");
                continue;
            }
            _ => {
                // `use std;` is harmless, but `p!(std)` hands it to a macro.
                let used = i > 0 && words[i - 1] == "use" && next(1) == Some(";");
                if !used {
                    note("alone");
                }
                continue;
            }
        }
        match words.get(i + 2).map(String::as_str) {
            // `use std::{fs::File, io};`: the names right inside the outer braces.
            Some("{") => {
                for name in std_group_heads(&words[i + 2..]) {
                    note(name);
                }
            }
            Some(name) if name == "*" || name.starts_with(is_name_start) => note(name),
            // `m!(std ::)`: a path a macro completes with names it holds elsewhere.
            _ => note("$"),
        }
    }
    found
}

/// The first names of a path that start in the crate itself, not in a library.
const OWN_ROOTS: [&str; 4] = ["crate", "self", "super", "Self"];

/// The first name of the path `words[i]` ends (`std` for `env` in `std::env`, or
/// `words[i]` itself when no `::` comes before it).
fn path_root(words: &[String], i: usize) -> &str {
    let mut j = i;
    while j >= 2 && words[j - 1] == "::" && words[j - 2].starts_with(is_name_start) {
        j -= 2;
    }
    &words[j]
}

/// For each word, the index of the first name of the `use` declaration it stands in
/// (`core` in `use {core::include_str as i};`; the `use` itself when it names nothing),
/// for the words after its `use` and before its `;`; `None` for every other word.
fn use_roots(words: &[String]) -> Vec<Option<usize>> {
    let mut roots = vec![None; words.len()];
    let mut i = 0;
    while i < words.len() {
        if words[i] != "use" {
            i += 1;
            continue;
        }
        let end = (i..words.len())
            .find(|&j| words[j] == ";")
            .unwrap_or(words.len());
        let root = (i + 1..end)
            .find(|&j| words[j].starts_with(is_name_start))
            .unwrap_or(i);
        roots[i + 1..end].fill(Some(root));
        i = end;
    }
    roots
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Whether the `!` at `words[bang]` calls a macro whose name a macro's input gives: a
/// metavariable (`$name!(..)`) or a repetition of them (`$($name)*!(..)`, with or without
/// a separator: `$($name)::*!(..)`).
fn calls_a_handed_macro(words: &[String], bang: usize) -> bool {
    let at = |k: usize| bang.checked_sub(k).map(|j| words[j].as_str());
    if at(2) == Some("$") {
        return true;
    }
    if !matches!(at(1), Some("*" | "+" | "?")) {
        return false;
    }
    // The repetition's `)`, right before its operator or before one separator.
    let close = match (at(2), at(3)) {
        (Some(")"), _) => bang - 2,
        (Some(_), Some(")")) => bang - 3,
        _ => return false,
    };
    // The `(` the repetition's `)` closes, and whether `$` opens it.
    let mut depth = 0usize;
    for j in (0..=close).rev() {
        match words[j].as_str() {
            ")" => depth += 1,
            "(" => {
                depth -= 1;
                if depth == 0 {
                    return j > 0 && words[j - 1] == "$";
                }
            }
            _ => {}
        }
    }
    false
}

/// The names a `use std::{..}` group (`words` starts at its `{`) takes right from `std`:
/// the first segment of each of its trees (`fs` in `fs::File`), also inside a group
/// nested without a path of its own (`use std::{{fs}}` is `use std::fs`), not those
/// under another segment (`File` in `{fs::File}`). `self as x` is given as `renamed`.
fn std_group_heads(words: &[String]) -> Vec<&str> {
    // One entry per open group: whether its trees start right below `std`.
    let mut below_std: Vec<bool> = Vec::new();
    let mut heads = Vec::new();
    for (j, w) in words.iter().enumerate() {
        let after = |k: usize| j.checked_sub(k).map(|at| words[at].as_str());
        let starts_tree = matches!(after(1), Some("{" | ","));
        let here = below_std.last().copied().unwrap_or(false);
        match w.as_str() {
            "{" => below_std.push(j == 0 || (here && starts_tree)),
            "}" => {
                below_std.pop();
                if below_std.is_empty() {
                    break;
                }
            }
            "self" if here && words.get(j + 1).is_some_and(|n| n == "as") => heads.push("renamed"),
            _ if here && starts_tree => heads.push(w.as_str()),
            _ => {}
        }
    }
    heads
}

/// The crates every implementation may name without declaring them.
const BUILTIN_ROOTS: &[&str] = &["std", "core", "alloc", "crate", "self", "super", "Self"];

/// The tools whose names start paths in attributes (`#[allow(clippy::needless_return)]`,
/// `#[rustfmt::skip]`, `#[diagnostic::on_unimplemented]`): no crates. A crate of such a
/// name could not be used anyway, as the generated Cargo.toml does not list it.
const TOOL_ROOTS: &[&str] = &["clippy", "rustfmt", "rustdoc", "diagnostic"];

/// The physical lines of a file, comments and blank lines included (a final line
/// break does not start another line).
pub fn physical_lines(text: &str) -> usize {
    text.lines().count()
}

/// The crates that `imp.rs` names (`use x::`, `extern crate x`, a path `x::...`) that are
/// neither the standard library nor this crate nor in `allowed`; sorted, no duplicates.
/// A textual check: comments and string literals are skipped, and a path segment only
/// counts when it starts a path (not after `::`) and is lower-case, as crate names are.
pub fn undeclared_crates(imp_rs_text: &str, allowed: &[String]) -> Vec<String> {
    let mut local_mods: Vec<String> = Vec::new();
    let words = words(imp_rs_text);
    for pair in words.windows(2) {
        if ["mod", "enum", "struct", "union", "trait", "type"].contains(&pair[0].as_str()) {
            local_mods.push(pair[1].clone());
        }
    }
    // Names a `use` brings into scope (`use std::fmt;` makes `fmt::` local): every
    // segment of a `use` tree except its root.
    for (i, root) in use_roots(&words).into_iter().enumerate() {
        if root.is_some_and(|r| r != i) && words[i].starts_with(is_name_start) {
            local_mods.push(words[i].trim_start_matches("r#").to_string());
        }
    }
    let mut found: Vec<String> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        // A turbofish (`s.parse::<i64>()`, `collect::<Vec<_>>()`) names a function or a
        // type, never a crate: a crate's name is followed by `::` and a name, not `<`.
        let is_path_start = words.get(i + 1).is_some_and(|w| w == "::")
            && words.get(i + 2).is_none_or(|w| w != "<")
            && (i == 0 || (words[i - 1] != "::" && words[i - 1] != "."));
        let is_extern = i >= 2 && words[i - 1] == "crate" && words[i - 2] == "extern";
        if !(is_path_start || is_extern) {
            continue;
        }
        let first = word.chars().next().unwrap_or('A');
        if !(first.is_ascii_lowercase() || first == '_') {
            continue;
        }
        let name = word.trim_start_matches("r#").to_string();
        if BUILTIN_ROOTS.contains(&name.as_str())
            || TOOL_ROOTS.contains(&name.as_str())
            || allowed.iter().any(|a| a.replace('-', "_") == name)
            || local_mods.contains(&name)
            || is_primitive(&name)
        {
            continue;
        }
        if !found.contains(&name) {
            found.push(name);
        }
    }
    found.sort();
    found
}

/// The static NFR checks of `module` on its `imp.rs`.
pub fn check_static_nfrs(module: &ModuleModel, imp_rs_text: &str) -> Vec<StaticNfrFailure> {
    let mut failures = Vec::new();
    // The module's own records, enums and types reach imp.rs through `use super::*`: one
    // named in lower case (`kind::Small`) starts a path as a crate would, and is none.
    let own: Vec<String> = module
        .records
        .iter()
        .map(|r| r.name.clone())
        .chain(module.enums.iter().map(|e| e.name.clone()))
        .chain(module.types.iter().map(|t| t.name.clone()))
        .collect();
    for nfr in &module.nfrs {
        match &nfr.kind {
            NfrModel::Deps(deps) => {
                let mut allowed: Vec<String> = deps.iter().map(|(n, _)| n.clone()).collect();
                allowed.extend(own.iter().cloned());
                let crates = undeclared_crates(imp_rs_text, &allowed);
                if !crates.is_empty() {
                    failures.push(StaticNfrFailure::UndeclaredCrates {
                        nfr: nfr.source.clone(),
                        crates,
                        implicit: false,
                    });
                }
            }
            NfrModel::MaxLines(max) => {
                let lines = physical_lines(imp_rs_text);
                if lines as u64 > *max {
                    failures.push(StaticNfrFailure::TooManyLines {
                        nfr: nfr.source.clone(),
                        lines,
                        max: *max,
                    });
                }
            }
            _ => {}
        }
    }
    // Without `nfr deps` a module may use no crate (the language's rule): the generated
    // manifest holds every module's crates, so nothing else would stop it.
    if !module
        .nfrs
        .iter()
        .any(|n| matches!(n.kind, NfrModel::Deps(_)))
    {
        let crates = undeclared_crates(imp_rs_text, &own);
        if !crates.is_empty() {
            failures.push(StaticNfrFailure::UndeclaredCrates {
                nfr: NO_DEPS.to_string(),
                crates,
                implicit: true,
            });
        }
    }
    failures
}

/// The clause a module without `nfr deps` keeps implicitly: no crates.
pub const NO_DEPS: &str = "nfr deps []";

/// Primitive types have associated functions (`u8::from`, `i64::MAX`), not crates.
fn is_primitive(name: &str) -> bool {
    super::names::NUMBER_TYPES.contains(&name) || matches!(name, "bool" | "char" | "str")
}

/// The code's tokens in order (identifiers, `::` and punctuation), without comments and
/// without literals: a string, a character or a number names no crate.
fn words(code: &str) -> Vec<String> {
    super::items::tokens(code)
        .into_iter()
        .filter(|t| !t.is_literal() && !t.text.starts_with(|c: char| c.is_ascii_digit()))
        .map(|t| t.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_reaches_outside_memory() {
        let text = "use std::{collections::HashMap, fs::File, io::Write};\nuse std::fmt;\n// std::net::TcpStream\nfn f() { let _ = \"std::env\"; std::process::exit(0); ::std::fs::write(\"x\", \"\"); }\n";
        assert_eq!(
            reaches_outside(text, &BTreeSet::new()),
            vec![
                "`std::fs` (files)".to_string(),
                "`std::process` (programs and the process itself)".to_string()
            ]
        );
        let hidden = "use std::*;\nuse std::{self as s, io};\nextern \"C\" { fn system(c: *const u8) -> i32; }\nextern crate std as t;\n";
        assert_eq!(
            reaches_outside(hidden, &BTreeSet::new()),
            vec![
                "`std::*` (all of it, files and programs included)".to_string(),
                "`std` renamed (where it goes cannot be read)".to_string(),
                "an `extern` block (code from outside Rust)".to_string(),
            ]
        );
        let pure = "use std::collections::{BTreeMap, HashSet};\nuse std::{collections::{BTreeSet, btree_map::{self, Entry}}, {fmt::Write}};\nfn f(s: &str) -> String { let mut o = String::new(); let _ = write!(o, \"{s}\"); o }\n";
        assert!(reaches_outside(pure, &BTreeSet::new()).is_empty());
    }

    /// The routes an adversarial audit found around the check: `std` renamed by `use`,
    /// handed to a macro or completed by one, another file's code, and files or the
    /// environment read as the code compiles.
    #[test]
    fn finds_what_hides_where_a_path_goes() {
        let cases = [
            ("use std as s;\nfn f() { s::fs::write(\"x\", \"\").ok(); }", "renamed"),
            ("use ::std as s;\nfn f() {}", "renamed"),
            ("use r#std as s;\nfn f() {}", "renamed"),
            ("macro_rules! p { ($a:ident) => { std::$a::write(\"x\", \"\") }; }\nfn f() { p!(fs); }", "macro completes"),
            ("macro_rules! q { ($s:ident) => { $s::fs::write(\"x\", \"\") }; }\nfn f() { q!(std); }", "named alone"),
            ("#[path = \"/tmp/evil.rs\"]\nmod evil;\nfn f() {}", "#[path]"),
            ("fn f() -> &'static str { include_str!(\"/etc/passwd\") }", "include_str!"),
            ("fn f() -> &'static str { env!(\"HOME\") }", "include_str!"),
            ("fn f() -> Option<&'static str> { option_env!(\"HOME\") }", "include_str!"),
            ("fn f() { unsafe { core::arch::asm!(\"syscall\") } }", "`asm!`"),
            ("use core::arch::asm as a;\nfn f() { unsafe { a!(\"nop\") } }", "`asm!`"),
            ("core::arch::global_asm!(\".section .init_array\");\nfn f() {}", "`asm!`"),
            ("#[no_mangle]\npub extern fn write() {}", "no_mangle"),
            ("#[unsafe(export_name = \"malloc\")]\npub fn m() {}", "no_mangle"),
            ("#[link_section = \".init_array\"]\nstatic S: u8 = 0;", "no_mangle"),
            ("fn f(p: &std::path::Path) -> bool { p.exists() }", "a path's methods"),
            // A group nested without a path is the outer group's (`use std::fs`).
            ("use std::{{fs}};\nfn f() { fs::write(\"x\", \"\").ok(); }", "`std::fs`"),
            ("use std::{io, {{process::Command}}};\nfn f() {}", "`std::process`"),
            ("use std::{{self as s}};\nfn f() {}", "renamed"),
            ("use std::{{*}};\nfn f() {}", "`std::*`"),
            // The macros that read as the code compiles, renamed by a `use`.
            ("use core::include_str as i;\nfn f() -> &'static str { i!(\"/etc/passwd\") }", "include_str!"),
            ("use std::{option_env as o};\nfn f() -> Option<&'static str> { o!(\"HOME\") }", "include_str!"),
            ("use std::prelude::v1::{include as i};\nfn f() {}", "include_str!"),
            ("macro_rules! m { ($x:ident) => { $x!(\"/etc/passwd\") } }\nfn f() -> &'static str { m!(include_str) }", "`$m!`"),
            ("macro_rules! m { ($($x:ident)*) => { $($x)*!(\"HOME\") } }\nfn f() -> &'static str { m!(env) }", "`$m!`"),
            ("macro_rules! m { ($($p:ident)*) => { $($p)::*!(\"/etc/passwd\") } }\npub fn f() -> &'static str { m!(core include_str) }", "`$m!`"),
            ("macro_rules! n { ($x:ident) => {{ use core::$x as r; r!(\"/etc/passwd\") }} }\npub fn f() -> &'static str { n!(include_str) }", "`use core::$x`"),
            ("macro_rules! m { ($a:ident $b:tt) => { $a $b fs::write(\"x\", \"\") } }\nfn f() { m!(std ::).ok(); }", "macro completes"),
            // Rust's white space outside ASCII (a left-to-right mark) between `std` and `::`.
            ("fn f() { std\u{200e}::fs::write(\"x\", \"\").ok(); }", "`std::fs`"),
            ("fn f() { std::\u{2028}process::id(); }", "`std::process`"),
            ("#[cfg_attr(all(), no_mangle)]\npub fn write() {}", "no_mangle"),
            ("#[cfg_attr(all(), used)]\nstatic I: u8 = 0;", "no_mangle"),
            ("macro_rules! m { ($($a:tt)*) => { #[$($a)*] pub fn write() {} } }\nm!(no_mangle);", "no_mangle"),
            ("use core::arch::{asm as a};\nfn f() { unsafe { a!(\"nop\") } }", "`asm!`"),
            ("macro_rules! m { ($($a:tt)*) => { #[$($a)*] pub fn write() {} } }\nm!(unsafe(no_mangle));", "no_mangle"),
            ("use core::arch::*;\nmacro_rules! k { (($x:ident)) => { $x!(\"nop\") } }\nfn f() { unsafe { k!((asm)) } }", "`asm!`"),
            ("use core::arch::*;\nmacro_rules! m { ($x:ident) => { $x!(\"nop\") } }\nfn f() { unsafe { m!(asm) } }", "`asm!`"),
        ];
        for (code, said) in cases {
            let found = reaches_outside(code, &BTreeSet::new());
            assert!(found.iter().any(|f| f.contains(said)), "{code}\n{found:?}");
        }
        // `std::env` is the module, said once as such, not also as the `env!` macro.
        let env = reaches_outside("fn f() { std::env::var(\"X\").ok(); }", &BTreeSet::new());
        assert_eq!(env.len(), 1, "{env:?}");
        assert!(env[0].starts_with("`std::env`"), "{env:?}");
        let pure = "use std;\nuse std::collections::BTreeMap;\nfn env(x: i64) -> i64 { x }\nfn f() -> i64 { let include = 1; env(include) }\npub fn twice(asm: i64, used: i64, link: i64) -> i64 { asm + used + link }\n#[derive(Debug)]\nstruct Asm { asm: i64 }\npub fn export_name(no_mangle: i64) -> i64 { println!(\"{}\", link_section(no_mangle)); no_mangle }\nfn link_section(x: i64) -> i64 { x }\nfn g(a: u8) -> u8 { f(a) * !(a) }\nmacro_rules! sq { ($x:expr) => { $x * $x } }\nuse crate::config::env as environment;\nuse self::env as here;\nfn h(x: i64) -> i64 { crate::filters::include(x) + self::env(x) + super::m::env(x) }\n";
        // The spec's own names: a function `export_name`, parameters `asm` and `no_mangle`.
        let declared: BTreeSet<String> = ["export_name", "asm", "no_mangle", "link_section"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(reaches_outside(pure, &declared), Vec::<String>::new());
        assert!(
            !reaches_outside("fn f() { unsafe { core::arch::asm!(\"nop\") } }", &declared)
                .is_empty(),
            "asm! is refused whatever the spec names"
        );
    }

    #[test]
    fn finds_crates_named_by_use_paths_and_extern_crate() {
        let tools = "#[allow(clippy::needless_return)]\n#[rustfmt::skip]\n#![allow(rustdoc::broken_intra_doc_links)]\nfn f() {}\n";
        assert!(
            undeclared_crates(tools, &[]).is_empty(),
            "tool attributes name no crate"
        );
        let text = "use std::fmt;\nuse regex::Regex;\nimpl fmt::Display for X {}\nextern crate serde;\nfn f() { let _ = itoa::Buffer::new(); let x = crate::a::b(); }\n";
        assert_eq!(
            undeclared_crates(text, &["itoa".to_string()]),
            vec!["regex", "serde"]
        );
    }

    #[test]
    fn ignores_comments_strings_types_and_local_modules() {
        let text = "// use regex::Regex;\nmod helpers { pub fn f() {} }\nfn g() -> i64 { helpers::f(); let s = \"rand::x\"; i64::MAX + Vec::<u8>::new().len() as i64 + Self::k() }\n";
        assert_eq!(undeclared_crates(text, &[]), Vec::<String>::new());
    }

    #[test]
    fn raw_byte_and_char_literals_and_block_comments_name_no_crate() {
        let text = "fn f() -> usize { /* rand::x */ let a = r#\"serde::y\"#; let b = b\"regex::z\"; let c = b'x'; let d = 'q'; a.len() + b.len() + c as usize + d as usize + itoa::x() }\n";
        assert_eq!(undeclared_crates(text, &[]), vec!["itoa".to_string()]);
    }

    #[test]
    fn a_turbofish_is_not_a_crate() {
        let text = "fn n(s: &str) -> i64 { s.parse::<i64>().unwrap_or(0) + s.chars().map(u32::from).collect::<Vec<_>>().len() as i64 }\nfn m(s: &str) -> Option<u8> { s.bytes().max_by_key::<u8, _>(|b| *b) }\n";
        assert_eq!(undeclared_crates(text, &[]), Vec::<String>::new());
        assert_eq!(
            undeclared_crates("fn f() { rand::random::<u8>(); }", &[]),
            vec!["rand"]
        );
    }

    fn module(text: &str) -> ModuleModel {
        let file = std::path::Path::new("m.ghost");
        let (ast, diags) = crate::syntax::parse(file, text);
        assert!(diags.is_empty(), "{diags:?}");
        let spec = crate::check::SpecFile {
            file: file.into(),
            expected_module: None,
            text: text.to_string(),
            ast,
        };
        let (project, diags) = crate::check::check(&[spec]);
        // Warnings allowed: these specs show what the compiler makes, not good tests.
        assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
        project.modules[0].clone()
    }

    /// A crate in a module that declares `nfr deps []` breaks that clause once; in one
    /// that declares none, the implicit one.
    #[test]
    fn a_crate_breaks_the_declared_or_the_implicit_deps_clause_once() {
        let code = "pub fn f() -> bool { regex::Regex::new(\"a\").is_ok() }\n";
        let declared = module("module a.b {\n  fn f() -> bool\n  nfr deps []\n}\n");
        let failures = check_static_nfrs(&declared, code);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].breaks("nfr deps []") && !failures[0].is_implicit());
        let undeclared = module("module a.b {\n  fn f() -> bool\n}\n");
        let failures = check_static_nfrs(&undeclared, code);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].is_implicit() && !failures[0].breaks("nfr deps []"));
    }

    /// A type the spec names in lower case reaches imp.rs from mod.rs (`use super::*`):
    /// its paths (`kind::Small`, `point::origin()`) name no crate, with or without `nfr
    /// deps`; nor do a lower-case trait or type alias imp.rs declares itself.
    #[test]
    fn lower_case_types_of_the_module_are_no_crates() {
        let code = "use super::*;\ntrait shape { fn a(&self) -> i64; }\ntype alias = kind;\npub fn f(k: kind) -> i64 {\n    let _ = alias::Small;\n    let _ = <i64 as shape>::a;\n    match k { kind::Small => 0, kind::Big(n) => n + counter::zero() }\n}\n";
        let spec = "  enum kind { Small, Big(int) }\n  record point { x: int }\n  type counter { fn zero() -> int }\n  fn f(k: kind) -> int\n";
        for nfr in ["", "  nfr deps []\n"] {
            let m = module(&format!("module a.b {{\n{spec}{nfr}}}\n"));
            assert_eq!(check_static_nfrs(&m, code), vec![], "{nfr}");
        }
        // A crate beside them is still one.
        let m = module(&format!("module a.b {{\n{spec}}}\n"));
        let failures =
            check_static_nfrs(&m, &format!("{code}fn g() {{ rand::random::<u8>(); }}\n"));
        assert!(
            matches!(&failures[..], [StaticNfrFailure::UndeclaredCrates { crates, .. }] if crates == &["rand"]),
            "{failures:?}"
        );
    }

    #[test]
    fn counts_physical_lines() {
        assert_eq!(physical_lines(""), 0);
        assert_eq!(physical_lines("a\n\n// c\n"), 3);
        assert_eq!(physical_lines("a\nb"), 2);
    }
}
