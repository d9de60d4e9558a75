//! `AgentSettings`: the `[agent]` table as the agent stage needs it, and the provider it selects.

use std::sync::Arc;
use std::time::Duration;

use super::anthropic::Anthropic;
use super::openai::OpenAi;
use super::retry::{RetryPolicy, Sleeper, TokioSleeper};
use super::{AgentError, Provider};

/// Which kind of agent answers the prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Any OpenAI-compatible chat-completions server.
    OpenAi,
    Anthropic,
    /// A program run in a scratch workspace, see [`super::command`].
    Command,
    /// A person or an editor's agent: ghost writes the prompt and waits.
    Manual,
}

/// The agent settings after ghost.toml, environment and command line are merged.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSettings {
    pub provider: ProviderKind,
    pub model: String,
    /// `None`: the provider's public API.
    pub base_url: Option<String>,
    /// `None`: `OPENAI_API_KEY` or `ANTHROPIC_API_KEY`.
    pub api_key_env: Option<String>,
    /// For [`ProviderKind::Command`]: the command line, split like a shell would.
    pub command: Option<String>,
    /// The folder a relative program path in `command` (`./agent.sh`) is found from: the
    /// project's root, since the program itself runs in a scratch folder.
    pub command_base: Option<std::path::PathBuf>,
    /// The limit for one request (or one run of the command), connection to last byte.
    pub timeout: Duration,
    /// Further tries (requests) after a retryable failure.
    pub max_retries: u32,
    /// The first backoff delay; each retry doubles it (with jitter).
    pub retry_base_delay: Duration,
    /// Ask HTTP providers for a streamed reply (server-sent events).
    pub stream: bool,
}

impl Default for AgentSettings {
    fn default() -> Self {
        AgentSettings {
            provider: ProviderKind::OpenAi,
            model: String::new(),
            base_url: None,
            api_key_env: None,
            command: None,
            command_base: None,
            timeout: Duration::from_secs(600),
            max_retries: 4,
            retry_base_delay: Duration::from_millis(500),
            stream: true,
        }
    }
}

impl ProviderKind {
    /// The name used in ghost.toml.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Command => "command",
            ProviderKind::Manual => "manual",
        }
    }

    /// The kind named `name` in ghost.toml, if any.
    pub fn parse(name: &str) -> Option<ProviderKind> {
        match name {
            "openai" => Some(ProviderKind::OpenAi),
            "anthropic" => Some(ProviderKind::Anthropic),
            "command" => Some(ProviderKind::Command),
            "manual" => Some(ProviderKind::Manual),
            _ => None,
        }
    }
}

/// What an HTTP provider is built from, after defaults and the key are resolved.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    pub kind: ProviderKind,
    pub model: String,
    /// Without a trailing slash.
    pub base_url: String,
    pub key: Option<String>,
    /// The variable the key came from (or should come from), for error messages.
    pub key_var: String,
    /// Whether the variable is set (maybe to nothing) when no key is sent: a server
    /// that wants one is told so in the right words.
    pub key_var_set: bool,
    pub timeout: Duration,
    pub stream: bool,
    pub retry: RetryPolicy,
    pub sleeper: Arc<dyn Sleeper>,
}

impl std::fmt::Debug for HttpSettings {
    // By hand, so that the key can never reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSettings")
            .field("kind", &self.kind)
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .field("key_var", &self.key_var)
            .finish_non_exhaustive()
    }
}

