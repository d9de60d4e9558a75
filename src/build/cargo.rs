//! Running cargo on the generated crate and reading what it says: compiler errors (from
//! `--message-format json`), passing and failing tests (from libtest's output), timeouts.

use super::claim::{package_id, Claim};
use crate::process::{self, Finished};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

/// Where and how cargo runs.
#[derive(Debug, Clone)]
pub struct Cargo {
    /// The folder holding the generated crate's Cargo.toml.
    pub crate_dir: PathBuf,
    /// A target folder shared by every run, so attempts compile incrementally.
    pub target_dir: PathBuf,
    /// The time limit of one cargo invocation (compiling and running).
    pub timeout: Duration,
    /// The address space each process of a run may take, in MiB (0: no limit).
    pub memory_mb: u64,
    /// Environment variables kept from generated code besides those named like secrets
    /// (the one `[agent] api_key_env` names, whatever its name).
    pub hidden_env: Vec<String>,
}

/// One compiler error or warning, as rustc rendered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompilerMessage {
    pub level: String,
    /// The file of the primary span, relative to the crate (`src/a/b/imp.rs`).
    pub file: Option<String>,
    pub line: Option<u32>,
    /// The 1-based character column where the primary span starts.
    pub column: Option<u32>,
    /// The full text as rustc prints it.
    pub rendered: String,
    /// What rustc offered to change, when it offered something that needs no
    /// placeholder filled in (see `rustc_fixes.rs`).
    pub suggestion: Option<rustfix::Suggestion>,
}

impl CompilerMessage {
    /// rustc's closing count (`error: aborting due to 2 previous errors`): not an error
    /// of its own, and nothing a repair can use.
    pub fn is_closing_count(&self) -> bool {
        self.rendered.starts_with("error: aborting due to")
    }

    /// An error without a code (`error: expected one of ...`): the parser's, mostly;
    /// rustc stops at those, so they hide the errors a later stage would find.
    pub fn is_uncoded_error(&self) -> bool {
        self.rendered.starts_with("error: ") && !self.is_closing_count()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    pub name: String,
    /// What the test printed (its panic message names the broken contract).
    pub output: String,
}

/// The outcome of one `cargo test` (or `cargo clippy`) run.
#[derive(Debug, Clone, Default)]
pub struct TestOutcome {
    /// Compiler errors; non-empty means nothing ran.
    pub errors: Vec<CompilerMessage>,
    /// Compiler warnings (clippy's findings land here for lint runs).
    pub warnings: Vec<CompilerMessage>,
    pub passed: Vec<String>,
    pub failed: Vec<TestFailure>,
    /// The run hit its time limit; `hung` names the test that was running, if known.
    pub timed_out: bool,
    pub hung: Option<String>,
    /// cargo failed for another reason (a broken manifest, no network for a new
    /// dependency): its stderr, trimmed.
    pub cargo_error: Option<String>,
    pub elapsed: Duration,
}

impl TestOutcome {
    pub fn green(&self) -> bool {
        self.errors.is_empty()
            && self.failed.is_empty()
            && !self.timed_out
            && self.cargo_error.is_none()
    }

    /// One line for reports: `12 passed`, `3 of 12 failed`, `compile error`, `timed out`.
    pub fn summary(&self) -> String {
        if self.timed_out {
            return match &self.hung {
                Some(t) => format!("timed out in `{t}`"),
                None => "timed out".into(),
            };
        }
        if !self.errors.is_empty() {
            let n = self.errors.len();
            return format!("{n} compile error{}", if n == 1 { "" } else { "s" });
        }
        if self.cargo_error.is_some() {
            return "cargo failed".into();
        }
        let total = self.passed.len() + self.failed.len();
        if self.failed.is_empty() {
            format!("{total} passed")
        } else {
            format!("{} of {total} failed", self.failed.len())
        }
    }
}

/// The environment variables among `names` that hold secrets by their names (API keys,
/// tokens, passwords: `OPENAI_API_KEY`, `GITHUB_TOKEN`, crates.io's publishing
/// `CARGO_REGISTRY_TOKEN`), but a private registry's `CARGO_REGISTRIES_NAME_TOKEN`, which
/// fetching dependencies may need.
fn secret_variables(names: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    const SECRET_WORDS: [&str; 6] = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"];
    names
        .filter(|name| {
            let upper = name.to_string_lossy().to_ascii_uppercase();
            !upper.starts_with("CARGO_REGISTRIES_")
                && SECRET_WORDS.iter().any(|w| upper.contains(w))
        })
        .collect()
}

/// The least time a compile without a test run is given (see [`Cargo::compile_tests`]).
pub const COMPILE_TIMEOUT: Duration = Duration::from_secs(600);

/// What every test run passes libtest: one test at a time, so that the test a hang
/// stopped in is the last one libtest named; no colors to strip.
const LIBTEST_ARGS: [&str; 5] = ["--", "--test-threads", "1", "--color", "never"];

/// The variable that lists where dynamic libraries are found, on this platform.
fn dylib_path_var() -> &'static str {
    if cfg!(windows) {
        "PATH"
    } else if cfg!(target_os = "macos") {
        "DYLD_FALLBACK_LIBRARY_PATH"
    } else {
        "LD_LIBRARY_PATH"
    }
}

