//! Byte offsets to line and column, computed only when a diagnostic is shown.

/// The start offset of every line of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// One-based line and column of a byte offset; the column counts characters, as
    /// rustc's does. Offsets past the end are clamped to the end.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.len);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }
}

/// Where a TOML error is (`ghost.toml`, `ghost.lock`), one-based: the start of its span,
/// and an error at the very end of a file that ends with a line break at the end of its
/// last line (where the reader looks for the unfinished `[`, not on a line that is not
/// there).
pub fn toml_error_position(text: &str, error: &toml::de::Error) -> Option<(usize, usize)> {
    let start = error.span()?.start;
    let last = text.strip_suffix('\n').map_or(text.len(), str::len);
    Some(LineIndex::new(text).line_col(text, start.min(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "ab\ncd\n\u{e9}x";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 1), (1, 2));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        assert_eq!(idx.line_col(text, 6), (3, 1));
        assert_eq!(idx.line_col(text, 8), (3, 2));
        assert_eq!(idx.line_col(text, 100), (3, 3));
    }

    #[test]
    fn a_toml_error_at_the_end_is_on_the_last_line() {
        let text = "a = 1\nb = [\n";
        let error = toml::from_str::<toml::Table>(text).expect_err("an unfinished array");
        assert_eq!(toml_error_position(text, &error), Some((2, 6)));
    }
}
