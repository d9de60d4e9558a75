//! Stage 2, check: the parsed files of a project in, a checked and typed [`Project`] and
//! every problem found out.
//!
//! The checker never stops at the first problem: it resolves names, checks types and the
//! module graph, and collects every diagnostic before it returns. Modules with errors
//! are left out of the returned project (a file with errors never reaches an agent);
//! modules without errors are kept, in dependency order.
//!
//! The passes: module names (`mod.rs`), declared type names and `use`s (`decls.rs`,
//! pass one), resolved fields and signatures (`decls.rs`, pass two, into the tables of
//! `scope.rs`), bodies (`body.rs`, `expr.rs`, `nfr.rs`), the warnings of clauses whose
//! tests pass whatever the code does (`weak_tests.rs`), then the `use` graph (`graph.rs`).

mod body;
mod contradictions;
mod decls;
mod expr;
mod generators;
mod graph;
mod hasher;
pub mod model;
mod nfr;
mod scope;
mod types;
mod weak_tests;

#[cfg(test)]
mod tests;

pub use expr::int_constant;
pub use model::*;
pub use scope::{GENERATED_MODULES, TAKEN_CRATE_NAMES};

use crate::diagnostics::suggest;
use crate::diagnostics::{self, Diagnostic, Kind};
use crate::syntax::ast::{Item, Module, NfrKind, SourceFile, Span};
use body::BodyCx;
use scope::{Env, Tables};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// One parsed spec file, as the checker receives it.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// The path the diagnostics show (relative to the current folder where possible).
    pub file: PathBuf,
    /// The module name the file's location implies (`specs/text/slug.ghost` ->
    /// `text.slug`), or `None` for a file outside the specs folder (no check then).
    pub expected_module: Option<String>,
    /// The file's text (empty when it was not UTF-8), for quoting clauses as written.
    pub text: String,
    pub ast: SourceFile,
}

impl SpecFile {
    /// The module the file declares; for one whose `module` header could not be read (an
    /// empty file, one that is not UTF-8, a header with a typo) the module its path names.
    /// Such a file still holds that module, with errors: its lock entry is not orphaned
    /// and its users' `use` of it is not of an unknown module.
    pub fn module_name(&self) -> Option<String> {
        match &self.ast.module {
            Some(m) => Some(m.path.dotted()),
            None => self.expected_module.clone(),
        }
    }
}

/// Checks a set of parsed files together.
///
/// The syntax stage's diagnostics are not seen here: use [`check_parsed`] to leave out
/// the modules of files that had syntax errors (and their users) too.
pub fn check(files: &[SpecFile]) -> (Project, Vec<Diagnostic>) {
    check_parsed(files, &[])
}

/// Parses and checks spec texts held in memory, `(file name, text)` pairs, as one
/// project: what `ghost check` does with files, for tests and tools that write their
/// specs in code. The diagnostics are the parser's and then the checker's.
pub fn check_texts(specs: &[(&str, &str)]) -> (Project, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let files: Vec<SpecFile> = specs
        .iter()
        .map(|(name, text)| {
            let file = PathBuf::from(name);
            let (ast, parsed) = crate::syntax::parse(&file, text);
            diags.extend(parsed);
            SpecFile {
                file,
                expected_module: None,
                text: text.to_string(),
                ast,
            }
        })
        .collect();
    let (project, checked) = check_parsed(&files, &diags);
    diags.extend(checked);
    (project, diags)
}

/// For unit tests: `texts` checked as one project (files `spec0.ghost`, `spec1.ghost`,
/// ...), which must have no errors (warnings allowed: a test spec shows what ghost makes
/// of it, not a good test).
#[cfg(test)]
pub(crate) fn valid_project(texts: &[&str]) -> Project {
    let names: Vec<String> = (0..texts.len()).map(|i| format!("spec{i}.ghost")).collect();
    let specs: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(texts.iter().copied())
        .collect();
    let (project, diags) = check_texts(&specs);
    assert!(
        !diags.iter().any(|d| d.is_error()),
        "test specs check: {diags:?}"
    );
    project
}