impl Cargo {
    fn command(&self, args: &[&str]) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = self.guarded(cargo.as_ref());
        cmd.args(args)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("CARGO_TERM_COLOR", "never")
            // What ghost reads of cargo's own lines (`process didn't exit successfully`)
            // is there whatever the user's cargo config says.
            .env("CARGO_TERM_VERBOSE", "false")
            .env("CARGO_TERM_QUIET", "false")
            // The generated crate is not part of any workspace above it.
            .env_remove("RUSTFLAGS");
        cmd
    }

    /// `program` run in the crate's folder as generated code may be run: held to the
    /// memory limit, without the environment's secrets.
    fn guarded(&self, program: &std::ffi::OsStr) -> Command {
        let mut cmd = if cfg!(unix) && self.memory_mb > 0 {
            // The limit is set by the shell that then becomes the program (ghost forbids
            // the `unsafe` a `pre_exec` would need); every process it starts inherits it.
            // A shell that cannot set it (a lower hard limit) runs the program anyway.
            let mut cmd = Command::new("sh");
            cmd.args([
                "-c",
                "ulimit -v \"$1\" 2>/dev/null; shift; exec \"$@\"",
                "ghost-memory-limit",
            ])
            // In KiB; a limit too large to say is none (ghost.toml takes any `u64`).
            .arg(self.memory_mb.saturating_mul(1024).to_string())
            .arg(program);
            cmd
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.crate_dir).env("RUST_BACKTRACE", "0");
        // Generated code compiles and runs with ghost's environment, which holds the
        // agent's API key: what the in-memory rule misses must not find it there.
        for name in secret_variables(std::env::vars_os().map(|(name, _)| name)) {
            cmd.env_remove(name);
        }
        for name in &self.hidden_env {
            cmd.env_remove(name);
        }
        cmd
    }

    /// `cargo test --test TARGET`, single-threaded so that a hanging test is named.
    pub async fn test(
        &self,
        target: &str,
        release: bool,
        test_args: &[&str],
        env: &[(&str, &str)],
    ) -> std::io::Result<TestOutcome> {
        let mut args = vec!["test", "--message-format", "json", "--test", target];
        if release {
            args.push("--release");
        }
        args.extend(LIBTEST_ARGS);
        args.extend(test_args);
        let _claim = self.claim_target().await?;
        self.ensure_lockfile().await?;
        let mut cmd = self.command(&args);
        cmd.envs(env.iter().copied());
        let finished = process::run(cmd, None, self.timeout).await?;
        let mut out = parse_outcome(&finished);
        if let Some(silent) = never_reported(&finished, &out) {
            out.failed.push(silent);
        }
        Ok(out)
    }

    /// Compiles the test target without running it, with at least [`COMPILE_TIMEOUT`]:
    /// the first release build of a crate compiles its dependencies too, which is no
    /// fault of the code and must not eat the time its tests are given.
    pub async fn compile_tests(&self, target: &str, release: bool) -> std::io::Result<TestOutcome> {
        Ok(self
            .compile_targets(&[target.to_string()], release)
            .await?
            .0)
    }

    /// [`Cargo::compile_tests`] of several targets in one cargo run (cargo checks the
    /// crate once instead of once per target), with the test binaries it built, by
    /// target: what [`Cargo::run_binary`] runs.
    pub async fn compile_targets(
        &self,
        targets: &[String],
        release: bool,
    ) -> std::io::Result<(TestOutcome, BTreeMap<String, PathBuf>)> {
        let mut args = vec!["test", "--no-run", "--message-format", "json"];
        for target in targets {
            args.extend(["--test", target.as_str()]);
        }
        if release {
            args.push("--release");
        }
        let _claim = self.claim_target().await?;
        self.ensure_lockfile().await?;
        let cmd = self.command(&args);
        let finished = process::run(cmd, None, self.timeout.max(COMPILE_TIMEOUT)).await?;
        Ok((parse_outcome(&finished), test_binaries(&finished.stdout)))
    }

    /// The variables cargo gives every test binary of this crate's package: where the
    /// package is (`CARGO_MANIFEST_DIR`, `CARGO_MANIFEST_PATH`, and insta's
    /// `INSTA_WORKSPACE_ROOT`), `CARGO`, and `CARGO_PKG_*`. The same for each binary of a
    /// run, so [`Cargo::run_binary`]'s callers compute them once.
    pub fn package_env(&self) -> std::io::Result<Vec<(&'static str, OsString)>> {
        let crate_dir = std::fs::canonicalize(&self.crate_dir)?;
        let mut vars: Vec<(&'static str, OsString)> = vec![
            ("CARGO_MANIFEST_DIR", crate_dir.clone().into()),
            ("CARGO_MANIFEST_PATH", crate_dir.join("Cargo.toml").into()),
            // insta finds the snapshots' folder from the workspace's root, which it asks
            // `cargo metadata` for unless told: the generated crate is its own workspace.
            ("INSTA_WORKSPACE_ROOT", crate_dir.into()),
            (
                "CARGO",
                std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
            ),
        ];
        if let Some((name, version)) = package_id(&self.crate_dir.join("Cargo.toml"))
            .as_deref()
            .and_then(|id| id.split_once('@'))
        {
            vars.push(("CARGO_PKG_NAME", name.into()));
            vars.push(("CARGO_PKG_VERSION", version.into()));
            if let Ok(v) = semver::Version::parse(version) {
                vars.push(("CARGO_PKG_VERSION_MAJOR", v.major.to_string().into()));
                vars.push(("CARGO_PKG_VERSION_MINOR", v.minor.to_string().into()));
                vars.push(("CARGO_PKG_VERSION_PATCH", v.patch.to_string().into()));
                vars.push(("CARGO_PKG_VERSION_PRE", v.pre.as_str().into()));
            }
        }
        Ok(vars)
    }

    /// Runs one test binary [`Cargo::compile_targets`] built, without cargo, much as
    /// `cargo test` runs it: in the crate's folder, single-threaded, with the package's
    /// variables (`package`, from [`Cargo::package_env`]) and the dynamic library path.
    /// Not with a cargo configuration's `[env]` or `runner`: a project that sets them has
    /// its modules tested through cargo (see `together.rs`, where each binary of several
    /// gets its own output, exit status and time limit this way).
    pub async fn run_binary(
        &self,
        binary: &Path,
        test_args: &[&str],
        env: &[(&str, &str)],
        package: &[(&'static str, OsString)],
    ) -> std::io::Result<Finished> {
        let mut cmd = self.guarded(binary.as_os_str());
        cmd.args(&LIBTEST_ARGS[1..])
            .args(test_args)
            .envs(env.iter().copied())
            .envs(package.iter().map(|(k, v)| (k, v)));
        // Where cargo lets a test binary find the dynamic libraries built beside it.
        if let Some(deps) = binary.parent() {
            let var = dylib_path_var();
            let mut paths = vec![deps.to_path_buf()];
            paths.extend(deps.parent().map(Path::to_path_buf));
            let before = std::env::var_os(var);
            paths.extend(before.iter().flat_map(std::env::split_paths));
            // Set, the fallback path replaces dyld's own defaults: cargo adds them back.
            if cfg!(target_os = "macos") && before.is_none() {
                let home = std::env::var_os("HOME").map(|h| Path::new(&h).join("lib"));
                paths.extend(home);
                paths.extend(["/usr/local/lib", "/usr/lib"].map(PathBuf::from));
            }
            if let Ok(joined) = std::env::join_paths(paths) {
                cmd.env(var, joined);
            }
        }
        process::run(cmd, None, self.timeout).await
    }

    /// `cargo check --lib`: whether the crate's library compiles as it is, for those who
    /// depend on it (its errors as JSON messages; no test is compiled or run).
    pub async fn check_lib(&self) -> std::io::Result<TestOutcome> {
        let _claim = self.claim_target().await?;
        self.ensure_lockfile().await?;
        let cmd = self.command(&["check", "--lib", "--message-format", "json"]);
        let finished = process::run(cmd, None, self.timeout.max(COMPILE_TIMEOUT)).await?;
        Ok(parse_outcome(&finished))
    }

    /// `cargo clippy` over the crate, its findings as JSON messages. `nfr lint` means
    /// warnings are errors, so they are denied: they are reported (and rendered, and so
    /// fed back to the agent) as errors.
    pub async fn clippy(&self) -> std::io::Result<TestOutcome> {
        let _claim = self.claim_target().await?;
        self.ensure_lockfile().await?;
        let cmd = self.command(&[
            "clippy",
            "--message-format",
            "json",
            "--lib",
            "--",
            "-W",
            "clippy::all",
            "-D",
            "warnings",
        ]);
        let finished = process::run(cmd, None, self.timeout).await?;
        Ok(parse_outcome(&finished))
    }
}

impl Cargo {
    /// Gives a crate without a `Cargo.lock` one, from the registry index cargo already
    /// has on disk when it can. Without a lock, every `cargo test` of every attempt asks
    /// the registry for the latest versions: a network round trip per attempt, and a
    /// failed attempt whenever the network hiccups. Online only when the offline
    /// resolution fails (a dependency never fetched on this machine).
    async fn ensure_lockfile(&self) -> std::io::Result<()> {
        if self.crate_dir.join("Cargo.lock").exists() {
            return Ok(());
        }
        for offline in [true, false] {
            let mut args = vec!["generate-lockfile", "--quiet"];
            if offline {
                args.push("--offline");
            }
            let mut cmd = self.command(&args);
            cmd.stdin(std::process::Stdio::null());
            if process::run(cmd, None, self.timeout).await?.success() {
                break;
            }
        }
        // A failure is reported by the `cargo test` that follows, in its own words.
        Ok(())
    }

    /// cargo's words when the crate's dependencies cannot be resolved (a crate crates.io
    /// does not have, a version none matches, a crate neither cached nor reachable);
    /// `None` when they can. `cargo metadata` resolves without compiling anything and
    /// keeps a `Cargo.lock` already there; offline first, as `ensure_lockfile` does.
    pub async fn unresolved_dependencies(&self) -> std::io::Result<Option<String>> {
        let mut last = String::new();
        for offline in [true, false] {
            let mut args = vec!["metadata", "--format-version", "1", "--quiet"];
            if offline {
                args.push("--offline");
            }
            let mut cmd = self.command(&args);
            cmd.stdin(std::process::Stdio::null());
            let finished = process::run(cmd, None, self.timeout).await?;
            if finished.success() {
                return Ok(None);
            }
            last = if finished.timed_out {
                format!(
                    "cargo metadata ran past the time limit ({}s): is the registry out of reach?",
                    self.timeout.as_secs()
                )
            } else {
                finished.stderr
            };
        }
        // cargo's error and what it adds (`location searched`, `required by`), not its
        // progress lines.
        let words: Vec<&str> = last
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .filter(|l| !l.trim_start().starts_with("Updating"))
            .collect();
        let start = words.len().saturating_sub(12);
        let indented: Vec<String> = words[start..].iter().map(|l| format!("  {l}")).collect();
        Ok(Some(indented.join("\n")))
    }

    /// Claims the target folder's artifacts of this crate for this crate folder, until
    /// the claim is dropped (see `claim.rs`).
    pub async fn claim_target(&self) -> std::io::Result<Claim> {
        super::claim::claim(&self.crate_dir, &self.target_dir).await
    }
}

#[derive(Deserialize)]
struct JsonLine {
    reason: String,
    /// Read twice: for the fields below, and as a whole for rustc's suggestions.
    message: Option<serde_json::Value>,
    /// A built artifact's target, and the file to run when it is an executable.
    #[serde(default)]
    target: Option<JsonTarget>,
    #[serde(default)]
    executable: Option<PathBuf>,
}

#[derive(Deserialize)]
struct JsonTarget {
    name: String,
    #[serde(default)]
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct JsonMessage {
    level: String,
    rendered: Option<String>,
    #[serde(default)]
    spans: Vec<JsonSpan>,
}

#[derive(Deserialize)]
struct JsonSpan {
    file_name: String,
    line_start: u32,
    /// Optional: a message without it still counts as an error.
    #[serde(default)]
    column_start: Option<u32>,
    is_primary: bool,
}

/// A line of cargo's own JSON (`--message-format json`) on stdout, where the test
/// binaries print too.
fn cargo_message(line: &str) -> Option<JsonLine> {
    line.starts_with('{')
        .then(|| serde_json::from_str::<JsonLine>(line).ok())
        .flatten()
}

/// The test binaries (`tests/NAME.rs`) a `cargo test --no-run` built, by target name.
fn test_binaries(stdout: &str) -> BTreeMap<String, PathBuf> {
    read_stdout(stdout)
        .0
        .into_iter()
        .filter(|json| json.reason == "compiler-artifact")
        .filter_map(|json| {
            let target = json.target?;
            target.kind.iter().any(|k| k == "test").then_some(())?;
            Some((target.name, json.executable?))
        })
        .collect()
}

/// A run's stdout taken apart, in one pass: cargo's JSON lines, and the text the test
/// binaries printed.
fn read_stdout(stdout: &str) -> (Vec<JsonLine>, String) {
    let mut messages = Vec::new();
    let mut text = String::new();
    for line in stdout.lines() {
        match cargo_message(line) {
            Some(json) => messages.push(json),
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    (messages, text)
}

/// Reads cargo's JSON lines and libtest's text from one finished run.
pub fn parse_outcome(f: &Finished) -> TestOutcome {
    let mut out = TestOutcome {
        timed_out: f.timed_out,
        elapsed: f.elapsed,
        ..TestOutcome::default()
    };
    let (messages, test_text) = read_stdout(&f.stdout);
    for json in messages {
        if json.reason != "compiler-message" {
            continue;
        }
        let Some(Ok(m)) = json.message.as_ref().map(JsonMessage::deserialize) else {
            continue;
        };
        let suggestion = json.message.as_ref().and_then(|j| {
            super::rustc_fixes::suggestion(j).or_else(|| super::known_fixes::suggestion(j))
        });
        let primary = m.spans.iter().find(|s| s.is_primary);
        let msg = CompilerMessage {
            level: m.level.clone(),
            file: primary.map(|s| s.file_name.clone()),
            line: primary.map(|s| s.line_start),
            column: primary.and_then(|s| s.column_start),
            rendered: m.rendered.unwrap_or_default(),
            suggestion,
        };
        match m.level.as_str() {
            "error" => out.errors.push(msg),
            "warning" => out.warnings.push(msg),
            _ => {}
        }
    }
    parse_libtest(&test_text, &mut out);
    if !f.timed_out && out.errors.is_empty() {
        if let Some(cut) = ended_early(&test_text, &f.stderr, signalled(f)) {
            out.failed.push(cut);
        }
    }
    if f.timed_out {
        out.hung = hung_test(&test_text);
    } else if !f.success() && out.errors.is_empty() && out.failed.is_empty() {
        // Not a test failure, not a compile error: cargo itself failed.
        let tail: Vec<&str> = f
            .stderr
            .lines()
            .filter(|l| !l.trim_start().starts_with("Compiling"))
            .collect();
        let start = tail.len().saturating_sub(20);
        out.cargo_error = Some(tail[start..].join("\n"));
    }
    out
}

/// How one test went, as libtest said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Failed,
    Ignored,
}

/// A test libtest started (`test NAME ... `), with its status if one was found.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Started {
    name: String,
    status: Option<Status>,
}

/// The tests that passed and failed, each failure with its `---- name stdout ----`
/// section.
///
/// libtest prints `test NAME ... ` before it runs a test and the status after, on the
/// same line. Code that writes to stdout itself (`std::io::stdout().write_all`, which
/// libtest does not capture) lands in between: `test NAME ... checking` and the status
/// on a later line. So the closing `failures:` list (libtest's last word, before `test
/// result:`) decides which tests failed; the status words are read for the tests it
/// does not settle, and for runs that never got to it.
pub(super) fn parse_libtest(text: &str, out: &mut TestOutcome) {
    let listed = failures_list(text);
    let mut failed_names: Vec<String> = Vec::new();
    for test in started_tests(text) {
        let failed = match (&listed, test.status) {
            (_, Some(Status::Ignored)) => continue,
            (Some(list), _) => list.contains(&test.name),
            (None, Some(Status::Failed)) => true,
            (None, Some(Status::Ok)) => false,
            // Not finished: the run was cut (see `hung_test` and `ended_early`).
            (None, None) => continue,
        };
        if failed {
            failed_names.push(test.name);
        } else {
            out.passed.push(test.name);
        }
    }
    // A failure whose `test NAME ... ` line was garbled by an earlier test's writes
    // (`checkingtest NAME ... `) is still one: libtest's lists name it.
    let named = listed.into_iter().flatten().chain(section_names(text));
    for name in named {
        if !failed_names.contains(&name) {
            out.passed.retain(|p| *p != name);
            failed_names.push(name);
        }
    }
    for name in failed_names {
        let output = failure_output(text, &name);
        out.failed.push(TestFailure { name, output });
    }
}

/// Every `test NAME ... ` line, in order, with the status libtest printed for it: on
/// the same line, or at the end of a later one when the test wrote to stdout itself
/// (up to the next test's line).
fn started_tests(text: &str) -> Vec<Started> {
    let lines: Vec<&str> = text.lines().collect();
    let mut started = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((name, rest)) = test_line(line) else {
            continue;
        };
        let later = lines[i + 1..]
            .iter()
            .take_while(|l| test_line(l).is_none() && !l.starts_with("test result:"));
        let status = exact_status(rest).or_else(|| {
            std::iter::once(&rest)
                .chain(later)
                .find_map(|l| status_at_end(l))
        });
        started.push(Started {
            name: name.to_string(),
            status,
        });
    }
    started
}

/// `test NAME ... REST` as the name and what follows it (libtest's own lines, not the
/// closing `test result:`).
fn test_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("test ")?;
    let (name, after) = match rest.split_once(" ... ") {
        Some(split) => split,
        None => (rest.strip_suffix(" ...")?, ""),
    };
    (!name.is_empty() && !name.contains(' ')).then_some((name, after))
}

