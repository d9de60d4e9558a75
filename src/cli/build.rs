//! `ghost build [PATHS or MODULES]`: generate or repair every module that is not fresh.
//! Not implemented yet; the flags are defined so that scripts can be written against them.

use super::{CommandError, Exit, Output};
use crate::config::AgentOverrides;

pub const HELP: &str = "\
Checks the specs, then asks the agent for every stale, missing or failing module
(dependencies first, independent ones at once) until its acceptance tests pass or its
attempts run out, and updates ghost.lock. The agent comes from [agent] in ghost.toml,
overridden by GHOST_PROVIDER, GHOST_MODEL, GHOST_BASE_URL and then by the flags.

Examples:
  ghost build
  ghost build --locked            the CI form: exit 1 if any module is not fresh
  ghost build cache.lru --provider openai --model gpt-5";

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Spec files, folders or module names (`text.slug`); every module when none is given
    #[arg(value_name = "PATHS|MODULES")]
    pub targets: Vec<String>,
    /// Call no agent: exit 1, naming them, if any module is not fresh; run the tests
    #[arg(long, conflicts_with = "force")]
    pub locked: bool,
    /// Regenerate the selected modules even if their code passes its tests
    #[arg(long)]
    pub force: bool,
    /// The agent provider: openai, anthropic, command or manual
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The model to ask
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
    /// The provider's URL (for OpenAI-compatible local servers)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Attempts per module before it is reported as failed
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,
    /// How many modules are generated at once
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: Option<u32>,
}

impl BuildArgs {
    /// The agent settings these flags override (layered by
    /// [`crate::config::effective_agent`]).
    pub fn overrides(&self) -> AgentOverrides {
        AgentOverrides {
            provider: self.provider.clone(),
            model: self.model.clone(),
            base_url: self.base_url.clone(),
            max_attempts: self.max_attempts,
            concurrency: self.concurrency,
        }
    }
}

pub fn run(args: &BuildArgs, out: &Output) -> Result<Exit, CommandError> {
    let _ = (args.overrides(), out);
    Err(CommandError::NotImplemented { command: "build", instead: "run `ghost check` to check the specs" })
}
