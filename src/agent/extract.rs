//! Taking the code out of a reply: the largest ```rust fenced block, or the whole reply when
//! it is bare Rust with no fence at all.

use super::{Finish, Reply};

/// Why a reply gave no code. Not a crash: the build tells the agent and tries again.
///
/// Two texts: `Display` says what happened, for the person watching the build and the
/// run log; [`ExtractError::instruction`] is what the next prompt tells the model, with
/// how to answer (an instruction the person cannot follow).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The reply had no text at all (some servers answer a prompt they cannot take so).
    #[error("the model's reply was empty")]
    Empty,
    #[error("the reply has no ```rust code block")]
    NoCode,
    #[error("the reply was cut off: {reason}")]
    Truncated { reason: String },
    /// The provider's refusal (OpenAI's `refusal`), in the model's words.
    #[error("the model refused: {words}")]
    Refused { words: String },
    /// The provider's content filter stopped the reply (OpenAI's `content_filter`).
    #[error("the provider's content filter stopped the reply")]
    Filtered,
    /// The model called a tool instead of answering (`finish_reason: "tool_calls"`, no
    /// text): ghost offers none, so a server or proxy in between added them.
    #[error("the model answered with a tool call, not text (ghost offers no tools: does the server or a proxy add them?)")]
    ToolCall,
}

impl ExtractError {
    /// What the next prompt tells the model about its reply. The wording is part of the
    /// prompts (and so of the response cache's keys): changed only on purpose.
    pub fn instruction(&self) -> String {
        // What happened (as the user reads it), then how to answer.
        match self {
            // An empty reply is told as one without code: the model is asked the same.
            ExtractError::Empty | ExtractError::NoCode => format!(
                "{}; answer with the whole imp.rs in one fenced ```rust block",
                ExtractError::NoCode
            ),
            ExtractError::Truncated { reason } => format!("the reply was cut off ({reason}); answer with less explanation and the whole imp.rs in one ```rust block"),
            ExtractError::Refused { .. } => format!(
                "{self}; the spec asks for ordinary code: answer with the whole imp.rs in one ```rust block"
            ),
            ExtractError::Filtered => format!(
                "{self}; answer with the plain code the spec asks for: the whole imp.rs in one ```rust block, no other text"
            ),
            ExtractError::ToolCall => "the reply called a tool; call none: answer with the whole imp.rs in one fenced ```rust block, as text".to_string(),
        }
    }
}

/// Where the build asks the model to stop: the end of its (first) code block. The server
/// leaves the stop text out of the reply; [`close_stopped_block`] puts the fence back.
pub const CODE_BLOCK_END: &str = "\n```\n";

/// The reply of a model stopped at [`CODE_BLOCK_END`]: its last block lost its closing
/// fence, which is given back. A reply whose blocks are all closed is returned as it is.
pub fn close_stopped_block(text: &str) -> String {
    if blocks(text).last().is_some_and(|b| !b.closed) {
        format!("{}\n```\n", text.trim_end_matches('\n'))
    } else {
        text.to_string()
    }
}

/// A fenced block found in a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    label: String,
    code: String,
    closed: bool,
}

/// The code of a provider's reply, as the build takes it: a reply stopped at the end of
/// its code block ([`CODE_BLOCK_END`]) gets its closing fence back first.
pub fn code_of(reply: &Reply) -> Result<String, ExtractError> {
    if reply.finish == Finish::Refused {
        let words = reply.text.trim();
        return Err(ExtractError::Refused {
            words: if words.is_empty() {
                "it gave no reason".to_string()
            } else {
                words.to_string()
            },
        });
    }
    if reply.finish == Finish::Filtered {
        return Err(ExtractError::Filtered);
    }
    // Anthropic's `tool_use`, OpenAI's `tool_calls` (older servers: `function_call`).
    let tool = matches!(&reply.finish, Finish::Other(r) if ["tool_calls", "tool_use", "function_call"].contains(&r.as_str()));
    if tool && reply.text.trim().is_empty() {
        return Err(ExtractError::ToolCall);
    }
    let text = without_thinking(&reply.text)?;
    // A reply that was all thinking gave no answer, but was not empty.
    if text.trim().is_empty() && !reply.text.trim().is_empty() && reply.finish != Finish::Length {
        return Err(ExtractError::NoCode);
    }
    if reply.finish == Finish::Stop {
        extract_code(&close_stopped_block(&text), &reply.finish)
    } else {
        extract_code(&text, &reply.finish)
    }
}

