//! Loading a project from disk: finding its spec files, reading and parsing them, and
//! (for `ghost check FILE...`) following `use`s to the files a selection depends on.
//!
//! This is one of the few places that touch the file system (see docs/ARCHITECTURE.md):
//! it turns files into [`SpecFile`]s for the pure checker and keeps each file's text for
//! rendering diagnostics. It never panics on what it reads: unreadable, binary and
//! non-UTF-8 files become diagnostics against that file.

use crate::check::{self, SpecFile};
use crate::config::{self, ConfigError, LoadedConfig};
use crate::diagnostics::render::Sources;
use crate::diagnostics::{Diagnostic, Kind};
use crate::syntax::{self, ast};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};

/// The extension of spec files.
pub const SPEC_EXTENSION: &str = "ghost";

/// A project found on disk: its configuration and its folders, as absolute paths.
#[derive(Debug, Clone)]
pub struct Project {
    pub config: LoadedConfig,
    /// The folder that holds `ghost.toml` (canonical).
    pub root: PathBuf,
    /// The specs folder (canonical when it exists).
    pub specs_dir: PathBuf,
    /// The current folder, which display paths are relative to (canonical).
    pub cwd: PathBuf,
}

/// Spec files read and parsed, ready for the checker.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Every parsed file: those asked for and, for a selection, the files they depend on.
    pub files: Vec<SpecFile>,
    /// The display paths of the files asked for; diagnostics are reported for these only.
    pub selected: BTreeSet<PathBuf>,
    /// Read and syntax diagnostics of every file in `files`.
    pub diagnostics: Vec<Diagnostic>,
    /// What to show, when rendering, of each file that is not UTF-8 (the others' text is
    /// in `files`).
    pub printable: BTreeMap<PathBuf, String>,
}

/// What the checker made of a loaded set of files.
#[derive(Debug, Clone)]
pub struct Checked {
    pub project: check::Project,
    /// The diagnostics of the selected files, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// How many files were asked for.
    pub selected_files: usize,
}

/// What can go wrong before any spec is read; all are usage or configuration errors.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot determine the current folder: {0}\nhelp: run ghost from a folder that exists")]
    NoCurrentDir(std::io::Error),
    #[error(
        "the specs folder `{}` {}\nhelp: create it and put `.ghost` files in it, or set `specs` under `[project]` in `{}`",
        dir.display(), if *is_file { "is a file, not a folder" } else { "does not exist" }, config.display()
    )]
    NoSpecsDir {
        dir: PathBuf,
        config: PathBuf,
        /// Something is there, but not a folder.
        is_file: bool,
    },
    #[error("`{}` does not exist\nhelp: give spec files or folders that hold them", path.display())]
    NoSuchPath { path: PathBuf },
    /// A path given to `check` (or `build`) outside the specs folder: no build reads it,
    /// so checking it alone would call a misplaced spec fine.
    #[error(
        "`{}` is not in the specs folder `{}`: ghost reads specs only from there\nhelp: move it into that folder (module `a.b` is `a/b.ghost` in it), or set `specs` under `[project]` in ghost.toml",
        path.display(), specs.display()
    )]
    OutsideSpecs { path: PathBuf, specs: PathBuf },
    /// A file given by name that is no spec: read as one, it would only fail to parse
    /// (or, as `specs/text/slug.txt`, be checked as a second `text.slug`).
    #[error("`{}` is not a spec file\nhelp: give `.ghost` files, or folders that hold them", path.display())]
    NotASpec { path: PathBuf },
    #[error("cannot list `{}`: {reason}\nhelp: check the folder's permissions", path.display())]
    Walk { path: PathBuf, reason: String },
}

impl Project {
    /// Finds the project that holds `cwd` (walking up to the nearest `ghost.toml`).
    pub fn discover(cwd: &Path) -> Result<Project, ProjectError> {
        let cwd = cwd.canonicalize().map_err(ProjectError::NoCurrentDir)?;
        let config = config::load(&cwd)?;
        let root = config
            .root
            .canonicalize()
            .unwrap_or_else(|_| config.root.clone());
        let specs = root.join(&config.config.project.specs);
        let specs_dir = specs.canonicalize().unwrap_or(specs);
        Ok(Project {
            config,
            root,
            specs_dir,
            cwd,
        })
    }

