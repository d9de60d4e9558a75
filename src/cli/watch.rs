//! `ghost watch [--build]`: check once, then again after every save of a spec or of
//! ghost.toml, until Ctrl-C.
//!
//! Each run prints `ghost: checking` before and `ghost: checked N modules: M errors` after
//! (stderr), with the diagnostics in between exactly as `ghost check` prints them, so an
//! editor's background problem matcher (docs/editors.md) knows when a run begins and ends.
//! With `--build`, a clean check is followed by what `ghost build` does (`ghost: building`,
//! the build's own output, `ghost: built; watching for changes`). With the manual provider
//! the user is the agent: saving a module's `imp.rs` runs the check and build again (which
//! tests that code and locks it if green), but not ghost's own writes there.
//! A run that cannot check (an invalid ghost.toml, a missing specs folder) prints its error
//! and `ghost: watching ...` instead; nothing but Ctrl-C ends the command.

mod folders;

use super::build::BuildArgs;
use super::check::check_project;
use super::{CommandError, Exit, Output};
use crate::config;
use crate::project::{display_path, Project};
use folders::{Change, Folders, Wanted};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Ctrl-C or SIGTERM was received.
static STOP: AtomicBool = AtomicBool::new(false);
/// A build is running: it stops itself on the signal, and the watch ends after it.
static BUILDING: AtomicBool = AtomicBool::new(false);

pub const HELP: &str = "\
Watches the specs folder and re-runs `ghost check` on every save; with --build, also
`ghost build`. With --build and the manual provider (or no agent configured, when a
build tests and locks the code on disk as the manual one does), saving a module's imp.rs under
the generated crate also starts a run: its build tests that code and locks it if it
passes, a hand edit of locked code (tampered) included (ghost's own writes there start
none). Stop it with Ctrl-C.

Every run is framed by two lines on stderr, `ghost: checking` before and
`ghost: checked ...` (or `ghost: watching ...` when the project cannot be read) after, for
editors' background problem matchers; diagnostics are printed as `ghost check` prints them.

With -D warnings, a check with warnings (W03xx) is a failed one, as `ghost check -D
warnings` says: an error line after its summary, and no build.

Examples:
  ghost watch
  ghost watch --message-format short
  ghost watch --build
  ghost watch --build --provider manual
  ghost watch --build -D warnings          # build only from specs without weak tests

With --build, the agent comes from [agent] in ghost.toml, overridden by GHOST_PROVIDER,
GHOST_MODEL, GHOST_BASE_URL and then by --provider, --model, --base-url, --max-attempts
and --concurrency.";

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Make what LINT names fail each check as errors do (`-D warnings`, as `ghost check
    /// -D warnings`): with --build, a check with warnings starts no build
    #[arg(short = 'D', long = "deny", value_enum, value_name = "LINT")]
    pub deny: Vec<super::check::Deny>,
    /// Also run `ghost build` after every successful check
    #[arg(long)]
    pub build: bool,
    /// The agent provider of the builds (as `ghost build --provider`)
    #[arg(long, value_name = "NAME", requires = "build")]
    pub provider: Option<String>,
    /// The model of the builds
    #[arg(long, value_name = "NAME", requires = "build")]
    pub model: Option<String>,
    /// The provider's URL of the builds
    #[arg(long, value_name = "URL", requires = "build")]
    pub base_url: Option<String>,
    /// Attempts per module of the builds (as `ghost build --max-attempts`)
    #[arg(long, value_name = "N", requires = "build", value_parser = super::at_least_one)]
    pub max_attempts: Option<u32>,
    /// Modules generated at once by the builds
    #[arg(long, value_name = "N", requires = "build", value_parser = super::at_least_one)]
    pub concurrency: Option<u32>,
}

