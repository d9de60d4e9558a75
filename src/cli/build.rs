//! `ghost build [PATHS or MODULES]`: generate or repair every module that is not fresh;
//! `--locked` proves instead that code and specs agree, without an agent.

use super::output::for_terminal;
use super::pipeline::Pipeline;
use super::report;
use super::{CommandError, Exit, Output};
use crate::agent::cache::{CachedProvider, ResponseCache};
use crate::agent::{self, ProviderKind};
use crate::build::generate::{self, Agent, Event, LoopSettings};
use crate::build::session::{self, Options, Outcome};
use crate::config::{self, AgentOverrides};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const HELP: &str = "\
Checks the specs, then asks the agent for every stale, missing or failing module
(dependencies first, independent ones at once) until its acceptance tests pass or its
attempts run out, and updates ghost.lock. The agent comes from [agent] in ghost.toml,
overridden by GHOST_PROVIDER, GHOST_MODEL, GHOST_BASE_URL and then by the flags.

Given modules, it builds them and what they use; the modules that use them are tested
again when their code changes, and reported failing (never regenerated) if it broke them.

What costs few tokens or none comes first: a stale module whose code passes its new tests is
re-locked; one whose docs or signatures changed is revised (the agent sees its code and
what changed, and answers with what must change); replies are kept in .ghost/cache, so a
build stopped and run again pays for nothing twice.

With --provider manual no agent is asked: each module that needs code gets its prompt in
.ghost/prompts/MODULE.md and is reported waiting (exit 1); write its imp.rs and run the
build again, which tests the code on disk and locks it if it passes.

Exits 0 when every module is green; 1 for errors in the specs, or a module not green that
no agent was asked for (waiting or failing under --provider manual; with --locked, any
module not fresh or failing its tests); 2 for bad usage or configuration (no agent
configured where one is needed, or its settings failing where it is: a key not set, a bad
URL); 3 when the agent failed (network, budget spent, attempts exhausted). A build with
nothing to do (every module fresh) asks no agent: it exits 0 whatever the agent's
settings, with a warning when they would fail a build that needs them.

Examples:
  ghost build
  ghost build --locked            the CI form: exit 1 if any module is not fresh
  ghost build cache.lru --provider openai --model gpt-5
  ghost build --provider manual   write the prompts; test and lock the code you write";

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Spec files, folders or module names (`text.slug`); every module when none is given
    #[arg(value_name = "PATHS|MODULES")]
    pub targets: Vec<String>,
    /// Call no agent: exit 1, naming them, if any module is not fresh; run the tests
    #[arg(long, conflicts_with = "force")]
    pub locked: bool,
    /// Regenerate the modules named (all when none is) even if their code passes its
    /// tests; the modules they use are built only as far as needed
    #[arg(long)]
    pub force: bool,
    /// The agent provider: openai, anthropic, command or manual
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The model to ask
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// The provider's URL (for OpenAI-compatible local servers)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Attempts per module before it is reported as failed
    #[arg(long, value_name = "N", value_parser = super::at_least_one)]
    pub max_attempts: Option<u32>,
    /// How many modules are generated at once
    #[arg(long, value_name = "N", value_parser = super::at_least_one)]
    pub concurrency: Option<u32>,
    /// Set by `ghost watch --build`, not a flag: modules a build gave up on are left
    /// until their spec changes (see `Options::retry_given_up`).
    #[arg(skip)]
    pub from_watch: bool,
}

impl BuildArgs {
    /// The agent settings these flags override (layered by
    /// [`crate::config::effective_agent`]).
    pub fn overrides(&self) -> AgentOverrides {
        AgentOverrides {
            provider: self.provider.clone(),
            model: self.model.clone(),
            base_url: self.base_url.clone(),
            max_attempts: self.max_attempts,
            concurrency: self.concurrency,
        }
    }
}

/// The tokens one build may spend when ghost.toml sets no `max_tokens_per_build`.
pub const DEFAULT_MAX_TOKENS_PER_BUILD: u64 = 2_000_000;

