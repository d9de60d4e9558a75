//! Retries: exponential backoff with jitter for transient failures, `Retry-After` honoured.

use std::future::Future;
use std::time::{Duration, SystemTime};

use super::AgentError;

/// The longest `Retry-After` waited for: a server asking for more is told to the user
/// (see `AgentError::Http`), who can run the build again then.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Further tries (requests) after the first one.
    pub max_retries: u32,
    /// The first delay; retry `n` waits about `base_delay * 2^n`.
    pub base_delay: Duration,
    /// No computed backoff waits longer than this.
    pub max_delay: Duration,
    /// A server's `Retry-After` longer than this is not waited for: the error is returned.
    pub max_retry_after: Duration,
    /// Further tries after a request timed out, within `max_retries`: each costs the
    /// whole timeout (600 s by default), and a server that did not answer in that time
    /// rarely answers the same request the next time.
    pub max_timeout_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: MAX_RETRY_AFTER,
            max_timeout_retries: 1,
        }
    }
}

/// The clock retries wait on; tests pass one that records the delays and returns at once.
#[async_trait::async_trait]
pub trait Sleeper: Send + Sync {
    async fn sleep(&self, delay: Duration);
}

/// Waits for real, on tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait::async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, delay: Duration) {
        tokio::time::sleep(delay).await;
    }
}

/// Told of every retry before its wait (`on_retry`): the command line prints it, so a
/// build waiting out a server's `Retry-After` says so.
type RetryNotice = Box<dyn Fn(&str) + Send + Sync>;
static RETRY_NOTICE: std::sync::OnceLock<RetryNotice> = std::sync::OnceLock::new();

/// Sets what is told of each retry, once per process (later calls are ignored).
pub fn on_retry(notice: RetryNotice) {
    let _ = RETRY_NOTICE.set(notice);
}

/// The last retry told, without its wait: requests of modules asked at the same time
/// fail and are retried together, and the same line twice in a row says nothing new.
static LAST_TOLD: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// One line for a retry: what failed, how long ghost waits, which retry it is; `None`
/// when `last` (the last retry told) was the same failure at the same retry.
fn retry_line(
    last: &mut Option<String>,
    err: &AgentError,
    delay: Duration,
    retry: u32,
    of: u32,
) -> Option<String> {
    let first = err.headline();
    let first = first.lines().next().unwrap_or_default();
    let key = format!("{first} (retry {retry} of {of})");
    if last.as_ref() == Some(&key) {
        return None;
    }
    *last = Some(key);
    Some(format!(
        "{first}; asking again in {:.1}s (retry {retry} of {of})",
        delay.as_secs_f64()
    ))
}

/// Runs `op` until it succeeds, fails for good, or the retries are spent. The final error of
/// a retried failure is wrapped in [`AgentError::GaveUp`] with the number of tries
/// (requests; "attempt" is the build's word for one module's code asked for and tested).
pub async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    sleeper: &dyn Sleeper,
    mut op: F,
) -> Result<T, AgentError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AgentError>>,
{
    let mut retry: u32 = 0;
    let mut timeouts: u32 = 0;
    loop {
        let err = match op().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if matches!(err, AgentError::Timeout { .. }) {
            timeouts += 1;
        }
        let retry_after = err.retry_after();
        let give_up = !err.is_retryable()
            || retry >= policy.max_retries
            || timeouts > policy.max_timeout_retries
            || retry_after.is_some_and(|d| d > policy.max_retry_after);
        if give_up {
            return Err(if retry == 0 {
                err
            } else {
                AgentError::GaveUp {
                    tries: retry + 1,
                    source: Box::new(err),
                    spent: (0, 0),
                }
            });
        }
        let delay = retry_after.unwrap_or_else(|| backoff(policy, retry));
        if let Some(notice) = RETRY_NOTICE.get() {
            let line = LAST_TOLD.lock().ok().and_then(|mut last| {
                retry_line(&mut last, &err, delay, retry + 1, policy.max_retries)
            });
            if let Some(line) = line {
                notice(&line);
            }
        }
        sleeper.sleep(delay).await;
        retry += 1;
    }
}

/// The delay before retry `retry` (0-based): "equal jitter", half fixed and half random,
/// so that many clients hitting the same limit do not retry in lockstep.
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(2u32.saturating_pow(retry.min(16)))
        .min(policy.max_delay);
    let half = exp / 2;
    half + half.mul_f64(jitter_fraction(retry))
}

/// A cheap pseudo-random fraction in [0, 1) from the clock and the retry; a crate for
/// randomness would be more than this needs.
fn jitter_fraction(retry: u32) -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    // splitmix64 finaliser: spreads nearby clock values over the whole range.
    let mut x = u64::from(nanos) ^ (u64::from(retry) << 32);
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The wait a `Retry-After` header asks for: delay-seconds or an HTTP-date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        // `try_`: a value past what a `Duration` holds (`1e20`) is no wait to honour.
        return Duration::try_from_secs_f64(secs).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The wait an error body names where no `Retry-After` header does: Google's
