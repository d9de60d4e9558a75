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
    let message = match e {
        AgentError::Http {
            status: 400,
            message,
            ..
        } => message.to_ascii_lowercase(),
        AgentError::GaveUp { source, .. } | AgentError::Paid { source, .. } => {
            return unsupported_parameter(source)
        }
        _ => return None,
    };
    if !(message.contains("unsupported parameter")
        || message.contains("unsupported value")
        || message.contains("not supported"))
    {
        return None;
    }
    OPTIONAL_PARAMETERS.into_iter().find(|p| {
        message.contains(&format!("'{p}'"))
            || message.contains(&format!("`{p}`"))
            || message.contains(&format!("\"{p}\""))
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
        // A server may answer a streamed request with one JSON body (or an error page):
        // read as what it is, not as a broken event stream.
        let mut reply = if self.http.settings.stream && !HttpClient::whole_body(&response) {
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

    /// A non-streamed answer.
    fn whole(&self, url: &str, json: &Value) -> Result<Reply, AgentError> {
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
        if let Some(refusal) = message.get("refusal").and_then(Value::as_str) {
            if text.trim().is_empty() {
                text = format!("(the model refused: {refusal})");
            }
        }
        let (tokens_in, tokens_out) = usage(json.get("usage"));
        Ok(Reply {
            text,
            tokens_in,
            tokens_out,
            cached_in: cached_tokens(json.get("usage")),
            finish: finish(choice.get("finish_reason")),
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
                if let Some(error) = chunk.get("error") {
                    let message = error.get("message").unwrap_or(error);
                    return Err(self.http.bad(
                        url,
                        format!("the server reported an error mid-stream: {message}"),
                    ));
                }
                if let Some(choice) = chunk.pointer("/choices/0") {
                    if let Some(piece) = choice.pointer("/delta/content").and_then(Value::as_str) {
                        text.push_str(piece);
                        // A server that does not stop: cut as a reply that hit its limit.
                        if text.len() > cap_chars {
                            finish_reason = Some(Value::from("length"));
                            return Ok(Flow::Done);
                        }
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
        Ok(Reply {
            text,
            tokens_in: tokens.0,
            tokens_out: tokens.1,
            cached_in,
            finish: finish(finish_reason.as_ref()),
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

fn finish(reason: Option<&Value>) -> Finish {
    match reason.and_then(Value::as_str) {
        Some("stop") => Finish::Stop,
        Some("length") => Finish::Length,
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
