//! The HTTP edge shared by the API providers: one POST, status and error mapping, SSE reading.

use std::time::{Duration, SystemTime};

use super::error::KeySent;
use super::retry::{parse_retry_after, retry_delay_in_body};
use super::settings::HttpSettings;
use super::sse::{SseEvent, SseParser};
use super::AgentError;

/// The most of a "streamed" body kept while no event has come in it, to be read as one
/// JSON answer: far more than any reply, far less than a runaway.
const MAX_WHOLE_BODY: usize = 64 << 20;

/// The most of an error's body read, for its message: a server that sends more than
/// that has said what it had to say.
const MAX_ERROR_BODY: usize = 1 << 20;

/// A configured client for one provider.
pub(crate) struct HttpClient {
    client: reqwest::Client,
    pub settings: HttpSettings,
}

/// How far a stream came: its text, the token counts the server reported, and whether
/// any event came at all (the server read the prompt).
pub(crate) struct Partial<'a> {
    pub text: &'a str,
    pub reported: (u64, u64),
    pub answered: bool,
}

/// Whether a stream handler wants more events.
pub(crate) enum Flow {
    More,
    Done,
}

impl HttpClient {
    pub fn new(settings: HttpSettings) -> Result<HttpClient, AgentError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            // A redirect is not followed: reqwest would send a custom key header
            // (Anthropic's `x-api-key`) on to whatever host it names, and turn the POST
            // of a 301 or 302 into a GET whose 404 blames the address ghost asked. The
            // user is told where the server points instead (see `post`).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout.min(Duration::from_secs(30)))
            .build()
            .map_err(|e| AgentError::Settings {
                reason: format!("cannot set up the HTTP client: {e}"),
            })?;
        Ok(HttpClient { client, settings })
    }

    /// `{base_url}/{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.settings.base_url, path)
    }

    /// POSTs a JSON `body`; any status but 2xx becomes an error carrying the server's message.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &[u8],
    ) -> Result<reqwest::Response, AgentError> {
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| self.map_err(url, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                // A relative one (`/v2/chat/completions`) read against the address asked.
                .map(|l| match reqwest::Url::parse(url).and_then(|u| u.join(l)) {
                    Ok(resolved) => self.scrub(resolved.as_str()),
                    Err(_) => self.scrub(l),
                });
            return Err(AgentError::Redirected {
                url: url.to_string(),
                status: status.as_u16(),
                location,
            });
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        // The body of an error is only for its message: a failure to read it is not the
        // error, and its first MB says all a message can.
        let body = match read_at_most(response, MAX_ERROR_BODY).await {
            Ok(Read::Whole(body) | Read::Longer(body)) => body,
            Err(_) => Vec::new(),
        };
        let retry_after = retry_after.or_else(|| retry_delay_in_body(&body));
        let message = self.scrub(&error_message(&body));
        let status = status.as_u16();
        Err(match status {
            401 | 403 => AgentError::Unauthorized {
                url: url.to_string(),
                status,
                message,
                key_var: self.settings.key_var.clone(),
                key: self.key_sent(),
            },
            _ => AgentError::Http {
                url: url.to_string(),
                status,
                message,
                retry_after,
            },
        })
    }

    /// The whole body of a successful response, refused past [`MAX_WHOLE_BODY`] without
    /// reading the rest (a runaway server or proxy would fill the memory).
    pub async fn body(
        &self,
        url: &str,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, AgentError> {
        match read_at_most(response, MAX_WHOLE_BODY).await {
            Ok(Read::Whole(body)) => Ok(body),
            Ok(Read::Longer(_)) => Err(self.too_long(url)),
            Err(e) => Err(self.map_err(url, e)),
        }
    }

    /// The error for an answer larger than any reply.
    fn too_long(&self, url: &str) -> AgentError {
        self.bad(
            url,
            format!(
                "more than {} MB without an end, far more than any reply",
                MAX_WHOLE_BODY >> 20
            ),
        )
    }

    /// Feeds each server-sent event of `response` to `on_event` until it says `Done` or the
    /// stream ends; the caller decides whether what it got is complete (see [`Self::cut`]).
    /// A body with no event in it at all (a server that answered a streamed request with
    /// one JSON body, under a content type that did not say so) is given back whole, for
    /// the caller to read as a non-streamed answer.
    pub async fn events(
        &self,
        url: &str,
        mut response: reqwest::Response,
        mut on_event: impl FnMut(SseEvent) -> Result<Flow, AgentError>,
    ) -> Result<Option<Vec<u8>>, AgentError> {
        let mut parser = SseParser::default();
        // The body so far, while no event has come (bounded like any body).
        let mut raw: Option<Vec<u8>> = Some(Vec::new());
        loop {
            let chunk = response.chunk().await.map_err(|e| self.map_err(url, e))?;
            if let (Some(kept), Some(bytes)) = (raw.as_mut(), &chunk) {
                kept.extend_from_slice(bytes);
                if kept.len() > MAX_WHOLE_BODY {
                    raw = None;
                }
            }
            // At the end, a last line without its newline was most likely cut off by the
            // network: if it does not read as an event, that is a cut (worth a retry),
            // not a bad answer.
            let unterminated = chunk.is_none() && parser.has_partial_line();
            let events = match &chunk {
                Some(bytes) => parser.push(bytes),
                None => parser.finish().into_iter().collect(),
            };
            // An event that never ends (a line without a line break, `data:` lines without
            // the blank line that closes them) is held whole: not past any reply's size.
            if parser.held() > MAX_WHOLE_BODY {
                return Err(self.too_long(url));
            }
            if !events.is_empty() {
                raw = None;
            }
            for event in events {
                match on_event(event) {
                    Ok(Flow::Done) => return Ok(None),
                    Ok(Flow::More) => {}
                    Err(_) if unterminated => return Err(self.cut(url)),
                    Err(e) => return Err(e),
                }
            }
            if chunk.is_none() {
                // Only a body that reads as JSON: one of keep-alive lines alone is a cut.
                let json = |r: &Vec<u8>| {
                    r.iter()
                        .find(|b| !b.is_ascii_whitespace())
                        .is_some_and(|b| *b == b'{' || *b == b'[')
                };
                return Ok(raw.filter(json));
            }
        }
    }

    /// Whether `response` is read as an event stream: asked for (`stream = true`) and
    /// not one whole body by its content type (JSON, or an HTML error page); or not asked
    /// for and said to be one all the same (a server or proxy that always streams), which
    /// read as JSON would be "invalid JSON" with nothing to act on.
    pub fn streams(&self, response: &reqwest::Response) -> bool {
        let kind = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.trim_start().to_ascii_lowercase())
            .unwrap_or_default();
        if self.settings.stream {
            !(kind.starts_with("application/json") || kind.starts_with("text/html"))
        } else {
            kind.starts_with("text/event-stream")
        }
    }

    /// A whole answer (`bytes`) read as JSON by `read` (the provider's reading of its
    /// wire format). A garbled one was paid for all the same, the server having read the
    /// prompt: counted in `spent`.
    pub fn read_whole<T>(
        &self,
        url: &str,
        bytes: &[u8],
        (request_bytes, spent): (usize, &super::Spent),
        read: impl FnOnce(&serde_json::Value) -> Result<T, AgentError>,
    ) -> Result<T, AgentError> {
        self.json(url, bytes)
            .and_then(|json| read(&json))
            .inspect_err(|_| {
                spent.cut_after(&String::from_utf8_lossy(bytes), (0, 0), request_bytes, true)
            })
    }

    /// What a stream read by [`Self::events`] (`ended`) came to: `Some` when it was one
    /// whole answer after all (read by `read`), `None` when it was a complete stream
    /// (`complete`: its end, or its finish reason, came), an error otherwise. A stream
    /// cut off, by an error or before its end, was paid for as far as it came (`partial`).
    pub fn stream_end<T>(
        &self,
        url: &str,
        ended: Result<Option<Vec<u8>>, AgentError>,
        (partial, complete): (Partial<'_>, bool),
        (request_bytes, spent): (usize, &super::Spent),
        read: impl FnOnce(&serde_json::Value) -> Result<T, AgentError>,
    ) -> Result<Option<T>, AgentError> {
        let paid_so_far = || {
            spent.cut_after(
                partial.text,
                partial.reported,
                request_bytes,
                partial.answered,
            )
        };
        match ended {
            Err(e) => {
                paid_so_far();
                Err(e)
            }
            // One JSON answer, under a content type that did not say so.
            Ok(Some(body)) => self
                .read_whole(url, &body, (request_bytes, spent), read)
                .map(Some),
            Ok(None) if complete => Ok(None),
            Ok(None) => {
                paid_so_far();
                Err(self.cut(url))
            }
        }
    }

    /// The error for a stream that ended before the reply was complete: the network cut
    /// it, so it is worth a retry.
    pub fn cut(&self, url: &str) -> AgentError {
        AgentError::Unreachable {
            url: url.to_string(),
            reason: "the event stream ended before the reply was complete".into(),
            connect: false,
        }
    }

    /// `bytes` as JSON, or a bad-answer error that says what came instead.
    pub fn json(&self, url: &str, bytes: &[u8]) -> Result<serde_json::Value, AgentError> {
        serde_json::from_slice(bytes).or_else(|e| {
            let text = String::from_utf8_lossy(bytes);
            // A body that is no UTF-8 (a local server that cut a character at a token's
            // end) is read as an event stream's lines are, the bytes that are no
            // character replaced: the reply was refused as "invalid JSON", with a hint
            // at the address, at every attempt.
            if let std::borrow::Cow::Owned(replaced) = &text {
                if let Ok(json) = serde_json::from_str(replaced) {
                    return Ok(json);
                }
            }
            let text = text.trim_start();
            if text.starts_with('<') {
                Err(self.bad(url, "an HTML page instead of JSON"))
            } else if text.is_empty() {
                Err(self.bad(url, "an empty body instead of JSON"))
            } else {
                Err(self.bad(url, format!("invalid JSON ({e})")))
            }
        })
    }

    /// A bad-answer error for `url`.
    pub fn bad(&self, url: &str, reason: impl Into<String>) -> AgentError {
        AgentError::BadResponse {
            url: url.to_string(),
            reason: self.scrub(&reason.into()),
        }
    }

    fn map_err(&self, url: &str, err: reqwest::Error) -> AgentError {
        if err.is_timeout() {
            return AgentError::Timeout {
                url: url.to_string(),
                timeout: self.settings.timeout,
            };
        }
        AgentError::Unreachable {
            url: url.to_string(),
            reason: self.scrub(&transport_reason(&err)),
            connect: err.is_connect(),
        }
    }

    /// Whether requests carry a key, and if not, why not.
    fn key_sent(&self) -> KeySent {
        match (&self.settings.key, self.settings.key_var_set) {
            (Some(_), _) => KeySent::Yes,
            (None, true) => KeySent::Empty,
            (None, false) => KeySent::Unset,
        }
    }

    /// `text` with the key blanked out, in case a server echoes it back.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.settings.key {
            Some(key) => scrub_key(text, key),
            None => text.to_string(),
        }
    }
}

