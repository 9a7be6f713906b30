//! Chunk detail (issue 6, "never block, swap in later"): the procedural
//! chunk at once; a region's detail and props' meshes from fake backends on
//! loopback later, stored in the world file with provenance; used by every
//! loader after a reload with the servers gone; hostile answers leave the
//! procedural chunk and the file as they were.

mod common;

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use common::*;
use serde_json::{Value, json};
use sprawl_backends::{ChunkDetailer, DetailEvent, WorldStore};
use sprawl_store::WorldFile;
use sprawl_world::{Chunk, ChunkCoord, SemanticClass, WorldSpec};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;
use tokio::sync::watch;

const COORD: ChunkCoord = ChunkCoord::new(0, 0);

fn region_draft() -> Value {
    json!({"density": 0.3, "height_scale": 2.0, "max_floors": 80, "vegetation": 1.0})
}

/// A chat server answering `content` once `gate` opens.
async fn gated_chat(hits: Hits, content: Value, gate: watch::Receiver<bool>) -> String {
    serve(axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let (hits, content, mut gate) = (hits.clone(), content.clone(), gate.clone());
            async move {
                let _ = gate.wait_for(|open| *open).await;
                hits.bump();
                Json(chat(&content.to_string()))
            }
        }),
    ))
    .await
}

/// A mesh job service: every job succeeds at once with `glb`.
async fn meshes(hits: Hits, glb: Vec<u8>) -> String {
    let router = axum::Router::new()
        .route(
            "/v1/jobs",
            post(move |Json(body): Json<Value>| {
                let hits = hits.clone();
                async move {
                    assert!(body["prompt"].is_string(), "{body}");
                    let n = hits.bump();
                    (
                        StatusCode::ACCEPTED,
                        Json(json!({"id": format!("job-{n}")})),
                    )
                }
            }),
        )
        .route(
            "/v1/jobs/{id}",
            get(|Path(id): Path<String>| async move {
                Json(json!({"status": "succeeded", "result_url": format!("files/{id}.glb")}))
            }),
        );
    serve(with_glb_files(router, glb)).await
}

/// A server that answers every request with HTTP 500.
async fn failing(hits: Hits) -> String {
    serve(axum::Router::new().fallback(move || {
        let hits = hits.clone();
        async move {
            hits.bump();
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }))
    .await
}

/// A loopback URL where nothing listens.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

fn config_text(llm: &str, mesh: &str) -> String {
    format!(
        "[routes]\nregion = [\"llm\"]\nobject = [\"meshes\"]\n{}\
         [backends.meshes]\nkind = \"mesh-jobs\"\nbase_url = \"{mesh}/v1\"\n\
         poll_interval_s = 0.02\n{}",
        openai("llm", llm, "retries = 0"),
        with_defaults("retries = 0")
    )
}

fn new_world(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("w.sprawl");
    WorldFile::create(&path, &WorldSpec::default(), None, false).expect("create");
    path
}

fn detailer(path: &std::path::Path, text: &str) -> (ChunkDetailer, Receiver<DetailEvent>) {
    let store = Arc::new(WorldStore::new(WorldFile::open(path).expect("open")));
    let orch = orchestrator(text, store, &[]);
    ChunkDetailer::new(orch, path).expect("detailer")
}

/// Events for `COORD` until it settles (or 30 s pass).
async fn events_until_settled(
    rx: Receiver<DetailEvent>,
) -> (Receiver<DetailEvent>, Vec<DetailEvent>) {
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        while let Ok(e) = rx.recv_timeout(Duration::from_secs(30)) {
            let done = !matches!(e, DetailEvent::Stored { .. });
            out.push(e);
            if done {
                break;
            }
        }
        (rx, out)
    })
    .await
    .expect("join")
}

/// The chunk every loader gets from the file (a fresh connection, read only).
fn loaded(path: &std::path::Path) -> Chunk {
    let mut w = WorldFile::open(path).expect("open");
    w.set_cache_writes(false);
    w.load_chunk(COORD).expect("load").chunk
}

