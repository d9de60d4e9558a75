//! Modules a module's code names that its spec does not `use`, directly or through the
//! modules it uses: such code is refused in every build path (agent, manual, `ghost test`,
//! `build --locked`) before its tests run.
//!
//! Why a rule and not only the build's copy of the crate: a module's attempts are tested
//! in a copy where every module it does not use is the compiler's stub (its tests must not
//! depend on unrelated code), so a call of one fails there, while in `generated/`, where
//! the manual provider and `ghost test` run, that module's real code made it pass. The
//! same code was green in one path and red in another; the rule makes it red in all of
//! them, with the fix named.

use crate::check::Project;
use std::collections::{BTreeMap, BTreeSet};

/// The crate's module tree, read from the project once per run (a build, `ghost test`):
/// the rule reads it for every module it judges, and building it at each one made the
/// rule's cost over a whole project grow with the square of its modules.
#[derive(Debug, Default)]
pub struct ModuleTree {
    /// Every module's path and every prefix of one (`["text"]`, `["text", "case"]`).
    paths: BTreeSet<Vec<String>>,
    /// The modules by their path.
    modules: BTreeMap<Vec<String>, String>,
}

impl ModuleTree {
    pub fn of(project: &Project) -> ModuleTree {
        let mut tree = ModuleTree::default();
        for m in &project.modules {
            for k in 1..=m.path.len() {
                tree.paths.insert(m.path[..k].to_vec());
            }
            tree.modules.insert(m.path.clone(), m.name.clone());
        }
        tree
    }

    /// The module that `path` (`["text", "case", "f"]`, below `crate`) begins with: the
    /// longest run of its leading segments that names a module.
    fn module_of_path(&self, path: &[String]) -> Option<&String> {
        (1..=path.len())
            .rev()
            .find_map(|k| self.modules.get(&path[..k]))
    }
}

/// The modules outside `name`'s uses (directly or not) that `code`, the `imp.rs` of
/// `name`, names by their path in the crate, in the project's order: written out
/// (`crate::x::f`, `super::super::x::f`) or through its `use` declarations (`use
/// crate::a; a::x::f()`, `use crate::{a::x as y}; y::f()`, `use super::*; child::f()`;
/// see `code_paths.rs`). A path names the module of its longest prefix that is one:
/// `crate::text::case::f` is `text.case`'s, not `text`'s, and `use crate::text;` alone
/// names no module. Paths in comments and strings call nothing. `tree` is the project's
/// ([`ModuleTree::of`]).
pub fn named_unused(project: &Project, tree: &ModuleTree, name: &str, code: &str) -> Vec<String> {
    // Every path into the crate starts with one of these words.
    if !code.contains("crate") && !code.contains("super") {
        return Vec::new();
    }
    let module = project.module(name).map_or(&[][..], |m| m.path.as_slice());
    let named: BTreeSet<&String> = super::code_paths::named_paths(code, module, &tree.paths)
        .iter()
        .filter_map(|path| tree.module_of_path(path))
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    let used = super::session::used_closure(project, name);
    project
        .modules
        .iter()
        .map(|m| &m.name)
        .filter(|m| named.contains(m) && !used.contains(*m))
        .cloned()
        .collect()
}

