//! Stage 5, agent: a prompt in, an implementation out, from a provider.
//!
//! - In: a [`Request`] (the module's dotted name, the prompt the compiler rendered, a
//!   temperature, an optional token limit) and the [`AgentSettings`] from ghost.toml.
//! - Out: a [`Reply`] (the model's text, tokens in and out, why it stopped, latency), from
//!   which [`extract::extract_code`] takes the code, or a typed [`AgentError`] whose message
//!   says what to do next. A reply without code ([`extract::ExtractError::NoCode`]) or a
//!   cut-off one ([`extract::ExtractError::Truncated`]) is not a crash: the build feeds the
//!   reason back to the agent.
//!
//! Providers:
//! - [`openai`]: any OpenAI-compatible chat-completions server (also local ones, no key needed);
//! - [`anthropic`]: the Anthropic messages API;
//! - [`command`]: a user's agent program, run in a scratch workspace with a time limit that
//!   kills its whole process tree; the caller reads back the one file it was asked to write;
//! - `manual`: no provider at all; the build writes the prompt for a person (see cli.md).
//!
//! Around the HTTP providers: [`retry`] (exponential backoff with jitter on network errors,
//! timeouts, 429 and 5xx; `Retry-After` honoured) and [`cache`] (identical requests are
//! answered from `.ghost/cache` without a request).
//!
//! What this stage never does: it never writes anything but its cache (the command provider's
//! program writes into the scratch folder it is given, and the build decides what to keep), it
//! never stores, prints or logs an API key, and it never panics on what a server or program
//! sends back.

pub mod anthropic;
pub mod cache;
pub mod command;
pub mod error;
pub mod extract;
mod http;
pub mod openai;
pub mod retry;
pub mod settings;
mod sse;

pub use error::AgentError;
pub use settings::{provider_from, provider_from_with, AgentSettings, ProviderKind};

/// The most tokens a streamed reply is read to when its request names no limit: far
/// above any module's code, so that only a server that never stops (a model repeating
/// itself, with no `max_tokens` sent) reaches it, and is cut there rather than paid for
/// until the request's time runs out.
pub const UNBOUNDED_REPLY_TOKENS: u32 = 32_768;

/// How many characters of a streamed reply are read before it is cut as too long: twice
/// the estimate of four characters a token, so that a server keeping `max_tokens` never
/// meets it.
pub fn reply_chars_cap(max_tokens: Option<u32>) -> usize {
    max_tokens.unwrap_or(UNBOUNDED_REPLY_TOKENS) as usize * 8
}

/// The most bytes of code an answer may hold, from any agent: far more than any module's
/// (ghost's own are under 5 KB), far less than a runaway program's file or a server's
/// padded reply, which would otherwise be compiled, locked and committed as the module's
/// code (a comment line of hundreds of megabytes compiles and passes).
pub const MAX_CODE_BYTES: usize = 1 << 20;

/// One request for an implementation.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The module's dotted name (`a.b`), for logs and the command provider's environment.
    pub module: String,
    /// The full prompt, as `ghost prompt MODULE` prints it.
    pub prompt: String,
    pub temperature: f32,
    /// The longest reply to accept; providers that need a value use their own default.
    pub max_tokens: Option<u32>,
    /// Texts at which the model stops (not part of the reply): the build stops it at the
    /// end of its code block ([`extract::CODE_BLOCK_END`]), so that a model that goes on
    /// explaining, or repeats the spec, is not paid for it.
    pub stop: Vec<String>,
    /// Which sample this is, for an attempt that samples (temperature above 0): two
    /// fresh starts of one build are two samples, not one reply cached and served twice,
    /// and a server that takes a seed (OpenAI's `seed`) gives the same sample again.
    pub seed: Option<u64>,
    /// How many bytes at the start of `prompt` every prompt of the module shares (the
    /// example, the rules, the module's spec), so that a provider that caches prompts by
    /// explicit breakpoints (Anthropic's `cache_control`) can mark it; 0 for none.
    pub cache_prefix: usize,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Finish {
    /// It finished its answer.
    Stop,
    /// It hit the token limit: the answer is cut off.
    Length,
    /// It refused (OpenAI's `refusal`, Anthropic's `stop_reason: "refusal"`): the reply's
    /// text is its words, not an answer.
    Refused,
    /// The provider's content filter stopped or blanked the reply (OpenAI's
    /// `content_filter`): what text there is may be cut anywhere.
    Filtered,
    /// Anything else the server reported (content filter, tool call, ...).
    Other(String),
}

