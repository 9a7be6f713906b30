//! End-to-end tests of the `sprawl` binary: each runs the real executable in
//! a temporary directory and checks its output files, its stdout/stderr and
//! its exit status.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 1 km² around the origin: 64 chunks of 128 m.
const KM2: &str = "-512,-512,512,512";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sprawl"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("the sprawl binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed; returns its stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "sprawl {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs a command that must fail cleanly with exit status `code` (2 for
/// usage errors, 1 otherwise); returns its stderr.
fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let out = run(dir, args);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "sprawl {args:?} should exit with {code}\nstdout:\n{}\nstderr:\n{stderr}",
        text(&out.stdout)
    );
    assert!(
        stderr.starts_with("error:"),
        "sprawl {args:?}: stderr should start with `error:`:\n{stderr}"
    );
    for bad in ["panicked", "RUST_BACKTRACE", "internal error"] {
        assert!(
            !stderr.contains(bad),
            "sprawl {args:?}: stderr mentions `{bad}`:\n{stderr}"
        );
    }
    stderr
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 24, "PNG too short");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn objects(dir: &Path, file: &str, region: &str) -> Vec<Value> {
    let out = ok(dir, &["objects", file, "--region", region, "--json"]);
    match json(&out) {
        Value::Array(list) => list,
        other => panic!("objects --json should print an array, got {other}"),
    }
}

fn find<'a>(list: &'a [Value], id: &str) -> Option<&'a Value> {
    list.iter().find(|o| o["id"] == id)
}

fn position(o: &Value) -> [f64; 3] {
    let p = o["position"].as_array().expect("position is an array");
    assert_eq!(p.len(), 3);
    [0, 1, 2].map(|i| p[i].as_f64().expect("coordinate is a number"))
}

