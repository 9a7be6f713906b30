//! Backends with a world file: the cache and the budget survive reloads;
//! mesh jobs, regions and sketches; the HTTP service.

mod common;

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use common::*;
use serde_json::{Value, json};
use sprawl_backends::{
    ObjectInput, ObjectTask, PromptInput, PromptTask, RegionInput, RegionTask, SketchInput,
    SketchTask, Source, WorldStore,
};
use sprawl_store::WorldFile;
use sprawl_world::{ChunkCoord, SemanticClass, WorldSpec};
use std::sync::Arc;

fn prompt(text: &str) -> PromptInput {
    PromptInput {
        text: text.into(),
        seed: 42,
    }
}

async fn chat_server(hits: Hits, content: Value) -> String {
    serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let (hits, content) = (hits.clone(), content.clone());
            async move {
                hits.bump();
                Json(chat(&content.to_string()))
            }
        }),
    ))
    .await
}

async fn failing_server(hits: Hits) -> String {
    serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let hits = hits.clone();
            async move {
                hits.bump();
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    ))
    .await
}

fn new_world(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("w.sprawl");
    WorldFile::create(&path, &WorldSpec::default(), None, false).expect("create");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_reload_never_asks_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = new_world(&dir);
    let hits = Hits::default();
    let url = chat_server(hits.clone(), spec_draft()).await;
    let text = format!("[routes]\nprompt = [\"llm\"]\n{}", openai("llm", &url, ""));
    {
        let store = Arc::new(WorldStore::new(WorldFile::open(&path).expect("open")));
        let orch = orchestrator(&text, store, &[]);
        let out = orch
            .request::<PromptTask>(prompt("glass towers"))
            .expect("request")
            .settle()
            .await;
        assert_eq!(out.source, Source::Backend { name: "llm".into() });
    }
    // Reopened, with a backend that now fails: the answer comes from the file.
    let down = Hits::default();
    let bad = failing_server(down.clone()).await;
    let text = format!("[routes]\nprompt = [\"llm\"]\n{}", openai("llm", &bad, ""));
    let store = Arc::new(WorldStore::new(WorldFile::open(&path).expect("reopen")));
    let orch = orchestrator(&text, store, &[]);
    let p = orch
        .request::<PromptTask>(prompt("glass towers"))
        .expect("request");
    assert!(!p.is_pending());
    assert_eq!(p.immediate().source, Source::Cache);
    assert_eq!(p.immediate().provenance.generator, "openai:llm");
    assert_eq!(p.immediate().value.heights.max_floors, 60);
    assert_eq!((hits.get(), down.get()), (1, 0));
    let world = WorldFile::open(&path).expect("open");
    let calls = world.backend_calls().expect("calls");
    assert_eq!(calls.iter().filter(|c| c.outcome == "ok").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_the_budget_holds_across_reloads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = new_world(&dir);
    let hits = Hits::default();
    let url = chat_server(hits.clone(), spec_draft()).await;
    let text = format!(
        "[budget]\nmax_cost = 0.015\n[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "cost_per_call = 0.01")
    );
    {
        let store = Arc::new(WorldStore::new(WorldFile::open(&path).expect("open")));
        let orch = orchestrator(&text, store, &[]);
        let a = orch
            .request::<PromptTask>(prompt("one"))
            .expect("a")
            .settle()
            .await;
        assert_eq!(a.source, Source::Backend { name: "llm".into() });
        let b = orch
            .request::<PromptTask>(prompt("two"))
            .expect("b")
            .settle()
            .await;
        assert_eq!(b.source, Source::Procedural);
        assert_eq!(b.failures[0].kind, "budget", "{:?}", b.failures);
    }
    let world = WorldFile::open(&path).expect("open");
    assert!((world.backend_spent().expect("spent") - 0.01).abs() < 1e-9);
    let store = Arc::new(WorldStore::new(world));
    let orch = orchestrator(&text, store, &[]);
    let c = orch
        .request::<PromptTask>(prompt("three"))
        .expect("c")
        .settle()
        .await;
    assert_eq!(c.failures[0].kind, "budget");
    assert_eq!(hits.get(), 1);
    assert_eq!(orch.spending(), (0.01, Some(0.015)));
}

/// A mesh job service that serves `glb` as the result of every job, after
/// one "running" poll, from `result_url` (default: its own files route).
async fn mesh_server(glb: Vec<u8>, result_url: Option<String>, fail: bool) -> String {
    let polls = Hits::default();
    let router = axum::Router::new()
        .route("/v1/jobs", post(|Json(body): Json<Value>| async move {
            assert!(body["prompt"].is_string() && body["size_m"].is_array(), "{body}");
            (StatusCode::ACCEPTED, Json(json!({"id": "job-1"})))
        }))
        .route(
            "/v1/jobs/{id}",
            get(move |Path(id): Path<String>| {
                let (polls, result_url) = (polls.clone(), result_url.clone());
                async move {
                    assert_eq!(id, "job-1");
                    if polls.bump() < 2 {
                        return Json(json!({"status": "running"}));
                    }
                    if fail {
                        return Json(json!({"status": "failed", "error": "out of GPUs"}));
                    }
                    Json(json!({"status": "succeeded",
                                "result_url": result_url.unwrap_or_else(|| "files/job-1.glb".into())}))
                }
            }),
        );
    serve(with_glb_files(router, glb)).await
}

fn mesh_config(url: &str, extra: &str) -> String {
    format!(
        "[routes]\nobject = [\"meshes\"]\n[backends.meshes]\nkind = \"mesh-jobs\"\n\
         base_url = \"{url}/v1\"\npoll_interval_s = 0.02\n{}",
        with_defaults(extra)
    )
}

fn statue() -> ObjectInput {
    ObjectInput {
        description: "a bronze horse".into(),
        class: SemanticClass::Prop,
        size: [2.0, 3.0, 1.0],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_mesh_job_delivers_a_checked_fitted_mesh() {
    let bytes = std::fs::read(data("gltf/valid/Box.glb")).expect("Box.glb");
    let url = mesh_server(bytes, None, false).await;
    let orch = memory(&mesh_config(&url, ""));
    let p = orch.request::<ObjectTask>(statue()).expect("request");
    assert_eq!(
        p.immediate().value.triangle_count(),
        12,
        "the procedural box at once"
    );
    let out = p.settle().await;
    assert_eq!(
        out.source,
        Source::Backend {
            name: "meshes".into()
        },
        "{:?}",
        out.failures
    );
    assert_eq!(out.provenance.generator, "mesh-jobs:meshes");
    let (lo, hi) = out.value.bounds().expect("bounds");
    assert!(lo[1].abs() < 1e-5, "stands on y = 0");
    for k in 0..3 {
        assert!(hi[k] - lo[k] <= [2.0, 3.0, 1.0][k] + 1e-4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_bad_models_never_enter_the_world() {
    let tri = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let many: Vec<u16> = (0..3000).flat_map(|_| [0u16, 1, 2]).collect();
    for (name, glb, expect) in [
        (
            "bad indices",
            triangle_glb(&tri, &[0, 1, 7]),
            "out of range for 3 vertices",
        ),
        (
            "NaN positions",
            triangle_glb(
                &[[0.0, f32::NAN, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                &[0, 1, 2],
            ),
            "not a finite number",
        ),
        (
            "far too many triangles",
            triangle_glb(&tri, &many),
            "3000 triangles is over the limit of 1000",
        ),
        ("not a GLB", b"<html>503</html>".to_vec(), "wrong magic"),
    ] {
        let url = mesh_server(glb, None, false).await;
        let orch = memory(&mesh_config(&url, "max_triangles = 1000"));
        let out = orch
            .request::<ObjectTask>(statue())
            .expect("request")
            .settle()
            .await;
        assert_eq!(out.source, Source::Procedural, "{name}");
        assert_eq!(
            out.value.triangle_count(),
            12,
            "{name}: the procedural box stands"
        );
        let msg = &out.failures[0].message;
        assert!(
            msg.contains(expect),
            "{name}: expected `{expect}` in `{msg}`"
        );
    }
    // A result on another server is never fetched (the key would go there).
    let good = std::fs::read(data("gltf/valid/Box.glb")).expect("Box.glb");
    let url = mesh_server(good.clone(), Some("http://127.0.0.2:9/x.glb".into()), false).await;
    let out = memory(&mesh_config(&url, ""))
        .request::<ObjectTask>(statue())
        .expect("r")
        .settle()
        .await;
    assert!(
        out.failures[0].message.contains("another server"),
        "{:?}",
        out.failures
    );
    // A failed job is a clear error.
    let url = mesh_server(good, None, true).await;
    let out = memory(&mesh_config(&url, ""))
        .request::<ObjectTask>(statue())
        .expect("r")
        .settle()
        .await;
    assert_eq!(out.failures[0].kind, "job_failed");
    assert!(
        out.failures[0].message.contains("out of GPUs"),
        "{:?}",
        out.failures
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_detailed_region_keeps_its_seams() {
    let url = chat_server(
        Hits::default(),
        json!({"density": 0.3, "height_scale": 2.0, "max_floors": 80, "vegetation": 1.0}),
    )
    .await;
    let orch = memory(&format!(
        "[routes]\nregion = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let input = RegionInput {
        spec: WorldSpec::default(),
        coord: ChunkCoord::new(1, -1),
        brief: Some("a leafy campus".into()),
    };
    let p = orch.request::<RegionTask>(input).expect("request");
    let base = p.immediate().value.clone();
    let out = p.settle().await;
    assert_eq!(
        out.source,
        Source::Backend { name: "llm".into() },
        "{:?}",
        out.failures
    );
    assert_eq!(out.value.roads, base.roads);
    assert_eq!(out.value.terrain, base.terrain);
    assert_ne!(out.value.content_hash(), base.content_hash());
    assert!(
        out.value
            .provenance
            .iter()
            .all(|p| p.generator == "openai:llm")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_a_sketch_goes_to_a_vision_model_as_a_data_url() {
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let s = seen.clone();
    let draft = json!({
        "width": 8, "height": 8,
        "rows": ["WWWWWWWW", "RRRRRRRR", "DDDDMMMM", "DDDDMMMM", "HHHHPPPP", "HHHHPPPP", "IIII....", "IIII...."],
        "roads": [[[0.0, 1.5], [8.0, 1.5]]]
    });
    let url = serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move |Json(body): Json<Value>| {
            let (s, draft) = (s.clone(), draft.clone());
            async move {
                *s.lock().expect("lock") = body.to_string();
                Json(chat(&draft.to_string()))
            }
        }),
    ))
    .await;
    let orch = memory(&format!(
        "[routes]\nsketch = [\"vision\"]\n{}",
        openai("vision", &url, "vision = true")
    ));
    let image = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/sketches/harbour.png"),
    )
    .expect("sketch");
    let p = orch
        .request::<SketchTask>(SketchInput {
            image,
            metres_per_pixel: 4.0,
        })
        .expect("request");
    let area = p.immediate().value.region();
    let out = p.settle().await;
    assert_eq!(
        out.source,
        Source::Backend {
            name: "vision".into()
        },
        "{:?}",
        out.failures
    );
    assert_eq!(out.value.width, 8);
    let r = out.value.region();
    assert!((r.x0 - area.x0).abs() < 1e-3 && (r.x1 - area.x1).abs() < 1e-3);
    let body = seen.lock().expect("lock").clone();
    assert!(
        body.contains("data:image/png;base64,iVBOR"),
        "image sent as a data URL"
    );
    assert!(body.contains("\"json_schema\""), "schema sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_the_service_needs_a_token_and_shares_one_cache() {
    let hits = Hits::default();
    let url = chat_server(hits.clone(), spec_draft()).await;
    let orch = memory(&format!(
        "[routes]\nprompt = [\"llm\"]\n{}",
        openai("llm", &url, "")
    ));
    let token = "t0ken-for-tests-0123456789";
    let base = serve(sprawl_backends::server::router(
        orch,
        secrecy::SecretString::from(token.to_owned()),
    ))
    .await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    for auth in [None, Some("Bearer wrong-token-xxxxxxxxxxx")] {
        let mut req = client.get(format!("{base}/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        assert_eq!(req.send().await.expect("metrics").status(), 401);
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    // Two clients ask the same thing: one backend call.
    for _ in 0..2 {
        let r: Value = client
            .post(format!("{base}/v1/prompt"))
            .headers(headers.clone())
            .json(&json!({"text": "a rainy port", "seed": 3}))
            .send()
            .await
            .expect("prompt")
            .json()
            .await
            .expect("json");
        assert_eq!(r["value"]["seed"], 3);
        assert_eq!(r["provenance"]["generator"], "openai:llm", "{r}");
    }
    assert_eq!(hits.get(), 1);
    let bad = client
        .post(format!("{base}/v1/prompt"))
        .headers(headers.clone())
        .json(&json!({"text": "   ", "seed": 3}))
        .send()
        .await
        .expect("blank");
    assert_eq!(bad.status(), 422);
    let metrics = client
        .get(format!("{base}/metrics"))
        .headers(headers)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("sprawl_backend_calls_total{backend=\"llm\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("sprawl_cache_hits_total 1"), "{metrics}");
}
