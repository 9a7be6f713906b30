//! Issue 6, "never block, swap in later", through the `sprawl` binary:
//! `gen --config` stores backend detail for chunks (a region's answer from a
//! fake OpenAI-compatible server, props' meshes from a fake mesh job
//! service, both on loopback); then `objects`, `info`, `export` and `map`
//! use it with no configuration, so does the simulator's chunk streaming,
//! and a run with the servers gone asks nothing. Hostile servers leave the procedural chunks and the file as
//! they were.

mod common;

use common::{
    chat_completion, expect_success, loopback_server, read_request, sprawl_command, write_response,
};
use sprawl_sim::{Sim, SimConfig, WorldSource};
use sprawl_store::WorldFile;
use sprawl_world::{Chunk, ChunkCoord, ObjectId, SemanticClass};
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Makes a response (status, body) from a request's method and path.
type Respond = dyn Fn(&str, &str) -> (u16, Vec<u8>) + Send + Sync;
type Handler = Arc<Respond>;

/// A server on loopback: `handler(method, path)` makes each response.
/// Counts the requests.
fn fake(handler: Handler) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let count = hits.clone();
    let addr = loopback_server(usize::MAX, move |mut sock| {
        let Some(request) = read_request(&sock) else {
            return;
        };
        count.fetch_add(1, Ordering::SeqCst);
        let (status, reply) = handler(request.method(), request.path());
        write_response(&mut sock, &format!("{status} X"), "", &reply);
    });
    (format!("http://{addr}/v1"), hits)
}

/// A chat-completions server whose every answer says `content`.
fn llm(status: u16, content: serde_json::Value) -> (String, Arc<AtomicUsize>) {
    let reply = chat_completion(&content).into_bytes();
    fake(Arc::new(move |_, _| (status, reply.clone())))
}

/// A mesh job service whose every job succeeds with `glb`.
fn mesh_jobs(glb: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let jobs = Arc::new(AtomicUsize::new(0));
    fake(Arc::new(move |method, path| {
        if method == "POST" && path == "/v1/jobs" {
            let n = jobs.fetch_add(1, Ordering::SeqCst);
            (202, format!(r#"{{"id": "job-{n}"}}"#).into_bytes())
        } else if let Some(id) = path.strip_prefix("/v1/jobs/") {
            let body = format!(r#"{{"status": "succeeded", "result_url": "files/{id}.glb"}}"#);
            (200, body.into_bytes())
        } else if path.starts_with("/v1/files/") {
            (200, glb.clone())
        } else {
            (404, b"{}".to_vec())
        }
    }))
}

/// A loopback URL where nothing listens.
fn dead() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}/v1")
}

fn config(dir: &Path, name: &str, llm: &str, meshes: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[routes]\nregion = [\"llm\", \"procedural\"]\nobject = [\"meshes\", \"procedural\"]\n\
             [backends.llm]\nkind = \"openai\"\nbase_url = \"{llm}\"\nmodel = \"fake-model\"\n\
             timeout_s = 10\nretries = 0\n\
             [backends.meshes]\nkind = \"mesh-jobs\"\nbase_url = \"{meshes}\"\n\
             poll_interval_s = 0.02\ntimeout_s = 10\nretries = 0\n"
        ),
    )
    .expect("config");
    path
}