/// Why code naming `unused` (from [`named_unused`]) is not run, for the user and the agent.
pub fn why(name: &str, unused: &[String]) -> String {
    let quoted: Vec<String> = unused.iter().map(|u| format!("`{u}`")).collect();
    let paths: Vec<String> = unused
        .iter()
        .map(|u| format!("`crate::{}`", u.replace('.', "::")))
        .collect();
    let uses: Vec<String> = unused.iter().map(|u| format!("`use {u}`")).collect();
    format!(
        "imp.rs of `{name}` calls {} {} ({}), which the spec of `{name}` does not `use`: not run. A module's code may call only the modules its spec uses (directly or through the modules they use); add {} to the spec of `{name}`, or take the call out",
        if unused.len() == 1 { "module" } else { "modules" },
        quoted.join(", "),
        paths.join(", "),
        uses.join(" and "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(specs: &[&str]) -> Project {
        crate::check::valid_project(specs)
    }

    fn named_unused(project: &Project, name: &str, code: &str) -> Vec<String> {
        super::named_unused(project, &ModuleTree::of(project), name, code)
    }

    #[test]
    fn a_path_is_named_whole_not_as_the_start_of_a_longer_name() {
        let p = project(&[
            "module x { fn f() -> int }",
            "module xy { fn h() -> int }",
            "module z { fn z() -> int }",
        ]);
        let code = "pub fn g(n: i64) -> i64 {\n    crate::x::f(n) + crate::xy::h(n)\n}\n";
        assert_eq!(named_unused(&p, "z", code), ["x", "xy"]);
        assert_eq!(named_unused(&p, "z", "crate::xy::h(1)"), ["xy"]);
        assert!(named_unused(&p, "z", "crate::xyz::h(1) + my_crate::x::f(1)").is_empty());
        // A comment or a string naming the module calls nothing.
        let quoted = "// like crate::x::f\npub fn g() -> &'static str {\n    \"crate::x\"\n}\n";
        assert!(named_unused(&p, "z", quoted).is_empty());
    }

    #[test]
    fn only_modules_outside_the_uses_count_by_their_whole_path() {
        let p = project(&[
            "module a.x { fn one() -> int }",
            "module a.xs { fn two() -> int }",
            "module a.w { use a.x fn w() -> int }",
            "module a.y { use a.w fn y() -> int }",
            "module b { fn b() -> int }",
        ]);
        // Through `a.w`, `a.y` reaches `a.x`; `a.xs` and `b` it does not use.
        let code = "pub fn y() -> i64 { crate::a::x::one() + crate::a::w::w() }";
        assert!(named_unused(&p, "a.y", code).is_empty());
        let code = "pub fn y() -> i64 { crate::a::xs::two() + super::super::super::b::b() }";
        assert_eq!(named_unused(&p, "a.y", code), ["a.xs", "b"]);
        // A module's path inside a used module's (`t` of `crate::t::c::c`): the call is
        // of `t.c`, which `u` uses; `t` itself it does not call.
        let p2 = project(&[
            "module t { fn t0() -> int }",
            "module t.c { fn c() -> int }",
            "module u { use t.c fn u() -> int }",
        ]);
        let code2 = "pub fn u() -> i64 { crate::t::c::c() + super::super::t::c::c() }";
        assert!(
            named_unused(&p2, "u", code2).is_empty(),
            "{:?}",
            named_unused(&p2, "u", code2)
        );
        assert_eq!(
            named_unused(&p2, "u", "pub fn u() -> i64 { crate::t::t0() }"),
            ["t"]
        );
        let why = why("a.y", &named_unused(&p, "a.y", code));
        assert!(
            why.starts_with("imp.rs of `a.y` calls modules `a.xs`, `b` (`crate::a::xs`, `crate::b`), which the spec of `a.y` does not `use`")
                && why.ends_with("add `use a.xs` and `use b` to the spec of `a.y`, or take the call out"),
            "{why}"
        );
    }

    #[test]
    fn modules_named_through_use_declarations_count_too() {
        let p = project(&[
            "module t { fn t0() -> int }",
            "module t.c { fn c() -> int }",
            "module a.x { fn one() -> int }",
            "module u { use t.c fn u() -> int }",
        ]);
        // The module a `use` brings in, called by the name it bound: these used to pass
        // the rule and fail only on the stub in a build's copy of the crate.
        for code in [
            "use crate::a;\npub fn u() -> i64 { a::x::one() }",
            "use crate::a::x;\npub fn u() -> i64 { x::one() }",
            "use crate::a::x::one;\npub fn u() -> i64 { one() }",
            "use crate::{t::c, a::x as ax};\npub fn u() -> i64 { c::c() + ax::one() }",
            "use super::super::a::{x::{self}};\npub fn u() -> i64 { x::one() }",
            "use crate::a::x::*;\npub fn u() -> i64 { one() }",
        ] {
            assert_eq!(named_unused(&p, "u", code), ["a.x"], "{code}");
        }
        // A used module reached through its parent, imported: `t` itself is not called.
        let code =
            "use crate::t;\nuse crate::{t::c as tc};\npub fn u() -> i64 { t::c::c() + tc::c() }";
        assert!(
            named_unused(&p, "u", code).is_empty(),
            "{:?}",
            named_unused(&p, "u", code)
        );
        assert_eq!(
            named_unused(&p, "u", "use crate::t;\npub fn u() -> i64 { t::t0() }"),
            ["t"]
        );
        // `t`'s `mod.rs` declares `pub mod c;`, which `use super::*;` brings in; and the
        // parent of `t.c`'s module, two levels up from its file.
        assert_eq!(
            named_unused(&p, "t", "use super::*;\npub fn t0() -> i64 { c::c() }"),
            ["t.c"]
        );
        assert_eq!(
            named_unused(
                &p,
                "t.c",
                "use super::*;\npub fn c() -> i64 { super::super::t0() }"
            ),
            ["t"]
        );
        // In comments and strings, a `use` imports nothing.
        let quoted = "// use crate::a;\n/* use crate::a::x; */\npub fn u() -> &'static str { \"use crate::a; a::x::one()\" }";
        assert!(named_unused(&p, "u", quoted).is_empty());
        assert!(named_unused(&p, "u", "use super::*;\nfn u() -> i64 { 1 }").is_empty());
    }
}
