//! Errors that stop a command before or outside the specs' own diagnostics, and the exit
//! code each maps to.

use super::Exit;
use crate::project::ProjectError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(
        "`{}` already exists\nhelp: this folder is already a ghost project; run `ghost check` in it, or give `ghost init` another folder",
        path.display()
    )]
    AlreadyInitialized { path: PathBuf },
    /// `ghost init FILE`: the project's folder is taken by a file.
    #[error(
        "`{}` is a file, not a folder\nhelp: give `ghost init` the name of a folder (one that does not exist yet is created)",
        path.display()
    )]
    NotAFolder { path: PathBuf },
    #[error("cannot write `{}`: {source}\nhelp: check that the folder exists and is writable", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot determine the current folder: {0}\nhelp: run ghost from a folder that exists")]
    CurrentDir(std::io::Error),
    /// `ghost watch` could not start or keep its file watcher.
    #[error("cannot watch the project: {0}")]
    Watch(String),
    #[error(transparent)]
    Lock(#[from] crate::plan::LockError),
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a prompt template is broken: {0}")]
    Template(#[from] crate::compile::prompt::PromptError),
    #[error(transparent)]
    Build(#[from] crate::build::session::BuildError),
    #[error("{message}\nhelp: {help}")]
    Agent { message: String, help: String },
    #[error("unknown module `{name}`{}\nhelp: `ghost status` lists the modules", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownModule {
        name: String,
        suggestion: Option<String>,
    },
    #[error("{0}")]
    Usage(String),
    /// Another `ghost build` or `ghost test` holds the project.
    #[error("another ghost build or test is running in this project (it holds `{}`)\nhelp: wait for it to finish, or stop it; two at once would overwrite each other's work", path.display())]
    Busy { path: PathBuf },
}

impl CommandError {
    /// The exit code this error ends the run with.
    pub fn exit(&self) -> Exit {
        match self {
            CommandError::Project(_)
            | CommandError::AlreadyInitialized { .. }
            | CommandError::NotAFolder { .. }
            | CommandError::CurrentDir(_) => Exit::Usage,
            // Not being able to write is an environment problem, like a bad configuration.
            CommandError::Write { .. } | CommandError::Read { .. } | CommandError::Watch(_) => {
                Exit::Usage
            }
            CommandError::Lock(_) | CommandError::Template(_) | CommandError::Usage(_) => {
                Exit::Usage
            }
            CommandError::UnknownModule { .. } | CommandError::Busy { .. } => Exit::Usage,
            // A crate of `nfr deps` cargo cannot get: the specs' to mend.
            CommandError::Build(crate::build::session::BuildError::Dependencies { .. }) => {
                Exit::Failure
            }
            // cargo missing, a file that cannot be written during a build
            CommandError::Build(_) => Exit::Usage,
            CommandError::Agent { .. } => Exit::Agent,
        }
    }
}
