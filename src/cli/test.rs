//! `ghost test [MODULES]`: run the acceptance tests of the generated code on disk.
//! Not implemented yet.

use super::{CommandError, Exit, Output};

pub const HELP: &str = "\
Runs the acceptance tests of the generated code as it is on disk, whatever ghost.lock
says. A module's tests do not depend on other modules being green.

Examples:
  ghost test
  ghost test text.slug net.port";

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Module names (`text.slug`); every module when none is given
    #[arg(value_name = "MODULES")]
    pub modules: Vec<String>,
}

pub fn run(args: &TestArgs, out: &Output) -> Result<Exit, CommandError> {
    let _ = (args, out);
    Err(CommandError::NotImplemented {
        command: "test",
        instead: "run `cargo test` in the generated folder to run the acceptance tests",
    })
}
