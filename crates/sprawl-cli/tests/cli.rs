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
    // Writing the map over the world file is refused: by its extension, and
    // for a world whose name ends in .png, because it is the world.
    fails(
        dir,
        &["map", "w.sprawl", "--region", "0,0,10,10", "-o", "w.sprawl"],
        2,
    );
    ok(dir, &["new", "w.png", "--prompt", "a city"]);
    let world_png = read(&dir.join("w.png"));
    let err = fails(
        dir,
        &["map", "w.png", "--region", "0,0,10,10", "-o", "w.png"],
        1,
    );
    assert!(err.contains("overwrite the world file"), "{err}");
    assert_eq!(read(&dir.join("w.png")), world_png);
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

#[test]
fn map_writes_png_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["new", "w.sprawl", "--prompt", "a city"]);
    for out in ["out.jpg", "out.jpeg", "out", "out.png.txt"] {
        let err = fails(
            dir,
            &["map", "w.sprawl", "--region", "0,0,10,10", "-o", out],
            2,
        );
        assert!(err.contains("PNG") && err.contains(out), "{out}: {err}");
        assert!(!dir.join(out).exists(), "{out} was written");
    }
    // Refused before any work: nothing was generated into the cache.
    let info = json(&ok(dir, &["info", "w.sprawl", "--json"]));
    assert_eq!(info["cache"]["chunks"], 0);
    // The extension's case does not matter.
    ok(
        dir,
        &["map", "w.sprawl", "--region", "0,0,10,10", "-o", "out.PNG"],
    );
    assert_eq!(png_size(&read(&dir.join("out.PNG"))), (10, 10));
}

#[test]
fn new_in_a_missing_directory_names_the_users_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let target = dir.join("nowhere").join("x.sprawl");
    let target = target.to_string_lossy().into_owned();
    for file in [target.as_str(), "missing/x.sprawl"] {
        let err = fails(dir, &["new", file, "--prompt", "a city"], 1);
        assert!(
            err.contains(file) && err.contains("does not exist"),
            "{file}: {err}"
        );
        assert!(
            !err.contains(".sprawl-create-"),
            "{file}: names the temporary file: {err}"
        );
    }
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0, "left a file");
}

/// Permission bits of a file.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(path).unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
    meta.permissions().mode() & 0o7777
}

#[cfg(unix)]
#[test]
fn new_world_files_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let world = dir.join("w.sprawl");
    // A new file under umask 022, then (--force) a 0600 file replaced under 027.
    for (umask, expected) in [("022", 0o644), ("027", 0o640)] {
        if world.exists() {
            std::fs::set_permissions(&world, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" new w.sprawl --prompt 'a city' --force"
            ))
            .arg(env!("CARGO_BIN_EXE_sprawl"))
            .current_dir(dir)
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            mode(&world),
            expected,
            "umask {umask}: mode {:o}",
            mode(&world)
        );
    }
}

// ---------------------------------------------------- damaged world files

/// `path` with `suffix` appended to its file name (`-wal`, …).
fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The page size in an SQLite header (bytes 16..18, big-endian; 1 is 65536).
fn page_size(db: &[u8]) -> usize {
    match u16::from_be_bytes([db[16], db[17]]) {
        1 => 65536,
        n => usize::from(n),
    }
}

/// Damaged copies of the world file `good`, as (file name, bytes, the word
/// the refusal must use), built the way sprawl-store's own tests build them.
fn damaged_copies(good: &[u8]) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let page = page_size(good);
    let pages = good.len() / page;
    assert!(pages >= 4, "want a multi-page world, got {pages} pages");
    // Cut at a page boundary in the middle, as a failed copy would.
    let truncated = good[..pages / 2 * page].to_vec();
    // Garbage over the second page (a table's b-tree) and over the last.
    let mut corrupt = good.to_vec();
    corrupt[page..2 * page].fill(0x5a);
    let mut corrupt_tail = good.to_vec();
    corrupt_tail[(pages - 1) * page..].fill(0x5a);
    // `PRAGMA user_version` one past the file's: header bytes 60..64.
    let mut newer = good.to_vec();
    let version = u32::from_be_bytes([good[60], good[61], good[62], good[63]]);
    newer[60..64].copy_from_slice(&(version + 1).to_be_bytes());
    vec![
        ("truncated.sprawl", truncated, "truncated"),
        ("corrupt.sprawl", corrupt, "corrupt"),
        ("corrupt-tail.sprawl", corrupt_tail, "corrupt"),
        ("newer.sprawl", newer, "newer"),
    ]
}

#[test]
fn damaged_world_files_are_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let region = "-256,-256,256,256";
    ok(dir, &["new", "good.sprawl", "--prompt", "a city"]);
    ok(dir, &["gen", "good.sprawl", "--region", region]);
    let list = objects(dir, "good.sprawl", region);
    let id = list
        .first()
        .and_then(|o| o["id"].as_str())
        .expect("objects in the region")
        .to_owned();
    let good = read(&dir.join("good.sprawl"));

    for (name, bytes, problem) in damaged_copies(&good) {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        for args in [vec!["info", name], vec!["edit", name, "remove", &id]] {
            let err = fails(dir, &args, 1);
            assert!(
                err.contains(name) && err.contains(problem),
                "sprawl {args:?}: should name the file and say {problem}:\n{err}"
            );
            assert!(read(&path) == bytes, "sprawl {args:?} changed {name}");
            for suffix in ["-wal", "-shm", "-journal"] {
                assert!(
                    !companion(&path, suffix).exists(),
                    "sprawl {args:?} left {name}{suffix}"
                );
            }
        }
    }
    // The same edit on the intact world goes through.
    ok(dir, &["edit", "good.sprawl", "remove", &id]);
}

