//! Pinning `snapshot` values: recorded on the first accepted build, compared after.
//!
//! insta has no mode for "write snapshots that do not exist, fail on ones that changed",
//! so an accepting run records every file with `INSTA_UPDATE=force` and this module
//! compares the pinned files before and after: a pinned snapshot that changed is restored
//! and reported as a failure. Each file's description is the spec of its snapshot: a value
//! recorded for a snapshot whose spec has changed since (other steps, another value) is
//! no pin of the new spec, so it is recorded anew rather than held against the code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The pinned snapshot files of one test target, by path, with their contents.
#[derive(Debug, Default, Clone)]
pub struct Pinned {
    files: BTreeMap<PathBuf, String>,
    /// Where they were read from: the crate and its test target.
    crate_dir: PathBuf,
    target: String,
}

/// The snapshot files of `target` in the crate at `crate_dir`, sorted: insta names a
/// snapshot file `<test target>__<snapshot name>.snap`.
pub fn files_of(crate_dir: &Path, target: &str) -> Vec<PathBuf> {
    let dir = crate_dir.join("tests").join("snapshots");
    let prefix = format!("{target}__");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with(&prefix) && name.ends_with(".snap")
        })
        .collect();
    out.sort();
    out
}

/// The `description:` line of a snapshot file's metadata: the spec it was recorded for.
fn description(text: &str) -> Option<&str> {
    let header = text.strip_prefix("---\n")?;
    let header = &header[..header.find("\n---\n")?];
    header.lines().find(|l| l.starts_with("description:"))
}

/// The value part of a snapshot file (after insta's metadata header).
fn value(text: &str) -> &str {
    // `---\nmetadata\n---\nvalue`
    match text
        .strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
    {
        Some(v) => v.trim_end(),
        None => text.trim_end(),
    }
}

/// The values pinned for `module`'s snapshots in the crate at `crate_dir`, for its
/// prompts: those recorded for the snapshot as the spec has it now (a pin of other steps
/// is recorded anew, so it holds the code to nothing), in the spec's order.
pub fn pins(
    crate_dir: &Path,
    compiled: &crate::compile::CompiledModule,
    module: &crate::check::ModuleModel,
) -> Vec<crate::compile::prompt::Pin> {
    module
        .snapshots
        .iter()
        .zip(compiled.snapshot_files())
        .filter_map(|(snapshot, file)| {
            let text = std::fs::read_to_string(crate_dir.join(&file)).ok()?;
            let spec: Vec<&str> = snapshot.source.split_whitespace().collect();
            let recorded_for = description(&text)?.strip_prefix("description:")?.trim();
            // insta writes the description as a YAML scalar: plain, or double-quoted
            // with JSON's escapes.
            let recorded_for = if recorded_for.starts_with('"') {
                serde_json::from_str::<String>(recorded_for).ok()?
            } else {
                recorded_for.to_string()
            };
            (recorded_for == spec.join(" ")).then(|| crate::compile::prompt::Pin {
                name: snapshot.name.clone(),
                value: cut_pin(value(&text), &file),
            })
        })
        .collect()
}

/// Whether every snapshot of `module` is pinned in the crate at `crate_dir` for its spec
/// as it is now. A run that only compares (`Snapshots::Compare`) leaves a pin of other
/// steps as it is, and a later recording run would take it for a new snapshot and hold
/// the code to nothing: such a module needs a run that records.
pub fn pinned_for_spec(
    crate_dir: &Path,
    compiled: &crate::compile::CompiledModule,
    module: &crate::check::ModuleModel,
) -> bool {
    pins(crate_dir, compiled, module).len() == module.snapshots.len()
}

/// The most of a pinned value a prompt shows: a big value would crowd out the rest of
/// the prompt (and its first prompt cannot be cut to fit a window).
const MAX_PIN_CHARS: usize = 2_000;

/// `value` as a prompt shows it: whole, or its first lines up to [`MAX_PIN_CHARS`] and
/// where the rest is.
fn cut_pin(value: &str, file: &Path) -> String {
    if value.len() <= MAX_PIN_CHARS {
        return value.to_string();
    }
    let mut shown = String::new();
    let mut lines = value.lines();
    for line in lines.by_ref() {
        if shown.len() + line.len() > MAX_PIN_CHARS {
            break;
        }
        shown.push_str(line);
        shown.push('\n');
    }
    let rest = value.lines().count() - shown.lines().count();
    format!("{shown}... ({rest} more lines, in `{}`)", file.display())
}

