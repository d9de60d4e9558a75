//! A scripted HTTP/1.1 server on 127.0.0.1:0: answers each request with the next scripted
//! response (or what a handler makes of the request) and records what it received, so the
//! real providers and the real `ghost` binary can be tested offline.
//!
//! Shared by the integration tests (`agent`, `build_loop`) and the `concurrency` bench,
//! which includes this file by path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A whole response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `200` with `text/event-stream`, the chunks written one by one, then the connection closed.
    Sse(Vec<String>),
    /// Read the request, then never answer.
    Hang,
    /// Read the request, then close the connection without a word.
    Close,
    /// Wait, then answer (the `concurrency` bench's slow server).
    #[allow(dead_code)]
    Delayed(Duration, Box<Answer>),
}

/// Makes the answer to a request from the request and how many came before it.
pub type Handler = Arc<dyn Fn(&Seen, usize) -> Answer + Send + Sync>;

/// A request as the server saw it; header names are lower-case.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub struct Server {
    pub base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A [`Server`] on a runtime of its own, for tests that block on a child process while
/// the server answers it.
pub struct Background {
    pub server: Server,
    // Dropped last: dropping it stops the server.
    _runtime: tokio::runtime::Runtime,
}

impl Answer {
    pub fn json(status: u16, body: &str) -> Answer {
        Answer::Full {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Answer {
        if let Answer::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    /// The prompt of a chat request (OpenAI or Anthropic format): the first message's text,
    /// or its text blocks joined (Anthropic's, with a cache breakpoint between them).
    pub fn prompt(&self) -> String {
        let content = &self.json()["messages"][0]["content"];
        match content.as_array() {
            Some(blocks) => blocks.iter().filter_map(|b| b["text"].as_str()).collect(),
            None => content.as_str().unwrap_or_default().to_string(),
        }
    }
}

impl Background {
    /// Starts a server answering with what `handler` makes of each request.
    pub fn start_with(handler: Handler) -> Background {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the server");
        let server = runtime.block_on(Server::start_with(handler));
        Background {
            server,
            _runtime: runtime,
        }
    }
}

/// A handler that answers with `script`, in order; requests past its end get a 400.
pub fn scripted(script: Vec<Answer>) -> Handler {
    let script = Mutex::new(script.into_iter());
    Arc::new(move |_, _| {
        script
            .lock()
            .expect("not poisoned")
            .next()
            .unwrap_or_else(|| Answer::json(400, r#"{"error":{"message":"unscripted request"}}"#))
    })
}

impl Server {
    /// Starts a server answering with `script`, in order; requests past its end get a 400.
    pub async fn start(script: Vec<Answer>) -> Server {
        Server::start_with(scripted(script)).await
    }

    /// Starts a server answering with what `handler` makes of each request.
    pub async fn start_with(handler: Handler) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("bound");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let seen = seen2.clone();
                let handler = handler.clone();
                tokio::spawn(async move { serve(socket, seen, handler).await });
            }
        });
        Server {
            base_url: format!("http://{addr}/v1"),
            seen,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

async fn serve(mut socket: TcpStream, seen: Arc<Mutex<Vec<Seen>>>, handler: Handler) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let answer = {
        let mut seen = seen.lock().expect("not poisoned");
        let answer = handler(&request, seen.len());
        seen.push(request);
        answer
    };
    write_answer(&mut socket, answer).await;
    let _ = socket.shutdown().await;
}

async fn write_answer(socket: &mut TcpStream, mut answer: Answer) {
    while let Answer::Delayed(delay, inner) = answer {
        tokio::time::sleep(delay).await;
        answer = *inner;
    }
    match answer {
        Answer::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nconnection: close\r\ncontent-length: {}\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
        Answer::Sse(chunks) => {
            let head =
                "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: text/event-stream\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            for chunk in chunks {
                let _ = socket.write_all(chunk.as_bytes()).await;
                let _ = socket.flush().await;
            }
        }
        Answer::Hang => {
            std::future::pending::<()>().await;
        }
        Answer::Close | Answer::Delayed(..) => {}
    }
}

/// Reads one request: the head up to the blank line, then `content-length` bytes of body.
async fn read_request(socket: &mut TcpStream) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some(Seen {
        method,
        path,
        headers,
        body,
    })
}
