//! Server-sent events: splitting a byte stream into `event:`/`data:` records.

/// One event: its `event:` name (Anthropic sends one, OpenAI does not) and its `data:` lines
/// joined with newlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

/// Incremental parser: feed it chunks as they arrive, in whatever sizes the network cut them.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    /// Bytes after the last complete line.
    pending: Vec<u8>,
    /// How many bytes of `pending` are known to hold no line end: each chunk is searched
    /// once (a line sent in many chunks is not searched again from its start each time).
    searched: usize,
    event: Option<String>,
    data: Vec<String>,
    /// The bytes of `data`, kept as it grows (see [`Self::held`]).
    data_bytes: usize,
}

impl SseParser {
    /// The events completed by `bytes`.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        // Only complete lines are decoded, so a UTF-8 character split between chunks is
        // never cut in half.
        // A line ends at `\n`, `\r\n` or a lone `\r` (the SSE format allows all three); a
        // `\r` that ends the bytes so far waits for the next chunk, which may start with `\n`.
        while let Some(at) = self.line_end() {
            let end = match (self.pending[at], self.pending.get(at + 1)) {
                (b'\r', Some(b'\n')) => at + 1,
                (b'\r', None) => {
                    self.searched = at;
                    break;
                }
                _ => at,
            };
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.searched = 0;
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(event) = self.line(line) {
                events.push(event);
            }
        }
        events
    }

    /// Where the first line end in `pending` is, searching only what was not searched;
    /// when there is none, the whole of it is searched.
    fn line_end(&mut self) -> Option<usize> {
        let found = self.pending[self.searched..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map(|p| self.searched + p);
        if found.is_none() {
            self.searched = self.pending.len();
        }
        found
    }

    /// The bytes held for an event not finished yet: its line so far and its `data:`
    /// lines.
    pub fn held(&self) -> usize {
        self.pending.len() + self.data_bytes
    }

    /// Whether bytes after the last complete line are waiting (a line with no newline).
    pub fn has_partial_line(&self) -> bool {
        self.pending.iter().any(|b| !b.is_ascii_whitespace())
    }

    /// The last event, if the stream ended without the blank line that closes it.
    pub fn finish(&mut self) -> Option<SseEvent> {
        // A `\r` held back for a `\n` that never came ended its line.
        if self.pending.last() == Some(&b'\r') {
            let held = self.push(b"\n");
            if let Some(event) = held.into_iter().last() {
                return Some(event);
            }
        }
        let rest = std::mem::take(&mut self.pending);
        self.searched = 0;
        let rest = String::from_utf8_lossy(&rest);
        let rest = rest.trim_end_matches(['\n', '\r']);
        if !rest.is_empty() {
            if let Some(event) = self.line(rest) {
                return Some(event);
            }
        }
        self.dispatch()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // a comment, used as keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_string()),
            "data" => self.push_data(value),
            // Not in the standard: llama.cpp's server sent its errors (a prompt longer than
            // its context) on an `error:` line, then `[DONE]`. Read as an `error` event.
            "error" => {
                self.event = Some("error".to_string());
                self.push_data(value);
            }
            _ => {} // id, retry: not needed here
        }
        None
    }

    fn push_data(&mut self, value: &str) {
        self.data_bytes += value.len();
        self.data.push(value.to_string());
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        self.data_bytes = 0;
        if self.data.is_empty() {
            return None;
        }
        let data = std::mem::take(&mut self.data).join("\n");
        Some(SseEvent { event, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks() {
        let mut p = SseParser::default();
        let mut got = p.push(b"event: a\r\ndata: {\"x\"");
        assert!(got.is_empty());
        got.extend(p.push(b":1}\n\n: keep-alive\n\ndata: [DONE]\n"));
        got.extend(p.finish());
        assert_eq!(
            got,
            vec![
                SseEvent {
                    event: Some("a".into()),
                    data: "{\"x\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "[DONE]".into()
                },
            ]
        );
    }

    #[test]
    fn lines_may_end_with_a_lone_carriage_return() {
        let mut p = SseParser::default();
        let mut got = p.push(b"data: a\r\rdata: b\r");
        got.extend(p.push(b"\ndata: c\r\r"));
        got.extend(p.finish());
        let data: Vec<&str> = got.iter().map(|e| e.data.as_str()).collect();
        assert_eq!(data, ["a", "b\nc"]);
    }

    /// A line sent in many chunks is searched once, and what waits for an event's end
    /// is counted, for the caller to stop a stream that never ends one.
    #[test]
    fn a_long_line_in_many_chunks_is_held_and_counted() {
        let mut p = SseParser::default();
        assert!(p.push(b"data: a\ndata: ").is_empty());
        for _ in 0..1000 {
            assert!(p.push(&[b'x'; 100]).is_empty());
        }
        assert_eq!(p.held(), 1 + "data: ".len() + 100_000);
        let got = p.push(b"\r");
        assert!(got.is_empty(), "a lone \\r waits for a \\n");
        assert_eq!(p.held(), 1 + 100_006 + 1);
        let got = p.push(b"\n\n");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data.len(), 2 + 100_000);
        assert_eq!(p.held(), 0);
    }

    #[test]
    fn multibyte_characters_split_between_chunks_survive() {
        let bytes = "data: é\n\n".as_bytes();
        let mut p = SseParser::default();
        let mut got = p.push(&bytes[..7]);
        got.extend(p.push(&bytes[7..]));
        assert_eq!(got[0].data, "é");
    }
}