/// As [`check`], with the syntax diagnostics of the same files: a file with a syntax
/// error counts as a module with errors (left out, and so is every module using it).
/// The returned diagnostics are the checker's own; `syntax` is not repeated.
pub fn check_parsed(files: &[SpecFile], syntax: &[Diagnostic]) -> (Project, Vec<Diagnostic>) {
    let broken_files: HashSet<&std::path::Path> = syntax
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.file.as_path())
        .collect();
    let mut diags: Vec<Vec<Diagnostic>> = vec![Vec::new(); files.len()];

    // Module names: each declared once, matching its path.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut duplicated: HashSet<String> = HashSet::new();
    for (i, f) in files.iter().enumerate() {
        let Some(m) = &f.ast.module else { continue };
        let name = m.path.dotted();
        if let Some(expected) = &f.expected_module {
            if *expected != name {
                let kind = Kind::ModulePathMismatch {
                    declared: name.clone(),
                    expected: expected.clone(),
                };
                diags[i].push(Diagnostic::new(&f.file, m.path.span, kind));
            }
        }
        match by_name.entry(name) {
            Entry::Occupied(e) => {
                let kind = Kind::DuplicateModule {
                    name: e.key().clone(),
                };
                diags[i].push(Diagnostic::new(&f.file, m.path.span, kind));
                duplicated.insert(e.key().clone());
            }
            Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    let mut names: Vec<&String> = by_name.keys().collect();
    names.sort();
    for (i, kind) in module_name_clashes(&names, &by_name, files) {
        let Some(m) = &files[i].ast.module else {
            continue;
        };
        diags[i].push(Diagnostic::new(&files[i].file, m.path.span, kind));
    }
    for (i, span, kind) in dependency_versions(files, &names, &by_name) {
        diags[i].push(Diagnostic::new(&files[i].file, span, kind));
    }
    // The modules of files whose header could not be read: their own error says why, so
    // a `use` of one is not of an unknown module; its users are left out as a broken
    // dependency's are.
    let unreadable: HashSet<String> = files
        .iter()
        .filter(|f| f.ast.module.is_none())
        .filter_map(SpecFile::module_name)
        .filter(|n| !by_name.contains_key(n))
        .collect();
    let mut uses_unreadable: HashSet<String> = HashSet::new();
    let module_of = |i: usize| {
        files[i]
            .ast
            .module
            .as_ref()
            .expect("only files with a module are named")
    };

    // Pass one: type names and uses.
    let mut tables = Tables::default();
    let mut use_spans: HashMap<&str, Vec<(String, Span)>> = HashMap::new();
    for name in &names {
        let i = by_name[*name];
        let (f, m) = (&files[i], module_of(i));
        let mut table = decls::declare_types(m, name, &f.file, &mut diags[i]);
        table.unparsed.clone_from(&m.unparsed);
        let mut spans: Vec<(String, Span)> = Vec::new();
        for item in &m.items {
            let Item::Use(u) = item else { continue };
            let used = u.path.dotted();
            let kind = if used == **name {
                Some(Kind::UseSelf { name: used.clone() })
            } else if unreadable.contains(&used) {
                table.failed_uses.push(used.clone());
                uses_unreadable.insert((*name).clone());
                continue;
            } else if !by_name.contains_key(&used) {
                let known = by_name.keys().map(String::as_str);
                let suggestion = suggest::closest(&used, known);
                Some(Kind::UnknownModule {
                    name: used.clone(),
                    suggestion,
                })
            } else if table.uses.contains(&used) {
                Some(Kind::Duplicate {
                    what: "use",
                    name: used.clone(),
                })
            } else {
                None
            };
            if matches!(kind, Some(Kind::UnknownModule { .. })) {
                table.failed_uses.push(used.clone());
            }
            match kind {
                Some(kind) => diags[i].push(Diagnostic::new(&f.file, u.path.span, kind)),
                None => {
                    table.uses.push(used.clone());
                    spans.push((used, u.path.span));
                }
            }
        }
        use_spans.insert(name.as_str(), spans);
        tables.modules.insert((*name).clone(), table);
    }

    // Pass two: fields, variants, signatures. This pass and the bodies' read the tables
    // only and write each module's own diagnostics, so they run on every core.
    let resolved = crate::parallel::map(&names, |name| {
        let i = by_name[*name];
        let env = Env {
            tables: &tables,
            module: name,
            file: &files[i].file,
        };
        let mut found = Vec::new();
        let r = decls::resolve_decls(env, module_of(i), &mut found);
        (r, found)
    });
    for (name, (r, found)) in names.iter().zip(resolved) {
        diags[by_name[*name]].extend(found);
        let t = tables
            .modules
            .get_mut(*name)
            .expect("every named module has a table");
        t.records = r.records;
        t.enums = r.enums;
        t.methods = r.methods;
        t.functions = r.functions;
    }

    // Bodies.
    let checked = crate::parallel::map(&names, |name| {
        let i = by_name[*name];
        let env = Env {
            tables: &tables,
            module: name,
            file: &files[i].file,
        };
        let mut found = Vec::new();
        decls::check_infinite(env, module_of(i), &mut found);
        decls::check_map_keys(env, module_of(i), &mut found);
        decls::check_values_hold_no_opaque(env, module_of(i), &mut found);
        let model = module_model(env, &files[i], module_of(i), &mut found);
        (model, found)
    });
    let mut models: HashMap<&str, ModuleModel> = HashMap::new();
    for (name, (model, found)) in names.iter().zip(checked) {
        diags[by_name[*name]].extend(found);
        models.insert(name.as_str(), model);
    }

    // Examples no code can pass: constants that break a `requires`, or look up nothing.
    let function = |f: &FnRef| {
        let m = models.get(f.module.as_str())?;
        match &f.owner {
            None => m.functions.iter().find(|g| g.name == f.name),
            Some(owner) => m
                .types
                .iter()
                .find(|t| t.name == *owner)?
                .methods
                .iter()
                .find(|g| g.name == f.name),
        }
    };
    // Each module's own examples against the models it reads, then the tests that pass
    // whatever the code does, warned of only in a module without errors, where every call
    // is resolved (an unknown function is no call in the model). Each module's findings
    // read its own model and text only: found on every core, added in name order.
    let found = crate::parallel::map(&names, |name| {
        let i = by_name[*name];
        let model = models.get(name.as_str())?;
        let broken = contradictions::broken_requires(model, &function);
        let missing = contradictions::missing_lookups(model);
        let clean = broken.is_empty()
            && missing.is_empty()
            && !diags[i].iter().any(Diagnostic::is_error)
            && !broken_files.contains(files[i].file.as_path());
        let weak = if clean {
            weak_tests::weak_tests(model, &files[i].text)
        } else {
            Vec::new()
        };
        Some((broken, missing, weak))
    });
    for (name, (broken, missing, weak)) in
        names.iter().zip(found).filter_map(|(n, f)| Some((n, f?)))
    {
        let i = by_name[*name];
        for broken in broken {
            let kind = Kind::ExampleBreaksRequires {
                in_timing: broken.in_timing,
                callee: broken.callee,
                clause: broken.clause,
                arguments: broken.arguments,
            };
            diags[i].push(Diagnostic::new(&files[i].file, broken.call.span, kind));
        }
        for missing in missing {
            let span = missing.lookup.span;
            let kind = Kind::ConstantLookupFails {
                lookup: files[i]
                    .text
                    .get(span.start..span.end)
                    .unwrap_or("")
                    .to_string(),
                clause: missing.clause,
                why: missing.why,
                fix: missing.fix,
            };
            diags[i].push(Diagnostic::new(&files[i].file, span, kind));
        }
        for (span, kind) in weak {
            diags[i].push(Diagnostic::new(&files[i].file, span, kind));
        }
    }

    // The `use` graph: cycles, then the order of what is kept.
    let nodes: Vec<graph::Node<'_>> = names
        .iter()
        .map(|n| graph::Node {
            name: n.as_str(),
            uses: tables.modules[*n].uses.iter().map(String::as_str).collect(),
        })
        .collect();
    for cycle in graph::cycles(&nodes) {
        let i = by_name[cycle[0]];
        let span = use_spans[cycle[0]]
            .iter()
            .find(|(u, _)| u == cycle[1])
            .map(|(_, s)| *s)
            .unwrap_or_default();
        let text = format!("{} -> {}", cycle.join(" -> "), cycle[0]);
        diags[i].push(Diagnostic::new(
            &files[i].file,
            span,
            Kind::UseCycle { cycle: text },
        ));
    }
    let has_errors = |n: &str| {
        let i = by_name[n];
        duplicated.contains(n)
            || uses_unreadable.contains(n)
            || broken_files.contains(files[i].file.as_path())
            || diags[i].iter().any(Diagnostic::is_error)
    };
    let order = graph::order(&nodes, &has_errors);
    let modules = order.into_iter().filter_map(|n| models.remove(n)).collect();

    let mut all: Vec<Diagnostic> = diags.into_iter().flatten().collect();
    diagnostics::sort(&mut all);
    (Project { modules }, all)
}

/// The test names a module's scenarios and snapshots have taken so far, with where and
/// by which name: a second one of a name is E0208.
#[derive(Default)]
struct TestNames<'a> {
    seen: HashMap<(&'static str, String), (Span, &'a str)>,
}

