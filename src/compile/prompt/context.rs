//! The data a prompt template sees: everything the agent needs about one module,
//! already spelled out as text (quoted clauses, Rust signatures, interfaces), so the
//! templates only lay it out.

use super::reached_types::reached_types;
use super::repair::RepairContext;
use crate::check::{Function, ModuleModel, NfrModel, Project};
use crate::compile::rust::interface;
use crate::compile::rust::rust_ident;
use serde::Serialize;

/// The root of a template's context.
#[derive(Debug, Serialize)]
pub struct PromptContext {
    /// `text.slug`
    pub module: String,
    /// `src/text/slug/imp.rs`
    pub imp_path: String,
    /// `crate::text::slug`
    pub rust_path: String,
    pub doc: Option<String>,
    /// The module's exact Rust interface.
    pub interface: String,
    /// Records, enums and errors that the compiler's `mod.rs` already defines.
    pub predefined: Vec<String>,
    /// What imp.rs must define: `pub fn slugify`, `pub struct LruCache` + its `impl`.
    pub to_write: Vec<String>,
    /// Functions and methods that have a doc or contracts, in spec order.
    pub functions: Vec<FunctionContext>,
    pub has_examples: bool,
    pub has_requires: bool,
    pub has_ensures: bool,
    pub has_properties: bool,
    /// Scenarios, quoted as written.
    pub scenarios: Vec<String>,
    /// Snapshots, quoted as written.
    pub snapshots: Vec<String>,
    /// Scenarios as the tests run them, in Rust.
    pub scenarios_rust: Vec<String>,
    /// Snapshots as the tests run them, in Rust.
    pub snapshots_rust: Vec<String>,
    /// The values an earlier accepted build pinned for the snapshots (empty before one):
    /// new code must print them exactly, private fields and their order included, which
    /// it cannot guess.
    pub pinned: Vec<Pin>,
    pub nfrs: Vec<NfrContext>,
    /// The third-party crates `nfr deps` allows, `` `name` (req) ``; empty: std only.
    pub deps: Vec<String>,
    pub uses: Vec<UsedModule>,
    pub repair: Option<RepairView>,
    /// In a first prompt sent again after failed attempts: what those attempts got wrong,
    /// one line each (a broken example with its values, a compiler error's headline),
    /// without their code. Empty in the first attempt's prompt.
    pub lessons: Vec<String>,
}

