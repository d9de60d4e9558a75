//! One build, test or locked-verification run over a compiled project.
//!
//! In: the checked project, its compiled files, the lock, the folders. Out: a report per
//! module, the generated crate on disk, and the lock updated (atomically, after every
//! accepted module, so an interrupted run keeps what it finished).

use super::cargo::Cargo;
use super::failure::{AttemptRecord, FailureClass};
use super::runlog::{now_secs, Attempt, RunLog};
use super::unused_modules::ModuleTree;
use super::verify::{judge, refused, verify, SharedRuns, Snapshots, Verdict};
use super::workspace::{self, WriteError};
use crate::check::{ModuleModel, Project};
use crate::compile::prompt::{self, RepairContext, Templates};
use crate::compile::rust::test_target;
use crate::compile::{Compiled, CompiledModule};
use crate::plan::lock::implementation_hash;
use crate::plan::state::{decide, Current, ModuleStatus, State};
use crate::plan::{Lock, LockEntry, LockError};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The folders a run works in.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The generated crate (`generated/`).
    pub out_dir: PathBuf,
    /// Local state (`.ghost/`): cargo's target folder, prompts, run logs, cache.
    pub state_dir: PathBuf,
    /// `ghost.lock`.
    pub lock: PathBuf,
    /// The files a `command` agent may not change: `ghost.toml` and the specs folder
    /// (see `guard.rs`).
    pub guarded: Guard,
    /// Cargo's target folder when the command picks one (`ghost eval` keeps one across
    /// runs); `None` for `.ghost/target`. `GHOST_TARGET_DIR` wins over both.
    pub target: Option<PathBuf>,
}

/// Where the project's own files are, which only the user writes.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// The project's folder (holding `ghost.toml`).
    pub root: PathBuf,
    /// The specs folder.
    pub specs_dir: PathBuf,
    /// What ghost itself writes during a build (the generated crate, `.ghost/`, the lock,
    /// cargo's target folder): not the user's, so not watched.
    pub ghost_owned: Vec<PathBuf>,
}

impl Paths {
    /// The folders of a project in `root` laid out as by default (`generated/`,
    /// `.ghost/`, `ghost.lock`), for tests of what reads and writes them.
    #[cfg(test)]
    pub fn in_folder(root: &Path) -> Paths {
        Paths {
            out_dir: root.join("generated"),
            state_dir: root.join(".ghost"),
            lock: root.join("ghost.lock"),
            guarded: Guard::default(),
            target: None,
        }
    }

    /// Cargo's target folder for the generated crate and every scratch copy of it:
    /// `.ghost/target`, or `GHOST_TARGET_DIR` when set (to share one folder between
    /// projects, as CI and ghost's own tests do). `CARGO_TARGET_DIR` is deliberately not
    /// used: it usually names the target folder of the project ghost is run from, and
    /// sharing that with a running `cargo` would wait on its lock.
    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("GHOST_TARGET_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => self
                .target
                .clone()
                .unwrap_or_else(|| self.state_dir.join("target")),
        }
    }
    pub fn prompts_dir(&self) -> PathBuf {
        self.state_dir.join("prompts")
    }
    pub fn runs_dir(&self) -> PathBuf {
        self.state_dir.join("runs")
    }
    /// The last failed attempt of each module (`MODULE.json`), for `ghost prompt --repair`.
    pub fn repairs_dir(&self) -> PathBuf {
        self.state_dir.join("repairs")
    }
}

/// Everything a run needs. Owned, so that concurrent module jobs can share it.
pub struct Context {
    pub paths: Paths,
    pub project: Project,
    /// The project's module tree, which the rule of the modules a code may call reads
    /// for every module it judges (`verify::refused`).
    pub module_tree: ModuleTree,
    pub compiled: Compiled,
    pub templates: Templates,
    /// The time limit of one cargo run (compile and test).
    pub test_timeout: Duration,
    /// The address space each process of a cargo run may take, in MiB (0: no limit).
    pub test_memory_mb: u64,
    /// The variable `[agent] api_key_env` names: kept from generated code, whatever its
    /// name (those named like secrets are kept from it anyway, see `cargo.rs`).
    pub api_key_env: Option<String>,
    /// Whether ghost tries its own small edits of failing code (`[build] edits`).
    pub edits: bool,
    /// Modules whose compiler-owned files on disk differed from the compiled ones when
    /// the run began (before it wrote them): their code is tested again, as if stale.
    pub regenerated: BTreeSet<String>,
    /// The specs as this run read them, to tell a save during the run.
    pub read_specs: super::spec_changes::ReadSpecs,
    /// Modules an earlier build gave new code without testing every module using them
    /// (`retest.rs`): this run tests those users again.
    pub pending_retest: BTreeSet<String>,
}

impl Context {
    /// Renders every module's first and repair prompt once when the project overrides
    /// the templates: a template that parses but cannot render (a variable it does not
    /// have) fails now, before any module is re-locked against it, not at the first
    /// module that needs an agent, in another checkout, later.
    pub fn check_templates(&self) -> Result<(), prompt::PromptError> {
        if self.templates.version() == prompt::Templates::builtin_version() {
            return Ok(());
        }
        for m in &self.compiled.modules {
            let Some(module) = self.project.module(&m.name) else {
                continue;
            };
            let pins = self.pins(&m.name);
            prompt::render_first(&self.templates, &self.project, module, &pins)?;
            let repair = prompt::RepairContext {
                attempt: 2,
                ..prompt::RepairContext::default()
            };
            prompt::render_repair(&self.templates, &self.project, module, &repair, &pins)?;
        }
        Ok(())
    }

    /// The values the generated crate pins for the snapshots of module `name`, for its
    /// prompts ([`super::snapshots::pins`]).
    pub fn pins(&self, name: &str) -> Vec<prompt::Pin> {
        match (self.compiled.module(name), self.project.module(name)) {
            (Some(compiled), Some(module)) => {
                super::snapshots::pins(&self.paths.out_dir, compiled, module)
            }
            _ => Vec::new(),
        }
    }

    /// The spec file that declares `module`, as the project read it.
    pub fn spec_file(&self, module: &str) -> Option<PathBuf> {
        self.project.module(module).map(|m| m.file.clone())
    }

    /// The module whose folder holds `file` (a path in the crate, `src/a/b/imp.rs`): the
    /// innermost one (`text.case`'s, in `text`'s folder).
    pub fn module_of_file(&self, file: &str) -> Option<&CompiledModule> {
        self.compiled
            .modules
            .iter()
            .filter(|m| {
                m.imp_path
                    .parent()
                    .is_some_and(|dir| Path::new(file).starts_with(dir))
            })
            .max_by_key(|m| m.imp_path.components().count())
    }

    /// Cargo on the generated crate itself.
    pub fn cargo(&self) -> Cargo {
        self.cargo_in(&self.paths.out_dir)
    }

