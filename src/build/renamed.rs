//! Renamed modules: code that follows a module to its new name.
//!
//! In: as a build starts, the lock's entries no spec declares any more (a spec renamed,
//! or a module moved to another file under another name) and the project's modules with
//! no lock entry and no code. Out: each new module whose interface, docs and free-text
//! NFRs are those one old module's code was accepted against (`revision.rs`'s record, but
//! for the module's name) gets that code as its `imp.rs`; the pairs, for the user.
//!
//! Why: a rename changes nothing the code does, yet the new name has no lock entry, so the
//! build would ask the agent for code ghost has: tokens, time, and a sampled answer in
//! place of accepted code. Given the old code, the build tests it as any code on disk and
//! locks it when it passes, at no token cost (and with no agent configured at all). Only
//! exact matches are carried over: one old and one new module with the same view (two
//! alike are left to the agent, as before); the old files stay where they are, to be
//! deleted by the user as the build's "dropped" line says.

use super::session::Paths;
use crate::check::Project;
use crate::plan::lock::Lock;
use std::collections::BTreeMap;

/// A module given the code of the module it was renamed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    /// The old module's name (its lock entry orphaned).
    pub from: String,
    /// The new module's name.
    pub to: String,
}

/// Writes the code of each of `orphans` that one new module of `project` was renamed
/// from into that module's `imp.rs`; returns the pairs.
pub fn carry_over(
    paths: &Paths,
    project: &Project,
    lock: &Lock,
    orphans: &[String],
) -> Vec<Carried> {
    // Old modules by the view their code was accepted against, with that code.
    let mut old: BTreeMap<String, Vec<(&str, Vec<u8>)>> = BTreeMap::new();
    for name in orphans {
        let Some(entry) = lock.get(name) else {
            continue;
        };
        let Some(view) = super::revision::recorded_view(paths, name, &entry.implementation) else {
            continue;
        };
        let Some(code) = super::accepted::locked_code(paths, name, &entry.implementation) else {
            continue;
        };
        old.entry(without_name(&view))
            .or_default()
            .push((name, code));
    }
    if old.is_empty() {
        return Vec::new();
    }
    let mut new: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for module in &project.modules {
        let imp = paths.out_dir.join(crate::compile::rust::imp_path(module));
        if lock.get(&module.name).is_some() || has_code(&imp) {
            continue;
        }
        let view = super::revision::prose_view(project, module);
        new.entry(without_name(&view))
            .or_default()
            .push(&module.name);
    }
    let mut carried = Vec::new();
    for (view, olds) in &old {
        let (Some(news), [(from, code)]) = (new.get(view), olds.as_slice()) else {
            continue;
        };
        let [to] = news.as_slice() else {
            continue;
        };
        let imp = paths.out_dir.join(crate::compile::rust::imp_path_of(to));
        let written = imp
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| crate::plan::lock::write_atomic(&imp, code));
        if written.is_ok() {
            carried.push(Carried {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    }
    carried
}

/// Whether `imp` holds code: a file that is not the untouched stub ghost writes.
fn has_code(imp: &std::path::Path) -> bool {
    std::fs::read(imp).is_ok_and(|bytes| {
        !std::str::from_utf8(&bytes).is_ok_and(crate::compile::rust::is_untouched_stub)
    })
}

/// A prose view without the lines that name the module (its name and path), which a
/// rename changes and the code does not see.
fn without_name(view: &str) -> String {
    view.lines()
        .filter(|line| !line.starts_with("// module `"))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_without_its_name_is_the_same_for_both_names() {
        let view = |name: &str, path: &str| {
            format!("// module `{name}`, reached as `crate::{path}`\n//! Loud text.\npub fn shout(s: &str) -> String;\n")
        };
        assert_eq!(
            without_name(&view("text.shout", "text::shout")),
            without_name(&view("loud.yell", "loud::yell"))
        );
        assert_ne!(
            without_name(&view("text.shout", "text::shout")),
            without_name("//! Quiet text.\npub fn shout(s: &str) -> String;\n")
        );
    }
}