/// A reply without the model's opening `<think>..</think>` block, which servers run
/// without a reasoning parser leave in the content: the drafts in it are not the answer.
/// (Only at the start: a `<think>` later on may be the code's own text.) One never
/// closed means the reply ended while the model was still thinking.
fn without_thinking(text: &str) -> Result<String, ExtractError> {
    let Some(thinking) = text.trim_start().strip_prefix("<think>") else {
        return Ok(text.to_string());
    };
    match thinking.find("</think>") {
        Some(close) => Ok(thinking[close + "</think>".len()..].to_string()),
        None => Err(ExtractError::Truncated {
            reason: "it ended inside the model's `<think>` block".into(),
        }),
    }
}

/// The code of `text`: the largest fenced block labelled `rust`, `rs` or nothing (the last
/// of equal ones). Largest rather than last because models put a short usage example or
/// a test snippet after the full file far more often than they put the full file last;
/// blocks labelled anything else (`toml`, `sh`, `text`) are never code for imp.rs.
///
/// A reply cut off by the token limit (`Finish::Length`) is `Truncated` even if its blocks
/// look closed, since the file in them may still be incomplete; so is a reply whose last
/// code fence is never closed.
pub fn extract_code(text: &str, finish: &Finish) -> Result<String, ExtractError> {
    if *finish == Finish::Length {
        return Err(ExtractError::Truncated {
            reason: "the model reached its token limit".into(),
        });
    }
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let all = blocks(text);
    if all.is_empty() && looks_like_rust(text) {
        // A reply that is the file itself, without a fence (some servers' chat templates
        // strip it, some models never write one): the whole text is the code.
        return Ok(format!("{}\n", text.trim()));
    }
    let blocks: Vec<Block> = all.into_iter().filter(|b| is_rust(&b.label)).collect();
    if blocks.last().is_some_and(|b| !b.closed) {
        return Err(ExtractError::Truncated {
            reason: "a code block is never closed".into(),
        });
    }
    blocks
        .into_iter()
        .filter(|b| !b.code.trim().is_empty())
        .fold(None::<Block>, |best, b| match best {
            Some(best) if best.code.len() > b.code.len() => Some(best),
            _ => Some(b),
        })
        .map(|b| b.code)
        .ok_or(ExtractError::NoCode)
}

/// Whether a reply without fences starts the way a Rust file does, not like prose.
fn looks_like_rust(text: &str) -> bool {
    let first = text.trim_start();
    const STARTS: [&str; 13] = [
        "use ", "pub ", "fn ", "#[", "#![", "//", "impl ", "struct ", "enum ", "mod ", "const ",
        "static ", "type ",
    ];
    STARTS.iter().any(|s| first.starts_with(s))
}

fn is_rust(label: &str) -> bool {
    // `rust,ignore` and `rust title=x` still name Rust.
    let first = label
        .split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .unwrap_or("");
    matches!(first.to_ascii_lowercase().as_str(), "" | "rust" | "rs")
}

