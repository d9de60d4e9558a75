//! The implementation of module `csv.line`.

use super::*;

/// Fields are separated by ','. One trailing `\n` or `\r\n` is ignored. A field that
/// starts with '"' is quoted: it runs to the next '"' that is not doubled, `""` inside
/// it stands for one '"', and it may hold ',' and line breaks; without its closing
/// quote it is `UnterminatedQuote(offset of the opening quote)`, and anything but ','
/// or the end after the closing quote is `TextAfterQuote(offset)`. Other fields are
/// taken as they are, spaces included; a '"' inside one is `StrayQuote(offset)`.
/// An empty line is one empty field.
pub fn split(line: &str) -> Result<Vec<String>, CsvError> {
    let line = line
        .strip_suffix("\r\n")
        .or_else(|| line.strip_suffix('\n'))
        .unwrap_or(line);
    let bytes = line.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        if bytes.get(i) == Some(&b'"') {
            let (field, end) = quoted(line, i)?;
            fields.push(field);
            i = end;
            match bytes.get(i) {
                None => return Ok(fields),
                Some(b',') => i += 1,
                Some(_) => return Err(CsvError::TextAfterQuote(offset(i))),
            }
        } else {
            let end = line[i..].find(',').map_or(line.len(), |n| i + n);
            let field = &line[i..end];
            if let Some(q) = field.find('"') {
                return Err(CsvError::StrayQuote(offset(i + q)));
            }
            fields.push(field.to_string());
            if end == line.len() {
                return Ok(fields);
            }
            i = end + 1;
        }
    }
}

/// The fields separated by ','. A field holding ',', '"', `\r` or `\n` is quoted, its
/// quotes doubled; the others are written as they are.
pub fn join(fields: &[String]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    quoted.join(",")
}

/// The quoted field whose opening quote is at `open`: its value and the offset just
/// after its closing quote.
fn quoted(line: &str, open: usize) -> Result<(String, usize), CsvError> {
    let bytes = line.as_bytes();
    let mut value = String::new();
    let mut start = open + 1;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            value.push_str(&line[start..i]);
            if bytes.get(i + 1) == Some(&b'"') {
                value.push('"');
                i += 2;
                start = i;
                continue;
            }
            return Ok((value, i + 1));
        }
        i += 1;
    }
    Err(CsvError::UnterminatedQuote(offset(open)))
}

fn offset(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}
