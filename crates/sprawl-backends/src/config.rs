//! The backends configuration file (TOML).
//!
//! A configuration names backends and, for each task, the route of backends
//! to try in order; see `examples/backends.toml` in the repository for a
//! commented example. Keys never appear in it: a backend names the
//! environment variable that holds its key (`api_key_env`), and the key is
//! read from there into a [`SecretString`] when the backends are built.
//!
//! ```
//! use sprawl_backends::config::Config;
//! let cfg = Config::from_toml_str(r#"
//!     [routes]
//!     prompt = ["local", "procedural"]
//!     [backends.local]
//!     kind = "openai"
//!     base_url = "http://127.0.0.1:8080/v1"
//!     model = "qwen2.5-7b-instruct"
//!     timeout_s = 20
//! "#, "inline").unwrap();
//! assert_eq!(cfg.route(sprawl_backends::TaskKind::Prompt), ["local", "procedural"]);
//! ```

use crate::error::ConfigError;
use crate::task::TaskKind;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Name of the built-in procedural backend; always present, never configured.
pub const PROCEDURAL: &str = "procedural";

/// Largest configuration file read (bytes).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Spending limit per world.
    #[serde(default)]
    pub budget: Budget,
    /// For each task, backend names to try in order.
    #[serde(default)]
    pub routes: Routes,
    /// Backends by name.
    #[serde(default)]
    pub backends: BTreeMap<String, BackendConfig>,
}

/// Spending limit per world, in the unit of `cost_per_call` (e.g. US dollars).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Most money one world may spend on backend calls over its life (the
    /// amount spent is kept in the world file). `None`: no limit.
    pub max_cost: Option<f64>,
}

/// Routes per task. A missing route is `["procedural"]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routes {
    /// Prompt → world spec.
    #[serde(default)]
    pub prompt: Vec<String>,
    /// Sketch → layout.
    #[serde(default)]
    pub sketch: Vec<String>,
    /// Region (chunk) detail.
    #[serde(default)]
    pub region: Vec<String>,
    /// Object → mesh.
    #[serde(default)]
    pub object: Vec<String>,
}

/// One backend. Which fields apply depends on `kind`; the defaults are the
/// documented values of each accessor.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// `openai` (any OpenAI-compatible chat-completions server) or
    /// `mesh-jobs` (an asynchronous text-to-3D job API).
    pub kind: String,
    /// Base URL, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`.
    pub base_url: Option<String>,
    /// Model name sent to the server.
    pub model: Option<String>,
    /// Name of the environment variable that holds the API key (optional
    /// for local servers without keys).
    pub api_key_env: Option<String>,
    /// Present only to refuse it with a helpful message: keys never go in the file.
    #[serde(default)]
    api_key: Option<toml::Value>,
    /// Deadline of one attempt, covering connect, wait and the whole body
    /// (seconds; default 60).
    pub timeout_s: Option<f64>,
    /// Further attempts after a retryable failure (default 2).
    pub retries: Option<u32>,
    /// Calls to this backend at once (default 4).
    pub concurrency: Option<u32>,
    /// Money charged per attempt (default 0).
    pub cost_per_call: Option<f64>,
    /// First backoff delay (seconds; default 0.5); doubles each retry, with jitter.
    pub backoff_s: Option<f64>,
    /// Longest backoff delay (seconds; default 10).
    pub max_backoff_s: Option<f64>,
    /// A `Retry-After` longer than this makes the route move on instead of
    /// waiting (seconds; default 30).
    pub max_retry_after_s: Option<f64>,
    /// Consecutive failures that open the circuit breaker (default 5).
    pub breaker_failures: Option<u32>,
    /// How long an open breaker skips the backend (seconds; default 30).
    pub breaker_cooldown_s: Option<f64>,
    /// Largest answer read (bytes; default 4 MiB for `openai`, 32 MiB for `mesh-jobs`).
    pub max_response_bytes: Option<u64>,
    /// `openai`: whether the model takes images (needed for the sketch task; default false).
    pub vision: Option<bool>,
    /// `openai`: ask for `response_format: json_schema` (default true; a
    /// server that rejects it with HTTP 400 is asked again without it).
    pub json_schema: Option<bool>,
    /// `openai`: `max_tokens` of the answer (default 2048).
    pub max_tokens: Option<u32>,
    /// `mesh-jobs`: time between polls (seconds; default 2).
    pub poll_interval_s: Option<f64>,
    /// `mesh-jobs`: most triangles accepted in a model (default 200 000).
    pub max_triangles: Option<u32>,
    /// `mesh-jobs`: largest extent of a model before fitting (metres; default 1000).
    pub max_extent_m: Option<f32>,
}