#[test]
fn prompt_to_map_export_objects_and_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let world = "city.sprawl";

    let out = ok(dir, &["new", world, "--prompt", "a city"]);
    assert!(out.contains("Understood"), "{out}");
    assert!(out.contains("Seed:"), "{out}");

    let info = ok(dir, &["info", world]);
    for needle in [
        "prompt:      \"a city\"",
        "prompt-interpreter",
        "procedural",
        "edits:       0",
        "cache:       0 chunks",
    ] {
        assert!(info.contains(needle), "info lacks {needle:?}:\n{info}");
    }
    let info = json(&ok(dir, &["info", world, "--json"]));
    assert_eq!(info["spec"]["prompt"], "a city");
    assert_eq!(info["spec_provenance"]["generator"], "prompt-interpreter");
    assert_eq!(info["generator"]["created"], info["generator"]["current"]);
    assert!(info["seed"].is_u64());

    // gen: 1 km² is 64 chunks; a second run finds them all cached.
    let out = ok(dir, &["gen", world, "--region", KM2, "--threads", "2"]);
    assert!(out.contains("64 chunks of 128 m"), "{out}");
    assert!(out.contains("generated 64 chunks"), "{out}");
    assert!(out.contains("chunks/s"), "{out}");
    assert!(out.contains("triangles:"), "{out}");
    let out = ok(dir, &["gen", world, "--region", KM2]);
    assert!(out.contains("generated 0 chunks"), "{out}");
    assert!(out.contains("skipped 64 already cached"), "{out}");
    let info = json(&ok(dir, &["info", world, "--json"]));
    assert_eq!(info["cache"]["chunks"], 64);

    // map at 1 m/px and 4 m/px.
    ok(dir, &["map", world, "--region", KM2, "-o", "map.png"]);
    assert_eq!(png_size(&read(&dir.join("map.png"))), (1024, 1024));
    ok(
        dir,
        &[
            "map",
            world,
            "--region",
            "0,0,300,100",
            "-o",
            "small.png",
            "--scale",
            "4",
        ],
    );
    assert_eq!(png_size(&read(&dir.join("small.png"))), (75, 25));

    // export: a GLB whose header length is the file length.
    ok(dir, &["export", world, "--region", KM2, "-o", "city.glb"]);
    let glb = read(&dir.join("city.glb"));
    assert_eq!(&glb[..4], b"glTF");
    assert_eq!(u32::from_le_bytes([glb[4], glb[5], glb[6], glb[7]]), 2);
    let len = u32::from_le_bytes([glb[8], glb[9], glb[10], glb[11]]) as usize;
    assert_eq!(len, glb.len());

    // objects: every listed position lies in the region.
    let region = "-200,-200,200,200";
    let list = objects(dir, world, region);
    assert!(!list.is_empty());
    for o in &list {
        let [x, _, z] = position(o);
        assert!(
            (-200.0..200.0).contains(&x) && (-200.0..200.0).contains(&z),
            "{o}"
        );
        assert!(o["id"].as_str().is_some_and(|s| s.split(':').count() == 3));
        assert_eq!(o["generator"], "procedural");
    }
    let buildings: Vec<&Value> = list.iter().filter(|o| o["class"] == "building").collect();
    assert!(buildings.len() >= 2, "expected buildings in {region}");
    let plain = ok(
        dir,
        &["objects", world, "--region", region, "--class", "building"],
    );
    let count_line = plain.lines().last().unwrap_or_default();
    assert!(
        count_line.starts_with(&format!("{} objects of class building", buildings.len())),
        "{count_line}"
    );
    assert_eq!(plain.lines().count(), buildings.len() + 1);

    // Edits: move one building, remove another, add a prop.
    let moved = buildings[0]["id"].as_str().unwrap().to_owned();
    let removed = buildings[1]["id"].as_str().unwrap().to_owned();
    let out = ok(
        dir,
        &[
            "edit",
            world,
            "move",
            &moved,
            "--to",
            "12.5,3,-40",
            "--yaw",
            "90",
        ],
    );
    assert!(out.contains("journal #1"), "{out}");
    let out = ok(dir, &["edit", world, "remove", &removed]);
    assert!(out.contains("journal #2"), "{out}");
    let out = ok(
        dir,
        &[
            "edit", world, "add", "--class", "prop", "--at", "30,1,-30", "--size", "2,1,3",
        ],
    );
    assert!(out.contains("journal #3"), "{out}");
    let added = out
        .split_whitespace()
        .find(|w| w.split(':').count() == 3 && w.ends_with("80000001"))
        .unwrap_or_else(|| panic!("no added id in {out}"))
        .to_owned();
    // On the generated ground, with X,Z only.
    ok(
        dir,
        &["edit", world, "add", "--class", "bench", "--at=-50,-60"],
    );

    let info = json(&ok(dir, &["info", world, "--json"]));
    assert_eq!(info["edits"]["move"], 1);
    assert_eq!(info["edits"]["remove"], 1);
    assert_eq!(info["edits"]["add"], 2);
    assert_eq!(info["edits"]["total"], 4);
    let info_text = ok(dir, &["info", world]);
    assert!(
        info_text.contains("edits:       4 (1 move, 2 add, 1 remove, 0 dynamic state)"),
        "{info_text}"
    );

    // A fresh process (the file reopened) sees the edits.
    let after = objects(dir, world, region);
    let m = find(&after, &moved).expect("moved object still listed");
    assert_eq!(position(m), [12.5, 3.0, -40.0]);
    assert!(find(&after, &removed).is_none(), "removed object listed");
    let a = find(&after, &added).expect("added object listed");
    assert_eq!(a["class"], "prop");
    assert_eq!(a["generator"], "user");
    assert_eq!(position(a), [30.0, 1.0, -30.0]);
    let bench = after
        .iter()
        .find(|o| o["class"] == "bench" && o["generator"] == "user")
        .expect("added bench listed");
    let [bx, by, bz] = position(bench);
    assert_eq!((bx, bz), (-50.0, -60.0));
    assert!(by.is_finite());
    assert_eq!(after.len(), list.len() + 1, "-1 removed, +2 added");

    // Map and export still work with the edits applied.
    ok(dir, &["map", world, "--region", region, "-o", "edited.png"]);
    assert_eq!(png_size(&read(&dir.join("edited.png"))), (400, 400));
    ok(
        dir,
        &["export", world, "--region", region, "-o", "edited.glb"],
    );
    assert_eq!(&read(&dir.join("edited.glb"))[..4], b"glTF");

    // Editing the removed object again is refused and changes nothing.
    let before = read(&dir.join(world));
    let err = fails(dir, &["edit", world, "remove", &removed], 1);
    assert!(err.contains("does not exist"), "{err}");
    let err = fails(dir, &["edit", world, "move", &removed, "--to", "1,2,3"], 1);
    assert!(err.contains(&removed), "{err}");
    assert_eq!(
        read(&dir.join(world)),
        before,
        "refused edit changed the file"
    );
    let info = json(&ok(dir, &["info", world, "--json"]));
    assert_eq!(info["edits"]["total"], 4);
}