/// Keys shorter than this are a local server's placeholder (`test`, `none`, `EMPTY`), no
/// secret: blanked out only where they stand as a word of their own.
const SHORT_KEY: usize = 16;

/// `text` with `key` blanked out: everywhere, or for a short key (see [`SHORT_KEY`]) only
/// where no letter or digit touches it, so that the server's words around it stay
/// readable (a key `test` turned "latest" into "la<api key>").
fn scrub_key(text: &str, key: &str) -> String {
    if key.is_empty() {
        return text.to_string();
    }
    if key.len() >= SHORT_KEY {
        return text.replace(key, "<api key>");
    }
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        let (before, after) = (&rest[..at], &rest[at + key.len()..]);
        out.push_str(before);
        let touched = word(before.chars().next_back())
            || word(after.chars().next())
            || (before.is_empty() && word(out.chars().next_back()));
        out.push_str(if touched { key } else { "<api key>" });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// What went wrong on the way to the server, in words a user can act on. reqwest's own
/// layers say little and repeat the URL (`error sending request for url (...): client
/// error (Connect): tcp connect error: Connection refused (os error 111)`): the cause
/// (refused, reset, a name that does not resolve) is what matters, said once.
fn transport_reason(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    let mut layers = Vec::new();
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(said) = e.downcast_ref::<std::io::Error>().and_then(io_reason) {
            return said.to_string();
        }
        layers.push(e.to_string());
        innermost = e;
        cause = e.source();
    }
    let last = innermost.to_string();
    if layers.iter().any(|l| l.starts_with("dns error")) {
        return format!("the host name does not resolve ({last})");
    }
    last
}