fn secs(v: Option<f64>, default: f64) -> Duration {
    Duration::from_secs_f64(v.unwrap_or(default))
}

impl BackendConfig {
    /// Deadline of one attempt.
    pub fn timeout(&self) -> Duration {
        secs(self.timeout_s, 60.0)
    }
    /// Retries after the first attempt.
    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(2)
    }
    /// Concurrent calls.
    pub fn concurrency(&self) -> u32 {
        self.concurrency.unwrap_or(4)
    }
    /// Cost of one attempt.
    pub fn cost_per_call(&self) -> f64 {
        self.cost_per_call.unwrap_or(0.0)
    }
    /// First backoff delay.
    pub fn backoff(&self) -> Duration {
        secs(self.backoff_s, 0.5)
    }
    /// Longest backoff delay.
    pub fn max_backoff(&self) -> Duration {
        secs(self.max_backoff_s, 10.0)
    }
    /// Longest `Retry-After` honoured by waiting.
    pub fn max_retry_after(&self) -> Duration {
        secs(self.max_retry_after_s, 30.0)
    }
    /// Failures in a row that open the breaker.
    pub fn breaker_failures(&self) -> u32 {
        self.breaker_failures.unwrap_or(5)
    }
    /// How long an open breaker stays open.
    pub fn breaker_cooldown(&self) -> Duration {
        secs(self.breaker_cooldown_s, 30.0)
    }
    /// Largest answer read.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
            .unwrap_or(if self.kind == "mesh-jobs" {
                32 << 20
            } else {
                4 << 20
            })
    }
    /// Whether the model takes images.
    pub fn vision(&self) -> bool {
        self.vision.unwrap_or(false)
    }
    /// Whether to send `response_format: json_schema`.
    pub fn json_schema(&self) -> bool {
        self.json_schema.unwrap_or(true)
    }
    /// `max_tokens` of the answer.
    pub fn max_tokens(&self) -> u32 {
        self.max_tokens.unwrap_or(2048)
    }
    /// Time between polls of a job.
    pub fn poll_interval(&self) -> Duration {
        secs(self.poll_interval_s, 2.0)
    }
    /// Most triangles in a model.
    pub fn max_triangles(&self) -> u32 {
        self.max_triangles.unwrap_or(200_000)
    }
    /// Largest model extent (metres).
    pub fn max_extent_m(&self) -> f32 {
        self.max_extent_m.unwrap_or(1000.0)
    }

    /// The key, looked up with `lookup` (the process environment in normal
    /// use) under the variable named by `api_key_env`. `Ok(None)` when no
    /// variable is named; an error naming the variable (never a value) when
    /// it is unset or empty.
    pub fn api_key_with(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<SecretString>, String> {
        let Some(var) = &self.api_key_env else {
            return Ok(None);
        };
        match lookup(var) {
            Some(v) if !v.trim().is_empty() => Ok(Some(SecretString::from(v.trim().to_owned()))),
            Some(_) => Err(format!("environment variable {var} (api_key_env) is empty")),
            None => Err(format!(
                "environment variable {var} (api_key_env) is not set"
            )),
        }
    }
}

