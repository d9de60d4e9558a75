//! ghost's exit codes, in one place.

use std::process::ExitCode;

/// How a run of ghost ended; the process exits with [`Exit::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// All good.
    Success,
    /// The specs have errors, or (later) a module is not fresh or fails its tests, or
    /// `fmt --check` found files to format.
    Failure,
    /// Bad usage or configuration: an unknown flag, an unreadable or invalid ghost.toml, no
    /// project found, no agent configured where one is needed.
    Usage,
    /// The agent failed: network, budget spent, attempts exhausted.
    Agent,
    /// Stopped by Ctrl-C (130, as shells report SIGINT).
    Interrupted,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Agent => 3,
            Exit::Interrupted => 130,
        }
    }

    /// `Failure` when `failed`, else `Success`.
    pub fn failure_if(failed: bool) -> Exit {
        if failed {
            Exit::Failure
        } else {
            Exit::Success
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}
