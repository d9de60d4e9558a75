//! Diagnostics shared by every stage: what went wrong, where, and what to do next.
//!
//! In: nothing (the stages create [`Diagnostic`]s). Out: values that the CLI renders as
//! `human`, `short` or `json` (see `render.rs`). Every kind of problem is one variant of
//! [`Kind`] in `kind.rs`, with its message and its stable code in one place.

mod kind;
mod line_index;
pub mod render;
pub mod suggest;

pub use kind::Kind;
pub use line_index::{toml_error_position, LineIndex};

use crate::syntax::ast::Span;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The spec file, as found on disk (absolute or relative to the project).
    pub file: PathBuf,
    pub span: Span,
    pub kind: Kind,
    /// A second place that helps explain the first (the earlier definition of a duplicate,
    /// the other end of a `use` cycle), with a short label.
    pub related: Option<(Span, String)>,
}

impl Diagnostic {
    pub fn new(file: impl Into<PathBuf>, span: Span, kind: Kind) -> Self {
        Diagnostic {
            file: file.into(),
            span,
            kind,
            related: None,
        }
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related = Some((span, label.into()));
        self
    }

    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message(&self) -> String {
        self.kind.message()
    }

    pub fn hint(&self) -> Option<String> {
        self.kind.hint()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Sorts diagnostics by file, then position, then code, so output is deterministic.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.span.start, a.span.end, a.code()).cmp(&(
            &b.file,
            b.span.start,
            b.span.end,
            b.code(),
        ))
    });
}