pub fn run(args: &WatchArgs, out: &Output) -> Result<Exit, CommandError> {
    let cwd = std::env::current_dir()
        .and_then(|dir| dir.canonicalize())
        .map_err(CommandError::CurrentDir)?;
    // Without a ghost.toml there is nothing to watch; a broken one is watched until fixed.
    let config_file = config::find(&cwd).map_err(crate::project::ProjectError::from)?;
    stop_on_signal();
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher =
        notify::recommended_watcher(sender).map_err(|e| CommandError::Watch(e.to_string()))?;
    let mut folders = Folders::default();
    let mut change = Change::Rewatch;
    let mut first = true;
    loop {
        let project = Project::discover(&cwd);
        let manual = project.as_ref().is_ok_and(|p| builds_by_hand(args, p));
        let wanted = wanted(&config_file, project.as_ref().ok(), manual);
        let rewatch = change == Change::Rewatch;
        watch_folders(
            &mut folders,
            &mut watcher,
            wanted.clone(),
            rewatch,
            out,
            &cwd,
        );
        out.status("ghost: checking");
        let checked = project.map_err(CommandError::from).and_then(|project| {
            let run = check_project(&project, &[], out)?;
            Ok((project, run))
        });
        let lock_broken = matches!(checked, Err(CommandError::Lock(_)));
        folders.watch_broken_lock(
            lock_broken.then(|| config_file.with_file_name(super::pipeline::LOCK_FILE)),
        );
        match checked {
            Ok((project, run)) => {
                out.status(&format!("ghost: {}", run.summary));
                let denied = run.denied(&args.deny, out);
                // A hand edit (tampered) stops an agent's build, which would keep it
                // as it is; a manual build adopts it if its tests pass, as the check's
                // own help says.
                let builds = !denied && (!run.failed() || (manual && run.errors == 0));
                if args.build && builds {
                    // The build goes on from this check's reading of the specs.
                    let outcome = build(args, out, run.into_pipeline(project));
                    if STOP.load(Ordering::SeqCst) {
                        return Ok(Exit::Interrupted);
                    }
                    if manual {
                        // The build may have made the crate's folder (watched from now
                        // on, before the line that says so); what it left in the modules'
                        // imp.rs is no change, only what is written after it.
                        let lock = wanted.root.join(super::pipeline::LOCK_FILE);
                        watch_folders(&mut folders, &mut watcher, wanted, false, out, &cwd);
                        folders.built(locked_code(&lock));
                    }
                    out.status(&format!("ghost: {outcome}; watching for changes"));
                }
            }
            Err(e) => {
                out.error(&e.to_string());
                // Where the fix goes: ghost.lock is watched for it only now.
                let file = if lock_broken {
                    config_file.with_file_name(super::pipeline::LOCK_FILE)
                } else {
                    config_file.clone()
                };
                out.status(&format!(
                    "ghost: watching `{}` and the specs for a fix",
                    display_path(&cwd, &file).display()
                ));
            }
        }
        if first {
            out.status(if manual {
                "ghost: watching for changes to the specs, ghost.toml and the modules' imp.rs; Ctrl-C stops"
            } else {
                "ghost: watching for changes to the specs and ghost.toml; Ctrl-C stops"
            });
            first = false;
        }
        change = folders
            .wait(&events)
            .map_err(|e| CommandError::Watch(e.to_string()))?;
    }
}

/// Sets the watches up for `wanted` ([`Folders::update`]), saying which folders could
/// not be watched.
fn watch_folders(
    folders: &mut Folders,
    watcher: &mut dyn notify::Watcher,
    wanted: Wanted,
    force: bool,
    out: &Output,
    cwd: &Path,
) {
    for (dir, e) in folders.update(watcher, wanted, force) {
        out.error(&format!(
            "cannot watch `{}`: {e}\nhelp: check the folder's permissions; on Linux, raise fs.inotify.max_user_watches",
            display_path(cwd, &dir).display()
        ));
    }
}

/// Ends the watch on Ctrl-C or SIGTERM (exit 130), from a thread of its own: the loop
/// waits on file events, and a build's runtime takes the signals over for the rest of the
/// process (after a first build, the default action no longer ends it). While a build runs,
/// the build stops itself on the same signal and the loop ends after it.
fn stop_on_signal() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(crate::process::interrupted());
        STOP.store(true, Ordering::SeqCst);
        if !BUILDING.load(Ordering::SeqCst) {
            crate::process::kill_all();
            std::process::exit(i32::from(Exit::Interrupted.code()));
        }
    });
}

