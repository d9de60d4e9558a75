//! What can go wrong when loading templates or rendering a prompt.

/// A template that cannot be loaded or rendered. Built-in templates never fail (their
/// tests render every fixture); these errors come from user overrides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error(
        "template `{name}` has a syntax error{}:\n{detail}\n\
         help: fix that line in your overriding `{name}`, or delete the file to use the built-in template",
        line.map(|l| format!(" at line {l}")).unwrap_or_default()
    )]
    Syntax {
        name: String,
        line: Option<usize>,
        detail: String,
    },

    #[error(
        "unknown template `{name}`: the templates ghost renders are {known}\n\
         help: rename the file to one of them, or remove it"
    )]
    UnknownTemplate { name: String, known: String },

    #[error(
        "the templates do not fit together: {detail}\n\
         help: check the `include`/`extends`/`import` names in your overridden templates"
    )]
    Invalid { detail: String },

    #[error(
        "template `{name}` failed to render the prompt of `{module}`: {detail}\n\
         help: compare your overriding `{name}` with the built-in one: it may use a variable ghost \
         does not provide (docs/templates.md lists what a template sees)"
    )]
    Render {
        name: String,
        module: String,
        detail: String,
    },
}

impl PromptError {
    /// The error with each overriding template named by its file as the user reaches it
    /// (`prompts/first.tera`), from `shown` (template name -> that path).
    pub fn shown_as(self, shown: &std::collections::BTreeMap<String, String>) -> PromptError {
        let show = |name: String| shown.get(&name).cloned().unwrap_or(name);
        match self {
            PromptError::Syntax { name, line, detail } => PromptError::Syntax {
                name: show(name),
                line,
                detail,
            },
            PromptError::UnknownTemplate { name, known } => PromptError::UnknownTemplate {
                name: show(name),
                known,
            },
            PromptError::Render {
                name,
                module,
                detail,
            } => PromptError::Render {
                name: show(name),
                module,
                detail,
            },
            other => other,
        }
    }
}

/// The messages of an error and of every error it wraps, innermost last, without the
/// generic "Failed to parse" wrapper tera puts around the useful part.
pub(crate) fn chain(err: &tera::Error) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.starts_with("Failed to parse") {
            parts.push(text.trim().to_string());
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The line a tera (pest) syntax error points at: its ` --> LINE:COL` marker.
pub(crate) fn error_line(detail: &str) -> Option<usize> {
    let rest = detail.split("--> ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
