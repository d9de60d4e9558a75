//! The implementation of module `ini.parser`.

use super::*;
use crate::csv::line::{split, CsvError};

/// Trims ASCII white space from `line`. Nothing left is `Blank`; a leading ';' or '#'
/// makes a `Comment` of the rest, trimmed; a leading '[' needs a closing ']' at the
/// end (`UnclosedSection`) and makes a `Section` of what is between, trimmed. Any
/// other line is a `Pair`, split at its first '=' (`MissingEquals`), key and value
/// trimmed, the key not empty (`EmptyKey`). Errors carry `number`.
pub fn classify(line: &str, number: i64) -> Result<Line, IniError> {
    let line = trim(line);
    if line.is_empty() {
        return Ok(Line::Blank);
    }
    if let Some(rest) = line.strip_prefix([';', '#']) {
        return Ok(Line::Comment(trim(rest).to_string()));
    }
    if let Some(rest) = line.strip_prefix('[') {
        return match rest.strip_suffix(']') {
            Some(name) => Ok(Line::Section(trim(name).to_string())),
            None => Err(IniError::UnclosedSection(number)),
        };
    }
    let (key, value) = line
        .split_once('=')
        .ok_or(IniError::MissingEquals(number))?;
    let key = trim(key);
    if key.is_empty() {
        return Err(IniError::EmptyKey(number));
    }
    Ok(Line::Pair(key.to_string(), trim(value).to_string()))
}

/// Classifies each line of `text` (split at `\n`; a `\r` before it is trimmed away).
/// Pairs before the first header belong to the section "". A header opens its
/// section even if no pair follows; a section given twice is merged, and a repeated
/// key keeps its last value. The first malformed line is the error.
pub fn parse(text: &str) -> Result<BTreeMap<String, BTreeMap<String, String>>, IniError> {
    let mut doc: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::new();
    for (number, line) in (1..).zip(text.split('\n')) {
        match classify(line, number)? {
            Line::Blank | Line::Comment(_) => {}
            Line::Section(name) => {
                doc.entry(name.clone()).or_default();
                section = name;
            }
            Line::Pair(key, value) => {
                doc.entry(section.clone()).or_default().insert(key, value);
            }
        }
    }
    Ok(doc)
}

/// A value read as a list: one CSV line (see `csv.line.split`), each field trimmed of
/// ASCII white space; a blank value is the empty list.
pub fn list_value(value: &str) -> Result<Vec<String>, CsvError> {
    if trim(value).is_empty() {
        return Ok(Vec::new());
    }
    Ok(split(value)?.iter().map(|f| trim(f).to_string()).collect())
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}
