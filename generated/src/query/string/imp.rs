//! The implementation of module `query.string`.

use super::*;
use crate::text::percent::{decode, encode, PercentError};

/// Drops one leading '?', then splits at '&', skipping empty pieces. A piece is
/// `key=value`, split at its first '=', or a bare `key` whose value is "". In keys
/// and values '+' stands for a space; then they are percent-decoded with
/// `text.percent.decode`, whose error offsets are shifted to count from the start of
/// `query`. When a key repeats, its last value wins.
pub fn parse(query: &str) -> Result<BTreeMap<String, String>, PercentError> {
    let (body, mut at) = match query.strip_prefix('?') {
        Some(rest) => (rest, 1),
        None => (query, 0),
    };
    let mut params = BTreeMap::new();
    for piece in body.split('&') {
        if !piece.is_empty() {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            let value_at = at + key.len() + 1;
            params.insert(component(key, at)?, component(value, value_at)?);
        }
        at += piece.len() + 1;
    }
    Ok(params)
}

/// The pairs in key order as `key=value`, separated by '&', keys and values encoded
/// with `text.percent.encode`.
pub fn render(params: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.join("&")
}

/// The value of `key` in `query` as `parse` reads it; none when the key is absent or
/// the query does not parse.
pub fn get(query: &str, key: &str) -> Option<String> {
    parse(query).ok()?.remove(key)
}

/// One key or value, starting at byte `at` of the query: '+' as a space, then decoded.
fn component(raw: &str, at: usize) -> Result<String, PercentError> {
    // '+' and ' ' are both one byte, so offsets into the replaced text still hold.
    decode(&raw.replace('+', " ")).map_err(|e| match e {
        PercentError::Truncated(n) => PercentError::Truncated(shift(n, at)),
        PercentError::BadHex(n) => PercentError::BadHex(shift(n, at)),
        PercentError::NotUtf8 => PercentError::NotUtf8,
    })
}

fn shift(n: i64, at: usize) -> i64 {
    n.saturating_add(i64::try_from(at).unwrap_or(i64::MAX))
}