    /// Cargo on a copy of the crate (a scratch workspace), sharing the target folder so
    /// that dependencies compile once.
    pub fn cargo_in(&self, crate_dir: &Path) -> Cargo {
        Cargo {
            crate_dir: crate_dir.to_path_buf(),
            target_dir: self.paths.target_dir(),
            timeout: self.test_timeout,
            memory_mb: self.test_memory_mb,
            hidden_env: self.api_key_env.iter().cloned().collect(),
        }
    }

    pub fn imp_bytes(&self, m: &CompiledModule) -> Option<Vec<u8>> {
        std::fs::read(self.paths.out_dir.join(&m.imp_path)).ok()
    }

    /// The module's state as `ghost status` shows it: [`Self::status`], and stale when a
    /// module it uses has new code an earlier build did not test it with (a build tests
    /// those as fresh modules to test again, which marks them failing in the lock when
    /// they fail).
    pub fn status_shown(&self, lock: &Lock, m: &CompiledModule) -> ModuleStatus {
        let untested = uses_any(&self.project, &m.name, &self.pending_retest);
        self.status(lock, m).with_untested_dependency(untested)
    }

    /// Whether [`Context::status`] could call the module stale: what it decides staleness
    /// on (its fingerprints against its lock entry, its generated files), without reading
    /// and hashing its code.
    pub fn may_be_stale(&self, lock: &Lock, m: &CompiledModule) -> bool {
        let fp = &m.fingerprints;
        lock.get(&m.name).is_some_and(|e| {
            e.spec != fp.spec || e.deps != fp.deps || self.regenerated.contains(&m.name)
        })
    }

    /// The module's state now.
    pub fn status(&self, lock: &Lock, m: &CompiledModule) -> ModuleStatus {
        let bytes = self.imp_bytes(m);
        let fp = &m.fingerprints;
        let current = Current {
            spec: &fp.spec,
            prose: &fp.prose,
            deps: &fp.deps,
            implementation: bytes.as_deref(),
            stub: &m.stub,
            generated_changed: self.regenerated.contains(&m.name),
        };
        let entry = lock.get(&m.name);
        let mut status = decide(entry, &current);
        // Declarations moved around the spec change its fingerprints, but nothing the
        // code was written from: the code is tested again, not revised by the agent.
        if status.prose_changed {
            let reordered = entry
                .zip(self.project.module(&m.name))
                .is_some_and(|(e, module)| {
                    super::revision::only_reordered(
                        &self.paths,
                        &self.project,
                        module,
                        &e.implementation,
                    )
                });
            status.prose_changed &= !reordered;
        }
        status
    }
}

/// How a module's run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing to do: the lock matches.
    Fresh,
    /// Stale, but the code on disk passes the new tests: locked again at no token cost.
    Relocked,
    /// Fresh, and tested again because code it uses changed in this build: it passes, and
    /// its lock entry stays as it was.
    Retested,
    /// Code written by hand (or by an editor's agent) passed and was locked.
    Adopted,
    /// The prompt is written; the module waits for someone to write its `imp.rs`.
    Waiting {
        prompt: PathBuf,
        /// The file to write (`generated/src/a/b/imp.rs`), as the user's shell reaches it.
        imp: PathBuf,
    },
    /// The code on disk fails; with the manual provider a repair prompt is written.
    Failing {
        prompt: Option<PathBuf>,
        why: String,
    },
    /// `imp.rs` was edited by hand and is kept as it is (no `--force`).
    Kept { why: String },
    /// Not built because a module it uses is not green (and not fresh: a failed `--force`
    /// rebuild keeps code the lock accepted, which modules using it are built against).
    Skipped { dependency: String },
    /// The agent could not make it green: attempts or tokens ran out, or the agent failed.
    /// The last good `imp.rs` and its lock entry are untouched.
    Exhausted { why: String },
    /// The attempts stopped because the spec contradicts itself (an example breaking its
    /// own `requires`, twice): the spec must change, not the code.
    SpecContradicts { why: String },
    /// Its `imp.rs` changed during the build, not by ghost: put back, the text kept
    /// (see `outside_writes.rs`).
    ChangedOutside { why: String },
    /// Its spec (or one it uses) was saved during the build: no attempt was made for the
    /// text it had (see `spec_changes.rs`); the next build starts from the new one.
    SpecChanged { why: String },
}

impl Outcome {
    pub fn is_green(&self) -> bool {
        matches!(
            self,
            Outcome::Fresh | Outcome::Relocked | Outcome::Retested | Outcome::Adopted
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Fresh => "fresh",
            Outcome::Relocked => "re-locked",
            Outcome::Retested => "tested again",
            Outcome::Adopted => "accepted",
            Outcome::Waiting { .. } => "waiting",
            Outcome::Failing { .. } => "failing",
            Outcome::Kept { .. } => "kept (edited by hand)",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Exhausted { .. } => "failed",
            Outcome::SpecContradicts { .. } => "spec contradicts itself",
            Outcome::ChangedOutside { .. } => "changed outside ghost",
            Outcome::SpecChanged { .. } => "spec changed during the build",
        }
    }

    /// Why it is not green, in one line.
    pub fn why(&self) -> Option<String> {
        match self {
            // Paths as the user's shell reaches them, as rustc shows them.
            Outcome::Waiting { prompt, imp } => Some(format!(
                "write {} from the prompt in {}",
                imp.display(),
                crate::project::shown_from_cwd(prompt).display()
            )),
            Outcome::Failing {
                prompt: Some(p),
                why,
            } => Some(format!(
                "{why}; the repair prompt is in {}",
                crate::project::shown_from_cwd(p).display()
            )),
            Outcome::Failing { prompt: None, why }
            | Outcome::Kept { why }
            | Outcome::Exhausted { why }
            | Outcome::SpecContradicts { why }
            | Outcome::ChangedOutside { why }
            | Outcome::SpecChanged { why } => Some(why.clone()),
            Outcome::Skipped { dependency } => {
                Some(format!("its dependency `{dependency}` is not green"))
            }
            _ => None,
        }
    }
}

