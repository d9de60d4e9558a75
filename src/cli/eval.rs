//! `ghost eval [SPECS] --attempts 1,4`: builds a spec set from scratch with the configured
//! agent and reports how well it did, per module and per attempt budget.

use super::build::{loop_settings, make_agent, progress, runtime};
use super::pipeline::{load_templates, Pipeline, STATE_DIR};
use super::{CommandError, Exit, Output};
use crate::agent::ProviderKind;
use crate::build::generate::{self, Event};
use crate::build::session::{self, ModuleReport, Options, Outcome};
use crate::config::{self, AgentOverrides, Config};
use crate::eval::{compare, table, Comparison, EvalReport, RunInfo};
use crate::project::Project;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub const HELP: &str = "\
Copies the spec set into a fresh project (.ghost/eval/work/, replaced on every run), asks
the agent for every module with the largest attempt budget, and reports per module and per
budget: green after the first attempt, green within the budget, attempts, tokens in and
out, time, and the class of every failed attempt (no_code, compile_error, failing_example,
failing_property, failing_scenario, failing_snapshot, timeout, nfr_refused,
context_too_long, agent_error). Smaller budgets are read off the same run: attempt k never
depends on the budget. Nothing is cached: every prompt is really sent.

The agent: [agent] of the spec set's ghost.toml when SPECS is a project, else of the
current project, then GHOST_PROVIDER/GHOST_MODEL/GHOST_BASE_URL, then the flags. Every
report is kept in .ghost/eval/runs/.

Examples:
  ghost eval evals --provider openai --base-url http://127.0.0.1:8090/v1 --model qwen2.5-coder
  ghost eval evals --attempts 1,2,4 --json > after.json
  ghost eval evals --compare before.json";

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The spec set: a ghost project (a folder with ghost.toml) or a folder of specs
    #[arg(value_name = "SPECS", default_value = "evals")]
    pub specs: PathBuf,
    /// The attempt budgets to report, comma-separated; the largest is run
    #[arg(long, value_name = "N,N", value_delimiter = ',', default_value = "1,4",
          value_parser = super::at_least_one)]
    pub attempts: Vec<u32>,
    /// The agent provider: openai, anthropic or command
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The model to ask
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// The provider's URL (for OpenAI-compatible local servers)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// How many modules are generated at once
    #[arg(long, value_name = "N", value_parser = super::at_least_one)]
    pub concurrency: Option<u32>,
    /// Print the report as JSON on stdout (the table goes to stderr)
    #[arg(long)]
    pub json: bool,
    /// An earlier report (from --json or .ghost/eval/runs/) to compare with
    #[arg(long, value_name = "OLD.json")]
    pub compare: Option<PathBuf>,
}

