//! `AgentError`: everything that can go wrong between a prompt and an implementation.

use std::path::PathBuf;
use std::time::Duration;

use super::extract::ExtractError;

/// An agent failure. Messages name the setting, variable or server to look at next; none of
/// them ever contains an API key.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The provider needs a key and its environment variable is unset or empty.
    #[error("no API key for provider `{provider}`: {}set the environment variable `{var}` (or name another one with `api_key_env` in ghost.toml; a local server that needs no key: set `base_url` and leave `api_key_env` out)", if *.empty { format!("`{var}` is empty; ") } else { String::new() })]
    KeyMissing {
        provider: String,
        var: String,
        /// The variable is set, to nothing: said, since "set it" would puzzle.
        empty: bool,
    },

    /// The settings cannot make a provider (e.g. `command` without a command line).
    #[error("bad agent settings: {reason}")]
    Settings { reason: String },

    /// The connection failed or dropped before a full answer arrived.
    #[error("cannot reach {url}: {reason}; {}", if *.connect { "is the server running? (its address is `base_url` under [agent] in ghost.toml, GHOST_BASE_URL or `--base-url`)" } else { "check that the server is running and that `base_url` is right" })]
    Unreachable {
        url: String,
        /// The cause, in a few words (`connection refused`).
        reason: String,
        /// No connection was made at all (refused, no such host): the address or the
        /// server is what to look at, not the network in between.
        connect: bool,
    },

    /// No full answer within the time limit.
    #[error("{url} did not finish its answer within {}s; check the server or raise `timeout` under [agent] in ghost.toml", .timeout.as_secs_f64())]
    Timeout { url: String, timeout: Duration },

    /// HTTP 401 or 403: the key is wrong, expired or lacks access to the model, or the
    /// server wants one and none was sent.
    #[error("{}", unauthorized(url, *.status, message, key_var, *.key))]
    Unauthorized {
        url: String,
        status: u16,
        message: String,
        key_var: String,
        /// Whether the request carried a key, which decides what to look at.
        key: KeySent,
    },

    /// Any other HTTP error status; `retry_after` is the server's `Retry-After`, if any.
    #[error("{url} answered HTTP {status}: {message}{}", http_hint(*.status, message, *retry_after))]
    Http {
        url: String,
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },

    /// HTTP 3xx: the server points elsewhere. Not followed: the request carries the API
    /// key, which must reach no address but `base_url`.
    #[error("{}", redirected(url, *.status, location.as_deref()))]
    Redirected {
        url: String,
        status: u16,
        /// Where it points (its `Location`), if it said.
        location: Option<String>,
    },

    /// The server answered, but not with what the API promises (garbage, an HTML page,
    /// missing fields).
    #[error(
        "unexpected answer from {url}: {reason}; is `base_url` an API of the configured provider?"
    )]
    BadResponse { url: String, reason: String },

    /// An error after which the request was paid for all the same (a stream cut off, a
    /// garbled answer: the server had read the prompt), with the tokens it cost.
    #[error("{source}")]
    Paid {
        #[source]
        source: Box<AgentError>,
        /// Tokens in and out, as `GaveUp`'s.
        spent: (u64, u64),
    },

    /// A retryable error that stayed after every retry. Counted in tries (requests),
    /// not attempts: an attempt is the build's, one module's code asked for and tested.
    #[error("{source} (gave up after {tries} tries)")]
    GaveUp {
        tries: u32,
        #[source]
        source: Box<AgentError>,
        /// Tokens in and out that the failed requests were paid for (see `Spent`).
        spent: (u64, u64),
    },

    /// The reply holds no usable code, or was cut off.
    #[error(transparent)]
    Extract(#[from] ExtractError),

    /// The build's token budget is spent.
    #[error("token budget spent: {used} of {limit} tokens used; raise `max_tokens_per_build` in ghost.toml")]
    Budget { used: u64, limit: u64 },

    /// The agent program could not be started.
    #[error("cannot start the agent command `{program}`: {source}; check `command` in ghost.toml")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    /// The agent program ran past its time limit; it and its children were killed.
    #[error("the agent command `{program}` ran longer than {}s and was stopped with everything it started; raise `timeout` under [agent] in ghost.toml if it needs more", .timeout.as_secs_f64())]
    CommandTimeout { program: String, timeout: Duration },

    /// The agent program left something other than a plain file where its code goes (a
    /// link, which ghost would read through to whatever file it names; a folder; a named
    /// pipe, whose read would block): this attempt failed, and the next one, in a scratch
    /// copy made anew, is told to write the file itself.
    #[error("the agent program left {what} at `{}` ($GHOST_IMPL_PATH), not a file: write the code into the file itself", .path.display())]
    NotAFile { path: PathBuf, what: &'static str },

    /// Reading or writing a file of the agent stage (cache, workspace) failed.
    #[error("cannot access {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether a request carried an API key, and if not, why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySent {
    Yes,
    /// The key's variable is not set.
    Unset,
    /// The key's variable is set to nothing (or only blanks).
    Empty,
}

/// The message of a 401 or 403: with a key, the key is what to check; without one, the
/// server wants one, and where it goes is what to say.
fn unauthorized(url: &str, status: u16, message: &str, var: &str, key: KeySent) -> String {
    let or_another =
        "(or name the variable that holds it with `api_key_env` under [agent] in ghost.toml)";
    match key {
        KeySent::Yes => format!(
            "{url} refused the credentials (HTTP {status}): {message}; check the key in `{var}`"
        ),
        KeySent::Unset => format!(
            "{url} requires an API key and none was sent (HTTP {status}: {message}): `{var}` is not set; set it to the key {or_another}"
        ),
        KeySent::Empty => format!(
            "{url} requires an API key and none was sent (HTTP {status}: {message}): `{var}` is empty; set it to the key {or_another}"
        ),
    }
}

/// The message of a redirect: where the server points, and the `base_url` that would
/// reach it (its address without the endpoint ghost adds).
fn redirected(url: &str, status: u16, location: Option<&str>) -> String {
    let advice =
        "ghost does not follow redirects, which would send the API key on to another address";
    let Some(location) = location else {
        return format!("{url} answered with a redirect (HTTP {status}) that names no address; {advice}: check `base_url` under [agent] in ghost.toml");
    };
    let root = ["/chat/completions", "/messages"]
        .into_iter()
        .find_map(|e| location.trim_end_matches('/').strip_suffix(e));
    let set = match root {
        Some(root) => {
            format!("if it is the API, set `base_url` under [agent] in ghost.toml to `{root}`")
        }
        None => "check `base_url` under [agent] in ghost.toml".to_string(),
    };
    format!("{url} redirects to `{location}` (HTTP {status}); {advice}: {set}")
}

impl AgentError {
    /// Whether trying the same request again may help: network trouble, timeouts, rate
    /// limits and server errors. Client errors (400, 401, 403, 404, ...) and bad answers are
    /// final.
    pub fn is_retryable(&self) -> bool {
        match self {
            AgentError::Paid { source, .. } => source.is_retryable(),
            AgentError::Unreachable { .. } | AgentError::Timeout { .. } => true,
            // A spent quota is not a rate: asking again only spends time.
            AgentError::Http {
                status,
                message,
                retry_after,
                ..
            } => (*status == 429 && !is_quota(message, retry_after.is_some())) || *status >= 500,
            _ => false,
        }
    }

    /// Whether the server refused the prompt for being longer than the model's context
    /// window (OpenAI's `context_length_exceeded`, llama.cpp's "exceed context window",
    /// Anthropic's "prompt is too long"): a shorter prompt will do, the same one never.
    pub fn is_context_overflow(&self) -> bool {
        match self {
            AgentError::Http {
                status, message, ..
            } if *status == 400 || *status == 413 => {
                let m = message.to_ascii_lowercase();
                let about_context = m.contains("context")
                    && ["length", "window", "limit", "exceed", "maximum", "too long"]
                        .iter()
                        .any(|w| m.contains(w));
                about_context || m.contains("too long") || m.contains("too many tokens")
            }
            AgentError::GaveUp { source, .. } | AgentError::Paid { source, .. } => {
                source.is_context_overflow()
            }
            _ => false,
        }
    }

    /// The error without the advice on what to check, for a line that says it again
    /// (a retry): the advice comes once, with the error the build ends on.
    pub fn headline(&self) -> String {
        match self {
            AgentError::Unreachable { url, reason, .. } => format!("cannot reach {url}: {reason}"),
            // Without its hint ("run the build again later" beside "asking again in 1s").
            AgentError::Http {
                url,
                status,
                message,
                ..
            } => format!("{url} answered HTTP {status}: {message}"),
            AgentError::Paid { source, .. } => source.headline(),
            other => other.to_string(),
        }
    }

    /// The error under the retries: what the last request got.
    pub fn root(&self) -> &AgentError {
        match self {
            AgentError::GaveUp { source, .. } | AgentError::Paid { source, .. } => source.root(),
            other => other,
        }
    }

    /// Tokens in and out that failed requests were paid for: a stream cut mid-way.
    pub fn spent(&self) -> (u64, u64) {
        match self {
            AgentError::GaveUp { spent, .. } | AgentError::Paid { spent, .. } => *spent,
            _ => (0, 0),
        }
    }

    /// This error, carrying `spent` tokens (in place of any it carried).
    pub(crate) fn with_spent(self, spent: (u64, u64)) -> AgentError {
        match self {
            AgentError::GaveUp { tries, source, .. } => AgentError::GaveUp {
                tries,
                source,
                spent,
            },
            AgentError::Paid { source, .. } => AgentError::Paid { source, spent },
            other => AgentError::Paid {
                source: Box::new(other),
                spent,
            },
        }
    }

    /// How long the server asked us to wait before the next try, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AgentError::Paid { source, .. } => source.retry_after(),
            AgentError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The model's window in tokens, when a context-overflow message says it: OpenAI's
/// "maximum context length is 8192 tokens", llama.cpp's "context length of 4096",
/// Anthropic's "prompt is too long: 210000 tokens > 200000 maximum".
pub fn context_limit_in(message: &str) -> Option<u32> {
    let m = message.to_ascii_lowercase();
    let number_after = |at: usize| -> Option<u32> {
        let digits: String = m[at..]
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    for phrase in ["maximum context length", "context length", "context window"] {
        if let Some(at) = m.find(phrase) {
            return number_after(at + phrase.len());
        }
    }
    // "N tokens > M maximum"
    let gt = m.find('>')?;
    number_after(gt + 1).filter(|_| m[gt..].contains("maximum"))
}

/// What a status usually means when ghost gets it, for the message; or the server's
/// wait, when it asked for one longer than ghost waits (the error comes at once then,
/// and "HTTP 503: busy" alone would not say when to build again).
fn http_hint(status: u16, message: &str, retry_after: Option<Duration>) -> String {
    if let Some(wait) = retry_after.filter(|w| *w > super::retry::MAX_RETRY_AFTER) {
        return format!(
            "; the server asks for a wait of {} before the next request, longer than ghost waits ({}): run the build again after that",
            said(wait),
            said(super::retry::MAX_RETRY_AFTER)
        );
    }
    match status {
        404 => "; check `model`, and that `base_url` is the API's root (for OpenAI-compatible servers it usually ends in `/v1`)",
        429 if is_quota(message, retry_after.is_some()) => "; the account's quota or credit is spent: check its plan and billing (waiting does not help)",
        429 => "; the server limits requests: lower `concurrency` under [agent], or wait",
        // Anthropic's "overloaded", a proxy's "bad gateway", a local server still loading
        // its model: retried already, so only later will do.
        502..=504 | 529 => "; the server (or a proxy before it) is overloaded or not up: run the build again later",
        _ => "",
    }
    .to_string()
}

/// A wait in the largest unit that says it: `90s`, `5 min`, `3 h`, `2 days`.
fn said(wait: Duration) -> String {
    let secs = wait.as_secs();
    match secs {
        0..120 => format!("{secs}s"),
        120..7_200 => format!("{} min", secs.div_ceil(60)),
        7_200..172_800 => format!("{} h", secs.div_ceil(3_600)),
        _ => format!("{} days", secs.div_ceil(86_400)),
    }
}

/// A 429 that says the account's quota or credit is spent (OpenAI's
/// `insufficient_quota`), not that requests came too fast.
fn is_quota(message: &str, wait_given: bool) -> bool {
    let m = message.to_ascii_lowercase();
    // Gemini says "exceeded your current quota" of its per-minute limits too, with a
    // time to retry in (in its text, or only in the body's `RetryInfo`, `wait_given`):
    // that one is a rate.
    m.contains("insufficient_quota")
        || (m.contains("exceeded your current quota") && !m.contains("retry") && !wait_given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_quota_is_not_retried_and_says_so() {
        let err = |message: &str| AgentError::Http {
            url: "u".into(),
            status: 429,
            message: message.into(),
            retry_after: None,
        };
        let quota = err("{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\"}}");
        assert!(!quota.is_retryable());
        assert!(
            quota.to_string().contains("quota or credit is spent"),
            "{quota}"
        );
        let gemini =
            err("You exceeded your current quota, please check your plan. Please retry in 26s.");
        assert!(gemini.is_retryable());
        // Gemini's per-minute quota with its wait only in the body's `RetryInfo`.
        let waited = AgentError::Http {
            url: "u".into(),
            status: 429,
            message: "You exceeded your current quota, please check your plan and billing details."
                .into(),
            retry_after: Some(std::time::Duration::from_secs(34)),
        };
        assert!(waited.is_retryable());
        assert!(
            waited.to_string().contains("lower `concurrency`"),
            "{waited}"
        );
        let rate = err("Rate limit reached");
        assert!(rate.is_retryable());
        assert!(rate.to_string().contains("lower `concurrency`"), "{rate}");
    }

    /// A server that stayed overloaded or down through every retry: the user is told to
    /// come back later, not only the server's one word.
    #[test]
    fn an_overloaded_server_says_to_build_again_later() {
        for status in [502, 503, 504, 529] {
            let err = AgentError::Http {
                url: "u".into(),
                status,
                message: "Overloaded".into(),
                retry_after: None,
            };
            assert!(err.is_retryable());
            assert!(
                err.to_string()
                    .ends_with(": Overloaded; the server (or a proxy before it) is overloaded or not up: run the build again later"),
                "{err}"
            );
            // Not at each retry, where ghost itself asks again at once.
            assert!(
                err.headline().ends_with(": Overloaded"),
                "{}",
                err.headline()
            );
        }
    }

    #[test]
    fn a_refusal_without_a_key_says_to_set_one_and_whether_it_is_empty() {
        let refused = |key: KeySent| {
            AgentError::Unauthorized {
                url: "http://h/v1/chat/completions".into(),
                status: 401,
                message: "unauthorized".into(),
                key_var: "MYKEY".into(),
                key,
            }
            .to_string()
        };
        let sent = refused(KeySent::Yes);
        assert!(sent.contains("check the key in `MYKEY`"), "{sent}");
        let unset = refused(KeySent::Unset);
        assert!(
            unset.contains("requires an API key and none was sent")
                && unset.contains("`MYKEY` is not set")
                && unset.contains("api_key_env")
                && !unset.contains("check the key"),
            "{unset}"
        );
        let empty = refused(KeySent::Empty);
        assert!(
            empty.contains("`MYKEY` is empty") && !empty.contains("not set"),
            "{empty}"
        );
        let missing = |empty: bool| {
            AgentError::KeyMissing {
                provider: "openai".into(),
                var: "MYKEY".into(),
                empty,
            }
            .to_string()
        };
        assert!(
            missing(true).contains("`MYKEY` is empty; set"),
            "{}",
            missing(true)
        );
        assert!(!missing(false).contains("empty"), "{}", missing(false));
    }

    #[test]
    fn the_window_is_read_off_the_servers_words() {
        let said = [
            ("This model's maximum context length is 8192 tokens. However, you requested 9000 tokens", Some(8_192)),
            ("the request exceeds the available context size, context length of 4,096 tokens", Some(4_096)),
            ("prompt is too long: 210000 tokens > 200000 maximum", Some(200_000)),
            ("input too long", None),
        ];
        for (message, window) in said {
            assert_eq!(context_limit_in(message), window, "{message}");
        }
        let overflow = |message: &str| AgentError::Http {
            url: String::new(),
            status: 400,
            message: message.into(),
            retry_after: None,
        };
        assert!(overflow("maximum context length is 8192 tokens").is_context_overflow());
        assert!(
            !overflow("invalid value for `context`: expected a string").is_context_overflow(),
            "a field named context is not the window"
        );
    }
}
