//! `ghost prompt MODULE [--repair]`: print the prompt the agent would get.
//! Not implemented yet.

use super::{CommandError, Exit, Output};

pub const HELP: &str = "\
Prints the exact prompt the agent would get for MODULE, so that it can be read, reviewed
or pasted into an agent by hand. With --repair, the repair prompt of the last failed
attempt instead.

Examples:
  ghost prompt text.slug
  ghost prompt cache.lru --repair";

#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    /// The module's dotted name, e.g. `text.slug`
    #[arg(value_name = "MODULE")]
    pub module: String,
    /// Print the repair prompt of the last failed attempt
    #[arg(long)]
    pub repair: bool,
}

pub fn run(args: &PromptArgs, out: &Output) -> Result<Exit, CommandError> {
    let _ = (args, out);
    Err(CommandError::NotImplemented { command: "prompt", instead: "read the module's spec file for now" })
}
