//! The agent stage against a real scripted HTTP server on 127.0.0.1 and real agent scripts.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::server::{Answer, Server};
use ghost::agent::cache::{CachedProvider, ResponseCache};
use ghost::agent::command::run_command;
use ghost::agent::extract::{extract_code, ExtractError};
use ghost::agent::retry::Sleeper;
use ghost::agent::{
    provider_from, provider_from_with, AgentError, AgentSettings, Finish, Provider, ProviderKind,
    Request,
};

const KEY_VAR: &str = "GHOST_TEST_KEY";
const KEY: &str = "sk-test-SECRET";

fn settings(kind: ProviderKind, base_url: &str, stream: bool) -> AgentSettings {
    AgentSettings {
        provider: kind,
        model: "test-model".into(),
        base_url: Some(base_url.into()),
        api_key_env: Some(KEY_VAR.into()),
        command: None,
        command_base: None,
        timeout: Duration::from_secs(20),
        max_retries: 3,
        retry_base_delay: Duration::from_millis(1),
        stream,
    }
}

fn env(var: &str) -> Option<String> {
    (var == KEY_VAR).then(|| KEY.to_string())
}

fn provider(kind: ProviderKind, server: &Server, stream: bool) -> Box<dyn Provider> {
    provider_from(&settings(kind, &server.base_url, stream), &env).expect("a provider")
}

fn request(prompt: &str) -> Request {
    Request {
        module: "shapes.area".into(),
        prompt: prompt.into(),
        temperature: 0.0,
        max_tokens: None,
        stop: Vec::new(),
        seed: None,
        cache_prefix: 0,
    }
}

const CODE_REPLY: &str = "Here it is:\n```rust\npub fn area() -> i64 { 1 }\n```\n";

fn openai_body(content: &str, finish: &str) -> String {
    serde_json::json!({
        "id": "x",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}
    })
    .to_string()
}

fn anthropic_body(text: &str, stop: &str) -> String {
    serde_json::json!({
        "id": "msg", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop,
        "usage": {"input_tokens": 13, "output_tokens": 5}
    })
    .to_string()
}

/// Records the delays the retries asked for, without waiting.
#[derive(Default)]
struct Recorder(Mutex<Vec<Duration>>);

#[async_trait::async_trait]
impl Sleeper for Recorder {
    async fn sleep(&self, delay: Duration) {
        self.0.lock().expect("not poisoned").push(delay);
    }
}

#[tokio::test]
async fn openai_non_streamed() {
    let server = Server::start(vec![Answer::json(200, &openai_body(CODE_REPLY, "stop"))]).await;
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!((reply.tokens_in, reply.tokens_out), (11, 7));
    assert_eq!(reply.finish, Finish::Stop);
    assert!(!reply.cached);
    assert_eq!(
        extract_code(&reply.text, &reply.finish).expect("code"),
        "pub fn area() -> i64 { 1 }\n"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/v1/chat/completions");
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer sk-test-SECRET")
    );
    let body = seen[0].json();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["messages"][0]["role"], "user");
    assert_eq!(body["messages"][0]["content"], "write area");
    assert!(body.get("stream").is_none());
}

/// A server that answers a streamed request with one JSON body under a content type that
/// does not say so (`text/plain`) is read as a non-streamed answer, for both wire formats,
/// not as a stream cut off (retried five times, its tokens lost).
#[tokio::test]
async fn a_json_body_to_a_streamed_request_is_read_as_json() {
    for (kind, body) in [
        (ProviderKind::OpenAi, openai_body(CODE_REPLY, "stop")),
        (
            ProviderKind::Anthropic,
            anthropic_body(CODE_REPLY, "end_turn"),
        ),
    ] {
        let answer = Answer::Full {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into_bytes(),
        };
        let server = Server::start(vec![answer]).await;
        let reply = provider(kind, &server, true)
            .complete(&request("write area"))
            .await
            .expect("a reply");
        assert_eq!(reply.text, CODE_REPLY, "{kind:?}");
        assert!(reply.tokens_in > 0 && reply.tokens_out > 0, "{kind:?}");
        assert_eq!(server.seen().len(), 1, "no retry");
    }
}

/// A model that refuses parameters ghost can do without (OpenAI's reasoning models refuse
/// `stop`, a `temperature` but 1 and `max_tokens`) is asked again without each, and the
/// next request leaves them out from the start.
#[tokio::test]
async fn parameters_the_model_refuses_are_left_out() {
    let refuse = |message: &str| {
        Answer::json(
            400,
            &serde_json::json!({"error": {"message": message, "type": "invalid_request_error"}})
                .to_string(),
        )
    };
    let server = Server::start(vec![
        refuse("Unsupported parameter: 'stop' is not supported with this model."),
        refuse("Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported."),
        refuse("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."),
        Answer::json(200, &openai_body(CODE_REPLY, "stop")),
        Answer::json(200, &openai_body(CODE_REPLY, "stop")),
    ])
    .await;
    let openai = provider(ProviderKind::OpenAi, &server, false);
    let mut req = request("write area");
    req.max_tokens = Some(100);
    req.stop = vec!["\n```\n".into()];
    let reply = openai.complete(&req).await.expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    let last = seen[3].json();
    for gone in ["stop", "temperature", "max_tokens"] {
        assert!(last.get(gone).is_none(), "{gone} left out: {last}");
    }
    assert_eq!(last["max_completion_tokens"], 100);
    openai.complete(&req).await.expect("a second reply");
    let second = server.seen()[4].json();
    assert!(second.get("stop").is_none() && second.get("temperature").is_none());
}

/// Gemini's way of refusing a field (`Unknown name "seed"`, a 400 in a list) and Azure's
/// (`Unrecognized request argument supplied: stream_options`) leave it out too.
#[tokio::test]
async fn other_servers_ways_of_refusing_a_parameter_are_read() {
    let refuse = |message: &str| {
        Answer::json(
            400,
            &serde_json::json!({"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}})
                .to_string(),
        )
    };
    let server = Server::start(vec![
        refuse("Invalid JSON payload received. Unknown name \"seed\": Cannot find field."),
        refuse("Unrecognized request argument supplied: stream_options"),
        Answer::Sse(vec![
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"```rust\\npub fn area() -> i64 { 1 }\\n```\"},\"finish_reason\":\"stop\"}]}\n\n".into(),
            "data: [DONE]\n\n".into(),
        ]),
    ])
    .await;
    let mut req = request("write area");
    req.seed = Some(3);
    let reply = provider(ProviderKind::OpenAi, &server, true)
        .complete(&req)
        .await
        .expect("a reply");
    assert_eq!(reply.finish, Finish::Stop);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].json()["seed"], 3);
    let last = seen[2].json();
    assert!(
        last.get("seed").is_none() && last.get("stream_options").is_none(),
        "{last}"
    );
}

