//! The Anthropic provider: `POST {base_url}/messages`, streamed or not.

use std::time::Instant;

use serde_json::{json, Value};

use super::http::{Flow, HttpClient, Partial};
use super::retry::with_retries;
use super::settings::HttpSettings;
use super::{AgentError, Finish, Provider, Reply, Request, Spent};

/// The API version this client speaks.
const API_VERSION: &str = "2023-06-01";
/// The messages API requires `max_tokens`; this is used when the request sets none.
pub const DEFAULT_MAX_TOKENS: u32 = 8192;

/// A messages-API client.
pub struct Anthropic {
    http: HttpClient,
}

impl Anthropic {
    pub(crate) fn new(settings: HttpSettings) -> Result<Anthropic, AgentError> {
        Ok(Anthropic {
            http: HttpClient::new(settings)?,
        })
    }

    fn body(&self, req: &Request) -> Value {
        let s = &self.http.settings;
        let mut body = json!({
            "model": s.model,
            "max_tokens": req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
            "messages": [{"role": "user", "content": content(req)}],
            "temperature": super::http::temperature(req.temperature),
        });
        if !req.stop.is_empty() {
            body["stop_sequences"] = json!(req.stop);
        }
        if s.stream {
            body["stream"] = json!(true);
        }
        body
    }

    /// `cap_chars`: where a streamed reply is cut as too long ([`super::reply_chars_cap`]).
    async fn once(
        &self,
        url: &str,
        body: &[u8],
        cap_chars: usize,
        spent: &Spent,
    ) -> Result<Reply, AgentError> {
        let started = Instant::now();
        let mut headers = vec![("anthropic-version", API_VERSION.to_string())];
        if let Some(key) = &self.http.settings.key {
            headers.push(("x-api-key", key.clone()));
        }
        let response = self.http.post(url, &headers, body).await?;
        // A server may answer a streamed request with one JSON body (or an error page),
        // or stream to a request that did not ask it to: read as what it is.
        let mut reply = if self.http.streams(&response) {
            self.streamed(url, response, (body.len(), cap_chars), spent)
                .await?
        } else {
            let bytes = self.http.body(url, response).await?;
            let paid = (body.len(), spent);
            self.http
                .read_whole(url, &bytes, paid, |json| self.whole(url, json))?
        };
        reply.estimate_unreported_tokens(body.len());
        reply.latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(reply)
    }

    /// A non-streamed answer: the text blocks of `content`, `stop_reason`, `usage`.
    fn whole(&self, url: &str, json: &Value) -> Result<Reply, AgentError> {
        let content = json
            .get("content")
            .and_then(Value::as_array)
            .ok_or_else(|| self.http.bad(url, "no `content` list in the answer"))?;
        // Blocks apart, each on its own lines: `Here:` and a block opening with its fence
        // run together would hide the fence.
        let text = content
            .iter()
            .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|block| block.get("text").and_then(Value::as_str))
            .fold(String::new(), |mut text, block| {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(block);
                text
            });
        let usage = json.get("usage");
        Ok(Reply {
            text,
            tokens_in: input_tokens(usage),
            tokens_out: count(usage, "output_tokens"),
            cached_in: count(usage, "cache_read_input_tokens"),
            finish: finish(json.get("stop_reason")),
            latency_ms: 0,
            cached: false,
        })
    }

    /// A streamed answer: `message_start` (input tokens), `content_block_delta` (text),
    /// `message_delta` (stop reason, output tokens), `message_stop`; `error` events fail.
    async fn streamed(
        &self,
        url: &str,
        response: reqwest::Response,
        (request_bytes, cap_chars): (usize, usize),
        spent: &Spent,
    ) -> Result<Reply, AgentError> {
        let mut text = String::new();
        // Characters of thinking (`thinking_delta`): not the answer, but counted against
        // the cap, like the text.
        let mut thinking_chars = 0usize;
        // Whether any event came: the server read the prompt.
        let mut answered = false;
        let mut stop_reason: Option<Value> = None;
        let (mut tokens_in, mut tokens_out, mut cached_in) = (0, 0, 0);
        let mut done = false;
        let whole = self
            .http
            .events(url, response, |event| {
                answered = true;
                let data = self.http.json(url, event.data.as_bytes())?;
                // The type is in the data too; the `event:` line is only a copy of it.
                let kind = data
                    .get("type")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or(event.event)
                    .unwrap_or_default();
                match kind.as_str() {
                    "message_start" => {
                        let usage = data.pointer("/message/usage");
                        tokens_in = input_tokens(usage);
                        cached_in = count(usage, "cache_read_input_tokens");
                    }
                    // A second text block starts on a line of its own (see `whole`).
                    "content_block_start"
                        if data.pointer("/content_block/type").and_then(Value::as_str)
                            == Some("text")
                            && !text.is_empty()
                            && !text.ends_with('\n') =>
                    {
                        text.push('\n');
                    }
                    "content_block_delta" => {
                        if let Some(piece) = data.pointer("/delta/text").and_then(Value::as_str) {
                            text.push_str(piece);
                        }
                        if let Some(piece) = data.pointer("/delta/thinking").and_then(Value::as_str)
                        {
                            thinking_chars += piece.chars().count();
                        }
                        // A server that does not stop (one copying this API for a model
                        // that ignores `max_tokens`): cut as a reply that hit its limit,
                        // before its text fills the memory.
                        if text.len() + thinking_chars > cap_chars {
                            stop_reason = Some(Value::from("max_tokens"));
                            return Ok(Flow::Done);
                        }
                    }
                    "message_delta" => {
                        if let Some(reason) =
                            data.pointer("/delta/stop_reason").filter(|r| !r.is_null())
                        {
                            stop_reason = Some(reason.clone());
                        }
                        let usage = data.get("usage");
                        tokens_out = tokens_out.max(count(usage, "output_tokens"));
                        // Anthropic repeats the input count here; servers that copy its
                        // format send 0, or leave out the cache fields: the larger count
                        // stands, as it does for what the cache served.
                        let input = usage.and_then(|u| u.get("input_tokens"));
                        if input.and_then(Value::as_u64).is_some() {
                            tokens_in = tokens_in.max(input_tokens(usage));
                        }
                        cached_in = cached_in.max(count(usage, "cache_read_input_tokens"));
                    }
                    "message_stop" => {
                        done = true;
                        return Ok(Flow::Done);
                    }
                    "error" => return Err(self.stream_error(url, &data)),
                    _ => {} // ping, content_block_start, content_block_stop
                }
                Ok(Flow::More)
            })
            .await;
        let partial = Partial {
            text: &text,
            reported: (tokens_in, tokens_out),
            answered,
        };
        let complete = done || stop_reason.is_some();
        let paid = (request_bytes, spent);
        let read = |json: &Value| self.whole(url, json);
        if let Some(reply) = self
            .http
            .stream_end(url, whole, (partial, complete), paid, read)?
        {
            return Ok(reply);
        }
        Ok(Reply {
            text,
            tokens_in,
            tokens_out,
            cached_in,
            finish: finish(stop_reason.as_ref()),
            latency_ms: 0,
            cached: false,
        })
    }

    /// An `error` event: overloaded and API errors are worth a retry like a 5xx, the others
    /// are not.
    fn stream_error(&self, url: &str, data: &Value) -> AgentError {
        let kind = data
            .pointer("/error/type")
            .and_then(Value::as_str)
            .unwrap_or("error");
        let message = data
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("(no message)");
        let status = match kind {
            "overloaded_error" => 529,
            "api_error" => 500,
            "rate_limit_error" => 429,
            _ => {
                return self.http.bad(
                    url,
                    format!("the server reported {kind} mid-stream: {message}"),
                )
            }
        };
        AgentError::Http {
            url: url.to_string(),
            status,
            message: format!("{kind} mid-stream: {message}"),
            retry_after: None,
        }
    }
}

