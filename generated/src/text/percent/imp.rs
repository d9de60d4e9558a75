//! The implementation of module `text.percent`.

use super::*;
use std::fmt::Write;

/// Keeps the unreserved characters `A-Z a-z 0-9 - . _ ~`; every other byte of the
/// UTF-8 encoding becomes `%XX`, with uppercase hex digits.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Replaces every `%XX` (hex digits in either case) by the byte it stands for and keeps
/// every other character as it is ('+' included). A '%' followed by fewer than two bytes
/// is `Truncated(offset of the '%')`; one followed by two bytes that are not both hex
/// digits is `BadHex(offset of the '%')`. Decoded bytes that are not UTF-8 are `NotUtf8`.
pub fn decode(s: &str) -> Result<String, PercentError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let offset = i64::try_from(i).unwrap_or(i64::MAX);
        let (Some(&hi), Some(&lo)) = (bytes.get(i + 1), bytes.get(i + 2)) else {
            return Err(PercentError::Truncated(offset));
        };
        match (hex_value(hi), hex_value(lo)) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => return Err(PercentError::BadHex(offset)),
        }
        i += 3;
    }
    String::from_utf8(out).map_err(|_| PercentError::NotUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}