/// One module's line in the closing table.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleReport {
    pub module: String,
    pub state: State,
    pub outcome: Outcome,
    pub attempts: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub millis: u64,
    /// The acceptance tests' summary, when they ran.
    pub tests: Option<String>,
    pub nfr_checked: usize,
    pub nfr_asked: usize,
    /// Every attempt the agent made, in order (empty when no agent was asked).
    pub history: Vec<AttemptRecord>,
    /// What the last test run found wrong, for the closing report of a module that is
    /// not green: its first compiler errors and failing tests, each cut to a few lines.
    /// Empty once a run is green.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl ModuleReport {
    /// A report that says nothing happened yet.
    pub fn new(module: &str, state: State) -> Self {
        ModuleReport {
            module: module.to_string(),
            state,
            outcome: Outcome::Fresh,
            attempts: 0,
            tokens_in: 0,
            tokens_out: 0,
            millis: 0,
            tests: None,
            nfr_checked: 0,
            nfr_asked: 0,
            history: Vec::new(),
            details: Vec::new(),
        }
    }

    /// Takes the tests' summary and the NFR counts of a verdict; `tests_rs`, the module's
    /// generated tests, names the clause of each failing test.
    pub fn record(&mut self, verdict: &Verdict, tests_rs: &str) {
        self.tests = Some(verdict.summary());
        self.nfr_checked = verdict.checked.len();
        self.nfr_asked = verdict.asked.len();
        self.details = if verdict.green() {
            Vec::new()
        } else {
            verdict
                .compiler_errors()
                .into_iter()
                .take(MAX_DETAILS)
                .chain(verdict.failure_texts_in(tests_rs))
                .take(MAX_DETAILS)
                .map(|text| cut_lines(&text, MAX_DETAIL_LINES))
                .collect()
        };
    }
}

/// The failures a closing report shows of a module, and the lines of each: enough to see
/// what went wrong; `ghost prompt MODULE --repair` and `ghost test MODULE` show the rest.
const MAX_DETAILS: usize = 3;
const MAX_DETAIL_LINES: usize = 12;

/// `text`'s first `max` lines, saying how many more there were.
fn cut_lines(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max {
        return text.trim_end().to_string();
    }
    format!(
        "{}\n[... {} more lines]",
        lines[..max].join("\n"),
        lines.len() - max
    )
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot run cargo: {}{}", .0, cargo_hint(.0))]
    Cargo(std::io::Error),
    #[error(
        "cannot write the prompt `{path}`: {source}\n\
         help: ghost keeps prompts under .ghost/prompts/: make it a writable folder"
    )]
    Prompt {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Template(#[from] prompt::PromptError),
    /// cargo cannot resolve the crates the specs' `nfr deps` name: no attempt can compile,
    /// so none is asked for.
    #[error(
        "cargo cannot get the crates the specs' `nfr deps` name; no agent was asked, as no code could compile:\n{cargo}\n\
         help: check the name and version of each crate in {declared}: crates.io must have it (offline, Cargo's cache must), then run `ghost build` again"
    )]
    Dependencies {
        /// cargo's words.
        cargo: String,
        /// Where the crates are declared: `` `nfr deps` of `text.slug` (`regex`, `itoa`) ``.
        declared: String,
    },
}

/// The hint for cargo that cannot be started: only a missing program is the PATH's fault.
fn cargo_hint(e: &std::io::Error) -> &'static str {
    if e.kind() == std::io::ErrorKind::NotFound {
        "\n  hint: ghost needs `cargo` on the PATH to build and test the generated crate"
    } else {
        ""
    }
}

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these modules (and what they use); all when empty.
    pub only: Vec<String>,
    /// Regenerate even fresh or prose-unchanged modules.
    pub force: bool,
    /// Whether a forced module's first attempt samples (a new answer, not the model's
    /// most likely one, which is the code there): `ghost build --force`, not `ghost eval`,
    /// whose first attempts must stay comparable.
    pub sample_forced: bool,
    /// Whether modules earlier builds gave up on with the same spec are tried again
    /// (`ghost build`); `watch --build`, which builds on every save, leaves them until
    /// their spec changes or a build asks.
    pub retry_given_up: bool,
}

/// The modules selected by `only`, with everything they use, in dependency order.
pub fn selection<'a>(ctx: &'a Context, only: &[String]) -> Vec<&'a CompiledModule> {
    if only.is_empty() {
        return ctx.compiled.modules.iter().collect();
    }
    let mut wanted: Vec<String> = only.to_vec();
    let mut i = 0;
    while i < wanted.len() {
        if let Some(m) = ctx.project.module(&wanted[i]) {
            for u in &m.uses {
                if !wanted.contains(u) {
                    wanted.push(u.clone());
                }
            }
        }
        i += 1;
    }
    ctx.compiled
        .modules
        .iter()
        .filter(|m| wanted.contains(&m.name))
        .collect()
}

/// The modules beside a selection that a build tests again: those that use a selected
/// module (directly or not) without being selected themselves. New code for a selected
/// module may break them, which no fingerprint of theirs shows; they are re-tested when it
/// changed, found failing if it broke them, and never regenerated by that build.
fn dependants(ctx: &Context, only: &[String]) -> BTreeSet<String> {
    if only.is_empty() {
        return BTreeSet::new();
    }
    let selected: BTreeSet<String> = selection(ctx, only)
        .iter()
        .map(|m| m.name.clone())
        .collect();
    // So are the users of code an earlier build did not test them against.
    let new_code: BTreeSet<String> = selected.union(&ctx.pending_retest).cloned().collect();
    ctx.compiled
        .modules
        .iter()
        .filter(|m| !selected.contains(&m.name))
        .filter(|m| uses_any(&ctx.project, &m.name, &new_code))
        .map(|m| m.name.clone())
        .collect()
}

/// What a build goes through, in dependency order: the selection with what it uses, and
/// the modules beside it ([`dependants`]), which are named apart.
pub fn build_order<'a>(
    ctx: &'a Context,
    only: &[String],
) -> (Vec<&'a CompiledModule>, BTreeSet<String>) {
    let beside = dependants(ctx, only);
    let selected: BTreeSet<&str> = selection(ctx, only)
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    let order = ctx
        .compiled
        .modules
        .iter()
        .filter(|m| beside.contains(&m.name) || selected.contains(m.name.as_str()))
        .collect();
    (order, beside)
}

/// Whether `--force` applies to `name`: the modules named on the command line (every
/// module when none is), not the ones they use, which are built only as far as needed.
pub fn forced(opts: &Options, name: &str) -> bool {
    opts.force && (opts.only.is_empty() || opts.only.iter().any(|o| o == name))
}

/// `name` and every module it uses, directly or through others.
pub fn used_closure(project: &Project, name: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([name.to_string()]);
    let mut todo = vec![name.to_string()];
    while let Some(next) = todo.pop() {
        for used in project
            .module(&next)
            .map(|m| m.uses.as_slice())
            .unwrap_or(&[])
        {
            if seen.insert(used.clone()) {
                todo.push(used.clone());
            }
        }
    }
    seen
}

/// Whether a module is tested again because code it uses changed in this build (given
/// that it did): a fresh one (new code may break it, which no fingerprint shows), a
/// failing one (it may mend it), and one beside the selection left stale by the change
/// (a dependency's new interface), which the build never regenerates but tests, to
/// re-lock it or report it failing. A module stale for its own sake (its spec, its
/// generated files) is left for a build that selects it.
pub fn retested(status: &ModuleStatus, beside: bool) -> bool {
    use crate::plan::state::StaleReason;
    let for_its_dependencies = status
        .reasons
        .iter()
        .all(|r| matches!(r, StaleReason::Dependency | StaleReason::Untested));
    match status.state {
        State::Fresh | State::Failing => true,
        State::Stale => beside && status.has_code && !status.prose_changed && for_its_dependencies,
        _ => false,
    }
}

