//! The OpenAI-compatible provider: `POST {base_url}/chat/completions`, streamed or not.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use super::http::{Flow, HttpClient, Partial};
use super::retry::with_retries;
use super::settings::HttpSettings;
use super::{AgentError, Finish, Provider, Reply, Request, Spent};

/// A chat-completions client (OpenAI, or any server that speaks its API: vLLM, llama.cpp,
/// Ollama, LM Studio, ...).
pub struct OpenAi {
    http: HttpClient,
    /// Parameters the model refused ("Unsupported parameter: 'stop'", as OpenAI's
    /// reasoning models answer to `stop`, a `temperature` but 1, or `max_tokens`): left out
    /// of every later request (`max_tokens` sent as `max_completion_tokens`).
    refused: Mutex<BTreeSet<String>>,
}

/// The parameters ghost sends that a model may refuse, and ghost can do without.
const OPTIONAL_PARAMETERS: [&str; 5] = [
    "temperature",
    "stop",
    "max_tokens",
    "seed",
    "stream_options",
];

/// The parameter a 400 answer says the model does not support, if it is one ghost can
/// leave out.
fn unsupported_parameter(e: &AgentError) -> Option<&'static str> {
    // 400 from OpenAI and most servers; 422 from those that validate the body against a
    // schema (Mistral's `extra_forbidden`: "Extra inputs are not permitted").
    let message = match e {
        AgentError::Http {
            status: 400 | 422,
            message,
            ..
        } => message.to_ascii_lowercase(),
        AgentError::GaveUp { source, .. } | AgentError::Paid { source, .. } => {
            return unsupported_parameter(source)
        }
        _ => return None,
    };
    // Gemini: `Unknown name "seed": Cannot find field`; Azure: `Unrecognized request
    // argument supplied: stream_options` (the name unquoted, last).
    const REFUSALS: [&str; 8] = [
        "unsupported parameter",
        "unsupported value",
        "not supported",
        "extra_forbidden",
        "extra inputs are not permitted",
        "unknown name",
        "unknown parameter",
        "unrecognized request argument",
    ];
    if !REFUSALS.iter().any(|r| message.contains(r)) {
        return None;
    }
    OPTIONAL_PARAMETERS.into_iter().find(|p| {
        message.contains(&format!("'{p}'"))
            || message.contains(&format!("`{p}`"))
            || message.contains(&format!("\"{p}\""))
            || message
                .trim_end_matches(['.', ' '])
                .ends_with(&format!(": {p}"))
    })
}

impl OpenAi {
    pub(crate) fn new(settings: HttpSettings) -> Result<OpenAi, AgentError> {
        Ok(OpenAi {
            http: HttpClient::new(settings)?,
            refused: Mutex::new(BTreeSet::new()),
        })
    }

