//! `ghost.toml`: the project settings, where they are found, and how the environment and
//! the command line are layered on top of them.
//!
//! Reading the file is the only I/O here; [`Config::parse`] and [`AgentOverrides::apply`]
//! are pure so they can be tested without a disk.

use crate::project::at;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file name that marks a project's root.
pub const FILE_NAME: &str = "ghost.toml";

/// The whole of `ghost.toml`, with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub project: ProjectSettings,
    #[serde(default)]
    pub agent: AgentSettings,
    #[serde(default)]
    pub build: BuildSettings,
    #[serde(default)]
    pub package: PackageSettings,
}

/// `[package]`: what the generated crate's `Cargo.toml` says about it, for a crate that is
/// published or depended on by version. None of it changes the code, so none of it makes
/// a module stale.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PackageSettings {
    /// A semantic version (`1.2.0`); `0.0.0` when unset.
    pub version: Option<String>,
    pub description: Option<String>,
    /// An SPDX expression (`MIT OR Apache-2.0`).
    pub license: Option<String>,
    pub repository: Option<String>,
    /// Whether `cargo publish` may publish it; `false` when unset.
    pub publish: bool,
}

/// The default of `[build] test_memory_mb`: 8 GiB of address space, several times what
/// rustc takes to compile a generated crate, and far less than code that allocates
/// without end reaches within a time limit.
pub const DEFAULT_TEST_MEMORY_MB: u64 = 8192;

/// The least `test_memory_mb` there may be: rustc itself needs about a GiB of address space.
pub const MIN_TEST_MEMORY_MB: u64 = 2048;

/// `[build]`: how generated code is built and tested.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BuildSettings {
    /// The time limit, in seconds, of one cargo run over a module (compiling and running
    /// its acceptance tests); an implementation that loops forever is killed at it.
    pub test_timeout: u64,
    /// The address space, in MiB, each process of a cargo run over a module may take
    /// (cargo, rustc, the test binary): code that allocates without end fails at it
    /// ("memory allocation of N bytes failed") instead of taking the machine's memory
    /// until the kernel kills whatever it picks. 0: no limit. Unix only.
    pub test_memory_mb: u64,
    /// Whether ghost tries its own small edits of code that fails a few tests (`<` for
    /// `<=`, one variant for another, ...) before asking the agent again. An edit is kept
    /// only when every test passes, as an agent's reply is; off, only the agent changes
    /// what code does.
    pub edits: bool,
}

impl Default for BuildSettings {
    fn default() -> Self {
        BuildSettings {
            test_timeout: 300,
            test_memory_mb: DEFAULT_TEST_MEMORY_MB,
            edits: true,
        }
    }
}

/// `[project]`
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectSettings {
    /// The project's name; the generated crate is named after it. Defaults to the name of
    /// the folder that holds `ghost.toml` (filled in by [`load`]).
    pub name: Option<String>,
    /// The folder of the spec files, relative to the project root.
    pub specs: PathBuf,
    /// The folder ghost generates into, relative to the project root.
    pub out: PathBuf,
    /// The target language; only `rust` for now.
    pub target: String,
    /// A folder of prompt templates that override the built-in ones.
    pub templates: Option<PathBuf>,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        ProjectSettings {
            name: None,
            specs: PathBuf::from("specs"),
            out: PathBuf::from("generated"),
            target: "rust".into(),
            templates: None,
        }
    }
}

/// `[agent]`: who writes the implementations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentSettings {
    /// `openai`, `anthropic`, `command` or `manual`; `None` when no agent is configured.
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    /// The name of the environment variable that holds the API key (never the key).
    pub api_key_env: Option<String>,
    /// For `provider = "command"`: the program that reads the prompt on stdin.
    pub command: Option<String>,
    pub max_attempts: u32,
    pub concurrency: u32,
    pub max_tokens_per_build: Option<u64>,
    /// Whether the HTTP providers ask for streamed replies (server-sent events); `true`
    /// by default. `false` for servers or proxies that cannot stream.
    pub stream: bool,
    /// The model's context window in tokens (e.g. 8192 for a small local model): repair
    /// prompts are cut to fit it instead of being refused. Unset: no limit is assumed.
    pub context_window: Option<u32>,
    /// The most tokens one reply may have. Unset: with `context_window`, the room a
    /// prompt leaves for its reply (a quarter of the window, at most 8,192); without it,
    /// the provider's own limit.
    pub max_reply_tokens: Option<u32>,
    /// Seconds one request to the model (or one run of the command agent) may take,
    /// from connecting to its last byte. A slow local model writing a long reply needs
    /// more than the default.
    pub timeout: u64,
}