pub fn run(args: &BuildArgs, out: &Output) -> Result<Exit, CommandError> {
    run_loaded(Pipeline::load(&[])?, args, out)
}

/// [`run`] of a project loaded and checked already (by `ghost watch`'s check).
pub fn run_loaded(
    pipeline: Pipeline,
    args: &BuildArgs,
    out: &Output,
) -> Result<Exit, CommandError> {
    if let Some(exit) = pipeline.report_errors(out, "nothing was generated") {
        return Ok(exit);
    }
    let only = selected_modules(&pipeline, &args.targets)?;
    let _held = pipeline.hold()?;
    let lock = pipeline.lock(out, false)?;
    // Not for the modules `--force` regenerates (all when it names none).
    let all_forced = args.force && only.is_empty();
    if !args.locked && !all_forced {
        let forced: &[String] = if args.force { &only } else { &[] };
        pipeline.restore_accepted(&lock, out, forced);
    }
    let templates = pipeline.templates()?;
    if !args.locked && super::pipeline::local_templates_in_use(&pipeline.project) {
        out.warning(
            "prompt templates in .ghost/templates/ are in use: .ghost/ is not committed, so the lock this build writes is stale in every other checkout (CI's build --locked fails); move them to a committed folder named by `templates` under [project] (docs/templates.md)",
        );
    }
    if let Some(warning) = super::pipeline::renamed_crate_warning(&pipeline.project) {
        out.warning(&warning);
    }
    let env = AgentOverrides::from_env(|k| std::env::var(k).ok());
    // Where an unknown provider was written, for its error: a GHOST_PROVIDER left in a
    // shell's profile is not where a user looks first.
    let provider_from = if args.provider.is_some() {
        "given by --provider"
    } else if env.provider.is_some() {
        "from the environment variable GHOST_PROVIDER"
    } else {
        "from ghost.toml"
    };
    let settings = config::effective_agent(&pipeline.project.config.config, env, args.overrides());
    let runtime = runtime()?;

    // Entries of modules no spec declares any more (a spec deleted or renamed).
    let known: Vec<String> = pipeline
        .module_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let orphans: Vec<String> = lock
        .names()
        .filter(|n| !known.iter().any(|k| k == n))
        .map(str::to_string)
        .collect();

    // Not with `--force`, which asks for new code.
    if !args.locked && !args.force && !orphans.is_empty() {
        carry_renamed(out, &pipeline, &lock, &orphans);
    }

    if args.locked {
        let conflicted = lock.had_markers;
        if conflicted {
            out.error("ghost.lock has merge conflict markers: run `ghost build` (which writes it without them) and commit the result");
        }
        for o in &orphans {
            let what = "run `ghost build` (which drops it from ghost.lock) and commit the result";
            out.error(&format!(
                "ghost.lock has module `{o}`, which no spec declares: {what}"
            ));
            if out.json() {
                out.json_line(
                    "module-not-fresh",
                    serde_json::json!({ "module": o, "state": "orphaned", "help": what }),
                );
            }
        }
        let shown = pipeline.project.clone();
        let ctx = pipeline.context(templates);
        ctx.check_templates()?;
        // A lock with merge markers or entries no spec declares fails as it is: the
        // tests are not run for nothing.
        let refused = conflicted || !orphans.is_empty();
        let check = session::locked(&ctx, &lock, &only, refused);
        let Some(locked) = crate::process::until_interrupted(&runtime, check) else {
            out.error("interrupted: the tests were stopped; nothing was written");
            return Ok(Exit::Interrupted);
        };
        let mut locked = locked?;
        // Shown from the current folder, as diagnostics are (`generated/Cargo.toml`).
        for file in &mut locked.outdated_files {
            *file = shown.display(&ctx.paths.out_dir.join(&*file));
        }
        let exit = report::locked(out, &locked, &ctx.paths.out_dir, |module| {
            ctx.spec_file(module)
        });
        release(ctx, args.from_watch);
        return Ok(if orphans.is_empty() && !conflicted {
            exit
        } else {
            Exit::Failure
        });
    }
    let mut lock = lock;
    let lock_path = pipeline.paths().lock;
    let lock_state_dir = pipeline.paths().state_dir;
    let paths = pipeline.paths();
    let out_shown = paths
        .out_dir
        .strip_prefix(&paths.guarded.root)
        .unwrap_or(&paths.out_dir)
        .to_path_buf();
    // The lock as read (merge conflicts settled, entries no spec declares dropped) is
    // written once nothing can stop the build any more (no agent, a bad template).
    let tidy_lock = |lock: &mut crate::plan::Lock| -> Result<(), CommandError> {
        if lock.had_markers {
            crate::build::written::write_lock(&lock_state_dir, lock, &lock_path)?;
        }
        if !orphans.is_empty() {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            lock.retain_modules(&known);
            crate::build::written::write_lock(&lock_state_dir, lock, &lock_path)?;
            for o in &orphans {
                // Its own files, named, so that a user who cleans up knows what: the crate
                // no longer compiles or tests them (lib.rs and Cargo.toml drop the module).
                // Not its folder: a module inside it (`text.case` in `text`'s) may live on.
                let imp = out_shown.join(crate::compile::rust::imp_path_of(o));
                let dir = imp.parent().map(Path::to_path_buf).unwrap_or_default();
                let tests = out_shown.join(crate::compile::rust::tests_path_of(o));
                // Its pinned snapshots too: insta names them after the test target.
                let target = tests.file_stem().unwrap_or_default().to_string_lossy();
                let pins = crate::build::snapshots::files_of(&paths.out_dir, &target)
                    .into_iter()
                    .filter_map(|f| Some(out_shown.join(f.strip_prefix(&paths.out_dir).ok()?)));
                let files: Vec<String> = [imp.clone(), dir.join("mod.rs"), tests]
                    .into_iter()
                    .filter(|f| paths.guarded.root.join(f).exists())
                    .chain(pins)
                    .map(|f| format!("`{}`", f.display()))
                    .collect();
                let left = if files.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (its files {} are left as they are, no longer compiled; delete them when you no longer need them)",
                        files.join(", ")
                    )
                };
                out.status(&format!(
                    "dropped `{o}` from ghost.lock: no spec declares it any more{left}"
                ));
            }
        }
        Ok(())
    };

    let options = Options {
        only,
        force: args.force,
        sample_forced: args.force,
        retry_given_up: !args.from_watch,
    };
    // A build that asks no agent (none configured and none needed, the manual provider,
    // or nothing to build): the code on disk tested and locked, prompts for the rest.
    let without_agent =
        |ctx: session::Context, lock: &mut crate::plan::Lock| -> Result<Exit, CommandError> {
            tidy_lock(lock)?;
            let exit = build_manual(out, &runtime, &ctx, lock, &options);
            release(ctx, args.from_watch);
            exit
        };
    let Some(provider_name) = settings.provider.clone() else {
        // No agent: enough when no module needs new code (every module fresh, or code
        // on disk to test and lock), as the manual provider does it.
        let ctx = pipeline.context(templates);
        ctx.check_templates()?;
        let needing = session::needing_agent(&ctx, &lock, &options);
        if needing.is_empty() {
            return without_agent(ctx, &mut lock);
        }
        let named: Vec<String> = needing
            .iter()
            .map(|(name, why)| format!("`{name}` ({why})"))
            .collect();
        return Err(CommandError::Usage(format!(
            "no agent is configured, and {} {} one\nhelp: set `provider` under [agent] in ghost.toml, GHOST_PROVIDER, or pass --provider (openai, anthropic, command, manual)",
            super::output::first_few(&named, 5),
            if needing.len() == 1 { "needs" } else { "need" }
        )));
    };
    let kind = ProviderKind::parse(&provider_name).ok_or_else(|| {
        CommandError::Usage(format!(
            "unknown provider `{provider_name}` ({provider_from})\nhelp: use one of openai, anthropic, command, manual"
        ))
    })?;
    let state_dir = pipeline.paths().state_dir;
    let ctx = pipeline.context(templates);
    ctx.check_templates()?;

    if kind == ProviderKind::Manual {
        return without_agent(ctx, &mut lock);
    }

    let project_root = state_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // `--force` asks for new code: answers from the cache would be the old ones.
    let cache = (!args.force).then(|| state_dir.join("cache"));
    let (agent, agent_settings) = match make_agent(kind, &settings, &project_root, cache) {
        Ok(made) => made,
        // A build with nothing to do asks no agent, so settings that could not make one
        // (a key not set, a bad URL) do not fail it, as `cargo build` with nothing to
        // compile needs no registry; they are said, for the build that will need them.
        Err(e) if session::nothing_to_build(&ctx, &lock, &options) => {
            let why = e.to_string();
            out.warning(&format!(
                "warning: every module is fresh, nothing to build; the agent was not needed, and its settings would fail a build that needs it: {}",
                why.lines().next().unwrap_or_default()
            ));
            return without_agent(ctx, &mut lock);
        }
        Err(e) => return Err(e),
    };
    tidy_lock(&mut lock)?;
    tell_waits(out);
    tell_deleted_code(out, &ctx, &lock, &options.only);
    let loop_settings = loop_settings(kind, &settings, &agent_settings, settings.max_attempts);
    // The modules beside the selection count too: re-tested or not, each ends with an event.
    let total = session::build_order(&ctx, &options.only).0.len();
    let progress = progress(out, total);
    let ctx = Arc::new(ctx);
    let ctx_after = Arc::clone(&ctx);
    let work = generate::build_with_agent(ctx, lock, options, agent, loop_settings, progress);
    match crate::process::until_interrupted(&runtime, work) {
        Some(r) => {
            let (reports, _lock) = r?;
            let exit = report::build(out, &reports, |module| ctx_after.spec_file(module));
            tell_broken_crate(out, &runtime, &ctx_after, &reports);
            Ok(exit)
        }
        None => Ok(interrupted(out)),
    }
}