/// The status libtest printed right after `test NAME ... `, with nothing in between.
fn exact_status(rest: &str) -> Option<Status> {
    match rest.trim_end() {
        "ok" => Some(Status::Ok),
        "FAILED" => Some(Status::Failed),
        r if r.starts_with("ignored") => Some(Status::Ignored),
        _ => None,
    }
}

/// A status printed after the test's own writes: the end of a line.
fn status_at_end(line: &str) -> Option<Status> {
    let line = line.trim_end();
    if line.ends_with("FAILED") {
        Some(Status::Failed)
    } else if line.ends_with("ok") {
        Some(Status::Ok)
    } else {
        None
    }
}

/// The names in libtest's closing list (`failures:` then one indented name a line,
/// just before `test result:`): `Some` (maybe empty) when the run got to `test result:`.
fn failures_list(text: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let result = lines.iter().rposition(|l| l.starts_with("test result:"))?;
    let mut names = Vec::new();
    for line in lines[..result].iter().rev() {
        if line.trim().is_empty() && names.is_empty() {
            continue;
        }
        match line.strip_prefix("    ") {
            Some(name) if !name.trim().is_empty() && !name.contains(' ') => {
                names.push(name.to_string())
            }
            _ if *line == "failures:" => {
                names.reverse();
                return Some(names);
            }
            // No list: nothing failed.
            _ => return Some(Vec::new()),
        }
    }
    Some(Vec::new())
}

