//! The implementation of module `rate.limiter`.

/// Thousandths of a token per token: refills are exact in this unit, since `per_second`
/// tokens per second is `per_second` thousandths per millisecond.
const MILLI: i64 = 1000;

/// Holds up to `capacity` tokens and starts full. Tokens flow in continuously at
/// `per_second` tokens per second: after `t` ms, `t * per_second / 1000` tokens have
/// been added, fractions included, never more than `capacity`. A time earlier than
/// the latest one seen counts as no time passing.
#[derive(Debug)]
pub struct TokenBucket {
    capacity: i64,
    per_second: i64,
    /// The tokens there were at `last_ms`, in thousandths.
    millis: i64,
    /// The latest time seen.
    last_ms: i64,
}

impl TokenBucket {
    pub fn new(capacity: i64, per_second: i64, now_ms: i64) -> Self {
        TokenBucket {
            capacity,
            per_second,
            millis: capacity.saturating_mul(MILLI),
            last_ms: now_ms,
        }
    }

    /// Adds the tokens due at `now_ms`, then takes `n` tokens if that many are there.
    /// Returns whether it took them; when it did not, nothing is taken.
    pub fn try_take(&mut self, n: i64, now_ms: i64) -> bool {
        self.millis = self.millis_at(now_ms);
        self.last_ms = self.last_ms.max(now_ms);
        let needed = n.saturating_mul(MILLI);
        if needed <= self.millis {
            self.millis -= needed;
            true
        } else {
            false
        }
    }

    /// The whole tokens there would be at `now_ms`; changes nothing.
    pub fn available(&self, now_ms: i64) -> i64 {
        self.millis_at(now_ms) / MILLI
    }

    /// How many ms after `now_ms` `n` tokens will be there (rounded up; 0 if they are
    /// now), if nothing else is taken meanwhile; none when that never happens (`n` above
    /// the capacity, or no refill).
    pub fn wait_ms(&self, n: i64, now_ms: i64) -> Option<i64> {
        if n > self.capacity {
            return None;
        }
        let missing = n.saturating_mul(MILLI) - self.millis_at(now_ms);
        if missing <= 0 {
            Some(0)
        } else if self.per_second == 0 {
            None
        } else {
            // Both positive: a rounded-up division.
            Some((missing + self.per_second - 1) / self.per_second)
        }
    }

    /// The thousandths of a token there would be at `now_ms`.
    fn millis_at(&self, now_ms: i64) -> i64 {
        let elapsed = now_ms.saturating_sub(self.last_ms).max(0);
        let added = elapsed.saturating_mul(self.per_second);
        self.millis
            .saturating_add(added)
            .min(self.capacity.saturating_mul(MILLI))
    }
}