fn sprawl(dir: &Path, args: &[&str]) -> Output {
    sprawl_command(dir, args).output().expect("sprawl runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    expect_success(args, &sprawl(dir, args)).0
}

const REGION: &str = "1,1,127,127";

/// `w.sprawl` in `dir`: a small town with a park, seed 5.
fn new_park_town(dir: &Path) {
    ok(
        dir,
        &[
            "new",
            "w.sprawl",
            "--prompt",
            "a small town with a park",
            "--seed",
            "5",
        ],
    );
}

/// `sprawl gen` of `REGION` in `dir`'s `w.sprawl` with the configuration
/// `cfg`, waiting up to `wait` seconds for backend detail; its stdout.
fn gen_with_config(dir: &Path, cfg: &Path, wait: &str) -> String {
    ok(
        dir,
        &[
            "gen",
            "w.sprawl",
            "--region",
            REGION,
            "--config",
            cfg.to_str().expect("utf-8"),
            "--wait",
            wait,
        ],
    )
}

/// Objects of the region by id: (class, generator).
fn objects(dir: &Path) -> BTreeMap<String, (String, String)> {
    let json: serde_json::Value = serde_json::from_str(&ok(
        dir,
        &["objects", "w.sprawl", "--region", REGION, "--json"],
    ))
    .expect("json");
    json.as_array()
        .expect("list")
        .iter()
        .map(|o| {
            (
                o["id"].as_str().expect("id").to_owned(),
                (
                    o["class"].as_str().expect("class").to_owned(),
                    o["generator"].as_str().expect("generator").to_owned(),
                ),
            )
        })
        .collect()
}

fn is_prop(class: &str) -> bool {
    matches!(class, "tree" | "lamp" | "bench" | "parked_car")
}

fn box_glb() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/gltf/valid/Box.glb"))
        .expect("Box.glb")
}

#[test]
fn issue6_gen_with_a_config_stores_backend_detail_that_every_load_uses_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    new_park_town(d);
    let before = objects(d);
    assert!(
        before.values().all(|(_, g)| g == "procedural"),
        "{before:?}"
    );
    assert!(
        before.values().any(|(c, _)| is_prop(c)),
        "the region has props"
    );

    let (llm_url, llm_hits) = llm(
        200,
        serde_json::json!({"density": 0.3, "height_scale": 2.0, "max_floors": 80, "vegetation": 1.0}),
    );
    let (mesh_url, mesh_hits) = mesh_jobs(box_glb());
    let cfg = config(d, "live.toml", &llm_url, &mesh_url);
    let out = gen_with_config(d, &cfg, "120");
    assert!(out.contains("region: llm; object: meshes"), "{out}");
    assert!(
        out.contains(
            "1 chunks with backend detail stored in the world file, 0 kept procedural, 0 errors"
        ),
        "{out}"
    );
    assert!(out.contains("llm: 1 calls, 1 ok, 0 failed"), "{out}");
    let (llm_calls, mesh_calls) = (
        llm_hits.load(Ordering::SeqCst),
        mesh_hits.load(Ordering::SeqCst),
    );
    assert_eq!(llm_calls, 1);
    assert!(
        mesh_calls >= 3,
        "a job, a poll and a download per class: {mesh_calls}"
    );

    // No configuration: every load now uses what the backends made.
    let after = objects(d);
    assert_ne!(after, before);
    assert!(after.values().any(|(_, g)| g == "openai:llm"), "{after:?}");
    for (id, (class, generator)) in &after {
        if is_prop(class) {
            assert_eq!(generator, "mesh-jobs:meshes", "{id}");
        } else {
            assert_eq!(generator, "openai:llm", "{id}");
        }
    }
    let info = ok(d, &["info", "w.sprawl"]);
    assert!(
        info.contains("1 chunk(s) detailed by mesh-jobs:meshes, openai:llm"),
        "{info}"
    );
    let status = ok(d, &["backends", "status", "w.sprawl"]);
    assert!(
        status.contains("stored: 1 chunk(s) detailed by mesh-jobs:meshes, openai:llm"),
        "{status}"
    );
    let export = ok(
        d,
        &["export", "w.sprawl", "--region", REGION, "-o", "w.glb"],
    );
    assert!(
        export.contains(&format!("{} objects", after.len())),
        "{export}"
    );
    ok(d, &["map", "w.sprawl", "--region", REGION, "-o", "w.png"]);

    // The servers gone: with the configuration, nothing is asked again.
    let gone = config(d, "gone.toml", &dead(), &dead());
    let out = gen_with_config(d, &gone, "60");
    assert!(out.contains("1 chunks with backend detail stored"), "{out}");
    assert!(out.contains("llm: 0 calls"), "{out}");
    assert!(out.contains("meshes: 0 calls"), "{out}");
    assert_eq!(objects(d), after);
    assert_eq!(
        (
            llm_hits.load(Ordering::SeqCst),
            mesh_hits.load(Ordering::SeqCst)
        ),
        (llm_calls, mesh_calls)
    );

    // The simulator's chunk streaming uses the stored chunk too: its movable
    // props (benches, parked cars) are the detailed chunk's, not the
    // generator's.
    let coord = ChunkCoord::new(0, 0);
    let movable = |chunk: &Chunk| -> BTreeSet<ObjectId> {
        chunk
            .objects
            .iter()
            .filter(|o| matches!(o.class, SemanticClass::Bench | SemanticClass::ParkedCar))
            .map(|o| o.id)
            .collect()
    };
    let file = WorldFile::open(d.join("w.sprawl")).expect("open");
    let stored = movable(&file.load_chunk(coord).expect("load").chunk);
    let generated = movable(&sprawl_gen::generate_chunk(file.spec(), coord));
    drop(file);
    assert_ne!(stored, generated, "the region answer changed the props");
    let mut sim = Sim::new(SimConfig {
        world: WorldSource::File(d.join("w.sprawl")),
        agents: vec!["pedestrian".into()],
        traffic_density: 0.0,
        pedestrian_density: 0.0,
        ..SimConfig::default()
    })
    .expect("sim");
    sim.reset(3).expect("reset");
    sim.teleport(0, [64.0, 5.0, 64.0], 0.0).expect("teleport");
    assert!(sim.loaded_chunk_coords().contains(&coord));
    let in_sim: BTreeSet<ObjectId> = sim
        .props()
        .iter()
        .filter(|p| p.id.chunk == coord && !p.thrown)
        .map(|p| p.id)
        .collect();
    assert_eq!(in_sim, stored);
    assert_eq!(llm_hits.load(Ordering::SeqCst), llm_calls);
    assert_eq!(mesh_hits.load(Ordering::SeqCst), mesh_calls);
}