/// The few kinds of network failure worth their own words.
fn io_reason(e: &std::io::Error) -> Option<&'static str> {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionRefused => Some("connection refused"),
        ErrorKind::ConnectionReset => Some("the server reset the connection"),
        ErrorKind::ConnectionAborted => Some("the connection was aborted"),
        ErrorKind::NotConnected | ErrorKind::BrokenPipe => Some("the connection was closed"),
        ErrorKind::AddrNotAvailable => Some("the address is not available on this machine"),
        _ => None,
    }
}

/// A temperature as JSON the way it was written: `0.2f32` widened to `f64` would be sent as
/// `0.20000000298023224`, which is noise in logs and in the cache key.
pub(crate) fn temperature(t: f32) -> serde_json::Value {
    t.to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The message of an error body: the API's `error.message` (OpenAI and Anthropic both use
/// it), a note for HTML pages (a proxy or a wrong URL), or the start of the text.
/// A body read up to a size: all of it, or its first `max` bytes when there is more.
enum Read {
    Whole(Vec<u8>),
    Longer(Vec<u8>),
}

/// The body of `response`, read chunk by chunk and no further than `max` bytes.
async fn read_at_most(mut response: reqwest::Response, max: usize) -> Result<Read, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            body.truncate(max);
            return Ok(Read::Longer(body));
        }
    }
    Ok(Read::Whole(body))
}

