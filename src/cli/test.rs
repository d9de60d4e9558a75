//! `ghost test [MODULES]`: run the acceptance tests of the generated code on disk.

use super::pipeline::Pipeline;
use super::{report, CommandError, Exit, Output};

pub const HELP: &str = "\
Runs the acceptance tests of the generated code as it is on disk, whatever ghost.lock
says. A module's tests do not depend on other modules being green. Exits 1 if any module
fails its tests, or its imp.rs lacks a function, type or method its spec declares (its
tests met ghost's stub of it), or the specs have errors; 0 when all pass.

Examples:
  ghost test
  ghost test text.slug net.port
  ghost test specs/text";

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Module names (`text.slug`) or spec files and folders; every module when none is given
    #[arg(value_name = "MODULES|PATHS")]
    pub modules: Vec<String>,
}

pub fn run(args: &TestArgs, out: &Output) -> Result<Exit, CommandError> {
    let pipeline = Pipeline::load(&[])?;
    if let Some(exit) = pipeline.report_errors(out, "nothing was tested: the generated crate is written and compiled from every spec, so one with errors stops the tests of all") {
        return Ok(exit);
    }
    // Modules or spec paths, as `ghost build` takes them.
    let modules = super::build::selected_modules(&pipeline, &args.modules)?;
    let _held = pipeline.hold()?;
    let templates = pipeline.templates()?;
    let ctx = pipeline.context(templates);
    // The compiler-owned files are brought up to date first (the stubs only where no
    // implementation exists); the implementations are tested as they are.
    write_crate(out, &ctx)?;
    super::build::tell_waits(out);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::Usage(format!("cannot start the async runtime: {e}")))?;
    let count = if modules.is_empty() {
        ctx.compiled.modules.len()
    } else {
        modules.len()
    };
    // The tests of a large project take a while, and nothing is printed until they end.
    out.status(&format!(
        "testing {}",
        super::output::plural(count, "module")
    ));
    let Some(results) =
        crate::process::until_interrupted(&runtime, crate::build::session::test(&ctx, &modules))
    else {
        out.error("interrupted: the tests were stopped");
        return Ok(Exit::Interrupted);
    };
    Ok(report::test_results(out, &results?, &ctx.paths.out_dir))
}

/// Writes the generated crate's compiler-owned files (and stubs where no implementation
/// exists), warning of each file edited by hand, whose text is kept first.
fn write_crate(out: &Output, ctx: &crate::build::session::Context) -> Result<(), CommandError> {
    let out_dir = &ctx.paths.out_dir;
    let files = ctx.compiled.all_files();
    let (report, kept) = crate::build::workspace::write_crate_keeping(&ctx.paths, &files)
        .map_err(crate::build::session::BuildError::from)?;
    for edit in kept {
        out.warning(&format!("warning: {}", edit.why(out_dir)));
    }
    // A stub where the lock records accepted code: its `imp.rs` was deleted. The tests
    // run on the stub, as on whatever is on disk; the warning says why they fail.
    let lock = crate::plan::Lock::read(&ctx.paths.lock).unwrap_or_default();
    for m in &ctx.compiled.modules {
        if lock.get(&m.name).is_some() && report.stubs.contains(&m.imp_path) {
            let shown = crate::project::shown_from_cwd(&out_dir.join(&m.imp_path));
            out.warning(&format!(
                "warning: `{}` was missing, though the lock records accepted code for `{}`: ghost wrote its stub (`todo!()`) so that the crate compiles, and its tests fail on it; `ghost build` puts the accepted code back",
                shown.display(),
                m.name
            ));
        }
    }
    super::build::tell_standing_in(out, out_dir, &report.standing_in);
    Ok(())
}
