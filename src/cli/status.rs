//! `ghost status`: one line per module. Not implemented yet.

use super::{CommandError, Exit, Output};

pub const HELP: &str = "\
Prints one line per module: its state (fresh, stale, missing, tampered, failing), the
attempts and tokens its last build took, and the last result.

Example:
  ghost status";

#[derive(Debug, clap::Args)]
pub struct StatusArgs {}

pub fn run(args: &StatusArgs, out: &Output) -> Result<Exit, CommandError> {
    let _ = (args, out);
    Err(CommandError::NotImplemented { command: "status", instead: "run `ghost check` to check the specs" })
}