/// Every fenced block (``` or ~~~, three or more, indented at most three spaces), in order;
/// the close must be the same character, at least as long, with nothing after it.
fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(char, usize, String, Vec<&str>)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start_matches(' ');
        let indented = line.len() - trimmed.len() <= 3;
        let fence = ['`', '~'].into_iter().find_map(|c| {
            let n = trimmed.chars().take_while(|&x| x == c).count();
            (indented && n >= 3).then_some((c, n))
        });
        match (&mut open, fence) {
            (None, Some((c, n))) => {
                let label = trimmed[n..].trim().to_string();
                open = Some((c, n, label, Vec::new()));
            }
            (Some((oc, on, _, _)), Some((c, n)))
                if c == *oc && n >= *on && trimmed[n..].trim().is_empty() =>
            {
                let (_, _, label, lines) = open.take().expect("matched as open");
                blocks.push(Block {
                    label,
                    code: join(&lines),
                    closed: true,
                });
            }
            (Some((_, _, _, lines)), _) => lines.push(line),
            (None, None) => {}
        }
    }
    if let Some((_, _, label, lines)) = open {
        blocks.push(Block {
            label,
            code: join(&lines),
            closed: false,
        });
    }
    blocks
}

fn join(lines: &[&str]) -> String {
    let mut code = lines.join("\n");
    code.push('\n');
    code
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_block_stopped_at_its_end_gets_its_fence_back() {
        let stopped = "Here:\n```rust\npub fn f() {}";
        let closed = close_stopped_block(stopped);
        assert_eq!(closed, "Here:\n```rust\npub fn f() {}\n```\n");
        assert_eq!(
            extract_code(&closed, &Finish::Stop),
            Ok("pub fn f() {}\n".to_string())
        );
        let whole = "```rust\nfn g() {}\n```\nDone.";
        assert_eq!(close_stopped_block(whole), whole);
    }

    use super::*;

    #[test]
    fn takes_the_largest_rust_block() {
        let text = "Here:\n```rust\nuse super::*;\npub fn f() -> i64 { 1 }\n```\nUsage:\n```rust\nf();\n```\n";
        assert_eq!(
            extract_code(text, &Finish::Stop),
            Ok("use super::*;\npub fn f() -> i64 { 1 }\n".into())
        );
    }

    #[test]
    fn accepts_rs_and_unlabelled_fences_and_skips_other_languages() {
        let text = "```toml\n[dependencies]\nserde = \"1\"\nmore = 1\n```\n```rs\nfn a() {}\n```";
        assert_eq!(extract_code(text, &Finish::Stop), Ok("fn a() {}\n".into()));
        let text = "```\nfn b() {}\n```";
        assert_eq!(extract_code(text, &Finish::Stop), Ok("fn b() {}\n".into()));
        let text = "~~~rust,ignore\nfn c() {}\n~~~";
        assert_eq!(extract_code(text, &Finish::Stop), Ok("fn c() {}\n".into()));
    }

    #[test]
    fn longer_fences_hold_shorter_ones() {
        let text = "````rust\n/// ```\n/// doc\n/// ```\nfn d() {}\n````\n";
        assert_eq!(
            extract_code(text, &Finish::Stop),
            Ok("/// ```\n/// doc\n/// ```\nfn d() {}\n".into())
        );
    }

    #[test]
    fn no_block_is_no_code() {
        assert_eq!(
            extract_code("I cannot do that.", &Finish::Stop),
            Err(ExtractError::NoCode)
        );
        assert_eq!(
            extract_code("```sh\nls\n```", &Finish::Stop),
            Err(ExtractError::NoCode)
        );
        assert_eq!(
            extract_code("```rust\n\n```", &Finish::Stop),
            Err(ExtractError::NoCode)
        );
    }

    /// A whole reply of `text`, stopped as the model chose.
    fn reply(text: &str) -> Reply {
        Reply {
            text: text.into(),
            tokens_in: 0,
            tokens_out: 0,
            cached_in: 0,
            finish: Finish::Stop,
            latency_ms: 0,
            cached: false,
        }
    }

    /// The person reads what happened; the model, what to do about it (the text its
    /// prompts have always carried, byte for byte).
    #[test]
    fn the_user_is_told_what_happened_and_the_model_how_to_answer() {
        assert_eq!(extract_code("", &Finish::Stop), Err(ExtractError::Empty));
        assert_eq!(extract_code(" \n", &Finish::Stop), Err(ExtractError::Empty));
        assert_eq!(
            code_of(&reply("<think>\nhm\n</think>\n")),
            Err(ExtractError::NoCode),
            "all thinking is no code, not an empty reply"
        );
        let told = [
            (
                ExtractError::Empty,
                "the model's reply was empty",
                "the reply has no ```rust code block; answer with the whole imp.rs in one fenced ```rust block",
            ),
            (
                ExtractError::NoCode,
                "the reply has no ```rust code block",
                "the reply has no ```rust code block; answer with the whole imp.rs in one fenced ```rust block",
            ),
            (
                extract_code("```rust\nfn e() {}\n```", &Finish::Length).expect_err("cut off"),
                "the reply was cut off: the model reached its token limit",
                "the reply was cut off (the model reached its token limit); answer with less explanation and the whole imp.rs in one ```rust block",
            ),
            (
                ExtractError::Refused { words: "no.".into() },
                "the model refused: no.",
                "the model refused: no.; the spec asks for ordinary code: answer with the whole imp.rs in one ```rust block",
            ),
            (
                ExtractError::Filtered,
                "the provider's content filter stopped the reply",
                "the provider's content filter stopped the reply; answer with the plain code the spec asks for: the whole imp.rs in one ```rust block, no other text",
            ),
        ];
        for (err, user, model) in told {
            assert_eq!(err.to_string(), user);
            assert_eq!(err.instruction(), model);
            assert!(!err.to_string().contains("answer with"), "{err}");
        }
    }

    /// A reply that is only a tool call is told as one, not as an empty reply: the
    /// server's settings are what to look at.
    #[test]
    fn a_tool_call_is_told_as_one() {
        for reason in ["tool_calls", "tool_use", "function_call"] {
            let called = Reply {
                finish: Finish::Other(reason.into()),
                ..reply("")
            };
            let err = code_of(&called).expect_err("no code");
            assert_eq!(err, ExtractError::ToolCall);
            assert!(err
                .to_string()
                .contains("does the server or a proxy add them?"));
            assert!(err.instruction().contains("call none"));
        }
        // With code in its text, the code is taken.
        let both = Reply {
            finish: Finish::Other("tool_calls".into()),
            ..reply("```rust\nfn f() {}\n```\n")
        };
        assert_eq!(code_of(&both), Ok("fn f() {}\n".to_string()));
    }

    #[test]
    fn a_reply_that_is_bare_rust_is_the_code() {
        let bare = "use super::*;\n\npub fn f() -> i64 {\n    1\n}";
        assert_eq!(extract_code(bare, &Finish::Stop), Ok(format!("{bare}\n")));
        // Cut off, it is still cut off.
        assert!(matches!(
            extract_code(bare, &Finish::Length),
            Err(ExtractError::Truncated { .. })
        ));
        // Prose is not.
        assert_eq!(
            extract_code("Use the `pub fn` below.", &Finish::Stop),
            Err(ExtractError::NoCode)
        );
    }

    #[test]
    fn cut_off_replies_are_truncated() {
        assert!(matches!(
            extract_code("```rust\nfn e() {", &Finish::Stop),
            Err(ExtractError::Truncated { .. })
        ));
        assert!(matches!(
            extract_code("```rust\nfn e() {}\n```", &Finish::Length),
            Err(ExtractError::Truncated { .. })
        ));
    }

    #[test]
    fn a_leading_think_block_is_not_the_answer() {
        let thought = "<think>\nA draft:\n```rust\npub fn f() -> i64 { 0 }\n```\nNo, longer and wrong: ```rust\npub fn f() -> i64 { let x = 0; x - 1 }\n```\n</think>\nHere:\n```rust\npub fn f() -> i64 { 1 }";
        assert_eq!(
            code_of(&reply(thought)).expect("code"),
            "pub fn f() -> i64 { 1 }\n"
        );
        let cut = "<think>\nA draft:\n```rust\npub fn f() -> i64 { 0 }";
        assert!(matches!(
            code_of(&reply(cut)),
            Err(ExtractError::Truncated { .. })
        ));
        let later = "```rust\npub fn tag() -> &'static str { \"<think>\" }\n```";
        assert!(code_of(&reply(later)).expect("code").contains("<think>"));
    }
}