/// Whether code on disk found green is locked again (same code, new fingerprints: the
/// module was stale, failing, or re-tested because code it uses changed) rather than
/// adopted as code the lock did not know.
pub(super) fn relocks(state: State, retest: bool) -> bool {
    matches!(state, State::Stale | State::Failing) || retest
}

/// How a module whose code on disk was found green ends: tested again (fresh, re-tested
/// for code it uses; its entry stays), re-locked (same code, new fingerprints) or adopted
/// (code the lock did not know).
pub(super) fn green_on_disk(state: State, retest: bool) -> Outcome {
    if state == State::Fresh && retest {
        Outcome::Retested
    } else if relocks(state, retest) {
        Outcome::Relocked
    } else {
        Outcome::Adopted
    }
}

/// Whether `name` uses one of `changed`, directly or through other modules.
pub fn uses_any(project: &Project, name: &str, changed: &BTreeSet<String>) -> bool {
    !changed.is_empty() && !used_among(project, name, changed).is_empty()
}

/// The modules of `among` that `name` uses, directly or through other modules.
pub fn used_among(project: &Project, name: &str, among: &BTreeSet<String>) -> Vec<String> {
    used_closure(project, name)
        .into_iter()
        .filter(|u| u != name && among.contains(u))
        .collect()
}

/// Whether the manual build asks for new code for `m` in place of testing what is on disk:
/// `--force`, or a prose change. Once a prose change's prompt has been handed out (a run
/// that found the very same prompt already written), the code on disk is the answer:
/// tested, and locked if green, even if it did not need to change.
fn regenerates(ctx: &Context, m: &CompiledModule, status: &ModuleStatus, force: bool) -> bool {
    // The prompt is rendered (to compare with the one written) only for a prose change:
    // for every fresh module of a no-op build it was a sixth of the run.
    force
        || (status.state == State::Stale
            && status.prose_changed
            && !revision_handed_out(ctx, m)
            && !first_prompt_written(ctx, m))
}

/// The modules of a build that only an agent can answer (no code to test, or a prose
/// change or `--force` asking for new code), with why; the build of a project with no
/// agent configured runs when there are none (every module fresh, or code on disk to
/// test and lock).
pub fn needing_agent(ctx: &Context, lock: &Lock, opts: &Options) -> Vec<(String, &'static str)> {
    let (order, beside) = build_order(ctx, &opts.only);
    order
        .into_iter()
        .filter(|m| !beside.contains(&m.name))
        .filter_map(|m| {
            let status = ctx.status(lock, m);
            let force = forced(opts, &m.name);
            let why = if force {
                "--force asks for new code"
            } else if status.state == State::Fresh {
                return None;
            } else if !status.has_code {
                "it has no code yet"
            } else if regenerates(ctx, m, &status, false) {
                "its prose changed"
            } else {
                return None;
            };
            Some((m.name.clone(), why))
        })
        .collect()
}

/// Whether a build with `opts` has nothing to do: every module it builds is fresh, none
/// is forced, and no module waits to be tested against a dependency's new code. Such a
/// build asks no agent whatever happens.
pub fn nothing_to_build(ctx: &Context, lock: &Lock, opts: &Options) -> bool {
    let (order, beside) = build_order(ctx, &opts.only);
    ctx.pending_retest.is_empty()
        && order
            .into_iter()
            .filter(|m| !beside.contains(&m.name))
            .all(|m| !forced(opts, &m.name) && ctx.status(lock, m).state == State::Fresh)
}

/// Writes the generated crate as a build with `only` selected starts (with an agent or
/// the manual provider): the pins edited by hand of the modules it tests kept and taken
/// out (their tests pin them again), then the compiler-owned files written, each one
/// edited by hand kept first. What was kept, and the modules whose `mod.rs` holds a
/// stand-in for an item their code lacks (`standing_in.rs`), for the caller to tell the
/// user.
pub fn write_crate_for_build(
    ctx: &Context,
    only: &[String],
) -> Result<
    (
        Vec<super::written::KeptEdit>,
        Vec<super::standing_in::StandingIn>,
    ),
    workspace::WriteError,
> {
    let built = pins_built(ctx, only);
    let paths = &ctx.paths;
    let mut kept = super::written::keep_edited_snapshots(
        &paths.state_dir,
        &paths.out_dir,
        &paths.lock,
        &|pin| built.contains(pin),
    );
    let (report, edits) = workspace::write_crate_keeping(paths, &ctx.compiled.all_files())?;
    kept.extend(edits);
    Ok((kept, report.standing_in))
}

/// The pinned snapshots of the modules a build with `only` selected tests (not those
/// beside the selection, which it may not test): those it pins again if taken out.
fn pins_built(ctx: &Context, only: &[String]) -> BTreeSet<PathBuf> {
    let (order, beside) = build_order(ctx, only);
    order
        .into_iter()
        .filter(|m| !beside.contains(&m.name))
        .flat_map(|m| m.snapshot_files())
        .collect()
}

