//! Hostile backends (issue 6): every misbehaviour ends in a fallback or a
//! clear error, never blocks the caller, and never leaks the key.
//!
//! Each test starts its own fake server on loopback at a random port.

mod common;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use common::*;
use serde_json::{Value, json};
use sprawl_backends::{PromptInput, PromptTask, Source};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

fn prompt(text: &str) -> PromptInput {
    PromptInput {
        text: text.into(),
        seed: 42,
    }
}

/// A well-behaved server that answers every chat completion with a valid spec.
async fn good_server(hits: Hits) -> String {
    serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let hits = hits.clone();
            async move {
                hits.bump();
                Json(chat(&spec_draft().to_string()))
            }
        }),
    ))
    .await
}

/// A server that answers every request with `status` and `body`.
async fn status_server(
    hits: Hits,
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
) -> String {
    serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let hits = hits.clone();
            async move {
                hits.bump();
                let mut h = HeaderMap::new();
                for (k, v) in headers {
                    h.insert(*k, v.parse().expect("header"));
                }
                (StatusCode::from_u16(status).expect("status"), h, body).into_response()
            }
        }),
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_good_backend_replaces_the_procedural_answer() {
    let hits = Hits::default();
    let url = good_server(hits.clone()).await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let mut p = orch
        .request::<PromptTask>(prompt("a rainy futuristic city"))
        .expect("request");
    assert_eq!(p.immediate().source, Source::Procedural);
    let better = p.better().await.expect("pending").expect("answered");
    assert_eq!(better.source, Source::Backend { name: "llm".into() });
    assert_eq!(better.value.heights.max_floors, 60);
    assert_eq!(better.value.seed, 42, "the seed is never the model's");
    assert_eq!(better.provenance.generator, "openai:llm");
    assert_eq!(better.provenance.model.as_deref(), Some("fake-model"));
    assert_eq!(hits.get(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_http_500_is_retried_then_falls_back_down_the_route() {
    let (bad_hits, good_hits) = (Hits::default(), Hits::default());
    let bad = status_server(
        bad_hits.clone(),
        500,
        &[],
        "{\"error\":{\"message\":\"boom\"}}",
    )
    .await;
    let good = good_server(good_hits.clone()).await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"bad\", \"good\"]\n{}{}",
        openai("bad", &bad, ""),
        openai("good", &good, "")
    ));
    let out = orch
        .request::<PromptTask>(prompt("x town"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(
        out.source,
        Source::Backend {
            name: "good".into()
        }
    );
    assert_eq!(bad_hits.get(), 3, "one attempt and two retries");
    assert_eq!(out.failures.len(), 1);
    assert!(
        out.failures[0].message.contains("HTTP 500: boom"),
        "{:?}",
        out.failures
    );
    let stats = orch.backend_stats();
    let bad_stats = stats
        .iter()
        .find(|s| s.backend == "bad")
        .expect("bad stats");
    assert_eq!(
        (bad_stats.calls, bad_stats.failures, bad_stats.fallbacks),
        (3, 3, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_vllm_503_overload_is_retried() {
    let hits = Hits::default();
    let h = hits.clone();
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let h = h.clone();
            async move {
                if h.bump() == 1 {
                    (StatusCode::SERVICE_UNAVAILABLE, "overloaded").into_response()
                } else {
                    Json(chat(&spec_draft().to_string())).into_response()
                }
            }
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"vllm\"]\n{}",
        openai("vllm", &url, "")
    ));
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(
        out.source,
        Source::Backend {
            name: "vllm".into()
        }
    );
    assert_eq!(hits.get(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_429_waits_for_retry_after() {
    let hits = Hits::default();
    let h = hits.clone();
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let h = h.clone();
            async move {
                if h.bump() == 1 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", "1")],
                        "slow down",
                    )
                        .into_response()
                } else {
                    Json(chat(&spec_draft().to_string())).into_response()
                }
            }
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let start = Instant::now();
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    let waited = start.elapsed();
    assert_eq!(out.source, Source::Backend { name: "llm".into() });
    assert_eq!(hits.get(), 2);
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured ({waited:?})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_retry_after_longer_than_allowed_moves_on_at_once() {
    let hits = Hits::default();
    let url = status_server(
        hits.clone(),
        429,
        &[("retry-after", "Wed, 21 Oct 2099 07:28:00 GMT")],
        "",
    )
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let start = Instant::now();
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(out.source, Source::Procedural);
    assert_eq!(hits.get(), 1);
    assert_eq!(out.failures[0].kind, "rate_limited");
    assert!(
        out.failures[0].message.contains("retry after"),
        "{:?}",
        out.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_time_out_falls_back_and_never_blocks_the_caller() {
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Json(chat(&spec_draft().to_string()))
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"slow\"]\n{}",
        openai("slow", &url, "timeout_s = 0.3\nretries = 0")
    ));
    let start = Instant::now();
    let mut p = orch.request::<PromptTask>(prompt("x")).expect("request");
    assert!(
        start.elapsed() < Duration::from_millis(200),
        "request() blocked"
    );
    assert!(p.try_better().is_none(), "nothing yet");
    let r = p.better().await.expect("pending");
    let e = r.expect_err("timed out");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(e.failures[0].kind, "timeout");
    assert!(
        e.to_string().contains("no complete answer within 0.3 s"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_slow_drip_is_cut_off_by_the_total_deadline() {
    // Headers at once, then one byte of body every 50 ms, forever.
    let url = serve_raw(|mut sock| async move {
        head(&mut sock, "Transfer-Encoding: chunked\r\n").await;
        loop {
            if sock.write_all(b"1\r\n \r\n").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"drip\"]\n{}",
        openai("drip", &url, "timeout_s = 0.4\nretries = 0")
    ));
    let start = Instant::now();
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.source, Source::Procedural);
    assert_eq!(out.failures[0].kind, "timeout", "{:?}", out.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_non_json_is_refused_without_retries() {
    let hits = Hits::default();
    let url = status_server(
        hits.clone(),
        200,
        &[("content-type", "text/html")],
        "<html>gateway says hi</html>",
    )
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(out.source, Source::Procedural);
    assert_eq!(hits.get(), 1, "an unusable answer is not retried");
    assert_eq!(out.failures[0].kind, "invalid");
    assert!(
        out.failures[0].message.contains("not JSON"),
        "{:?}",
        out.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_schema_violating_json_is_refused() {
    for (content, expect) in [
        // Out of range: validation catches what the schema says.
        (
            {
                let mut d = spec_draft();
                d["density"] = json!(7.5);
                d.to_string()
            },
            "out of range",
        ),
        // Wrong shape.
        (
            json!({"city": "big"}).to_string(),
            "does not follow the schema",
        ),
        // Not JSON at all inside the message.
        ("I cannot help with that.".to_owned(), "no JSON object"),
    ] {
        let body = chat(&content);
        let url = serve(axum::Router::new().route(
            "/v1/chat/completions",
            post(move || {
                let body = body.clone();
                async move { Json(body) }
            }),
        ))
        .await;
        let orch = memory(&format!(
            "[routes]\nprompt = [\"llm\"]\n{}",
            openai("llm", &url, "")
        ));
        let out = orch
            .request::<PromptTask>(prompt("x"))
            .expect("request")
            .settle()
            .await;
        assert_eq!(out.source, Source::Procedural);
        assert!(
            out.failures[0].message.contains(expect),
            "{expect}: {:?}",
            out.failures
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_an_enormous_body_is_capped_while_streaming() {
    // An endless stream of JSON-ish bytes, as fast as the socket takes them.
    let url = serve_raw(|mut sock| async move {
        head(&mut sock, "Transfer-Encoding: chunked\r\n").await;
        let chunk = format!("{:x}\r\n{}\r\n", 8192, "a".repeat(8192));
        for _ in 0..100_000 {
            if sock.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"big\"]\n{}",
        openai("big", &url, "max_response_bytes = 65536\nretries = 0")
    ));
    let start = Instant::now();
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(out.failures[0].kind, "too_large", "{:?}", out.failures);
    // A declared Content-Length over the cap is refused before reading.
    let url = serve_raw(|mut sock| async move {
        head(&mut sock, "Content-Length: 10000000000\r\n").await;
        let _ = sock.write_all(b"{").await;
    })
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"big\"]\n{}",
        openai("big", &url, "max_response_bytes = 65536\nretries = 0")
    ));
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(out.failures[0].kind, "too_large", "{:?}", out.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_wrong_key_is_not_retried_and_says_so() {
    let hits = Hits::default();
    let h = hits.clone();
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap| {
            let h = h.clone();
            async move {
                h.bump();
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                // A careless server echoes what it was sent.
                (StatusCode::UNAUTHORIZED, format!("bad key: {auth}")).into_response()
            }
        }),
    ))
    .await;
    let text = format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "api_key_env = \"TEST_KEY\"")
    );
    let orch = orchestrator(
        &text,
        std::sync::Arc::new(sprawl_backends::MemoryStore::default()),
        &[("TEST_KEY", SECRET)],
    );
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(out.source, Source::Procedural);
    assert_eq!(hits.get(), 1, "401 is never retried");
    let msg = &out.failures[0].message;
    assert!(msg.contains("refused the API key (HTTP 401)"), "{msg}");
    assert!(!msg.contains(SECRET));
    // A key variable that is not set makes the backend unavailable, not the config.
    let orch = memory(&text);
    let out = orch
        .request::<PromptTask>(prompt("x"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(out.failures[0].kind, "unavailable");
    assert!(
        out.failures[0].message.contains("TEST_KEY"),
        "{:?}",
        out.failures
    );
    assert_eq!(hits.get(), 1, "not called without a key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_llama_cpp_rejecting_response_format_is_asked_without_it() {
    let hits = Hits::default();
    let h = hits.clone();
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move |Json(body): Json<Value>| {
            let h = h.clone();
            async move {
                h.bump();
                if body.get("response_format").is_some() {
                    (
                        StatusCode::BAD_REQUEST,
                        "{\"error\":{\"message\":\"unsupported response_format\"}}",
                    )
                        .into_response()
                } else {
                    // Without the schema, llama.cpp tends to wrap JSON in prose and fences.
                    Json(chat(&format!(
                        "Here you go:\n```json\n{}\n```",
                        spec_draft()
                    )))
                    .into_response()
                }
            }
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llama\"]\n{}",
        openai("llama", &url, "")
    ));
    let out = orch
        .request::<PromptTask>(prompt("one"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(
        out.source,
        Source::Backend {
            name: "llama".into()
        }
    );
    assert_eq!(hits.get(), 2);
    let out = orch
        .request::<PromptTask>(prompt("two"))
        .expect("request")
        .settle()
        .await;
    assert_eq!(
        out.source,
        Source::Backend {
            name: "llama".into()
        }
    );
    assert_eq!(
        hits.get(),
        3,
        "remembered: no second try with response_format"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_identical_requests_in_flight_are_deduplicated() {
    let hits = Hits::default();
    let h = hits.clone();
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let h = h.clone();
            async move {
                h.bump();
                tokio::time::sleep(Duration::from_millis(200)).await;
                Json(chat(&spec_draft().to_string()))
            }
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let a = orch.request::<PromptTask>(prompt("same")).expect("a");
    let b = orch.request::<PromptTask>(prompt("same")).expect("b");
    let (a, b) = tokio::join!(a.settle(), b.settle());
    assert_eq!(a.value, b.value);
    assert_eq!(hits.get(), 1);
    assert_eq!(orch.request_stats().deduplicated, 1);
    // Afterwards the answer comes from the cache, at once.
    let c = orch.request::<PromptTask>(prompt("same")).expect("c");
    assert!(!c.is_pending());
    assert_eq!(c.immediate().source, Source::Cache);
    assert_eq!(hits.get(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_the_circuit_breaker_stops_calling_a_failing_backend() {
    let hits = Hits::default();
    let url = status_server(hits.clone(), 500, &[], "down").await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai(
            "llm",
            &url,
            "retries = 0\nbreaker_failures = 2\nbreaker_cooldown_s = 60"
        )
    ));
    for i in 0..4 {
        let out = orch
            .request::<PromptTask>(prompt(&format!("town {i}")))
            .expect("request")
            .settle()
            .await;
        assert_eq!(out.source, Source::Procedural);
        if i >= 2 {
            assert_eq!(out.failures[0].kind, "circuit_open", "{:?}", out.failures);
        }
    }
    assert_eq!(hits.get(), 2);
    assert_eq!(orch.statuses()[0].breaker, "open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_concurrency_is_limited_per_backend() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let now = std::sync::Arc::new(AtomicUsize::new(0));
    let peak = std::sync::Arc::new(AtomicUsize::new(0));
    let (n, p) = (now.clone(), peak.clone());
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let (n, p) = (n.clone(), p.clone());
            async move {
                let cur = n.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(cur, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(60)).await;
                n.fetch_sub(1, Ordering::SeqCst);
                Json(chat(&spec_draft().to_string()))
            }
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "concurrency = 1")
    ));
    let pending: Vec<_> = (0..3)
        .map(|i| {
            orch.request::<PromptTask>(prompt(&format!("city {i}")))
                .expect("request")
        })
        .collect();
    for p in pending {
        assert!(matches!(p.settle().await.source, Source::Backend { .. }));
    }
    assert_eq!(peak.load(Ordering::SeqCst), 1);
}