#[test]
fn new_never_overwrites_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["new", "w.sprawl", "--prompt", "a quiet village"]);
    let before = read(&dir.join("w.sprawl"));
    let err = fails(dir, &["new", "w.sprawl", "--prompt", "a big city"], 1);
    assert!(err.contains("--force"), "{err}");
    assert!(err.contains("w.sprawl"), "{err}");
    assert_eq!(read(&dir.join("w.sprawl")), before);

    // Not even a file that is not a world.
    std::fs::write(dir.join("notes.txt"), "keep me").unwrap();
    fails(dir, &["new", "notes.txt", "--prompt", "a city"], 1);
    assert_eq!(read(&dir.join("notes.txt")), b"keep me");

    ok(
        dir,
        &["new", "w.sprawl", "--prompt", "a big city", "--force"],
    );
    let info = json(&ok(dir, &["info", "w.sprawl", "--json"]));
    assert_eq!(info["spec"]["prompt"], "a big city");
}

#[test]
fn seeds_follow_the_prompt_unless_given() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let seed = |file: &str| json(&ok(dir, &["info", file, "--json"]))["seed"].clone();
    ok(
        dir,
        &["new", "a.sprawl", "--prompt", "a hilly town by a river"],
    );
    ok(
        dir,
        &["new", "b.sprawl", "--prompt", "a hilly town by a river"],
    );
    ok(
        dir,
        &["new", "c.sprawl", "--prompt", "a flat town by the sea"],
    );
    let out = ok(
        dir,
        &["new", "d.sprawl", "--prompt", "a city", "--seed", "42"],
    );
    assert!(out.contains("Seed: 42"), "{out}");
    assert_eq!(seed("a.sprawl"), seed("b.sprawl"));
    assert_ne!(seed("a.sprawl"), seed("c.sprawl"));
    assert_eq!(seed("d.sprawl"), 42);
}

/// The sketches shipped in assets/sketches/.
fn sketches() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/sketches");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")))
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no .png sketch in {}; the sketch test needs at least one",
        dir.display()
    );
    found
}

#[test]
fn new_from_a_sketch() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sketch = sketches()[0].to_string_lossy().into_owned();
    let out = ok(dir, &["new", "s.sprawl", "--sketch", &sketch]);
    assert!(out.contains("Sketch:"), "{out}");
    assert!(out.contains("road lines traced:"), "{out}");
    let info = json(&ok(dir, &["info", "s.sprawl", "--json"]));
    assert_eq!(info["spec_provenance"]["generator"], "sketch-interpreter");
    assert!(info["spec"]["sketch"]["width"].as_u64().unwrap() > 0);
    assert_eq!(info["spec"]["sketch"]["metres_per_pixel"], 4.0);
    let text = ok(dir, &["info", "s.sprawl"]);
    assert!(text.contains("sketch:      ") && !text.contains("sketch:      none"));

    // Same bytes, same seed; the scale is honoured.
    ok(
        dir,
        &[
            "new",
            "t.sprawl",
            "--sketch",
            &sketch,
            "--sketch-scale",
            "2",
        ],
    );
    let info2 = json(&ok(dir, &["info", "t.sprawl", "--json"]));
    assert_eq!(info["seed"], info2["seed"]);
    assert_eq!(info2["spec"]["sketch"]["metres_per_pixel"], 2.0);

    // The sketched world generates.
    let list = objects(dir, "s.sprawl", "-64,-64,64,64");
    assert!(!list.is_empty());
}

