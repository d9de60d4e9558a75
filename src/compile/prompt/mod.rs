//! Agent prompts, rendered with tera from overridable templates (`templates/*.tera`).
//!
//! A prompt carries everything needed to write one module's `imp.rs` and nothing else:
//! the rules, the module's docs and exact Rust interface, every contract quoted as
//! written, scenarios, snapshots, NFRs, and the interfaces (never the code) of the
//! modules it uses. A repair prompt appends the failed attempt: its code, trimmed test
//! output, compiler errors and the diff between the last two attempts; a fresh start
//! after failed attempts is the first prompt with their lessons (one line each, no
//! code). The module part comes first and is identical in all of them, so providers
//! can cache it as a prefix.
//! Rendering is pure and deterministic: same input, byte-identical prompt.

mod context;
mod prompt_error;
mod reached_types;
mod repair;
mod templates;
mod trim;

pub use context::{dedent, Pin};
pub use prompt_error::PromptError;
pub use reached_types::reached_types;
pub use repair::{diff, RepairContext, MAX_SHRINK};
pub use templates::Templates;
pub use trim::{merge_repeated_errors, test_output, trim_failures};

use crate::check::{ModuleModel, Project};

/// The prompt for a module's first attempt. `pins` are the values an earlier accepted
/// build pinned for its snapshots (see [`Pin`]), empty before one.
pub fn render_first(
    templates: &Templates,
    project: &Project,
    module: &ModuleModel,
    pins: &[Pin],
) -> Result<String, PromptError> {
    render(templates, "first.tera", project, module, None, (&[], pins))
}

/// The first prompt again, for a fresh start after failed attempts: with `lessons`, one
/// line for each thing those attempts got wrong, but none of their code, which a small
/// model would copy (see `lessons` in docs/templates.md).
pub fn render_fresh(
    templates: &Templates,
    project: &Project,
    module: &ModuleModel,
    lessons: &[String],
    pins: &[Pin],
) -> Result<String, PromptError> {
    render(
        templates,
        "first.tera",
        project,
        module,
        None,
        (lessons, pins),
    )
}

/// The prompt for a repair after a failed attempt.
pub fn render_repair(
    templates: &Templates,
    project: &Project,
    module: &ModuleModel,
    repair: &RepairContext,
    pins: &[Pin],
) -> Result<String, PromptError> {
    render(
        templates,
        "repair.tera",
        project,
        module,
        Some(repair),
        (&[], pins),
    )
}

/// How many bytes at the start of `prompt` (a prompt of `module`) every one of its
/// prompts shares: what `module.tera` renders (the example, the rules, the module), which
/// first, fresh and repair prompts all open with, for providers that cache a prompt's
/// opening by an explicit breakpoint. 0 when `prompt` does not open with it (templates
/// overridden to leave it out).
pub fn shared_prefix_len(
    templates: &Templates,
    project: &Project,
    module: &ModuleModel,
    pins: &[Pin],
    prompt: &str,
) -> usize {
    let Ok(part) = render(templates, "module.tera", project, module, None, (&[], pins)) else {
        return 0;
    };
    let part = part.trim_end();
    if prompt.starts_with(part) {
        part.len()
    } else {
        0
    }
}

fn render(
    templates: &Templates,
    name: &str,
    project: &Project,
    module: &ModuleModel,
    repair: Option<&RepairContext>,
    (lessons, pins): (&[String], &[Pin]),
) -> Result<String, PromptError> {
    let data = context::build(project, module, repair, lessons, pins);
    let context = tera::Context::from_serialize(&data)
        .expect("the prompt context is a struct of strings, lists and options");
    let text = templates.render(name, &module.name, &context)?;
    Ok(tidy(&text))
}

/// Template whitespace is hard to get exactly right and users pay per token: outside
/// code blocks, trailing spaces go and runs of blank lines become one; code blocks (the
/// previous attempt, diffs, test output) are kept byte for byte. Ends with one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true; // no blank lines at the start
    let mut fence: Option<&str> = None; // the fence of the open code block
    for line in text.lines() {
        if let Some(open) = fence {
            out.push_str(line);
            out.push('\n');
            if line == open {
                fence = None;
            }
            continue;
        }
        let line = line.trim_end();
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        let ticks = line.len() - line.trim_start_matches('`').len();
        if ticks >= 3 {
            fence = Some(&line[..ticks]);
        }
        out.push_str(line);
        out.push('\n');
        blank = false;
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn tidy_squeezes_prose_and_keeps_code_blocks() {
        let text =
            "\n\na  \n\n\n\nb\n```rust\nfn f() {\n\n\n    let s = \"x  \";\n}\n```\n\n\nc\n\n";
        assert_eq!(
            tidy(text),
            "a\n\nb\n```rust\nfn f() {\n\n\n    let s = \"x  \";\n}\n```\n\nc\n"
        );
    }
}