impl Default for AgentSettings {
    fn default() -> Self {
        AgentSettings {
            provider: None,
            model: None,
            base_url: None,
            api_key_env: None,
            command: None,
            max_attempts: 4,
            concurrency: 4,
            max_tokens_per_build: None,
            stream: true,
            context_window: None,
            max_reply_tokens: None,
            timeout: 600,
        }
    }
}

/// Agent settings given outside `ghost.toml`: by the environment (`GHOST_PROVIDER`,
/// `GHOST_MODEL`, `GHOST_BASE_URL`) or by command-line flags. `None` leaves the setting
/// as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentOverrides {
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub max_attempts: Option<u32>,
    pub concurrency: Option<u32>,
}

/// A loaded project configuration: the settings and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedConfig {
    /// The folder that holds `ghost.toml`.
    pub root: PathBuf,
    /// The path of `ghost.toml` itself.
    pub file: PathBuf,
    pub config: Config,
    /// Whether `[project] name` was left out, so that the name is the folder's.
    pub name_from_folder: bool,
}

/// What can go wrong finding or reading `ghost.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no `ghost.toml` found in `{}` or any folder above it\n\
         help: run `ghost init` to start a project here, or change into a project's folder",
        start.display()
    )]
    NotFound { start: PathBuf },
    #[error("cannot read `{}`: {source}\nhelp: check that the file exists and is readable", file.display())]
    Unreadable {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `file:line:col: message`, the way compilers say where (and editors jump to).
    #[error("{}: {message}\nhelp: {}", at(file, *position), help.as_deref().unwrap_or("see the `ghost.toml` section of the README for every key"))]
    Invalid {
        file: PathBuf,
        position: Option<(usize, usize)>,
        message: String,
        help: Option<String>,
    },
    #[error("{}: `{key}` {problem}\nhelp: {fix}", at(file, *position))]
    BadValue {
        file: PathBuf,
        /// Where the key is written, when it is (a default broken by nothing written is not).
        position: Option<(usize, usize)>,
        key: &'static str,
        problem: String,
        fix: &'static str,
    },
    #[error("invalid environment variable `{var}`: {problem}")]
    BadEnv { var: &'static str, problem: String },
}

impl Config {
    /// Parses the text of a `ghost.toml`; `file` is only used in error messages.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        check_tables(file, text)?;
        let config: Config = toml::from_str(text).map_err(|e| {
            let (message, help) = describe_toml_error(&e);
            ConfigError::Invalid {
                file: file.to_path_buf(),
                position: crate::diagnostics::toml_error_position(text, &e),
                message,
                help,
            }
        })?;
        config.validate(file, text)?;
        Ok(config)
    }

    fn validate(&self, file: &Path, text: &str) -> Result<(), ConfigError> {
        let bad = |key, problem: &str, fix| ConfigError::BadValue {
            file: file.to_path_buf(),
            position: key_position(text, key),
            key,
            problem: problem.into(),
            fix,
        };
        if self.project.target != "rust" {
            return Err(bad(
                "project.target",
                &format!("is `{}`, which ghost does not support", self.project.target),
                "set `target = \"rust\"` (the only target so far)",
            ));
        }
        if let Some(v) = &self.package.version {
            if !is_semver(v) {
                return Err(bad(
                    "package.version",
                    &format!("is `{v}`, not a semantic version"),
                    "write MAJOR.MINOR.PATCH, e.g. `version = \"0.1.0\"` (a pre-release as `1.0.0-rc.1`)",
                ));
            }
        }
        if self.project.specs.as_os_str().is_empty() {
            return Err(bad(
                "project.specs",
                "is empty",
                "name the folder of the spec files, e.g. `specs = \"specs\"`",
            ));
        }
        if self.project.out.as_os_str().is_empty() {
            return Err(bad(
                "project.out",
                "is empty",
                "name the folder to generate into, e.g. `out = \"generated\"`",
            ));
        }
        // Resolved against the project's folder, `..` and absolute paths included, so that
        // `out = ".."` or the project's own absolute path cannot slip past the checks.
        let parent = file.parent().unwrap_or(Path::new(""));
        let root = lexical(&std::path::absolute(parent.join(".")).unwrap_or(parent.join(".")));
        let out = lexical(&root.join(&self.project.out));
        let specs = lexical(&root.join(&self.project.specs));
        if root.starts_with(&out) {
            return Err(bad(
                "project.out",
                if out == root {
                    "is the project's own folder, where ghost would write over ghost.toml's neighbours"
                } else {
                    "holds the project's folder, where ghost would write over the project's neighbours"
                },
                "name a folder of ghost's own, e.g. `out = \"generated\"`",
            ));
        }
        if out.starts_with(&specs) || specs.starts_with(&out) {
            return Err(bad(
                "project.out",
                "overlaps the specs folder",
                "keep the generated crate apart from the specs, e.g. `out = \"generated\"`",
            ));
        }
        // A file there (ghost.toml itself, say) could never hold the crate.
        if out.exists() && !out.is_dir() {
            return Err(bad(
                "project.out",
                "names a file, not a folder",
                "name a folder of ghost's own (it is created if missing), e.g. `out = \"generated\"`",
            ));
        }
        let var_name = |v: &str| {
            !v.is_empty()
                && !v.starts_with(|c: char| c.is_ascii_digit())
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if self
            .agent
            .api_key_env
            .as_deref()
            .is_some_and(|v| !var_name(v))
        {
            // Not shown: a key pasted here by mistake must not reach a log.
            return Err(bad(
                "agent.api_key_env",
                "is not the name of an environment variable (is it the key itself? it is not shown here)",
                "name the variable that holds the key, e.g. `api_key_env = \"OPENAI_API_KEY\"`, and put the key in that variable, never in ghost.toml",
            ));
        }
        if self.agent.max_attempts == 0 {
            return Err(bad(
                "agent.max_attempts",
                "is 0",
                "allow at least one attempt, e.g. `max_attempts = 4`",
            ));
        }
        if self.agent.concurrency == 0 {
            return Err(bad(
                "agent.concurrency",
                "is 0",
                "allow at least one agent at a time, e.g. `concurrency = 4`",
            ));
        }
        if self.agent.context_window.is_some_and(|w| w < 1_024) {
            return Err(bad(
                "agent.context_window",
                "is below 1024 tokens",
                "give the model's context window in tokens, e.g. `context_window = 8192`, or leave it out",
            ));
        }
        if let Some(n) = self.agent.max_reply_tokens {
            if n < 256 {
                return Err(bad(
                    "agent.max_reply_tokens",
                    "is below 256 tokens",
                    "leave room for a module's code, e.g. `max_reply_tokens = 2048`, or leave it out",
                ));
            }
            if self.agent.context_window.is_some_and(|w| n >= w / 2) {
                return Err(bad(
                    "agent.max_reply_tokens",
                    "is half the context window or more",
                    "leave the prompt at least half the window (a quarter for the reply is usual: 2048 of 8192), or leave it out",
                ));
            }
        }
        if self.agent.timeout == 0 {
            return Err(bad(
                "agent.timeout",
                "is 0",
                "give the seconds one request may take, e.g. `timeout = 600`",
            ));
        }
        if self.build.test_timeout == 0 {
            return Err(bad(
                "build.test_timeout",
                "is 0",
                "give the seconds one cargo run (a module's compile and tests) may take, e.g. `test_timeout = 300`",
            ));
        }
        if (1..MIN_TEST_MEMORY_MB).contains(&self.build.test_memory_mb) {
            return Err(bad(
                "build.test_memory_mb",
                &format!(
                    "is {} MiB, too little for rustc to compile the crate",
                    self.build.test_memory_mb
                ),
                "give at least 2048 (MiB; the default is 8192), or 0 for no limit",
            ));
        }
        if let Some(p) = &self.agent.provider {
            let known = ["openai", "anthropic", "command", "manual"];
            if !known.contains(&p.as_str()) {
                let guess = crate::diagnostics::suggest::closest(p, known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(bad(
                    "agent.provider",
                    &format!("is `{p}`, which ghost does not know{guess}"),
                    "use one of `openai`, `anthropic`, `command`, `manual`",
                ));
            }
        }
        Ok(())
    }
}

/// Each of `[project]`, `[agent]`, `[build]` and `[package]` must be a table. serde would
/// take an array for one, field by field in order (`agent = ["openai"]` as
/// `provider = "openai"`), and say of anything else that it expected `struct
/// AgentSettings`, a name the reader never wrote: both are refused here, naming the table.
fn check_tables(file: &Path, text: &str) -> Result<(), ConfigError> {
    // A file that does not parse is left to serde, whose error says where.
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Ok(());
    };
    for (table, _) in KEYS {
        let Some(value) = doc.get(table) else {
            continue;
        };
        if value.is_table() {
            continue;
        }
        let written = if value
            .as_array()
            .is_some_and(|a| a.iter().all(toml::Value::is_table))
        {
            format!("`[[{table}]]`, an array of tables")
        } else {
            let kind = value.type_str();
            let a = if kind.starts_with(['a', 'i']) {
                "an"
            } else {
                "a"
            };
            format!("`{table} = ...`, {a} {kind}")
        };
        let position = text.lines().enumerate().find_map(|(i, line)| {
            let trimmed = line.trim_start();
            let named = trimmed
                .trim_start_matches('[')
                .trim_start()
                .strip_prefix(table)?;
            named
                .trim_start()
                .starts_with(['=', ']'])
                .then_some((i + 1, line.len() - trimmed.len() + 1))
        });
        return Err(ConfigError::Invalid {
            file: file.to_path_buf(),
            position,
            message: format!("`{table}` must be a table, not {written}"),
            help: Some(format!(
                "write its keys one a line below a `[{table}]` header (every key is in the README's `ghost.toml` section)"
            )),
        });
    }
    Ok(())
}

/// toml's own rendering quotes the line with a caret over several lines; one line that
/// names the problem (`unknown field `x`, expected one of ...`) and where is enough.
/// The message of a toml error, and a help that says where a key written in the wrong
/// table belongs (`provider` at the top of the file belongs under `[agent]`).
fn describe_toml_error(e: &toml::de::Error) -> (String, Option<String>) {
    // serde's names of the types (`u32`) are Rust's, not the reader's. A `u32` names
    // its top too: `1_000_000_000_000` is a whole number, 0 or more, and still refused.
    let message = e
        .message()
        .trim()
        .replace(
            "expected u32",
            &format!("expected a whole number from 0 to {}", u32::MAX),
        )
        .replace("expected u64", "expected a whole number, 0 or more")
        .replace("expected path string", "expected a string (a path)")
        .replace("expected a boolean", "expected `true` or `false`");
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let home = unknown.and_then(|key| {
        KEYS.iter()
            .find(|(_, keys)| keys.contains(&key))
            .map(|(table, _)| (key, *table))
    });
    let help = home.map(|(key, table)| {
        format!("`{key}` belongs under `[{table}]`: move it below that table's header (every key is in the README's `ghost.toml` section)")
    });
    (message, help)
}

/// Each table of ghost.toml with its keys (as the structs above name them).
const KEYS: [(&str, &[&str]); 4] = [
    ("project", &["name", "specs", "out", "target", "templates"]),
    (
        "agent",
        &[
            "provider",
            "model",
            "base_url",
            "api_key_env",
            "command",
            "max_attempts",
            "concurrency",
            "max_tokens_per_build",
            "stream",
            "context_window",
            "max_reply_tokens",
            "timeout",
        ],
    ),
    ("build", &["test_timeout", "test_memory_mb", "edits"]),
    (
        "package",
        &["version", "description", "license", "repository", "publish"],
    ),
];

/// Where `key` (`agent.max_attempts`) is written in `text`: the line of `max_attempts =`
/// under the `[agent]` header, as (line, column), both from 1.
fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    let (table, name) = key.split_once('.')?;
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_table = trimmed
                .trim_end()
                .trim_end_matches(|c: char| c == ']' || c.is_whitespace())
                .trim_start_matches('[')
                .trim()
                == table;
            continue;
        }
        let written = trimmed
            .split_once('=')
            .is_some_and(|(k, _)| k.trim().trim_matches('"') == name);
        if in_table && written {
            return Some((i + 1, line.len() - trimmed.len() + 1));
        }
    }
    None
}