#[async_trait::async_trait]
impl Provider for Anthropic {
    async fn complete(&self, req: &Request) -> Result<Reply, AgentError> {
        let url = self.http.url("messages");
        let body = serde_json::to_vec(&self.body(req)).expect("a JSON value always serialises");
        let s = &self.http.settings;
        let spent = Spent::default();
        let cap_chars = super::reply_chars_cap(Some(req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)));
        let result = with_retries(&s.retry, s.sleeper.as_ref(), || {
            self.once(&url, &body, cap_chars, &spent)
        })
        .await;
        spent.charge(result)
    }

    fn cache_material(&self, req: &Request) -> Option<Vec<u8>> {
        Some(super::cache::material(&self.http.settings, &self.body(req)))
    }
}

fn finish(reason: Option<&Value>) -> Finish {
    match reason.and_then(Value::as_str) {
        Some("end_turn") | Some("stop_sequence") => Finish::Stop,
        // The window filled up before the reply ended: as cut off as by `max_tokens`.
        Some("max_tokens" | "model_context_window_exceeded") => Finish::Length,
        Some("refusal") => Finish::Refused,
        Some(other) => Finish::Other(other.to_string()),
        None => Finish::Other("unknown".into()),
    }
}

/// The message's content: the prompt as two text blocks when it opens with a part every
/// prompt of the module shares, the first marked as a cache breakpoint, so that a repair
/// or a fresh start reads that part from Anthropic's prompt cache (a tenth of the price)
/// instead of paying for it again. A part shorter than the model's minimum (1,024 tokens
/// for most) is not cached, and costs nothing more.
fn content(req: &Request) -> Value {
    let at = req.cache_prefix;
    if at == 0 || at > req.prompt.len() || !req.prompt.is_char_boundary(at) {
        return json!(req.prompt);
    }
    // The messages API refuses a text block of white space alone: such a rest goes with
    // the cached part.
    let (shared, rest) = match req.prompt.split_at(at) {
        (_, rest) if rest.trim().is_empty() => (req.prompt.as_str(), ""),
        split => split,
    };
    let mut blocks = vec![json!({
        "type": "text",
        "text": shared,
        "cache_control": {"type": "ephemeral"},
    })];
    if !rest.is_empty() {
        blocks.push(json!({"type": "text", "text": rest}));
    }
    json!(blocks)
}

/// Every input token of the request: Anthropic counts those it read from or wrote to its
/// prompt cache apart from `input_tokens`.
fn input_tokens(usage: Option<&Value>) -> u64 {
    count(usage, "input_tokens")
        .saturating_add(count(usage, "cache_creation_input_tokens"))
        .saturating_add(count(usage, "cache_read_input_tokens"))
        .min(super::MAX_REPORTED_TOKENS)
}

fn count(usage: Option<&Value>, field: &str) -> u64 {
    usage
        .and_then(|u| u.get(field))
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(super::MAX_REPORTED_TOKENS)
}
