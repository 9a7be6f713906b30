//! The API key never appears in logs, error messages, debug output or the
//! world file, even when a server echoes it back (issue 6).
//!
//! Its own test binary: it installs a global `tracing` subscriber that
//! captures every event at every level.

mod common;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use common::*;
use sprawl_backends::{ObjectInput, ObjectTask, PromptInput, PromptTask, WorldStore};
use sprawl_store::WorldFile;
use sprawl_world::{SemanticClass, WorldSpec};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Echoes the request's Authorization header in its error body.
async fn echo(status: u16) -> String {
    serve(
        axum::Router::new().fallback(post(move |headers: HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            (
                StatusCode::from_u16(status).expect("status"),
                format!("{{\"error\":{{\"message\":\"you sent {auth}\"}}}}"),
            )
                .into_response()
        })),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_the_key_never_leaks() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.sprawl");
    WorldFile::create(&path, &WorldSpec::default(), None, false).expect("create");
    let (e500, e401, e400) = (echo(500).await, echo(401).await, echo(400).await);
    let text = format!(
        "[routes]\nprompt = [\"a\", \"b\", \"c\"]\nobject = [\"m\"]\n{}{}{}\
         [backends.m]\nkind = \"mesh-jobs\"\nbase_url = \"{e500}/v1\"\napi_key_env = \"KEY\"\nretries = 1\nbackoff_s = 0.01\n",
        openai("a", &e500, "api_key_env = \"KEY\"\nretries = 1"),
        openai("b", &e401, "api_key_env = \"KEY\""),
        openai("c", &e400, "api_key_env = \"KEY\""),
    );
    let store = Arc::new(WorldStore::new(WorldFile::open(&path).expect("open")));
    let orch = orchestrator(&text, store, &[("KEY", SECRET)]);
    let out = orch
        .request::<PromptTask>(PromptInput {
            text: "a port".into(),
            seed: 1,
        })
        .expect("request")
        .settle()
        .await;
    assert_eq!(out.failures.len(), 3, "{:?}", out.failures);
    assert!(
        out.failures[0].message.contains("[redacted]"),
        "the echo was scrubbed: {:?}",
        out.failures
    );
    let obj = orch
        .request::<ObjectTask>(ObjectInput {
            description: "a kiosk".into(),
            class: SemanticClass::Prop,
            size: [2.0, 2.0, 2.0],
        })
        .expect("request")
        .settle()
        .await;
    assert_eq!(obj.failures.len(), 1);

    let mut everything = format!("{out:?}\n{obj:?}\n{orch:?}\n{:?}\n", orch.statuses());
    for f in out.failures.iter().chain(&obj.failures) {
        everything.push_str(&f.message);
    }
    everything.push_str(&orch.prometheus());
    drop(orch);
    let logs = String::from_utf8_lossy(&capture.0.lock().expect("lock")).into_owned();
    assert!(logs.contains("falling back"), "logs were captured:\n{logs}");
    everything.push_str(&logs);
    assert!(
        !everything.contains(SECRET),
        "the key leaked:\n{everything}"
    );
    assert!(
        !everything.contains(&SECRET[..16]),
        "part of the key leaked:\n{everything}"
    );

    // Not in the world file either (nor its write-ahead log).
    for suffix in ["", "-wal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(bytes) = std::fs::read(&p) {
            assert!(
                !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                "the key is in {}",
                std::path::Path::new(&p).display()
            );
        }
    }
    let world = WorldFile::open(&path).expect("open");
    assert!(
        world.backend_calls().expect("calls").len() >= 4,
        "the call log was written"
    );
}
