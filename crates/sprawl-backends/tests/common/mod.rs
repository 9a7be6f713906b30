//! Fakes and helpers shared by the integration tests: servers on loopback
//! (random ports) that play well-behaved or hostile backends.

#![allow(dead_code, missing_docs)]

use axum::Router;
use serde_json::{Value, json};
use sprawl_backends::{Config, MemoryStore, Orchestrator, ResultStore};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A key the tests hand to backends; it must never show up anywhere.
pub const SECRET: &str = "sk-test-LEAKCHECK-7f3a9c1e5b2d4068";

/// Serves `router` on 127.0.0.1 at a random port; returns the base URL.
pub async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// `router` plus a mesh service's `/v1/files/{name}` route, answering every
/// file with `glb` as a GLB.
pub fn with_glb_files(router: Router, glb: Vec<u8>) -> Router {
    router.route(
        "/v1/files/{name}",
        axum::routing::get(move || {
            let glb = glb.clone();
            async move { ([("content-type", "model/gltf-binary")], glb) }
        }),
    )
}

/// Serves raw TCP: `handle` gets each connection after its request head
/// (and up to 64 KiB of body) has been read.
pub async fn serve_raw<F, Fut>(handle: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let handle = Arc::clone(&handle);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = 0;
                // Read until the end of the headers (the body is small JSON).
                while got < buf.len() {
                    match sock.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got += n,
                    }
                    if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                handle(sock).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Writes a raw HTTP response head.
pub async fn head(sock: &mut TcpStream, extra: &str) {
    let _ = sock
        .write_all(
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}\r\n").as_bytes(),
        )
        .await;
}

/// A valid answer of the `city_parameters` schema.
pub fn spec_draft() -> Value {
    json!({
        "density": 0.9, "min_floors": 3, "max_floors": 60,
        "districts": {"downtown": 0.8, "midrise": 0.2, "residential": 0.0, "industrial": 0.0, "park": 0.1},
        "district_scale_m": 900.0, "streets": "radial", "block_size_m": 120.0,
        "terrain": "hilly", "relief_m": 80.0, "hills": "north",
        "river_width_m": 60.0, "coast": null, "lakes": 0.0, "vegetation": 0.3,
        "era": "futuristic", "time_of_day_h": 19.5, "season": "autumn",
        "weather": "rain", "fog": 0.4
    })
}

/// A chat-completions answer whose message content is `content`.
pub fn chat(content: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "fake",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}]
    })
}

/// A hit counter.
#[derive(Clone, Default)]
pub struct Hits(pub Arc<AtomicUsize>);

impl Hits {
    pub fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Test timings (fast), each unless `extra` sets it.
pub fn with_defaults(extra: &str) -> String {
    let mut out = String::new();
    for (k, v) in [
        ("timeout_s", "2"),
        ("retries", "2"),
        ("backoff_s", "0.01"),
        ("max_backoff_s", "0.05"),
    ] {
        if !extra.lines().any(|l| l.trim_start().starts_with(k)) {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    out + extra + "\n"
}

/// An `openai` backend block: fast timings for tests, then `extra` lines.
pub fn openai(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[backends.{name}]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nmodel = \"fake-model\"\n{}",
        with_defaults(extra)
    )
}

/// A configuration from text (panics with the error on bad text).
pub fn config(text: &str) -> Config {
    Config::from_toml_str(text, "test").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// An orchestrator on the current runtime whose keys come from `keys`.
pub fn orchestrator(
    text: &str,
    store: Arc<dyn ResultStore>,
    keys: &[(&str, &str)],
) -> Orchestrator {
    let keys: HashMap<String, String> = keys
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Orchestrator::with_env(
        &config(text),
        store,
        tokio::runtime::Handle::current(),
        &move |var| keys.get(var).cloned(),
    )
}

/// An orchestrator with an in-memory store.
pub fn memory(text: &str) -> Orchestrator {
    orchestrator(text, Arc::new(MemoryStore::default()), &[])
}

/// Path of the repository's test data.
pub fn data(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

/// A GLB from JSON and BIN bytes (padded as the spec says).
pub fn glb(json: &str, bin: &[u8]) -> Vec<u8> {
    let mut j = json.as_bytes().to_vec();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    let mut b = bin.to_vec();
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
    let total = 12 + 8 + j.len() + if b.is_empty() { 0 } else { 8 + b.len() };
    let mut out = Vec::new();
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(j.len() as u32).to_le_bytes());
    out.extend_from_slice(&0x4E4F_534Au32.to_le_bytes());
    out.extend_from_slice(&j);
    if !b.is_empty() {
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(&0x004E_4942u32.to_le_bytes());
        out.extend_from_slice(&b);
    }
    out
}

/// A GLB of one triangle list: `positions` (x, y, z each) and u16 `indices`.
pub fn triangle_glb(positions: &[[f32; 3]], indices: &[u16]) -> Vec<u8> {
    let mut bin = Vec::new();
    for p in positions {
        for v in p {
            bin.extend_from_slice(&v.to_le_bytes());
        }
    }
    let pos_len = bin.len();
    for i in indices {
        bin.extend_from_slice(&i.to_le_bytes());
    }
    let idx_len = bin.len() - pos_len;
    let json = format!(
        r#"{{"asset":{{"version":"2.0"}},"buffers":[{{"byteLength":{}}}],
        "bufferViews":[{{"buffer":0,"byteLength":{pos_len}}},{{"buffer":0,"byteOffset":{pos_len},"byteLength":{idx_len}}}],
        "accessors":[{{"bufferView":0,"componentType":5126,"count":{},"type":"VEC3"}},
                     {{"bufferView":1,"componentType":5123,"count":{},"type":"SCALAR"}}],
        "meshes":[{{"primitives":[{{"attributes":{{"POSITION":0}},"indices":1}}]}}],
        "nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}]}}"#,
        bin.len(),
        positions.len(),
        indices.len()
    );
    glb(&json, &bin)
}