pub(crate) fn error_message(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        // Google's APIs answer some errors as a list of one (`[{"error": ..}]`).
        let json = match json {
            serde_json::Value::Array(mut list) if !list.is_empty() => list.swap_remove(0),
            other => other,
        };
        let message = json
            .pointer("/error/message")
            .or_else(|| json.get("message"))
            .or_else(|| json.get("error"))
            .or_else(|| json.get("detail"));
        if let Some(message) = message {
            return match message.as_str() {
                Some(s) => s.to_string(),
                None => message.to_string(),
            };
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(no message)".into();
    }
    if text.starts_with('<') {
        return "the server sent an HTML page, not an API error".into();
    }
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push_str("...");
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_key_is_blanked_out_only_as_a_word_of_its_own() {
        assert_eq!(
            scrub_key("model `latest` is no test model; key test refused", "test"),
            "model `latest` is no test model; key test refused"
                .replace(" test ", " <api key> ")
                .replace("key test", "key <api key>")
        );
        assert_eq!(scrub_key("testtest test", "test"), "testtest <api key>");
        assert_eq!(scrub_key("k", "k"), "<api key>");
        let long = "sk-0123456789abcdef";
        assert_eq!(
            scrub_key(&format!("Bearer{long}x and {long}"), long),
            "Bearer<api key>x and <api key>"
        );
        assert_eq!(scrub_key("anything", ""), "anything");
    }

    #[test]
    fn temperatures_keep_their_decimal_form() {
        assert_eq!(temperature(0.2).to_string(), "0.2");
        assert_eq!(temperature(0.0).to_string(), "0.0");
        assert!(temperature(f32::NAN).is_null());
    }

    /// An error with a cause, as reqwest's and hyper's layers nest them.
    #[derive(Debug)]
    struct Layer(
        &'static str,
        Option<Box<dyn std::error::Error + Send + Sync>>,
    );

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn transport_errors_are_said_by_their_cause() {
        let refused = Layer(
            "error sending request for url (http://127.0.0.1:9/v1/chat/completions)",
            Some(Box::new(Layer(
                "client error (Connect)",
                Some(Box::new(Layer(
                    "tcp connect error",
                    Some(Box::new(std::io::Error::from(
                        std::io::ErrorKind::ConnectionRefused,
                    ))),
                ))),
            ))),
        );
        assert_eq!(transport_reason(&refused), "connection refused");
        let dns = Layer(
            "client error (Connect)",
            Some(Box::new(Layer(
                "dns error",
                Some(Box::new(std::io::Error::other(
                    "failed to lookup address information: Name or service not known",
                ))),
            ))),
        );
        assert_eq!(
            transport_reason(&dns),
            "the host name does not resolve (failed to lookup address information: Name or service not known)"
        );
        let other = Layer(
            "client error",
            Some(Box::new(Layer(
                "connection closed before message completed",
                None,
            ))),
        );
        assert_eq!(
            transport_reason(&other),
            "connection closed before message completed"
        );
    }

    #[test]
    fn error_messages_from_json_html_and_text() {
        assert_eq!(
            error_message(br#"{"error":{"message":"model not found","type":"x"}}"#),
            "model not found"
        );
        assert_eq!(error_message(br#"{"detail":"nope"}"#), "nope");
        assert_eq!(
            error_message(br#"[{"error":{"code":400,"message":"Unknown name \"seed\""}}]"#),
            "Unknown name \"seed\""
        );
        assert!(error_message(b"<html><body>502</body></html>").contains("HTML"));
        assert_eq!(error_message(b""), "(no message)");
        assert_eq!(error_message(b"upstream down"), "upstream down");
    }
}
