//! The implementation of module `net.port`.

use super::*;

/// Accepts decimal digits with optional surrounding ASCII whitespace; 1..=65535.
pub fn parse_port(s: &str) -> Result<i64, PortError> {
    let digits = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if digits.is_empty() {
        return Err(PortError::Empty);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortError::NotANumber(digits.to_string()));
    }
    // Only digits are left, so the parse can fail only by overflowing: such a number is
    // out of range too, reported as the largest `int`.
    let n = digits.parse::<i64>().unwrap_or(i64::MAX);
    if (1..=65535).contains(&n) {
        Ok(n)
    } else {
        Err(PortError::OutOfRange(n))
    }
}
