//! What can go wrong when loading templates or rendering a prompt.

/// A template that cannot be loaded or rendered. Built-in templates never fail (their
/// tests render every fixture); these errors come from user overrides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error(
        "template `{name}` has a syntax error{}:\n{detail}\n\
         fix that line in your overriding `{name}`, or delete the file to use the built-in template",
        line.map(|l| format!(" at line {l}")).unwrap_or_default()
    )]
    Syntax {
        name: String,
        line: Option<usize>,
        detail: String,
    },

    #[error(
        "unknown template `{name}`: the templates ghost renders are {known}\n\
         rename the file to one of them, or remove it"
    )]
    UnknownTemplate { name: String, known: String },

    #[error(
        "the templates do not fit together: {detail}\n\
         check the `include`/`extends`/`import` names in your overridden templates"
    )]
    Invalid { detail: String },

    #[error(
        "template `{name}` failed to render the prompt of `{module}`: {detail}\n\
         compare your overriding `{name}` with the built-in one (`ghost prompt {module}` shows the result); \
         it may use a variable ghost does not provide"
    )]
    Render {
        name: String,
        module: String,
        detail: String,
    },
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
