//! A lock as an older ghost would have written it, for tests and benches of re-locking.

/// `lock` with every entry's spec fingerprint replaced: each module is stale, as after a
/// new ghost (whose key is part of that fingerprint), and its code unchanged.
pub fn aged_lock(lock: &str) -> String {
    lock.lines()
        .map(|l| {
            if l.starts_with("spec = ") {
                format!("spec = \"{}\"\n", "0".repeat(64))
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}