pub fn run(args: &EvalArgs, out: &Output) -> Result<Exit, CommandError> {
    let old = args.compare.as_deref().map(read_report).transpose()?;
    let set = SpecSet::find(&args.specs)?;
    let settings = config::effective_agent(
        &set.config,
        AgentOverrides::from_env(|k| std::env::var(k).ok()),
        AgentOverrides {
            provider: args.provider.clone(),
            model: args.model.clone(),
            base_url: args.base_url.clone(),
            max_attempts: None,
            concurrency: args.concurrency,
        },
    );
    let provider = settings.provider.clone().ok_or_else(|| {
        CommandError::Usage(
            "no agent is configured\nhelp: pass --provider (openai, anthropic or command), or set [agent] in ghost.toml".into(),
        )
    })?;
    let kind = match ProviderKind::parse(&provider) {
        Some(ProviderKind::Manual) => {
            return Err(CommandError::Usage(
                "`ghost eval` needs an agent that answers by itself\nhelp: use --provider openai, anthropic or command".into(),
            ))
        }
        Some(kind) => kind,
        None => {
            return Err(CommandError::Usage(format!(
                "unknown provider `{provider}`\nhelp: use one of openai, anthropic, command"
            )))
        }
    };
    let mut budgets = args.attempts.clone();
    budgets.sort_unstable();
    budgets.dedup();
    let max_attempts = budgets.last().copied().unwrap_or(1);

    // The state of the project ghost runs in (its root's .ghost, as `build` uses), or of
    // the current folder outside any project: run from a subfolder, an evaluation reuses
    // the same scratch crate and target folder.
    let here = std::env::current_dir().map_err(CommandError::CurrentDir)?;
    let base = Project::discover(&here)
        .map_or(here, |p| p.root)
        .join(STATE_DIR)
        .join("eval");
    let work = base.join("work");
    set.copy_to(&work)?;
    let pipeline = Pipeline::load_at(&work)?;
    if let Some(exit) = pipeline.report_errors(out, "nothing was measured") {
        return Ok(exit);
    }
    let templates = match &set.project {
        Some(p) => load_templates(p)?,
        None => pipeline.templates()?,
    };
    let mut ctx = pipeline.context(templates);
    ctx.paths.target = Some(base.join("target"));
    let (agent, agent_settings) = make_agent(kind, &settings, &set.root, None)?;
    super::build::tell_waits(out);
    let loop_settings = loop_settings(kind, &settings, &agent_settings, max_attempts);
    let options = Options {
        only: Vec::new(),
        force: true,
        sample_forced: false,
        retry_given_up: true,
    };
    let total = session::selection(&ctx, &[]).len();
    out.status(&format!(
        "evaluating {} on {} of {} (attempts {}); the code goes to {}",
        crate::eval::agent_label(kind.name(), &agent_settings.model),
        super::output::plural(total, "module"),
        args.specs.display(),
        budgets
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(","),
        work.join("generated").display()
    ));
    let started = Instant::now();
    let started_at = crate::build::runlog::now_secs();
    let lock = crate::plan::Lock::default();
    // Every finished module is kept as it finishes, so that an interrupted evaluation
    // still reports what it measured.
    let finished: Arc<Mutex<Vec<ModuleReport>>> = Arc::default();
    let shown = progress(out, total);
    let keep = Arc::clone(&finished);
    let progress: generate::Progress = Arc::new(move |event: Event| {
        if let Event::Finished { report } = &event {
            if let Ok(mut f) = keep.lock() {
                f.push(report.clone());
            }
        }
        shown(event);
    });
    let work_job =
        generate::build_with_agent(Arc::new(ctx), lock, options, agent, loop_settings, progress);
    // Interrupted, the modules finished so far make a report of their own.
    let result = crate::process::until_interrupted(&runtime()?, work_job);
    let (reports, interrupted) = match result {
        Some(result) => (result?.0, false),
        None => {
            let done = finished.lock().map(|f| f.clone()).unwrap_or_default();
            (done, true)
        }
    };
    // A module that stopped before its budget without turning green: the agent itself
    // failed (server down, bad key, tokens spent), so the figures are not a measurement.
    let cut_short: Vec<&str> = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Exhausted { .. }))
        .filter(|r| (r.history.len() as u32) < max_attempts)
        .map(|r| r.module.as_str())
        .collect();
    let run = RunInfo {
        ghost: env!("CARGO_PKG_VERSION").to_string(),
        // `args_os`: an argument that is not UTF-8 (a path) must not panic after the run.
        command: std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        specs: args.specs.display().to_string(),
        provider: kind.name().to_string(),
        model: agent_settings.model.clone(),
        base_url: agent_settings.base_url.clone(),
        concurrency: settings.concurrency,
        started: started_at,
        wall_ms: started.elapsed().as_millis() as u64,
        interrupted,
        agent_stopped: !cut_short.is_empty(),
    };
    let report = EvalReport::new(run, &reports, &budgets);
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| CommandError::Usage(format!("cannot write the report as JSON: {e}")))?;
    let saved = base.join("runs").join(format!("{started_at}.json"));
    crate::plan::lock::write_atomic(&saved, json.as_bytes()).map_err(|source| {
        CommandError::Write {
            path: saved.clone(),
            source,
        }
    })?;

    let mut text = table(&report);
    if let Some(old) = &old {
        text.push('\n');
        text.push_str(&compare(old, &report));
    }
    if args.json {
        out.status(text.trim_end());
        match &old {
            // The comparison too, for a script that gates on it.
            Some(old) => {
                let mut value = serde_json::to_value(&report).map_err(|e| {
                    CommandError::Usage(format!("cannot write the report as JSON: {e}"))
                })?;
                if let Some(fields) = value.as_object_mut() {
                    let compared =
                        serde_json::to_value(Comparison::of(old, &report)).unwrap_or_default();
                    fields.insert("compare".into(), compared);
                }
                let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| json.clone());
                out.result(&text);
            }
            None => out.result(&json),
        }
    } else {
        out.result(text.trim_end_matches('\n'));
    }
    out.status(&format!("report saved in {}", saved.display()));
    if interrupted {
        let modules = if total == 1 { "module" } else { "modules" };
        out.error(&format!(
            "interrupted: {} of {total} {modules} finished, and the report covers only those",
            reports.len()
        ));
        return Ok(Exit::Interrupted);
    }

    if let Some(first) = cut_short.first() {
        let why = reports
            .iter()
            .find(|r| r.module == *first)
            .and_then(|r| r.outcome.why())
            .unwrap_or_default();
        out.error(&format!(
            "the agent stopped before the budget for {}: {why}",
            super::output::plural(cut_short.len(), "module")
        ));
        return Ok(Exit::Agent);
    }
    Ok(Exit::Success)
}

