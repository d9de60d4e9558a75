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
use std::collections::BTreeSet;

/// The modules outside `name`'s uses (directly or not) that `code`, the `imp.rs` of
/// `name`, names by their path in the crate (`crate::x::f`, or `super::super::x` from
/// the implementation file), in the project's order. A path names the module of its
/// longest prefix that is one: `crate::text::case::f` is `text.case`'s, not `text`'s.
/// Paths in comments and strings call nothing.
pub fn named_unused(project: &Project, name: &str, code: &str) -> Vec<String> {
    let depth = project.module(name).map_or(0, |m| m.path.len());
    // `imp.rs` sits one level below its module: `super::` once more reaches the root.
    let up = "super::".repeat(depth + 1);
    let mut mask = None;
    let mut named = BTreeSet::new();
    for root in ["crate::", up.as_str()] {
        for (at, _) in code.match_indices(root) {
            // Part of a longer path (`super::super::` inside `super::super::super::`).
            if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mask = mask.get_or_insert_with(|| super::mutants::code_mask(code));
            if !mask.get(at).copied().unwrap_or(false) {
                continue;
            }
            if let Some(module) = module_of_path(project, &code[at + root.len()..]) {
                named.insert(module);
            }
        }
    }
    if named.is_empty() {
        return Vec::new();
    }
    let used = super::session::used_closure(project, name);
    project
        .modules
        .iter()
        .map(|m| &m.name)
        .filter(|m| named.contains(*m) && !used.contains(*m))
        .cloned()
        .collect()
}

/// The module that `path` (`text::case::f(x)`, what follows `crate::`) begins with: the
/// longest run of its leading segments that names a module.
fn module_of_path(project: &Project, path: &str) -> Option<String> {
    let mut segments = Vec::new();
    let mut rest = path;
    loop {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        segments.push(&rest[..len]);
        match rest[len..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    (1..=segments.len())
        .rev()
        .map(|k| segments[..k].join("."))
        .find(|dotted| project.module(dotted).is_some())
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
}