/// Runs what `ghost build` runs on the project as `checked` read it, with the agent of
/// ghost.toml and the environment. Its failures (no agent configured, the agent failing,
/// a module's attempts running out) are printed and the watch goes on. Returns how it
/// ended (`built`, `build ended with exit code 1`), for the caller's closing line.
fn build(watch: &WatchArgs, out: &Output, checked: super::pipeline::Pipeline) -> String {
    out.status("ghost: building");
    let args = BuildArgs {
        targets: Vec::new(),
        locked: false,
        force: false,
        provider: watch.provider.clone(),
        model: watch.model.clone(),
        base_url: watch.base_url.clone(),
        max_attempts: watch.max_attempts,
        concurrency: watch.concurrency,
        from_watch: true,
    };
    let mut checked = Some(checked);
    let result = loop {
        BUILDING.store(true, Ordering::SeqCst);
        // After waiting for another build, the specs are read again: they may have
        // changed meanwhile.
        let result = match checked.take() {
            Some(pipeline) => super::build::run_loaded(pipeline, &args, out),
            None => super::build::run(&args, out),
        };
        BUILDING.store(false, Ordering::SeqCst);
        // Another build holds the project (one run in a terminal): this one waits for it
        // and then runs, or the save that started it would be built by no one.
        let Err(CommandError::Busy { path }) = &result else {
            break result;
        };
        out.status("ghost: another ghost build or test is running; building when it ends");
        if wait_for(path).is_err() {
            break result;
        }
    };
    match result {
        Ok(Exit::Success) => "built".to_string(),
        Ok(exit) => format!("build ended with exit code {}", exit.code()),
        Err(e) => {
            out.error(&e.to_string());
            format!("build failed (exit code {})", e.exit().code())
        }
    }
}

/// Blocks until no other process holds the lock file at `path` (Ctrl-C still ends the
/// watch meanwhile: no build is running).
fn wait_for(path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.lock()?;
    file.unlock()
}

/// Whether the watch's builds are manual ones (`--build` with the manual provider, from
/// the flag, GHOST_PROVIDER or ghost.toml, as the build layers them, or with no agent
/// configured, when a build tests and locks the code on disk as the manual one does):
/// the user writes the modules' code, and a save of it asks for a build.
fn builds_by_hand(args: &WatchArgs, project: &Project) -> bool {
    if !args.build {
        return false;
    }
    let overrides = config::AgentOverrides {
        provider: args.provider.clone(),
        ..config::AgentOverrides::default()
    };
    let env = config::AgentOverrides::from_env(|k| std::env::var(k).ok());
    match config::effective_agent(&project.config.config, env, overrides).provider {
        None => true,
        Some(name) => {
            crate::agent::ProviderKind::parse(&name) == Some(crate::agent::ProviderKind::Manual)
        }
    }
}

/// The implementation hashes `lock` records (none when it cannot be read).
fn locked_code(lock: &Path) -> std::collections::BTreeSet<String> {
    crate::plan::Lock::read(lock)
        .map(|lock| {
            lock.names()
                .filter_map(|n| lock.get(n))
                .map(|e| e.implementation.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The folders to watch for this project (or, while its ghost.toml cannot be read, for its
/// root alone); `manual`: the modules' code too (see [`builds_by_hand`]).
fn wanted(config_file: &Path, project: Option<&Project>, manual: bool) -> Wanted {
    let root = config_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Wanted {
        config: config_file.to_path_buf(),
        specs: project.map(|p| p.specs_dir.clone()),
        ignored: project
            .map(|p| {
                let out = p.config.out_dir();
                vec![out.canonicalize().unwrap_or(out), p.root.join(".ghost")]
            })
            .unwrap_or_default(),
        code: project.filter(|_| manual).map(|p| {
            let src = p.config.out_dir().join("src");
            src.canonicalize().unwrap_or(src)
        }),
        root: project.map(|p| p.root.clone()).unwrap_or(root),
    }
}