#[tokio::test]
async fn openai_streamed() {
    let chunk = |content: &str| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        )
    };
    let server = Server::start(vec![Answer::Sse(vec![
        ": keep-alive\n\n".into(),
        chunk("```rust\npub fn area()"),
        chunk(" -> i64 { 1 }\n```"),
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n".into(),
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":9}}\n\n"
            .into(),
        "data: [DONE]\n\n".into(),
    ])])
    .await;
    let reply = provider(ProviderKind::OpenAi, &server, true)
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, "```rust\npub fn area() -> i64 { 1 }\n```");
    assert_eq!((reply.tokens_in, reply.tokens_out), (21, 9));
    assert_eq!(reply.finish, Finish::Stop);
    let body = server.seen()[0].json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

/// A server (or a proxy) that streams whatever it is asked: an event stream answering a
/// request with `stream = false` is read as one, not refused as "invalid JSON".
#[tokio::test]
async fn an_event_stream_answering_a_whole_request_is_read_as_what_it_is() {
    let openai = Server::start(vec![Answer::Sse(vec![
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"```rust\\nfn a() {}\\n```\"},\"finish_reason\":\"stop\"}]}\n\n".into(),
        "data: [DONE]\n\n".into(),
    ])])
    .await;
    let reply = provider(ProviderKind::OpenAi, &openai, false)
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, "```rust\nfn a() {}\n```");
    assert_eq!(reply.finish, Finish::Stop);
    assert_eq!(openai.seen()[0].json().get("stream"), None);
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let anthropic = Server::start(vec![Answer::Sse(vec![
        event("message_start", serde_json::json!({"type": "message_start", "message": {"usage": {"input_tokens": 3}}})),
        event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": CODE_REPLY}})),
        event("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 4}})),
        event("message_stop", serde_json::json!({"type": "message_stop"})),
    ])])
    .await;
    let reply = provider(ProviderKind::Anthropic, &anthropic, false)
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!((reply.tokens_in, reply.tokens_out), (3, 4));
}

/// `content` as a list of parts is the text of its parts; a refusal's words are the reply
/// when there is no content, which finished as `Refused` (the build says so, quoting it).
#[tokio::test]
async fn openai_content_parts_and_refusals_are_read() {
    let parts = serde_json::json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": [
            {"type": "text", "text": "```rust\npub fn area()"},
            {"type": "text", "text": " -> i64 { 1 }\n```"}
        ]}, "finish_reason": "stop"}],
    })
    .to_string();
    let refusal = serde_json::json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
            "refusal": "I cannot help with that."}, "finish_reason": "stop"}],
    })
    .to_string();
    let server = Server::start(vec![Answer::json(200, &parts), Answer::json(200, &refusal)]).await;
    let openai = provider(ProviderKind::OpenAi, &server, false);
    let reply = openai
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, "```rust\npub fn area() -> i64 { 1 }\n```");
    let reply = openai
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, "I cannot help with that.");
    assert_eq!(reply.finish, Finish::Refused);

    let refusing = Server::start(vec![Answer::Sse(vec![
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I cannot \"},\"finish_reason\":null}]}\n\n".into(),
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"help.\"},\"finish_reason\":\"stop\"}]}\n\n".into(),
        "data: [DONE]\n\n".into(),
    ])])
    .await;
    let reply = provider(ProviderKind::OpenAi, &refusing, true)
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, "I cannot help.");
    assert_eq!(reply.finish, Finish::Refused);
    // The build says it in the model's words, and tells the model.
    let told = ghost::agent::extract::code_of(&reply).expect_err("no code");
    assert!(
        told.to_string()
            .starts_with("the model refused: I cannot help."),
        "{told}"
    );
}

/// A model that thinks aloud in its content (`<think>`, a server without a reasoning
/// parser) is stopped by the stop sequence inside its thinking: it is asked again
/// without `stop`, and the answer after its thinking is the one read.
#[tokio::test]
async fn a_model_thinking_in_its_content_is_asked_again_without_the_stop() {
    let final_reply = "<think>\nDraft:\n```rust\npub fn area() -> i64 { 0 }\n```\nBetter:\n</think>\n```rust\npub fn area() -> i64 { 1 }\n```\n";
    let server = Server::start(vec![
        Answer::json(
            200,
            &openai_body(
                "<think>\nDraft:\n```rust\npub fn area() -> i64 { 0 }",
                "stop",
            ),
        ),
        Answer::json(200, &openai_body(final_reply, "stop")),
    ])
    .await;
    let openai = provider(ProviderKind::OpenAi, &server, false);
    let mut req = request("write area");
    req.stop = vec!["\n```\n".into()];
    let reply = openai.complete(&req).await.expect("a reply");
    assert_eq!(reply.text, final_reply);
    assert_eq!(
        (reply.tokens_in, reply.tokens_out),
        (11 + 11, 7 + 7),
        "the reply cut short in its thinking was paid for too"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].json().get("stop").is_some());
    assert!(
        seen[1].json().get("stop").is_none(),
        "asked again without it"
    );
    assert_eq!(
        ghost::agent::extract::code_of(&reply).expect("the code after the thinking"),
        "pub fn area() -> i64 { 1 }\n"
    );
}

/// Text Generation Inference's `stop_sequence`, and a stream that ends with `[DONE]` and
/// no finish reason, are replies that stopped where asked (the fence is put back); a
/// 422 naming an optional parameter as an extra input (Mistral) drops that parameter.
#[tokio::test]
async fn other_servers_ways_of_stopping_and_refusing_are_read() {
    let chunk = |content: &str| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        )
    };
    let refusal = serde_json::json!({"object": "error", "message": {"detail": [{"type": "extra_forbidden", "loc": ["body", "stream_options"], "msg": "Extra inputs are not permitted"}]}}).to_string();
    let server = Server::start(vec![
        Answer::json(422, &refusal),
        Answer::Sse(vec![
            chunk("```rust\npub fn area() -> i64 { 1 }"),
            "data: [DONE]\n\n".into(),
        ]),
        Answer::json(
            200,
            &openai_body("```rust\npub fn area() -> i64 { 2 }", "stop_sequence"),
        ),
    ])
    .await;
    let streamed = provider(ProviderKind::OpenAi, &server, true);
    let reply = streamed
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.finish, Finish::Stop);
    assert_eq!(
        ghost::agent::extract::code_of(&reply).expect("code"),
        "pub fn area() -> i64 { 1 }\n"
    );
    assert!(server.seen()[1].json().get("stream_options").is_none());
    let whole = provider(ProviderKind::OpenAi, &server, false);
    let reply = whole
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.finish, Finish::Stop);
}