/// Lets the operating system reclaim the context when the process ends right after the
/// build: freeing a large project's compiled files one by one was 7% of a build with
/// nothing to do. `watch --build` builds again in the same process: there it is freed.
fn release(ctx: session::Context, from_watch: bool) {
    if from_watch {
        drop(ctx);
    } else {
        std::mem::forget(ctx);
    }
}

/// After a build that left modules not green: says so if the generated crate no longer
/// compiles (a failed module's last accepted code against a dependency's new interface).
/// A check that cannot run says nothing: the build's own report stands.
fn tell_broken_crate(
    out: &Output,
    runtime: &tokio::runtime::Runtime,
    ctx: &session::Context,
    reports: &[session::ModuleReport],
) {
    let check = session::broken_crate(ctx, reports);
    if let Some(Ok(Some(broken))) = crate::process::until_interrupted(runtime, check) {
        report::broken_crate(out, &broken);
    }
}

/// A build with the manual provider (or none): the code on disk tested and locked, a
/// prompt written for every other module.
fn build_manual(
    out: &Output,
    runtime: &tokio::runtime::Runtime,
    ctx: &session::Context,
    lock: &mut crate::plan::Lock,
    options: &Options,
) -> Result<Exit, CommandError> {
    let (state_dir, out_dir) = (&ctx.paths.state_dir, &ctx.paths.out_dir);
    let (kept, standing_in) =
        session::write_crate_for_build(ctx, &options.only).map_err(session::BuildError::from)?;
    for edit in kept {
        out.warning(&format!("warning: {}", edit.why(out_dir)));
    }
    match crate::process::until_interrupted(runtime, session::build_manual(ctx, lock, options)) {
        Some(reports) => {
            let reports = reports?;
            crate::build::written::record_snapshots(state_dir, out_dir, &ctx.paths.lock);
            let exit = report::build(out, &reports, |module| ctx.spec_file(module));
            tell_standing_in(out, out_dir, &standing_in);
            tell_broken_crate(out, runtime, ctx, &reports);
            Ok(exit)
        }
        None => Ok(interrupted(out)),
    }
}