    /// The parameters refused so far, left out of the next request.
    fn refused(&self) -> BTreeSet<String> {
        self.refused.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The request body: the prompt as one user message, without the `refused` parameters.
    fn body(&self, req: &Request, refused: &BTreeSet<String>) -> Value {
        let s = &self.http.settings;
        let mut body = json!({
            "model": s.model,
            "messages": [{"role": "user", "content": req.prompt}],
            "temperature": super::http::temperature(req.temperature),
        });
        if let Some(max) = req.max_tokens {
            body["max_tokens"] = json!(max);
        }
        if !req.stop.is_empty() {
            body["stop"] = json!(req.stop);
        }
        if let Some(seed) = req.seed {
            body["seed"] = json!(seed);
        }
        if s.stream {
            body["stream"] = json!(true);
            body["stream_options"] = json!({"include_usage": true});
        }
        if let Some(fields) = body.as_object_mut() {
            for p in refused {
                let value = fields.remove(p);
                if let (Some(v), "max_tokens") = (value, p.as_str()) {
                    fields.insert("max_completion_tokens".into(), v);
                }
            }
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
        let mut headers = Vec::new();
        if let Some(key) = &self.http.settings.key {
            headers.push(("authorization", format!("Bearer {key}")));
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

    /// An error the server reported inside a successful answer (mid-stream, or a whole
    /// body of status 200: OpenRouter's), as the HTTP error it stands for: its own code
    /// when it gives one, 400 for a prompt too long for the model's context (so the next
    /// prompt is cut to fit), 500 otherwise (retried, as a server's failure).
    fn reported(&self, url: &str, error: &Value, when: &str) -> AgentError {
        let message = match error.get("message").unwrap_or(error) {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let code = error
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| (400..600).contains(c));
        let error = |status: u16| AgentError::Http {
            url: url.to_string(),
            status,
            message: self
                .http
                .scrub(&format!("the server reported an error {when}: {message}")),
            retry_after: None,
        };
        if let Some(status) = code {
            return error(status);
        }
        // A prompt too long as the HTTP errors say it, or the server's failure.
        let as_400 = error(400);
        if as_400.is_context_overflow() {
            as_400
        } else {
            error(500)
        }
    }

    /// A non-streamed answer.
    fn whole(&self, url: &str, json: &Value) -> Result<Reply, AgentError> {
        if json.get("choices").is_none() {
            if let Some(error) = reported_error(json, None) {
                return Err(self.reported(url, error, "in its answer"));
            }
        }
        let choice = json
            .pointer("/choices/0")
            .ok_or_else(|| self.http.bad(url, "no `choices` in the answer"))?;
        let message = choice
            .get("message")
            .ok_or_else(|| self.http.bad(url, "no `choices[0].message` in the answer"))?;
        // `content` is null when the model only refused or called a tool: an empty reply,
        // which extraction reports as having no code (with the refusal's words, if any).
        // Some servers give it as a list of parts (`[{"type": "text", "text": ..}]`).
        let mut text = match message.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect(),
            Some(other) => {
                return Err(self
                    .http
                    .bad(url, format!("`content` is not text: {other}")))
            }
        };
        let mut finish = finish(choice.get("finish_reason"));
        if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
            if text.trim().is_empty() {
                (text, finish) = (refusal.to_string(), Finish::Refused);
            }
        }
        let (tokens_in, tokens_out) = usage(json.get("usage"));
        let reasoning: usize = ["reasoning_content", "reasoning"]
            .iter()
            .filter_map(|f| message.get(*f).and_then(Value::as_str))
            .map(|r| r.chars().count())
            .sum();
        Ok(Reply {
            tokens_out: with_thinking(tokens_out, &text, reasoning),
            text,
            tokens_in,
            cached_in: cached_tokens(json.get("usage")),
            finish,
            latency_ms: 0,
            cached: false,
        })
    }

    /// A streamed answer: `data:` chunks with `choices[0].delta.content`, usage in the last
    /// chunk (`stream_options.include_usage`), then `[DONE]`.
    /// Servers that send no usage in a stream (llama.cpp's, some proxies) get their
    /// tokens estimated by `once` (see `Reply::estimate_unreported_tokens`).
    async fn streamed(
        &self,
        url: &str,
        response: reqwest::Response,
        (request_bytes, cap_chars): (usize, usize),
        spent: &Spent,
    ) -> Result<Reply, AgentError> {
        let mut text = String::new();
        // Characters of thinking (`reasoning_content`), counted where usage is not sent.
        let mut reasoning_chars = 0usize;
        // A refusal's words (`delta.refusal`), the reply when there is no content.
        let mut refusal = String::new();
        // Whether any event came: the server read the prompt.
        let mut answered = false;
        let mut finish_reason: Option<Value> = None;
        let mut tokens = (0, 0);
        let mut cached_in = 0;
        let mut done = false;
        let whole = self
            .http
            .events(url, response, |event| {
                answered = true;
                if event.data.trim() == "[DONE]" {
                    done = true;
                    return Ok(Flow::Done);
                }
                let chunk = self.http.json(url, event.data.as_bytes())?;
                if let Some(error) = reported_error(&chunk, event.event.as_deref()) {
                    return Err(self.reported(url, error, "mid-stream"));
                }
                if let Some(choice) = chunk.pointer("/choices/0") {
                    // DeepSeek's and OpenRouter's thinking: not the answer, but paid for.
                    for field in ["/delta/reasoning_content", "/delta/reasoning"] {
                        if let Some(piece) = choice.pointer(field).and_then(Value::as_str) {
                            reasoning_chars += piece.chars().count();
                        }
                    }
                    if let Some(piece) = choice.pointer("/delta/content").and_then(Value::as_str) {
                        text.push_str(piece);
                    }
                    if let Some(piece) = choice.pointer("/delta/refusal").and_then(Value::as_str) {
                        refusal.push_str(piece);
                    }
                    // A server that does not stop (in its answer, its refusal or its
                    // thinking): cut as a reply that hit its limit.
                    if text.len() + refusal.len() + reasoning_chars > cap_chars {
                        finish_reason = Some(Value::from("length"));
                        return Ok(Flow::Done);
                    }
                    if let Some(reason) = choice.get("finish_reason").filter(|r| !r.is_null()) {
                        finish_reason = Some(reason.clone());
                    }
                }
                if chunk.get("usage").is_some_and(|u| !u.is_null()) {
                    tokens = usage(chunk.get("usage"));
                    cached_in = cached_tokens(chunk.get("usage"));
                }
                Ok(Flow::More)
            })
            .await;
        let partial = Partial {
            text: &text,
            reported: tokens,
            answered,
        };
        // Some servers end the stream without `[DONE]`; a finish reason is proof enough.
        let complete = done || finish_reason.is_some();
        let paid = (request_bytes, spent);
        let read = |json: &Value| self.whole(url, json);
        if let Some(reply) = self
            .http
            .stream_end(url, whole, (partial, complete), paid, read)?
        {
            return Ok(reply);
        }
        // `[DONE]` without a finish reason: the server ended the reply as a whole one.
        let finish_reason = finish_reason.or_else(|| done.then(|| Value::from("stop")));
        let mut finish = finish(finish_reason.as_ref());
        if text.trim().is_empty() && !refusal.trim().is_empty() {
            (text, finish) = (refusal, Finish::Refused);
        }
        Ok(Reply {
            tokens_out: with_thinking(tokens.1, &text, reasoning_chars),
            text,
            tokens_in: tokens.0,
            cached_in,
            finish,
            latency_ms: 0,
            cached: false,
        })
    }
}

#[async_trait::async_trait]
impl Provider for OpenAi {
    async fn complete(&self, req: &Request) -> Result<Reply, AgentError> {
        let url = self.http.url("chat/completions");
        let s = &self.http.settings;
        // Streams cut off in any pass of the loop were paid for.
        let spent = Spent::default();
        loop {
            // What this request leaves out: a parameter another request found refused
            // meanwhile is still in this body, and its refusal is retried below too.
            let left_out = self.refused();
            let body = serde_json::to_vec(&self.body(req, &left_out))
                .expect("a JSON value always serialises");
            let result = with_retries(&s.retry, s.sleeper.as_ref(), || {
                self.once(&url, &body, super::reply_chars_cap(req.max_tokens), &spent)
            })
            .await;
            // A model that thinks aloud in its reply (`<think>` in the content: a server
            // run without a reasoning parser) meets the stop sequence in a draft inside its
            // thinking: asked again without it, for the rest of the build. The reply cut
            // short was paid for all the same.
            if let Ok(reply) = &result {
                let stopped = reply.finish == super::Finish::Stop && !req.stop.is_empty();
                if stopped && thinking_cut_short(&reply.text) && !left_out.contains("stop") {
                    let own = (reply.tokens_in, reply.tokens_out);
                    spent.cut_after(&reply.text, own, body.len(), true);
                    if let Ok(mut r) = self.refused.lock() {
                        r.insert("stop".to_string());
                    }
                    continue;
                }
            }
            let result = spent.charge(result);
            // A model that refuses a parameter ghost can do without is asked again without
            // it (a parameter left out is never refused again: the loop ends).
            if let Err(e) = &result {
                if let Some(p) = unsupported_parameter(e).filter(|p| !left_out.contains(*p)) {
                    if let Ok(mut r) = self.refused.lock() {
                        r.insert(p.to_string());
                    }
                    continue;
                }
            }
            return result;
        }
    }

    fn cache_material(&self, req: &Request) -> Option<Vec<u8>> {
        let s = &self.http.settings;
        Some(super::cache::material(s, &self.body(req, &self.refused())))
    }
}

/// The error object in an answer: `{"error": {..}}` (OpenAI, OpenRouter), the object
/// itself when it says it is one (`{"object": "error", ..}`, older vLLM) or came as an
/// `error` event (llama.cpp).
fn reported_error<'a>(json: &'a Value, event: Option<&str>) -> Option<&'a Value> {
    if let Some(error) = json.get("error").filter(|e| !e.is_null()) {
        return Some(error);
    }
    let is_error =
        event == Some("error") || json.get("object").and_then(Value::as_str) == Some("error");
    is_error.then_some(json)
}