impl Pinned {
    /// Reads the snapshots of `target` that exist now.
    pub fn read(crate_dir: &Path, target: &str) -> Pinned {
        let files = files_of(crate_dir, target)
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
            .collect();
        Pinned {
            files,
            crate_dir: crate_dir.to_path_buf(),
            target: target.to_string(),
        }
    }

    /// Whether the target has snapshot files now that it did not have when read, or
    /// recorded anew for another spec (their values are pinned from now on).
    pub fn recorded_new(&self) -> bool {
        files_of(&self.crate_dir, &self.target).iter().any(|path| {
            match (self.files.get(path), std::fs::read_to_string(path)) {
                (None, _) => true,
                (Some(old), Ok(now)) => description(old) != description(&now),
                (Some(_), Err(_)) => false,
            }
        })
    }

    /// Makes the target's snapshot files in the crate at `crate_dir` these ones: each
    /// written as read, any other of the target's removed.
    pub fn copy_to(&self, crate_dir: &Path) -> std::io::Result<()> {
        for path in files_of(crate_dir, &self.target) {
            let here = path
                .file_name()
                .map(|n| self.crate_dir.join("tests").join("snapshots").join(n));
            if here.is_none_or(|h| !self.files.contains_key(&h)) {
                std::fs::remove_file(&path)?;
            }
        }
        for (path, text) in &self.files {
            let Some(name) = path.file_name() else {
                continue;
            };
            let to = crate_dir.join("tests").join("snapshots").join(name);
            if std::fs::read_to_string(&to).ok().as_deref() != Some(text.as_str()) {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                crate::plan::lock::write_atomic(&to, text.as_bytes())?;
            }
        }
        Ok(())
    }