/// Errors a server reports inside a successful answer: a server error mid-stream is
/// retried like a 500; llama.cpp's `error:` line about its context is a prompt too long
/// (a shorter one will do); OpenRouter's `{"error": ..}` body of status 200 is shown with
/// its message, not as an answer without `choices`.
#[tokio::test]
async fn errors_inside_answers_are_the_errors_they_stand_for() {
    let chunk = |content: &str| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        )
    };
    let server = Server::start(vec![
        Answer::Sse(vec![
            chunk("```rust\npub fn"),
            "data: {\"error\":{\"type\":\"server_error\",\"message\":\"The server had an error\"}}\n\n".into(),
        ]),
        Answer::Sse(vec![
            chunk("```rust\npub fn area() -> i64 { 1 }\n```"),
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n".into(),
            "data: [DONE]\n\n".into(),
        ]),
        Answer::Sse(vec![
            "error: {\"code\":400,\"message\":\"the request exceeds the available context size, try increasing it\"}\n\n".into(),
            "data: [DONE]\n\n".into(),
        ]),
        Answer::json(200, "{\"error\":{\"message\":\"Input is too long for requested model\"}}"),
    ]
    .into_iter()
    // Retried as the 502 it names, as often as the settings allow.
    .chain(std::iter::repeat_n(
        Answer::json(200, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}"),
        5,
    ))
    .collect())
    .await;
    let streamed = provider(ProviderKind::OpenAi, &server, true);
    let reply = streamed
        .complete(&request("write area"))
        .await
        .expect("retried");
    assert_eq!(reply.text, "```rust\npub fn area() -> i64 { 1 }\n```");
    let overflow = streamed
        .complete(&request("write area"))
        .await
        .expect_err("too long");
    assert!(overflow.is_context_overflow(), "{overflow}");
    let whole = provider(ProviderKind::OpenAi, &server, false);
    let too_long = whole
        .complete(&request("write area"))
        .await
        .expect_err("too long");
    assert!(too_long.is_context_overflow(), "{too_long}");
    let err = whole
        .complete(&request("write area"))
        .await
        .expect_err("an error");
    assert!(err.to_string().contains("Provider returned error"), "{err}");
}

/// A whole answer without usage counts the model's thinking (`reasoning_content`) with its
/// answer, and its prompt, at four characters a token.
#[tokio::test]
async fn thinking_is_counted_when_usage_is_missing() {
    let body = serde_json::json!({
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "```rust\nfn a() {}\n```",
            "reasoning_content": "x".repeat(4_000)}, "finish_reason": "stop"}],
    })
    .to_string();
    let server = Server::start(vec![Answer::json(200, &body)]).await;
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("write a"))
        .await
        .expect("a reply");
    assert!(reply.tokens_out >= 1_000, "{}", reply.tokens_out);
    assert!(reply.tokens_in > 0);
}

/// A server that never stops (a model repeating itself, no end of stream) is read only
/// to twice the request's limit, at four characters a token, and the reply is taken as
/// cut by that limit: not paid for until the request's time runs out.
#[tokio::test]
async fn a_stream_that_never_ends_is_cut_at_the_reply_limit() {
    // In its answer, or in a refusal's words that never end.
    for field in ["content", "refusal"] {
        let piece = format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {field: "x".repeat(100)}, "finish_reason": null}]})
        );
        let server = Server::start(vec![Answer::Sse(vec![piece; 2_000])]).await;
        let mut req = request("write area");
        req.max_tokens = Some(64);
        let reply = provider(ProviderKind::OpenAi, &server, true)
            .complete(&req)
            .await
            .expect("a reply, cut");
        // A refusal cut short is a refusal still, in the words read to the limit.
        let finish = match field {
            "refusal" => Finish::Refused,
            _ => Finish::Length,
        };
        assert_eq!(reply.finish, finish, "{field}");
        assert!(
            reply.text.len() > 512 && reply.text.len() <= 612,
            "read to the limit, not on: {} characters",
            reply.text.len()
        );
        assert_eq!(server.seen().len(), 1, "not asked again");
    }
}

/// The same for Anthropic's format: a server that never stops (a model behind a copy of
/// the API that ignores `max_tokens`), in its text or its thinking, is cut at the reply
/// limit rather than read until its text fills the memory.
#[tokio::test]
async fn an_anthropic_stream_that_never_ends_is_cut_at_the_reply_limit() {
    for delta in [
        serde_json::json!({"type": "text_delta", "text": "x".repeat(100)}),
        serde_json::json!({"type": "thinking_delta", "thinking": "x".repeat(100)}),
    ] {
        let piece = format!(
            "event: content_block_delta\ndata: {}\n\n",
            serde_json::json!({"type": "content_block_delta", "index": 0, "delta": delta})
        );
        let server = Server::start(vec![Answer::Sse(vec![piece; 2_000])]).await;
        let mut req = request("write area");
        req.max_tokens = Some(64);
        let reply = provider(ProviderKind::Anthropic, &server, true)
            .complete(&req)
            .await
            .expect("a reply, cut");
        assert_eq!(reply.finish, Finish::Length);
        assert!(
            reply.text.len() <= 612,
            "read to the limit, not on: {} characters",
            reply.text.len()
        );
        assert_eq!(server.seen().len(), 1, "not asked again");
    }
}

#[tokio::test]
async fn anthropic_non_streamed() {
    let server = Server::start(vec![Answer::json(
        200,
        &anthropic_body(CODE_REPLY, "end_turn"),
    )])
    .await;
    let reply = provider(ProviderKind::Anthropic, &server, false)
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!((reply.tokens_in, reply.tokens_out), (13, 5));
    assert_eq!(reply.finish, Finish::Stop);
    let seen = server.seen();
    assert_eq!(seen[0].path, "/v1/messages");
    assert_eq!(seen[0].header("x-api-key"), Some(KEY));
    assert_eq!(seen[0].header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(seen[0].header("authorization"), None);
    let body = seen[0].json();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["max_tokens"], 8192);
    assert_eq!(body["messages"][0]["content"], "write area");
}