#[test]
fn issue6_hostile_backends_leave_the_procedural_chunks_and_the_file_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    new_park_town(d);
    ok(d, &["gen", "w.sprawl", "--region", REGION]);
    let before = objects(d);
    for (name, (llm_url, _), (mesh_url, _), expect) in [
        (
            "500s",
            llm(500, serde_json::json!({})),
            llm(500, serde_json::json!({})),
            "llm: HTTP 500",
        ),
        (
            "bad schema, bad GLB",
            llm(200, serde_json::json!({"floors": "many"})),
            mesh_jobs(b"glTF\x02\x00\x00\x00\x10\x00\x00\x00junk".to_vec()),
            "not a valid GLB",
        ),
    ] {
        let cfg = config(d, "hostile.toml", &llm_url, &mesh_url);
        let out = gen_with_config(d, &cfg, "60");
        assert!(
            out.contains(
                "0 chunks with backend detail stored in the world file, 1 kept procedural, 0 errors"
            ),
            "{name}: {out}"
        );
        assert!(out.contains(expect), "{name}: {out}");
        assert_eq!(objects(d), before, "{name}");
        let info = ok(d, &["info", "w.sprawl"]);
        assert!(!info.contains("detailed by"), "{name}: {info}");
    }
}

#[test]
fn issue6_gen_refuses_a_bad_wait_and_a_wait_without_a_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    ok(
        d,
        &["new", "w.sprawl", "--prompt", "a small town", "--seed", "5"],
    );
    for args in [
        &["gen", "w.sprawl", "--region", REGION, "--wait", "5"][..],
        &[
            "gen", "w.sprawl", "--region", REGION, "--config", "x.toml", "--wait", "-1",
        ][..],
        &[
            "gen", "w.sprawl", "--region", REGION, "--config", "x.toml", "--wait", "NaN",
        ][..],
    ] {
        let out = sprawl(d, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = sprawl(
        d,
        &[
            "gen",
            "w.sprawl",
            "--region",
            REGION,
            "--config",
            "missing.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}
