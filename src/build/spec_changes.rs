//! Specs saved while a build runs.
//!
//! In: each module's spec file and its canonical text as the build read them. Out: whether
//! a module's spec, or the spec of a module it uses, says something else on disk now.
//!
//! Why: a build reads the specs once. A save during it (an editor's save hook, `ghost watch
//! --build`) leaves the build asking for code to a spec the user has already changed, and
//! every attempt after the save is paid for nothing. Before each attempt the build looks
//! again, and stops a module whose spec changed; the next build (`watch` starts one at once)
//! begins from the new text. Only what the spec says counts: the canonical text, so a
//! comment or a layout change is no change.

use crate::check::SpecFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The specs as a build read them.
#[derive(Debug, Clone, Default)]
pub struct ReadSpecs {
    /// By module: the file (as the diagnostics name it) and the module's canonical text.
    by_module: BTreeMap<String, (PathBuf, String)>,
}

impl ReadSpecs {
    /// What the build read: the canonical text of the module each file declares.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a SpecFile>) -> ReadSpecs {
        let by_module = files
            .into_iter()
            .filter_map(|f| {
                let m = f.ast.module.as_ref()?;
                Some((
                    m.path.dotted(),
                    (f.file.clone(), crate::format::canonical(m)),
                ))
            })
            .collect();
        ReadSpecs { by_module }
    }

    /// The spec file of the first of `modules` whose spec on disk no longer says what the
    /// build read (changed, cut short mid-save, deleted, or now declaring another module).
    pub fn changed<'a>(&self, modules: impl IntoIterator<Item = &'a str>) -> Option<PathBuf> {
        modules.into_iter().find_map(|name| {
            let (file, read) = self.by_module.get(name)?;
            (now(file, name).as_ref() != Some(read)).then(|| file.clone())
        })
    }
}

/// Module `name`'s canonical text in `file` now, if the file still parses and declares it.
fn now(file: &Path, name: &str) -> Option<String> {
    let bytes = std::fs::read(file).ok()?;
    let (ast, diags) = crate::syntax::parse_bytes(file, &bytes);
    if diags.iter().any(|d| d.is_error()) {
        return None;
    }
    let m = ast.module.as_ref().filter(|m| m.path.dotted() == name)?;
    Some(crate::format::canonical(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path, text: &str) -> (ReadSpecs, PathBuf) {
        let path = dir.join("slug.ghost");
        std::fs::write(&path, text).expect("write the spec");
        let (ast, _) = crate::syntax::parse(&path, text);
        let file = SpecFile {
            file: path.clone(),
            expected_module: None,
            text: text.to_string(),
            ast,
        };
        (ReadSpecs::new([&file]), path)
    }

    #[test]
    fn only_what_the_spec_says_counts_as_a_change() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let spec = "module text.slug {\n  fn f(n: int) -> int {\n    example f(1) == 1\n  }\n}\n";
        let (specs, path) = read(dir.path(), spec);
        assert_eq!(specs.changed(["text.slug"]), None);
        // A comment and a layout change say nothing new.
        std::fs::write(
            &path,
            format!("// a note\n{}", spec.replace("  fn", "      fn")),
        )
        .expect("write");
        assert_eq!(specs.changed(["text.slug"]), None);
        // A new example does.
        std::fs::write(&path, spec.replace("f(1) == 1", "f(2) == 2")).expect("write");
        assert_eq!(specs.changed(["text.slug"]), Some(path.clone()));
        // So does a file cut short mid-save, or gone.
        std::fs::write(&path, &spec[..20]).expect("write");
        assert_eq!(specs.changed(["text.slug"]), Some(path.clone()));
        std::fs::remove_file(&path).expect("remove");
        assert_eq!(specs.changed(["other", "text.slug"]), Some(path));
        // A module the build did not read is no one's change.
        assert_eq!(specs.changed(["other"]), None);
    }
}