#[test]
fn bad_inputs_fail_cleanly_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("notes.txt"), "not a world, not a picture\n").unwrap();
    let notes = read(&dir.join("notes.txt"));

    // new: blank prompt, both sources, neither, a text file as a sketch, a
    // missing sketch, a scale without a sketch.
    let err = fails(dir, &["new", "x.sprawl", "--prompt", "   "], 1);
    assert!(err.contains("empty"), "{err}");
    fails(
        dir,
        &[
            "new",
            "x.sprawl",
            "--prompt",
            "a city",
            "--sketch",
            "notes.txt",
        ],
        2,
    );
    fails(dir, &["new", "x.sprawl"], 2);
    let err = fails(dir, &["new", "x.sprawl", "--sketch", "notes.txt"], 1);
    assert!(err.contains("notes.txt"), "{err}");
    fails(dir, &["new", "x.sprawl", "--sketch", "missing.png"], 1);
    fails(
        dir,
        &[
            "new",
            "x.sprawl",
            "--prompt",
            "a city",
            "--sketch-scale",
            "2",
        ],
        2,
    );
    let sketch = sketches()[0].to_string_lossy().into_owned();
    for scale in ["0", "-1", "NaN", "inf"] {
        fails(
            dir,
            &[
                "new",
                "x.sprawl",
                "--sketch",
                &sketch,
                "--sketch-scale",
                scale,
            ],
            2,
        );
    }
    assert!(!dir.join("x.sprawl").exists(), "a failed `new` left a file");
    assert_eq!(read(&dir.join("notes.txt")), notes);

    // Commands on something that is not a world file.
    let err = fails(dir, &["info", "notes.txt"], 1);
    assert!(
        err.contains("notes.txt") && err.contains("not a Sprawl world"),
        "{err}"
    );
    fails(dir, &["gen", "notes.txt", "--region", "0,0,10,10"], 1);
    fails(dir, &["edit", "notes.txt", "remove", "0:0:1"], 1);
    assert_eq!(read(&dir.join("notes.txt")), notes);
    fails(dir, &["info", "missing.sprawl"], 1);
    assert!(!dir.join("missing.sprawl").exists());

    // A world with its centre chunk cached, so that lookups write nothing.
    ok(dir, &["new", "w.sprawl", "--prompt", "a city"]);
    ok(dir, &["gen", "w.sprawl", "--region", "0,0,1,1"]);
    let world = dir.join("w.sprawl");
    let before = read(&world);

    for region in [
        "",
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "0,0,NaN,10",
        "0,0,inf,10",
        "-inf,0,10,10",
        "10,0,0,10",
        "0,10,10,0",
        "5,5,5,6",
        "0,0,1e30,1",
    ] {
        let err = fails(dir, &["gen", "w.sprawl", "--region", region], 2);
        assert!(err.contains("region"), "{region}: {err}");
        fails(dir, &["objects", "w.sprawl", "--region", region], 2);
    }
    // Too large for the command.
    let err = fails(
        dir,
        &["gen", "w.sprawl", "--region", "-5000,-5000,5000,5000"],
        1,
    );
    assert!(err.contains("km²"), "{err}");
    fails(
        dir,
        &[
            "export",
            "w.sprawl",
            "--region",
            "-5000,-5000,5000,5000",
            "-o",
            "x.glb",
        ],
        1,
    );
    fails(
        dir,
        &[
            "map",
            "w.sprawl",
            "--region",
            "0,0,100000,10",
            "-o",
            "x.png",
        ],
        1,
    );
    fails(
        dir,
        &[
            "map",
            "w.sprawl",
            "--region",
            "0,0,10,10",
            "-o",
            "x.png",
            "--scale",
            "0",
        ],
        2,
    );
    // Writing the map over the world file is refused.
    fails(
        dir,
        &["map", "w.sprawl", "--region", "0,0,10,10", "-o", "w.sprawl"],
        1,
    );
    assert!(!dir.join("x.glb").exists() && !dir.join("x.png").exists());

    // Edits: unknown ids, malformed ids, non-finite numbers.
    let err = fails(dir, &["edit", "w.sprawl", "remove", "0:0:00000001"], 1);
    assert!(
        err.contains("0:0:00000001") && err.contains("does not exist"),
        "{err}"
    );
    fails(
        dir,
        &["edit", "w.sprawl", "move", "0:0:00000001", "--to", "1,2,3"],
        1,
    );
    fails(dir, &["edit", "w.sprawl", "remove", "2147483647:0:1"], 1);
    fails(dir, &["edit", "w.sprawl", "remove", "not-an-id"], 2);
    fails(dir, &["edit", "w.sprawl", "remove", "1:2"], 2);
    for v in ["1,NaN,3", "inf,0,0", "1,2", "1,2,3,4", "1e30,0,0"] {
        fails(
            dir,
            &["edit", "w.sprawl", "move", "0:0:00000001", "--to", v],
            2,
        );
        if v != "1,2" {
            fails(
                dir,
                &["edit", "w.sprawl", "add", "--class", "prop", "--at", v],
                2,
            );
        }
    }
    fails(
        dir,
        &[
            "edit",
            "w.sprawl",
            "move",
            "0:0:00000001",
            "--to",
            "1,2,3",
            "--yaw",
            "nan",
        ],
        2,
    );
    for size in ["0,1,1", "-1,1,1", "1,NaN,1", "1,1,5000"] {
        fails(
            dir,
            &[
                "edit", "w.sprawl", "add", "--class", "prop", "--at", "1,2,3", "--size", size,
            ],
            2,
        );
    }
    fails(
        dir,
        &[
            "edit", "w.sprawl", "add", "--class", "castle", "--at", "1,2,3",
        ],
        2,
    );
    fails(
        dir,
        &[
            "objects", "w.sprawl", "--region", "0,0,1,1", "--class", "castle",
        ],
        2,
    );
    assert_eq!(
        read(&world),
        before,
        "a refused command changed the world file"
    );
    let info = json(&ok(dir, &["info", "w.sprawl", "--json"]));
    assert_eq!(info["edits"]["total"], 0);
}
