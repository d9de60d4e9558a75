//! Where and how the commands print: diagnostics in the chosen `--message-format`, status
//! and summary lines, errors; color and `-q`/`-v`.
//!
//! The choice of streams follows Cargo: `human` diagnostics go to stderr, like rustc's;
//! `short` and `json` diagnostics go to stdout, one a line, so that an editor's problem
//! matcher or a script reads them without mixing in anything else. Status, summary and
//! error lines always go to stderr.

use super::GlobalArgs;
use crate::diagnostics::render::{self, Format, Sources};
use crate::diagnostics::Diagnostic;
use std::io::{IsTerminal, Write};

/// `--message-format`
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    Human,
    Short,
    Json,
}

/// `--color`
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The printing settings of one run.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: MessageFormat,
    pub color: bool,
    pub quiet: bool,
    pub verbose: u8,
}

impl Output {
    pub fn new(global: &GlobalArgs) -> Output {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        Output {
            format: global.message_format,
            color,
            quiet: global.quiet,
            verbose: global.verbose,
        }
    }

    fn render_format(&self) -> Format {
        match self.format {
            MessageFormat::Human => Format::Human,
            MessageFormat::Short => Format::Short,
            MessageFormat::Json => Format::Json,
        }
    }

    /// Prints diagnostics in the chosen format, on the chosen stream.
    pub fn diagnostics(&self, diags: &[Diagnostic], sources: &Sources) {
        if diags.is_empty() {
            return;
        }
        let text = render::render(diags, sources, self.render_format(), self.color);
        match self.format {
            MessageFormat::Human => write_all(&mut std::io::stderr().lock(), &text),
            MessageFormat::Short | MessageFormat::Json => {
                write_all(&mut std::io::stdout().lock(), &text)
            }
        }
    }

    /// Whether results are one JSON object a line (`--message-format json`).
    pub fn json(&self) -> bool {
        self.format == MessageFormat::Json
    }

    /// One JSON object on its own line on stdout (`--message-format json`), tagged with
    /// `reason` as Cargo's messages are.
    pub fn json_line(&self, reason: &str, value: serde_json::Value) {
        let mut object = serde_json::Map::new();
        object.insert("reason".into(), reason.into());
        if let serde_json::Value::Object(fields) = value {
            object.extend(fields);
        }
        self.result(&serde_json::Value::Object(object).to_string());
    }

    /// A result line for the user (stdout, always shown: `fmt --check`'s file list).
    pub fn result(&self, line: &str) {
        write_all(&mut std::io::stdout().lock(), &format!("{line}\n"));
    }

    /// A summary or progress line (stderr), left out with `-q`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            write_all(
                &mut std::io::stderr().lock(),
                &format!("{}\n", for_terminal(line)),
            );
        }
    }

    /// A warning about the user's own files (stderr, shown with `-q` too).
    pub fn warning(&self, line: &str) {
        write_all(
            &mut std::io::stderr().lock(),
            &format!("{}\n", for_terminal(line)),
        );
    }

    /// A line shown only with `-v`.
    pub fn verbose(&self, line: &str) {
        if self.verbose > 0 && !self.quiet {
            write_all(
                &mut std::io::stderr().lock(),
                &format!("{}\n", for_terminal(line)),
            );
        }
    }

    /// An error that stops the command (stderr, always shown).
    pub fn error(&self, message: &str) {
        let label = if self.color {
            "\x1b[1;31merror\x1b[0m"
        } else {
            "error"
        };
        write_all(
            &mut std::io::stderr().lock(),
            &format!("{label}: {}\n", for_terminal(message)),
        );
    }
}

/// `text` as a terminal should show it: line by line and tab by tab, with the control
/// characters a terminal would act on escaped (`\u{1b}`), and those that hide or reorder
/// text. What ghost prints to stderr quotes what generated code printed (a test's panic
/// message): an escape sequence in it could clear the screen, retitle the window or
/// write to the clipboard.
pub fn for_terminal(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split('\t')
                .map(render::visible)
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes, ignoring a closed pipe (`ghost check | head` must not panic).
fn write_all(w: &mut dyn Write, text: &str) {
    let _ = w.write_all(text.as_bytes());
    let _ = w.flush();
}

/// The first `most` of `items`, joined by commas, and how many more there are:
/// `` `a`, `b` and 3 more ``.
pub fn first_few(items: &[String], most: usize) -> String {
    let shown = items[..items.len().min(most)].join(", ");
    match items.len().saturating_sub(most) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped_line_breaks_and_tabs_kept() {
        assert_eq!(
            for_terminal("boom \x1b]0;title\x07\n\tleft: \"a\u{202e}b\"\r"),
            "boom \\u{1b}]0;title\\u{7}\n\tleft: \"a\\u{202e}b\"\\r"
        );
        assert_eq!(for_terminal("plain text, é"), "plain text, é");
    }

    #[test]
    fn first_few_names_the_rest_by_count() {
        let items: Vec<String> = ["`a`", "`b`", "`c`"].map(String::from).to_vec();
        assert_eq!(first_few(&items, 5), "`a`, `b`, `c`");
        assert_eq!(first_few(&items, 2), "`a`, `b` and 1 more");
        assert_eq!(first_few(&[], 2), "");
    }
}