/// `RetryInfo` detail (`"retryDelay": "34s"`, in `error.details`, the error itself alone
/// or the first of a list).
pub fn retry_delay_in_body(body: &[u8]) -> Option<Duration> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let error = match &json {
        serde_json::Value::Array(list) => list.first()?.get("error")?,
        one => one.get("error")?,
    };
    error
        .get("details")?
        .as_array()?
        .iter()
        .filter_map(|d| d.get("retryDelay")?.as_str())
        .find_map(|delay| {
            let secs = delay.trim().strip_suffix('s')?.parse::<f64>().ok()?;
            Duration::try_from_secs_f64(secs).ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Duration>>);

    #[async_trait::async_trait]
    impl Sleeper for Recorder {
        async fn sleep(&self, delay: Duration) {
            self.0.lock().expect("not poisoned").push(delay);
        }
    }

    #[test]
    fn googles_retry_info_is_a_wait() {
        let body = br#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34s"}]}}"#;
        assert_eq!(retry_delay_in_body(body), Some(Duration::from_secs(34)));
        let listed = br#"[{"error":{"details":[{"retryDelay":"1.5s"}]}}]"#;
        assert_eq!(
            retry_delay_in_body(listed),
            Some(Duration::from_millis(1500))
        );
        for none in [
            &b"{}"[..],
            b"not json",
            br#"{"error":{"details":[{"retryDelay":"soon"}]}}"#,
        ] {
            assert_eq!(retry_delay_in_body(none), None);
        }
    }

    fn server_error() -> AgentError {
        AgentError::Http {
            url: "u".into(),
            status: 503,
            message: "busy".into(),
            retry_after: None,
        }
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn backoff_grows_and_stays_within_bounds() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for attempt in 0..10 {
            let exp = (Duration::from_millis(100) * 2u32.pow(attempt)).min(policy.max_delay);
            let d = backoff(&policy, attempt);
            assert!(d >= exp / 2 && d <= exp, "attempt {attempt}: {d:?}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        // Past what a `Duration` holds: no wait to honour, and no panic.
        assert_eq!(parse_retry_after("1e20", now), None);
        assert_eq!(
            parse_retry_after("2.5", now),
            Some(Duration::from_millis(2500))
        );
    }

    /// A refused connection is said in a few words at each retry (the advice comes with
    /// the final error), and once for requests retried together.
    #[test]
    fn a_retry_is_said_briefly_and_once_for_requests_failing_together() {
        let refused = AgentError::Unreachable {
            url: "http://h/v1/chat/completions".into(),
            reason: "connection refused".into(),
            connect: true,
        };
        assert!(refused.to_string().contains("is the server running?"));
        let mut last = None;
        let second = Duration::from_secs(1);
        let line = retry_line(&mut last, &refused, second, 1, 4).expect("said");
        assert_eq!(
            line,
            "cannot reach http://h/v1/chat/completions: connection refused; asking again in 1.0s (retry 1 of 4)"
        );
        assert_eq!(
            retry_line(&mut last, &refused, second * 2, 1, 4),
            None,
            "another request's same retry"
        );
        assert!(retry_line(&mut last, &refused, second, 2, 4).is_some());
        assert!(retry_line(&mut last, &server_error(), second, 2, 4).is_some());
    }

    #[test]
    fn retries_transient_errors_then_gives_up_with_the_count() {
        let sleeper = Recorder::default();
        let policy = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let mut calls = 0;
        let result: Result<(), _> = block_on(with_retries(&policy, &sleeper, || {
            calls += 1;
            async { Err(server_error()) }
        }));
        assert_eq!(calls, 3);
        assert_eq!(sleeper.0.lock().expect("not poisoned").len(), 2);
        let err = result.expect_err("gave up");
        assert!(matches!(err, AgentError::GaveUp { tries: 3, .. }));
        // Tries, not attempts: an attempt is the build's (one module's code, tested).
        assert!(
            err.to_string().ends_with("(gave up after 3 tries)"),
            "{err}"
        );
    }

    #[test]
    fn a_timeout_is_retried_once_among_other_failures() {
        let sleeper = Recorder::default();
        let mut calls = 0;
        let result: Result<(), _> =
            block_on(with_retries(&RetryPolicy::default(), &sleeper, || {
                calls += 1;
                // A server error, then timeouts: the second timeout ends it.
                let err = if calls == 1 {
                    server_error()
                } else {
                    AgentError::Timeout {
                        url: "u".into(),
                        timeout: Duration::from_secs(600),
                    }
                };
                async { Err(err) }
            }));
        assert_eq!(calls, 3, "one server error and two timeouts");
        assert!(
            matches!(&result, Err(AgentError::GaveUp { tries: 3, source, .. }) if matches!(**source, AgentError::Timeout { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn a_retry_is_told_in_one_line() {
        let err = AgentError::Http {
            url: "http://x/v1/chat/completions".into(),
            status: 429,
            message: "slow down\nmore".into(),
            retry_after: None,
        };
        let line = retry_line(&mut None, &err, Duration::from_secs(8), 1, 4).expect("said");
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.ends_with("asking again in 8.0s (retry 1 of 4)"),
            "{line}"
        );
    }

    #[test]
    fn client_errors_are_not_retried() {
        let sleeper = Recorder::default();
        let mut calls = 0;
        let result: Result<(), _> =
            block_on(with_retries(&RetryPolicy::default(), &sleeper, || {
                calls += 1;
                async {
                    Err(AgentError::Http {
                        url: "u".into(),
                        status: 404,
                        message: "no such model".into(),
                        retry_after: None,
                    })
                }
            }));
        assert_eq!(calls, 1);
        assert!(matches!(result, Err(AgentError::Http { status: 404, .. })));
    }

    #[test]
    fn a_too_long_retry_after_is_not_waited_for() {
        let sleeper = Recorder::default();
        let result: Result<(), _> =
            block_on(with_retries(&RetryPolicy::default(), &sleeper, || async {
                Err(AgentError::Http {
                    url: "u".into(),
                    status: 429,
                    message: "slow down".into(),
                    retry_after: Some(Duration::from_secs(3600)),
                })
            }));
        assert!(sleeper.0.lock().expect("not poisoned").is_empty());
        assert!(matches!(result, Err(AgentError::Http { status: 429, .. })));
    }
}
