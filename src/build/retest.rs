//! Modules whose new code the modules using them have not all been tested against yet.
//!
//! In: `.ghost/retest` (one module name per line). Out: the modules a build starts with as
//! "changed in this build", so that what uses them is tested again; and the file written
//! back with those whose users a build did not all reach.
//!
//! Why: a build that accepts new code for a module tests the modules using it afterwards
//! (a fresh module's fingerprints cannot show that new code broke it). The lock entry of
//! the new code is written at once; were the build stopped before its users are tested
//! (Ctrl-C, a killed process, a failed dependency skipping them), nothing would say they
//! still need it, and a broken module would stay fresh and green. The name is written
//! here before the lock entry, and taken out only once every module using it was tested.

use super::session::Paths;
use std::collections::BTreeSet;

/// The modules an earlier build gave new code whose users it did not all test.
pub fn read(paths: &Paths) -> BTreeSet<String> {
    read_in(&paths.state_dir)
}

/// [`read`], given the state folder (`ghost check` has no [`Paths`]).
pub fn read_in(state_dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_to_string(state_dir.join(FILE))
        .map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Records `modules` (an empty set removes the file). Best effort, like the other local
/// state: at worst a later build does not test again what this one did not reach.
pub fn write(paths: &Paths, modules: &BTreeSet<String>) {
    let path = file(paths);
    if modules.is_empty() {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let text: String = modules.iter().map(|m| format!("{m}\n")).collect();
    let _ = crate::plan::lock::write_atomic(&path, text.as_bytes());
}

/// Of `changed`, the modules some user of which (directly or not) `tested` does not hold:
/// what the next build must still test against their new code.
pub fn unreached(
    project: &crate::check::Project,
    changed: &BTreeSet<String>,
    tested: &BTreeSet<String>,
) -> BTreeSet<String> {
    changed
        .iter()
        .filter(|x| {
            project.modules.iter().any(|u| {
                u.name != **x
                    && !tested.contains(&u.name)
                    && super::session::used_closure(project, &u.name).contains(*x)
            })
        })
        .cloned()
        .collect()
}

fn file(paths: &Paths) -> std::path::PathBuf {
    paths.state_dir.join(FILE)
}

/// The file's name in the state folder.
const FILE: &str = "retest";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_survives_a_round_trip_and_an_empty_one_leaves_no_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let paths = Paths::in_folder(dir.path());
        assert!(read(&paths).is_empty());
        let set = BTreeSet::from(["math.add".to_string(), "text.slug".to_string()]);
        write(&paths, &set);
        assert_eq!(read(&paths), set);
        write(&paths, &BTreeSet::new());
        assert!(!dir.path().join(".ghost/retest").exists());
    }
}