/// The names of the `---- NAME stdout ----` sections: only failed tests have one.
fn section_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("---- ")?.strip_suffix(" stdout ----"))
        .map(str::to_string)
        .collect()
}

/// What the failed test `name` printed, from its `---- name stdout ----` section.
fn failure_output(text: &str, name: &str) -> String {
    let header = format!("---- {name} stdout ----");
    text.find(&header)
        .map(|at| {
            let body = &text[at + header.len()..];
            let end = [body.find("\n---- "), body.find("\nfailures:\n")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(body.len());
            cut_middle(&collapse_repeats(&steady(body[..end].trim())))
        })
        .unwrap_or_default()
}

/// A test's output without what differs from run to run or says nothing about the code:
/// the thread's id (`thread 'x' (12345) panicked`), Rust's hint to set `RUST_BACKTRACE`,
/// proptest's counts of cases, and the toolchain's folder in the standard library's paths
/// (`core/src/...`, not `/rustc/HASH/library/core/src/...`). The repair prompt that
/// quotes it is then the same for the same failure, so a rerun finds its reply in the
/// response cache, and it is shorter.
fn steady(output: &str) -> String {
    // A property that gave up keeps the lines saying what discarded its cases
    // (`\t\t1024 times at requires x % 7 == 0`): that is the clause the spec must change.
    let gave_up = output.contains(GAVE_UP);
    output
        .lines()
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE=1`"))
        .filter(|l| !is_proptest_count(l) || (gave_up && l.contains(" times at ")))
        .map(|l| without_thread_id(&short_std_path(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `thread 'x' panicked` for `thread 'x' (12345) panicked`.
fn without_thread_id(line: &str) -> String {
    let Some(rest) = line.strip_prefix("thread '") else {
        return line.to_string();
    };
    let Some((name, after)) = rest.split_once("' (") else {
        return line.to_string();
    };
    match after.split_once(')') {
        Some((id, tail)) if id.chars().all(|c| c.is_ascii_digit()) => {
            format!("thread '{name}'{tail}")
        }
        _ => line.to_string(),
    }
}

/// What proptest says when a property gave up: nearly every case it generated was
/// discarded (by its `where`, or a `requires` of the function it is about).
pub const GAVE_UP: &str = "Too many global rejects";

/// proptest's tally after a failure (`\tsuccesses: 0`, `\tlocal rejects: 3`, `\t\t3 times
/// at src/...`): counts of cases, nothing about the failure.
fn is_proptest_count(line: &str) -> bool {
    let t = line.trim_start();
    line.starts_with('\t')
        && (t.starts_with("successes:")
            || t.starts_with("local rejects:")
            || t.starts_with("global rejects:")
            || t.split_once(" times at ")
                .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit())))
}