impl AgentOverrides {
    /// Reads `GHOST_PROVIDER`, `GHOST_MODEL` and `GHOST_BASE_URL` through `get` (pass
    /// `|k| std::env::var(k).ok()`); empty values count as unset.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> AgentOverrides {
        let var = |k: &str| get(k).filter(|v| !v.is_empty());
        AgentOverrides {
            provider: var("GHOST_PROVIDER"),
            model: var("GHOST_MODEL"),
            base_url: var("GHOST_BASE_URL"),
            max_attempts: None,
            concurrency: None,
        }
    }

    /// `self` on top of `under`: every setting `self` gives wins.
    pub fn over(self, under: AgentOverrides) -> AgentOverrides {
        AgentOverrides {
            provider: self.provider.or(under.provider),
            model: self.model.or(under.model),
            base_url: self.base_url.or(under.base_url),
            max_attempts: self.max_attempts.or(under.max_attempts),
            concurrency: self.concurrency.or(under.concurrency),
        }
    }

    /// The agent settings with these overrides applied.
    pub fn apply(&self, settings: &AgentSettings) -> AgentSettings {
        let mut out = settings.clone();
        if let Some(v) = &self.provider {
            out.provider = Some(v.clone());
        }
        if let Some(v) = &self.model {
            out.model = Some(v.clone());
        }
        if let Some(v) = &self.base_url {
            out.base_url = Some(v.clone());
        }
        if let Some(v) = self.max_attempts {
            out.max_attempts = v;
        }
        if let Some(v) = self.concurrency {
            out.concurrency = v;
        }
        out
    }
}

