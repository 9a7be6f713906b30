//! HTTP plumbing shared by the backends: capped body reads, status
//! classification, `Retry-After`, secret redaction and base64.

use crate::error::BackendError;
use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, SystemTime};

/// Removes secrets from text that came from a server (an error body may echo
/// the request's `Authorization` header back) and keeps it short and printable.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

/// Longest server text kept in an error message (characters).
const MAX_SNIPPET: usize = 240;

impl Redactor {
    /// A redactor for `secret` (if any).
    pub fn new(secret: Option<&SecretString>) -> Self {
        Self {
            secrets: secret.into_iter().cloned().collect(),
        }
    }

    /// `text` with every secret replaced by `[redacted]`, control characters
    /// replaced by spaces, cut to a few hundred characters.
    pub fn scrub(&self, text: &str) -> String {
        let mut s = text.to_owned();
        for secret in &self.secrets {
            let v = secret.expose_secret();
            if !v.is_empty() {
                s = s.replace(v, "[redacted]");
            }
        }
        let mut out: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_SNIPPET)
            .collect();
        if s.chars().count() > MAX_SNIPPET {
            out.push('…');
        }
        // A secret cut by the length limit could leave a prefix of itself;
        // secrets are long, so check the tail once more.
        for secret in &self.secrets {
            let v = secret.expose_secret();
            if v.len() >= 8
                && let Some(head) = v.get(..8)
                && out.contains(head)
            {
                return "[server text withheld: it contained the API key]".into();
            }
        }
        out.trim().to_owned()
    }
}

/// Reads a response body of at most `limit` bytes, chunk by chunk, stopping
/// as soon as the limit is passed (a huge or endless body is never held in
/// memory). Time limits are the caller's (the attempt's deadline).
pub async fn read_capped(
    backend: &str,
    mut resp: reqwest::Response,
    limit: u64,
    deadline: Duration,
) -> Result<Vec<u8>, BackendError> {
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(BackendError::TooLarge {
            backend: backend.to_owned(),
            limit,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| transport(backend, &e, &Redactor::default(), deadline))?
    {
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(BackendError::TooLarge {
                backend: backend.to_owned(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport error in words, without the URL's query or any header. A
/// time-out of the HTTP client (a backstop behind the orchestrator's own
/// deadline) is reported as [`BackendError::Timeout`] after `deadline`.
pub fn transport(
    backend: &str,
    e: &reqwest::Error,
    redactor: &Redactor,
    deadline: Duration,
) -> BackendError {
    if e.is_timeout() {
        return BackendError::Timeout {
            backend: backend.to_owned(),
            after: deadline,
        };
    }
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else if e.is_request() {
        "the request failed"
    } else {
        "HTTP error"
    };
    // reqwest's own Display includes the URL (whose query might hold a
    // token); the causes below it do not.
    let mut detail = Vec::new();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        detail.push(c.to_string());
        cause = c.source();
    }
    let detail = if detail.is_empty() {
        "no details".to_owned()
    } else {
        detail.join(": ")
    };
    BackendError::Transport {
        backend: backend.to_owned(),
        message: redactor.scrub(&format!("{what} ({detail})")),
    }
}

/// Parses a `Retry-After` value: delay seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(86_400 * 365)));
    }
    if let Ok(secs) = v.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(86_400.0 * 365.0)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` of a response, if present and readable.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

/// The error for an unsuccessful status, with the start of the body as the
/// message (redacted).
pub fn status_error(
    backend: &str,
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    redactor: &Redactor,
) -> BackendError {
    let code = status.as_u16();
    match code {
        401 | 403 => BackendError::Unauthorized {
            backend: backend.to_owned(),
            status: code,
        },
        429 => BackendError::RateLimited {
            backend: backend.to_owned(),
            retry_after: retry_after(headers),
        },
        _ => {
            let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
            let message = error_message(&text).unwrap_or_else(|| text.into_owned());
            BackendError::Status {
                backend: backend.to_owned(),
                status: code,
                message: redactor.scrub(&message),
                retry_after: retry_after(headers),
            }
        }
    }
}

/// `error.message` (OpenAI's error shape) or `error`/`detail` as a string.
fn error_message(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let s = v
        .pointer("/error/message")
        .or_else(|| v.get("error"))
        .or_else(|| v.get("detail"))
        .or_else(|| v.get("message"))?;
    Some(match s {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or URL-safe base64 (padding optional, whitespace ignored).
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding = false;
    for (i, c) in text.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding = true;
            continue;
        }
        if padding {
            return Err(format!("data after padding at byte {i}"));
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return Err(format!("invalid base64 character at byte {i}")),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("truncated base64".into());
    }
    Ok(out)
}

/// Serde helpers for bytes as a base64 string.
pub mod base64_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises bytes as base64.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::base64_encode(bytes))
    }

    /// Deserialises base64 into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::base64_decode(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn base64_round_trip() {
        for n in 0..20 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64_encode(&bytes);
            assert_eq!(base64_decode(&text).expect("decodes"), bytes);
        }
        assert_eq!(base64_encode(b"Man"), "TWFu");
        assert_eq!(base64_encode(b"M"), "TQ==");
        assert!(base64_decode("TQ=x").is_err());
        assert!(base64_decode("T").is_err());
        assert!(base64_decode("*").is_err());
    }

    #[test]
    fn redaction() {
        let key = SecretString::from("sk-test-0123456789abcdef".to_owned());
        let r = Redactor::new(Some(&key));
        let s = r.scrub("bad key Bearer sk-test-0123456789abcdef\nplease");
        assert!(!s.contains("sk-test"), "{s}");
        assert!(s.contains("[redacted]"));
        let long = format!("{}sk-test-0123456789abcdef", "x".repeat(MAX_SNIPPET - 10));
        assert!(!r.scrub(&long).contains("sk-test-0"));
    }
}