/// Looks a variable up in the process environment.
pub fn process_env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let io = |source| ConfigError::Io {
            path: name.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(ConfigError::Invalid {
                path: name,
                message: format!("{} bytes is too large for a configuration", meta.len()),
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Self::from_toml_str(&text, &name)
    }

    /// Parses and checks configuration text; `name` labels errors.
    pub fn from_toml_str(text: &str, name: &str) -> Result<Self, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: name.to_owned(),
            message: e.message().to_owned() + &location(text, e.span()),
        })?;
        cfg.check(name)?;
        Ok(cfg)
    }

    /// The route of `task` as configured (`["procedural"]` when empty).
    pub fn route(&self, task: TaskKind) -> Vec<String> {
        let r = match task {
            TaskKind::Prompt => &self.routes.prompt,
            TaskKind::Sketch => &self.routes.sketch,
            TaskKind::Region => &self.routes.region,
            TaskKind::Object => &self.routes.object,
        };
        if r.is_empty() {
            vec![PROCEDURAL.to_owned()]
        } else {
            r.clone()
        }
    }

    fn check(&self, name: &str) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Invalid {
            path: name.to_owned(),
            message,
        };
        if let Some(b) = self.budget.max_cost
            && !(b.is_finite() && b >= 0.0)
        {
            return Err(bad(format!("budget.max_cost {b} must be a number ≥ 0")));
        }
        for (n, b) in &self.backends {
            let here = |m: String| bad(format!("backends.{n}: {m}"));
            if n == PROCEDURAL {
                return Err(here(
                    "`procedural` is built in and cannot be configured".into(),
                ));
            }
            if b.api_key.is_some() {
                return Err(here(
                    "API keys may not be written in the configuration; put the key in an \
                     environment variable and name it with api_key_env = \"VAR\""
                        .into(),
                ));
            }
            if !crate::registry::KINDS.contains(&b.kind.as_str()) {
                return Err(here(format!(
                    "unknown kind `{}`; known kinds: {}",
                    b.kind,
                    crate::registry::KINDS.join(", ")
                )));
            }
            let url = b
                .base_url
                .as_deref()
                .ok_or_else(|| here("base_url is required".into()))?;
            match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => return Err(here(format!("base_url `{url}` is not an http(s) URL"))),
            }
            if b.kind == "openai" && b.model.as_deref().is_none_or(str::is_empty) {
                return Err(here("model is required for kind `openai`".into()));
            }
            if let Some(var) = &b.api_key_env
                && (var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(here(
                    "api_key_env must be the name of an environment variable (letters, digits, _)"
                        .into(),
                ));
            }
            for (field, v, lo, hi) in [
                ("timeout_s", b.timeout_s, 0.001, 3600.0),
                ("backoff_s", b.backoff_s, 0.0, 600.0),
                ("max_backoff_s", b.max_backoff_s, 0.0, 3600.0),
                ("max_retry_after_s", b.max_retry_after_s, 0.0, 86_400.0),
                ("breaker_cooldown_s", b.breaker_cooldown_s, 0.0, 86_400.0),
                ("poll_interval_s", b.poll_interval_s, 0.001, 600.0),
                ("cost_per_call", b.cost_per_call, 0.0, 1e6),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && (lo..=hi).contains(&v))
                {
                    return Err(here(format!("{field} = {v} is not in {lo}..={hi}")));
                }
            }
            if b.retries.is_some_and(|r| r > 20) {
                return Err(here("retries must be at most 20".into()));
            }
            if b.concurrency.is_some_and(|c| c == 0 || c > 1024) {
                return Err(here("concurrency must be 1 to 1024".into()));
            }
            if b.max_response_bytes.is_some_and(|m| m == 0 || m > 1 << 30) {
                return Err(here("max_response_bytes must be 1 to 1 GiB".into()));
            }
            if b.max_extent_m.is_some_and(|m| !(m.is_finite() && m > 0.0)) {
                return Err(here("max_extent_m must be a positive number".into()));
            }
        }
        for task in TaskKind::ALL {
            for n in self.route(task) {
                if n == PROCEDURAL {
                    continue;
                }
                let Some(b) = self.backends.get(&n) else {
                    return Err(bad(format!(
                        "routes.{}: no backend named `{n}` (define [backends.{n}])",
                        task.name()
                    )));
                };
                if !crate::registry::supports(&b.kind, task, b) {
                    return Err(bad(format!(
                        "routes.{}: backend `{n}` (kind {}) cannot do the {} task{}",
                        task.name(),
                        b.kind,
                        task.name(),
                        if b.kind == "openai" && task == TaskKind::Sketch {
                            " (set vision = true if the model takes images)"
                        } else {
                            ""
                        }
                    )));
                }
            }
        }
        Ok(())
    }
}

/// ` (line L, column C)` of a byte span in `text`, if known.
fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" (line {line}, column {col})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_inline_keys_unknown_fields_and_bad_routes() {
        let err = Config::from_toml_str(
            "[backends.a]\nkind = \"openai\"\nbase_url = \"http://x/v1\"\nmodel = \"m\"\napi_key = \"sk-SECRET\"\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("api_key_env"), "{err}");
        assert!(!err.contains("sk-SECRET"), "{err}");
        let err = Config::from_toml_str("[budget]\nmax_costs = 1\n", "c")
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_costs") && err.contains("line 2"), "{err}");
        let err = Config::from_toml_str("[routes]\nprompt = [\"nope\"]\n", "c")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no backend named `nope`"), "{err}");
        let err = Config::from_toml_str(
            "[routes]\nsketch = [\"a\"]\n[backends.a]\nkind = \"openai\"\nbase_url = \"http://x/v1\"\nmodel = \"m\"\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("vision = true"), "{err}");
        let err = Config::from_toml_str(
            "[backends.a]\nkind = \"mesh-jobs\"\nbase_url = \"ftp://x\"\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not an http(s) URL"), "{err}");
    }

    #[test]
    fn the_example_configuration_parses() {
        let text = include_str!("../../../examples/backends.toml");
        let cfg = Config::from_toml_str(text, "examples/backends.toml").expect("example parses");
        assert!(cfg.backends.len() >= 3);
        assert_eq!(
            cfg.route(TaskKind::Prompt).last().map(String::as_str),
            Some(PROCEDURAL)
        );
    }
}
