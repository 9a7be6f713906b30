//! The `sprawl` binary with generation backends (issue 6): `new --config`,
//! `info`, `backends status` and `serve-gen`, against a fake
//! OpenAI-compatible server on loopback. The key must never show.

mod common;

use common::{
    chat_completion, expect_success, loopback_server, read_request, sprawl_command, write_response,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "sk-cli-test-SECRET-5e8d0c7a91b2";

/// A fake chat-completions server: answers every request with a valid spec
/// draft; keeps the request heads it saw.
fn fake_llm() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let addr = loopback_server(20, move |sock| answer(sock, &log));
    (format!("http://{addr}/v1"), seen)
}

fn answer(mut sock: TcpStream, log: &Mutex<Vec<String>>) {
    let Some(request) = read_request(&sock) else {
        return;
    };
    log.lock().expect("lock").push(request.head);
    let draft = serde_json::json!({
        "density": 0.9, "min_floors": 3, "max_floors": 55,
        "districts": {"downtown": 0.8, "midrise": 0.2, "residential": 0.0, "industrial": 0.0, "park": 0.1},
        "district_scale_m": 900.0, "streets": "radial", "block_size_m": 120.0,
        "terrain": "hilly", "relief_m": 80.0, "hills": "north",
        "river_width_m": 60.0, "coast": null, "lakes": 0.0, "vegetation": 0.3,
        "era": "futuristic", "time_of_day_h": 19.5, "season": "autumn",
        "weather": "rain", "fog": 0.4
    });
    let reply = chat_completion(&draft);
    write_response(
        &mut sock,
        "200 OK",
        "Content-Type: application/json\r\n",
        reply.as_bytes(),
    );
}

fn config(dir: &Path, url: &str) -> std::path::PathBuf {
    let path = dir.join("backends.toml");
    std::fs::write(
        &path,
        format!(
            "[budget]\nmax_cost = 1.0\n[routes]\nprompt = [\"llm\", \"procedural\"]\n\
             [backends.llm]\nkind = \"openai\"\nbase_url = \"{url}\"\nmodel = \"fake-model\"\n\
             api_key_env = \"SPRAWL_TEST_KEY\"\ntimeout_s = 5\ncost_per_call = 0.01\n"
        ),
    )
    .expect("write config");
    path
}

fn sprawl(dir: &Path, args: &[&str]) -> Output {
    sprawl_command(dir, args)
        .env("SPRAWL_TEST_KEY", KEY)
        .output()
        .expect("sprawl runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (stdout, stderr) = expect_success(args, &sprawl(dir, args));
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key was printed"
    );
    stdout
}

#[test]
fn issue6_new_with_a_config_records_the_backend_and_info_shows_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, seen) = fake_llm();
    let cfg = config(dir.path(), &url);
    let cfg = cfg.to_str().expect("utf-8");
    let out = ok(
        dir.path(),
        &[
            "new",
            "w.sprawl",
            "--prompt",
            "a rainy futuristic city",
            "--seed",
            "5",
            "--config",
            cfg,
        ],
    );
    assert!(
        out.contains("Spec from backend llm (openai:llm, model fake-model)"),
        "{out}"
    );
    let heads = seen.lock().expect("lock").join("\n");
    assert!(
        heads.contains(&format!("Bearer {KEY}")),
        "the key is sent to the server"
    );

    let info = ok(dir.path(), &["info", "w.sprawl"]);
    assert!(info.contains("spec from:   openai:llm"), "{info}");
    assert!(info.contains("model=fake-model"), "{info}");
    assert!(
        info.contains("1 prompt answer(s) from openai:llm model=fake-model"),
        "{info}"
    );
    assert!(
        info.contains("55 floors") || info.contains("–55 floors"),
        "{info}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["info", "w.sprawl", "--json"])).expect("json");
    assert_eq!(json["spec_provenance"]["model"], "fake-model");
    assert_eq!(json["backends"]["cached_answers"][0]["count"], 1);

    let status = ok(
        dir.path(),
        &["backends", "status", "w.sprawl", "--config", cfg],
    );
    assert!(
        status.contains("metrics from the world file's call log"),
        "{status}"
    );
    assert!(status.contains("spent 0.0100 of a budget of 1"), "{status}");
    assert!(
        status.contains("key from $SPRAWL_TEST_KEY (set)"),
        "{status}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(
        dir.path(),
        &["backends", "status", "w.sprawl", "--json"],
    ))
    .expect("json");
    assert_eq!(json["stats"][0]["backend"], "llm");
    assert_eq!(json["stats"][0]["calls"], 1);

    let bytes = std::fs::read(dir.path().join("w.sprawl")).expect("world");
    assert!(
        !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
        "the key is in the world file"
    );
}

#[test]
fn issue6_a_config_with_a_key_in_it_is_refused_without_echoing_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("bad.toml");
    std::fs::write(
        &cfg,
        format!("[backends.x]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\napi_key = \"{KEY}\"\n"),
    )
    .expect("write");
    let out = sprawl(
        dir.path(),
        &[
            "new", "w.sprawl", "--prompt", "a town", "--config", "bad.toml",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error:") && stderr.contains("api_key_env"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY));
    assert!(!dir.path().join("w.sprawl").exists());
}

#[test]
fn issue6_serve_gen_needs_a_token_and_answers_on_loopback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, _) = fake_llm();
    let cfg = config(dir.path(), &url);
    let cfg = cfg.to_str().expect("utf-8");
    // No token variable: a clear error.
    let out = sprawl(
        dir.path(),
        &[
            "serve-gen",
            "--config",
            cfg,
            "--token-env",
            "NO_SUCH_TOKEN_VAR",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NO_SUCH_TOKEN_VAR"));

    let token = "serve-gen-test-token-0123456789";
    let mut child = sprawl_command(
        dir.path(),
        &[
            "serve-gen",
            "--config",
            cfg,
            "--bind",
            "127.0.0.1:0",
            "--token-env",
            "TOK",
        ],
    )
    .env("TOK", token)
    .env("SPRAWL_TEST_KEY", KEY)
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("serve-gen starts");
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut first).expect("first line");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .map(str::to_owned);
    let get = |path: &str, auth: Option<&str>| -> String {
        let addr = addr.as_deref().expect("address printed");
        let mut s = TcpStream::connect(addr).expect("connect");
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let auth = auth
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
        )
        .expect("write");
        let mut r = String::new();
        let _ = s.read_to_string(&mut r);
        r
    };
    let health = get("/healthz", None);
    let metrics_denied = get("/metrics", None);
    let metrics = get("/metrics", Some(token));
    let _ = child.kill();
    let _ = child.wait();
    drop(stdout);
    assert!(first.contains("127.0.0.1:"), "{first}");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok"),
        "{health}"
    );
    assert!(
        metrics_denied.starts_with("HTTP/1.1 401"),
        "{metrics_denied}"
    );
    assert!(
        metrics.starts_with("HTTP/1.1 200") && metrics.contains("sprawl_requests_total 0"),
        "{metrics}"
    );
}
