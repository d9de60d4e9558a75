//! Rendering diagnostics as text: `human` (source line, caret, hint; through miette),
//! `short` (`file:line:col: error: message`, one a line, for editors' problem matchers)
//! and `json` (one object a line, like Cargo's `--message-format json`).

use super::{Diagnostic, LineIndex};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// How diagnostics are printed (`--message-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Short,
    Json,
}

/// The text of every file a diagnostic may point into.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: BTreeMap<PathBuf, (String, LineIndex)>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, file: impl Into<PathBuf>, text: impl Into<String>) {
        let text = text.into();
        let index = LineIndex::new(&text);
        self.files.insert(file.into(), (text, index));
    }

    pub fn text(&self, file: &Path) -> Option<&str> {
        self.files.get(file).map(|(t, _)| t.as_str())
    }

    /// One-based line and column of `offset` in `file` (1:1 when the file is unknown).
    pub fn line_col(&self, file: &Path, offset: usize) -> (usize, usize) {
        match self.files.get(file) {
            Some((text, index)) => index.line_col(text, offset),
            None => (1, 1),
        }
    }
}

/// Renders every diagnostic in `format`; `human` output ends each diagnostic with a blank
/// line, `short` and `json` print exactly one line each.
pub fn render(diags: &[Diagnostic], sources: &Sources, format: Format, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        match format {
            Format::Human => out.push_str(&human(d, sources, color)),
            Format::Short => {
                out.push_str(&short(d, sources));
                out.push('\n');
            }
            Format::Json => {
                out.push_str(&json(d, sources));
                out.push('\n');
            }
        }
    }
    out
}

/// `file:line:col: error: message`, on one line whatever the message quotes.
pub fn short(d: &Diagnostic, sources: &Sources) -> String {
    let (line, col) = sources.line_col(&d.file, d.span.start);
    format!(
        "{}:{line}:{col}: {}: {}",
        d.file.display(),
        d.severity().as_str(),
        visible(&d.message())
    )
}

/// `text` with the characters a terminal would not show as themselves escaped as Rust
/// writes them (`\n`, `\u{202e}`): line breaks that would split a one-line format, and
/// control, zero-width and direction-changing characters that would hide or reorder what
/// a message quotes.
pub fn visible(text: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    reason: &'static str,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    severity: &'static str,
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

/// One JSON object, no line break.
pub fn json(d: &Diagnostic, sources: &Sources) -> String {
    let (line, column) = sources.line_col(&d.file, d.span.start);
    let (end_line, end_column) = sources.line_col(&d.file, d.span.end);
    let obj = JsonDiagnostic {
        reason: "diagnostic",
        file: d.file.display().to_string(),
        line,
        column,
        end_line,
        end_column,
        severity: d.severity().as_str(),
        code: d.code(),
        message: d.message(),
        hint: d.hint(),
    };
    serde_json::to_string(&obj).unwrap_or_default()
}

/// The miette view of one diagnostic.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: CharColumns,
    message: String,
}

/// A named source whose columns miette reads in characters, as `short` and `json` (and
/// rustc) count them: miette counts bytes, so a line with `é` or `日本` before the span put
/// the human form's `file:line:col` further right than the other forms said.
struct CharColumns {
    name: String,
    text: String,
}