/// `ghost build --provider manual`: tests whatever `imp.rs` is on disk, locks the green
/// ones, writes a prompt for every other module and reports it waiting. The crate is
/// written by the caller first ([`write_crate_for_build`], whose kept edits it tells the
/// user of).
pub async fn build_manual(
    ctx: &Context,
    lock: &mut Lock,
    opts: &Options,
) -> Result<Vec<ModuleReport>, BuildError> {
    let log = RunLog::new(&ctx.paths.runs_dir());
    let mut reports = Vec::new();
    // Modules whose code this run adopted (or an earlier one, whose users it did not all
    // test): what uses them is tested again.
    let mut changed: BTreeSet<String> = ctx.pending_retest.clone();
    let mut tested: BTreeSet<String> = BTreeSet::new();
    // Modules this run left waiting or failing: what uses them is not tested against
    // their old code (which may not even have their new interface), as the agent's
    // build skips them.
    let mut not_green: BTreeSet<String> = BTreeSet::new();
    let (order, beside) = build_order(ctx, &opts.only);
    // Many stale modules' code on disk, tested in one cargo run rather than one each.
    let mut pretested =
        super::stale_together::pretest_stale(ctx, lock, &order, &beside, opts, |_| {})
            .await
            .map_err(BuildError::Cargo)?;
    for m in order {
        let started = Instant::now();
        let status = ctx.status(lock, m);
        let retest = retested(&status, beside.contains(&m.name))
            && uses_any(&ctx.project, &m.name, &changed);
        if beside.contains(&m.name) && !retest {
            continue;
        }
        let force = forced(opts, &m.name);
        let mut report = ModuleReport::new(&m.name, status.state);
        let module = ctx
            .project
            .module(&m.name)
            .expect("compiled modules come from the project");
        let regenerate = regenerates(ctx, m, &status, force);
        let mut failure = None;
        let blocked = used_among(&ctx.project, &m.name, &not_green);
        report.outcome = match status.state {
            State::Fresh if !force && !retest => Outcome::Fresh,
            // Named by the module it uses that leads to them: `c` uses `b`, which uses a
            // waiting `a`; "its dependency `a`" sent the user looking for a `use a` in
            // `c`'s spec.
            _ if !blocked.is_empty() => Outcome::Skipped {
                dependency: blocked
                    .iter()
                    .find(|b| module.uses.contains(b))
                    .unwrap_or(&blocked[0])
                    .clone(),
            },
            _ if !status.has_code || regenerate => {
                let revision = (regenerate && !force && status.has_code)
                    .then(|| manual_revision(ctx, lock, m, module))
                    .flatten();
                let prompt = match revision {
                    Some(revision) => {
                        let prompt = write_prompt(ctx, m, Some(&revision))?;
                        remember_revision_handed_out(ctx, m);
                        prompt
                    }
                    None => write_prompt(ctx, m, None)?,
                };
                let imp = crate::project::shown_from_cwd(&ctx.paths.out_dir.join(&m.imp_path));
                Outcome::Waiting { prompt, imp }
            }
            _ => {
                let code =
                    String::from_utf8_lossy(&ctx.imp_bytes(m).unwrap_or_default()).into_owned();
                // Found green in the shared run, with no code it uses changed since.
                let together = Some(&code)
                    .filter(|_| !force && !retest && !uses_any(&ctx.project, &m.name, &changed))
                    .and_then(|code| pretested.take(&m.name, code));
                let (verdict, scratch) = match together {
                    Some(verdict) => (verdict, None),
                    None => verify_on_disk(ctx, m, module, &code, Snapshots::RecordNew).await?,
                };
                report.record(&verdict, m.tests_rs());
                // Green against ghost's stand-in for an item the code lacks (no test
                // calls it): the code is not done, and no lock records it.
                let lacking = super::standing_in::lacking(m, &code);
                if verdict.green() && !lacking.is_empty() {
                    Outcome::Failing {
                        prompt: Some(write_prompt(ctx, m, None)?),
                        why: super::standing_in::lacking_why(&ctx.paths.out_dir, m, &lacking),
                    }
                } else if verdict.green() {
                    if let Some(scratch) = &scratch {
                        // Tested apart from a crate another module breaks: the snapshots
                        // it recorded are in the copy.
                        super::snapshots::Pinned::read(scratch, &m.test_target)
                            .copy_to(&ctx.paths.out_dir)
                            .map_err(|e| {
                                BuildError::Write(workspace::WriteError::Io {
                                    path: ctx.paths.out_dir.join("tests").join("snapshots"),
                                    source: e,
                                })
                            })?;
                    }
                    let previous = lock.get(&m.name).cloned();
                    let relock = relocks(status.state, retest);
                    if !relock {
                        changed.insert(m.name.clone());
                        super::retest::write(&ctx.paths, &changed);
                    }
                    let entry = entry_for(m, code.as_bytes(), previous.filter(|_| relock));
                    let implementation = entry.implementation.clone();
                    lock.upsert(entry);
                    lock.write(&ctx.paths.lock)?;
                    super::accepted::keep(&ctx.paths.state_dir, &m.name, code.as_bytes());
                    let (state_dir, out_dir) = (&ctx.paths.state_dir, &ctx.paths.out_dir);
                    let pins = m.snapshot_files();
                    super::written::record_pins(state_dir, out_dir, &ctx.paths.lock, &pins);
                    super::revision::remember(&ctx.paths, &ctx.project, module, &implementation);
                    forget_attempts(&ctx.paths, &m.name);
                    green_on_disk(status.state, retest)
                } else {
                    if status.locked_code_current() && lock.set_failing(&m.name, true) {
                        super::written::write_lock(&ctx.paths.state_dir, lock, &ctx.paths.lock)?;
                    }
                    failure = FailureClass::of(&verdict);
                    let tests_rs = m.tests_rs();
                    // A failure no code can mend (the spec's constants break a
                    // `requires`, a `where` with no call discards nearly every case) is
                    // the user's to fix in the spec, as the agents' builds say: a repair
                    // prompt would ask for code that cannot exist.
                    let spec_wrong = verdict
                        .spec_fault(tests_rs)
                        .filter(|_| verdict.spec_fault_is_certain(tests_rs));
                    if let Some(fault) = spec_wrong {
                        Outcome::SpecContradicts {
                            why: format!("the spec looks wrong, not the code: {fault}"),
                        }
                    } else {
                        let repair = whole_file_repair(m, &code, &verdict);
                        let prompt = write_prompt(ctx, m, Some(&repair))?;
                        Outcome::Failing {
                            prompt: Some(prompt),
                            why: verdict.summary(),
                        }
                    }
                }
            }
        };
        report.millis = started.elapsed().as_millis() as u64;
        // Code written by hand and tested is this build's one attempt, as the run log
        // and the lock entry (`attempts = 1`) count it, and `ghost status` shows it.
        if matches!(
            report.outcome,
            Outcome::Adopted | Outcome::Failing { .. } | Outcome::SpecContradicts { .. }
        ) {
            report.attempts = 1;
        }
        if report.outcome != Outcome::Fresh {
            let attempt = Attempt {
                module: m.name.clone(),
                attempt: 1,
                provider: "manual".into(),
                model: String::new(),
                prompt_chars: 0,
                response_chars: 0,
                tokens_in: 0,
                tokens_out: 0,
                cached_in: 0,
                latency_ms: report.millis,
                tests: report.tests.clone().unwrap_or_default(),
                outcome: report.outcome.label().into(),
                failure,
                compiler_fixes: 0,
                mutant: None,
                crossed: None,
                kind: None,
                spliced: false,
                tidied: Vec::new(),
                code: String::new(),
                at: now_secs(),
            };
            // The run log is a record, not a requirement: a full disk must not fail the build.
            let _ = log.append(&attempt);
        }
        match report.outcome {
            Outcome::Skipped { .. } => {
                not_green.insert(m.name.clone());
            }
            Outcome::Waiting { .. } | Outcome::Failing { .. } | Outcome::SpecContradicts { .. } => {
                not_green.insert(m.name.clone());
                tested.insert(m.name.clone());
            }
            _ => {
                tested.insert(m.name.clone());
            }
        }
        reports.push(report);
    }
    super::retest::write(
        &ctx.paths,
        &super::retest::unreached(&ctx.project, &changed, &tested),
    );
    Ok(reports)
}