/// The HTTP provider `settings` select, reading the key through `env`.
///
/// The key is required when talking to the public API (no `base_url`) or when `api_key_env`
/// names a variable; a custom `base_url` without `api_key_env` (a local server) uses
/// the default variable when it is set and sends no key otherwise. `command` and `manual`
/// are not request/reply providers: the build runs [`super::command::run_command`] or writes
/// the prompt itself, so asking for them here is a settings error.
pub fn provider_from(
    settings: &AgentSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Box<dyn Provider>, AgentError> {
    provider_from_with(settings, env, Arc::new(TokioSleeper))
}

/// [`provider_from`] with the clock the retries wait on (tests pass one that does not sleep).
pub fn provider_from_with(
    settings: &AgentSettings,
    env: &dyn Fn(&str) -> Option<String>,
    sleeper: Arc<dyn Sleeper>,
) -> Result<Box<dyn Provider>, AgentError> {
    let (default_url, default_var) = match settings.provider {
        ProviderKind::OpenAi => ("https://api.openai.com/v1", "OPENAI_API_KEY"),
        ProviderKind::Anthropic => ("https://api.anthropic.com/v1", "ANTHROPIC_API_KEY"),
        ProviderKind::Command | ProviderKind::Manual => {
            return Err(AgentError::Settings {
                reason: format!(
                    "provider `{}` does not answer requests over HTTP; the build runs it itself",
                    settings.provider.name()
                ),
            })
        }
    };
    if settings.model.trim().is_empty() {
        return Err(AgentError::Settings {
            reason: format!(
                "no model for provider `{}`: set `model` in the [agent] table, GHOST_MODEL or `--model`",
                settings.provider.name()
            ),
        });
    }
    let key_var = settings
        .api_key_env
        .clone()
        .unwrap_or_else(|| default_var.to_string());
    // A key pasted with its line break (`$(cat key.txt)` keeps none, an editor's file
    // does) is the key: a header value cannot hold the break.
    let value = env(&key_var);
    let key_var_set = value.is_some();
    let key = value
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty());
    if key
        .as_deref()
        .is_some_and(|k| k.chars().any(|c| c.is_control() || c == ' '))
    {
        return Err(AgentError::Settings {
            reason: format!(
                "the API key in `{key_var}` holds a space or a control character; set it to the key alone"
            ),
        });
    }
    let key_required = settings.base_url.is_none() || settings.api_key_env.is_some();
    if key.is_none() && key_required {
        return Err(AgentError::KeyMissing {
            provider: settings.provider.name().to_string(),
            var: key_var,
            empty: key_var_set,
        });
    }
    let base_url = settings
        .base_url
        .as_deref()
        .unwrap_or(default_url)
        .trim_end_matches('/')
        .to_string();
    // Told now, once, rather than found by every request and retried as network trouble.
    if let Some(reason) = scheme_problem(&base_url) {
        return Err(AgentError::Settings { reason });
    }
    if base_url.contains(['?', '#']) {
        return Err(AgentError::Settings {
            reason: format!(
                "`base_url` `{base_url}` has a query or fragment: give the API's root alone (ghost adds the endpoint to it), e.g. `http://127.0.0.1:8080/v1`"
            ),
        });
    }
    let endpoint = ["/chat/completions", "/messages"]
        .into_iter()
        .find(|e| base_url.ends_with(e));
    if let Some(e) = endpoint {
        return Err(AgentError::Settings {
            reason: format!(
                "`base_url` is the API's root, not an endpoint: `{}` (ghost adds `{e}`)",
                base_url.trim_end_matches(e)
            ),
        });
    }
    let http = HttpSettings {
        kind: settings.provider,
        model: settings.model.clone(),
        base_url,
        key,
        key_var,
        key_var_set,
        timeout: settings.timeout,
        stream: settings.stream,
        retry: RetryPolicy {
            max_retries: settings.max_retries,
            base_delay: settings.retry_base_delay,
            ..RetryPolicy::default()
        },
        sleeper,
    };
    Ok(match settings.provider {
        ProviderKind::OpenAi => Box::new(OpenAi::new(http)?),
        _ => Box::new(Anthropic::new(http)?),
    })
}

