//! Replies in the providers' wire formats, shaped after the request they answer: OpenAI
//! chat completions or Anthropic messages (by the request's path), streamed as server-sent
//! events or whole (by the request's `stream` field).

use super::server::{Answer, Seen};
use serde_json::json;

/// Why the scripted model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// It finished its answer.
    Done,
    /// It hit its token limit (`length`, `max_tokens`).
    Cut,
}

/// A reply holding `code` in one ```rust block.
pub fn code(seen: &Seen, code: &str) -> Answer {
    text(
        seen,
        &format!("Here it is:\n```rust\n{code}```\n"),
        Stop::Done,
    )
}

/// A reply with `text` as the model's answer, in the format `seen` asked for.
/// Like a real server, the text ends before the first stop sequence the request names
/// (`stop` or `stop_sequences`), which is left out.
pub fn text(seen: &Seen, text: &str, stop: Stop) -> Answer {
    let streamed = seen.json()["stream"] == json!(true);
    let body = seen.json();
    let stops = body
        .get("stop")
        .or_else(|| body.get("stop_sequences"))
        .and_then(|s| s.as_array().cloned())
        .unwrap_or_default();
    let cut = stops
        .iter()
        .filter_map(|s| s.as_str())
        .filter_map(|s| text.find(s))
        .min();
    let text = match cut {
        Some(at) if stop == Stop::Done => &text[..at],
        _ => text,
    };
    if seen.path.ends_with("/messages") {
        anthropic(text, stop, streamed)
    } else {
        openai(text, stop, streamed)
    }
}

fn openai(text: &str, stop: Stop, streamed: bool) -> Answer {
    let finish = match stop {
        Stop::Done => "stop",
        Stop::Cut => "length",
    };
    let usage = json!({"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120});
    if !streamed {
        let body = json!({
            "id": "x",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": usage,
        });
        return Answer::json(200, &body.to_string());
    }
    let data = |v: serde_json::Value| format!("data: {v}\n\n");
    let (a, b) = halves(text);
    let mut chunks: Vec<String> = [a, b]
        .iter()
        .map(|piece| data(json!({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]})))
        .collect();
    chunks.push(data(
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}),
    ));
    chunks.push(data(json!({"choices": [], "usage": usage})));
    chunks.push("data: [DONE]\n\n".into());
    Answer::Sse(chunks)
}

fn anthropic(text: &str, stop: Stop, streamed: bool) -> Answer {
    let reason = match stop {
        Stop::Done => "end_turn",
        Stop::Cut => "max_tokens",
    };
    if !streamed {
        let body = json!({
            "id": "msg", "type": "message", "role": "assistant",
            "content": [{"type": "text", "text": text}],
            "stop_reason": reason,
            "usage": {"input_tokens": 100, "output_tokens": 20},
        });
        return Answer::json(200, &body.to_string());
    }
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let (a, b) = halves(text);
    let mut chunks = vec![
        event(
            "message_start",
            json!({"type": "message_start", "message": {"usage": {"input_tokens": 100, "output_tokens": 1}}}),
        ),
        event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
    ];
    for piece in [a, b] {
        chunks.push(event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})));
    }
    chunks.push(event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    chunks.push(event("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": reason}, "usage": {"output_tokens": 20}})));
    chunks.push(event("message_stop", json!({"type": "message_stop"})));
    Answer::Sse(chunks)
}

/// `text` in two pieces, cut at a character boundary, so a stream has more than one delta.
fn halves(text: &str) -> (&str, &str) {
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    text.split_at(mid)
}