impl miette::SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        let start = inner.span().offset();
        let line_start = self
            .text
            .as_bytes()
            .get(..start)
            .and_then(|b| b.iter().rposition(|&c| c == b'\n' || c == b'\r'))
            .map_or(0, |i| i + 1);
        let column = self
            .text
            .get(line_start..start)
            .map_or(inner.column(), |s| s.chars().count());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity() {
            super::Severity::Error => miette::Severity::Error,
            super::Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .hint()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let len = self.source.text.len();
        let clamp = |s: usize, e: usize| {
            let s = s.min(len);
            (s, e.min(len).saturating_sub(s))
        };
        let (start, width) = clamp(self.diag.span.start, self.diag.span.end);
        let mut labels = vec![miette::LabeledSpan::new_primary_with_span(
            None,
            (start, width),
        )];
        if let Some((span, label)) = &self.diag.related {
            let (s, w) = clamp(span.start, span.end);
            labels.push(miette::LabeledSpan::new_with_span(
                Some(label.clone()),
                (s, w),
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

/// The source line with a caret under the span, the code, and the hint.
pub fn human(d: &Diagnostic, sources: &Sources, color: bool) -> String {
    let text = sources.text(&d.file).unwrap_or("").to_string();
    if too_wide_to_quote(&text, d.span.start, d.span.end) {
        // miette cannot lay out a caret past column 65,535 (it panics), and a line that
        // long is no help on a terminal: the place and the message, as `short` has them.
        let mut out = short(d, sources);
        if let Some(hint) = d.hint() {
            out.push_str(&format!("\n  help: {hint}"));
        }
        out.push_str("\n  (the line is too long to quote)\n\n");
        return out;
    }
    // miette appends `:line:col` to the name itself.
    let name = d.file.display().to_string();
    let message = format!(
        "{}[{}]: {}",
        d.severity().as_str(),
        d.code(),
        visible(&d.message())
    );
    let report = Report {
        diag: d,
        source: CharColumns { name, text },
        message,
    };
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail in practice; fall back to the short form.
        out = short(d, sources);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out
}

/// Whether the lines a diagnostic quotes (its span's, and one on either side) are wider
/// than a terminal could show: then the line is not quoted.
fn too_wide_to_quote(text: &str, start: usize, end: usize) -> bool {
    const WIDEST: usize = 4096;
    // Bytes: a span's ends need not fall on a character's boundary here.
    let bytes = text.as_bytes();
    let start = start.min(bytes.len());
    let end = end.clamp(start, bytes.len());
    let from = bytes[..start]
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map_or(0, |(i, _)| i + 1);
    let to = bytes[end..]
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map_or(bytes.len(), |(i, _)| end + i);
    bytes[from..to]
        .split(|b| *b == b'\n')
        .any(|line| line.len() > WIDEST)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Kind;
    use crate::syntax::ast::Span;

    fn sample() -> (Diagnostic, Sources) {
        sample_in("module a.b {\n  fn f() -> nit\n}\n")
    }

    /// An unknown type `nit` in `text`.
    fn sample_in(text: &str) -> (Diagnostic, Sources) {
        let start = text.find("nit").unwrap_or(0);
        let mut sources = Sources::new();
        sources.insert("specs/a/b.ghost", text);
        let d = Diagnostic::new(
            "specs/a/b.ghost",
            Span::new(start, start + 3),
            Kind::UnknownType {
                name: "nit".into(),
                suggestion: Some("int".into()),
            },
        );
        (d, sources)
    }

    #[test]
    fn a_line_too_wide_to_quote_is_named_not_quoted() {
        let text = format!("module a.b {{\n  fn f() -> {}nit\n}}\n", " ".repeat(70_000));
        let (d, sources) = sample_in(&text);
        let out = human(&d, &sources, false);
        assert!(out.starts_with("specs/a/b.ghost:2:70013: error:"), "{out}");
        assert!(out.contains("too long to quote"), "{out}");
        let (d, sources) = sample();
        assert!(!human(&d, &sources, false).contains("too long"));
    }

    #[test]
    fn messages_show_what_a_terminal_would_hide() {
        assert_eq!(visible("plain `x`"), "plain `x`");
        assert_eq!(
            visible("found `\u{202e}` and `\n`, `\0`"),
            "found `\\u{202e}` and `\\n`, `\\u{0}`"
        );
    }

    #[test]
    fn short_is_file_line_col_severity_message() {
        let (d, sources) = sample();
        assert_eq!(
            short(&d, &sources),
            "specs/a/b.ghost:2:13: error: unknown type `nit`"
        );
    }

    #[test]
    fn json_has_positions_code_and_hint() {
        let (d, sources) = sample();
        let v: serde_json::Value = serde_json::from_str(&json(&d, &sources)).unwrap_or_default();
        assert_eq!(v["line"], 2);
        assert_eq!(v["column"], 13);
        assert_eq!(v["end_column"], 16);
        assert_eq!(v["code"], "E0201");
        assert_eq!(v["hint"], "did you mean `int`?");
    }

    #[test]
    fn human_shows_the_line_a_caret_and_the_hint() {
        let (d, sources) = sample();
        let out = human(&d, &sources, false);
        assert!(out.contains("error[E0201]: unknown type `nit`"), "{out}");
        assert!(out.contains("specs/a/b.ghost:2:13"), "{out}");
        assert!(out.contains("fn f() -> nit"), "{out}");
        assert!(out.contains("did you mean `int`?"), "{out}");
    }

    #[test]
    fn human_counts_columns_in_characters_as_short_does() {
        // `日本` is two characters but six bytes: miette alone said 2:24.
        let (d, sources) = sample_in("module a.b {\n  fn f(s: \"日本\") -> nit\n}\n");
        let out = human(&d, &sources, false);
        assert!(out.contains("specs/a/b.ghost:2:20"), "{out}");
        assert!(short(&d, &sources).starts_with("specs/a/b.ghost:2:20:"));
    }
}