impl<'a> TestNames<'a> {
    /// Takes the test name of `what` (`scenario`, `snapshot`) called `name` at `span` of
    /// `file`; when another has it, the error, pointing at the first one too.
    fn claim(
        &mut self,
        file: &std::path::Path,
        what: &'static str,
        name: &'a str,
        span: Span,
    ) -> Option<Diagnostic> {
        let key = (what, test_name(name));
        if let Some((first, other)) = self.seen.get(&key) {
            let kind = if *other == name {
                Kind::Duplicate {
                    what,
                    name: name.to_string(),
                }
            } else {
                Kind::TestNameClash {
                    what,
                    name: name.to_string(),
                    other: other.to_string(),
                }
            };
            return Some(Diagnostic::new(file, span, kind).with_related(*first, "first here"));
        }
        self.seen.insert(key, (span, name));
        None
    }
}

/// A test's name as the target sees it: two scenarios whose names differ only in case
/// or punctuation would collide.
fn test_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn module_model(
    env: Env<'_>,
    f: &SpecFile,
    m: &Module,
    diags: &mut Vec<Diagnostic>,
) -> ModuleModel {
    let mut cx = BodyCx {
        env,
        text: &f.text,
        diags,
    };
    let mut model = ModuleModel {
        name: env.module.to_string(),
        path: m.path.segments.clone(),
        file: f.file.clone(),
        doc: m.doc.as_ref().map(|d| d.text.clone()),
        uses: env.table().uses.clone(),
        records: Vec::new(),
        enums: Vec::new(),
        types: Vec::new(),
        functions: Vec::new(),
        scenarios: Vec::new(),
        snapshots: Vec::new(),
        nfrs: Vec::new(),
    };
    // Duplicates were reported in the declaration passes; only the first is modelled.
    let mut types_seen: HashSet<&str> = HashSet::new();
    let mut fns_seen: HashSet<&str> = HashSet::new();
    let mut tests_seen = TestNames::default();
    let mut nfrs = Vec::new();
    for item in &m.items {
        match item {
            Item::Use(_) => {}
            Item::Fn(x) => {
                if fns_seen.insert(&x.name.name) {
                    model.functions.extend(cx.free_fn(x));
                }
            }
            Item::Record(x) => {
                if types_seen.insert(&x.name.name) {
                    model.records.push(cx.record(x));
                }
            }
            Item::Enum(x) => {
                if types_seen.insert(&x.name.name) {
                    model.enums.push(cx.enum_decl(x));
                }
            }
            Item::Type(x) => {
                if types_seen.insert(&x.name.name) {
                    model.types.push(cx.opaque(x));
                }
            }
            Item::Scenario(x) => {
                cx.diags
                    .extend(tests_seen.claim(&f.file, "scenario", &x.name.value, x.name.span));
                model.scenarios.push(cx.scenario(x));
            }
            Item::Snapshot(x) => {
                cx.diags
                    .extend(tests_seen.claim(&f.file, "snapshot", &x.name.value, x.name.span));
                model.snapshots.extend(cx.snapshot(x));
            }
            Item::Nfr(x) => nfrs.push(x),
        }
    }
    model.nfrs = nfr::check_nfrs(env, &nfrs, cx.diags);
    model
}

