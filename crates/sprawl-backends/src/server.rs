//! The orchestrator as a small HTTP service (`sprawl serve-gen`), so that
//! several viewers and simulators share one cache, one budget and one set
//! of keys.
//!
//! | route | |
//! |---|---|
//! | `GET /healthz` | `ok` (no token needed) |
//! | `GET /metrics` | Prometheus text: per-backend calls, failures, fallbacks, latency p50/p99, cost; request counters; budget |
//! | `GET /v1/status` | backends, availability, breaker states, figures (JSON) |
//! | `POST /v1/prompt` | `{"text", "seed"}` → a `WorldSpec` |
//! | `POST /v1/sketch` | `{"image": base64, "metres_per_pixel"}` → a `SketchLayout` |
//! | `POST /v1/region` | `{"spec", "coord", "brief"?}` → a `Chunk` |
//! | `POST /v1/object` | `{"description", "class", "size"}` → a `MeshData` |
//!
//! Every route but `/healthz` needs `Authorization: Bearer <token>`. A
//! `POST` waits for the route to finish unless its body says `"wait":
//! false`, in which case it answers at once with the immediate answer and
//! `"pending": true` (ask again later: the cache will have the better one).
//! Answers are `{"value", "provenance", "source", "failures", "pending"}`;
//! an unusable input is HTTP 422 with `{"error"}`.

use crate::error::{BackendError, ServeError};
use crate::orchestrator::Orchestrator;
use crate::task::{ObjectTask, PromptTask, RegionTask, SketchTask, Task};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;

/// Largest request body (bytes): room for a large sketch in base64.
pub const MAX_BODY: usize = 96 << 20;

/// Shortest accepted token (characters).
pub const MIN_TOKEN_CHARS: usize = 16;

#[derive(Clone)]
struct AppState {
    orch: Orchestrator,
    token: Arc<SecretString>,
}

#[derive(Deserialize)]
struct Req<I> {
    #[serde(flatten)]
    input: I,
    #[serde(default = "yes")]
    wait: bool,
}

fn yes() -> bool {
    true
}

/// Constant-time comparison (the time taken does not reveal how much matched).
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

async fn auth(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if same(given.as_bytes(), state.token.expose_secret().as_bytes()) {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(json!({"error": "missing or wrong bearer token"})),
        )
            .into_response()
    }
}

async fn handle<T: Task>(state: AppState, req: Req<T::Input>) -> Response
where
    T::Input: DeserializeOwned,
{
    let pending = match state.orch.request::<T>(req.input) {
        Ok(p) => p,
        Err(e @ BackendError::Input(_)) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": e.to_string()})),
            )
                .into_response();
        }
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": e.to_string()})),
            )
                .into_response();
        }
    };
    let (outcome, still_pending) = if req.wait || !pending.is_pending() {
        (pending.settle().await, false)
    } else {
        (pending.immediate().clone(), true)
    };
    Json(json!({
        "value": outcome.value,
        "provenance": outcome.provenance,
        "source": outcome.source,
        "failures": outcome.failures,
        "pending": still_pending,
    }))
    .into_response()
}

/// The service's routes over `orch`, guarded by `token`.
pub fn router(orch: Orchestrator, token: SecretString) -> Router {
    let state = AppState {
        orch,
        token: Arc::new(token),
    };
    let api = Router::new()
        .route("/metrics", get(metrics))
        .route("/v1/status", get(status))
        .route(
            "/v1/prompt",
            post(|State(s): State<AppState>, Json(r)| handle::<PromptTask>(s, r)),
        )
        .route(
            "/v1/sketch",
            post(|State(s): State<AppState>, Json(r)| handle::<SketchTask>(s, r)),
        )
        .route(
            "/v1/region",
            post(|State(s): State<AppState>, Json(r)| handle::<RegionTask>(s, r)),
        )
        .route(
            "/v1/object",
            post(|State(s): State<AppState>, Json(r)| handle::<ObjectTask>(s, r)),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

async fn metrics(State(s): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.orch.prometheus(),
    )
        .into_response()
}

async fn status(State(s): State<AppState>) -> Response {
    let (spent, budget) = s.orch.spending();
    Json(json!({
        "backends": s.orch.statuses(),
        "stats": s.orch.backend_stats(),
        "requests": s.orch.request_stats(),
        "spent": spent,
        "budget": budget,
    }))
    .into_response()
}

/// Checks a bearer token: at least [`MIN_TOKEN_CHARS`] characters.
pub fn check_token(token: &SecretString) -> Result<(), ServeError> {
    if token.expose_secret().chars().count() < MIN_TOKEN_CHARS {
        return Err(ServeError::Token(format!(
            "the token must be at least {MIN_TOKEN_CHARS} characters long"
        )));
    }
    Ok(())
}

/// Serves `orch` on `listener` until `shutdown` completes.
pub async fn serve(
    orch: Orchestrator,
    listener: tokio::net::TcpListener,
    token: SecretString,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    check_token(&token)?;
    axum::serve(listener, router(orch, token))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Run)
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_comparison() {
        assert!(super::same(b"abc", b"abc"));
        assert!(!super::same(b"abc", b"abd"));
        assert!(!super::same(b"ab", b"abc"));
        assert!(!super::same(b"", b"abc"));
        assert!(!super::same(b"abc", b""));
    }
}