/// `/rustc/0123abcd/library/core/src/x.rs` as `core/src/x.rs`: the hash and the
/// toolchain's folder mean nothing to a model, and cost tokens in every panic.
fn short_std_path(line: &str) -> String {
    let Some(start) = line.find("/rustc/") else {
        return line.to_string();
    };
    let rest = &line[start + "/rustc/".len()..];
    match rest.find("/library/") {
        Some(lib) => format!("{}{}", &line[..start], &rest[lib + "/library/".len()..]),
        None => line.to_string(),
    }
}

/// What one failing test printed is kept to this many bytes from its start and its end:
/// a test whose code prints in a loop would otherwise fill the repair prompt (which is
/// cut to fit anyway) and the repair context saved on disk.
const TEST_OUTPUT_HEAD: usize = 24 << 10;
const TEST_OUTPUT_TAIL: usize = 8 << 10;

fn cut_middle(output: &str) -> String {
    crate::process::keep_ends(output, TEST_OUTPUT_HEAD, TEST_OUTPUT_TAIL)
}

/// A test's output with repeated panics said once. A failing property panics for every
/// input proptest tries while it shrinks, dozens of times, at one place and with messages
/// that differ only in the values (`ensures ... does not hold for x = 75`, then `x = 37`);
/// a reader needs it once (the last, most shrunk, one), and the minimal failing input
/// proptest prints after them.
fn collapse_repeats(output: &str) -> String {
    // A panic is known by its first line, `thread 'x' (12345) panicked at FILE:L:C:`,
    // without the thread id, which differs between the repeats; other text as it is.
    let words = |p: &str| -> String {
        p.split_whitespace()
            .filter(|w| !(w.starts_with('(') && w.ends_with(')')))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let key = |p: &str| match p.starts_with("thread '") {
        true => words(p.lines().next().unwrap_or(p)),
        false => words(p),
    };
    // Each paragraph kept: the first of its kind, the last (when it differs), how many.
    struct Kept {
        first: String,
        last: Option<String>,
        seen: usize,
    }
    let mut kept: Vec<Kept> = Vec::new();
    for paragraph in output.split("\n\n") {
        let paragraph = paragraph.trim_end();
        match kept.iter_mut().find(|k| key(&k.first) == key(paragraph)) {
            Some(k) if paragraph.starts_with("thread '") => {
                k.seen += 1;
                let differs = words(&k.first) != words(paragraph);
                k.last = (differs || k.last.is_some()).then(|| paragraph.to_string());
            }
            _ => kept.push(Kept {
                first: paragraph.to_string(),
                last: None,
                seen: 1,
            }),
        }
    }
    kept.into_iter()
        .map(|k| match (k.seen, k.last) {
            (1, _) => k.first,
            (n, None) => format!(
                "{}\n(the same panic {n} times in all, on the inputs proptest tried)",
                k.first
            ),
            // Two different failures at one place stay told apart: the first and the
            // last (the most shrunk) are shown.
            (n, Some(last)) => format!(
                "{}\n(a panic here {n} times in all, on the inputs proptest tried; the first and the last shown)\n\n{last}",
                k.first
            ),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A test binary that ran and ended well without libtest ever saying how its tests went:
/// code that ends the process before `main` (an `.init_array` entry written with
/// `global_asm!`, say) would otherwise pass as green with no test run at all.
fn never_reported(f: &Finished, out: &TestOutcome) -> Option<TestFailure> {
    let reported = f.stdout.lines().any(|l| l.starts_with("test result:"));
    let quiet = !f.timed_out
        && out.errors.is_empty()
        && out.failed.is_empty()
        && out.cargo_error.is_none()
        && !reported;
    quiet.then(|| TestFailure {
        name: "the test binary".into(),
        output: "the test process ended before any test reported its result: the code must \
                 compute its results when called, never end or take over the process"
            .into(),
    })
}

/// Whether the test process was killed by a signal (an abort, a stack overflow, our
/// time limit aside): libtest never ends so itself, whatever its output says.
fn signalled(f: &Finished) -> bool {
    f.code.is_none()
        || f.stderr
            .lines()
            .any(|l| l.contains("process didn't exit successfully") && l.contains("(signal: "))
}

/// A test run that started and never printed libtest's closing `test result:` line: the
/// code ended the test process (`std::process::exit(0)` would otherwise pass as green,
/// since cargo exits 0 and no test says FAILED; an `abort` kills it). Reported as a
/// failure of the test that was running. A process killed by a signal (`signalled`)
/// ended early whatever it printed: code writing to stdout itself (which libtest does not
/// capture) can print a `test result:` line of its own before it aborts.
fn ended_early(text: &str, stderr: &str, signalled: bool) -> Option<TestFailure> {
    let started = text.lines().any(|l| {
        l.strip_prefix("running ")
            .is_some_and(|r| r.ends_with(" tests") || r.ends_with(" test"))
    });
    let reported = text.lines().any(|l| l.starts_with("test result:"));
    if !started || (reported && !signalled) {
        return None;
    }
    let status = stderr
        .lines()
        .find(|l| l.contains("process didn't exit successfully"))
        .and_then(|l| l.rsplit_once(" ("))
        .map(|(_, s)| format!(" ({}", s.trim()))
        .unwrap_or_default();
    // The runtime says why when it ends the process itself.
    let said = |what: &str| stderr.contains(what) || text.contains(what);
    let why = if said("has overflowed its stack") {
        "the code overflowed the stack: look for an endless or too deep recursion, and \
         recurse less deep or loop instead"
    } else if said("memory allocation of") {
        "the code asked for more memory than there is: look for a size computed wrong or a \
         collection that grows without end"
    } else {
        "the code must return its result, never end the process (`std::process::exit`, \
         `abort`)"
    };
    Some(TestFailure {
        name: hung_test(text).unwrap_or_else(|| "the test binary".into()),
        output: format!("the test process ended before the test finished{status}: {why}"),
    })
}

/// With one test thread libtest prints `test name ... ` before running it: the last
/// such line without a status (maybe followed by what the test wrote itself) is the
/// test that hung.
pub(super) fn hung_test(text: &str) -> Option<String> {
    let last = started_tests(text).pop()?;
    last.status.is_none().then_some(last.name)
}

/// The compiler messages that point into `dir` (a module's own files), for `nfr lint`.
pub fn messages_in<'a>(messages: &'a [CompilerMessage], dir: &Path) -> Vec<&'a CompilerMessage> {
    let dir = dir.to_string_lossy();
    messages
        .iter()
        .filter(|m| {
            m.file
                .as_deref()
                .is_some_and(|f| f.starts_with(dir.as_ref()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_kept_from_generated_code_but_cargo_s_own() {
        let names = [
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "my_llm_key",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWORD",
            "CARGO_REGISTRY_TOKEN",
            "CARGO_REGISTRIES_CORP_TOKEN",
            "PATH",
            "HOME",
            "GHOST_BASE_URL",
        ];
        let hidden = secret_variables(names.iter().map(std::ffi::OsString::from));
        assert_eq!(
            hidden,
            names[..7]
                .iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
        );
    }

    /// Any `test_memory_mb` ghost.toml takes becomes a limit in KiB, the largest ones
    /// no limit at all, never a panic or a limit wrapped around to almost nothing.
    #[cfg(unix)]
    #[test]
    fn a_memory_limit_too_large_to_say_in_kib_is_none() {
        let cargo = |memory_mb: u64| Cargo {
            hidden_env: Vec::new(),
            crate_dir: PathBuf::from("."),
            target_dir: PathBuf::from("target"),
            timeout: Duration::from_secs(1),
            memory_mb,
        };
        let limit = |memory_mb: u64| {
            cargo(memory_mb)
                .command(&["check"])
                .as_std()
                .get_args()
                .nth(3)
                .map(|a| a.to_string_lossy().into_owned())
        };
        assert_eq!(limit(8192).as_deref(), Some("8388608"));
        assert_eq!(
            limit(i64::MAX as u64).as_deref(),
            Some(u64::MAX.to_string().as_str())
        );
    }

    #[test]
    fn test_output_is_the_same_from_run_to_run() {
        let run = |id: &str| {
            format!("thread 'example_f_1' ({id}) panicked at tests/a.rs:3:5:\nassertion failed\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace")
        };
        assert_eq!(steady(&run("26189")), steady(&run("4")));
        assert_eq!(
            steady(&run("26189")),
            "thread 'example_f_1' panicked at tests/a.rs:3:5:\nassertion failed"
        );
        assert_eq!(
            steady("thread 'x' (main) panicked"),
            "thread 'x' (main) panicked"
        );
        assert_eq!(
            steady("thread 'p' panicked at /rustc/59807616e1fa/library/core/src/iter/adapters/step_by.rs:35:9:\nproptest: Test failed: x; minimal failing input: n = 0\n\tsuccesses: 0\n\tlocal rejects: 0\n\t\t3 times at tests/a.rs:4:5\n\tglobal rejects: 0"),
            "thread 'p' panicked at core/src/iter/adapters/step_by.rs:35:9:\nproptest: Test failed: x; minimal failing input: n = 0"
        );
    }

    /// A property that gave up on discarded cases keeps what discarded them: the clause
    /// the spec must change, named in the message that blames the spec.
    #[test]
    fn a_property_that_gave_up_keeps_what_discarded_its_cases() {
        assert_eq!(
            steady("Test aborted: Too many global rejects\n\tsuccesses: 179\n\tlocal rejects: 0\n\tglobal rejects: 1024\n\t\t1024 times at requires x % 7 == 0"),
            "Test aborted: Too many global rejects\n\t\t1024 times at requires x % 7 == 0"
        );
    }

    fn finished(stdout: &str, code: Option<i32>, timed_out: bool) -> Finished {
        Finished {
            code,
            stdout: stdout.into(),
            stderr: String::new(),
            timed_out,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_long_test_output_keeps_its_start_and_its_end() {
        let long = format!("start\n{}end", "é".repeat(40_000));
        let cut = cut_middle(&long);
        assert!(cut.len() < 40 << 10, "{}", cut.len());
        assert!(cut.starts_with("start\n") && cut.ends_with("end"));
        assert!(cut.contains("left out here"));
        assert!(!cut.contains('\u{fffd}'), "no character is split");
        assert_eq!(cut_middle("short"), "short");
    }

    #[test]
    fn a_test_binary_that_reports_nothing_is_a_failure_not_green() {
        let silent = finished("", Some(0), false);
        let out = parse_outcome(&silent);
        let failure = never_reported(&silent, &out).expect("a failure");
        assert!(
            failure.output.contains("before any test reported"),
            "{failure:?}"
        );
        let whole = finished(
            "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed\n",
            Some(0),
            false,
        );
        assert!(never_reported(&whole, &parse_outcome(&whole)).is_none());
        let hung = finished("", None, true);
        assert!(never_reported(&hung, &parse_outcome(&hung)).is_none());
    }

    #[test]
    fn a_process_ended_by_the_code_is_a_failure_not_green() {
        // `std::process::exit(0)` in a test: cargo exits 0, no test says FAILED.
        let exited = finished("\nrunning 4 tests\ntest example_a_1 ... ", Some(0), false);
        let o = parse_outcome(&exited);
        assert!(!o.green());
        assert_eq!(o.failed[0].name, "example_a_1");
        assert!(
            o.failed[0].output.contains("process::exit"),
            "{}",
            o.failed[0].output
        );
        // A whole run that reports its result is not touched.
        let whole = "\nrunning 1 test\ntest a ... ok\n\ntest result: ok. 1 passed; 0 failed\n";
        assert!(parse_outcome(&finished(whole, Some(0), false)).green());
        // Nothing ran (a compile error) is not "ended early".
        assert!(ended_early("", "", false).is_none());
    }

    /// Code that prints libtest's closing line itself (to stdout, which libtest does not
    /// capture) and then aborts: the process ended early all the same, and the runtime's
    /// words say why, not "cargo failed".
    #[test]
    fn a_closing_line_printed_by_the_code_does_not_hide_its_abort() {
        let forged =
            "\nrunning 2 tests\ntest example_a_1 ... ok\ntest result: ok. 2 passed; 0 failed\n";
        let mut aborted = finished(forged, Some(101), false);
        aborted.stderr = "memory allocation of 67108864 bytes failed\nerror: test failed, to rerun pass `--test a`\n\nCaused by:\n  process didn't exit successfully: `/t/a-123 --test-threads 1` (signal: 6, SIGABRT: process abort signal)\n".into();
        let o = parse_outcome(&aborted);
        assert!(o.cargo_error.is_none(), "{:?}", o.cargo_error);
        let failure = o.failed.first().expect("a failure");
        assert!(
            failure.output.contains("more memory than there is")
                && failure.output.contains("(signal: 6"),
            "{failure:?}"
        );
        // The same run, run without cargo (`run_binary`): no exit code.
        let mut alone = finished(forged, None, false);
        alone.stderr = "memory allocation of 67108864 bytes failed\n".into();
        assert!(!parse_outcome(&alone).failed.is_empty());
    }

    #[test]
    fn repeated_panics_are_said_once() {
        let panic = |id: u32, at: &str| {
            format!("thread 'prop' ({id}) panicked at src/a/imp.rs:{at}:\ncalled `Option::unwrap()` on a `None` value")
        };
        let output = [
            panic(1, "50:42"),
            panic(1, "50:42"),
            panic(2, "50:42"),
            panic(2, "12:9"),
            "thread 'prop' (2) panicked at tests/a.rs:9:1:\nTest failed: boom.\nminimal failing input: s = \"\"".to_string(),
        ]
        .join("\n\n");
        let collapsed = collapse_repeats(&output);
        assert_eq!(collapsed.matches("imp.rs:50:42").count(), 1, "{collapsed}");
        assert!(
            collapsed.contains("the same panic 3 times in all"),
            "{collapsed}"
        );
        assert!(collapsed.contains("imp.rs:12:9"), "{collapsed}");
        assert!(
            collapsed.ends_with("minimal failing input: s = \"\""),
            "{collapsed}"
        );
        assert_eq!(
            collapse_repeats("left: 1\n\nright: 2"),
            "left: 1\n\nright: 2"
        );
        // An `ensures` broken at every shrinking step: one place, other values.
        let broken = |id: u32, x: i64| {
            format!("thread 'prop' ({id}) panicked at tests/a.rs:40:9:\n`ensures result >= lo` does not hold for x = {x}")
        };
        let output = [broken(1, 75), broken(1, 37), broken(2, 18)].join("\n\n");
        let collapsed = collapse_repeats(&output);
        assert_eq!(collapsed.matches("does not hold").count(), 2, "{collapsed}");
        assert!(
            collapsed.contains("x = 75\n(a panic here 3 times in all")
                && collapsed.ends_with("x = 18"),
            "the first and the last, most shrunk, are shown: {collapsed}"
        );
    }

    #[test]
    fn reads_passes_and_failures_with_their_output() {
        let stdout = "\nrunning 3 tests\ntest example_a_1 ... ok\ntest example_a_2 ... FAILED\ntest prop ... ok\n\nfailures:\n\n---- example_a_2 stdout ----\nthread 'example_a_2' panicked at tests/a.rs:9:5:\nexample `f(1) == 2` failed\n  left: 3\n right: 2\n\nfailures:\n    example_a_2\n\ntest result: FAILED. 2 passed; 1 failed\n";
        let o = parse_outcome(&finished(stdout, Some(101), false));
        assert_eq!(o.passed, ["example_a_1", "prop"]);
        assert_eq!(o.failed.len(), 1);
        assert!(
            o.failed[0].output.contains("example `f(1) == 2` failed"),
            "{:?}",
            o.failed
        );
        assert!(!o.failed[0].output.contains("failures:"));
        assert!(!o.green());
        assert_eq!(o.summary(), "1 of 3 failed");
    }

    /// Code that writes to stdout itself (not through `print!`, which libtest captures)
    /// lands between `test NAME ... ` and the status: the failing test is still named,
    /// with its values, and the passing one still passes.
    #[test]
    fn a_test_that_writes_to_stdout_itself_is_still_read() {
        let failure = "\n\nfailures:\n\n---- example_a_2 stdout ----\nthread 'example_a_2' panicked at tests/a.rs:9:5:\nexample `f(1) == 2` failed\n  left: 3\n right: 2\n\n\nfailures:\n    example_a_2\n\ntest result: FAILED. 1 passed; 1 failed\n";
        let runs = [
            // Each write ends its line: the status is on a line of its own.
            "\nrunning 2 tests\ntest example_a_1 ... checking\nok\ntest example_a_2 ... checking\nFAILED",
            // No line break: the status ends the test's own line.
            "\nrunning 2 tests\ntest example_a_1 ... checkingok\ntest example_a_2 ... checkingFAILED",
            // Words that end like a status (`look`): the closing list decides.
            "\nrunning 2 tests\ntest example_a_1 ... look\nok\ntest example_a_2 ... look\nFAILED",
            // A write with no line break before the next test's line: the list names it.
            "\nrunning 2 tests\ntest example_a_1 ... ok\nwritingtest example_a_2 ... FAILED",
        ];
        for run in runs {
            let o = parse_outcome(&finished(&format!("{run}{failure}"), Some(101), false));
            assert_eq!(o.failed.len(), 1, "{run}: {:?}", o.failed);
            assert_eq!(o.failed[0].name, "example_a_2", "{run}");
            assert!(
                o.failed[0].output.contains("left: 3"),
                "{run}: {:?}",
                o.failed
            );
            assert_eq!(o.passed, ["example_a_1"], "{run}");
            assert_eq!(o.summary(), "1 of 2 failed", "{run}");
            assert!(o.cargo_error.is_none(), "{run}");
        }
        // A whole run of passing tests that write: all passed, green.
        let green =
            "\nrunning 1 test\ntest a ... checking\nok\n\ntest result: ok. 1 passed; 0 failed\n";
        let o = parse_outcome(&finished(green, Some(0), false));
        assert_eq!(o.passed, ["a"]);
        assert!(o.green());
        // A test that wrote and then hung is the one named.
        let hung = "running 2 tests\ntest a ... checking\nok\ntest loops ... checking\n";
        let o = parse_outcome(&finished(hung, None, true));
        assert_eq!(o.hung.as_deref(), Some("loops"));
        // Ignored tests are neither.
        let ignored = "\nrunning 2 tests\ntest a ... ignored\ntest b ... ok\n\ntest result: ok. 1 passed; 0 failed; 1 ignored\n";
        let o = parse_outcome(&finished(ignored, Some(0), false));
        assert_eq!(o.passed, ["b"]);
    }

    #[test]
    fn the_test_binaries_cargo_built_are_found_by_target() {
        let stdout = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"crate_types":["lib"],"name":"gen","src_path":"/p/src/lib.rs","test":true},"profile":{"test":true},"filenames":["/t/debug/deps/gen-1"],"executable":"/t/debug/deps/gen-1","fresh":true}"#,
            "
",
            r#"{"reason":"compiler-artifact","target":{"kind":["test"],"crate_types":["bin"],"name":"a_mod","src_path":"/p/tests/a_mod.rs","test":true},"profile":{"test":true},"filenames":["/t/debug/deps/a_mod-2"],"executable":"/t/debug/deps/a_mod-2","fresh":false}"#,
            "
",
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"insta"},"executable":null}"#,
            "
",
            r#"{"reason":"build-finished","success":true}"#,
            "
"
        );
        let found = test_binaries(stdout);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            [("a_mod".to_string(), PathBuf::from("/t/debug/deps/a_mod-2"))]
        );
    }

    #[test]
    fn reads_compile_errors_from_json() {
        let line = r#"{"reason":"compiler-message","message":{"level":"error","rendered":"error[E0308]: mismatched types\n --> src/a/b/imp.rs:3:5","spans":[{"file_name":"src/a/b/imp.rs","line_start":3,"is_primary":true}]}}"#;
        let o = parse_outcome(&finished(line, Some(101), false));
        assert_eq!(o.errors.len(), 1);
        assert_eq!(o.errors[0].file.as_deref(), Some("src/a/b/imp.rs"));
        assert_eq!(o.errors[0].line, Some(3));
        assert_eq!(o.summary(), "1 compile error");
        assert_eq!(messages_in(&o.errors, Path::new("src/a/b")).len(), 1);
        assert!(messages_in(&o.errors, Path::new("src/c")).is_empty());
    }

    #[test]
    fn names_the_test_that_hung() {
        let o = parse_outcome(&finished(
            "running 2 tests\ntest a ... ok\ntest loops ... ",
            None,
            true,
        ));
        assert_eq!(o.hung.as_deref(), Some("loops"));
        assert_eq!(o.summary(), "timed out in `loops`");
    }

    #[test]
    fn other_cargo_failures_keep_stderr() {
        let mut f = finished("", Some(101), false);
        f.stderr = "   Compiling x\nerror: failed to parse manifest".into();
        let o = parse_outcome(&f);
        assert_eq!(
            o.cargo_error.as_deref(),
            Some("error: failed to parse manifest")
        );
    }
}
