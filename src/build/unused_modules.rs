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

/// The modules outside `name`'s uses (directly or not) that `code`, the `imp.rs` of
/// `name`, names by their path in the crate (`crate::x::f`, or `super::super::x` from
/// the implementation file), in the project's order. A module whose path begins
/// another's (`text` and `text.case`) may be taken for it: only its own path counts.
pub fn named_unused(project: &Project, name: &str, code: &str) -> Vec<String> {
    let used = super::session::used_closure(project, name);
    let depth = project.module(name).map_or(0, |m| m.path.len());
    // `imp.rs` sits one level below its module: `super::` once more reaches the root.
    let up = "super::".repeat(depth + 1);
    project
        .modules
        .iter()
        .filter(|other| !used.contains(&other.name))
        .filter(|other| {
            let path = other.path.join("::");
            [format!("crate::{path}"), format!("{up}{path}")]
                .iter()
                .any(|named| names(code, named))
        })
        .map(|other| other.name.clone())
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

/// Whether `path` stands in `code` as a whole path, not the start of a longer name, and
/// in code, not in a comment or a string (a doc line naming another module calls nothing).
fn names(code: &str, path: &str) -> bool {
    let mut mask = None;
    code.match_indices(path).any(|(at, _)| {
        let after = code[at + path.len()..].chars().next();
        let whole = !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mask = mask.get_or_insert_with(|| super::mutants::code_mask(code));
        whole && mask.get(at).copied().unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(specs: &[&str]) -> Project {
        crate::check::valid_project(specs)
    }

    #[test]
    fn a_path_is_named_whole_not_as_the_start_of_a_longer_name() {
        let code = "pub fn g(n: i64) -> i64 {\n    crate::x::f(n) + crate::xy::h(n)\n}\n";
        assert!(names(code, "crate::x"));
        assert!(names(code, "crate::xy"));
        assert!(!names(code, "crate::x::g"));
        assert!(!names("crate::xy::h(1)", "crate::x"));
        // A comment or a string naming the module calls nothing.
        let quoted = "// like crate::x::f\npub fn g() -> &'static str {\n    \"crate::x\"\n}\n";
        assert!(!names(quoted, "crate::x"));
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
        let why = why("a.y", &named_unused(&p, "a.y", code));
        assert!(
            why.starts_with("imp.rs of `a.y` calls modules `a.xs`, `b` (`crate::a::xs`, `crate::b`), which the spec of `a.y` does not `use`")
                && why.ends_with("add `use a.xs` and `use b` to the spec of `a.y`, or take the call out"),
            "{why}"
        );
    }
}