    /// Finds the project from the process's current folder.
    pub fn from_current_dir() -> Result<Project, ProjectError> {
        let cwd = std::env::current_dir().map_err(ProjectError::NoCurrentDir)?;
        Project::discover(&cwd)
    }

    /// Every spec file of the project, sorted.
    pub fn spec_paths(&self) -> Result<Vec<PathBuf>, ProjectError> {
        if !self.specs_dir.is_dir() {
            return Err(ProjectError::NoSpecsDir {
                dir: display_path(&self.cwd, &self.specs_dir),
                config: display_path(&self.cwd, &self.config.file),
                is_file: self.specs_dir.exists(),
            });
        }
        discover(&self.specs_dir)
    }

    /// The path a file is shown as: relative to the current folder, as rustc shows paths.
    pub fn display(&self, path: &Path) -> PathBuf {
        display_path(&self.cwd, path)
    }

    /// The module a file must declare, from its path under the specs folder.
    pub fn expected_module(&self, path: &Path) -> Option<String> {
        expected_module(&self.specs_dir, path)
    }

    /// The file that holds module `a.b`: `specs/a/b.ghost`.
    pub fn module_file(&self, module: &str) -> PathBuf {
        let mut path = self.specs_dir.clone();
        for segment in module.split('.') {
            path.push(segment);
        }
        path.set_extension(SPEC_EXTENSION);
        path
    }

    /// Reads and parses every spec file of the project.
    pub fn load_all(&self) -> Result<Loaded, ProjectError> {
        let paths = self.spec_paths()?;
        let mut loaded = Loaded::default();
        let reads = self.read_all(&paths);
        // One bulk build rather than a search per insert: comparing paths is slow, and
        // the paths come sorted.
        loaded.selected = reads.iter().map(|r| r.spec.file.clone()).collect();
        for read in reads {
            loaded.push(read, false);
        }
        Ok(loaded)
    }

    /// Reads and parses the given files (folders stand for every spec file below them),
    /// the files of the modules nested in theirs (`specs/text/case.ghost` in
    /// `specs/text.ghost`'s), then the files of the modules all these `use`, transitively.
    /// Only the given files are [`Loaded::selected`].
    pub fn load_selection(&self, paths: &[PathBuf]) -> Result<Loaded, ProjectError> {
        let mut wanted = Vec::new();
        for path in paths {
            let abs = self.cwd.join(path);
            let abs = abs
                .canonicalize()
                .map_err(|_| ProjectError::NoSuchPath { path: path.clone() })?;
            // A folder that holds the specs folder (the project's root) selects it.
            if !abs.starts_with(&self.specs_dir) && !self.specs_dir.starts_with(&abs) {
                return Err(ProjectError::OutsideSpecs {
                    path: path.clone(),
                    specs: crate::project::display_path(&self.cwd, &self.specs_dir),
                });
            }
            if abs.is_dir() {
                let dir = if self.specs_dir.starts_with(&abs) {
                    &self.specs_dir
                } else {
                    &abs
                };
                wanted.extend(discover(dir)?);
            } else if is_spec_file(&abs) {
                wanted.push(abs);
            } else {
                return Err(ProjectError::NotASpec { path: path.clone() });
            }
        }
        let mut loaded = Loaded::default();
        let mut seen = BTreeSet::new();
        wanted.retain(|p| seen.insert(p.clone()));
        for read in self.read_all(&wanted) {
            loaded.push(read, true);
        }
        let nested: Vec<PathBuf> = wanted
            .iter()
            .flat_map(|file| nested_specs(file))
            .filter(|p| seen.insert(p.clone()))
            .collect();
        for read in self.read_all(&nested) {
            loaded.push(read, false);
        }
        // Follow `use`s breadth-first; a module whose file does not exist is left to the
        // checker, which reports it as unknown at the `use`.
        let mut next = 0;
        while next < loaded.files.len() {
            let uses: Vec<String> = uses_of(&loaded.files[next].ast)
                .map(|u| u.path.dotted())
                .collect();
            next += 1;
            for module in uses {
                let path = self.module_file(&module);
                if !seen.contains(&path) && path.is_file() {
                    seen.insert(path.clone());
                    let read = self.read_one(&path);
                    loaded.push(read, false);
                }
            }
        }
        Ok(loaded)
    }

