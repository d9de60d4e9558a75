//! The generate/repair loop: every module that needs an implementation is asked of the
//! agent, tested in isolation, and repaired until it is green or its attempts or the
//! build's tokens run out.
//!
//! Modules run dependencies first; modules whose dependencies are done run at once, up to
//! `concurrency`. Each module works in its own scratch copy of the generated crate
//! (`.ghost/scratch/MODULE/`), so a broken attempt never breaks another module; only an
//! accepted `imp.rs` is copied into `generated/`, and the lock is written (atomically)
//! right after. When a module fails, its last good `imp.rs` and lock entry stay as they
//! were.

use super::cargo::CompilerMessage;
use super::crossover;
use super::failure::{AttemptKind, AttemptRecord, FailureClass};
use super::lessons::Lessons;
use super::mutants;
use super::runlog::{now_secs, Attempt, RunLog};
use super::rustc_fixes;
use super::session::{
    entry_for, repair_context, BuildError, Context, ModuleReport, Options, Outcome,
};
use super::tidy;
use super::verify::{verify, Snapshots, Verdict};
use super::workspace;
use crate::agent::command::run_command;
use crate::agent::extract::code_of;
use crate::agent::{AgentError, AgentSettings, Provider, Request};
use crate::compile::prompt::{self, RepairContext};
use crate::compile::CompiledModule;
use crate::plan::state::State;
use crate::plan::Lock;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Who writes the code.
#[derive(Clone)]
pub enum Agent {
    /// An HTTP provider (openai, anthropic), already wrapped in the response cache.
    Http(Arc<dyn Provider>),
    /// A program run in the module's scratch workspace (the `command` provider), with the
    /// response cache its answers are kept in (`None` with `--force`).
    Command(AgentSettings, Option<crate::agent::cache::ResponseCache>),
}

/// The loop's limits and labels.
#[derive(Debug, Clone)]
pub struct LoopSettings {
    pub provider: String,
    pub model: String,
    pub max_attempts: u32,
    pub concurrency: usize,
    pub max_tokens_per_build: u64,
    /// The time limit of one run of the command provider.
    pub command_timeout: Duration,
    /// The model's context window in tokens, when known: prompts are cut to fit it.
    pub context_window: Option<u32>,
    /// The most tokens one reply may have, resolved by [`reply_tokens`] (`None`: the
    /// provider decides).
    pub max_reply_tokens: Option<u32>,
}

/// The most tokens a reply may have: `max_reply_tokens` when it is set; else, with a
/// known context window, the room a prompt leaves for its reply (a quarter of the
/// window, at most 8,192 tokens: a module's code is rarely longer, and a large window
/// is no reason to let a runaway reply fill it). Bounded so that a
/// model that runs away (repeating itself until its window is full, as small models do)
/// costs a bounded number of tokens and seconds; unset only for a model of unknown
/// window, whose provider then decides.
pub fn reply_tokens(context_window: Option<u32>, max_reply_tokens: Option<u32>) -> Option<u32> {
    max_reply_tokens.or(context_window.map(room_for_reply))
}

/// The room a window of `w` tokens leaves a reply by default: a quarter, at most 8,192.
fn room_for_reply(w: u32) -> u32 {
    (w / 4).min(8_192)
}

/// The window `w` a server named, with the room its reply needs ([`reply_tokens`]), and
/// the reply bound `cap` lowered to that room.
fn fit_to(w: u32, cap: Option<u32>) -> (Option<(u32, u32)>, Option<u32>) {
    let reserve = room_for_reply(w);
    (
        Some((w, reserve)),
        Some(cap.map_or(reserve, |c| c.min(reserve))),
    )
}

/// The least room a reply is left when a server finds the first prompt too long: less
/// than any module's code (the setting's own lower bound).
const MIN_REPLY_TOKENS: u32 = 256;

/// The least window a server's refusal is believed to name (the setting's own bound).
const MIN_WINDOW: u32 = 1_024;

/// What the loop reports while it works (the CLI draws progress from these).
#[derive(Debug, Clone)]
pub enum Event {
    Started {
        module: String,
    },
    Attempt {
        module: String,
        attempt: u32,
        max: u32,
        /// This build's first attempt number (above 1 when it goes on from attempts
        /// earlier builds gave up after: new numbers, new seeds).
        first: u32,
    },
    /// The agent answered: the attempt's code is compiled and tested (the longest step of
    /// a first build, which compiles the test dependencies).
    Testing {
        module: String,
        attempt: u32,
    },
    Finished {
        report: ModuleReport,
    },
    /// The code on disk of this many stale modules is tested together, before the
    /// modules are gone through one by one.
    TestingTogether {
        modules: usize,
    },
    /// A module beside the selection that needed no test (no code it uses changed): not
    /// in the build's report, but counted by a progress bar that counts it.
    Untouched {
        module: String,
    },
    /// An attempt's result, as the run log records it (shown with `-v`): its outcome,
    /// the tests' summary, and what ghost did to the reply (tidied, rustc's fixes, its
    /// own edit, a crossing).
    Tried {
        module: String,
        attempt: u32,
        result: String,
    },
    /// Something the user should see now, not only in the build's report.
    Warning {
        module: String,
        message: String,
    },
}

pub type Progress = Arc<dyn Fn(Event) + Send + Sync>;

/// The build's shared state.
struct Shared {
    ctx: Arc<Context>,
    lock: Mutex<Lock>,
    tokens: AtomicU64,
    agent: Agent,
    settings: LoopSettings,
    options: Options,
    log: RunLog,
    progress: Progress,
    /// A fatal agent error (a bad key, no such model, a server that cannot be reached):
    /// no module can succeed after it. With the module that met it first, so that the
    /// others point there rather than repeat it.
    fatal: Mutex<Option<Fatal>>,
    /// How this build's repairs went, over all modules: whether the model repairs.
    repairs: RepairTally,
    /// The modules whose code this build changed (agent's code, or a hand edit adopted).
    changed: Mutex<BTreeSet<String>>,
    /// Modules outside the selection that use it: re-tested, never regenerated
    /// ([`super::session::dependants`]).
    beside: BTreeSet<String>,
    /// What each module's `imp.rs` must hold: what was there at the start, or what ghost
    /// wrote since.
    expected: super::outside_writes::ExpectedCode,
    /// The modules whose code someone else changed during the build (put back).
    outside: Mutex<Vec<super::outside_writes::OutsideWrite>>,
    /// What `ghost.lock` must hold: as the build started, or as ghost last wrote it.
    expected_lock: super::outside_writes::ExpectedLock,
    /// The model's window as a server's context-overflow refusal named it, for every
    /// module after the one that was refused.
    learned_window: Mutex<Option<u32>>,
    /// Stale modules' code on disk found green in one shared run before the modules'
    /// jobs (see `stale_together.rs`).
    pretested: Mutex<super::stale_together::Pretested>,
}

impl Shared {
    /// A module beside the selection that was not re-tested (no code it uses changed):
    /// neither shown nor reported, as the build did nothing with it.
    fn untouched_beside(&self, report: &ModuleReport) -> bool {
        self.beside.contains(&report.module) && report.outcome == Outcome::Fresh
    }
}

/// How many repairs of this build came back as the very code they were to repair, how
/// many changed it, and how many turned their module green. Some models (small ones, most
/// of all) hand shown code back unchanged nearly every time, or change it and never mend
/// it; for them a repair is a wasted attempt, and a new sample is the better use of it.
#[derive(Default)]
struct RepairTally {
    unchanged: AtomicU64,
    changed: AtomicU64,
    mended: AtomicU64,
    /// The modules repaired so far: the verdict needs repairs of two, not one hard one.
    modules: Mutex<BTreeSet<String>>,
}

/// Repairs a build tries before it judges whether they mend anything.
const REPAIRS_TO_JUDGE: u64 = 3;

impl RepairTally {
    fn count_for(&self, module: &str, unchanged: bool) {
        if let Ok(mut m) = self.modules.lock() {
            m.insert(module.to_string());
        }
        self.count(unchanged);
    }