/// The agent settings a command should use: `ghost.toml`, then the environment, then the
/// command-line flags, each layer overriding the one below.
pub fn effective_agent(
    config: &Config,
    env: AgentOverrides,
    flags: AgentOverrides,
) -> AgentSettings {
    flags.over(env).apply(&config.agent)
}

/// Finds `ghost.toml` in `start` or the nearest folder above it.
pub fn find(start: &Path) -> Result<PathBuf, ConfigError> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| ConfigError::NotFound {
            start: start.to_path_buf(),
        })
}

/// Finds and reads the project's `ghost.toml`, starting at `start` (usually the current
/// folder) and walking up.
pub fn load(start: &Path) -> Result<LoadedConfig, ConfigError> {
    let file = find(start)?;
    load_file(&file)
}

/// Reads one `ghost.toml`.
pub fn load_file(file: &Path) -> Result<LoadedConfig, ConfigError> {
    let bytes = std::fs::read(file).map_err(|source| ConfigError::Unreadable {
        file: file.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = String::from_utf8_lossy(valid);
        ConfigError::Invalid {
            file: file.to_path_buf(),
            position: Some(
                crate::diagnostics::LineIndex::new(&valid).line_col(&valid, valid.len()),
            ),
            message: "the file is not valid UTF-8 here".into(),
            help: Some("save it as UTF-8".into()),
        }
    })?;
    let mut config = Config::parse(file, &text)?;
    let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let name_from_folder = config.project.name.is_none();
    if name_from_folder {
        // The folder's name only until the crate is generated: a clone, a moved folder or
        // a git worktree named otherwise keeps the crate's name, and with it every
        // module's fingerprints and generated file, which the name is part of.
        config.project.name = generated_crate_name(&root.join(&config.project.out))
            .or_else(|| root.file_name().map(|n| n.to_string_lossy().into_owned()));
    }
    Ok(LoadedConfig {
        root,
        file: file.to_path_buf(),
        config,
        name_from_folder,
    })
}