    /// Reads and parses files, on as many threads as there are cores (parsing is most of
    /// the time `ghost check` takes), keeping the order of `paths`.
    fn read_all(&self, paths: &[PathBuf]) -> Vec<ReadFile> {
        crate::parallel::map(paths, |p| self.read_one(p))
    }

    /// Reads and parses one file; a file that cannot be read or is not UTF-8 gives a
    /// diagnostic, never an error.
    fn read_one(&self, path: &Path) -> ReadFile {
        let shown = self.display(path);
        let expected_module = self.expected_module(path);
        let mut printable = None;
        let (ast, text, diagnostics) = match std::fs::read(path) {
            Ok(bytes) => {
                let (ast, diags) = syntax::parse_bytes(&shown, &bytes);
                let text = match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => {
                        // The checker gets no text; the renderer gets what can be shown.
                        let valid_up_to = e.utf8_error().valid_up_to();
                        printable = Some(printable_prefix(e.as_bytes(), valid_up_to));
                        String::new()
                    }
                };
                (ast, text, diags)
            }
            Err(e) => {
                let diag = Diagnostic::new(
                    &shown,
                    ast::Span::new(0, 0),
                    Kind::Unreadable {
                        reason: e.to_string(),
                    },
                );
                (
                    ast::SourceFile {
                        module: None,
                        comments: Vec::new(),
                    },
                    String::new(),
                    vec![diag],
                )
            }
        };
        ReadFile {
            spec: SpecFile {
                file: shown,
                expected_module,
                text,
                ast,
            },
            diagnostics,
            printable,
        }
    }
}

/// One file as read and parsed, before it joins a [`Loaded`].
struct ReadFile {
    spec: SpecFile,
    diagnostics: Vec<Diagnostic>,
    /// For a file that is not UTF-8: what the renderer shows of it.
    printable: Option<String>,
}

impl Loaded {
    fn push(&mut self, read: ReadFile, selected: bool) {
        if selected {
            self.selected.insert(read.spec.file.clone());
        }
        if let Some(text) = read.printable {
            self.printable.insert(read.spec.file.clone(), text);
        }
        self.diagnostics.extend(read.diagnostics);
        self.files.push(read.spec);
    }

    /// The files asked for, in load order. Every file is one of them after a whole-project
    /// load, which this sees without looking each path up.
    pub fn selected_files(&self) -> impl Iterator<Item = &SpecFile> {
        // `selected` holds the display paths of files in `files`, one each.
        let all = self.selected.len() == self.files.len();
        self.files
            .iter()
            .filter(move |f| all || self.selected.contains(&f.file))
    }

    /// The texts the renderer needs to show `diags`: only the files they point into.
    pub fn sources_for(&self, diags: &[Diagnostic]) -> Sources {
        let wanted: BTreeSet<&Path> = diags.iter().map(|d| d.file.as_path()).collect();
        let mut sources = Sources::new();
        for file in self
            .files
            .iter()
            .filter(|f| wanted.contains(f.file.as_path()))
        {
            let text = self.printable.get(&file.file).unwrap_or(&file.text);
            sources.insert(file.file.clone(), text.clone());
        }
        sources
    }
}

impl Loaded {
    /// Each parsed module's canonical spec text (no comments, no layout), by name: what
    /// the compiler's fingerprints hash.
    pub fn canonical(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .filter_map(|f| f.ast.module.as_ref())
            .map(|m| (m.path.dotted(), crate::format::canonical(m)))
            .collect()
    }