/// The lock entry of an accepted implementation. A re-lock keeps what the original
/// acceptance cost (agent, model, attempts, tokens).
pub fn entry_for(m: &CompiledModule, code: &[u8], previous: Option<LockEntry>) -> LockEntry {
    let fp = &m.fingerprints;
    let (agent, model, attempts, tokens_in, tokens_out) = match previous {
        Some(p) => (p.agent, p.model, p.attempts, p.tokens_in, p.tokens_out),
        None => ("manual".into(), String::new(), 1, 0, 0),
    };
    LockEntry {
        name: m.name.clone(),
        spec: fp.spec.clone(),
        prose: fp.prose.clone(),
        interface: fp.interface.clone(),
        deps: fp.deps.clone(),
        implementation: implementation_hash(code),
        agent,
        model,
        attempts,
        tokens_in,
        tokens_out,
        failing: false,
    }
}

/// What a repair prompt needs from a failed verdict.
///
/// The code is shown without the bodies of the functions the failure points at
/// ([`rewrite`](super::rewrite)), which the model is asked to write anew: shown them, a
/// small model hands them back unchanged. Code with a failure that points at no function
/// (an error outside every body, a broken NFR) is shown whole.
pub fn repair_context(m: &CompiledModule, code: &str, verdict: &Verdict) -> RepairContext {
    let suspects = super::rewrite::suspects(code, verdict, m.tests_rs(), &m.imp_path);
    let holed = super::rewrite::hole(code, &suspects);
    RepairContext {
        previous_code: holed.code,
        rewrite: holed.functions,
        whole_file: false,
        ..whole_file_repair(m, code, verdict)
    }
}

/// The repair of `code` that failed as `verdict` says, shown whole and asked for whole
/// (a manual build: a person or an editor's agent writes imp.rs itself, and nothing puts
/// functions back in place).
pub fn whole_file_repair(m: &CompiledModule, code: &str, verdict: &Verdict) -> RepairContext {
    // The first errors are the ones to fix; later ones are often their consequences,
    // and every line costs tokens.
    let mut compiler_errors = prompt::merge_repeated_errors(verdict.compiler_errors());
    if compiler_errors.len() > MAX_COMPILER_ERRORS {
        let more = compiler_errors.len() - MAX_COMPILER_ERRORS;
        compiler_errors.truncate(MAX_COMPILER_ERRORS);
        let errors = if more == 1 { "error" } else { "errors" };
        compiler_errors.push(format!(
            "[... {more} more {errors} left out: fix these first]"
        ));
    }
    RepairContext {
        attempt: 2,
        previous_code: code.to_string(),
        rewrite: Vec::new(),
        failures: verdict.failure_texts_in(m.tests_rs()),
        compiler_errors,
        last_diff: None,
        shrink: 0,
        spec_changes: None,
        whole_file: true,
    }
}

/// How many compiler errors a repair prompt shows.
pub const MAX_COMPILER_ERRORS: usize = 3;

/// A module's last failed attempt as `.ghost/repairs/MODULE.json` records it: its repair
/// prompt's context, and the spec it was made against.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RecordedRepair {
    /// The module's spec and dependency fingerprints when the attempt was made: a repair
    /// of code tested against another spec is no prompt the next build sends. Empty in a
    /// record an older ghost wrote.
    #[serde(default)]
    pub made_for: String,
    #[serde(flatten)]
    pub repair: RepairContext,
}

impl RecordedRepair {
    /// Whether the attempt was made against `m`'s spec as it is now (a record that does
    /// not say is taken to be).
    pub fn is_for(&self, m: &CompiledModule) -> bool {
        self.made_for.is_empty() || self.made_for == made_for(m)
    }
}

/// What a failed attempt at `m` was made against: its spec's and dependencies'
/// fingerprints.
fn made_for(m: &CompiledModule) -> String {
    format!("{} {}", m.fingerprints.spec, m.fingerprints.deps)
}

/// Records a module's last failed attempt, so `ghost prompt --repair` can show the
/// repair prompt. Best effort: a record that cannot be written fails nothing.
pub fn save_repair(paths: &Paths, m: &CompiledModule, repair: &RepairContext) {
    let record = RecordedRepair {
        made_for: made_for(m),
        repair: repair.clone(),
    };
    if let Ok(json) = serde_json::to_vec_pretty(&record) {
        let _ = crate::plan::lock::write_atomic(
            &paths.repairs_dir().join(format!("{}.json", m.name)),
            &json,
        );
    }
}

/// How many attempts earlier builds made at `module` against `key` (its spec and what it
/// uses, see `generate.rs`) and gave up after (`.ghost/tried/MODULE`): a new build goes
/// on from there, asking anew, rather than replaying the same answers from the response
/// cache. 0 when none did, or against another key.
pub fn earlier_attempts(paths: &Paths, module: &str, key: &str) -> u32 {
    std::fs::read_to_string(tried_path(paths, module))
        .ok()
        .and_then(|text| {
            let (recorded, attempts) = text.trim().split_once(' ')?;
            (recorded == key).then(|| attempts.parse().ok())?
        })
        .unwrap_or(0)
}

/// Records that builds gave up on `module` after `attempts` attempts in all, made
/// against `key` (see [`earlier_attempts`]). Best effort.
pub fn record_attempts(paths: &Paths, module: &str, key: &str, attempts: u32) {
    let text = format!("{key} {attempts}\n");
    let _ = crate::plan::lock::write_atomic(&tried_path(paths, module), text.as_bytes());
}

/// Forgets what earlier builds that gave up on `module` left (it is green now): the
/// attempts to go on from, the last repair prompt (which would mislead
/// `prompt --repair`) and the closest attempt. Best effort.
pub fn forget_attempts(paths: &Paths, module: &str) {
    let _ = std::fs::remove_file(tried_path(paths, module));
    let _ = std::fs::remove_file(paths.repairs_dir().join(format!("{module}.json")));
    let _ = std::fs::remove_file(closest_path(paths, module));
}

/// `.ghost/tried/MODULE`.
fn tried_path(paths: &Paths, module: &str) -> PathBuf {
    paths.state_dir.join("tried").join(module)
}

/// Where a build that gave up on `module` leaves the code of its closest attempt
/// (`.ghost/closest/MODULE.rs`), for a person to finish.
pub fn closest_path(paths: &Paths, module: &str) -> PathBuf {
    paths.state_dir.join("closest").join(format!("{module}.rs"))
}