    /// Puts the target's snapshot files back as they were when read: a run whose code is
    /// not accepted must not pin what it recorded (the next attempt would be held to a
    /// failed attempt's values). Files recorded since are removed, changed ones restored.
    pub fn forget_run(&self) {
        for path in files_of(&self.crate_dir, &self.target) {
            match self.files.get(&path) {
                // Best effort, as in `restore_changed`.
                Some(old) => {
                    if std::fs::read_to_string(&path).ok().as_deref() != Some(old.as_str()) {
                        let _ = crate::plan::lock::write_atomic(&path, old.as_bytes());
                    }
                }
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    }

    /// Restores every pinned snapshot whose value changed and says which: the name of
    /// the test that took it (`snapshot_debug_view` for `a_b__debug_view.snap`) and how
    /// it changed. New snapshot files are kept (recorded now, pinned from now on).
    pub fn restore_changed(&self) -> Vec<(String, String)> {
        let mut changed = Vec::new();
        for (path, old) in &self.files {
            let now = std::fs::read_to_string(path).unwrap_or_default();
            if value(&now) != value(old) && description(&now) == description(old) {
                let name = path
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let diff = similar::TextDiff::from_lines(value(old), value(&now))
                    .unified_diff()
                    .context_radius(2)
                    .header("pinned", "this implementation")
                    .to_string();
                // insta names a file `<test file>__<snapshot>`; the test is `snapshot_<snapshot>`.
                let test = name.rsplit_once("__").map_or(name.as_str(), |(_, s)| s);
                changed.push((
                    format!("snapshot_{test}"),
                    format!("snapshot `{name}` differs from the pinned value:\n{diff}"),
                ));
                // Best effort: the pinned file must survive a failed attempt.
                let _ = crate::plan::lock::write_atomic(path, old.as_bytes());
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_pinned_value_is_cut_for_the_prompt() {
        let value: String = (0..1000).map(|i| format!("    {i},\n")).collect();
        let cut = cut_pin(&value, Path::new("tests/snapshots/a_b__big.snap"));
        assert!(cut.len() < MAX_PIN_CHARS + 100, "{}", cut.len());
        assert!(cut.starts_with("    0,\n    1,\n"), "{cut}");
        assert!(
            cut.ends_with("more lines, in `tests/snapshots/a_b__big.snap`)"),
            "{cut}"
        );
        assert_eq!(cut_pin("Acc { t: 5 }", Path::new("x")), "Acc { t: 5 }");
    }

    #[test]
    fn pins_are_copied_into_a_scratch_copy_as_the_crate_has_them() {
        let real = tempfile::tempdir().expect("temp dir");
        let scratch = tempfile::tempdir().expect("temp dir");
        let snaps = |d: &Path| d.join("tests/snapshots");
        std::fs::create_dir_all(snaps(real.path())).expect("mkdir");
        std::fs::create_dir_all(snaps(scratch.path())).expect("mkdir");
        std::fs::write(snaps(real.path()).join("a_b__v.snap"), "pinned").expect("write");
        // In the scratch copy: the pin changed, one added, another target's untouched.
        std::fs::write(snaps(scratch.path()).join("a_b__v.snap"), "changed").expect("write");
        std::fs::write(snaps(scratch.path()).join("a_b__new.snap"), "new").expect("write");
        std::fs::write(snaps(scratch.path()).join("c_d__x.snap"), "x").expect("write");
        Pinned::read(real.path(), "a_b")
            .copy_to(scratch.path())
            .expect("copied");
        let read = |name: &str| std::fs::read_to_string(snaps(scratch.path()).join(name)).ok();
        assert_eq!(read("a_b__v.snap").as_deref(), Some("pinned"));
        assert_eq!(read("a_b__new.snap"), None);
        assert_eq!(read("c_d__x.snap").as_deref(), Some("x"));
    }

    #[test]
    fn changed_snapshots_are_restored_and_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let snaps = dir.path().join("tests/snapshots");
        std::fs::create_dir_all(&snaps).expect("mkdir");
        let pinned = snaps.join("a_b__debug_view.snap");
        std::fs::write(&pinned, "---\nsource: tests/a_b.rs\n---\nLru { cap: 3 }\n").expect("write");
        std::fs::write(snaps.join("other__x.snap"), "x").expect("write");
        let before = Pinned::read(dir.path(), "a_b");
        assert_eq!(before.files.len(), 1);
        // Same value, other metadata: not a change.
        std::fs::write(
            &pinned,
            "---\nsource: tests/a_b.rs\nexpression: c\n---\nLru { cap: 3 }\n",
        )
        .expect("write");
        assert!(before.restore_changed().is_empty());
        std::fs::write(&pinned, "---\nsource: tests/a_b.rs\n---\nLru { cap: 4 }\n").expect("write");
        let changed = before.restore_changed();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].0, "snapshot_debug_view");
        assert!(
            changed[0].1.contains("a_b__debug_view") && changed[0].1.contains("+Lru { cap: 4 }"),
            "{changed:?}"
        );
        assert!(std::fs::read_to_string(&pinned)
            .expect("read")
            .contains("cap: 3"));
    }

    #[test]
    fn a_run_not_accepted_leaves_the_snapshots_as_they_were() {
        let dir = tempfile::tempdir().expect("temp dir");
        let snaps = dir.path().join("tests/snapshots");
        std::fs::create_dir_all(&snaps).expect("mkdir");
        let pinned = snaps.join("a_b__kept.snap");
        std::fs::write(&pinned, "---\nsource: tests/a_b.rs\n---\n1\n").expect("write");
        let before = Pinned::read(dir.path(), "a_b");
        std::fs::write(
            &pinned,
            "---\nsource: tests/a_b.rs\ndescription: new\n---\n2\n",
        )
        .expect("write");
        let recorded = snaps.join("a_b__new.snap");
        std::fs::write(&recorded, "---\nsource: tests/a_b.rs\n---\n3\n").expect("write");
        let other = snaps.join("other__x.snap");
        std::fs::write(&other, "x").expect("write");
        before.forget_run();
        assert_eq!(
            std::fs::read_to_string(&pinned).expect("read"),
            "---\nsource: tests/a_b.rs\n---\n1\n"
        );
        assert!(!recorded.exists(), "a failed run's recording is not a pin");
        assert!(other.exists(), "another target's files are not touched");
    }

    #[test]
    fn a_snapshot_whose_spec_changed_is_recorded_anew() {
        let dir = tempfile::tempdir().expect("temp dir");
        let snaps = dir.path().join("tests/snapshots");
        std::fs::create_dir_all(&snaps).expect("mkdir");
        let pinned = snaps.join("a_b__history.snap");
        let file = |spec: &str, value: &str| {
            format!("---\nsource: tests/a_b.rs\ndescription: {spec}\n---\n{value}\n")
        };
        std::fs::write(&pinned, file("deposit(5)", "amount: 5")).expect("write");
        let before = Pinned::read(dir.path(), "a_b");
        std::fs::write(&pinned, file("deposit(7)", "amount: 7")).expect("write");
        assert!(before.restore_changed().is_empty(), "a new spec, a new pin");
        assert!(std::fs::read_to_string(&pinned)
            .expect("read")
            .contains("amount: 7"));
        // The same spec with another value is still a broken pin.
        let before = Pinned::read(dir.path(), "a_b");
        std::fs::write(&pinned, file("deposit(7)", "amount: 8")).expect("write");
        assert_eq!(before.restore_changed().len(), 1);
    }
}