    fn count(&self, unchanged: bool) {
        let counter = if unchanged {
            &self.unchanged
        } else {
            &self.changed
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether the model hands repairs back unchanged: at least twice, and more often than
    /// it changes them.
    fn model_repeats_itself(&self) -> bool {
        let unchanged = self.unchanged.load(Ordering::SeqCst);
        unchanged >= 2 && unchanged > self.changed.load(Ordering::SeqCst)
    }

    /// A repair turned its module green.
    fn mended(&self) {
        self.mended.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether this build's repairs mend nothing: [`REPAIRS_TO_JUDGE`] or more tried, of
    /// two modules or more, none green. Measured with a small local model (docs/evals.md, eleventh round): 0 of 13
    /// repairs green in a suite run, and fresh starts in their place turned two more
    /// modules green (59% to 68% within four attempts, 17% fewer tokens per green module).
    fn repairs_mend_nothing(&self) -> bool {
        let tried = self.unchanged.load(Ordering::SeqCst) + self.changed.load(Ordering::SeqCst);
        let modules = self.modules.lock().map_or(0, |m| m.len());
        tried >= REPAIRS_TO_JUDGE && modules >= 2 && self.mended.load(Ordering::SeqCst) == 0
    }
}

/// Runs the loop over every selected module. Returns one report per module, in
/// dependency order, and the lock as it stands after the run.
pub async fn build_with_agent(
    ctx: Arc<Context>,
    lock: Lock,
    options: Options,
    agent: Agent,
    settings: LoopSettings,
    progress: Progress,
) -> Result<(Vec<ModuleReport>, Lock), BuildError> {
    // A stand-in in a `mod.rs` is told of by `ghost test` and the manual build; here the
    // agent is about to write the code it stands in for.
    let (kept, _) = super::session::write_crate_for_build(&ctx, &options.only)?;
    for edit in kept {
        progress(Event::Warning {
            module: "generated crate".into(),
            message: edit.why(&ctx.paths.out_dir),
        });
    }
    workspace::remember_settings(&ctx.paths.state_dir, &ctx.paths.out_dir);
    unresolved_dependencies(&ctx).await?;
    // Every module's code as the build starts: what changes it without ghost is put back.
    let expected = super::outside_writes::ExpectedCode::read(
        &ctx.paths.out_dir,
        ctx.compiled
            .modules
            .iter()
            .map(|m| (m.name.as_str(), m.imp_path.as_path())),
        &ctx.paths.state_dir.join("kept"),
    );
    let expected_lock = super::outside_writes::ExpectedLock::read(
        &ctx.paths.lock,
        &ctx.paths.state_dir.join("kept"),
    );
    // The selection, and beside it the modules that use it, re-tested if its code changes.
    let (order, beside) = super::session::build_order(&ctx, &options.only);
    // Many stale modules' code on disk, tested in one cargo run rather than one each.
    let announce = |modules| progress(Event::TestingTogether { modules });
    let pretested =
        super::stale_together::pretest_stale(&ctx, &lock, &order, &beside, &options, announce)
            .await
            .map_err(BuildError::Cargo)?;
    let order: Vec<String> = order.iter().map(|m| m.name.clone()).collect();
    let concurrency = settings.concurrency.max(1);
    // New code an earlier build did not test its users against counts as this one's.
    let ctx_pending = ctx.pending_retest.clone();
    let shared = Arc::new(Shared {
        log: RunLog::new(&ctx.paths.runs_dir()),
        ctx,
        lock: Mutex::new(lock),
        tokens: AtomicU64::new(0),
        agent,
        settings,
        options,
        progress,
        fatal: Mutex::new(None),
        repairs: RepairTally::default(),
        changed: Mutex::new(ctx_pending),
        beside,
        learned_window: Mutex::new(None),
        pretested: Mutex::new(pretested),
        expected,
        outside: Mutex::new(Vec::new()),
        expected_lock,
    });
    // However the build ends (an error, Ctrl-C dropping it), code written by others is
    // put back; the normal end does it below, with the report.
    let mut end_check = EndCheck {
        shared: Arc::clone(&shared),
        armed: true,
    };

    let mut done: BTreeMap<String, ModuleReport> = BTreeMap::new();
    let mut running: BTreeSet<String> = BTreeSet::new();
    let mut tasks = tokio::task::JoinSet::new();
    while done.len() < order.len() {
        // Start every module whose dependencies are done, up to the concurrency limit.
        for name in &order {
            if running.len() >= concurrency {
                break;
            }
            if done.contains_key(name) || running.contains(name) {
                continue;
            }
            let uses = shared
                .ctx
                .project
                .module(name)
                .map(|m| m.uses.clone())
                .unwrap_or_default();
            let pending = uses
                .iter()
                .any(|u| order.contains(u) && !done.contains_key(u));
            if pending {
                continue;
            }
            let failed_dep = uses.iter().find(|u| {
                done.get(*u).is_some_and(|r| !r.outcome.is_green()) && !kept_fresh(&shared, u)
            });
            // A module beside the selection is never skipped: its code is the one it had,
            // and testing it with the code it uses now says whether that broke it.
            if let Some(dep) = failed_dep.filter(|_| !shared.beside.contains(name)) {
                let report = skipped(&shared, name, dep);
                (shared.progress)(Event::Finished {
                    report: report.clone(),
                });
                done.insert(name.clone(), report);
                continue;
            }
            running.insert(name.clone());
            let job = Arc::clone(&shared);
            let module = name.clone();
            tasks.spawn(async move {
                let report = run_module(&job, &module).await;
                (module, report)
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (name, report) = match joined {
            Ok((name, Ok(report))) => (name, report),
            Ok((_, Err(e))) => return Err(e),
            Err(e) => {
                return Err(BuildError::Cargo(std::io::Error::other(format!(
                    "a module job failed: {e}"
                ))))
            }
        };
        running.remove(&name);
        (shared.progress)(if shared.untouched_beside(&report) {
            Event::Untouched {
                module: report.module.clone(),
            }
        } else {
            Event::Finished {
                report: report.clone(),
            }
        });
        done.insert(name, report);
    }
    // What this build tested against new code; the rest is left for the next one.
    let tested: BTreeSet<String> = done
        .iter()
        .filter(|(_, r)| !matches!(r.outcome, Outcome::Skipped { .. }))
        .map(|(n, _)| n.clone())
        .collect();
    if let Ok(changed) = shared.changed.lock() {
        let left = super::retest::unreached(&shared.ctx.project, &changed, &tested);
        super::retest::write(&shared.ctx.paths, &left);
    }
    let mut reports: Vec<ModuleReport> = order
        .iter()
        .filter_map(|n| done.remove(n))
        .filter(|r| !shared.untouched_beside(r))
        .collect();
    end_check.armed = false;
    shared.check_outside_writes();
    let outside = shared.outside.lock().map(|o| o.clone()).unwrap_or_default();
    for intrusion in outside {
        let outcome = Outcome::ChangedOutside {
            why: intrusion.why(),
        };
        match reports.iter_mut().find(|r| r.module == intrusion.module) {
            // The agent's failure stays the module's outcome (exit 3); the warning said
            // the rest.
            Some(report) if matches!(report.outcome, Outcome::Exhausted { .. }) => {}
            Some(report) => report.outcome = outcome,
            None => reports.push(report_of(&shared, &intrusion.module, outcome)),
        }
    }
    let lock = shared.lock.lock().map(|l| l.clone()).unwrap_or_default();
    Ok((reports, lock))
}

/// Stops the build before any agent is asked when the generated crate's dependencies
/// (the specs' `nfr deps`) cannot be resolved: every attempt of every module would fail
/// in cargo before compiling a line, and each would be a repair prompt the agent cannot
/// answer. A crate of the standard library only has nothing to resolve, and is not run.
async fn unresolved_dependencies(ctx: &Context) -> Result<(), BuildError> {
    let declared: Vec<String> = ctx
        .project
        .modules
        .iter()
        .filter_map(|m| {
            let crates: Vec<String> = m
                .nfrs
                .iter()
                .filter_map(|n| match &n.kind {
                    crate::check::NfrModel::Deps(list) => Some(list),
                    _ => None,
                })
                .flatten()
                .map(|(name, _)| format!("`{name}`"))
                .collect();
            (!crates.is_empty()).then(|| format!("`{}` ({})", m.name, crates.join(", ")))
        })
        .collect();
    if declared.is_empty() {
        return Ok(());
    }
    let Some(cargo) = ctx
        .cargo()
        .unresolved_dependencies()
        .await
        .map_err(BuildError::Cargo)?
    else {
        return Ok(());
    };
    Err(BuildError::Dependencies {
        cargo,
        declared: format!("the `nfr deps` of {}", declared.join(", ")),
    })
}

/// Whether a diff between the last two attempts says enough beside `code`, the whole code
/// a repair shows: not when it is a third of the code's size or more (a rewrite).
fn diff_worth_showing(diff: &str, code: &str) -> bool {
    diff.len() <= code.len() / 3
}

/// Puts back code written by others when a build ends early (an error, or Ctrl-C
/// dropping the build's future).
struct EndCheck {
    shared: Arc<Shared>,
    armed: bool,
}

impl Drop for EndCheck {
    fn drop(&mut self) {
        if self.armed {
            self.shared.check_outside_writes();
        }
    }
}

impl Shared {
    /// Puts back every module's code that someone else wrote (see `outside_writes.rs`),
    /// warning of each and keeping it for the report.
    fn check_outside_writes(&self) {
        let found = self.expected.check_all();
        self.tell_outside_writes(found);
        self.tell_lock_write(self.expected_lock.check());
        // The compiler's own files (lib.rs, mod.rs, the tests, Cargo.toml), written at
        // the start, are written again where something changed them meanwhile: they hold
        // nothing but what the specs make, and a changed one would leave the crate
        // `--locked` refuses behind a green build.
        let files = self.ctx.compiled.all_files();
        let (state_dir, out_dir) = (&self.ctx.paths.state_dir, &self.ctx.paths.out_dir);
        match workspace::write_crate_keeping(&self.ctx.paths, &files) {
            Ok((report, kept)) => {
                for path in report.written.iter().filter(|p| !report.stubs.contains(p)) {
                    let kept = match kept.iter().find(|k| k.path == *path) {
                        Some(k) => format!("; {}", k.where_kept()),
                        None => String::new(),
                    };
                    (self.progress)(Event::Warning {
                        module: path.display().to_string(),
                        message: format!("changed during the build, not by ghost (an agent program writing outside its scratch copy, or an editor): written again from the specs{kept}"),
                    });
                }
            }
            // Cargo settings put in the crate meanwhile: the next command refuses them.
            Err(e @ workspace::WriteError::Planted(_)) => (self.progress)(Event::Warning {
                module: "generated crate".into(),
                message: e.to_string(),
            }),
            Err(_) => {}
        }
        // Every pin on disk is now the build's, or was there before and not edited.
        super::written::record_snapshots(state_dir, out_dir, &self.ctx.paths.lock);
    }

    /// Warns of a `ghost.lock` someone else wrote during the build (kept, and put back).
    fn tell_lock_write(&self, found: Option<super::outside_writes::OutsideLockWrite>) {
        if let Some(w) = found {
            (self.progress)(Event::Warning {
                module: "ghost.lock".into(),
                message: w.why(),
            });
        }
    }

    fn tell_outside_writes(&self, found: Vec<super::outside_writes::OutsideWrite>) {
        for w in found {
            (self.progress)(Event::Warning {
                module: w.module.clone(),
                message: w.why(),
            });
            if let Ok(mut outside) = self.outside.lock() {
                outside.push(w);
            }
        }
    }
}

/// `1 attempt`, `3 attempts`.
fn attempts_said(n: u32, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// How many attempts of earlier builds a build goes on from, at most (a record larger
/// than this is corrupt, not history).
const MAX_EARLIER: u32 = 1_000;

/// What attempts of earlier builds were made against: the module's spec fingerprint, its
/// dependencies' interfaces, and the code of the modules it uses as the lock holds it.
/// New code there is a new chance for its first prompt.
fn attempts_key(shared: &Shared, m: &CompiledModule) -> String {
    let lock = lock_of(shared);
    let mut key = format!("{}{}", m.fingerprints.spec, m.fingerprints.deps);
    for used in super::session::used_closure(&shared.ctx.project, &m.name) {
        if used != m.name {
            if let Some(e) = lock.get(&used) {
                key.push_str(&e.implementation);
            }
        }
    }
    crate::compile::fingerprint::sha256_hex(key.as_bytes())
}

/// The modules `name` uses (directly or through others) that got new code in this
/// build, as `` `a.b`, `c.d` ``, for the messages of a module they broke.
fn changed_uses(shared: &Shared, name: &str) -> String {
    let changed = shared.changed.lock().map(|c| c.clone()).unwrap_or_default();
    super::session::used_among(&shared.ctx.project, name, &changed)
        .into_iter()
        .map(|u| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a module that `name` uses, directly or through others, got new code in this
/// build.
fn uses_changed(shared: &Shared, name: &str) -> bool {
    shared
        .changed
        .lock()
        .is_ok_and(|changed| super::session::uses_any(&shared.ctx.project, name, &changed))
}

/// The report of a module whose dependency `dep` is not green: skipped, unless it has
/// nothing to do (fresh, not forced, no code it uses changed), which it then is: a
/// tampered or failed dependency does not make a fresh module an error.
fn skipped(shared: &Shared, name: &str, dep: &str) -> ModuleReport {
    let report = report_of(shared, name, Outcome::Fresh);
    let idle = report.state == State::Fresh
        && !super::session::forced(&shared.options, name)
        && !uses_changed(shared, name);
    if idle {
        return report;
    }
    let outcome = Outcome::Skipped {
        dependency: dep.to_string(),
    };
    report_of(shared, name, outcome)
}

/// Whether `name`, not green in this build, still has the code its lock accepted for its
/// spec as it is now (a `--force` rebuild that failed keeps it): what uses it is built
/// against that code, not skipped.
fn kept_fresh(shared: &Shared, name: &str) -> bool {
    shared
        .ctx
        .compiled
        .module(name)
        .is_some_and(|m| shared.ctx.status(&lock_of(shared), m).state == State::Fresh)
}

/// The report of a module whose job did not decide its outcome, with its state as the
/// lock has it now.
fn report_of(shared: &Shared, name: &str, outcome: Outcome) -> ModuleReport {
    let state = shared
        .ctx
        .compiled
        .module(name)
        .map(|m| shared.ctx.status(&lock_of(shared), m).state)
        .unwrap_or(State::Missing);
    let mut r = ModuleReport::new(name, state);
    r.outcome = outcome;
    r
}

/// Code on disk found green, and where its tests ran (a scratch copy, or the generated
/// crate itself for the shared run of stale modules).
struct OnDisk<'a> {
    code: &'a str,
    tested_in: &'a Path,
    how: Accepted,
}

/// Accepts code on disk found green (re-locked or adopted, at no token cost) and ends
/// the module's report with it.
fn green_on_disk(
    shared: &Shared,
    m: &CompiledModule,
    on_disk: OnDisk<'_>,
    status: &crate::plan::state::ModuleStatus,
    retest: bool,
    started: Instant,
    report: &mut ModuleReport,
) -> Result<(), BuildError> {
    accept(shared, m, on_disk.tested_in, on_disk.code, on_disk.how)?;
    report.outcome = super::session::green_on_disk(status.state, retest);
    report.millis = started.elapsed().as_millis() as u64;
    let record = AttemptRecord {
        millis: report.millis,
        ..AttemptRecord::default()
    };
    let tests = report.tests.clone().unwrap_or_default();
    log_attempt(shared, &m.name, &record, &tests, report.outcome.label(), "");
    Ok(())
}

/// The green verdict the build's shared run took of `name`'s `code`, if it took one.
fn pretested_verdict(shared: &Shared, name: &str, code: &str) -> Option<Verdict> {
    shared.pretested.lock().ok()?.take(name, code)
}

fn lock_of(shared: &Shared) -> Lock {
    shared.lock.lock().map(|l| l.clone()).unwrap_or_default()
}

/// One module's whole job: decide, test what is there, ask, repair, accept.
async fn run_module(shared: &Shared, name: &str) -> Result<ModuleReport, BuildError> {
    let ctx = &shared.ctx;
    let m = ctx
        .compiled
        .module(name)
        .expect("selected modules are compiled");
    let started = Instant::now();
    // Its code as ghost left it, before anything reads it: a text someone else wrote
    // there meanwhile is neither tested nor locked as this module's.
    if let Some(w) = shared.expected.check_one(name) {
        shared.tell_outside_writes(vec![w]);
    }
    let status = ctx.status(&lock_of(shared), m);
    let mut report = ModuleReport::new(name, status.state);
    let force = super::session::forced(&shared.options, name);
    let beside = shared.beside.contains(name);

    // Tested again when code it uses (directly or not) changed in this build (see
    // `retested`: a fresh, failing, or beside the selection a stale module).
    let retest = super::session::retested(&status, beside) && uses_changed(shared, name);
    if (status.state == State::Fresh && !force && !retest) || (beside && !retest) {
        return Ok(report);
    }
    (shared.progress)(Event::Started {
        module: name.to_string(),
    });
    if status.state == State::Tampered && !force {
        report.outcome = Outcome::Kept {
            why: "imp.rs was edited by hand: kept as it is (`--force` regenerates it, `--provider manual` adopts it if green)".into(),
        };
        return Ok(report);
    }

    let current = ctx
        .imp_bytes(m)
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    // Its code found green in the build's shared run of stale modules, with no code it
    // uses changed since: locked again as it is, with no scratch copy.
    if let Some(verdict) = current
        .as_ref()
        .filter(|_| !force && !retest && !beside && !uses_changed(shared, name))
        .and_then(|code| pretested_verdict(shared, name, code))
    {
        let code = current.as_deref().unwrap_or_default();
        report.record(&verdict, m.tests_rs());
        let on_disk = OnDisk {
            code,
            tested_in: &ctx.paths.out_dir,
            how: Accepted::Relock,
        };
        green_on_disk(shared, m, on_disk, &status, retest, started, &mut report)?;
        return Ok(report);
    }

    let scratch = prepare_scratch(ctx, m)?;
    let module = ctx
        .project
        .module(name)
        .expect("compiled modules come from the project");

    // A prose change reaches code whose acceptance was recorded as a revision: the code
    // and what changed, not a first prompt (`revision.rs`).
    let locked_code = lock_of(shared).get(name).map(|e| e.implementation.clone());
    let spec_changes = locked_code
        .filter(|_| status.has_code && !force && status.prose_changed)
        .and_then(|hash| super::revision::changes(&ctx.paths, &ctx.project, module, &hash));
    // The code on disk first: a stale module whose code passes its new tests is locked
    // again at no token cost, unless its own prose changed.
    let mut repair: Option<RepairContext> = None;
    let revising = spec_changes.is_some();
    if let Some(code) = current
        .as_ref()
        .filter(|_| status.has_code && !force && (!status.prose_changed || revising))
    {
        let verdict = verify_in(ctx, &scratch, m, module, code).await?;
        report.record(&verdict, m.tests_rs());
        if verdict.green() && !revising {
            let relock = super::session::relocks(status.state, retest);
            let how = if relock {
                Accepted::Relock
            } else {
                Accepted::Adopt
            };
            let on_disk = OnDisk {
                code,
                tested_in: &scratch,
                how,
            };
            green_on_disk(shared, m, on_disk, &status, retest, started, &mut report)?;
            return Ok(report);
        }
        if status.locked_code_current() {
            // Locked, yet failing: recorded in the lock, so that no later run, here or
            // in another checkout, calls it fresh.
            let mut lock = shared.lock.lock().map_err(|_| poisoned())?;
            if lock.set_failing(name, true) {
                let found = shared.expected_lock.write(|| {
                    super::written::write_lock(&ctx.paths.state_dir, &lock, &ctx.paths.lock)
                })?;
                shared.tell_lock_write(found);
            }
        }
        if beside {
            // Broken by new code of a selected module: found, and left for a build that
            // selects it.
            report.outcome = Outcome::Failing {
                prompt: None,
                why: format!(
                    "{}, with the new code of {}{}`ghost build {name}` regenerates it",
                    verdict.summary(),
                    changed_uses(shared, name),
                    // Its pinned value may show the used module's values (its fields in
                    // a `Debug` view): new code of its own cannot bring them back.
                    if FailureClass::of(&verdict) == Some(FailureClass::FailingSnapshot) {
                        ": if its pinned snapshot shows that code's values, delete its `.snap` file (in the generated crate's tests/snapshots/) to record it anew; otherwise "
                    } else {
                        "; "
                    }
                ),
            };
            report.millis = started.elapsed().as_millis() as u64;
            // Logged, so that `ghost status`'s last result is this one, not the last green.
            let record = AttemptRecord {
                millis: report.millis,
                failure: FailureClass::of(&verdict),
                ..AttemptRecord::default()
            };
            let tests = report.tests.clone().unwrap_or_default();
            log_attempt(shared, name, &record, &tests, report.outcome.label(), "");
            return Ok(report);
        }
        // A revision shows the code whole unless tests fail, and what changed.
        repair = Some(RepairContext {
            spec_changes: spec_changes.clone(),
            ..repair_context(m, code, &verdict)
        });
    }

    // Attempts earlier builds made with this spec and gave up after: this one goes on
    // from there (new numbers, so new seeds), starting afresh; the first prompt at
    // temperature 0 would give back (or the cache replay) the answer that failed. So does
    // `--force`, which asks for code other than what is there.
    let key = attempts_key(shared, m);
    let earlier = super::session::earlier_attempts(&ctx.paths, name, &key).min(MAX_EARLIER);
    // The closest attempt of an earlier build is of code that build gave up on.
    let _ = std::fs::remove_file(super::session::closest_path(&ctx.paths, name));
    if earlier > 0 && !shared.options.retry_given_up {
        report.outcome = Outcome::Exhausted {
            why: format!(
                "an earlier build gave up on it as it is now ({}); `ghost build {name}` tries again",
                attempts_said(earlier, "attempt")
            ),
        };
        return Ok(report);
    }
    if earlier > 0 {
        (shared.progress)(Event::Warning {
            module: name.to_string(),
            message: format!(
                "{} with this spec and the code it uses failed: asking anew from attempt {}",
                attempts_said(earlier, "earlier attempt"),
                earlier + 1
            ),
        });
    }
    let max = earlier + shared.settings.max_attempts.max(1);
    // Whether the attempts ran out (not a server's failure, the budget or another
    // module's fatal error, which say nothing about this module's code).
    let mut stopped_early = false;
    // The code on disk when it was tested and failed (the repair shows it with holes).
    let on_disk = current.filter(|_| repair.is_some());
    let mut previous: Option<String> = on_disk.clone();
    // Whether the next attempt starts afresh from the first prompt, not a repair.
    let mut afresh = earlier > 0 || (force && shared.options.sample_forced && status.has_code);
    // Whether the next attempt is a repair of one function that the build's policy alone
    // would have made a fresh start (see `one_function_short`): kept out of the tally that
    // judges repairs, so that its success does not bring every other module's repairs back.
    let mut narrow = false;
    // The attempt that came closest to green, and the repair that starts from it.
    let mut best: Option<(Closeness, RepairContext)> = None;
    let mut last_why = String::from("no attempt was made");
    // This module's replies so far (tidied), to tell a repair that changed nothing.
    let mut replies: BTreeSet<String> = BTreeSet::new();
    if let Some(code) = &on_disk {
        replies.insert(code.trim().to_string());
    }
    // What the attempts so far got wrong, for a fresh start's prompt.
    let mut lessons = Lessons::default();
    // The last attempt's failure that looked like the spec's (see `Verdict::spec_fault`).
    let mut spec_fault: Option<String> = None;
    // What replies from the response cache cost when they were first asked (not spent
    // again now, but part of what the accepted code cost, for its lock entry).
    let mut cached_cost = (0u64, 0u64);
    // Whether the attempts stopped on it: the spec must change, the agent did not fail.
    let mut spec_wrong = false;
    // The attempts tested so far, with how close each came: the functions they got right
    // are put in place of those a later attempt got wrong (`crossover.rs`).
    let mut tried: Vec<(Closeness, crossover::Tried)> = Vec::new();
    let tests_rs = m.tests_rs();
    // Every code tested so far (the attempts', ghost's edits' and crossings'), trimmed:
    // a crossing that gives one of them again is not tested again.
    let mut tested: BTreeSet<String> = BTreeSet::new();
    // The model's window and the room its reply needs (`max_reply_tokens`, resolved).
    let mut window = shared.settings.context_window.map(|w| {
        let reserve = shared.settings.max_reply_tokens;
        (w, reserve.unwrap_or_else(|| room_for_reply(w)))
    });
    // The most tokens a reply may have, halved when a server finds even the first prompt
    // too long for it (it counts the reply's room too, and its count may not be ours).
    let mut reply_cap = shared.settings.max_reply_tokens;
    let learned = shared.learned_window.lock().ok().and_then(|w| *w);
    if let Some(w) = learned.filter(|w| window.is_none_or(|(c, _)| *w < c)) {
        (window, reply_cap) = fit_to(w, reply_cap);
    }
    // Set when its spec, or one it uses, was saved during the build.
    let mut spec_saved = false;
    for attempt in (earlier + 1)..=max {
        if let Some(fatal) = shared.fatal.lock().ok().and_then(|f| f.clone()) {
            last_why = format!("not asked: {}", fatal.pointer());
            stopped_early = true;
            break;
        }
        // An attempt for a spec the user has already changed is paid for nothing.
        let specs = std::iter::once(name).chain(module.uses.iter().map(String::as_str));
        if let Some(file) = ctx.read_specs.changed(specs) {
            last_why = format!(
                "`{}` changed during the build, so no more attempts were made for the text it had; the next `ghost build` starts from the new one",
                file.display()
            );
            spec_saved = true;
            stopped_early = true;
            break;
        }
        if shared.tokens.load(Ordering::SeqCst) >= shared.settings.max_tokens_per_build {
            last_why = format!(
                "the build's token budget ({}) is spent",
                shared.settings.max_tokens_per_build
            );
            stopped_early = true;
            break;
        }
        (shared.progress)(Event::Attempt {
            module: name.to_string(),
            attempt,
            max,
            first: earlier + 1,
        });
        // This build's attempts (the progress line numbers them after earlier builds').
        report.attempts = attempt - earlier;
        if let Some(r) = repair.as_mut() {
            r.attempt = attempt;
            super::session::save_repair(&ctx.paths, m, r);
        }
        // What the attempt asks for: a repair too long for the model's window is sent as
        // the first prompt with the lessons, a fresh start.
        let (prompt_text, temperature, kind) = match (afresh, &repair) {
            (false, None) => (
                fit_prompt(ctx, module, None, lessons.lines(), window)?.0,
                FIRST_TEMPERATURE,
                AttemptKind::First,
            ),
            (false, Some(r)) => {
                let (text, repairs) = fit_prompt(ctx, module, Some(r), lessons.lines(), window)?;
                let kind = if repairs && r.spec_changes.is_some() {
                    AttemptKind::Revise
                } else if repairs {
                    AttemptKind::Repair
                } else {
                    AttemptKind::Fresh
                };
                (text, REPAIR_TEMPERATURE, kind)
            }
            (true, _) => (
                fit_prompt(ctx, module, None, lessons.lines(), window)?.0,
                AFRESH_TEMPERATURE,
                AttemptKind::Fresh,
            ),
        };
        // Whether this attempt is a repair of code, to see afterwards if the reply changed it.
        let repairing =
            kind.shows_code() && repair.as_ref().is_some_and(|r| !r.previous_code.is_empty());
        afresh = false;
        let narrow_repair = std::mem::take(&mut narrow) && repairing;
        if let (true, Agent::Command(..), Some(r)) = (repairing, &shared.agent, &repair) {
            // An agent program reads the file too: the same code as its prompt shows.
            write_imp(&scratch, m, &r.previous_code)?;
        }
        let asked = Instant::now();
        let answer = ask(
            shared,
            m,
            &scratch,
            (&prompt_text, reply_cap),
            temperature,
            (attempt, kind),
        )
        .await;
        let mut record = AttemptRecord {
            attempt,
            kind,
            prompt_chars: prompt_text.len(),
            ..AttemptRecord::default()
        };
        let (code, tokens) = match answer {
            Ok(answer) => {
                record.cached_in = answer.cached_in;
                cached_cost.0 += answer.first_cost.0;
                cached_cost.1 += answer.first_cost.1;
                record.cached = answer.from_cache;
                (answer.code, answer.tokens)
            }
            Err(failed) => {
                // Only what the model did wrong is told to it; a garbled answer from the
                // server is not its doing, so the same prompt is asked again.
                let (class, why, tokens, tell) = match failed {
                    Asked::Feedback {
                        class,
                        why,
                        tell,
                        tokens,
                    } => (class, why, tokens, Some(tell)),
                    Asked::Failed(why, tokens) => (FailureClass::AgentError, why, tokens, None),
                    Asked::Fatal(why, tokens) => {
                        // Said in full once a build: a module that meets the same error
                        // (asking at the same time) points to the first.
                        let shown = Fatal::note(&shared.fatal, name, &why);
                        // The attempt was made: logged and reported, as every other.
                        record.failure = Some(FailureClass::AgentError);
                        record.millis = asked.elapsed().as_millis() as u64;
                        record.tokens_in = tokens.0;
                        record.tokens_out = tokens.1;
                        report.tokens_in += tokens.0;
                        report.tokens_out += tokens.1;
                        tell_attempt(shared, name, &record, "", &format!("failed: {shown}"));
                        record_attempt(shared, name, &record, ("", &format!("failed: {why}")), "");
                        report.history.push(record);
                        last_why = shown;
                        stopped_early = true;
                        break;
                    }
                };
                if class == FailureClass::ContextTooLong {
                    // A window the server names, smaller than the one set (or none set):
                    // prompts are fitted to it from now on, in every module, and replies
                    // bounded by it. One below any real model's is a misreading.
                    let told = crate::agent::error::context_limit_in(&why)
                        .filter(|w| *w >= MIN_WINDOW)
                        .filter(|w| window.is_none_or(|(c, _)| *w < c));
                    if let Some(w) = told {
                        (window, reply_cap) = fit_to(w, reply_cap);
                        if let Ok(mut learned) = shared.learned_window.lock() {
                            *learned = Some(learned.map_or(w, |l| l.min(w)));
                        }
                    } else if !kind.shows_code() {
                        // The first prompt cannot be cut: the room left for the reply can.
                        if let Some(cap) = reply_cap.filter(|c| *c > MIN_REPLY_TOKENS) {
                            let half = (cap / 2).max(MIN_REPLY_TOKENS);
                            reply_cap = Some(half);
                            window = window.map(|(w, _)| (w, half));
                        }
                    }
                }
                record.failure = Some(class);
                record.tokens_in = tokens.0;
                record.tokens_out = tokens.1;
                record.millis = asked.elapsed().as_millis() as u64;
                report.tokens_in += tokens.0;
                report.tokens_out += tokens.1;
                log_attempt(shared, name, &record, "", &format!("failed: {why}"), "");
                report.history.push(record);
                last_why = why.clone();
                if let Some(tell) = tell {
                    repair = next_after_no_code(class, tell, repair.take(), previous.as_deref());
                } else {
                    // The same prompt again (a server's fault): a fresh start stays one.
                    afresh = kind == AttemptKind::Fresh;
                }
                continue;
            }
        };
        record.tokens_in = tokens.0;
        record.tokens_out = tokens.1;
        report.tokens_in += tokens.0;
        report.tokens_out += tokens.1;
        record.response_chars = code.len();
        let tidied = tidy_reply(m, &code);
        record.tidied = tidied.changes;
        // A repair asks only for the bodies it took out: they go back into its code (the
        // reply tidied first, so a wrapper module around them is gone).
        // So does a revision: the items the new spec changes, or none.
        let revision = kind == AttemptKind::Revise;
        let spliced = repair
            .as_ref()
            .filter(|r| repairing && (!r.rewrite.is_empty() || revision))
            .and_then(|r| {
                if revision && r.rewrite.is_empty() && super::revision::keeps_all(&tidied.code) {
                    return Some(r.previous_code.clone());
                }
                super::splice::splice(&r.previous_code, &tidied.code, &r.rewrite)
            });
        record.spliced = spliced.is_some();
        let code = spliced.unwrap_or(tidied.code);
        // Said, not silent: a requirement only prose states (a free-text `nfr`) is the
        // agent's to meet, and no test tells whether it did.
        if revision && repair.as_ref().is_some_and(|r| r.previous_code == code) {
            (shared.progress)(Event::Warning {
                module: name.to_string(),
                message: "the agent changed nothing for the new spec text: the accepted code is kept as it was (`ghost build --force` asks for it anew)".into(),
            });
        }
        let repeated = !replies.insert(code.trim().to_string());
        // Code a revision keeps as it was is an answer, not a model repeating itself.
        if repairing && !revision && !narrow_repair {
            shared.repairs.count_for(name, repeated);
        }
        let verifying = Instant::now();
        (shared.progress)(Event::Testing {
            module: name.to_string(),
            attempt,
        });
        let (code, verdict, fixes) = verify_fixing(ctx, &scratch, m, module, code).await?;
        record.compiler_fixes = fixes;
        // A code tested before (a repair handing back what ghost's edits made of an
        // earlier attempt) had its edits tried then.
        let (code, verdict, mutant) = if tested.insert(code.trim().to_string()) {
            try_mutants(ctx, &scratch, m, module, code, verdict, verifying.elapsed()).await?
        } else {
            (code, verdict, None)
        };
        record.mutant = mutant;
        tested.insert(code.trim().to_string());
        let this = crossover::Tried {
            attempt,
            suspects: super::rewrite::suspects(&code, &verdict, tests_rs, &m.imp_path),
            ran: verdict.ran(),
            code: code.clone(),
        };
        let score = Closeness::of(&verdict, tests_rs);
        let (code, verdict) = if verdict.green() {
            (code, verdict)
        } else {
            let earlier = Crossing {
                this: &this,
                tried: &tried,
            };
            let (code, verdict, crossed) = try_crossover(
                ctx,
                &scratch,
                m,
                module,
                (code, verdict),
                earlier,
                &mut tested,
            )
            .await?;
            if let Some((base, what)) = crossed {
                if base != attempt {
                    // The code is no longer the one ghost's edits were made to (the
                    // crossing says which edits its own code got).
                    record.mutant = None;
                }
                record.crossed = Some(what);
            }
            (code, verdict)
        };
        // The code a repair shows next: handed back unchanged, it is a repeat.
        replies.insert(code.trim().to_string());
        tried.push((score, this));
        report.record(&verdict, tests_rs);
        record.failure = FailureClass::of(&verdict);
        record.millis = asked.elapsed().as_millis() as u64;
        report.history.push(record.clone());
        if verdict.green() {
            if repairing && !revision && !narrow_repair {
                shared.repairs.mended();
            }
            accept(
                shared,
                m,
                &scratch,
                &code,
                Accepted::Agent {
                    attempts: attempt - earlier,
                    tokens: (
                        report.tokens_in + cached_cost.0,
                        report.tokens_out + cached_cost.1,
                    ),
                },
            )?;
            report.outcome = Outcome::Adopted;
            // Green for the text the build read; a spec saved meanwhile asks for more
            // (its lock entry records the old text, so the module is stale now).
            let specs = std::iter::once(name).chain(module.uses.iter().map(String::as_str));
            if let Some(file) = ctx.read_specs.changed(specs) {
                report.outcome = Outcome::SpecChanged {
                    why: format!(
                        "its code passed the tests of the text the build read and is locked for it, but `{}` changed during the build; the next `ghost build` goes on from the new text",
                        file.display()
                    ),
                };
            }
            report.millis = started.elapsed().as_millis() as u64;
            log_attempt(shared, name, &record, &verdict.summary(), "accepted", &code);
            return Ok(report);
        }
        log_attempt(shared, name, &record, &verdict.summary(), "failed", &code);
        last_why = verdict.summary();
        let fault = verdict.spec_fault(tests_rs);
        if fault.is_some() && (fault == spec_fault || verdict.spec_fault_is_certain(tests_rs)) {
            // Two codes failed the same way, or the spec alone breaks a precondition or
            // discards a property's cases: more attempts would only spend tokens.
            last_why = format!(
                "the spec looks wrong, not the code: {}",
                fault.unwrap_or_default()
            );
            spec_wrong = true;
            break;
        }
        spec_fault = fault;
        lessons.learn(&verdict, tests_rs);
        let mut next = repair_context(m, &code, &verdict);
        let diff = previous
            .as_deref()
            .map(|old| prompt::diff(old, &code))
            .filter(|d| !d.is_empty());
        let score = Closeness::of(&verdict, tests_rs);
        let improved = best.as_ref().is_none_or(|(b, _)| score > *b);
        if improved {
            best = Some((score, next.clone()));
        } else if let Some((_, b)) = &best {
            // The next attempt starts afresh; the repair kept (what `ghost prompt --repair`
            // shows) is of the best code so far, not of this worse one.
            next = b.clone();
        }
        // A diff would show the bodies the repair asks to write anew. Beside the whole code
        // it tells only what the attempt before had (its `-` lines): worth its tokens when
        // the two attempts differ in a few places, not when the code was written anew,
        // which the diff would mostly repeat.
        next.last_diff = diff
            .filter(|_| next.rewrite.is_empty())
            .filter(|d| diff_worth_showing(d, &next.previous_code));
        // Only the best code so far is worth a repair. An attempt that made nothing
        // better (a repair giving the same code again, most often, or a fresh start that
        // came no closer) is followed by a fresh start: a small model shown the same
        // failure again repeats itself, and a new sample may be closer. A model that has
        // handed this build's repairs back unchanged, or whose repairs have mended nothing,
        // gets fresh starts only. A fresh start is told the lessons of the attempts before
        // it (not their code).
        // Code one function short of green is the exception: asked for that function
        // alone, with the rest kept, the model writes a short answer to a small problem
        // (by hand, the evaluation's money `split` after ghost's edits mended the other
        // functions came back right two times of two, docs/evals.md, eighteenth round).
        let fresh_by_policy =
            shared.repairs.model_repeats_itself() || shared.repairs.repairs_mend_nothing();
        narrow = improved && fresh_by_policy && one_function_short(&next, &verdict);
        afresh = !improved || (fresh_by_policy && !narrow);
        previous = Some(code);
        repair = Some(next);
    }
    // The last repair, for `ghost prompt --repair` (the next build starts afresh).
    if let Some(r) = &repair {
        super::session::save_repair(&ctx.paths, m, r);
    }
    report.outcome = if spec_wrong {
        // The user's to mend, as a spec error is (exit 1, not the agent's exit 3).
        Outcome::SpecContradicts { why: last_why }
    } else if spec_saved {
        Outcome::SpecChanged { why: last_why }
    } else {
        if !stopped_early && report.attempts > 0 {
            super::session::record_attempts(&ctx.paths, name, &key, earlier + report.attempts);
        }
        // The attempt that came closest, where a person can finish it: `imp.rs` keeps
        // the last good code (or the stub), which `ghost test` tests.
        if let Some((_, closest)) = tried.iter().max_by_key(|(score, t)| (*score, t.attempt)) {
            let path = super::session::closest_path(&ctx.paths, name);
            if crate::plan::lock::write_atomic(&path, closest.code.as_bytes()).is_ok() {
                let shown = crate::project::shown_from_cwd(&path);
                last_why = format!(
                    "{last_why}; its closest attempt (attempt {}) is in {}",
                    closest.attempt,
                    shown.display()
                );
            }
        }
        Outcome::Exhausted { why: last_why }
    };
    report.millis = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// How close a failed attempt came to green, comparable between attempts: code whose
/// tests ran beats code that timed out, which beats code that did not compile, which
/// beats code refused before it ran (its empty test run says nothing); among
/// those, fewer failing tests (or compiler errors) is closer, then scenarios that failed
/// at a later step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Closeness {
    stage: u8,
    fewer_failures: i64,
    /// How far the failing scenarios got ([`super::rewrite::scenario_progress`]).
    progress: usize,
}

impl Closeness {
    fn of(v: &Verdict, tests_rs: &str) -> Closeness {
        let t = &v.tests;
        let (stage, failures) = if v.refused() {
            (0, 0)
        } else if !t.errors.is_empty() || t.cargo_error.is_some() {
            (1, t.errors.len())
        } else if t.timed_out {
            (2, 0)
        } else {
            let broken = v.checked.iter().filter(|n| n.broken()).count();
            (3, t.failed.len() + broken)
        };
        Closeness {
            stage,
            fewer_failures: -(failures as i64),
            progress: if stage == 3 {
                super::rewrite::scenario_progress(v, tests_rs)
            } else {
                0
            },
        }
    }
}

/// The first prompt is answered at temperature 0: the model's most likely code.
const FIRST_TEMPERATURE: f32 = 0.0;
/// A repair keeps what works, so it stays close to the most likely fix.
const REPAIR_TEMPERATURE: f32 = 0.2;
/// A fresh start must not repeat the first answer: it samples, with a new seed each time.
/// Not hotter: at 0.7 a small model's fresh starts failed to compile more than twice as
/// often as its first attempts (56% against 23%, docs/evals.md), and the lessons in the
/// prompt already make it differ from the first.
const AFRESH_TEMPERATURE: f32 = 0.4;

/// Whether the repair `next` of code judged as `verdict` asks for one function only, the
/// rest compiling and passing (few tests failing, all in that function) and kept: a
/// module of one function would be written anew by such a repair, where a fresh start
/// does better (see [`RepairTally::repairs_mend_nothing`]).
fn one_function_short(next: &RepairContext, verdict: &Verdict) -> bool {
    let code = &next.previous_code;
    next.rewrite.len() == 1
        && next.compiler_errors.is_empty()
        && mutants::worth_trying(verdict)
        && mutants::functions(code, &mutants::code_mask(code)).len() > 1
}

/// The repair after an attempt that gave no code to test. A reply without code is told
/// what was wrong and shown the last code there was; a prompt too long for the model's
/// context window is sent again shorter (its repair output cut harder).
fn next_after_no_code(
    class: FailureClass,
    why: String,
    repair: Option<RepairContext>,
    previous: Option<&str>,
) -> Option<RepairContext> {
    if class == FailureClass::ContextTooLong {
        return repair.map(|mut r| {
            r.shrink = r.shrink.max(1) * 2;
            r
        });
    }
    match repair {
        // The last repair again, told what was wrong with the reply: its code shown as
        // it was (without the bodies it asked for anew) and why they failed.
        Some(mut r) => {
            r.failures.push(why);
            r.last_diff = None;
            Some(r)
        }
        None => Some(RepairContext {
            attempt: 0,
            previous_code: previous.unwrap_or_default().to_string(),
            rewrite: Vec::new(),
            failures: vec![why],
            compiler_errors: Vec::new(),
            last_diff: None,
            shrink: 0,
            spec_changes: None,
            whole_file: false,
        }),
    }
}

/// The prompt of the next attempt: a repair of `repair`, or else the first prompt with
/// the `lessons` of the attempts so far (none for the first attempt). Within the model's
/// context window when one is set (with the room its reply needs): the repair's test output, compiler errors and diff
/// are cut harder and harder, and the first prompt (the shortest; without lessons when
/// they do not fit) is sent when even the shortest repair does not fit. The length in
/// tokens is estimated at 3 characters a token, which errs on the long side for code and
/// English. With it, whether it is the repair prompt (not the first one instead).
fn fit_prompt(
    ctx: &Context,
    module: &crate::check::ModuleModel,
    repair: Option<&RepairContext>,
    lessons: &[String],
    window: Option<(u32, u32)>,
) -> Result<(String, bool), BuildError> {
    let pins = ctx.pins(&module.name);
    // The window, and the room its reply needs ([`reply_tokens`]).
    let fits = |text: &str| {
        window.is_none_or(|(w, reserve)| text.len().div_ceil(3) + reserve as usize <= w as usize)
    };
    let first = || -> Result<String, BuildError> {
        let fresh = prompt::render_fresh(&ctx.templates, &ctx.project, module, lessons, &pins)?;
        if lessons.is_empty() || fits(&fresh) {
            return Ok(fresh);
        }
        Ok(prompt::render_first(
            &ctx.templates,
            &ctx.project,
            module,
            &pins,
        )?)
    };
    let Some(repair) = repair else {
        return Ok((first()?, false));
    };
    let mut r = repair.clone();
    loop {
        let text = prompt::render_repair(&ctx.templates, &ctx.project, module, &r, &pins)?;
        if fits(&text) {
            return Ok((text, true));
        }
        if r.shrink >= prompt::MAX_SHRINK {
            return Ok((first()?, false));
        }
        r.shrink = (r.shrink.max(1) * 2).min(prompt::MAX_SHRINK);
    }
}

/// Says one attempt's result (as it comes) and appends it to the run log; `code` is
/// what was tested (empty when there was nothing new to test).
fn log_attempt(
    shared: &Shared,
    module: &str,
    record: &AttemptRecord,
    tests: &str,
    outcome: &str,
    code: &str,
) {
    tell_attempt(shared, module, record, tests, outcome);
    record_attempt(shared, module, record, (tests, outcome), code);
}

/// The progress line of one attempt of the agent's: its result and what it cost.
fn tell_attempt(shared: &Shared, module: &str, record: &AttemptRecord, tests: &str, outcome: &str) {
    // Attempt 0 is the code on disk, tested before any request: not an agent's attempt.
    if record.attempt == 0 {
        return;
    }
    let mut result = outcome.to_string();
    if !tests.is_empty() {
        result.push_str(&format!(" ({tests})"));
    }
    let mut notes: Vec<String> = Vec::new();
    if record.cached {
        notes.push("answered from the response cache".into());
    } else if record.tokens_in + record.tokens_out > 0 {
        notes.push(format!("{}/{} tokens", record.tokens_in, record.tokens_out));
        if record.cached_in > 0 {
            notes.push(format!(
                "{} of the prompt's tokens read from the provider's cache",
                record.cached_in
            ));
        }
    }
    notes.extend(record.tidied.iter().cloned());
    if record.compiler_fixes > 0 {
        notes.push(format!("rustc's fixes applied: {}", record.compiler_fixes));
    }
    notes.extend(record.mutant.iter().map(|m| format!("ghost's edit: {m}")));
    notes.extend(record.crossed.iter().map(|c| format!("crossed: {c}")));
    if !notes.is_empty() {
        result.push_str(&format!("; {}", notes.join("; ")));
    }
    (shared.progress)(Event::Tried {
        module: module.to_string(),
        attempt: record.attempt,
        result,
    });
}

/// Appends one attempt to the run log, in full (the log is read after the build, line
/// by line, with nothing above to point to).
fn record_attempt(
    shared: &Shared,
    module: &str,
    record: &AttemptRecord,
    (tests, outcome): (&str, &str),
    code: &str,
) {
    let a = Attempt {
        module: module.to_string(),
        attempt: record.attempt,
        provider: shared.settings.provider.clone(),
        model: shared.settings.model.clone(),
        prompt_chars: record.prompt_chars,
        response_chars: record.response_chars,
        tokens_in: record.tokens_in,
        tokens_out: record.tokens_out,
        cached_in: record.cached_in,
        latency_ms: record.millis,
        tests: tests.to_string(),
        outcome: outcome.to_string(),
        failure: record.failure,
        compiler_fixes: record.compiler_fixes,
        mutant: record.mutant.clone(),
        crossed: record.crossed.clone(),
        kind: (record.attempt > 0).then_some(record.kind),
        spliced: record.spliced,
        tidied: record.tidied.clone(),
        code: code.to_string(),
        at: now_secs(),
    };
    // The run log is a record, not a requirement: it never fails a build.
    let _ = shared.log.append(&a);
}

/// The build's fatal agent error and the module that met it first.
#[derive(Debug, Clone)]
struct Fatal {
    module: String,
    why: String,
}

impl Fatal {
    /// Records `why`, met by `module`, as the build's fatal error unless one is recorded:
    /// what to show for it. The first is shown in full; the same error met again (by a
    /// module that asked at the same time) points to the module it was said for.
    fn note(fatal: &Mutex<Option<Fatal>>, module: &str, why: &str) -> String {
        let Ok(mut fatal) = fatal.lock() else {
            return why.to_string();
        };
        match fatal.as_ref() {
            None => {
                *fatal = Some(Fatal {
                    module: module.to_string(),
                    why: why.to_string(),
                });
                why.to_string()
            }
            Some(first) if first.why == why && first.module != module => first.pointer(),
            Some(_) => why.to_string(),
        }
    }

    /// A short pointer to the error, for the modules after the first.
    fn pointer(&self) -> String {
        format!(
            "the agent failed as it did for `{}` (said there)",
            self.module
        )
    }
}

/// Why an attempt gave no code to test.
enum Asked {
    /// Fed back to the agent in the next attempt (no code block, cut off, wrote outside
    /// its file, the program failed, the prompt was too long): tokens spent still count.
    Feedback {
        class: FailureClass,
        /// What happened, for the progress line, the report and the run log.
        why: String,
        /// What the next prompt tells the model: often `why` itself, or with how to
        /// answer added (see [`crate::agent::extract::ExtractError::instruction`]).
        tell: String,
        tokens: (u64, u64),
    },
    /// The server's answer was unusable (not the model's fault): the attempt counts, but
    /// the next prompt is the same as this one, since there is nothing to tell the model.
    /// With the tokens of requests cut off before it.
    Failed(String, (u64, u64)),
    /// Nothing will work after this (bad key, unknown model, unreachable server); with
    /// the tokens of requests cut off before it.
    Fatal(String, (u64, u64)),
}

impl Asked {
    /// Feedback told to the model in the words the user reads.
    fn feedback(class: FailureClass, why: String, tokens: (u64, u64)) -> Asked {
        Asked::Feedback {
            class,
            tell: why.clone(),
            why,
            tokens,
        }
    }
}

/// What an agent answered for one attempt.
struct Answer {
    code: String,
    /// What it cost this time.
    tokens: (u64, u64),
    /// What a reply from the response cache cost when it was first asked.
    first_cost: (u64, u64),
    /// Of the prompt's tokens, those the provider read from its own prompt cache.
    cached_in: u64,
    /// Whether the response cache answered.
    from_cache: bool,
}

impl Answer {
    /// Code a run of the command agent wrote (no tokens counted).
    fn fresh(code: String) -> Answer {
        Answer {
            code,
            tokens: (0, 0),
            first_cost: (0, 0),
            cached_in: 0,
            from_cache: false,
        }
    }
}

/// Asks the agent for one attempt's code; code longer than any module's
/// ([`crate::agent::MAX_CODE_BYTES`]) is refused before it is written anywhere.
async fn ask(
    shared: &Shared,
    m: &CompiledModule,
    scratch: &Path,
    prompt: (&str, Option<u32>),
    temperature: f32,
    attempt: (u32, AttemptKind),
) -> Result<Answer, Asked> {
    let answer = ask_agent(shared, m, scratch, prompt, temperature, attempt).await?;
    if answer.code.len() > crate::agent::MAX_CODE_BYTES {
        return Err(Asked::feedback(
            FailureClass::AgentError,
            format!(
                "the code is more than {} MB, far more than any module's: answer with the module's implementation alone",
                crate::agent::MAX_CODE_BYTES >> 20
            ),
            answer.tokens,
        ));
    }
    Ok(answer)
}

/// [`ask`], without the check of the code's size.
async fn ask_agent(
    shared: &Shared,
    m: &CompiledModule,
    scratch: &Path,
    (prompt, max_tokens): (&str, Option<u32>),
    temperature: f32,
    (attempt, kind): (u32, AttemptKind),
) -> Result<Answer, Asked> {
    match &shared.agent {
        Agent::Http(provider) => {
            let req = Request {
                module: m.name.clone(),
                prompt: prompt.to_string(),
                temperature,
                max_tokens,
                stop: vec![crate::agent::extract::CODE_BLOCK_END.to_string()],
                seed: (temperature > 0.0).then_some(u64::from(attempt)),
                cache_prefix: shared
                    .ctx
                    .project
                    .module(&m.name)
                    .map(|module| {
                        let pins = shared.ctx.pins(&m.name);
                        prompt::shared_prefix_len(
                            &shared.ctx.templates,
                            &shared.ctx.project,
                            module,
                            &pins,
                            prompt,
                        )
                    })
                    .unwrap_or(0),
            };
            // The provider has already retried what can be retried: what is left (a bad key,
            // an unknown model, a server that stays down) stops the build.
            let reply = provider.complete(&req).await.map_err(|e| {
                // Streams cut mid-way were paid for, whatever came after them.
                let tokens = e.spent();
                shared
                    .tokens
                    .fetch_add(tokens.0 + tokens.1, Ordering::SeqCst);
                match e.root() {
                    // A garbled answer (not JSON, fields missing) from a server that
                    // answers: this attempt failed, the next request may well succeed.
                    AgentError::BadResponse { .. } => Asked::Failed(e.to_string(), tokens),
                    // Too long for the model: the next attempt sends a shorter prompt.
                    _ if e.is_context_overflow() => {
                        Asked::feedback(FailureClass::ContextTooLong, e.to_string(), tokens)
                    }
                    _ => Asked::Fatal(e.to_string(), tokens),
                }
            })?;
            let tokens = if reply.cached {
                (0, 0)
            } else {
                (reply.tokens_in, reply.tokens_out)
            };
            shared
                .tokens
                .fetch_add(tokens.0 + tokens.1, Ordering::SeqCst);
            // What a reply from the cache cost when it was asked (a build interrupted
            // after its reply came): the lock records what the accepted code cost.
            let first_cost = if reply.cached {
                (reply.tokens_in, reply.tokens_out)
            } else {
                (0, 0)
            };
            code_of(&reply)
                .map(|code| Answer {
                    code,
                    tokens,
                    first_cost,
                    cached_in: if reply.cached { 0 } else { reply.cached_in },
                    from_cache: reply.cached,
                })
                .map_err(|e| Asked::Feedback {
                    class: FailureClass::NoCode,
                    why: e.to_string(),
                    tell: e.instruction(),
                    tokens,
                })
        }
        Agent::Command(settings, cache) => {
            // What identifies this run: the program, the prompt, the code it starts from
            // and the attempt's number (a build going on after given-up attempts asks
            // anew under new numbers; one resumed after an interruption gets its answers).
            let key = cache.as_ref().map(|_| {
                let start = std::fs::read(scratch.join(&m.imp_path)).unwrap_or_default();
                let mut material = format!(
                    "command\n{}\n{}\nattempt {attempt}\n",
                    settings.command.as_deref().unwrap_or_default(),
                    m.name
                )
                .into_bytes();
                material.extend_from_slice(prompt.as_bytes());
                material.extend_from_slice(b"\n---\n");
                material.extend_from_slice(&start);
                crate::agent::cache::ResponseCache::key(&material)
            });
            if let (Some(cache), Some(key)) = (cache, &key) {
                if let Some(code) = cache.code(key) {
                    return Ok(Answer {
                        from_cache: true,
                        ..Answer::fresh(code)
                    });
                }
            }
            let mut run = UnfinishedRun {
                shared,
                m,
                attempt,
                before: Some(super::guard::Guarded::take(&shared.ctx.paths.guarded)),
            };
            // The program works in the scratch copy; it starts from the crate as it is.
            let outcome = run_command(
                settings,
                scratch,
                &m.name,
                &m.imp_path,
                prompt,
                shared.settings.command_timeout,
            )
            .await;
            // Compared however the run ended: a program stopped at its time limit may
            // have changed a spec before (and one stopped by Ctrl-C, by `UnfinishedRun`).
            let guarded = run.before.take().unwrap_or_default();
            let later = super::guard::Guarded::take(&shared.ctx.paths.guarded);
            let touched = guarded.changes(&later);
            let others = guarded.others_changed(&later);
            // A run that changed files besides its own (the tests, the manifest) or did not
            // finish leaves the scratch copy as it was: made anew from the crate, so that no
            // later attempt is tested against what this one left.
            let dirty = outcome.as_ref().map_or(true, |o| o.touched_others());
            if dirty {
                prepare_scratch(&shared.ctx, m).map_err(|e| Asked::Fatal(e.to_string(), (0, 0)))?;
            }
            if !touched.is_empty() {
                warn_touched(shared, m, attempt, &guarded, &touched);
            }
            if !others.is_empty() {
                warn_others(shared, m, &others);
            }
            let outcome = outcome.map_err(|e| match e {
                AgentError::CommandTimeout { .. } => {
                    Asked::feedback(FailureClass::Timeout, e.to_string(), (0, 0))
                }
                // The program's doing, like a file left empty: the next attempt (in a
                // scratch copy made anew above) may write the file; the build goes on.
                AgentError::NotAFile { .. } => {
                    Asked::feedback(FailureClass::AgentError, e.to_string(), (0, 0))
                }
                other => Asked::Fatal(other.to_string(), (0, 0)),
            })?;
            if outcome.touched_others() {
                return Err(Asked::feedback(
                    FailureClass::AgentError,
                    touched_others_message(&m.imp_path, &outcome),
                    (0, 0),
                ));
            }
            if !outcome.exit_status.success() {
                // A path the command names relative to the project is not there in the
                // scratch folder: said, or every attempt fails on it with the shell's
                // words alone.
                let misplaced = crate::agent::command::misplaced_paths(settings, scratch);
                let hint = match misplaced.first() {
                    Some(path) => format!(
                        "\nhelp: the program runs in `{}`, where `{path}` (a path in `command` relative to the project) is not: give its absolute path, or start `command` with it (`./{path}`), which is taken from the project's folder",
                        scratch.display()
                    ),
                    None => String::new(),
                };
                return Err(Asked::feedback(
                    FailureClass::AgentError,
                    format!(
                        "the agent program failed ({}): {}{hint}",
                        outcome.exit_status,
                        last_words(&outcome)
                    ),
                    (0, 0),
                ));
            }
            if outcome.new_contents.is_some() && !outcome.wrote {
                // A revision's file holds the accepted code: a program that finds nothing
                // the new spec changes leaves it as it is, which is its answer.
                if kind == AttemptKind::Revise {
                    let code = outcome.new_contents.unwrap_or_default();
                    return Ok(Answer::fresh(code));
                }
                return Err(Asked::feedback(
                    FailureClass::NoCode,
                    format!(
                        "the agent program exited without writing `{}` ($GHOST_IMPL_PATH), which still holds what ghost put there (a stub to replace, or the code to repair): write the whole new implementation to that file",
                        m.imp_path.display()
                    ),
                    (0, 0),
                ));
            }
            match outcome.new_contents {
                Some(code) if !code.trim().is_empty() => {
                    if let (Some(cache), Some(key)) = (cache, &key) {
                        // Kept like an HTTP reply: a build stopped after this run does not
                        // pay for it again. Best effort: a cache that cannot be written
                        // only means asking again.
                        let _ = cache.put(key, &crate::agent::cache::code_reply(&code));
                    }
                    Ok(Answer::fresh(code))
                }
                // Said apart: a program that empties the file did write it, and one that
                // deletes it should not be told it left it alone.
                Some(_) => Err(Asked::feedback(
                    FailureClass::NoCode,
                    format!(
                        "the agent program left `{}` ($GHOST_IMPL_PATH) empty: write the whole implementation into that file",
                        m.imp_path.display()
                    ),
                    (0, 0),
                )),
                None => Err(Asked::feedback(
                    FailureClass::NoCode,
                    format!(
                        "the agent program deleted `{}` ($GHOST_IMPL_PATH): write the whole implementation into that file",
                        m.imp_path.display()
                    ),
                    (0, 0),
                )),
            }
        }
    }
}

/// The most lines of a failed agent program's output said in its failure: the last
/// ones, where programs say what went wrong. The failure is shown at each attempt and
/// again when the build ends; a chatty program's whole tail would flood the terminal.
const LAST_WORDS_LINES: usize = 20;

/// What a failed agent program said last: its stderr, or its stdout when it wrote
/// nothing there (some programs report errors on stdout), cut to its last
/// [`LAST_WORDS_LINES`] lines.
fn last_words(outcome: &crate::agent::command::CommandOutcome) -> String {
    let text = match outcome.stderr_tail.trim() {
        "" => outcome.stdout_tail.trim(),
        said => said,
    };
    if text.is_empty() {
        return "it printed nothing".to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    match lines.len().checked_sub(LAST_WORDS_LINES) {
        Some(cut) if cut > 0 => format!(
            "(its last {LAST_WORDS_LINES} lines)\n{}",
            lines[cut..].join("\n")
        ),
        _ => text.to_string(),
    }
}

/// The warning for an attempt during which the project's specs or `ghost.toml` changed
/// (the user's save, another program, or the agent itself): the files are left as they
/// are, their text from before kept in a folder of its own under `.ghost/kept/`. The
/// attempt is not refused: its code is tested against the specs as the build read them,
/// which the change cannot loosen, and refusing it made every save during a build cost
/// each running module an attempt. A module whose spec now says something else is asked
/// no more (`spec_changes.rs`).
fn warn_touched(
    shared: &Shared,
    m: &CompiledModule,
    attempt: u32,
    guarded: &super::guard::Guarded,
    touched: &[PathBuf],
) {
    let list: Vec<String> = touched
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect();
    let kept_dir = super::outside_writes::kept_folder(
        &shared.ctx.paths.state_dir.join("kept"),
        &format!("{}-{attempt}", m.name),
    );
    let kept = match guarded.keep(touched, &kept_dir) {
        Ok(_) => format!(
            "their text from before is in `{}` (the specs folder as `specs`); put it back if the change is not yours",
            kept_dir.display()
        ),
        Err(e) => format!("their text from before could not be kept ({e})"),
    };
    (shared.progress)(Event::Warning {
        module: m.name.clone(),
        message: format!(
            "{} changed while the agent ran (a save, or the agent's doing), and are left as they are: {kept}; the attempt is tested against the specs as the build read them",
            list.join(", ")
        ),
    });
}

/// An agent program's run, with the project's guarded files as it started: a run dropped
/// before its end (Ctrl-C stops the build) still keeps and tells the specs and
/// `ghost.toml` it changed; the text from before was lost, and the change unsaid, when
/// the build was stopped while the program ran.
struct UnfinishedRun<'a> {
    shared: &'a Shared,
    m: &'a CompiledModule,
    attempt: u32,
    /// Taken when the run ends and its caller compares.
    before: Option<super::guard::Guarded>,
}

impl Drop for UnfinishedRun<'_> {
    fn drop(&mut self) {
        let Some(before) = self.before.take() else {
            return;
        };
        // The specs alone: the walk over the project's other files (only named, never
        // kept) would hold up a Ctrl-C in a large repository.
        let later = super::guard::Guarded::take_files(&self.shared.ctx.paths.guarded);
        let touched = before.changes(&later);
        if !touched.is_empty() {
            warn_touched(self.shared, self.m, self.attempt, &before, &touched);
        }
    }
}

/// What an agent program that touched files besides `imp_path` in its scratch copy is
/// told: what it wrote there, and apart from that what it deleted, which "wrote" misnamed
/// (`rm -rf ./*` was told it wrote `Cargo.toml`); and what to do next.
fn touched_others_message(
    imp_path: &Path,
    outcome: &crate::agent::command::CommandOutcome,
) -> String {
    let mut said = Vec::new();
    if !outcome.other_changes.is_empty() {
        said.push(format!(
            "the agent wrote outside `{}`: {}",
            imp_path.display(),
            listed(&outcome.other_changes)
        ));
    }
    if !outcome.other_deletions.is_empty() {
        said.push(format!(
            "the agent deleted files it must not touch: {}",
            listed(&outcome.other_deletions)
        ));
    }
    let next = if outcome.other_deletions.is_empty() {
        "write only that file".to_string()
    } else {
        format!(
            "delete nothing (the next attempt starts from a whole copy again) and write only `{}`",
            imp_path.display()
        )
    };
    format!("{}; {next}", said.join("; "))
}

/// Paths, a few by name: a program that deleted the whole copy is not shown its every
/// file.
fn listed(paths: &[PathBuf]) -> String {
    const SHOWN: usize = 8;
    let mut names: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|p| p.display().to_string())
        .collect();
    if paths.len() > SHOWN {
        names.push(format!("and {} more", paths.len() - SHOWN));
    }
    names.join(", ")
}

/// The warning for an attempt during which files of the project outside the specs and
/// what ghost writes changed: an agent program reaching out of its scratch copy (a
/// README rewritten, a git hook planted), another one running beside it, or the user.
/// Ghost keeps no copy of these (see `guard.rs`), so it names them for the user to look
/// at; the attempt's code is tested as any other, in its scratch copy.
fn warn_others(shared: &Shared, m: &CompiledModule, others: &[PathBuf]) {
    const SHOWN: usize = 8;
    let mut list: Vec<String> = others
        .iter()
        .take(SHOWN)
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if others.len() > SHOWN {
        list.push(format!("and {} more", others.len() - SHOWN));
    }
    (shared.progress)(Event::Warning {
        module: m.name.clone(),
        message: format!(
            "{} of the project changed while the agent program ran (its doing, another agent's, or a save): ghost keeps no copy of files outside the specs, so look at them (`git status`, `git diff`) and put back what is not yours",
            list.join(", ")
        ),
    });
}

/// A fresh copy of the generated crate for one module's attempts (no `target/`).
///
/// Only the module and what it uses (directly or not) keep their code; every other
/// module gets the compiler's stub, which always compiles. Otherwise a module's tests
/// would depend on unrelated code: after a dependency's signature changes, its dependents'
/// old code no longer compiles, and the dependency could never be tested green.
pub(super) fn prepare_scratch(ctx: &Context, m: &CompiledModule) -> Result<PathBuf, BuildError> {
    let dir = ctx.paths.state_dir.join("scratch").join(&m.name);
    let io = |path: &Path, source: std::io::Error| {
        BuildError::Write(workspace::WriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| io(&dir, e))?;
    }
    // Not cargo's target folder, and not build settings someone put in the crate during
    // the build (`.cargo/`: the next command refuses them, see `workspace.rs`).
    let skipped = |e: &walkdir::DirEntry| {
        e.file_name() == "target"
            || (e.depth() == 1
                && workspace::BUILD_SETTINGS
                    .iter()
                    .any(|name| e.file_name() == std::ffi::OsStr::new(name)))
    };
    for entry in walkdir::WalkDir::new(&ctx.paths.out_dir)
        .into_iter()
        .filter_entry(|e| !skipped(e))
    {
        let entry =
            entry.map_err(|e| io(&ctx.paths.out_dir, std::io::Error::other(e.to_string())))?;
        let rel = entry
            .path()
            .strip_prefix(&ctx.paths.out_dir)
            .unwrap_or(entry.path());
        let to = dir.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).map_err(|e| io(&to, e))?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &to).map_err(|e| io(&to, e))?;
        }
    }
    let needed = super::session::used_closure(&ctx.project, &m.name);
    for other in ctx
        .compiled
        .modules
        .iter()
        .filter(|o| !needed.contains(&o.name))
    {
        let to = dir.join(&other.imp_path);
        crate::plan::lock::write_atomic(&to, other.stub.as_bytes()).map_err(|e| io(&to, e))?;
    }
    let manifest = dir.join("Cargo.toml");
    if let Ok(text) = std::fs::read_to_string(&manifest) {
        let distinct = distinct_version(&text, &m.name, &dir);
        crate::plan::lock::write_atomic(&manifest, distinct.as_bytes())
            .map_err(|e| io(&manifest, e))?;
    }
    Ok(dir)
}

/// The scratch copy's manifest with a version of its own (`0.0.0-scratch-a-b-1f2e3d4c`).
///
/// Every copy of the generated crate is its own workspace root with the same package name,
/// so cargo gives them all the same artifact names in the shared target folder: two
/// modules tested at once overwrite each other's library, and a copy whose files are older
/// than another copy's build is taken as fresh. A distinct version, from the module and
/// the copy's folder (two checkouts of a project sharing `GHOST_TARGET_DIR` build at once),
/// gives each copy its own artifacts; the dependencies (proptest, insta) are still
/// compiled once.
fn distinct_version(manifest: &str, module: &str, scratch: &Path) -> String {
    let readable: String = module
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let place = std::fs::canonicalize(scratch).unwrap_or_else(|_| scratch.to_path_buf());
    let key = format!("{module}\n{}", place.display());
    let hash = crate::compile::fingerprint::sha256_hex(key.as_bytes());
    let hash = &hash[..8];
    // The manifest's own version (`[package] version` of ghost.toml, or 0.0.0), whatever
    // it is: a scratch copy is never published.
    let Some(start) = manifest.find("\nversion = ") else {
        return manifest.to_string();
    };
    let end = manifest[start + 1..]
        .find('\n')
        .map_or(manifest.len(), |e| start + 1 + e);
    format!(
        "{}\nversion = \"0.0.0-scratch-{readable}-{hash}\"{}",
        &manifest[..start],
        &manifest[end..]
    )
}

/// Writes `code` as the module's `imp.rs` in the scratch copy and verifies it there.
async fn verify_in(
    ctx: &Context,
    scratch: &Path,
    m: &CompiledModule,
    module: &crate::check::ModuleModel,
    code: &str,
) -> Result<Verdict, BuildError> {
    reset_tests(ctx, scratch, m)?;
    write_imp(scratch, m, code)?;
    verify(
        &ctx.cargo_in(scratch),
        &ctx.project,
        &ctx.module_tree,
        module,
        code,
        Snapshots::RecordNew,
    )
    .await
    .map_err(BuildError::Cargo)
}

/// Puts the module's compiler-owned files (its tests, its `mod.rs`) and its pinned
/// snapshots back in the scratch copy as the build has them: code run by an earlier
/// test could have changed them there, and the next code must be judged by the real
/// tests, never by ones the last code rewrote.
fn reset_tests(ctx: &Context, scratch: &Path, m: &CompiledModule) -> Result<(), BuildError> {
    let io = |path: &Path, source: std::io::Error| {
        BuildError::Write(workspace::WriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let owned = m
        .files
        .iter()
        .filter(|f| f.owner == crate::compile::rust::Owner::Compiler);
    for f in owned {
        let to = scratch.join(&f.path);
        if std::fs::read(&to).ok().as_deref() != Some(f.contents.as_bytes()) {
            crate::plan::lock::write_atomic(&to, f.contents.as_bytes()).map_err(|e| io(&to, e))?;
        }
    }
    let pinned = super::snapshots::Pinned::read(&ctx.paths.out_dir, &m.test_target);
    pinned
        .copy_to(scratch)
        .map_err(|e| io(&scratch.join("tests").join("snapshots"), e))
}

/// The reply's code tidied against the module's `mod.rs` and stub (see `tidy/`).
fn tidy_reply(m: &CompiledModule, code: &str) -> tidy::Tidied {
    let mod_rs = m.imp_path.with_file_name("mod.rs");
    let mod_rs = m
        .files
        .iter()
        .find(|f| f.path == mod_rs)
        .map(|f| f.contents.as_str())
        .unwrap_or("");
    let leaf = m.name.rsplit('.').next().unwrap_or(&m.name);
    tidy::tidy(code, mod_rs, &m.stub, leaf)
}

/// Verifies an attempt's code; while it does not compile and rustc suggested changes to
/// it, applies them and verifies again (see `rustc_fixes.rs`). Returns the code kept, its
/// verdict and how many rounds of fixes it took. Fixed code is kept only when it is closer
/// to compiling ([`fixes_helped`]), so a bad guess never hides the model's own code; when
/// all the fixes together do not help, each error's fix is tried alone.
async fn verify_fixing(
    ctx: &Context,
    scratch: &Path,
    m: &CompiledModule,
    module: &crate::check::ModuleModel,
    code: String,
) -> Result<(String, Verdict, u32), BuildError> {
    let mut code = code;
    let mut verdict = verify_in(ctx, scratch, m, module, &code).await?;
    let imp_path = m.imp_path.to_string_lossy();
    let mut rounds = 0;
    while rounds < rustc_fixes::MAX_ROUNDS && !verdict.tests.errors.is_empty() {
        // All the fixes at once first; when that is no better (one bad guess spoils the
        // rest), each error's fix alone, the first that helps kept.
        let errors =
            &super::known_fixes::with_code_fixes(&code, &verdict.tests.errors, &module.enums);
        let mut tries = std::iter::once(rustc_fixes::apply(&code, errors, &imp_path))
            .chain(
                (0..errors.len().min(rustc_fixes::MAX_SINGLE_TRIES))
                    .map(|i| rustc_fixes::apply(&code, &errors[i..=i], &imp_path)),
            )
            .flatten()
            .collect::<Vec<_>>();
        tries.dedup();
        let mut better = None;
        for fixed in tries {
            let next = verify_in(ctx, scratch, m, module, &fixed).await?;
            if fixes_helped(&verdict.tests.errors, &next.tests.errors) {
                better = Some((fixed, next));
                break;
            }
        }
        let Some((fixed, next)) = better else {
            // Put the model's code back: the next attempt's repair shows it.
            write_imp(scratch, m, &code)?;
            break;
        };
        code = fixed;
        verdict = next;
        rounds += 1;
    }
    Ok((code, verdict, rounds))
}

/// Code that compiles and fails a few tests: ghost's small edits of it (`mutants.rs`),
/// each tested, the first green one taken with what it changed. An edit that makes fewer
/// tests fail without turning them all green is kept and edited again, up to
/// [`MUTANT_ROUNDS`] edits in all (code with two slips needs two edits); the closest edit
/// of a round is the one kept. Code no edit turned green is the closest found, with the
/// edits that made it (fewer failures for the repair to show, and fewer functions for it
/// to take out), or the code as it was; in the scratch copy too, for the repair.
///
/// A mutant may loop forever (`<` for `<=` in a loop condition): each run's time limit
/// is three times what testing the attempt took, at least [`MUTANT_MIN_TIMEOUT`].
async fn try_mutants(
    ctx: &Context,
    scratch: &Path,
    m: &CompiledModule,
    module: &crate::check::ModuleModel,
    code: String,
    verdict: Verdict,
    took: Duration,
) -> Result<(String, Verdict, Option<String>), BuildError> {
    if !ctx.edits {
        return Ok((code, verdict, None));
    }
    let tests_rs = m.tests_rs();
    let mut cargo = ctx.cargo_in(scratch);
    cargo.timeout = (took * 3).max(MUTANT_MIN_TIMEOUT).min(ctx.test_timeout);
    // The code the round edits, its verdict, and the edits that made it.
    let mut seen: BTreeSet<String> = BTreeSet::from([code.clone()]);
    let mut now = (code, verdict);
    let mut edits: Vec<String> = Vec::new();
    for _ in 0..MUTANT_ROUNDS {
        if !mutants::worth_trying(&now.1) {
            break;
        }
        let focus = mutants::failing_functions(&now.1, tests_rs);
        let guide = mutants::guide(&now.1, tests_rs);
        let mut closest: Option<(Closeness, mutants::Mutant, Verdict)> = None;
        for mutant in mutants::mutants(&now.0, &focus, &guide) {
            // An edit of an edit may give back a code tried already (`<` for `<=`).
            if !seen.insert(mutant.code.clone()) {
                continue;
            }
            reset_tests(ctx, scratch, m)?;
            write_imp(scratch, m, &mutant.code)?;
            let tried = verify(
                &cargo,
                &ctx.project,
                &ctx.module_tree,
                module,
                &mutant.code,
                Snapshots::RecordNew,
            )
            .await
            .map_err(BuildError::Cargo)?;
            if tried.green() {
                edits.push(mutant.what);
                return Ok((mutant.code, tried, Some(edits.join(", then "))));
            }
            let score = Closeness::of(&tried, tests_rs);
            let best = closest.as_ref().map(|(s, _, _)| *s);
            if closer(&tried, &now.1, tests_rs) && best.is_none_or(|b| score > b) {
                closest = Some((score, mutant, tried));
            }
        }
        let Some((_, mutant, tried)) = closest else {
            break;
        };
        edits.push(mutant.what);
        now = (mutant.code, tried);
    }
    write_imp(scratch, m, &now.0)?;
    let what = (!edits.is_empty()).then(|| edits.join(", then "));
    Ok((now.0, now.1, what))
}

/// How many of ghost's small edits one attempt's code may get in a row (each one round
/// of at most [`mutants::MAX_MUTANTS`] test runs, the next only after an edit that made
/// fewer tests fail).
const MUTANT_ROUNDS: usize = 3;

/// The attempts a failed attempt is crossed with.
#[derive(Clone, Copy)]
struct Crossing<'a> {
    /// This attempt, as tested.
    this: &'a crossover::Tried,
    /// The attempts before it, with how close each came.
    tried: &'a [(Closeness, crossover::Tried)],
}

/// Failed code crossed with the module's other attempts (`crossover.rs`): this
/// attempt's code given the functions the attempts before it got right, and the closest
/// earlier attempt's code given those this one and the others got right. Each code not
/// tested before (`tested`, which gets it) is tested with rustc's fixes and ghost's small
/// edits like a reply; the first green one is taken, otherwise the closest one that is
/// [`closer`] than the attempt's own code. With it, the attempt whose code was the base
/// and what was taken from where.
async fn try_crossover(
    ctx: &Context,
    scratch: &Path,
    m: &CompiledModule,
    module: &crate::check::ModuleModel,
    (code, verdict): (String, Verdict),
    with: Crossing<'_>,
    tested: &mut BTreeSet<String>,
) -> Result<(String, Verdict, Option<(u32, String)>), BuildError> {
    let tests_rs = m.tests_rs();
    let this = with.this;
    let earlier: Vec<crossover::Tried> = with.tried.iter().map(|(_, t)| t.clone()).collect();
    let mut candidates: Vec<crossover::Crossed> =
        crossover::cross(this, &earlier).into_iter().collect();
    if let Some((_, best)) = with.tried.iter().max_by_key(|(score, _)| *score) {
        let mut others: Vec<crossover::Tried> = earlier
            .iter()
            .filter(|t| t.attempt != best.attempt)
            .cloned()
            .collect();
        others.push(this.clone());
        candidates.extend(crossover::cross(best, &others));
    }
    let mut now = (code, verdict, None);
    for crossed in candidates {
        if !tested.insert(crossed.code.trim().to_string()) {
            continue;
        }
        let verifying = Instant::now();
        let (c, v, _) = verify_fixing(ctx, scratch, m, module, crossed.code.clone()).await?;
        let (c, v, mutant) =
            try_mutants(ctx, scratch, m, module, c, v, verifying.elapsed()).await?;
        tested.insert(c.trim().to_string());
        let what = match mutant {
            Some(edit) => format!("{}, then {edit}", crossed.describe(this.attempt)),
            None => crossed.describe(this.attempt),
        };
        if v.green() {
            return Ok((c, v, Some((crossed.base, what))));
        }
        if closer(&v, &now.1, tests_rs) {
            now = (c, v, Some((crossed.base, what)));
        }
    }
    // The scratch copy holds the code the next repair shows.
    write_imp(scratch, m, &now.0)?;
    Ok(now)
}

/// Whether `new` came closer to green than `old` without breaking what `old` passed: it
/// is [`Closeness`]-closer, it breaks no checked NFR `old` kept, and when both ran their
/// tests, every test `new` fails `old` failed too and every test `old` passed `new`
/// passed too (a code that ends the test process early fails one test and runs none of
/// the rest: fewer failures, but not closer). Code ghost changed (an edit, a crossing) is
/// kept only when it is closer so: a repair must not be shown a failure ghost made, nor
/// asked to rewrite a function the model got right.
fn closer(new: &Verdict, old: &Verdict, tests_rs: &str) -> bool {
    if Closeness::of(new, tests_rs) <= Closeness::of(old, tests_rs) {
        return false;
    }
    // Kept: checked and holding. A lint or timing the old code never got to (it did not
    // compile, its tests failed) is no NFR it kept.
    let kept_before: BTreeSet<&str> = old
        .checked
        .iter()
        .filter(|n| n.checked && n.ok)
        .map(|n| n.nfr.as_str())
        .collect();
    if new
        .checked
        .iter()
        .any(|n| n.broken() && kept_before.contains(n.nfr.as_str()))
    {
        return false;
    }
    if !(new.ran() && old.ran()) {
        return true;
    }
    let failed_before: BTreeSet<&str> = old.tests.failed.iter().map(|f| f.name.as_str()).collect();
    let passed_now: BTreeSet<&str> = new.tests.passed.iter().map(String::as_str).collect();
    new.tests
        .failed
        .iter()
        .all(|f| failed_before.contains(f.name.as_str()))
        && old
            .tests
            .passed
            .iter()
            .all(|p| passed_now.contains(p.as_str()))
}

/// The least time limit of a mutant's test run.
const MUTANT_MIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether fixed code is closer to compiling: fewer errors, or every error gone and
/// as many new ones in their place (rustc reports borrow errors only once the types
/// check, so fixing a type error can bring one to light); never when it has more syntax
/// errors (rustc stops at those, so they hide every other error and look like fewer).
fn fixes_helped(before: &[CompilerMessage], after: &[CompilerMessage]) -> bool {
    let headline = |e: &CompilerMessage| e.rendered.lines().next().unwrap_or("").to_string();
    let syntax =
        |errors: &[CompilerMessage]| errors.iter().filter(|e| e.is_uncoded_error()).count();
    if syntax(after) > syntax(before) {
        return false;
    }
    let old: BTreeSet<String> = before.iter().map(headline).collect();
    after.len() < before.len()
        || (after.len() == before.len() && !after.iter().any(|e| old.contains(&headline(e))))
}

/// Writes `code` as the module's `imp.rs` in the scratch copy, without testing it.
fn write_imp(scratch: &Path, m: &CompiledModule, code: &str) -> Result<(), BuildError> {
    let path = scratch.join(&m.imp_path);
    crate::plan::lock::write_atomic(&path, code.as_bytes()).map_err(|source| {
        BuildError::Write(workspace::WriteError::Io {
            path: path.clone(),
            source,
        })
    })
}

/// A panic in another job while it held the lock (a bug): this build stops.
fn poisoned() -> BuildError {
    BuildError::Cargo(std::io::Error::other("the lock's mutex was poisoned"))
}

/// Where an accepted implementation came from, for its lock entry.
enum Accepted {
    /// The code on disk passed the new tests: the entry keeps what it first cost.
    Relock,
    /// Code written by hand, never locked, passed.
    Adopt,
    /// The agent wrote it.
    Agent { attempts: u32, tokens: (u64, u64) },
}

/// Before new code replaces `target` (`--force`, or a lost lock): code there that is not
/// what the lock holds nor ghost's stub was written by hand, and is kept under
/// `.ghost/kept/`, with a warning, so that nothing anyone wrote is lost.
fn keep_hand_edits(shared: &Shared, m: &CompiledModule, target: &Path, code: &str) {
    let Ok(on_disk) = std::fs::read(target) else {
        return;
    };
    let locked = lock_of(shared)
        .get(&m.name)
        .map(|e| e.implementation.clone());
    // Code the lock does not hold (or with no lock entry at all) that is not a stub.
    let stub = on_disk == m.stub.as_bytes()
        || std::str::from_utf8(&on_disk).is_ok_and(crate::compile::rust::is_untouched_stub);
    let by_hand = on_disk != code.as_bytes()
        && locked.is_none_or(|hash| !crate::plan::lock::locks(&hash, &on_disk))
        && !stub;
    if !by_hand {
        return;
    }
    let kept_root = shared.ctx.paths.state_dir.join("kept");
    let message = match super::outside_writes::keep_copy(&kept_root, &m.name, "edited-by-hand", &on_disk) {
        Some(path) => format!(
            "imp.rs was edited by hand and is replaced by the new code; the edited text is kept in `{}`",
            path.display()
        ),
        None => "imp.rs was edited by hand and is replaced by the new code; the edited text could not be kept".into(),
    };
    (shared.progress)(Event::Warning {
        module: m.name.clone(),
        message,
    });
}

/// Copies an accepted `imp.rs` (and the snapshots it recorded) into the generated crate
/// and locks it.
fn accept(
    shared: &Shared,
    m: &CompiledModule,
    scratch: &Path,
    code: &str,
    how: Accepted,
) -> Result<(), BuildError> {
    let ctx = &shared.ctx;
    let io = |path: &Path, source: std::io::Error| {
        BuildError::Write(workspace::WriteError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let target = ctx.paths.out_dir.join(&m.imp_path);
    // Green: no earlier attempts to go on from, no repair to show.
    super::session::forget_attempts(&ctx.paths, &m.name);
    if !matches!(how, Accepted::Relock) {
        // New code: the modules that use this one (through others, too) are tested again.
        if let Ok(mut changed) = shared.changed.lock() {
            changed.insert(m.name.clone());
            // Before the lock entry: a build stopped after it still tests them next time.
            super::retest::write(&ctx.paths, &changed);
        }
    }
    // Its code as ghost left it, before ghost writes it: an agent program that wrote into
    // this module's own file in the project (not its scratch copy) is caught as one
    // writing into another module's is, not overwritten unseen.
    if let Some(w) = shared.expected.check_one(&m.name) {
        shared.tell_outside_writes(vec![w]);
    }
    if !matches!(how, Accepted::Relock | Accepted::Adopt) {
        // New code in place of code on disk: what a person wrote there is kept first.
        keep_hand_edits(shared, m, &target, code);
    }
    // What was there, put back if the lock cannot record the new code: code on disk that
    // its lock entry does not describe would read as edited by hand.
    let before = std::fs::read(&target).ok();
    shared
        .expected
        .put(&m.name, &target, Some(code.as_bytes()))
        .map_err(|e| io(&target, e))?;
    let mut lock = shared.lock.lock().map_err(|_| poisoned())?;
    let entry_before = lock.get(&m.name).cloned();
    let previous = entry_before
        .clone()
        .filter(|_| matches!(how, Accepted::Relock));
    let mut entry = entry_for(m, code.as_bytes(), previous);
    if let Accepted::Agent { attempts, tokens } = how {
        entry.agent = shared.settings.provider.clone();
        entry.model = shared.settings.model.clone();
        entry.attempts = attempts;
        entry.tokens_in = tokens.0;
        entry.tokens_out = tokens.1;
    }
    let implementation = entry.implementation.clone();
    lock.upsert(entry);
    let written = shared
        .expected_lock
        .write(|| lock.write(&ctx.paths.lock))
        .map(|found| shared.tell_lock_write(found));
    if let Err(e) = written {
        // Taken back in memory too: another module's lock write must not record it.
        match entry_before {
            Some(old) => lock.upsert(old),
            None => lock.remove(&m.name),
        }
        // Recorded with the file, or not at all (left as it is, the file holds the
        // new code, which is what ghost expects there).
        let _ = shared.expected.put(&m.name, &target, before.as_deref());
        return Err(e.into());
    }
    drop(lock);
    // A stand-in its `mod.rs` got as the build began, for an item the old code lacked,
    // gives way to the new code's item.
    super::standing_in::refit(&ctx.paths, m);
    super::accepted::keep(&ctx.paths.state_dir, &m.name, code.as_bytes());
    // The snapshots its tests pinned, once the lock records the code that printed them.
    let snaps = scratch.join("tests").join("snapshots");
    let mut pinned: Vec<PathBuf> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&snaps) {
        let prefix = format!("{}__", m.test_target);
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".snap") {
                let to = ctx
                    .paths
                    .out_dir
                    .join("tests")
                    .join("snapshots")
                    .join(&name);
                // The scratch's file passed the pin check: the same value, or one recorded
                // anew (a new snapshot, or one whose spec changed).
                let bytes = std::fs::read(e.path()).map_err(|err| io(&e.path(), err))?;
                if std::fs::read(&to).ok().as_deref() != Some(bytes.as_slice()) {
                    crate::plan::lock::write_atomic(&to, &bytes).map_err(|err| io(&to, err))?;
                }
                pinned.push(Path::new("tests").join("snapshots").join(&name));
            }
        }
    }
    // Recorded as ghost's at once: a build killed later must not take them for edits.
    let (state_dir, out_dir) = (&ctx.paths.state_dir, &ctx.paths.out_dir);
    super::written::record_pins(state_dir, out_dir, &ctx.paths.lock, &pinned);
    if let Some(module) = ctx.project.module(&m.name) {
        super::revision::remember(&ctx.paths, &ctx.project, module, &implementation);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fatal error is said in full for the module that met it first; the same error
    /// met by another module points there, a different one is said as it is.
    #[test]
    fn a_fatal_error_is_said_once_and_pointed_to() {
        let fatal = Mutex::new(None);
        let refused = "cannot reach u: connection refused; is the server running?";
        assert_eq!(Fatal::note(&fatal, "a.one", refused), refused);
        assert_eq!(
            Fatal::note(&fatal, "b.two", refused),
            "the agent failed as it did for `a.one` (said there)"
        );
        assert_eq!(Fatal::note(&fatal, "b.two", "bad key"), "bad key");
        assert_eq!(Fatal::note(&fatal, "a.one", refused), refused);
    }

    #[test]
    fn a_reply_without_code_is_told_so_beside_the_failure_it_was_asked_to_mend() {
        let repair = RepairContext {
            attempt: 2,
            previous_code: "pub fn f() -> i64 {\n    // TODO: write this body anew\n}\n".into(),
            rewrite: vec!["f".into()],
            failures: vec!["test `example_f_1` failed: left: 1, right: 2".into()],
            last_diff: Some("-a\n+b\n".into()),
            ..RepairContext::default()
        };
        let next = next_after_no_code(
            FailureClass::NoCode,
            "the reply had no ```rust block".into(),
            Some(repair.clone()),
            Some("pub fn f() -> i64 {\n    1\n}\n"),
        )
        .expect("a repair");
        assert_eq!(
            next.previous_code, repair.previous_code,
            "still without the body"
        );
        assert_eq!(next.rewrite, repair.rewrite);
        assert_eq!(
            next.failures,
            vec![
                repair.failures[0].clone(),
                "the reply had no ```rust block".to_string()
            ]
        );
        assert_eq!(next.last_diff, None);
        let first = next_after_no_code(FailureClass::NoCode, "no code".into(), None, None)
            .expect("a repair");
        assert!(first.previous_code.is_empty() && first.rewrite.is_empty());
    }

    fn error(rendered: &str) -> CompilerMessage {
        CompilerMessage {
            level: "error".into(),
            file: None,
            line: None,
            column: None,
            rendered: rendered.into(),
            suggestion: None,
        }
    }

    #[test]
    fn a_build_whose_repairs_mend_nothing_starts_afresh() {
        let tally = RepairTally::default();
        tally.count_for("a.b", false);
        tally.count_for("a.b", true);
        assert!(!tally.repairs_mend_nothing(), "two are too few to judge");
        tally.count_for("a.b", false);
        assert!(
            !tally.repairs_mend_nothing(),
            "one hard module is no verdict"
        );
        tally.count_for("c.d", false);
        assert!(tally.repairs_mend_nothing());
        tally.mended();
        assert!(
            !tally.repairs_mend_nothing(),
            "one repair mended its module"
        );
    }

    #[test]
    fn code_one_function_short_of_green_is_repaired_even_when_repairs_mend_nothing() {
        use crate::build::mutants::tests::failing;
        let holed = "pub fn split(a: i64) -> i64 {\n    todo!()\n}\n\npub fn format(a: i64) -> String {\n    a.to_string()\n}\n";
        let one = RepairContext {
            rewrite: vec!["split".into()],
            previous_code: holed.into(),
            ..RepairContext::default()
        };
        assert!(one_function_short(&one, &failing(&["example_split_1"])));
        let two = RepairContext {
            rewrite: vec!["split".into(), "format".into()],
            ..RepairContext::default()
        };
        assert!(!one_function_short(&two, &failing(&["example_split_1"])));
        let broken = RepairContext {
            compiler_errors: vec!["error[E0308]: mismatched types".into()],
            ..one.clone()
        };
        assert!(!one_function_short(&broken, &failing(&["example_split_1"])));
        let many: Vec<String> = (1..=mutants::MAX_FAILED_TESTS + 1)
            .map(|i| format!("example_split_{i}"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(
            !one_function_short(&one, &failing(&many)),
            "too far from green"
        );
        let alone = RepairContext {
            previous_code: "pub fn split(a: i64) -> i64 {\n    todo!()\n}\n".into(),
            ..one.clone()
        };
        assert!(
            !one_function_short(&alone, &failing(&["example_split_1"])),
            "nothing kept: a fresh start does better"
        );
    }

    #[test]
    fn ghosts_changes_are_closer_only_when_they_break_nothing_that_passed() {
        use crate::build::mutants::tests::failing;
        let old = failing(&["example_f_1", "example_f_2"]);
        assert!(closer(&failing(&["example_f_1"]), &old, ""));
        assert!(
            !closer(&failing(&["example_g_1"]), &old, ""),
            "fewer failures, but one the code passed before"
        );
        assert!(!closer(&failing(&["example_f_1", "example_f_2"]), &old, ""));
        let mut broken = Verdict::default();
        broken
            .tests
            .errors
            .push(error("error[E0308]: mismatched types"));
        assert!(closer(&old, &broken, ""), "its tests ran at all");
        assert!(!closer(&broken, &old, ""));

        // A code that ends the test process at a test it failed before runs none after
        // it: one failure against two, and the tests after it never passed.
        let mut passing = failing(&["example_f_1", "example_f_2"]);
        passing.tests.passed = vec!["example_g_1".into(), "example_h_1".into()];
        let mut cut = failing(&["example_f_1"]);
        cut.tests.passed = vec!["example_g_1".into()];
        assert!(!closer(&cut, &passing, ""), "example_h_1 no longer passes");
        cut.tests.passed.push("example_h_1".into());
        assert!(closer(&cut, &passing, ""));

        // An NFR the code kept and the change broke; one broken or never checked before.
        let nfr = |ok| crate::build::verify::NfrResult {
            nfr: "max_lines 40".into(),
            ok,
            checked: true,
            detail: String::new(),
        };
        passing.checked.push(nfr(true));
        cut.checked.push(nfr(false));
        assert!(
            !closer(&cut, &passing, ""),
            "a line limit broken by the change"
        );
        passing.checked[0] = nfr(false);
        assert!(closer(&cut, &passing, ""), "broken before as well");
        // A timing taken only once every test passes: never checked for the old code.
        passing.checked[0].checked = false;
        cut.tests.failed.clear();
        assert!(closer(&cut, &passing, ""), "never checked before: not kept");
    }

    #[test]
    fn a_reply_is_bounded_by_the_setting_or_by_the_room_the_window_leaves() {
        assert_eq!(reply_tokens(None, None), None);
        assert_eq!(reply_tokens(Some(8_192), None), Some(2_048));
        assert_eq!(reply_tokens(Some(4_096), None), Some(1_024));
        assert_eq!(reply_tokens(Some(32_768), None), Some(8_192));
        assert_eq!(reply_tokens(Some(200_000), None), Some(8_192));
        assert_eq!(reply_tokens(Some(8_192), Some(1_000)), Some(1_000));
        assert_eq!(reply_tokens(None, Some(4_000)), Some(4_000));
    }

    #[test]
    fn a_diff_is_shown_beside_the_code_only_when_it_is_small() {
        let old: String = (0..60).map(|i| format!("    let x{i} = {i};\n")).collect();
        let small = old.replace("let x3 = 3;", "let x3 = 4;");
        let rewritten: String = (0..60).map(|i| format!("    let y{i} = {i};\n")).collect();
        assert!(diff_worth_showing(&prompt::diff(&old, &small), &small));
        assert!(!diff_worth_showing(
            &prompt::diff(&old, &rewritten),
            &rewritten
        ));
    }

    #[test]
    fn fixes_that_bring_syntax_errors_do_not_help() {
        let before = [
            error("error[E0308]: mismatched types"),
            error("error[E0599]: no method named `len`"),
        ];
        let parse = [error("error: expected one of `)`, `,`, found `::`")];
        assert!(
            !fixes_helped(&before, &parse),
            "fewer, but the parser stopped"
        );
        let fewer = [error("error[E0599]: no method named `len`")];
        assert!(fixes_helped(&before, &fewer));
        let new = [
            error("error[E0382]: use of moved value"),
            error("error[E0384]: cannot assign twice"),
        ];
        assert!(fixes_helped(&before, &new), "all new, as many");
        let counted = [
            error("error[E0382]: use of moved value"),
            error("error: aborting due to 1 previous error"),
        ];
        assert!(
            fixes_helped(&before, &counted),
            "rustc's closing count is no syntax error"
        );
    }

    #[test]
    fn scratch_manifests_get_a_version_of_their_own() {
        let manifest = "[package]\nname = \"demo\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dev-dependencies]\ninsta = { version = \"1\" }\n";
        let here = Path::new("/work/one/.ghost/scratch/math.double");
        let a = distinct_version(manifest, "math.double", here);
        let b = distinct_version(manifest, "text.shout", here);
        let elsewhere = Path::new("/work/two/.ghost/scratch/math.double");
        let c = distinct_version(manifest, "math.double", elsewhere);
        assert!(
            a.contains("\nversion = \"0.0.0-scratch-math-double-"),
            "{a}"
        );
        assert_ne!(a, b);
        assert_ne!(a, c, "another checkout's copy has a version of its own");
        assert!(
            a.contains("insta = { version = \"1\" }"),
            "only the package's version changes: {a}"
        );
        // A version set in ghost.toml's [package] is replaced the same way.
        let versioned = manifest.replace("0.0.0", "1.4.0-rc.1");
        let d = distinct_version(&versioned, "math.double", here);
        assert_eq!(d, a);
    }
}