/// The output tokens of a reply with `reasoning` characters of thinking
/// (`reasoning_content`): as reported, or where nothing was, estimated at four characters
/// a token with the thinking counted in (its prompt is estimated with every reply's, in
/// `Reply::estimate_unreported_tokens`).
fn with_thinking(reported: u64, text: &str, reasoning: usize) -> u64 {
    if reported == 0 && reasoning > 0 {
        (text.chars().count() + reasoning).div_ceil(4) as u64
    } else {
        reported
    }
}

/// A reply that opens a `<think>` block and never closes it: the stop sequence, or the
/// reply's end, came while the model was still thinking.
pub(crate) fn thinking_cut_short(text: &str) -> bool {
    text.trim_start().starts_with("<think>") && !text.contains("</think>")
}

fn finish(reason: Option<&Value>) -> Finish {
    match reason.and_then(Value::as_str) {
        // Text Generation Inference says which way it stopped.
        Some("stop" | "stop_sequence" | "eos_token" | "eos") => Finish::Stop,
        Some("length") => Finish::Length,
        Some("content_filter") => Finish::Filtered,
        Some(other) => Finish::Other(other.to_string()),
        None => Finish::Other("unknown".into()),
    }
}

/// Of the prompt's tokens, those the server read from its prompt cache (OpenAI caches a
/// prompt's opening of 1,024 tokens or more by itself; they are part of `prompt_tokens`).
fn cached_tokens(usage: Option<&Value>) -> u64 {
    usage
        .and_then(|u| u.pointer("/prompt_tokens_details/cached_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(super::MAX_REPORTED_TOKENS)
}

fn usage(usage: Option<&Value>) -> (u64, u64) {
    let get = |field: &str| {
        usage
            .and_then(|u| u.get(field))
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(super::MAX_REPORTED_TOKENS)
    };
    (get("prompt_tokens"), get("completion_tokens"))
}