/// What is wrong with the scheme of `base_url`, if anything: a URL written without one
/// (`127.0.0.1:8080/v1`) gets it suggested; one with another (`ftp://`) is named, since
/// putting `http://` before it would make no URL.
fn scheme_problem(base_url: &str) -> Option<String> {
    let lower = base_url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return None;
    }
    let scheme = base_url
        .split_once("://")
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty());
    Some(match scheme {
        Some(scheme) => format!(
            "`base_url` `{base_url}` uses `{scheme}://`; ghost talks to the API over http:// or https:// only: give the server's http(s) URL"
        ),
        None => format!(
            "`base_url` must start with http:// or https://, as in `http://{base_url}`"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(kind: ProviderKind) -> AgentSettings {
        AgentSettings {
            provider: kind,
            model: "m".into(),
            ..AgentSettings::default()
        }
    }

    #[test]
    fn missing_key_names_the_variable() {
        let err = provider_from(&settings(ProviderKind::Anthropic), &|_| None)
            .err()
            .expect("no key must fail");
        let msg = err.to_string();
        assert!(msg.contains("ANTHROPIC_API_KEY"), "{msg}");
    }

    #[test]
    fn a_key_with_its_line_break_is_the_key_and_one_with_a_space_is_refused() {
        let s = settings(ProviderKind::OpenAi);
        assert!(provider_from(&s, &|_| Some("sk-abc123\n".into())).is_ok());
        let msg = provider_from(&s, &|_| Some("sk-abc 123".into()))
            .err()
            .expect("a space in a key must fail")
            .to_string();
        assert!(
            msg.contains("OPENAI_API_KEY") && !msg.contains("abc"),
            "named, never shown: {msg}"
        );
    }

    #[test]
    fn a_base_url_with_a_query_is_refused() {
        let mut s = settings(ProviderKind::OpenAi);
        s.base_url = Some("http://127.0.0.1:1/v1?x=1".into());
        let msg = provider_from(&s, &|_| None)
            .err()
            .expect("a query must fail")
            .to_string();
        assert!(msg.contains("query"), "{msg}");
    }

    #[test]
    fn custom_key_variable_is_required_and_named() {
        let mut s = settings(ProviderKind::OpenAi);
        s.base_url = Some("http://127.0.0.1:1/v1".into());
        s.api_key_env = Some("MY_KEY".into());
        let msg = provider_from(&s, &|_| Some(String::new()))
            .err()
            .expect("empty key must fail")
            .to_string();
        assert!(msg.contains("MY_KEY"), "{msg}");
    }

    #[test]
    fn a_base_url_without_scheme_or_with_an_endpoint_is_refused_up_front() {
        let mut s = settings(ProviderKind::OpenAi);
        s.base_url = Some("127.0.0.1:1/v1".into());
        let msg = provider_from(&s, &|_| None)
            .err()
            .expect("no scheme")
            .to_string();
        assert!(msg.contains("http://127.0.0.1:1/v1"), "{msg}");
        // Another scheme is named, not prefixed with `http://`.
        s.base_url = Some("ftp://x/v1".into());
        let msg = provider_from(&s, &|_| None)
            .err()
            .expect("not http")
            .to_string();
        assert!(msg.contains("`ftp://`"), "{msg}");
        assert!(!msg.contains("http://ftp"), "{msg}");
        s.base_url = Some("http://127.0.0.1:1/v1/chat/completions".into());
        let msg = provider_from(&s, &|_| None)
            .err()
            .expect("endpoint")
            .to_string();
        assert!(msg.contains("`http://127.0.0.1:1/v1`"), "{msg}");
    }

    #[test]
    fn local_server_needs_no_key() {
        let mut s = settings(ProviderKind::OpenAi);
        s.base_url = Some("http://127.0.0.1:1/v1/".into());
        assert!(provider_from(&s, &|_| None).is_ok());
    }

    #[test]
    fn command_and_manual_are_not_http_providers() {
        for kind in [ProviderKind::Command, ProviderKind::Manual] {
            assert!(matches!(
                provider_from(&settings(kind), &|_| None),
                Err(AgentError::Settings { .. })
            ));
        }
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in [
            ProviderKind::OpenAi,
            ProviderKind::Anthropic,
            ProviderKind::Command,
            ProviderKind::Manual,
        ] {
            assert_eq!(ProviderKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(ProviderKind::parse("gpt"), None);
    }
}
