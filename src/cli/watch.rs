//! `ghost watch [--build]`: re-run `check` on every save. Not implemented yet.

use super::{CommandError, Exit, Output};

pub const HELP: &str = "\
Watches the specs folder and re-runs `ghost check` on every save; with --build, also
`ghost build`. Stop it with Ctrl-C.

Examples:
  ghost watch
  ghost watch --build";

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Also run `ghost build` after every successful check
    #[arg(long)]
    pub build: bool,
}

pub fn run(args: &WatchArgs, out: &Output) -> Result<Exit, CommandError> {
    let _ = (args, out);
    Err(CommandError::NotImplemented {
        command: "watch",
        instead: "have your editor run `ghost check FILE --message-format short` on save",
    })
}
