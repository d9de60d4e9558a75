//! `ghost prompt MODULE [--repair]`: print the prompt the agent would get.

use super::pipeline::Pipeline;
use super::{CommandError, Exit, Output};
use crate::build::session::load_repair;
use crate::compile::prompt;

pub const HELP: &str = "\
Prints the exact prompt the agent would get for MODULE, so that it can be read, reviewed
or pasted into an agent by hand. With --repair, the repair prompt of the module's last
failed attempt (recorded by `ghost build` under .ghost/repairs/).

Examples:
  ghost prompt text.slug
  ghost prompt cache.lru --repair
  ghost prompt text.slug | wc -c      what a first attempt costs, in characters";

#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    /// The module's dotted name, e.g. `text.slug`, or its spec file
    #[arg(value_name = "MODULE")]
    pub module: String,
    /// Print the repair prompt of the last failed attempt
    #[arg(long)]
    pub repair: bool,
}

pub fn run(args: &PromptArgs, out: &Output) -> Result<Exit, CommandError> {
    let pipeline = Pipeline::load(&[])?;
    // A spec file names its module (`ghost prompt specs/text/slug.ghost`), as `build`
    // reads it.
    let name = if super::build::names_a_path(&args.module) {
        match super::build::selected_modules(&pipeline, std::slice::from_ref(&args.module))?
            .as_slice()
        {
            [one] => one.clone(),
            _ => {
                return Err(CommandError::Usage(format!(
                    "`{}` holds more than one module\nhelp: name one spec file or module",
                    args.module
                )))
            }
        }
    } else {
        args.module.clone()
    };
    let Some(module) = pipeline.checked.project.module(&name) else {
        // A name no spec declares is a typo, whatever errors other specs have.
        if pipeline.declares(&name) {
            if let Some(exit) = pipeline.report_errors(out, "no prompt was made") {
                return Ok(exit);
            }
        }
        return Err(unknown_module(&pipeline, &name));
    };
    let templates = pipeline.templates()?;
    let project = &pipeline.checked.project;
    // The values an earlier build pinned for the module's snapshots, as a build shows them.
    let pins = pipeline
        .compile(&templates)
        .module(&name)
        .map(|compiled| crate::build::snapshots::pins(&pipeline.paths().out_dir, compiled, module))
        .unwrap_or_default();
    let text = if args.repair {
        let Some(repair) = load_repair(&pipeline.paths(), &name) else {
            return Err(CommandError::Usage(format!(
                "no failed attempt is recorded for `{}`\nhelp: `ghost build` records one when an attempt fails; `ghost prompt {}` prints the first prompt",
                name, name
            )));
        };
        prompt::render_repair(&templates, project, module, &repair, &pins)?
    } else {
        prompt::render_first(&templates, project, module, &pins)?
    };
    out.result(text.trim_end_matches('\n'));
    Ok(Exit::Success)
}

/// An unknown module name, with the closest known one as a suggestion.
pub fn unknown_module(pipeline: &Pipeline, name: &str) -> CommandError {
    CommandError::UnknownModule {
        name: name.to_string(),
        suggestion: crate::diagnostics::suggest::closest(name, pipeline.module_names()),
    }
}
