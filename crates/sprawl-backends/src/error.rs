//! Errors of backends, the orchestrator and the configuration.

use std::time::Duration;

/// Why one call to one backend gave no usable answer.
///
/// Every message names the backend (its name in the configuration) and says
/// what happened in words a user can act on. No variant ever holds an API
/// key: error text that comes from a server is passed through
/// [`Redactor`](crate::http::Redactor) before it is stored here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BackendError {
    /// The server refused the credentials (HTTP 401 or 403). Not retried.
    #[error(
        "{backend}: the server refused the API key (HTTP {status}); check the key in the \
         environment variable named by api_key_env"
    )]
    Unauthorized {
        /// Backend name.
        backend: String,
        /// 401 or 403.
        status: u16,
    },
    /// The server said to slow down (HTTP 429).
    #[error("{backend}: rate limited (HTTP 429){}", retry_after_text(*.retry_after))]
    RateLimited {
        /// Backend name.
        backend: String,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// Any other unsuccessful HTTP status.
    #[error("{backend}: HTTP {status}: {message}")]
    Status {
        /// Backend name.
        backend: String,
        /// The status code.
        status: u16,
        /// The start of the server's answer (redacted).
        message: String,
        /// The server's `Retry-After`, if it sent one (503 may carry it).
        retry_after: Option<Duration>,
    },
    /// No complete answer within the backend's `timeout_s` (the deadline
    /// covers connecting, waiting and reading the whole body, so a server
    /// that trickles bytes is cut off too).
    #[error("{backend}: no complete answer within {:.1} s", .after.as_secs_f64())]
    Timeout {
        /// Backend name.
        backend: String,
        /// The deadline.
        after: Duration,
    },
    /// The request could not be sent or the answer not received.
    #[error("{backend}: connection failed: {message}")]
    Transport {
        /// Backend name.
        backend: String,
        /// What failed.
        message: String,
    },
    /// The answer was larger than the backend's limit; reading stopped there.
    #[error("{backend}: answer is larger than the limit of {limit} bytes")]
    TooLarge {
        /// Backend name.
        backend: String,
        /// The limit.
        limit: u64,
    },
    /// The answer arrived but is unusable: not JSON, not following the
    /// schema, failing validation, or a model that does not pass the mesh
    /// checks. Not retried.
    #[error("{backend}: unusable answer: {message}")]
    Invalid {
        /// Backend name.
        backend: String,
        /// What is wrong.
        message: String,
    },
    /// A job of an asynchronous job API failed on the server.
    #[error("{backend}: job failed: {message}")]
    JobFailed {
        /// Backend name.
        backend: String,
        /// The server's reason (redacted).
        message: String,
    },
    /// The backend cannot do this task.
    #[error("{backend}: cannot do the `{task}` task")]
    Unsupported {
        /// Backend name.
        backend: String,
        /// Task name.
        task: &'static str,
    },
    /// The backend is not usable in this run (e.g. its key variable is unset).
    #[error("{backend}: unavailable: {reason}")]
    Unavailable {
        /// Backend name.
        backend: String,
        /// Why.
        reason: String,
    },
    /// The backend failed too often lately; it is skipped until the breaker
    /// lets a trial call through.
    #[error("{backend}: skipped: circuit breaker open after {failures} failures in a row")]
    CircuitOpen {
        /// Backend name.
        backend: String,
        /// Consecutive failures that opened it.
        failures: u32,
    },
    /// Calling would exceed the world's budget.
    #[error(
        "{backend}: skipped: a call costs {cost}, and {spent:.4} of the budget of {budget} is spent"
    )]
    Budget {
        /// Backend name.
        backend: String,
        /// Cost of one call.
        cost: f64,
        /// Spent so far.
        spent: f64,
        /// The budget.
        budget: f64,
    },
    /// The embedded interpreter refused the input (blank prompt, unreadable
    /// sketch): the input itself is unusable, so no backend is asked.
    #[error("{0}")]
    Input(String),
}

fn retry_after_text(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("; the server asked to retry after {:.1} s", d.as_secs_f64()),
        None => String::new(),
    }
}

impl BackendError {
    /// Whether another attempt at the same backend may succeed (rate
    /// limits, overload, server errors, time-outs, dropped connections).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Status { status, .. } => matches!(status, 408 | 409 | 425 | 500..=599),
            _ => false,
        }
    }

    /// The server's requested wait before the next attempt, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Status { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether the error counts against the backend's circuit breaker (the
    /// backend misbehaved, as opposed to being skipped).
    pub fn counts_as_failure(&self) -> bool {
        !matches!(
            self,
            Self::Unsupported { .. }
                | Self::Unavailable { .. }
                | Self::CircuitOpen { .. }
                | Self::Budget { .. }
                | Self::Input(_)
        )
    }

    /// A short machine-readable kind, for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "unauthorized",
            Self::RateLimited { .. } => "rate_limited",
            Self::Status { .. } => "http_status",
            Self::Timeout { .. } => "timeout",
            Self::Transport { .. } => "transport",
            Self::TooLarge { .. } => "too_large",
            Self::Invalid { .. } => "invalid",
            Self::JobFailed { .. } => "job_failed",
            Self::Unsupported { .. } => "unsupported",
            Self::Unavailable { .. } => "unavailable",
            Self::CircuitOpen { .. } => "circuit_open",
            Self::Budget { .. } => "budget",
            Self::Input(_) => "input",
        }
    }
}

/// Why a configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML does not parse or has unknown or mistyped fields.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Why the HTTP service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the server failed: {0}")]
    Run(#[source] std::io::Error),
    /// The bearer token is missing or too short.
    #[error("{0}")]
    Token(String),
}