/// Says what an interrupted build left, for exit 130.
fn interrupted(out: &Output) -> Exit {
    out.error(
        "interrupted: every module finished so far is locked and no file is half-written; `ghost build` goes on with the rest (until it has, the generated crate may hold tests of the new specs beside code of the old ones)",
    );
    Exit::Interrupted
}

/// Gives each module renamed from one of `orphans` its old code, and says so
/// (`build/renamed.rs`).
fn carry_renamed(out: &Output, pipeline: &Pipeline, lock: &crate::plan::Lock, orphans: &[String]) {
    let paths = pipeline.paths();
    for carried in
        crate::build::renamed::carry_over(&paths, &pipeline.checked.project, lock, orphans)
    {
        out.status(&format!(
            "`{}` starts from the code of `{}`, which no spec declares any more: the same interface and docs (a rename); its tests decide before any agent is asked",
            carried.to, carried.from
        ));
    }
}

/// Modules the lock has code for that is gone from disk (`generated/` deleted, an `out`
/// changed): the agent is asked for them anew, which version control could spare.
fn tell_deleted_code(
    out: &Output,
    ctx: &session::Context,
    lock: &crate::plan::Lock,
    only: &[String],
) {
    let (order, beside) = session::build_order(ctx, only);
    let gone: Vec<String> = order
        .into_iter()
        .filter(|m| !beside.contains(&m.name))
        .filter(|m| lock.get(&m.name).is_some())
        .filter(|m| !ctx.status(lock, m).has_code)
        .map(|m| format!("`{}`", m.name))
        .collect();
    if gone.is_empty() {
        return;
    }
    out.warning(&format!(
        "ghost.lock records code for {} that is not on disk (under {}): the agent is asked for it anew; if it was deleted by mistake, stop (Ctrl-C) and restore those files from version control (`git status` lists them)",
        super::output::first_few(&gone, 5),
        crate::project::shown_from_cwd(&ctx.paths.out_dir).display()
    ));
}

