//! The response cache: identical requests are answered from `.ghost/cache` without a request.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use super::settings::HttpSettings;
use super::{AgentError, Provider, Reply, Request};

/// Replies stored as one JSON file per key, `<dir>/<sha256>.json`.
#[derive(Debug, Clone)]
pub struct ResponseCache {
    dir: PathBuf,
}

/// A provider whose identical requests cost one call: `inner` is asked only on a miss.
pub struct CachedProvider {
    inner: Box<dyn Provider>,
    cache: ResponseCache,
}

impl ResponseCache {
    /// A cache in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> ResponseCache {
        ResponseCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a request: the sha256 of what the provider says identifies it.
    pub fn key(material: &[u8]) -> String {
        crate::compile::fingerprint::sha256_hex(material)
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The stored reply for `key`; an unreadable or corrupt entry is a miss.
    pub fn get(&self, key: &str) -> Option<Reply> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores `reply` under `key`: written to a temporary file and renamed, so a reader never
    /// sees half an entry and an interrupted build leaves none.
    pub fn put(&self, key: &str, reply: &Reply) -> Result<(), AgentError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| AgentError::Io { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let bytes = serde_json::to_vec_pretty(reply).expect("a reply always serialises");
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let tmp = self
            .dir
            .join(format!(".{key}.{}.{nanos}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        let path = self.path(key);
        std::fs::rename(&tmp, &path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            AgentError::Io { path, source }
        })
    }
}

/// The entry kept for code an agent program wrote: the file's text as it is (no fences,
/// which a doc comment's own code block would break).
pub fn code_reply(code: &str) -> Reply {
    Reply {
        text: code.to_string(),
        tokens_in: 0,
        tokens_out: 0,
        cached_in: 0,
        finish: super::Finish::Stop,
        latency_ms: 0,
        cached: false,
    }
}

impl ResponseCache {
    /// The code an agent program wrote, stored for `key` by [`code_reply`].
    pub fn code(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(|reply| reply.text)
            .filter(|code| !code.trim().is_empty())
    }
}

impl CachedProvider {
    pub fn new(inner: Box<dyn Provider>, cache: ResponseCache) -> CachedProvider {
        CachedProvider { inner, cache }
    }
}

#[async_trait::async_trait]
impl Provider for CachedProvider {
    async fn complete(&self, req: &Request) -> Result<Reply, AgentError> {
        let Some(material) = self.inner.cache_material(req) else {
            return self.inner.complete(req).await;
        };
        let key = ResponseCache::key(&with_seed(material, req.seed));
        if let Some(mut reply) = self.cache.get(&key).filter(has_code) {
            reply.cached = true;
            return Ok(reply);
        }
        let reply = self.inner.complete(req).await?;
        // The reply is paid for: a cache that cannot be written must not lose it, it only
        // means the next identical request asks again. A reply without code (empty, cut
        // off, prose) is not kept: replayed, it would fail every later build the same way
        // even once the server is mended.
        if has_code(&reply) {
            let _ = self.cache.put(&key, &reply);
        }
        Ok(reply)
    }

    fn cache_material(&self, req: &Request) -> Option<Vec<u8>> {
        self.inner.cache_material(req)
    }
}

/// Whether `reply` holds code ghost can take, as the build loop reads it.
fn has_code(reply: &Reply) -> bool {
    super::extract::code_of(reply).is_ok()
}

/// The material with the request's seed: not every wire format carries one (Anthropic's
/// has none), yet two samples of one prompt are two replies, never one served twice.
fn with_seed(mut material: Vec<u8>, seed: Option<u64>) -> Vec<u8> {
    if let Some(seed) = seed {
        material.extend_from_slice(format!("\nseed {seed}").as_bytes());
    }
    material
}

/// What identifies an HTTP request: provider kind, model, base URL and the full body, one
/// per line. The API key travels in a header, never in the body, so it is not part of it.
pub(crate) fn material(s: &HttpSettings, body: &Value) -> Vec<u8> {
    format!("{}\n{}\n{}\n{}", s.kind.name(), s.model, s.base_url, body).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Finish;

    /// Answers with the texts it is given, one per request.
    struct Scripted(std::sync::Mutex<Vec<&'static str>>);

    #[async_trait::async_trait]
    impl Provider for Scripted {
        async fn complete(&self, _req: &Request) -> Result<Reply, AgentError> {
            let text = self.0.lock().expect("not poisoned").remove(0);
            Ok(Reply {
                text: text.into(),
                tokens_in: 1,
                tokens_out: 1,
                cached_in: 0,
                finish: Finish::Stop,
                latency_ms: 0,
                cached: false,
            })
        }
        fn cache_material(&self, req: &Request) -> Option<Vec<u8>> {
            Some(req.prompt.clone().into_bytes())
        }
    }

    #[test]
    fn only_replies_with_code_are_replayed() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let good = "```rust\npub fn f() {}\n```\n";
        let inner = Scripted(std::sync::Mutex::new(vec![
            "I cannot help with that.",
            good,
            "unused",
        ]));
        let provider = CachedProvider::new(Box::new(inner), ResponseCache::new(dir.path()));
        let req = Request {
            module: "a".into(),
            prompt: "p".into(),
            temperature: 0.0,
            max_tokens: None,
            stop: Vec::new(),
            seed: None,
            cache_prefix: 0,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let first = rt.block_on(provider.complete(&req)).expect("reply");
        assert!(!first.cached);
        // No code: asked again, not replayed.
        let second = rt.block_on(provider.complete(&req)).expect("reply");
        assert!(!second.cached && second.text.contains("pub fn f"));
        let third = rt.block_on(provider.complete(&req)).expect("reply");
        assert!(third.cached && third.text.contains("pub fn f"));
    }

    #[test]
    fn samples_with_other_seeds_have_other_keys() {
        let key = |seed| ResponseCache::key(&with_seed(b"same body".to_vec(), seed));
        assert_eq!(key(None), ResponseCache::key(b"same body"));
        assert_ne!(key(Some(3)), key(Some(4)));
        assert_ne!(key(Some(3)), key(None));
    }

    #[test]
    fn put_then_get_round_trips_and_corrupt_entries_are_misses() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let cache = ResponseCache::new(dir.path().join("cache"));
        let key = ResponseCache::key(b"x");
        assert_eq!(key.len(), 64);
        assert!(cache.get(&key).is_none());
        let reply = Reply {
            text: "hi".into(),
            tokens_in: 1,
            tokens_out: 2,
            cached_in: 0,
            finish: Finish::Stop,
            latency_ms: 3,
            cached: false,
        };
        cache.put(&key, &reply).expect("writable");
        assert_eq!(cache.get(&key), Some(reply));
        std::fs::write(cache.path(&key), b"{garbage").expect("writable");
        assert!(cache.get(&key).is_none());
        let leftovers = std::fs::read_dir(cache.dir())
            .expect("exists")
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                    .unwrap_or(false)
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
