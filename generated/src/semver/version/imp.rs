//! The implementation of module `semver.version`.

use super::*;
use std::cmp::Ordering;

/// Trims ASCII white space and one leading 'v'. Everything after the first '-' is the
/// pre-release tag, which must not be empty (`EmptyPre`). The rest must be three parts
/// separated by '.' (`WrongPartCount(number of parts)`), each ASCII digits without a
/// leading zero that fit in an `int` (`BadNumber(part)`). A blank string is `Empty`.
pub fn parse(s: &str) -> Result<Version, VersionError> {
    let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
    if s.is_empty() {
        return Err(VersionError::Empty);
    }
    let s = s.strip_prefix('v').unwrap_or(s);
    let (core, pre) = match s.split_once('-') {
        Some((_, "")) => return Err(VersionError::EmptyPre),
        Some((core, pre)) => (core, Some(pre.to_string())),
        None => (s, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let [major, minor, patch] = parts[..] else {
        return Err(VersionError::WrongPartCount(count(parts.len())));
    };
    Ok(Version {
        major: number(major)?,
        minor: number(minor)?,
        patch: number(patch)?,
        pre,
    })
}

/// `MAJOR.MINOR.PATCH`, then `-PRE` when there is a pre-release tag.
pub fn render(v: Version) -> String {
    match v.pre {
        Some(pre) => format!("{}.{}.{}-{pre}", v.major, v.minor, v.patch),
        None => format!("{}.{}.{}", v.major, v.minor, v.patch),
    }
}

/// -1, 0 or 1 as `a` is lower than, equal to or higher than `b` in semver precedence:
/// numbers first; then a version with a pre-release tag is lower than one without;
/// two tags compare by their '.'-separated identifiers from the left, numeric ones
/// (one or more ASCII digits) as numbers and below alphanumeric ones, others byte-wise,
/// and a tag that is a prefix of the other is lower.
pub fn compare(a: Version, b: Version) -> i64 {
    let order = (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| match (&a.pre, &b.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => compare_tags(x, y),
        });
    match order {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// Increments `part`, sets the parts after it to 0 and drops the pre-release tag.
pub fn bump(v: Version, part: Part) -> Version {
    let (major, minor, patch) = match part {
        Part::Major => (v.major.saturating_add(1), 0, 0),
        Part::Minor => (v.major, v.minor.saturating_add(1), 0),
        Part::Patch => (v.major, v.minor, v.patch.saturating_add(1)),
    };
    Version {
        major,
        minor,
        patch,
        pre: None,
    }
}

/// One numeric part: digits only, no leading zero, within `i64`.
fn number(part: &str) -> Result<i64, VersionError> {
    let digits_only = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = part.len() > 1 && part.starts_with('0');
    match part.parse::<i64>() {
        Ok(n) if digits_only && !leading_zero => Ok(n),
        _ => Err(VersionError::BadNumber(part.to_string())),
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Pre-release tags, identifier by identifier; a prefix is lower.
fn compare_tags(x: &str, y: &str) -> Ordering {
    let mut xs = x.split('.');
    let mut ys = y.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => match compare_identifiers(a, b) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// Numeric identifiers compare as numbers of any length and below alphanumeric ones.
fn compare_identifiers(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let a = a.trim_start_matches('0');
            let b = b.trim_start_matches('0');
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}