    /// Checks the loaded files together and keeps the diagnostics of the selected files.
    /// A dependency with errors is reported once, at the selected file's `use` of it.
    pub fn check(&self) -> Checked {
        let (project, check_diags) = check::check_parsed(&self.files, &self.diagnostics);
        let mut all: Vec<Diagnostic> = self
            .diagnostics
            .iter()
            .cloned()
            .chain(check_diags)
            .collect();
        let broken: BTreeSet<&Path> = all
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.file.as_path())
            .collect();
        // A file whose header could not be read holds the module its path names, broken.
        let mut by_module: BTreeMap<String, &SpecFile> = self
            .files
            .iter()
            .filter_map(|f| Some((f.ast.module.as_ref()?.path.dotted(), f)))
            .collect();
        for f in self.files.iter().filter(|f| f.ast.module.is_none()) {
            if let Some(name) = f.module_name() {
                by_module.entry(name).or_insert(f);
            }
        }
        // Hashed: a `BTreeSet<PathBuf>` lookup compares paths component by component.
        let selected: HashSet<&Path> = self.selected.iter().map(PathBuf::as_path).collect();
        let mut extra = Vec::new();
        for file in self.selected_files() {
            for u in uses_of(&file.ast) {
                let name = u.path.dotted();
                let Some(dep) = by_module.get(&name) else {
                    continue;
                };
                if selected.contains(dep.file.as_path()) {
                    continue; // its own diagnostics are shown
                }
                if let Some((broken_name, broken_file)) =
                    closure_has(&name, &by_module, &|f: &SpecFile| {
                        broken.contains(f.file.as_path())
                    })
                {
                    // The module with the errors, when the one used only reaches it: its
                    // own file is clean, and the user is sent to the right one.
                    let through = (broken_name != name).then(|| broken_name.clone());
                    extra.push(Diagnostic::new(
                        &file.file,
                        u.path.span,
                        Kind::DependencyHasErrors {
                            name,
                            through,
                            file: broken_file.file.display().to_string(),
                        },
                    ));
                }
            }
        }
        all.retain(|d| selected.contains(d.file.as_path()));
        all.extend(extra);
        crate::diagnostics::sort(&mut all);
        all.dedup();
        Checked {
            project,
            diagnostics: all,
            selected_files: self.selected.len(),
        }
    }
}

/// What to show of a file that is not UTF-8: its text up to the end of the line that holds
/// the first bad byte (a binary file has no useful lines after it), with control
/// characters blanked one byte for one so that offsets before the bad byte stay right.
pub fn printable_prefix(bytes: &[u8], valid_up_to: usize) -> String {
    let line_end = bytes[valid_up_to..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| valid_up_to + i);
    let end = line_end.min(valid_up_to + 40);
    let shown: Vec<u8> = bytes[..end]
        .iter()
        .map(|&b| {
            if b.is_ascii_control() && b != b'\n' && b != b'\t' {
                b' '
            } else {
                b
            }
        })
        .collect();
    String::from_utf8_lossy(&shown).into_owned()
}

/// Whether module `start` or any module it reaches through `use`s satisfies `bad`.
fn closure_has<'a>(
    start: &str,
    by_module: &BTreeMap<String, &'a SpecFile>,
    bad: &dyn Fn(&SpecFile) -> bool,
) -> Option<(String, &'a SpecFile)> {
    // Breadth first: the module named is the nearest of those with errors.
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    let mut seen = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(file) = by_module.get(&name) else {
            continue;
        };
        if bad(file) {
            return Some((name, file));
        }
        queue.extend(uses_of(&file.ast).map(|u| u.path.dotted()));
    }
    None
}

/// The spec files of the modules nested in the module of spec file `file` (those of
/// `specs/text.ghost` are below `specs/text/`): its `mod.rs` declares them, so a check of
/// `file` alone that left them out would take that `mod.rs` for one ghost no longer writes.
fn nested_specs(file: &Path) -> Vec<PathBuf> {
    if file.extension().is_none_or(|e| e != SPEC_EXTENSION) {
        return Vec::new();
    }
    let folder = file.with_extension("");
    if !folder.is_dir() {
        return Vec::new();
    }
    // A folder that cannot be walked leaves out what it holds: at worst the module is said
    // to be stale, as before.
    discover(&folder).unwrap_or_default()
}

/// The `use` items of a parsed file.
fn uses_of(ast: &ast::SourceFile) -> impl Iterator<Item = &ast::Use> {
    ast.module
        .iter()
        .flat_map(|m| m.items.iter())
        .filter_map(|item| match item {
            ast::Item::Use(u) => Some(u),
            _ => None,
        })
}

/// Opens `path` for reading only if it is a regular file (a link to one included): a
/// named pipe, which an agent program can leave where ghost reads (`mkfifo ghost.toml`),
/// would block the open, and the build with it, for ever; a device would never end.
/// The open itself does not wait (`O_NONBLOCK`), and the file opened is the one checked.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a named pipe, a device or a folder)",
        ));
    }
    Ok(file)
}