/// The first line of the `Cargo.toml` ghost writes: a manifest without it is not ghost's.
const GENERATED_MANIFEST_HEADER: &str = "# Generated by ghost:";

/// The package name in the `Cargo.toml` ghost generated in `out_dir`, if it wrote one
/// there (a crate of someone else's, or a manifest that does not parse, e.g. left with
/// merge conflict markers, names none).
fn generated_crate_name(out_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(out_dir.join("Cargo.toml")).ok()?;
    if !text.starts_with(GENERATED_MANIFEST_HEADER) {
        return None;
    }
    let manifest: toml::Table = text.parse().ok()?;
    let name = manifest.get("package")?.get("name")?.as_str()?;
    Some(name.to_string())
}

/// `path` with `.` dropped and each `..` taking away the folder before it (as far as
/// there is one), without asking the file system.
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` at the root stays at the root; a relative path keeps a leading `..`.
                let at_root = out.has_root() && out.parent().is_none();
                if !at_root && !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

impl LoadedConfig {
    /// The specs folder, as a path (absolute when the root is).
    pub fn specs_dir(&self) -> PathBuf {
        self.root.join(&self.config.project.specs)
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.root.join(&self.config.project.out)
    }

    /// The project's name (when `ghost.toml` gives none, the generated crate's, else the
    /// folder's).
    pub fn name(&self) -> &str {
        self.config
            .project
            .name
            .as_deref()
            .unwrap_or("ghost-project")
    }
}

/// Whether `v` is a semantic version as Cargo reads one (Cargo parses it with `semver`).
fn is_semver(v: &str) -> bool {
    semver::Version::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `KEYS` (the help for a key written in the wrong table) is a copy of the structs'
    /// fields: serde's own list of a table's fields, in its unknown-field error, is the
    /// truth it must match.
    #[test]
    fn the_tables_keys_are_the_structs_fields() {
        for (table, keys) in KEYS {
            let err = Config::parse(
                Path::new("ghost.toml"),
                &format!("[{table}]\nno_such_key = 1\n"),
            )
            .expect_err("an unknown key");
            let message = err.to_string();
            // `expected one of `a`, `b`, `c`` or, for two, `expected `a` or `b``.
            let listed = message
                .lines()
                .next()
                .and_then(|l| l.split("expected ").nth(1))
                .unwrap_or_else(|| panic!("{message}"));
            let fields: Vec<&str> = listed
                .trim_start_matches("one of ")
                .split(", ")
                .flat_map(|f| f.split(" or "))
                .map(|f| f.trim().trim_matches('`'))
                .collect();
            assert_eq!(fields, *keys, "[{table}]: {message}");
        }
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("ghost.toml"), text)
    }

    #[test]
    fn package_settings_reach_the_config_and_a_bad_version_is_refused() {
        let c = parse("[package]\nversion = \"1.2.0-rc.1\"\nlicense = \"MIT\"\npublish = true\n")
            .expect("valid");
        assert_eq!(c.package.version.as_deref(), Some("1.2.0-rc.1"));
        assert!(c.package.publish);
        let err = parse("[package]\nversion = \"1.2\"\n").expect_err("not semver");
        assert!(err
            .to_string()
            .contains("`package.version` is `1.2`, not a semantic version"));
        assert!(
            parse("[package]\nlicence = \"MIT\"\n").is_err(),
            "unknown key"
        );
    }

    #[test]
    fn an_out_naming_a_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        let file = dir.path().join("ghost.toml");
        let err = Config::parse(&file, "[project]\nout = \"notes.txt\"\n").expect_err("a file");
        assert!(
            err.to_string().contains("names a file, not a folder"),
            "{err}"
        );
        Config::parse(&file, "[project]\nout = \"gen\"\n").expect("a folder to be");
    }

    #[test]
    fn a_number_too_large_for_its_key_names_the_largest_allowed() {
        let err = parse("[agent]\nmax_attempts = 1_000_000_000_000\n").expect_err("too large");
        assert!(
            err.to_string()
                .contains("expected a whole number from 0 to 4294967295"),
            "{err}"
        );
        let err = parse("[build]\ntest_timeout = -1\n").expect_err("negative");
        assert!(
            err.to_string()
                .contains("expected a whole number, 0 or more"),
            "{err}"
        );
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").expect("an empty ghost.toml is valid");
        assert_eq!(c.project.specs, PathBuf::from("specs"));
        assert_eq!(c.project.out, PathBuf::from("generated"));
        assert_eq!(c.project.target, "rust");
        assert_eq!(c.agent.max_attempts, 4);
        assert_eq!(c.agent.concurrency, 4);
        assert_eq!(c.agent.provider, None);
    }

    #[test]
    fn every_documented_key_is_read() {
        let c = parse(
            r#"
            [project]
            name = "demo"
            specs = "s"
            out = "o"
            target = "rust"
            templates = "t"
            [agent]
            provider = "openai"
            model = "gpt-5"
            base_url = "http://127.0.0.1:11434/v1"
            api_key_env = "OPENAI_API_KEY"
            command = "codex exec --full-auto -"
            max_attempts = 2
            concurrency = 8
            max_tokens_per_build = 2_000_000
            stream = false
            context_window = 16384
            max_reply_tokens = 4096
            [build]
            test_timeout = 60
            test_memory_mb = 4096
            edits = false
            "#,
        )
        .expect("valid");
        assert_eq!(c.project.name.as_deref(), Some("demo"));
        assert_eq!(c.project.templates, Some(PathBuf::from("t")));
        assert_eq!(c.agent.max_attempts, 2);
        assert_eq!(c.agent.concurrency, 8);
        assert_eq!(c.agent.max_tokens_per_build, Some(2_000_000));
        assert!(!c.agent.stream);
        assert_eq!(c.agent.context_window, Some(16_384));
        assert_eq!(c.agent.max_reply_tokens, Some(4_096));
        assert_eq!(c.agent.command.as_deref(), Some("codex exec --full-auto -"));
        assert_eq!(c.build.test_timeout, 60);
        assert_eq!(c.build.test_memory_mb, 4096);
        assert!(!c.build.edits);
    }

    #[test]
    fn unknown_keys_are_named_with_the_file() {
        let err = parse("[project]\nnmae = \"x\"\n").expect_err("unknown key");
        let msg = err.to_string();
        assert!(msg.contains("nmae"), "{msg}");
        assert!(msg.contains("ghost.toml"), "{msg}");
        let err = parse("[agnet]\n").expect_err("unknown table");
        assert!(err.to_string().contains("agnet"), "{err}");
    }

    #[test]
    fn a_table_written_as_anything_else_is_refused_by_its_name() {
        // An array was taken field by field: this one set `provider = "openai"`.
        for (text, written, line) in [
            ("agent = [\"openai\"]\n", "`agent = ...`, an array", 1),
            (
                "[project]\nname = \"x\"\n[[agent]]\nprovider = \"manual\"\n",
                "`[[agent]]`",
                3,
            ),
            ("build = 1\n", "`build = ...`, an integer", 1),
            ("package = \"x\"\n", "`package = ...`, a string", 1),
        ] {
            let msg = parse(text).expect_err(text).to_string();
            assert!(msg.contains(written), "{msg}");
            assert!(msg.contains(&format!("ghost.toml:{line}:1:")), "{msg}");
            assert!(msg.contains("below a `["), "{msg}");
            assert!(!msg.contains("struct"), "{msg}");
        }
        let msg = parse("[agent]\ntimeout = -3\n")
            .expect_err("negative")
            .to_string();
        assert!(msg.contains("0 or more"), "{msg}");
        let msg = parse("[project]\nspecs = 3\n")
            .expect_err("a number")
            .to_string();
        assert!(msg.contains("expected a string (a path)"), "{msg}");
    }

    #[test]
    fn bad_values_say_what_to_do() {
        let err = parse("[agent]\nmax_attempts = 0\n").expect_err("zero attempts");
        assert!(err.to_string().contains("agent.max_attempts"), "{err}");
        let err = parse("[project]\ntarget = \"cobol\"\n").expect_err("bad target");
        assert!(err.to_string().contains("cobol"), "{err}");
        let err = parse("[agent]\nprovider = \"skynet\"\n").expect_err("bad provider");
        assert!(err.to_string().contains("openai"), "{err}");
        let here = std::env::current_dir().expect("a current folder");
        let own = here.display().to_string();
        let specs = here.join("specs").display().to_string();
        for out in [
            ".",
            "./",
            "specs",
            "specs/gen",
            "./specs",
            "..",
            "x/..",
            "x/../specs",
            "../..",
            "/",
            "/..",
            "../../../../../../../../../../../../../../../../../../..",
            &own,
            &specs,
        ] {
            let err = parse(&format!("[project]\nout = \"{out}\"\n")).expect_err(out);
            assert!(err.to_string().contains("project.out"), "{out}: {err}");
        }
        let err = parse("[project]\nspecs = \"gen/specs\"\nout = \"gen\"\n").expect_err("inside");
        assert!(err.to_string().contains("overlaps"), "{err}");
        parse("[project]\nout = \"../generated\"\n").expect("a folder beside the project");
        let err = parse("[build]\ntest_memory_mb = 512\n").expect_err("too little memory");
        let (least, default) = (MIN_TEST_MEMORY_MB, DEFAULT_TEST_MEMORY_MB);
        assert!(
            err.to_string()
                .contains(&format!("at least {least} (MiB; the default is {default})")),
            "{err}"
        );
        parse("[build]\ntest_memory_mb = 0\n").expect("no limit");
        let err = parse("[agent]\ntimeout = 0\n").expect_err("no time");
        assert!(err.to_string().contains("agent.timeout"), "{err}");
        assert_eq!(
            parse("[agent]\ntimeout = 1800\n")
                .expect("valid")
                .agent
                .timeout,
            1800
        );
        let err = parse("[agent]\nmax_reply_tokens = 100\n").expect_err("no room");
        assert!(err.to_string().contains("agent.max_reply_tokens"), "{err}");
        let err = parse("[agent]\ncontext_window = 8192\nmax_reply_tokens = 4096\n")
            .expect_err("no room for the prompt");
        assert!(err.to_string().contains("half the context window"), "{err}");
        let err = parse("[agent]\napi_key_env = \"sk-proj-SECRET123\"\n").expect_err("a key");
        assert!(!err.to_string().contains("SECRET"), "never shown: {err}");
        assert!(err.to_string().contains("agent.api_key_env"), "{err}");
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let c = parse("[agent]\nprovider = \"openai\"\nmodel = \"a\"\nbase_url = \"f\"\n")
            .expect("valid");
        let env = AgentOverrides::from_env(|k| match k {
            "GHOST_MODEL" => Some("b".into()),
            "GHOST_BASE_URL" => Some("e".into()),
            "GHOST_PROVIDER" => Some(String::new()),
            _ => None,
        });
        let flags = AgentOverrides {
            model: Some("c".into()),
            concurrency: Some(1),
            ..Default::default()
        };
        let a = effective_agent(&c, env, flags);
        assert_eq!(
            a.provider.as_deref(),
            Some("openai"),
            "an empty variable counts as unset"
        );
        assert_eq!(a.model.as_deref(), Some("c"));
        assert_eq!(a.base_url.as_deref(), Some("e"));
        assert_eq!(a.concurrency, 1);
        assert_eq!(a.max_attempts, 4);
    }

    #[test]
    fn find_walks_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let deep = dir.path().join("a/b/c");
        std::fs::create_dir_all(&deep).expect("mkdir");
        std::fs::write(dir.path().join("a/ghost.toml"), "").expect("write");
        assert_eq!(find(&deep).expect("found"), dir.path().join("a/ghost.toml"));
        let loaded = load(&deep).expect("loads");
        assert_eq!(loaded.name(), "a");
        assert_eq!(loaded.specs_dir(), dir.path().join("a/specs"));
    }
}
