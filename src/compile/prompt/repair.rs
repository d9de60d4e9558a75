//! What a repair prompt adds to a first one: the failed attempt and why it failed.

/// The state of a module's build loop after a failed attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepairContext {
    /// The attempt this prompt asks for (2 for the first repair).
    pub attempt: u32,
    /// The `imp.rs` of the failed attempt, without the bodies of [`Self::rewrite`].
    pub previous_code: String,
    /// The functions whose bodies were taken out of `previous_code`, to be written anew:
    /// those the failure points at. Empty when the whole code is shown.
    #[serde(default)]
    pub rewrite: Vec<String>,
    /// The failing tests' output (trimmed again to a budget when rendered).
    pub failures: Vec<String>,
    pub compiler_errors: Vec<String>,
    /// A unified diff of the last two attempts ([`diff`]), when there were two.
    pub last_diff: Option<String>,
    /// How hard the output is cut to fit the model's context window: 0 as usual; each
    /// level halves the budgets; from level 1 the diff is left out (see [`MAX_SHRINK`]).
    #[serde(default)]
    pub shrink: u32,
    /// What changed in the module's interface, docs and free-text NFRs since
    /// `previous_code` was accepted (a unified diff), when this prompt revises accepted
    /// code for a prose change rather than repairing a failed attempt.
    #[serde(default)]
    pub spec_changes: Option<String>,
    /// Whether the answer is the whole file, written back in place by whoever answers (a
    /// manual build: nothing puts items in place for a person or an editor's agent).
    #[serde(default)]
    pub whole_file: bool,
}

/// The hardest cut of a repair prompt's output (budgets divided by this).
pub const MAX_SHRINK: u32 = 8;

/// A unified diff from `old` to `new` (3 lines of context), empty when they are equal.
pub fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header("a/imp.rs", "b/imp.rs")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn diff_is_unified_and_empty_for_equal_texts() {
        assert_eq!(diff("a\nb\n", "a\nb\n"), "");
        let d = diff("a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(
            d,
            "--- a/imp.rs\n+++ b/imp.rs\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
    }
}
