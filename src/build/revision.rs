//! Revisions: code whose spec's prose changed, shown to the agent with what changed.
//!
//! In: a module's prose view now (its exact Rust interface with every doc, and its
//! free-text NFRs) and as its code was last accepted against (`.ghost/accepted/MODULE.rs`,
//! written at every acceptance). Out: a unified diff of the two, for a repair prompt that
//! revises the code on disk (`RepairContext::spec_changes`).
//!
//! Why: a prose change (a doc, a signature, a free-text NFR) must reach the code, even
//! when its tests still pass (cli.md). Most such changes leave most of the code right: shown
//! the code and the change, an agent answers with the items that must change, or with none,
//! and pays output tokens, the dearest kind, only for those; a first prompt made it write
//! everything again, and a sampled rewrite could break what worked. Without a record (a
//! fresh clone, code accepted by an older ghost) the module is generated afresh, as before.

use super::session::Paths;
use crate::check::{ModuleModel, NfrModel, Project};

/// What the module's code is written from, in words: the interface the prompt shows (types,
/// signatures, docs) and the free-text NFRs.
pub fn prose_view(project: &Project, module: &ModuleModel) -> String {
    let mut view = crate::compile::rust::interface(project, module);
    for nfr in &module.nfrs {
        if let NfrModel::Text(text) = &nfr.kind {
            view.push_str(&format!("// nfr: {text}\n"));
        }
    }
    view
}

/// Records the prose view `module`'s code was accepted against, with that code's
/// implementation hash (its lock entry's). Best effort: without it a later prose change
/// regenerates the module afresh, which costs tokens, not correctness.
pub fn remember(paths: &Paths, project: &Project, module: &ModuleModel, implementation: &str) {
    let record = format!(
        "{HASH_LINE}{implementation}\n{}",
        prose_view(project, module)
    );
    let _ = crate::plan::lock::write_atomic(&record_path(paths, &module.name), record.as_bytes());
}

/// The first line of a record: the implementation it describes.
const HASH_LINE: &str = "// implementation ";

/// What changed in `module`'s prose view since `implementation` (the locked code's hash)
/// was accepted, as a unified diff; `None` when no record describes that code (none
/// written, or written for other code: a checkout of another branch, a teammate's code
/// pulled) or nothing in the view changed (a prose change it does not show).
pub fn changes(
    paths: &Paths,
    project: &Project,
    module: &ModuleModel,
    implementation: &str,
) -> Option<String> {
    let before = recorded_view(paths, &module.name, implementation)?;
    let now = prose_view(project, module);
    let diff = similar::TextDiff::from_lines(before.as_str(), now.as_str())
        .unified_diff()
        .context_radius(2)
        .header("before", "now")
        .to_string();
    (!diff.trim().is_empty()).then_some(diff)
}

/// Whether `module`'s prose view is the one `implementation` was accepted against but for
/// the order of its items (declarations, with their docs, moved around the spec): nothing
/// the code can see, so its code is tested and re-locked, not revised. An item's own
/// parts (an enum's variants, a record's fields, a type's methods) keep their order.
pub fn only_reordered(
    paths: &Paths,
    project: &Project,
    module: &ModuleModel,
    implementation: &str,
) -> bool {
    let Some(before) = recorded_view(paths, &module.name, implementation) else {
        return false;
    };
    // Each free-text NFR apart too (the view appends them to its last item).
    let items = |view: &str| {
        let mut items: Vec<String> = view
            .replace("\n// nfr: ", "\n\n// nfr: ")
            .split("\n\n")
            .map(|item| item.trim().to_string())
            .filter(|item| !item.is_empty())
            .collect();
        items.sort();
        items
    };
    items(&before) == items(&prose_view(project, module))
}

/// The prose view recorded for the code whose hash is `implementation`, if there is one.
pub(super) fn recorded_view(paths: &Paths, module: &str, implementation: &str) -> Option<String> {
    let record = std::fs::read_to_string(record_path(paths, module)).ok()?;
    let (first, before) = record.split_once('\n')?;
    (first.strip_prefix(HASH_LINE) == Some(implementation)).then(|| before.to_string())
}

/// Whether a revision's reply keeps the code as it was: nothing in it but comments (the
/// `// unchanged` the prompt asks for) and `use` lines.
pub fn keeps_all(reply: &str) -> bool {
    reply
        .lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with("//") || (l.starts_with("use ") && l.ends_with(';')))
}

