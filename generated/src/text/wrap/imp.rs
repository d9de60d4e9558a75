//! The implementation of module `text.wrap`.

use super::*;

/// Splits `input` at runs of ' ' and packs the words greedily into lines of at
/// most `width` bytes, one space between words. A width below 1 is `BadWidth`;
/// a word longer than `width` is `WordTooLong(word, width)`, for the first such word.
pub fn wrap(input: &str, width: i64) -> Result<Vec<String>, WrapError> {
    if width < 1 {
        return Err(WrapError::BadWidth(width));
    }
    // `width` is positive here; a width beyond `usize` cannot be exceeded by any word.
    let limit = usize::try_from(width).unwrap_or(usize::MAX);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in input.split(' ').filter(|w| !w.is_empty()) {
        if word.len() > limit {
            return Err(WrapError::WordTooLong(word.to_string(), width));
        }
        if line.is_empty() {
            line.push_str(word);
        } else if line.len() + 1 + word.len() <= limit {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// The anchor of a heading: '#' followed by its slug.
pub fn anchor(heading: &str) -> String {
    format!("#{}", crate::text::slug::slugify(heading))
}