/// The last failed attempt recorded for `module`, if any.
pub fn load_repair(paths: &Paths, module: &str) -> Option<RecordedRepair> {
    let bytes = std::fs::read(paths.repairs_dir().join(format!("{module}.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The prompt a manual build hands out for a prose change to code on disk it accepted:
/// that code whole with what changed since (`revision.rs`), as the agent's build asks
/// for a revision, so that whoever answers changes what the change touches instead of
/// writing it all again. `None` without a record of what the code was accepted against
/// (a first prompt then).
fn manual_revision(
    ctx: &Context,
    lock: &Lock,
    m: &CompiledModule,
    module: &crate::check::ModuleModel,
) -> Option<RepairContext> {
    let implementation = &lock.get(&m.name)?.implementation;
    let changes = super::revision::changes(&ctx.paths, &ctx.project, module, implementation)?;
    let code = String::from_utf8_lossy(&ctx.imp_bytes(m)?).into_owned();
    // Nothing failed: the code whole, what changed, and the file asked back.
    Some(RepairContext {
        attempt: 2,
        previous_code: code,
        spec_changes: Some(changes),
        whole_file: true,
        ..RepairContext::default()
    })
}

/// The revision a build sends for `m` rather than its first prompt when it asks for new
/// code: its prose changed since the code on disk was accepted (`None`: the first
/// prompt, as without a record of what that code was accepted against). Its tests are
/// not run: an agent's build adds their failures, if any. `whole_file` asks for the
/// whole file back (a manual build) rather than the items the change touches.
pub fn revision_for(
    ctx: &Context,
    lock: &Lock,
    m: &CompiledModule,
    whole_file: bool,
) -> Option<RepairContext> {
    let status = ctx.status(lock, m);
    if !(status.has_code && status.state == State::Stale && status.prose_changed) {
        return None;
    }
    let module = ctx.project.module(&m.name)?;
    let revision = manual_revision(ctx, lock, m, module)?;
    Some(RepairContext {
        whole_file,
        ..revision
    })
}

/// Where a manual build notes the spec a revision prompt was handed out for: the prompt
/// holds the code, which the answer changes, so it cannot be rendered again to find out.
fn revision_mark_path(paths: &Paths, module: &str) -> PathBuf {
    paths.prompts_dir().join(format!("{module}.revision"))
}

/// Notes that `m`'s revision prompt was handed out for its spec as it is now. Best
/// effort: without the note the next run hands the prompt out again.
fn remember_revision_handed_out(ctx: &Context, m: &CompiledModule) {
    let path = revision_mark_path(&ctx.paths, &m.name);
    let _ = crate::plan::lock::write_atomic(&path, m.fingerprints.spec.as_bytes());
}

/// Whether `m`'s revision prompt was handed out for its spec as it is now: the code on
/// disk is then the answer, to be tested and locked.
fn revision_handed_out(ctx: &Context, m: &CompiledModule) -> bool {
    std::fs::read_to_string(revision_mark_path(&ctx.paths, &m.name))
        .is_ok_and(|spec| spec == m.fingerprints.spec)
}

/// Whether `.ghost/prompts/MODULE.md` already holds the module's first prompt as it
/// renders now.
fn first_prompt_written(ctx: &Context, m: &CompiledModule) -> bool {
    let Some(module) = ctx.project.module(&m.name) else {
        return false;
    };
    let path = ctx.paths.prompts_dir().join(format!("{}.md", m.name));
    match (
        std::fs::read_to_string(path),
        prompt::render_first(&ctx.templates, &ctx.project, module, &ctx.pins(&m.name)),
    ) {
        (Ok(on_disk), Ok(now)) => on_disk == now,
        _ => false,
    }
}

/// Writes `.ghost/prompts/MODULE.md` (a first prompt, or a repair prompt).
pub fn write_prompt(
    ctx: &Context,
    m: &CompiledModule,
    repair: Option<&RepairContext>,
) -> Result<PathBuf, BuildError> {
    let module = ctx
        .project
        .module(&m.name)
        .expect("compiled modules come from the project");
    let pins = ctx.pins(&m.name);
    let text = match repair {
        None => prompt::render_first(&ctx.templates, &ctx.project, module, &pins)?,
        Some(r) => prompt::render_repair(&ctx.templates, &ctx.project, module, r, &pins)?,
    };
    if let Some(r) = repair {
        save_repair(&ctx.paths, m, r);
    }
    let path = ctx.paths.prompts_dir().join(format!("{}.md", m.name));
    crate::plan::lock::write_atomic(&path, text.as_bytes()).map_err(|source| {
        BuildError::Prompt {
            path: path.clone(),
            source,
        }
    })?;
    Ok(path)
}

/// `ghost test`: the acceptance tests of the code on disk, whatever the lock says.
pub async fn test(ctx: &Context, only: &[String]) -> Result<Vec<Tested>, BuildError> {
    let chosen: Vec<(&CompiledModule, &ModuleModel, String)> = ctx
        .compiled
        .modules
        .iter()
        .filter(|m| only.is_empty() || only.contains(&m.name))
        .map(|m| {
            let module = ctx
                .project
                .module(&m.name)
                .expect("compiled modules come from the project");
            let code = String::from_utf8_lossy(&ctx.imp_bytes(m).unwrap_or_default()).into_owned();
            (m, module, code)
        })
        .collect();
    // Code the in-memory rule refuses is never run: it is refused on its own below.
    let runnable: Vec<&ModuleModel> = chosen
        .iter()
        .filter(|(_, module, code)| refused(&ctx.project, &ctx.module_tree, module, code).is_none())
        .map(|(_, module, _)| *module)
        .collect();
    let mut shared = if runnable.len() < 2 {
        SharedRuns::default()
    } else {
        super::together::run_together(&ctx.cargo(), &runnable)
            .await
            .map_err(BuildError::Cargo)?
    };
    let mut out = Vec::new();
    for (m, module, code) in &chosen {
        let together = shared.tests.remove(&test_target(module));
        let from_shared = together.is_some();
        let verdict = match together {
            Some(tests) => judge(
                &ctx.cargo(),
                module,
                code,
                tests,
                Snapshots::Compare,
                &mut shared,
            )
            .await
            .map_err(BuildError::Cargo)?,
            None => {
                verify_on_disk(ctx, m, module, code, Snapshots::Compare)
                    .await?
                    .0
            }
        };
        let lacking = super::standing_in::lacking(m, code);
        let mut failures = verdict.failure_texts_in(m.tests_rs());
        if !lacking.is_empty() {
            failures.push(super::standing_in::lacking_in_test(
                &ctx.paths.out_dir,
                m,
                &lacking,
            ));
        }
        out.push(Tested {
            module: m.name.clone(),
            failures,
            verdict,
            together: from_shared,
            lacking,
        });
    }
    Ok(out)
}

/// Verifies a module's code as it is in the generated crate. When another module's code
/// does not compile, and with it the whole crate, the module is tested again in a scratch
/// copy where only it and what it uses have code (cli.md: a module's tests do not depend
/// on other modules being green), whose folder comes back with the verdict: the snapshots
/// an accepting run recorded are there.
async fn verify_on_disk(
    ctx: &Context,
    m: &CompiledModule,
    module: &crate::check::ModuleModel,
    code: &str,
    snapshots: Snapshots,
) -> Result<(Verdict, Option<PathBuf>), BuildError> {
    let verdict = verify(
        &ctx.cargo(),
        &ctx.project,
        &ctx.module_tree,
        module,
        code,
        snapshots,
    )
    .await
    .map_err(BuildError::Cargo)?;
    if !broken_elsewhere(ctx, m, &verdict) {
        return Ok((verdict, None));
    }
    let scratch = super::generate::prepare_scratch(ctx, m)?;
    let verdict = verify(
        &ctx.cargo_in(&scratch),
        &ctx.project,
        &ctx.module_tree,
        module,
        code,
        snapshots,
    )
    .await
    .map_err(BuildError::Cargo)?;
    Ok((verdict, Some(scratch)))
}

/// One module's acceptance tests run by `ghost test` or `ghost build --locked`.
#[derive(Debug, Clone)]
pub struct Tested {
    pub module: String,
    pub verdict: Verdict,
    /// What failed, each failing test named with its spec clause (empty when green).
    pub failures: Vec<String>,
    /// Its tests were built with other modules' in one cargo run (see `together.rs`).
    pub together: bool,
    /// The interface items its `imp.rs` lacks (`Type::method` for a method), which its
    /// tests met as ghost's stand-ins (`standing_in.rs`): not green, whatever they say.
    pub lacking: Vec<String>,
}

impl Tested {
    /// Whether the module's code passes its tests and has every item its spec declares.
    pub fn green(&self) -> bool {
        self.verdict.green() && self.lacking.is_empty()
    }
}

/// Whether a compiler error of `verdict` is in a module that `m` does not use: the
/// innermost module whose folder holds the file (an error in `src/text/case/` is
/// `text.case`'s, not `text`'s), or a file in `src/` of no module's: tried apart too, which
/// costs one more test run and may tell a green module from a broken crate.
fn broken_elsewhere(ctx: &Context, m: &CompiledModule, verdict: &Verdict) -> bool {
    let needed = used_closure(&ctx.project, &m.name);
    verdict.tests.errors.iter().any(|e| {
        e.file.as_deref().is_some_and(|f| {
            f.starts_with("src/")
                && ctx
                    .module_of_file(f)
                    .is_none_or(|owner| !needed.contains(&owner.name))
        })
    })
}

/// The generated crate's library does not compile after a build: a module that failed
/// keeps its last accepted code (cli.md), which may have been written against an older
/// interface of a module it uses that the build changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenCrate {
    /// The modules whose files the errors are in, in the order of the errors.
    pub modules: Vec<String>,
    /// The first compiler errors as rustc renders them, but for those the build's report
    /// shows already.
    pub errors: Vec<String>,
    /// Whether every error is in code the lock accepted, kept by a module that failed
    /// (not code written or edited by hand since, nor a module the build did not reach).
    pub left_behind: bool,
}

/// After a build some of whose modules are not green: whether the generated crate still
/// compiles, and if not where. Every module green means every module was tested with the
/// code it uses, so the crate compiles and is not checked again.
pub async fn broken_crate(
    ctx: &Context,
    reports: &[ModuleReport],
) -> Result<Option<BrokenCrate>, BuildError> {
    if reports.iter().all(|r| r.outcome.is_green()) {
        return Ok(None);
    }
    let outcome = ctx.cargo().check_lib().await.map_err(BuildError::Cargo)?;
    let errors: Vec<_> = outcome
        .errors
        .iter()
        .filter(|e| !e.is_closing_count())
        .collect();
    if errors.is_empty() {
        return Ok(None);
    }
    let mut broken = BrokenCrate {
        modules: Vec::new(),
        errors: Vec::new(),
        left_behind: true,
    };
    for error in errors {
        let owner = error.file.as_deref().and_then(|f| ctx.module_of_file(f));
        if let Some(m) = owner {
            if !broken.modules.contains(&m.name) {
                broken.modules.push(m.name.clone());
            }
        }
        let report = owner.and_then(|m| reports.iter().find(|r| r.module == m.name));
        // Its code is the accepted one when the build found it locked (a missing
        // module's code is no lock's, a tampered one's was edited).
        let accepted =
            report.is_some_and(|r| matches!(r.state, State::Fresh | State::Stale | State::Failing));
        broken.left_behind &= accepted;
        // A module failing its tests on disk (the manual build) showed these already.
        let shown = report.is_some_and(|r| matches!(r.outcome, Outcome::Failing { .. }));
        if !shown && broken.errors.len() < 3 {
            broken.errors.push(error.rendered.trim_end().to_string());
        }
    }
    Ok(Some(broken))
}

/// What `ghost build --locked` found.
#[derive(Debug, Clone, Default)]
pub struct LockedReport {
    /// Modules that are not fresh, with their state.
    pub not_fresh: Vec<(String, State)>,
    /// Compiler-owned files on disk that do not match the specs.
    pub outdated_files: Vec<PathBuf>,
    /// The acceptance tests of every module (run only when everything is fresh).
    pub tests: Vec<Tested>,
}

impl LockedReport {
    pub fn ok(&self) -> bool {
        self.not_fresh.is_empty()
            && self.outdated_files.is_empty()
            && self.tests.iter().all(Tested::green)
    }
}

/// `ghost build --locked`: never calls an agent and never writes generated code; fails
/// naming what is not fresh, otherwise runs every module's acceptance tests (unless
/// `lock_refused`: the lock itself fails the check, so the tests would decide nothing).
/// `only` selects modules (all when empty) with what they use, as `ghost build` of them
/// builds what they use: their and the crate's own files are compared, their states read,
/// their tests run. A module used by a selected one is its code too: tampered or stale, it
/// is what the selected module's tests would pass with, not what the lock records.
pub async fn locked(
    ctx: &Context,
    lock: &Lock,
    only: &[String],
    lock_refused: bool,
) -> Result<LockedReport, BuildError> {
    workspace::refuse_build_settings(&ctx.paths.out_dir)?;
    let selected: Vec<String> = if only.is_empty() {
        Vec::new()
    } else {
        selection(ctx, only)
            .iter()
            .map(|m| m.name.clone())
            .collect()
    };
    let only = selected.as_slice();
    let chosen = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let files: Vec<_> = ctx
        .compiled
        .crate_files
        .iter()
        .chain(
            ctx.compiled
                .modules
                .iter()
                .filter(|m| chosen(&m.name))
                .flat_map(|m| m.files.iter()),
        )
        .cloned()
        .collect();
    let mut report = LockedReport {
        outdated_files: workspace::outdated(&ctx.paths.out_dir, &files),
        ..LockedReport::default()
    };
    for m in ctx.compiled.modules.iter().filter(|m| chosen(&m.name)) {
        let status = ctx.status(lock, m);
        if status.state != State::Fresh {
            report.not_fresh.push((m.name.clone(), status.state));
        }
    }
    if report.not_fresh.is_empty() && report.outdated_files.is_empty() && !lock_refused {
        report.tests = test(ctx, only).await?;
    }
    Ok(report)
}