/// The spec set to evaluate.
struct SpecSet {
    /// The folder of its spec files.
    specs_dir: PathBuf,
    /// The folder given (relative command paths resolve from it).
    root: PathBuf,
    /// Its ghost.toml's settings (defaults when it is a plain folder of specs).
    config: Config,
    /// The project, when the folder is one (for its prompt templates).
    project: Option<Project>,
}

impl SpecSet {
    fn find(given: &Path) -> Result<SpecSet, CommandError> {
        if !given.is_dir() {
            return Err(CommandError::Usage(format!(
                "`{}` is not a folder\nhelp: give a folder of .ghost specs, or a ghost project (a folder with ghost.toml), e.g. `ghost eval evals`",
                given.display()
            )));
        }
        if given.join(config::FILE_NAME).is_file() {
            let project = Project::discover(given)?;
            return Ok(SpecSet {
                specs_dir: project.specs_dir.clone(),
                root: project.root.clone(),
                config: project.config.config.clone(),
                project: Some(project),
            });
        }
        // A plain folder of specs: the current project (if any) gives the agent settings.
        let current = Project::from_current_dir().ok();
        Ok(SpecSet {
            specs_dir: given.to_path_buf(),
            root: given.to_path_buf(),
            config: current
                .as_ref()
                .map(|p| p.config.config.clone())
                .unwrap_or_default(),
            project: current,
        })
    }

    /// A fresh project in `work` holding a copy of every spec file.
    fn copy_to(&self, work: &Path) -> Result<(), CommandError> {
        let write_err = |path: &Path, source: std::io::Error| CommandError::Write {
            path: path.to_path_buf(),
            source,
        };
        // The spec files first, found as a build finds them: a folder without any leaves
        // nothing behind.
        let files = crate::project::discover(&self.specs_dir)?;
        if files.is_empty() {
            return Err(CommandError::Usage(format!(
                "no .ghost specs under `{}`\nhelp: give a folder of specs or a ghost project",
                self.specs_dir.display()
            )));
        }
        if work.exists() {
            std::fs::remove_dir_all(work).map_err(|e| write_err(work, e))?;
        }
        let specs = work.join("specs");
        std::fs::create_dir_all(&specs).map_err(|e| write_err(&specs, e))?;
        for path in &files {
            let rel = path.strip_prefix(&self.specs_dir).unwrap_or(path);
            let to = specs.join(rel);
            if let Some(dir) = to.parent() {
                std::fs::create_dir_all(dir).map_err(|e| write_err(dir, e))?;
            }
            std::fs::copy(path, &to).map_err(|e| write_err(&to, e))?;
        }
        // The crate is named after the spec set, so that evaluations of different sets
        // sharing a target folder (`GHOST_TARGET_DIR`) keep their artifacts apart.
        let name = self.config.project.name.clone().unwrap_or_else(|| {
            self.root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let manifest = format!(
            "# Written by `ghost eval`: a copy of {}, built from scratch.\n[project]\nname = \"{}-eval\"\nspecs = \"specs\"\nout = \"generated\"\n\n[build]\ntest_timeout = {}\ntest_memory_mb = {}\nedits = {}\n",
            self.specs_dir.display(),
            name.replace(['"', '\\'], ""),
            self.config.build.test_timeout,
            self.config.build.test_memory_mb,
            self.config.build.edits
        );
        let file = work.join(config::FILE_NAME);
        std::fs::write(&file, manifest).map_err(|e| write_err(&file, e))
    }
}

fn read_report(path: &Path) -> Result<EvalReport, CommandError> {
    let text = std::fs::read_to_string(path).map_err(|source| CommandError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CommandError::Usage(format!(
            "`{}` is not a report of `ghost eval --json`: {e}\nhelp: give a file written by `ghost eval --json` or one of .ghost/eval/runs/",
            path.display()
        ))
    })
}
