//! Rendering diagnostics as `human`, `short` or `json` text.