fn props(chunk: &Chunk) -> impl Iterator<Item = &sprawl_world::Object> {
    chunk.objects.iter().filter(|o| {
        matches!(
            o.class,
            SemanticClass::Tree
                | SemanticClass::Lamp
                | SemanticClass::Bench
                | SemanticClass::ParkedCar
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_procedural_at_once_backend_detail_later_stored_and_reused_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = new_world(&dir);
    let procedural = sprawl_gen::generate_chunk(&WorldSpec::default(), COORD);
    assert!(props(&procedural).count() > 0, "the test chunk has props");

    let (open, gate) = watch::channel(false);
    let (llm_hits, mesh_hits) = (Hits::default(), Hits::default());
    let llm = gated_chat(llm_hits.clone(), region_draft(), gate).await;
    let box_glb = std::fs::read(data("gltf/valid/Box.glb")).expect("Box.glb");
    let mesh = meshes(mesh_hits.clone(), box_glb).await;
    let (d, rx) = detailer(&path, &config_text(&llm, &mesh));
    assert!(d.active());

    let t = std::time::Instant::now();
    assert!(d.request(COORD), "accepted");
    assert!(!d.request(COORD), "already in flight");
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "request() returned at once"
    );
    // The region's backend is held back: meanwhile loaders get the procedural chunk.
    assert_eq!(loaded(&path), procedural);

    open.send(true).expect("open the gate");
    let (rx, events) = events_until_settled(rx).await;
    let Some(DetailEvent::Settled {
        detailed: true,
        failures,
        ..
    }) = events.last()
    else {
        panic!("{events:?}");
    };
    assert!(failures.is_empty(), "{failures:?}");
    let stored: Vec<&DetailEvent> = events
        .iter()
        .filter(|e| matches!(e, DetailEvent::Stored { .. }))
        .collect();
    assert!(!stored.is_empty(), "{events:?}");
    let Some(DetailEvent::Stored {
        region: true,
        meshes,
        content_hash,
        ..
    }) = stored.last()
    else {
        panic!("{events:?}");
    };
    assert!(*meshes > 0);
    assert_eq!(llm_hits.get(), 1, "one region call");

    // Every loader now gets the backends' chunk, with its provenance.
    let detailed = loaded(&path);
    let classes = props(&procedural)
        .chain(props(&detailed))
        .map(|o| o.class)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(
        mesh_hits.get(),
        classes.len(),
        "one mesh job per prop class"
    );
    assert_eq!(detailed.content_hash(), *content_hash);
    assert_ne!(detailed, procedural);
    assert_eq!(detailed.roads, procedural.roads, "seams kept");
    assert_eq!(detailed.terrain, procedural.terrain, "seams kept");
    let generators: Vec<&str> = detailed
        .provenance
        .iter()
        .map(|p| p.generator.as_str())
        .collect();
    assert!(generators.contains(&"openai:llm"), "{generators:?}");
    assert!(generators.contains(&"mesh-jobs:meshes"), "{generators:?}");
    for p in &detailed.provenance {
        assert!(!p.inputs_hash.is_empty() && !p.version.is_empty(), "{p:?}");
    }
    let llm_record = detailed
        .provenance
        .iter()
        .find(|p| p.generator == "openai:llm")
        .expect("region provenance");
    assert_eq!(llm_record.model.as_deref(), Some("fake-model"));
    assert_eq!(*meshes, props(&detailed).count(), "every prop got a mesh");
    for o in props(&detailed) {
        let p = &detailed.provenance[usize::from(o.provenance)];
        assert_eq!(p.generator, "mesh-jobs:meshes", "{}", o.id);
        assert_eq!(o.mesh.triangle_count(), 12, "Box.glb has 12 triangles");
    }
    drop((d, rx));

    // Reloaded, with both servers gone: nothing is asked, the answer stays.
    let dead = dead_url();
    let (d, rx) = detailer(&path, &config_text(&dead, &dead));
    assert!(d.request(COORD));
    let (_rx, events) = events_until_settled(rx).await;
    assert!(
        matches!(
            events.as_slice(),
            [DetailEvent::Settled { detailed: true, failures, .. }] if failures.is_empty()
        ),
        "{events:?}"
    );
    let calls = WorldFile::open(&path)
        .expect("open")
        .backend_calls()
        .expect("calls");
    assert!(
        calls.iter().all(|c| c.outcome == "ok"),
        "no call after the reload: {calls:?}"
    );
    let in_use = props(&detailed)
        .map(|o| o.class)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(
        d.orchestrator().request_stats().cache_hits as usize,
        1 + in_use.len(),
        "the region and the meshes in use came from the file"
    );
    // And without any configuration at all.
    assert_eq!(loaded(&path), detailed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_hostile_answers_leave_the_procedural_chunk_and_the_file_intact() {
    let procedural = sprawl_gen::generate_chunk(&WorldSpec::default(), COORD);
    let tri = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let (open, gate) = watch::channel(true);
    drop(open);
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "HTTP 500 from both",
            failing(Hits::default()).await,
            failing(Hits::default()).await,
            "500",
        ),
        (
            "a region of the wrong schema, a GLB with bad indices",
            gated_chat(Hits::default(), json!({"floors": "many"}), gate.clone()).await,
            meshes(Hits::default(), triangle_glb(&tri, &[0, 1, 7])).await,
            "out of range for 3 vertices",
        ),
        (
            "a region out of range, HTML instead of a GLB",
            gated_chat(
                Hits::default(),
                json!({"density": 7.0, "height_scale": 2.0, "max_floors": 80, "vegetation": 1.0}),
                gate.clone(),
            )
            .await,
            meshes(Hits::default(), b"<html>busy</html>".to_vec()).await,
            "wrong magic",
        ),
        (
            "prose for a region, a good mesh service that is down",
            gated_chat(Hits::default(), json!("I'd make it leafy"), gate.clone()).await,
            dead_url(),
            "",
        ),
    ];
    for (name, llm, mesh, expect) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = new_world(&dir);
        // Something in the file before: the chunk's cached base and an edit.
        let before = {
            let mut w = WorldFile::open(&path).expect("open");
            let first = w.load_chunk(COORD).expect("load").chunk.objects[0].id;
            w.append_edit(&sprawl_world::Edit::Remove { id: first })
                .expect("edit");
            w.load_chunk(COORD).expect("load").chunk
        };
        let (d, rx) = detailer(&path, &config_text(&llm, &mesh));
        assert!(d.request(COORD), "{name}");
        let (_rx, events) = events_until_settled(rx).await;
        let [
            DetailEvent::Settled {
                detailed: false,
                failures,
                ..
            },
        ] = events.as_slice()
        else {
            panic!("{name}: {events:?}");
        };
        assert!(
            failures.iter().any(|f| f.backend == "llm"),
            "{name}: {failures:?}"
        );
        assert!(
            failures.iter().any(|f| f.backend == "meshes"),
            "{name}: {failures:?}"
        );
        assert!(
            failures.iter().any(|f| f.message.contains(expect)),
            "{name}: `{expect}` in {failures:?}"
        );
        let w = WorldFile::open(&path).expect("open");
        assert_eq!(w.backend_chunk(COORD).expect("get"), None, "{name}");
        assert!(w.backend_chunk_summary().expect("summary").is_empty());
        assert_eq!(w.load_chunk(COORD).expect("load").chunk, before, "{name}");
        assert_eq!(
            w.generated_cached_chunk(COORD).expect("cached"),
            Some(procedural.clone()),
            "{name}"
        );
        assert_eq!(w.all_edits().expect("edits").len(), 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue6_without_routes_nothing_is_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = new_world(&dir);
    let (d, _rx) = detailer(&path, "[routes]\nprompt = [\"procedural\"]\n");
    assert!(!d.active());
    assert!(!d.request(COORD));
    assert_eq!(d.stats().requested, 0);
}
