//! The command line: clap's definitions of every command and flag, and the dispatch to
//! one function per command (each in its own file: `check.rs`, `fmt.rs`, `init.rs`, ...).
//!
//! In: the process's arguments. Out: text on stdout and stderr and an [`Exit`] code.
//! Commands return `Result<Exit, CommandError>`; the mapping of errors to exit codes lives
//! in `error.rs` and the codes themselves in `exit.rs`.

mod build;
mod check;
mod error;
mod eval;
mod exit;
mod fmt;
mod init;
mod output;
mod pipeline;
mod prompt;
mod report;
mod status;
mod test;
mod watch;

pub use error::CommandError;
pub use exit::Exit;
pub use output::{ColorChoice, MessageFormat, Output};

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const ABOUT: &str =
    "Spec-driven code generation: specs are the source, implementations are disposable";

const MAIN_HELP: &str = "\
Start here:
  ghost init demo && cd demo    a new project with one example spec
  ghost check                   check every spec of the project (fast enough for every save)
  ghost fmt                     format every spec file in place

Exit codes: 0 all good; 1 the specs have errors (or contradict themselves), or a module
is not fresh or fails its tests; 2 bad usage or configuration, or another build holds the
project; 3 the agent failed (network, budget spent, attempts exhausted); 130 interrupted
(Ctrl-C).";

/// `ghost`: the whole command line.
#[derive(Debug, Parser)]
#[command(name = "ghost", version, about = ABOUT, after_help = MAIN_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// How diagnostics are printed: `human` (on stderr), `short` (`file:line:col: severity:
    /// message`, one a line, on stdout) or `json` (one object a line, on stdout)
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human, value_name = "FORMAT")]
    pub message_format: MessageFormat,
    /// Print only diagnostics and errors, no progress or summary lines
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more about what ghost does (the time of each stage of `check`, each file `fmt` writes, the modules `test` built together)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to color the output; `auto` colors a terminal unless NO_COLOR is set
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project: ghost.toml, one example spec, a .gitignore entry
    #[command(after_help = init::HELP)]
    Init(init::InitArgs),
    /// Parse and check specs, print their diagnostics and each module's state
    #[command(after_help = check::HELP)]
    Check(check::CheckArgs),
    /// Generate or repair every module that is not fresh, with an agent
    #[command(after_help = build::HELP)]
    Build(build::BuildArgs),
    /// Run the acceptance tests of the generated code as it is on disk
    #[command(after_help = test::HELP)]
    Test(test::TestArgs),
    /// One line per module: state, attempts, tokens, last result
    #[command(after_help = status::HELP)]
    Status(status::StatusArgs),
    /// Print the exact prompt the agent would get for a module
    #[command(after_help = prompt::HELP)]
    Prompt(prompt::PromptArgs),
    /// Format spec files canonically
    #[command(after_help = fmt::HELP)]
    Fmt(fmt::FmtArgs),
    /// Re-run `check` (and with --build, `build`) on every save
    #[command(after_help = watch::HELP)]
    Watch(watch::WatchArgs),
    /// Measure an agent on a spec set: green after 1 and within N attempts, tokens, failures
    #[command(after_help = eval::HELP)]
    Eval(eval::EvalArgs),
}

/// The entry point of the `ghost` binary.
pub fn main() -> ExitCode {
    run(std::env::args_os()).into()
}

/// Parses `args` (the first is the program name) and runs the command.
pub fn run<I, T>(args: I) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` arrive here too; they are not failures.
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            let _ = e.print();
            return code;
        }
    };
    let out = Output::new(&cli.global);
    let result = match &cli.command {
        Command::Init(args) => init::run(args, &out),
        Command::Check(args) => check::run(args, &out),
        Command::Build(args) => build::run(args, &out),
        Command::Test(args) => test::run(args, &out),
        Command::Status(args) => status::run(args, &out),
        Command::Prompt(args) => prompt::run(args, &out),
        Command::Fmt(args) => fmt::run(args, &out),
        Command::Watch(args) => watch::run(args, &out),
        Command::Eval(args) => eval::run(args, &out),
    };
    match result {
        Ok(exit) => exit,
        Err(e) => {
            let text = e.to_string();
            out.error(&text);
            tell_machine(&out, &text);
            e.exit()
        }
    }
}

/// An error that says where (`ghost.toml:4:1: ...`) is printed on stdout too with
/// `--message-format short` or `json`, for an editor's problem matcher, as a spec's
/// diagnostics are.
fn tell_machine(out: &Output, text: &str) {
    let first = text.lines().next().unwrap_or_default();
    let mut parts = first.splitn(4, ':');
    let (Some(file), Some(line), Some(column), Some(message)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let (Ok(line), Ok(column)) = (line.parse::<usize>(), column.parse::<usize>()) else {
        return;
    };
    let message = message.trim();
    let hint = text
        .lines()
        .find_map(|l| l.strip_prefix("help: "))
        .map(str::to_string);
    match out.format {
        MessageFormat::Short => out.result(&format!("{file}:{line}:{column}: error: {message}")),
        MessageFormat::Json => out.json_line(
            "diagnostic",
            serde_json::json!({
                "file": file, "line": line, "column": column,
                "end_line": line, "end_column": column,
                "severity": "error", "code": "config", "message": message, "hint": hint,
            }),
        ),
        MessageFormat::Human => {}
    }
}

/// A count flag's value (`--max-attempts`, `--concurrency`): a whole number, 1 or more.
pub(crate) fn at_least_one(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(0) => Err("must be 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{value}` is not a whole number (1 or more)")),
    }
}

/// Paths given on the command line, for commands that take files or folders.
#[derive(Debug, Args, Clone, Default)]
pub struct PathArgs {
    /// Spec files or folders (a folder means every spec below it); the whole project when
    /// none is given
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        assert_eq!(run(["ghost", "check", "--no-such-flag"]), Exit::Usage);
        assert_eq!(run(["ghost", "--help"]), Exit::Success);
    }
}