/// The agent of a build or an eval: an HTTP provider (wrapped in the response cache when
/// `cache` names its folder) or the command provider; relative command paths resolve from
/// `project_root`.
pub(super) fn make_agent(
    kind: ProviderKind,
    settings: &config::AgentSettings,
    project_root: &Path,
    cache: Option<PathBuf>,
) -> Result<(Agent, agent::AgentSettings), CommandError> {
    let agent_settings = agent::AgentSettings {
        provider: kind,
        model: settings.model.clone().unwrap_or_default(),
        base_url: settings.base_url.clone(),
        api_key_env: settings.api_key_env.clone(),
        command: settings.command.clone(),
        command_base: Some(project_root.to_path_buf()),
        stream: settings.stream,
        timeout: std::time::Duration::from_secs(settings.timeout),
        ..agent::AgentSettings::default()
    };
    let agent = match kind {
        ProviderKind::Command => {
            if agent_settings
                .command
                .as_deref()
                .is_none_or(|c| c.trim().is_empty())
            {
                return Err(CommandError::Usage(
                    "provider `command` needs a command\nhelp: set `command` under [agent] in ghost.toml, e.g. `command = \"codex exec --full-auto -\"`".into(),
                ));
            }
            let (program, _) = agent::command::command_line(&agent_settings).map_err(|e| {
                CommandError::Usage(format!(
                    "{e}\nhelp: fix `command` under [agent] in ghost.toml"
                ))
            })?;
            if !agent::command::program_exists(&program, std::env::var_os("PATH").as_deref()) {
                return Err(CommandError::Usage(format!(
                    "the agent program `{program}` of `command` under [agent] does not exist{}\nhelp: give a program on PATH or a path to it (a relative path is read from the project's folder)",
                    if program.contains('/') { "" } else { " on PATH" }
                )));
            }
            if let Some(file) =
                agent::command::not_executable(&program, std::env::var_os("PATH").as_deref())
            {
                return Err(CommandError::Usage(format!(
                    "the agent program `{}` of `command` under [agent] is not executable\nhelp: make it so (`chmod +x {}`), or name the program that runs it first (`command = \"sh {}\"`)",
                    file.display(),
                    file.display(),
                    program
                )));
            }
            Agent::Command(
                agent_settings.clone(),
                cache.map(agent::cache::ResponseCache::new),
            )
        }
        _ => {
            let provider = agent::provider_from(&agent_settings, &|k| std::env::var(k).ok()).map_err(|e| {
                CommandError::Usage(format!("{e}\nhelp: the agent's settings come from the [agent] table of ghost.toml, then GHOST_PROVIDER, GHOST_MODEL and GHOST_BASE_URL, then the command's flags (README, \"Configuration\")"))
            })?;
            match cache {
                Some(dir) => Agent::Http(Arc::new(CachedProvider::new(
                    provider,
                    ResponseCache::new(dir),
                ))),
                None => Agent::Http(Arc::from(provider)),
            }
        }
    };
    Ok((agent, agent_settings))
}