fn record_path(paths: &Paths, module: &str) -> std::path::PathBuf {
    paths
        .state_dir
        .join("accepted")
        .join(format!("{module}.rs"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, SpecFile};
    use std::path::PathBuf;

    fn project(text: &str) -> Project {
        let file = PathBuf::from("specs/t/m.ghost");
        let (ast, diags) = crate::syntax::parse(&file, text);
        assert!(diags.is_empty(), "{diags:?}");
        let files = vec![SpecFile {
            file,
            expected_module: Some("t.m".into()),
            text: text.into(),
            ast,
        }];
        let (project, diags) = check(&files);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        project
    }

    #[test]
    fn a_reply_of_comments_keeps_the_code() {
        assert!(keeps_all("// unchanged\n"));
        assert!(keeps_all(
            "use super::*;\n\n// unchanged: the code already does it\n"
        ));
        assert!(!keeps_all("// unchanged\npub fn f() -> i64 {\n    1\n}\n"));
    }

    #[test]
    fn a_doc_change_is_shown_as_a_diff_of_the_interface() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let paths = Paths::in_folder(dir.path());
        let before = project(
            "module t.m {\n  fn f(n: int) -> int {\n    \"Twice n.\"\n    example f(1) == 2\n  }\n  nfr \"fast\"\n}\n",
        );
        let m = before.module("t.m").expect("checked");
        assert_eq!(
            changes(&paths, &before, m, "h1"),
            None,
            "nothing recorded yet"
        );
        remember(&paths, &before, m, "h1");
        assert_eq!(changes(&paths, &before, m, "h1"), None, "nothing changed");
        let after = project(
            "module t.m {\n  fn f(n: int) -> int {\n    \"Twice n, saturating.\"\n    example f(1) == 2\n  }\n  nfr \"fast, and small\"\n}\n",
        );
        let diff =
            changes(&paths, &after, after.module("t.m").expect("checked"), "h1").expect("a change");
        assert_eq!(
            changes(&paths, &after, after.module("t.m").expect("checked"), "h2"),
            None,
            "recorded for other code"
        );
        assert!(
            diff.contains("-/// Twice n.\n+/// Twice n, saturating.\n")
                && diff.contains("-// nfr: fast\n+// nfr: fast, and small\n"),
            "{diff}"
        );
    }

    #[test]
    fn declarations_moved_around_are_no_change_but_an_enums_variants_are() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let paths = Paths::in_folder(dir.path());
        let one = "  fn one() -> int {\n    \"One.\"\n  }\n";
        let two = "  fn two() -> int {\n    \"Two.\"\n  }\n";
        let module = |items: &[&str]| project(&format!("module t.m {{\n{}}}\n", items.join("\n")));
        let before = module(&[one, two, "  enum E {\n    A\n    B\n  }\n"]);
        remember(
            &paths,
            &before,
            before.module("t.m").expect("checked"),
            "h1",
        );
        let moved = module(&[two, "  enum E {\n    A\n    B\n  }\n", one]);
        let m = moved.module("t.m").expect("checked");
        assert!(only_reordered(&paths, &moved, m, "h1"));
        assert!(
            !only_reordered(&paths, &moved, m, "h2"),
            "recorded for other code"
        );
        let variants = module(&[one, two, "  enum E {\n    B\n    A\n  }\n"]);
        let m = variants.module("t.m").expect("checked");
        assert!(!only_reordered(&paths, &variants, m, "h1"), "B < A now");
        let uno = one.replace("One.", "Uno.");
        let doc = module(&[&uno, two]);
        let m = doc.module("t.m").expect("checked");
        assert!(!only_reordered(&paths, &doc, m, "h1"));
        // A free-text NFR, which the view appends to its last item, stays apart.
        let with_nfr = |items: &[&str]| {
            project(&format!(
                "module t.m {{\n{}  nfr \"fast\"\n}}\n",
                items.join("\n")
            ))
        };
        let before = with_nfr(&[one, two]);
        remember(
            &paths,
            &before,
            before.module("t.m").expect("checked"),
            "h3",
        );
        let moved = with_nfr(&[two, one]);
        let m = moved.module("t.m").expect("checked");
        assert!(only_reordered(&paths, &moved, m, "h3"));
    }
}