/// A snapshot's pinned value: the snapshot's name as the spec gives it, and the
/// `{:#?}` text the tests hold the code to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pin {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct FunctionContext {
    /// `slugify`, or `LruCache::new` for a method.
    pub name: String,
    pub doc: Option<String>,
    /// `pub fn slugify(title: &str) -> String`
    pub rust_signature: String,
    /// Every clause as written: requires, ensures, examples, properties.
    pub clauses: Vec<String>,
    /// The examples as the tests check them, in Rust (`assert_eq!(f(1), 2);`).
    pub examples_rust: Vec<String>,
    /// The clauses other than examples, as written: requires, ensures, properties.
    pub other_clauses: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NfrContext {
    /// The free text, or the clause as written for a checked one.
    pub text: String,
    /// How the build checks it; `None` for free text (asked for only).
    pub check: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UsedModule {
    pub name: String,
    pub rust_path: String,
    pub interface: String,
}

#[derive(Debug, Serialize)]
pub struct RepairView {
    pub attempt: u32,
    pub previous_code: String,
    /// The functions to write anew, as a list for the prompt: `` `new` and `push` ``.
    pub rewrite: String,
    pub rewrite_count: usize,
    /// Whether a function to write anew is a method (indented, inside an `impl` block).
    pub rewrite_methods: bool,
    pub failures: String,
    pub compiler_errors: String,
    pub last_diff: Option<String>,
    /// What changed in the spec's prose since `previous_code` was accepted (a revision).
    pub spec_changes: Option<String>,
    /// Whether the answer is the whole file ([`RepairContext::whole_file`]).
    pub whole_file: bool,
}

/// How many characters of test output and of compiler errors a repair prompt carries.
const FAILURES_BUDGET: usize = 6_000;
const COMPILER_ERRORS_BUDGET: usize = 4_000;
/// A diff longer than this is mostly a rewrite, which the previous code already shows.
const DIFF_BUDGET: usize = 6_000;

/// Gathers what the templates show about `module`.
pub fn build(
    project: &Project,
    module: &ModuleModel,
    repair: Option<&RepairContext>,
    lessons: &[String],
    pins: &[Pin],
) -> PromptContext {
    let path = module.path.join("/");
    let predefined = module
        .records
        .iter()
        .map(|r| r.name.clone())
        .chain(module.enums.iter().map(|e| e.name.clone()))
        .collect();
    let to_write = module
        .functions
        .iter()
        // As Rust spells them (`pub fn r#match`, `pub fn super_`): the agent copies this.
        .map(|f| format!("`pub fn {}`", rust_ident(&f.name)))
        .chain(
            module
                .types
                .iter()
                .map(|t| format!("`pub struct {}` and its `impl`", rust_ident(&t.name))),
        )
        .collect();
    let all_functions: Vec<&Function> = module.functions_and_methods().collect();
    let functions = all_functions
        .iter()
        .filter(|f| f.doc.is_some() || has_clauses(f))
        .map(|f| function_context(f, module))
        .collect();
    let any = |p: fn(&Function) -> bool| all_functions.iter().any(|f| p(f));
    let mut deps = Vec::new();
    let nfrs = module
        .nfrs
        .iter()
        .map(|nfr| {
            let (text, check) = match &nfr.kind {
                NfrModel::Text(text) => (text.clone(), None),
                NfrModel::ForbidUnsafe => (quote(&nfr.source), Some("the crate forbids `unsafe`")),
                NfrModel::Deps(crates) => {
                    deps.extend(crates.iter().map(|(name, req)| format!("`{name}` ({req})")));
                    (quote(&nfr.source), Some("Cargo.toml lists no other crates"))
                }
                NfrModel::Perf { .. } => (
                    quote(&nfr.source),
                    Some("median of timed release-mode runs"),
                ),
                NfrModel::MaxLines(_) => (
                    quote(&nfr.source),
                    Some("physical lines of imp.rs, comments and blanks included"),
                ),
                NfrModel::Lint => (
                    quote(&nfr.source),
                    Some("clippy on imp.rs, warnings are errors"),
                ),
            };
            NfrContext {
                text,
                check: check.map(str::to_string),
            }
        })
        .collect();
    let mut uses: Vec<UsedModule> = module
        .uses
        .iter()
        .map(|name| UsedModule {
            name: name.clone(),
            rust_path: format!("crate::{}", name.replace('.', "::")),
            interface: project
                .module(name)
                .map(|m| crate::compile::rust::used_interface(project, m))
                .unwrap_or_default(),
        })
        .collect();
    // After them, the types their interfaces take from modules this one does not use:
    // the agent handles such values and cannot guess their fields.
    for (name, types) in reached_types(project, module) {
        if let Some(m) = project.module(&name) {
            uses.push(UsedModule {
                rust_path: format!("crate::{}", name.replace('.', "::")),
                interface: crate::compile::rust::reached_interface(project, m, &types),
                name,
            });
        }
    }
    PromptContext {
        module: module.name.clone(),
        imp_path: format!("src/{path}/imp.rs"),
        rust_path: format!("crate::{}", module.path.join("::")),
        doc: module.doc.clone(),
        interface: interface(project, module),
        predefined,
        to_write,
        functions,
        has_examples: any(|f| !f.examples.is_empty()),
        has_requires: any(|f| !f.requires.is_empty()),
        has_ensures: any(|f| !f.ensures.is_empty()),
        has_properties: any(|f| !f.properties.is_empty()),
        scenarios: module.scenarios.iter().map(|s| quote(&s.source)).collect(),
        snapshots: module.snapshots.iter().map(|s| quote(&s.source)).collect(),
        scenarios_rust: module
            .scenarios
            .iter()
            .map(|s| crate::compile::rust::scenario_code(module, s))
            .collect(),
        snapshots_rust: module
            .snapshots
            .iter()
            .map(|s| crate::compile::rust::snapshot_code(module, s))
            .collect(),
        nfrs,
        deps,
        uses,
        pinned: pins.to_vec(),
        repair: repair.map(repair_view),
        lessons: lessons.to_vec(),
    }
}

fn has_clauses(f: &Function) -> bool {
    !(f.examples.is_empty()
        && f.requires.is_empty()
        && f.ensures.is_empty()
        && f.properties.is_empty())
}

fn function_context(f: &Function, module: &ModuleModel) -> FunctionContext {
    let name = match &f.owner {
        Some(owner) => format!("{owner}::{}", f.name),
        None => f.name.clone(),
    };
    // Preconditions first: they bound what the examples and properties may pass.
    let clauses = f
        .requires
        .iter()
        .chain(&f.ensures)
        .chain(&f.examples)
        .map(|c| quote(&c.source))
        .chain(f.properties.iter().map(|p| quote(&p.source)))
        .collect();
    let other_clauses = f
        .requires
        .iter()
        .chain(&f.ensures)
        .map(|c| quote(&c.source))
        .chain(f.properties.iter().map(|p| quote(&p.source)))
        .collect();
    FunctionContext {
        name,
        doc: f.doc.clone(),
        rust_signature: crate::compile::rust::signature_of(&module.name, f),
        clauses,
        examples_rust: crate::compile::rust::example_asserts(module, f),
        other_clauses,
    }
}

/// A clause as written, without the indentation its place in the file gave it: the
/// first line starts at the clause; later lines lose the indentation they share.
fn quote(source: &str) -> String {
    let source = source.trim();
    let (first, rest) = source.split_once('\n').unwrap_or((source, ""));
    let mut out = first.trim_end().to_string();
    for line in dedent(rest).lines() {
        out.push('\n');
        out.push_str(line.trim_end());
    }
    out
}

/// `text` with the indentation its non-blank lines share taken off (blank lines become
/// empty). Also used to unwrap a reply's `mod imp { .. }` (`build/tidy/`).
pub fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole lines of `text` that fit in `budget` characters, and a note if some did not.
fn head(text: &str, budget: usize) -> String {
    if text.chars().count() <= budget {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = 0;
    for line in &lines {
        let len = line.chars().count() + 1;
        if used + len > budget {
            break;
        }
        used += len;
        kept += 1;
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&super::trim::trim_note(lines.len() - kept));
    out.push('\n');
    out
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``; empty for no names.
fn english_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn repair_view(repair: &RepairContext) -> RepairView {
    let join = |items: &[String]| items.join("\n\n");
    // Cut harder to fit a small context window (see `RepairContext::shrink`).
    let divisor = repair.shrink.clamp(1, super::repair::MAX_SHRINK) as usize;
    RepairView {
        attempt: repair.attempt,
        previous_code: repair.previous_code.clone(),
        rewrite: english_list(&repair.rewrite),
        rewrite_count: repair.rewrite.len(),
        rewrite_methods: repair.rewrite.iter().any(|name| {
            repair.previous_code.lines().any(|line| {
                line.starts_with(char::is_whitespace)
                    && (line.contains(&format!("fn {name}("))
                        || line.contains(&format!("fn {name}<")))
            })
        }),
        failures: super::trim::trim_failures(&join(&repair.failures), FAILURES_BUDGET / divisor),
        compiler_errors: super::trim::trim_failures(
            &join(
                &repair
                    .compiler_errors
                    .iter()
                    .map(|e| super::trim::compiler_error(e))
                    .collect::<Vec<_>>(),
            ),
            COMPILER_ERRORS_BUDGET / divisor,
        ),
        last_diff: repair
            .last_diff
            .as_deref()
            .filter(|d| !d.trim().is_empty() && repair.shrink == 0)
            .map(|d| head(d, DIFF_BUDGET)),
        spec_changes: repair
            .spec_changes
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| head(d, DIFF_BUDGET)),
        whole_file: repair.whole_file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check, SpecFile};
    use std::path::PathBuf;

    /// The valid fixtures that check as one project.
    fn fixtures() -> Project {
        let files: Vec<SpecFile> = ["slug", "port", "lru", "exprs", "counter", "shapes"]
            .iter()
            .map(|name| {
                let file = PathBuf::from(format!("tests/fixtures/valid/{name}.ghost"));
                let text = std::fs::read_to_string(&file).expect("fixture is readable");
                let (ast, diags) = crate::syntax::parse(&file, &text);
                assert!(diags.is_empty(), "{name} parses");
                SpecFile {
                    file,
                    expected_module: None,
                    text,
                    ast,
                }
            })
            .collect();
        let (project, diags) = check(&files);
        // The fixtures exercise the language, and some of their clauses are warned of.
        assert!(
            !diags.iter().any(crate::diagnostics::Diagnostic::is_error),
            "fixtures check: {diags:?}"
        );
        project
    }

    #[test]
    fn signatures_agree_with_the_rust_interface() {
        let project = fixtures();
        let mut seen = 0;
        for module in &project.modules {
            let context = build(&project, module, None, &[], &[]);
            for f in &context.functions {
                let declared = format!("{};", f.rust_signature);
                assert!(
                    context.interface.contains(&declared),
                    "{}: `{declared}` in\n{}",
                    module.name,
                    context.interface
                );
                seen += 1;
            }
        }
        assert!(seen > 10, "the fixtures have functions with contracts");
    }

    #[test]
    fn the_items_to_write_are_named_as_rust_spells_them() {
        // `pub fn match` does not compile; the interface says `r#match`, and so must the
        // instruction the agent copies.
        let text = "module kw.names {\n  fn match(x: int) -> int\n  fn super() -> int\n  fn plain() -> int\n}\n";
        let file = PathBuf::from("kw/names.ghost");
        let (ast, diags) = crate::syntax::parse(&file, text);
        assert!(diags.is_empty(), "{diags:?}");
        let spec = SpecFile {
            file,
            expected_module: None,
            text: text.into(),
            ast,
        };
        let (project, diags) = check(&[spec]);
        // Warnings allowed: these specs show what the compiler makes, not good tests.
        assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
        let context = build(&project, &project.modules[0], None, &[], &[]);
        assert_eq!(
            context.to_write,
            ["`pub fn r#match`", "`pub fn super_`", "`pub fn plain`"]
        );
    }

    #[test]
    fn head_keeps_whole_lines() {
        assert_eq!(head("a\nb\n", 10), "a\nb\n");
        assert_eq!(
            head("aaaa\nbbbb\ncccc\n", 11),
            "aaaa\nbbbb\n[... 1 more line trimmed]\n"
        );
    }

    #[test]
    fn quote_drops_the_indentation_of_the_file() {
        let source = "scenario \"s\" {\n    let c = C.new(1)\n    expect c.len() == 0\n  }\n   ";
        assert_eq!(
            quote(source),
            "scenario \"s\" {\n  let c = C.new(1)\n  expect c.len() == 0\n}"
        );
    }
}