/// Tells of each module whose `mod.rs` holds ghost's stub of an item its code lacks.
pub(super) fn tell_standing_in(
    out: &Output,
    out_dir: &std::path::Path,
    standing_in: &[crate::build::standing_in::StandingIn],
) {
    for s in standing_in {
        out.warning(&format!("warning: {}", s.why(out_dir)));
    }
}

/// A wait for a server (a 429's Retry-After, a backoff) or for another ghost run's
/// claim on the generated crate's build (see `build/claim.rs`) is said on stderr, not
/// silent; with `-q`, nothing.
pub(super) fn tell_waits(out: &Output) {
    if !out.quiet {
        let told = out.clone();
        agent::retry::on_retry(Box::new(move |line| {
            told.warning(&format!("   retrying {line}"))
        }));
        let told = out.clone();
        crate::build::claim::on_wait(Box::new(move |line| told.warning(&format!("   {line}"))));
    }
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Usage(format!("cannot start the async runtime: {e}")))
}

/// The build loop's limits from the effective `[agent]` settings and the agent made of
/// them.
pub(super) fn loop_settings(
    kind: ProviderKind,
    settings: &config::AgentSettings,
    agent: &crate::agent::AgentSettings,
    max_attempts: u32,
) -> LoopSettings {
    LoopSettings {
        provider: kind.name().to_string(),
        model: agent.model.clone(),
        max_attempts,
        concurrency: settings.concurrency as usize,
        max_tokens_per_build: settings
            .max_tokens_per_build
            .unwrap_or(DEFAULT_MAX_TOKENS_PER_BUILD),
        command_timeout: agent.timeout,
        context_window: settings.context_window,
        max_reply_tokens: generate::reply_tokens(
            settings.context_window,
            settings.max_reply_tokens,
        ),
    }
}

