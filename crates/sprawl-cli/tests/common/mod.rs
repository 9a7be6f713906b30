//! Helpers shared by the `sprawl` binary's integration tests: running the
//! binary, and fake HTTP servers on loopback.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

/// A `sprawl` command with `args`, run in `dir`.
pub fn sprawl_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sprawl"));
    command.args(args).current_dir(dir);
    command
}

/// Asserts that `sprawl args` succeeded; its (stdout, stderr).
pub fn expect_success(args: &[&str], out: &Output) -> (String, String) {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "sprawl {args:?} failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

/// A server on loopback: each of the first `max_connections` connections
/// goes to `handle` on a thread of its own. Returns its address.
pub fn loopback_server<F>(max_connections: usize, handle: F) -> SocketAddr
where
    F: Fn(TcpStream) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten().take(max_connections) {
            let handle = handle.clone();
            std::thread::spawn(move || handle(sock));
        }
    });
    addr
}

/// One HTTP request as a fake server read it.
pub struct Request {
    /// The request line and the header lines, with their line ends and the
    /// blank line that ends them.
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    /// The request line's first word.
    pub fn method(&self) -> &str {
        self.request_line().next().unwrap_or("")
    }

    /// The request line's second word.
    pub fn path(&self) -> &str {
        self.request_line().nth(1).unwrap_or("")
    }

    fn request_line(&self) -> std::str::SplitWhitespace<'_> {
        self.head.lines().next().unwrap_or("").split_whitespace()
    }
}

/// Reads one request from `sock` (waiting up to 5 s a read), its body as
/// long as its Content-Length says; `None` where the connection ends before
/// the head does.
pub fn read_request(sock: &TcpStream) -> Option<Request> {
    let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(sock.try_clone().expect("clone"));
    let mut head = String::new();
    if reader.read_line(&mut head).unwrap_or(0) == 0 {
        return None;
    }
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; len];
    let _ = reader.read_exact(&mut body);
    Some(Request { head, body })
}

/// Writes a response that closes the connection: `status` is the status
/// line's code and reason ("200 OK"), `headers` more header lines, each
/// ending in "\r\n".
pub fn write_response(sock: &mut TcpStream, status: &str, headers: &str, body: &[u8]) {
    let _ = write!(
        sock,
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = sock.write_all(body);
}

/// A chat-completions answer whose one message says `content`.
pub fn chat_completion(content: &serde_json::Value) -> String {
    serde_json::json!({"choices": [{"index": 0, "finish_reason": "stop",
        "message": {"role": "assistant", "content": content.to_string()}}]})
    .to_string()
}