/// The contents of `path`, a regular file (see [`open_regular`]).
pub fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Every `.ghost` file below `dir`, sorted, skipping hidden folders and files.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, ProjectError> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            // A link to nothing (an editor's lock file, a file moved away) or a link that
            // loops back: no spec, unless it is named as one, which is then read and
            // reported as unreadable like any other spec file that cannot be read.
            Err(e)
                if e.loop_ancestor().is_some()
                    || e.path()
                        .is_some_and(|p| p.extension().is_some_and(|x| x == SPEC_EXTENSION))
                    || e.io_error().is_some_and(|io| {
                        // ELOOP: a link to itself.
                        let eloop = if cfg!(target_os = "macos") { 62 } else { 40 };
                        io.kind() == std::io::ErrorKind::NotFound
                            || io.raw_os_error() == Some(eloop)
                    }) =>
            {
                // Hidden names (Emacs's `.#slug.ghost` lock link) are no specs, as the
                // walk's filter has it for entries it could read.
                let hidden = |p: &Path| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                };
                if let Some(p) = e
                    .path()
                    .filter(|p| p.extension().is_some_and(|x| x == SPEC_EXTENSION) && !hidden(p))
                {
                    out.push(p.to_path_buf());
                }
                continue;
            }
            Err(e) => {
                return Err(ProjectError::Walk {
                    path: e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| dir.to_path_buf()),
                    reason: e.to_string(),
                })
            }
        };
        let is_spec = entry
            .path()
            .extension()
            .is_some_and(|x| x == SPEC_EXTENSION);
        if is_spec && entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `path` names a spec file by its extension (`.ghost`).
pub fn is_spec_file(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == SPEC_EXTENSION)
}

/// The module a file must declare: its path under `specs_dir` without the extension,
/// segments joined by dots (`text/slug.ghost` -> `text.slug`). `None` for a file outside
/// the specs folder or a path that is not UTF-8.
pub fn expected_module(specs_dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(specs_dir).ok()?;
    let rel = rel.with_extension("");
    let segments: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let segments = segments?;
    (!segments.is_empty()).then(|| segments.join("."))
}

/// `ghost.toml:3:1` (the path shown from the current folder), or the path alone: where
/// an error in a file is, the way compilers say it and editors' problem matchers read it.
pub fn at(file: &Path, position: Option<(usize, usize)>) -> String {
    let shown = shown_from_cwd(file);
    match position {
        Some((line, col)) => format!("{}:{line}:{col}", shown.display()),
        None => shown.display().to_string(),
    }
}

/// `path` as the user's shell reaches it: [`display_path`] from the current folder (the
/// path unchanged when there is none).
pub fn shown_from_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .map(|cwd| display_path(&cwd, path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to `base` (both absolute), with `..` where needed, as rustc shows
/// paths; `path` unchanged when the two share no root.
pub fn display_path(base: &Path, path: &Path) -> PathBuf {
    let base: Vec<Component> = base.components().collect();
    let target: Vec<Component> = path.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &target[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_come_from_paths() {
        let specs = Path::new("/p/specs");
        assert_eq!(
            expected_module(specs, Path::new("/p/specs/text/slug.ghost")).as_deref(),
            Some("text.slug")
        );
        assert_eq!(
            expected_module(specs, Path::new("/p/specs/a.ghost")).as_deref(),
            Some("a")
        );
        assert_eq!(expected_module(specs, Path::new("/p/other/a.ghost")), None);
    }

    #[test]
    fn display_paths_are_relative_to_the_current_folder() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            display_path(Path::new("/p"), Path::new("/p/specs/a.ghost")),
            p("specs/a.ghost")
        );
        assert_eq!(
            display_path(Path::new("/p/specs/x"), Path::new("/p/specs/a.ghost")),
            p("../a.ghost")
        );
        assert_eq!(
            display_path(Path::new("/p/specs"), Path::new("/p/specs")),
            p(".")
        );
    }

    #[test]
    fn discovery_is_sorted_and_skips_hidden_folders() {
        let dir = tempfile::tempdir().expect("temp dir");
        for f in [
            "b/z.ghost",
            "a.ghost",
            ".hidden/x.ghost",
            "b/a.ghost",
            "notes.txt",
        ] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(&path, "").expect("write");
        }
        let found: Vec<PathBuf> = discover(dir.path())
            .expect("walks")
            .into_iter()
            .map(|p| p.strip_prefix(dir.path()).expect("below").to_path_buf())
            .collect();
        assert_eq!(
            found,
            vec![
                PathBuf::from("a.ghost"),
                PathBuf::from("b/a.ghost"),
                PathBuf::from("b/z.ghost")
            ]
        );
    }
}