// ------------------------------------------------------- GLB validation

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const VALIDATOR_HINT: &str = "the Khronos glTF validator is needed: install Node.js and run \
     `npm ci` in tools/gltf-validator (scripts/test.sh does this)";

/// Runs the Khronos glTF validator (tools/gltf-validator/validate.mjs, under
/// `node`) on `glb` and asserts that it reports no error. Fails, rather
/// than skips, when node or the validator is missing.
fn assert_valid_glb(glb: &Path) {
    let script = repo_root().join("tools/gltf-validator/validate.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(glb)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}); {VALIDATOR_HINT}"));
    let code = out.status.code();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_ne!(code, Some(3), "{stderr}\n{VALIDATOR_HINT}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("validate.mjs (exit {code:?}) printed no JSON ({e}): {stdout}\n{stderr}")
    });
    assert_eq!(
        report["numErrors"].as_u64(),
        Some(0),
        "{}: validator errors:\n{stdout}",
        glb.display()
    );
    assert_eq!(code, Some(0), "{}: {stdout}\n{stderr}", glb.display());
}

/// Exports `region` of `world` to `out` and validates the GLB.
fn export_and_validate(dir: &Path, world: &str, region: &str, out: &str) {
    ok(dir, &["export", world, "--region", region, "-o", out]);
    assert_valid_glb(&dir.join(out));
}

/// Ids and positions of the objects in `region` that `keep` accepts.
fn picked(
    dir: &Path,
    world: &str,
    region: &str,
    keep: impl Fn(&str) -> bool,
) -> Vec<(String, [f64; 3])> {
    objects(dir, world, region)
        .iter()
        .filter(|o| o["class"].as_str().is_some_and(&keep))
        .filter_map(|o| Some((o["id"].as_str()?.to_owned(), position(o))))
        .collect()
}

/// A few chunks (2×2 of 128 m) around the origin.
const FEW_CHUNKS: &str = "-128,-128,128,128";

#[test]
fn exports_pass_the_gltf_validator() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // (a) A prompt with a river, over the 2×2 chunks around the water
    // object nearest the origin.
    let prompt = "a city with hills, a river and parks";
    ok(dir, &["new", "river.sprawl", "--prompt", prompt]);
    let water = picked(dir, "river.sprawl", KM2, |c| c == "water");
    let [x, _, z] = water
        .iter()
        .map(|w| w.1)
        .min_by(|a, b| (a[0].abs() + a[2].abs()).total_cmp(&(b[0].abs() + b[2].abs())))
        .expect("the river crosses the square kilometre around the origin");
    let region = format!("{},{},{},{}", x - 128.0, z - 128.0, x + 128.0, z + 128.0);
    let region = region.as_str();
    assert!(!picked(dir, "river.sprawl", region, |c| c == "water").is_empty());
    export_and_validate(dir, "river.sprawl", region, "river.glb");

    // (b) The riverside sketch.
    let sketch = repo_root().join("assets/sketches/riverside.png");
    let sketch = sketch.to_string_lossy().into_owned();
    ok(dir, &["new", "sketch.sprawl", "--sketch", &sketch]);
    export_and_validate(dir, "sketch.sprawl", FEW_CHUNKS, "sketch.glb");

    // (c) The river world after an add, a move and a remove of standalone
    // objects (not the ground, roads or water).
    let ground = ["terrain", "road", "sidewalk", "water", "bridge", "park"];
    let things = picked(dir, "river.sprawl", region, |c| !ground.contains(&c));
    assert!(things.len() >= 2, "want two objects to edit in {region}");
    let [mx, my, mz] = things[0].1;
    let to = format!("{},{},{}", mx + 3.0, my, mz - 2.0);
    let at = format!("{},{}", x + 10.0, z + 10.0);
    ok(
        dir,
        &[
            "edit",
            "river.sprawl",
            "add",
            "--class",
            "prop",
            "--at",
            &at,
            "--size",
            "2,1,3",
        ],
    );
    ok(
        dir,
        &[
            "edit",
            "river.sprawl",
            "move",
            &things[0].0,
            "--to",
            &to,
            "--yaw",
            "30",
        ],
    );
    ok(dir, &["edit", "river.sprawl", "remove", &things[1].0]);
    let info = json(&ok(dir, &["info", "river.sprawl", "--json"]));
    assert_eq!(info["edits"]["total"], 3);
    export_and_validate(dir, "river.sprawl", region, "edited.glb");
    assert_ne!(read(&dir.join("river.glb")), read(&dir.join("edited.glb")));
}

#[test]
fn exports_are_identical_across_processes_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let prompt = "a city with hills, a river and parks";
    for world in ["a.sprawl", "b.sprawl"] {
        ok(dir, &["new", world, "--prompt", prompt, "--seed", "7"]);
    }
    let region = "-192,-192,192,192";
    ok(
        dir,
        &[
            "export",
            "a.sprawl",
            "--region",
            region,
            "-o",
            "a.glb",
            "--threads",
            "1",
        ],
    );
    ok(
        dir,
        &["export", "b.sprawl", "--region", region, "-o", "b.glb"],
    );
    let (a, b) = (read(&dir.join("a.glb")), read(&dir.join("b.glb")));
    assert!(a.len() > 1000, "suspiciously small GLB: {} bytes", a.len());
    assert!(a == b, "GLBs differ: {} vs {} bytes", a.len(), b.len());
}

/// `sprawl new … | head`: the reader of the report goes away, and the
/// world is still made (printing the report must not abort the work).
#[test]
fn new_makes_the_world_when_its_output_pipe_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_sprawl"))
        .args(["new", "w.sprawl", "--prompt", "a quiet town by a lake"])
        .current_dir(dir.path())
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    ok(dir.path(), &["info", "w.sprawl"]);
}