/// Progress while the loop works: a bar on a terminal (indicatif), plain lines on stderr
/// otherwise (CI logs, pipes), nothing with `-q`.
pub(super) fn progress(out: &Output, total: usize) -> generate::Progress {
    use std::io::IsTerminal;
    let out = out.clone();
    let line = |event: &Event| -> Option<String> {
        match event {
            Event::Started { module } => Some(format!("   building {module}")),
            Event::Attempt {
                module,
                attempt,
                max,
                first,
            } => Some(format!(
                "    asking  {module} ({})",
                attempt_said(*attempt, *max, *first)
            )),
            Event::Testing { module, attempt } => Some(format!(
                "   testing  {module} (attempt {attempt}): compiling and running its tests"
            )),
            Event::TestingTogether { modules } => Some(format!(
                "   testing  the code of {modules} stale modules together"
            )),
            Event::Finished { report } if report.outcome != Outcome::Fresh => {
                let why = report
                    .outcome
                    .why()
                    .map(|w| format!(": {w}"))
                    .unwrap_or_default();
                Some(format!(
                    "{:>11} {}{why}",
                    report.outcome.label(),
                    report.module
                ))
            }
            Event::Finished { .. } | Event::Untouched { .. } => None,
            Event::Tried {
                module,
                attempt,
                result,
            } => Some(format!(
                "      tried {module} (attempt {attempt}): {result}"
            )),
            Event::Warning { module, message } => Some(format!("    warning {module}: {message}")),
        }
    };
    // Each attempt's result is said as it comes: with a model that takes minutes an
    // attempt, what went wrong is worth a line before the build ends.
    if out.quiet || !std::io::stderr().is_terminal() {
        return Arc::new(move |event: Event| match (&event, line(&event)) {
            // A warning is shown with `-q` too: it is about the user's own files.
            (Event::Warning { .. }, Some(l)) => out.warning(&l),
            (_, Some(l)) => out.status(&l),
            (_, None) => {}
        });
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {elapsed} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Arc::new(move |event: Event| match &event {
        Event::Started { module } => bar.set_message(format!("building {module}")),
        Event::Attempt {
            module,
            attempt,
            max,
            first,
        } => bar.set_message(format!(
            "asking for {module} ({})",
            attempt_said(*attempt, *max, *first)
        )),
        Event::Testing { module, attempt } => bar.set_message(format!(
            "testing {module} (attempt {attempt}): compiling and running its tests"
        )),
        Event::TestingTogether { modules } => bar.set_message(format!(
            "testing the code of {modules} stale modules together"
        )),
        Event::Warning { .. } => {
            if let Some(l) = line(&event) {
                bar.println(for_terminal(&l));
            }
        }
        Event::Tried { .. } => {
            if let Some(l) = line(&event) {
                bar.println(for_terminal(&l));
            }
        }
        Event::Finished { .. } | Event::Untouched { .. } => {
            bar.inc(1);
            if let Some(l) = line(&event) {
                bar.println(for_terminal(&l));
            }
            if bar.position() >= bar.length().unwrap_or(0) {
                bar.finish_and_clear();
            }
        }
    })
}

/// `attempt 2 of 4`; for a build going on from attempts earlier builds gave up after
/// (numbered on, for new seeds), `attempt 14 (1 of 3 in this build)`.
fn attempt_said(attempt: u32, max: u32, first: u32) -> String {
    if first <= 1 {
        return format!("attempt {attempt} of {max}");
    }
    format!(
        "attempt {attempt} ({} of {} in this build)",
        attempt + 1 - first,
        max + 1 - first
    )
}

/// Whether a target is written as a path (`specs/a.ghost`, `x/y`), not a module name.
pub(super) fn names_a_path(target: &str) -> bool {
    target.ends_with(".ghost") || target.contains('/') || target.contains(std::path::MAIN_SEPARATOR)
}

/// The module names that `targets` (module names, spec files or folders) select.
pub fn selected_modules(
    pipeline: &Pipeline,
    targets: &[String],
) -> Result<Vec<String>, CommandError> {
    let mut out = Vec::new();
    for t in targets {
        if pipeline.checked.project.module(t).is_some() {
            out.push(t.clone());
            continue;
        }
        let path = Path::new(t);
        if path.exists() {
            let abs = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(t));
            let before = out.len();
            for f in &pipeline.loaded.files {
                // Spec files are named as they are shown: relative to the current folder.
                let file = std::fs::canonicalize(&f.file)
                    .or_else(|_| std::fs::canonicalize(pipeline.project.root.join(&f.file)))
                    .unwrap_or_else(|_| f.file.clone());
                if file.starts_with(&abs) {
                    if let Some(m) = f.ast.module.as_ref() {
                        out.push(m.path.dotted());
                    }
                }
            }
            if out.len() > before {
                continue;
            }
            return Err(CommandError::Usage(format!(
                "`{t}` holds no spec of this project\nhelp: name spec files or folders under `{}`, or modules (`ghost status` lists them)",
                pipeline.project.display(&pipeline.project.specs_dir).display()
            )));
        }
        if names_a_path(t) {
            return Err(CommandError::Usage(format!(
                "no such spec file or folder: `{t}`\nhelp: `ghost status` lists the modules"
            )));
        }
        return Err(super::prompt::unknown_module(pipeline, t));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_counted_in_this_build_when_numbered_on() {
        assert_eq!(attempt_said(2, 4, 1), "attempt 2 of 4");
        assert_eq!(
            attempt_said(14, 16, 14),
            "attempt 14 (1 of 3 in this build)"
        );
    }
}
