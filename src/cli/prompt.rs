//! `ghost prompt MODULE [--repair]`: print the prompt the agent would get.

use super::pipeline::Pipeline;
use super::{CommandError, Exit, Output};
use crate::build::session::{self, load_repair};
use crate::compile::prompt;

pub const HELP: &str = "\
Prints the exact prompt the agent would get for MODULE, so that it can be read, reviewed
or pasted into an agent by hand. With --repair, the repair prompt of the module's last
failed attempt (recorded by `ghost build` under .ghost/repairs/); when the spec changed
since that attempt, a note on stderr says so, and the prompt shown is the one the next
build sends instead (the first prompt, or a revision of the code on disk). Without
--repair, a note on stderr says when the next build sends a revision of the module's
code rather than this first prompt (its docs or signatures changed since the code was
accepted).

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
    if pipeline.checked.project.module(&name).is_none() {
        // A name no spec declares is a typo, whatever errors other specs have.
        if pipeline.declares(&name) {
            if let Some(exit) = pipeline.report_errors(out, "no prompt was made") {
                return Ok(exit);
            }
        }
        return Err(unknown_module(&pipeline, &name));
    }
    let templates = pipeline.templates()?;
    let recorded = if args.repair {
        let Some(recorded) = load_repair(&pipeline.paths(), &name) else {
            return Err(CommandError::Usage(format!(
                "no failed attempt is recorded for `{}`\nhelp: `ghost build` records one when an attempt fails; `ghost prompt {}` prints the first prompt",
                name, name
            )));
        };
        Some(recorded)
    } else {
        None
    };
    let lock = match &recorded {
        Some(_) => Some(pipeline.lock(out, false)?),
        // Only for a note: a lock that cannot be read stops no first prompt.
        None => crate::plan::Lock::read(&pipeline.paths().lock).ok(),
    };
    let ctx = pipeline.context(templates);
    let m = ctx
        .compiled
        .module(&name)
        .expect("a checked module is compiled");
    let module = ctx
        .project
        .module(&name)
        .expect("the module was found above");
    // The values an earlier build pinned for the module's snapshots, as a build shows them.
    let pins = ctx.pins(&name);
    let text = match (recorded, lock) {
        (Some(recorded), Some(lock)) if !recorded.is_for(m) => {
            // A repair of code tested against another spec is no prompt any build sends:
            // what the next one sends instead is shown, and said to be.
            let revision = session::revision_for(&ctx, &lock, m, recorded.repair.whole_file);
            let next = match &revision {
                Some(_) => "sends a revision of the code on disk for what changed in its docs and signatures, shown here".to_string(),
                None if ctx.status(&lock, m).has_code => format!(
                    "tests the code on disk against the spec as it is now (`ghost test {name}`), locks it if it passes and repairs it if not; shown here: the first prompt, which a fresh start sends"
                ),
                None => "sends the first prompt, shown here".to_string(),
            };
            out.warning(&format!(
                "note: the last failed attempt at `{name}` was made against an older spec, so its repair is out of date; the next `ghost build` {next}"
            ));
            match revision {
                Some(r) => prompt::render_repair(&ctx.templates, &ctx.project, module, &r, &pins)?,
                None => prompt::render_first(&ctx.templates, &ctx.project, module, &pins)?,
            }
        }
        (Some(recorded), _) => prompt::render_repair(
            &ctx.templates,
            &ctx.project,
            module,
            &recorded.repair,
            &pins,
        )?,
        (None, lock) => {
            let revised =
                lock.is_some_and(|lock| session::revision_for(&ctx, &lock, m, false).is_some());
            if revised {
                out.warning(&format!(
                    "note: the docs or signatures of `{name}` changed since its code on disk was accepted, so the next `ghost build` sends a revision of that code (the code and what changed), not this first prompt"
                ));
            }
            prompt::render_first(&ctx.templates, &ctx.project, module, &pins)?
        }
    };
    out.result(text.trim_end_matches('\n'));
    // The process ends right after this (as in `ghost status`, the OS reclaims it).
    std::mem::forget(ctx);
    Ok(Exit::Success)
}

/// An unknown module name, with the closest known one as a suggestion.
pub fn unknown_module(pipeline: &Pipeline, name: &str) -> CommandError {
    CommandError::UnknownModule {
        name: name.to_string(),
        suggestion: crate::diagnostics::suggest::closest(name, pipeline.module_names()),
    }
}