/// The opening every prompt of a module shares is sent to Anthropic as a block of its
/// own marked for its prompt cache; what the cache served is read from the usage (and
/// counted in the prompt's tokens), for both providers.
#[tokio::test]
async fn the_shared_opening_is_cached_and_cache_reads_are_counted() {
    let cached_body = serde_json::json!({
        "id": "msg", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": CODE_REPLY}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 13, "output_tokens": 5, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200}
    })
    .to_string();
    let server = Server::start(vec![Answer::json(200, &cached_body)]).await;
    let mut req = request("the module part|the repair part");
    req.cache_prefix = "the module part".len();
    let reply = provider(ProviderKind::Anthropic, &server, false)
        .complete(&req)
        .await
        .expect("a reply");
    assert_eq!((reply.tokens_in, reply.cached_in), (1213, 1000));
    let body = server.seen()[0].json();
    assert_eq!(
        body["messages"][0]["content"],
        serde_json::json!([
            {"type": "text", "text": "the module part", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "|the repair part"}
        ])
    );

    let openai = serde_json::json!({
        "id": "x",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": CODE_REPLY}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 7, "prompt_tokens_details": {"cached_tokens": 1024}}
    })
    .to_string();
    let server = Server::start(vec![Answer::json(200, &openai)]).await;
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&req)
        .await
        .expect("a reply");
    assert_eq!((reply.tokens_in, reply.cached_in), (1500, 1024));
    // OpenAI caches a prompt's opening by itself: the prompt goes as one text.
    assert_eq!(
        server.seen()[0].json()["messages"][0]["content"],
        "the module part|the repair part"
    );
}

#[tokio::test]
async fn anthropic_streamed() {
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let start = event(
        "message_start",
        serde_json::json!({"type": "message_start", "message": {"usage": {"input_tokens": 30, "output_tokens": 1}}}),
    );
    let first_text = event(
        "content_block_delta",
        serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "```rust\nfn a() {}"}}),
    );
    let server = Server::start(vec![
        // Cut after its first text: paid for, 30 tokens in (as reported) and 5 out
        // (estimated from its 17 characters), and asked again.
        Answer::Sse(vec![start.clone(), first_text.clone()]),
        Answer::Sse(vec![
        start,
        event("content_block_start", serde_json::json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
        event("ping", serde_json::json!({"type": "ping"})),
        first_text,
        event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "\n```"}})),
        event("content_block_stop", serde_json::json!({"type": "content_block_stop", "index": 0})),
        event("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 12}})),
        event("message_stop", serde_json::json!({"type": "message_stop"})),
    ])])
    .await;
    let mut req = request("write a");
    req.max_tokens = Some(100);
    let reply = provider(ProviderKind::Anthropic, &server, true)
        .complete(&req)
        .await
        .expect("a reply");
    assert_eq!(reply.text, "```rust\nfn a() {}\n```");
    assert_eq!((reply.tokens_in, reply.tokens_out), (30 + 30, 12 + 5));
    assert_eq!(reply.finish, Finish::Stop);
    let body = server.seen()[0].json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], 100);
}

/// Two text blocks (Anthropic) are read on lines of their own: a fence opening the
/// second is still a fence.
#[tokio::test]
async fn anthropic_text_blocks_keep_apart() {
    let body = serde_json::json!({
        "id": "msg", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "Here:"}, {"type": "text", "text": "```rust\npub fn area() -> i64 { 1 }\n```"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 13, "output_tokens": 5}
    })
    .to_string();
    let server = Server::start(vec![Answer::json(200, &body)]).await;
    let reply = provider(ProviderKind::Anthropic, &server, false)
        .complete(&request("write area"))
        .await
        .expect("a reply");
    assert_eq!(
        extract_code(&reply.text, &reply.finish).expect("code"),
        "pub fn area() -> i64 { 1 }\n"
    );
}

/// A server copying Anthropic's stream that sends 0 input tokens (or leaves out the
/// cache's) in `message_delta` does not wipe out the count `message_start` gave.
#[tokio::test]
async fn anthropic_input_counts_are_not_wiped_out_by_a_later_zero() {
    let event = |name: &str, data: serde_json::Value| format!("event: {name}\ndata: {data}\n\n");
    let server = Server::start(vec![Answer::Sse(vec![
        event("message_start", serde_json::json!({"type": "message_start", "message": {"usage": {"input_tokens": 1000, "cache_read_input_tokens": 500, "output_tokens": 1}}})),
        event("content_block_delta", serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "```rust\nfn a() {}\n```"}})),
        event("message_delta", serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"input_tokens": 0, "output_tokens": 200}})),
        event("message_stop", serde_json::json!({"type": "message_stop"})),
    ])])
    .await;
    let reply = provider(ProviderKind::Anthropic, &server, true)
        .complete(&request("write a"))
        .await
        .expect("a reply");
    assert_eq!(
        (reply.tokens_in, reply.tokens_out, reply.cached_in),
        (1500, 200, 500)
    );
}