/// The most tokens one reply's reported count is taken for: far above any model's, so
/// that a garbled count cannot overflow the sums of a build (and so slip past its budget).
pub(crate) const MAX_REPORTED_TOKENS: u64 = 1 << 40;

/// A provider's answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    pub text: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Of `tokens_in`, those the provider read from its own prompt cache (billed at a
    /// fraction): OpenAI's `cached_tokens`, Anthropic's `cache_read_input_tokens`.
    #[serde(default)]
    pub cached_in: u64,
    pub finish: Finish,
    pub latency_ms: u64,
    /// True when the reply came from the response cache (it cost no tokens this time).
    #[serde(skip)]
    pub cached: bool,
}

impl Reply {
    /// For a server that reported no usage (llama.cpp's in a stream, some proxies, any
    /// server without `usage`): tokens estimated from the request's size and the reply at
    /// four characters a token, so that budgets and reports never count a reply as free.
    /// Each count on its own: a reply whose output the provider already estimated (its
    /// thinking counted in, see `openai.rs`) still gets its prompt estimated.
    pub(crate) fn estimate_unreported_tokens(&mut self, request_bytes: usize) {
        if self.tokens_in == 0 {
            self.tokens_in = request_bytes.div_ceil(4) as u64;
        }
        if self.tokens_out == 0 {
            self.tokens_out = self.text.chars().count().div_ceil(4) as u64;
        }
    }
}

/// Tokens that requests spent without giving a reply: a stream cut mid-way (by the
/// network, a timeout or the server) was paid for up to where it stopped, and a retry
/// pays again. Kept per call of [`Provider::complete`], added to its reply, or to its
/// error when every retry failed ([`AgentError::spent`]), so that budgets and reports
/// count what was paid, not only what was used.
#[derive(Debug, Default)]
pub(crate) struct Spent {
    tokens_in: std::sync::atomic::AtomicU64,
    tokens_out: std::sync::atomic::AtomicU64,
}

impl Spent {
    /// Counts a reply cut off (or garbled) after `text`: the tokens the server reported,
    /// or, where it reported none, an estimate at four characters a token (as
    /// [`Reply::estimate_unreported_tokens`]). `answered`: the server sent something, so
    /// it read the prompt. A request cut before anything came is not counted: whether it
    /// was billed cannot be told.
    pub fn cut_after(
        &self,
        text: &str,
        reported: (u64, u64),
        request_bytes: usize,
        answered: bool,
    ) {
        if reported == (0, 0) && text.is_empty() && !answered {
            return;
        }
        // Each count the server sent so far is taken as it is (Anthropic's input tokens
        // come first, its output tokens at the end); the others are estimated.
        let or_estimate = |n: u64, chars: usize| match n {
            0 => chars.div_ceil(4) as u64,
            n => n,
        };
        let tokens = (
            or_estimate(reported.0, request_bytes),
            or_estimate(reported.1, text.chars().count()),
        );
        use std::sync::atomic::Ordering::SeqCst;
        self.tokens_in.fetch_add(tokens.0, SeqCst);
        self.tokens_out.fetch_add(tokens.1, SeqCst);
    }

    /// Everything counted so far, tokens in and out.
    pub fn total(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::SeqCst;
        (self.tokens_in.load(SeqCst), self.tokens_out.load(SeqCst))
    }

    /// `result` with the spent tokens added: to the reply's, or to the error's.
    pub fn charge(&self, result: Result<Reply, AgentError>) -> Result<Reply, AgentError> {
        let spent = self.total();
        if spent == (0, 0) {
            return result;
        }
        match result {
            Ok(mut reply) => {
                reply.tokens_in += spent.0;
                reply.tokens_out += spent.1;
                Ok(reply)
            }
            Err(e) => Err(e.with_spent(spent)),
        }
    }
}

/// Something that turns a prompt into a reply.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Asks for one reply, retrying transient failures as the provider's settings say.
    async fn complete(&self, req: &Request) -> Result<Reply, AgentError>;

    /// What identifies `req` for the response cache: the provider kind, model, base URL and
    /// the full request body, never the key. `None` makes the request uncacheable.
    fn cache_material(&self, _req: &Request) -> Option<Vec<u8>> {
        None
    }
}