/// Crates two modules ask for in different versions (E0502), reported at the later
/// module (in name order): the generated crate's one manifest lists each crate once.
fn dependency_versions(
    files: &[SpecFile],
    names: &[&String],
    by_name: &HashMap<String, usize>,
) -> Vec<(usize, Span, Kind)> {
    let mut first: HashMap<String, (String, String)> = HashMap::new();
    let mut out = Vec::new();
    for name in names {
        let i = by_name[name.as_str()];
        let Some(m) = &files[i].ast.module else {
            continue;
        };
        for item in &m.items {
            let Item::Nfr(n) = item else { continue };
            let NfrKind::Deps(deps) = &n.kind else {
                continue;
            };
            for d in deps {
                let version = d.version.as_ref().map_or("*", |v| v.value.as_str());
                match first.get(&d.name.name) {
                    // Twice in one module: a duplicate, reported as such (E0208).
                    Some((_, module)) if module == *name => {}
                    Some((there, module)) if there != version => out.push((
                        i,
                        d.span,
                        Kind::DependencyVersions {
                            name: d.name.name.clone(),
                            here: version.to_string(),
                            there: there.clone(),
                            module: module.clone(),
                        },
                    )),
                    Some(_) => {}
                    None => {
                        first.insert(d.name.name.clone(), (version.to_string(), name.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// Module names the generated crate cannot hold (E0218): a part that is a Rust path
/// keyword, `lib` or `main` at the top (`src/lib.rs` is the crate's root), `imp` or `mod`
/// anywhere (every module's implementation is its `mod imp`), and two names whose test
/// files are one (`a.b_c` and `a_b.c` are both `tests/a_b_c.rs`). `names` is sorted, so
/// the later of two clashing names is the one reported.
fn module_name_clashes(
    names: &[&String],
    by_name: &HashMap<String, usize>,
    files: &[SpecFile],
) -> Vec<(usize, Kind)> {
    // A module's type named like one of its child modules (`record index` in `geo`
    // beside `geo.index`): both would be `geo::index` in Rust.
    let declares_type = |module: &str, ty: &str| {
        by_name
            .get(module)
            .and_then(|&i| files[i].ast.module.as_ref())
            .is_some_and(|m| {
                m.items.iter().any(|item| match item {
                    Item::Record(r) => r.name.name == ty,
                    Item::Enum(e) => e.name.name == ty,
                    Item::Type(t) => t.name.name == ty,
                    _ => false,
                })
            })
    };
    let mut out = Vec::new();
    let mut tests: HashMap<String, &str> = HashMap::new();
    for name in names {
        let i = by_name[name.as_str()];
        let segments: Vec<&str> = name.split('.').collect();
        let why = segments.iter().enumerate().find_map(|(k, s)| match *s {
            "self" | "super" | "crate" | "Self" => Some(format!(
                "`{s}` is a Rust path keyword, which no module can be called"
            )),
            // `mod.rs` is the compiler's file of each module, `imp.rs` the agent's.
            "imp" => Some(
                "`imp` is the name of every module's implementation file, `imp.rs`".to_string(),
            ),
            "mod" => Some(
                "`mod` is a Rust keyword and the name of every module's own file, `mod.rs`"
                    .to_string(),
            ),
            "lib" | "main" if k == 0 => Some(format!(
                "`src/{s}.rs` is the crate's root, which a top-level `{s}` would collide with"
            )),
            _ => None,
        });
        // Every module above it: `geo.index.sub` needs `geo::index` as much as
        // `geo.index` does.
        let why = why.or_else(|| {
            (1..segments.len()).find_map(|k| {
                let parent = segments[..k].join(".");
                let child = segments[k];
                declares_type(&parent, child).then(|| {
                    format!(
                        "module `{parent}` declares a type `{child}`, and both would be `{}::{child}` in Rust",
                        parent.replace('.', "::")
                    )
                })
            })
        });
        let test_file = segments.join("_");
        let why = why.or_else(|| {
            tests.get(&test_file).map(|other| {
                format!("its test file `tests/{test_file}.rs` is the one of `{other}`")
            })
        });
        tests.entry(test_file).or_insert(name.as_str());
        if let Some(why) = why {
            out.push((
                i,
                Kind::ModuleNameClash {
                    name: name.to_string(),
                    why,
                },
            ));
        }
    }
    out
}