#[tokio::test]
async fn server_error_is_retried() {
    let server = Server::start(vec![
        Answer::json(500, r#"{"error":{"message":"boom"}}"#),
        Answer::Close,
        Answer::json(200, &openai_body(CODE_REPLY, "stop")),
    ])
    .await;
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("p"))
        .await
        .expect("a reply after retries");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let server = Server::start(vec![
        Answer::json(429, r#"{"error":{"message":"slow down"}}"#).with_header("retry-after", "2"),
        Answer::json(200, &anthropic_body(CODE_REPLY, "end_turn")),
    ])
    .await;
    let sleeper = Arc::new(Recorder::default());
    let provider = provider_from_with(
        &settings(ProviderKind::Anthropic, &server.base_url, false),
        &env,
        sleeper.clone(),
    )
    .expect("a provider");
    let reply = provider.complete(&request("p")).await.expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!(server.seen().len(), 2);
    assert_eq!(
        *sleeper.0.lock().expect("not poisoned"),
        vec![Duration::from_secs(2)]
    );
}

/// A server asking for a wait longer than ghost waits (seconds or an HTTP date) is not
/// asked again, and the error says how long it asked for: "HTTP 503: busy" alone would
/// not say when to build again.
#[tokio::test]
async fn a_wait_longer_than_ghost_waits_is_told_not_waited() {
    let server = Server::start(vec![
        Answer::json(503, r#"{"error":{"message":"busy"}}"#).with_header("retry-after", "100000"),
        Answer::json(429, r#"{"error":{"message":"slow down"}}"#)
            .with_header("retry-after", "Wed, 21 Oct 2099 07:28:00 GMT"),
    ])
    .await;
    let sleeper = Arc::new(Recorder::default());
    let provider = provider_from_with(
        &settings(ProviderKind::OpenAi, &server.base_url, false),
        &env,
        sleeper.clone(),
    )
    .expect("a provider");
    let busy = provider
        .complete(&request("p"))
        .await
        .expect_err("not waited for");
    assert_eq!(
        busy.to_string(),
        format!(
            "{}/chat/completions answered HTTP 503: busy; the server asks for a wait of 28 h before the next request, longer than ghost waits (5 min): run the build again after that",
            server.base_url
        )
    );
    let limited = provider
        .complete(&request("q"))
        .await
        .expect_err("not waited for");
    let msg = limited.to_string();
    assert!(
        msg.contains("days before the next request") && !msg.contains("lower `concurrency`"),
        "{msg}"
    );
    assert_eq!(server.seen().len(), 2, "each asked once");
    assert!(sleeper.0.lock().expect("not poisoned").is_empty());
}

/// Gemini's per-minute quota: a 429 whose wait is only in the body's `RetryInfo`, and whose
/// words ("exceeded your current quota") would otherwise read as a spent quota.
#[tokio::test]
async fn a_wait_named_only_in_the_body_is_honoured() {
    let body = r#"[{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}]"#;
    let server = Server::start(vec![
        Answer::json(429, body),
        Answer::json(200, &openai_body(CODE_REPLY, "stop")),
    ])
    .await;
    let sleeper = Arc::new(Recorder::default());
    let provider = provider_from_with(
        &settings(ProviderKind::OpenAi, &server.base_url, false),
        &env,
        sleeper.clone(),
    )
    .expect("a provider");
    let reply = provider.complete(&request("p")).await.expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!(
        *sleeper.0.lock().expect("not poisoned"),
        vec![Duration::from_secs(7)]
    );
}

#[tokio::test]
async fn unauthorized_is_not_retried_and_names_the_variable() {
    let server = Server::start(vec![Answer::json(
        401,
        r#"{"error":{"message":"Incorrect API key provided: sk-test-SECRET"}}"#,
    )])
    .await;
    let err = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("p"))
        .await
        .expect_err("401 fails");
    assert!(
        matches!(err, AgentError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(KEY_VAR), "{msg}");
    assert!(msg.contains("Incorrect API key"), "{msg}");
    assert!(!msg.contains("SECRET"), "the key leaked: {msg}");
    assert_eq!(server.seen().len(), 1);
}

/// A server that wants a key, asked without one (a local server's settings: no
/// `api_key_env`, the default variable unset or empty): the message says to set the
/// variable, and whether it is unset or empty, not to check a key never sent.
#[tokio::test]
async fn a_refusal_of_a_request_without_a_key_says_to_set_one() {
    let refusal = || Answer::json(401, r#"{"error":{"message":"missing bearer token"}}"#);
    let server = Server::start(vec![refusal(), refusal()]).await;
    let mut local = settings(ProviderKind::OpenAi, &server.base_url, false);
    local.api_key_env = None;
    let unset = provider_from(&local, &|_| None)
        .expect("a local server needs no key")
        .complete(&request("p"))
        .await
        .expect_err("401 fails")
        .to_string();
    assert!(
        unset.contains("requires an API key and none was sent")
            && unset.contains("`OPENAI_API_KEY` is not set")
            && unset.contains("api_key_env")
            && unset.contains("missing bearer token")
            && !unset.contains("check the key"),
        "{unset}"
    );
    let empty = provider_from(&local, &|_| Some(String::new()))
        .expect("a local server needs no key")
        .complete(&request("p"))
        .await
        .expect_err("401 fails")
        .to_string();
    assert!(
        empty.contains("`OPENAI_API_KEY` is empty") && !empty.contains("not set"),
        "{empty}"
    );
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.header("authorization").is_none()),
        "no key was sent"
    );
    // A variable named by `api_key_env` and empty stops before any request, saying so.
    let mut named = local.clone();
    named.api_key_env = Some("MYKEY".into());
    let msg = provider_from(&named, &|_| Some(String::new()))
        .err()
        .expect("an empty named variable")
        .to_string();
    assert!(msg.contains("`MYKEY` is empty"), "{msg}");
}

/// A server that redirects is not followed: a redirect to another host would carry the
/// key there (reqwest keeps Anthropic's `x-api-key` on), and a 301's POST would become a
/// GET whose 404 blamed the address asked. The user is told where `base_url` should point.
#[tokio::test]
async fn a_redirect_is_not_followed_and_names_the_address() {
    // To the same server under another host name, the API's root moved.
    let elsewhere: crate::support::server::Handler = Arc::new(|seen, _| {
        let port = seen
            .header("host")
            .and_then(|h| h.rsplit_once(':'))
            .map(|(_, p)| p.to_string())
            .unwrap_or_default();
        if seen.path.starts_with("/v1/") {
            let to = format!("http://localhost:{port}/v2{}", &seen.path[3..]);
            Answer::json(307, "").with_header("location", &to)
        } else {
            Answer::json(200, &anthropic_body(CODE_REPLY, "end_turn"))
        }
    });
    let server = Server::start_with(elsewhere).await;
    let err = provider(ProviderKind::Anthropic, &server, false)
        .complete(&request("p"))
        .await
        .expect_err("a redirect is an error");
    assert!(
        matches!(err, AgentError::Redirected { status: 307, .. }),
        "{err:?}"
    );
    let seen = server.seen();
    assert_eq!(
        seen.len(),
        1,
        "the key went on to {:?}",
        seen.last().map(|s| &s.path)
    );
    let msg = err.to_string();
    assert!(
        msg.contains("set `base_url` under [agent] in ghost.toml to `http://localhost:")
            && msg.ends_with("/v2`"),
        "{msg}"
    );

    // A 301 with a relative address: not turned into a GET of it.
    let server = Server::start(vec![
        Answer::json(301, "").with_header("location", "/api/v1/chat/completions"),
        Answer::json(404, r#"{"error":{"message":"no such route"}}"#),
    ])
    .await;
    let err = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("p"))
        .await
        .expect_err("a redirect is an error");
    assert_eq!(server.seen().len(), 1);
    let msg = err.to_string();
    let origin = server.base_url.trim_end_matches("/v1");
    assert!(
        msg.contains(&format!("to `{origin}/api/v1`"))
            && msg.contains("ghost does not follow redirects")
            && !msg.contains("404"),
        "{msg}"
    );
}

#[tokio::test]
async fn bad_answers_are_errors() {
    let server = Server::start(vec![
        Answer::json(200, "not json {{"),
        Answer::Full {
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            body: b"<html><body>login</body></html>".to_vec(),
        },
        Answer::json(200, r#"{"choices": []}"#),
        Answer::json(200, r#"{"choices": [{"message": {"content": 42}}]}"#),
    ])
    .await;
    let p = provider(ProviderKind::OpenAi, &server, false);
    for expected in ["invalid JSON", "HTML", "choices", "not text"] {
        let err = p.complete(&request("p")).await.expect_err("garbage fails");
        assert!(
            matches!(err.root(), AgentError::BadResponse { .. }),
            "{err:?}"
        );
        // The server read the prompt: paid for, as estimated.
        assert!(err.spent().0 > 0, "{err:?}");
        assert!(err.to_string().contains(expected), "{err}");
    }
    // Bad answers are not retried: one request each.
    assert_eq!(server.seen().len(), 4);
}

/// A whole body with bytes that are no UTF-8 inside the reply's text (a local server that
/// cut a character at a token's end) is read with those bytes replaced, as an event
/// stream's are, for both wire formats: it was refused as "invalid JSON" at every attempt.
#[tokio::test]
async fn a_body_that_is_not_utf8_is_read_with_the_bytes_replaced() {
    let bad = |body: String| {
        let mut bytes = body.into_bytes();
        let at = bytes
            .windows(5)
            .position(|w| w == b"{ 1 }")
            .expect("the code");
        // A character's first byte alone, then a stray continuation byte.
        bytes.splice(at + 5..at + 5, [b' ', 0xE2, 0x82, b' ', 0x80]);
        Answer::Full {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: bytes,
        }
    };
    for (kind, body) in [
        (ProviderKind::OpenAi, openai_body(CODE_REPLY, "stop")),
        (
            ProviderKind::Anthropic,
            anthropic_body(CODE_REPLY, "end_turn"),
        ),
    ] {
        let server = Server::start(vec![bad(body)]).await;
        let reply = provider(kind, &server, false)
            .complete(&request("write area"))
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(
            reply
                .text
                .contains("pub fn area() -> i64 { 1 } \u{FFFD} \u{FFFD}"),
            "{kind:?}: {}",
            reply.text
        );
    }
}

/// An answer larger than any reply (a runaway server or proxy) is refused once it passes
/// 64 MB, not read into memory to its end: a whole body, and an event stream's line that
/// never ends.
#[tokio::test]
async fn an_answer_larger_than_any_reply_is_refused() {
    let mut huge = vec![b' '; 65 << 20];
    huge.extend_from_slice(openai_body(CODE_REPLY, "stop").as_bytes());
    let endless_line = format!(
        "data: {{\"choices\": [{{\"index\": 0, \"delta\": {{\"content\": \"{}",
        "x".repeat(65 << 20)
    );
    let server = Server::start(vec![
        Answer::Full {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: huge,
        },
        Answer::Sse(vec![endless_line]),
    ])
    .await;
    for stream in [false, true] {
        let err = provider(ProviderKind::OpenAi, &server, stream)
            .complete(&request("p"))
            .await
            .expect_err("too large");
        assert!(
            matches!(err.root(), AgentError::BadResponse { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("more than 64 MB"), "{err}");
    }
    assert_eq!(server.seen().len(), 2, "not asked again");
}

/// A stream that ends before the reply is complete, after a whole event or in the middle
/// of a line, is a network cut: worth a retry, not a bad answer. What came before the cut
/// was paid for and is counted with the reply's tokens (estimated, as this server reports
/// none: four characters a token).
#[tokio::test]
async fn a_cut_stream_is_retried() {
    let whole_event = "data: {\"choices\":[{\"delta\":{\"content\":\"```rust\\nfn\"}}]}\n\n";
    let mid_line = "data: {\"choices\":[{\"delta\":{\"content\":\"```rust\\nfn";
    // "whole" is 2 tokens; the whole event's "```rust\nfn" 3 more; the line cut in its
    // middle gave no text (but the server had read the prompt).
    for (first, tokens_out) in [(whole_event, 2 + 3), (mid_line, 2)] {
        let server = Server::start(vec![
            Answer::Sse(vec![first.into()]),
            Answer::Sse(vec![
                "data: {\"choices\":[{\"delta\":{\"content\":\"whole\"},\"finish_reason\":\"stop\"}]}\n\n".into(),
                "data: [DONE]\n\n".into(),
            ]),
        ])
        .await;
        let reply = provider(ProviderKind::OpenAi, &server, true)
            .complete(&request("p"))
            .await
            .expect("a reply after the retry");
        assert_eq!(reply.text, "whole");
        assert_eq!(server.seen().len(), 2);
        assert_eq!(reply.tokens_out, tokens_out);
        let request_tokens = server.seen()[0].body.len().div_ceil(4) as u64;
        assert_eq!(
            reply.tokens_in,
            2 * request_tokens,
            "both prompts were read"
        );
    }
}

/// Streams cut every time: the error that ends the retries carries what they were paid.
#[tokio::test]
async fn streams_cut_every_time_carry_their_tokens() {
    let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"```rust\\nfn\"}}]}\n\n";
    let server = Server::start(vec![Answer::Sse(vec![cut.into()]); 4]).await;
    let err = provider(ProviderKind::OpenAi, &server, true)
        .complete(&request("p"))
        .await
        .expect_err("every stream is cut");
    // The first request and `max_retries` (3) more.
    assert_eq!(server.seen().len(), 4);
    let request_tokens = server.seen()[0].body.len().div_ceil(4) as u64;
    assert_eq!(err.spent(), (4 * request_tokens, 4 * 3));
    assert!(
        matches!(err.root(), AgentError::Unreachable { .. }),
        "{err:?}"
    );
}

/// A server that answers a streamed request with one JSON body (it ignores `stream`)
/// is read as the whole answer; one that sends an HTML page is told as such, for both
/// wire formats.
#[tokio::test]
async fn a_whole_body_answering_a_stream_is_read_as_what_it_is() {
    let server = Server::start(vec![Answer::json(
        200,
        &openai_body("```rust\nfn a() {}\n```", "stop"),
    )])
    .await;
    let reply = provider(ProviderKind::OpenAi, &server, true)
        .complete(&request("p"))
        .await
        .expect("the whole body is the reply");
    assert_eq!(reply.text, "```rust\nfn a() {}\n```");

    let server = Server::start(vec![Answer::json(
        200,
        &anthropic_body("```rust\nfn b() {}\n```", "end_turn"),
    )])
    .await;
    let reply = provider(ProviderKind::Anthropic, &server, true)
        .complete(&request("p"))
        .await
        .expect("the whole body is the reply");
    assert_eq!(reply.text, "```rust\nfn b() {}\n```");

    let page = Answer::json(200, "<html><body>proxy login</body></html>")
        .with_header("content-type", "text/html");
    let server = Server::start(vec![page]).await;
    let err = provider(ProviderKind::OpenAi, &server, true)
        .complete(&request("p"))
        .await
        .expect_err("an HTML page is no answer");
    assert!(
        err.to_string().contains("an HTML page instead of JSON"),
        "{err}"
    );
    assert_eq!(server.seen().len(), 1, "a bad answer is not retried");
}

/// Replies a provider stopped on its own terms: a content filter's cut (OpenAI's
/// `content_filter`) and a refusal without words (Anthropic's `stop_reason: "refusal"`)
/// are not code, even when what came before the stop holds a closed block; a reply that
/// filled the window (Anthropic's `model_context_window_exceeded`) is cut off.
#[tokio::test]
async fn filtered_and_refused_replies_are_not_code() {
    let block = "```rust\npub fn a() -> i64 { 1 }\n```";
    let server = Server::start(vec![
        Answer::json(200, &openai_body(block, "content_filter")),
        Answer::json(200, &anthropic_body("", "refusal")),
        Answer::json(200, &anthropic_body(block, "model_context_window_exceeded")),
    ])
    .await;
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(reply.finish, Finish::Filtered);
    let err = ghost::agent::extract::code_of(&reply).expect_err("filtered");
    assert_eq!(err, ExtractError::Filtered);
    assert!(err.to_string().contains("content filter"), "{err}");
    let anthropic = provider(ProviderKind::Anthropic, &server, false);
    let reply = anthropic.complete(&request("p")).await.expect("a reply");
    assert_eq!(reply.finish, Finish::Refused);
    let err = ghost::agent::extract::code_of(&reply).expect_err("refused");
    assert!(
        err.to_string().contains("refused: it gave no reason"),
        "{err}"
    );
    let reply = anthropic.complete(&request("p")).await.expect("a reply");
    assert_eq!(reply.finish, Finish::Length);
    assert!(matches!(
        ghost::agent::extract::code_of(&reply),
        Err(ExtractError::Truncated { .. })
    ));
}

#[tokio::test]
async fn truncated_and_code_less_replies() {
    let server = Server::start(vec![
        Answer::json(200, &openai_body("```rust\nfn a() {", "length")),
        Answer::json(
            200,
            &anthropic_body("```rust\nfn a() {}\n```", "max_tokens"),
        ),
        Answer::json(200, &openai_body("I would rather not.", "stop")),
    ])
    .await;
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(reply.finish, Finish::Length);
    assert!(matches!(
        extract_code(&reply.text, &reply.finish),
        Err(ExtractError::Truncated { .. })
    ));
    let reply = provider(ProviderKind::Anthropic, &server, false)
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(reply.finish, Finish::Length);
    assert!(matches!(
        extract_code(&reply.text, &reply.finish),
        Err(ExtractError::Truncated { .. })
    ));
    let reply = provider(ProviderKind::OpenAi, &server, false)
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(
        extract_code(&reply.text, &reply.finish),
        Err(ExtractError::NoCode)
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}/v1", listener.local_addr().expect("bound"));
    drop(listener);
    let sleeper = Arc::new(Recorder::default());
    let err = provider_from_with(
        &settings(ProviderKind::OpenAi, &url, false),
        &env,
        sleeper.clone(),
    )
    .expect("a provider")
    .complete(&request("p"))
    .await
    .expect_err("nobody listens");
    let AgentError::GaveUp { tries, source, .. } = &err else {
        panic!("expected GaveUp, got {err:?}");
    };
    assert_eq!(*tries, 4);
    assert!(
        matches!(**source, AgentError::Unreachable { .. }),
        "{source:?}"
    );
    assert_eq!(sleeper.0.lock().expect("not poisoned").len(), 3);
    let msg = err.to_string();
    assert!(msg.contains(&url), "{msg}");
    // The cause in a few words and where the address is set, not the client's layers.
    assert!(
        msg.contains(": connection refused; is the server running?")
            && msg.contains("`base_url`")
            && msg.ends_with("(gave up after 4 tries)"),
        "{msg}"
    );
    assert!(
        !msg.contains("tcp connect error") && !msg.contains("os error"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let server = Server::start(vec![Answer::Hang]).await;
    let mut s = settings(ProviderKind::OpenAi, &server.base_url, false);
    s.timeout = Duration::from_millis(300);
    s.max_retries = 0;
    let err = provider_from(&s, &env)
        .expect("a provider")
        .complete(&request("p"))
        .await
        .expect_err("no answer");
    assert!(matches!(err, AgentError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains(&server.base_url), "{err}");
}

#[tokio::test]
async fn identical_requests_are_answered_from_the_cache() {
    let server = Server::start(vec![
        Answer::json(200, &openai_body(CODE_REPLY, "stop")),
        Answer::json(200, &openai_body("other", "stop")),
    ])
    .await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let cache_dir = dir.path().join(".ghost/cache");
    let cached = CachedProvider::new(
        provider(ProviderKind::OpenAi, &server, false),
        ResponseCache::new(&cache_dir),
    );
    let first = cached.complete(&request("p")).await.expect("a reply");
    let second = cached.complete(&request("p")).await.expect("a reply");
    assert!(!first.cached);
    assert!(second.cached);
    assert_eq!(first.text, second.text);
    assert_eq!(server.seen().len(), 1);
    let third = cached.complete(&request("q")).await.expect("a reply");
    assert_eq!(third.text, "other");
    assert_eq!(server.seen().len(), 2);

    // The key travelled in a header; it must be nowhere in the cache.
    let mut stored = String::new();
    for entry in walkdir::WalkDir::new(&cache_dir) {
        let entry = entry.expect("readable");
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).expect("readable");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("SECRET"),
                "key in {}",
                entry.path().display()
            );
            stored.push_str(&text);
        }
    }
    // A reply without code is not kept: replayed, it would fail every later build.
    assert!(
        stored.contains("pub fn area()") && !stored.contains("\"other\""),
        "{stored}"
    );
}

// The command provider. Scripts run as `sh script`, not exec'd, so that writing them and
// running them at once cannot fail with "text file busy".

struct Workspace {
    _dir: tempfile::TempDir,
    root: PathBuf,
    script: PathBuf,
}

const IMPL: &str = "src/shapes/area/imp.rs";

fn workspace(script: &str) -> Workspace {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path().join("scratch");
    std::fs::create_dir_all(root.join("src/shapes/area")).expect("writable");
    std::fs::write(root.join(IMPL), "todo!()\n").expect("writable");
    std::fs::write(root.join("Cargo.toml"), "[package]\n").expect("writable");
    let script_path = dir.path().join("agent.sh");
    std::fs::write(&script_path, format!("#!/bin/sh\n{script}\n")).expect("writable");
    Workspace {
        root,
        script: script_path,
        _dir: dir,
    }
}

fn command_settings(command: String) -> AgentSettings {
    AgentSettings {
        provider: ProviderKind::Command,
        command: Some(command),
        ..AgentSettings::default()
    }
}

async fn run(
    ws: &Workspace,
    extra_args: &str,
    timeout: Duration,
) -> Result<ghost::agent::command::CommandOutcome, AgentError> {
    let command = format!("sh '{}' {extra_args}", ws.script.display());
    run_command(
        &command_settings(command),
        &ws.root,
        "shapes.area",
        Path::new(IMPL),
        "PROMPT TEXT",
        timeout,
    )
    .await
}

#[tokio::test]
async fn command_writes_the_implementation() {
    let ws = workspace(
        r#"input=$(cat)
printf '// %s\n// %s\n' "$GHOST_MODULE" "$input" > "$GHOST_IMPL_PATH"
echo done
echo careful >&2"#,
    );
    let out = run(&ws, "", Duration::from_secs(60)).await.expect("ran");
    assert!(out.exit_status.success());
    assert_eq!(
        out.new_contents.as_deref(),
        Some("// shapes.area\n// PROMPT TEXT\n")
    );
    assert_eq!(out.stdout_tail, "done\n");
    assert_eq!(out.stderr_tail, "careful\n");
    assert!(out.other_changes.is_empty(), "{:?}", out.other_changes);
}

#[tokio::test]
async fn command_failure_is_an_outcome() {
    let ws = workspace("echo 'cannot think' >&2\nexit 3");
    let out = run(&ws, "", Duration::from_secs(60)).await.expect("ran");
    assert_eq!(out.exit_status.code(), Some(3));
    assert_eq!(out.stderr_tail, "cannot think\n");
    assert_eq!(out.new_contents.as_deref(), Some("todo!()\n"));
}

#[tokio::test]
async fn command_reports_other_files_it_changed() {
    let ws = workspace(
        r#"echo 'pub fn area() {}' > "$GHOST_IMPL_PATH"
echo notes > notes.txt
echo '[dependencies]' >> Cargo.toml
mkdir -p target && echo built > target/out"#,
    );
    let out = run(&ws, "", Duration::from_secs(60)).await.expect("ran");
    assert_eq!(out.new_contents.as_deref(), Some("pub fn area() {}\n"));
    assert_eq!(
        out.other_changes,
        vec![PathBuf::from("Cargo.toml"), PathBuf::from("notes.txt")]
    );
}

/// Files the program deleted are kept apart from those it wrote: `rm -rf ./*` was told
/// it "wrote" `Cargo.toml`.
#[tokio::test]
async fn command_reports_the_files_it_deleted_apart() {
    let ws = workspace(
        r#"rm -f Cargo.toml
echo notes > notes.txt
echo 'pub fn area() {}' > "$GHOST_IMPL_PATH""#,
    );
    let out = run(&ws, "", Duration::from_secs(60)).await.expect("ran");
    assert_eq!(out.other_changes, vec![PathBuf::from("notes.txt")]);
    assert_eq!(out.other_deletions, vec![PathBuf::from("Cargo.toml")]);
    assert!(out.touched_others());
}

/// A sparse file of terabytes the program leaves (`truncate -s`) is seen as a change at
/// once, not read through: hashing it held the build, and a Ctrl-C, for hours.
#[tokio::test]
async fn a_huge_sparse_file_the_program_leaves_is_not_read_through() {
    let ws = workspace(
        r#"echo 'pub fn area() {}' > "$GHOST_IMPL_PATH"
truncate -s 2T huge"#,
    );
    let started = std::time::Instant::now();
    let out = run(&ws, "", Duration::from_secs(60)).await.expect("ran");
    assert_eq!(out.other_changes, vec![PathBuf::from("huge")]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_missing_command_program_is_a_clear_error() {
    let ws = workspace("");
    let err = run_command(
        &command_settings("/nonexistent/agent --flag".into()),
        &ws.root,
        "shapes.area",
        Path::new(IMPL),
        "p",
        Duration::from_secs(60),
    )
    .await
    .expect_err("no such program");
    assert!(matches!(err, AgentError::Spawn { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/agent"), "{err}");
}

/// Whether process `pid` is gone (or a zombie nobody has reaped yet).
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn a_command_past_its_time_limit_is_killed_with_its_children() {
    let ws = workspace("sleep 1000 &\necho $! > \"$1\"\nwait");
    let pid_file = ws.root.parent().expect("has a parent").join("child.pid");
    let err = run(
        &ws,
        &format!("'{}'", pid_file.display()),
        Duration::from_secs(4),
    )
    .await
    .expect_err("it never ends");
    assert!(matches!(err, AgentError::CommandTimeout { .. }), "{err:?}");
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .expect("the script started its child before the limit")
        .trim()
        .parse()
        .expect("a pid");
    // SIGKILL is delivered asynchronously: wait for the child's death, with a generous bound.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !is_dead(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        is_dead(pid),
        "the agent's child {pid} survived the time limit"
    );
}

#[tokio::test]
async fn a_local_server_gets_no_key() {
    let server = Server::start(vec![Answer::json(200, &openai_body(CODE_REPLY, "stop"))]).await;
    let mut s = settings(ProviderKind::OpenAi, &server.base_url, false);
    s.api_key_env = None;
    let reply = provider_from(&s, &|_| None)
        .expect("no key needed with a base_url")
        .complete(&request("p"))
        .await
        .expect("a reply");
    assert_eq!(reply.text, CODE_REPLY);
    assert_eq!(server.seen()[0].header("authorization"), None);
}
