//! Exports: GLB checked by our own parser and by the Khronos glTF-Validator,
//! PNG maps checked for size, content and determinism, bad input refused.
//!
//! The validator tests need Node.js and `npm ci` in `tools/gltf-validator`
//! (scripts/test.sh does it); without them they fail and say so.

use glam::{Quat, Vec3};
use sprawl_store::export::{
    BACKGROUND, ExportError, MAX_MAP_SIDE, class_colour, encode_png, export_glb, map_size,
    render_map,
};
use sprawl_world::{
    Chunk, ChunkCoord, Heightfield, MaterialId, MaterialKind, MeshData, Object, ObjectId,
    PhysicsShape, Region, RoadGraph, SemanticClass, Transform, WorldSpec,
};
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------- helpers

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Outcome of running `tools/gltf-validator/validate.mjs` on a file.
struct Validation {
    code: i32,
    report: serde_json::Value,
    stdout: String,
}

impl Validation {
    fn count(&self, key: &str) -> u64 {
        self.report[key]
            .as_u64()
            .unwrap_or_else(|| panic!("report has no {key}: {}", self.stdout))
    }
}

const SETUP_HINT: &str = "the Khronos glTF validator is needed: install Node.js and run `npm ci` in \
     tools/gltf-validator (scripts/test.sh does this)";

fn validate(file: &Path) -> Validation {
    let script = repo_root().join("tools/gltf-validator/validate.mjs");
    let out = Command::new("node")
        .arg(&script)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}); {SETUP_HINT}"));
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(code != 3, "{stderr}\n{SETUP_HINT}");
    assert!(
        code == 0 || code == 1,
        "validate.mjs failed (exit {code}) on {}: {stderr}",
        file.display()
    );
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("validate.mjs printed no JSON ({e}): {stdout}\n{stderr}"));
    Validation {
        code,
        report,
        stdout,
    }
}

fn validate_bytes(glb: &[u8]) -> Validation {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("export.glb");
    std::fs::write(&path, glb).expect("write temp GLB");
    validate(&path)
}

fn shared_gltf_dir() -> PathBuf {
    let dir = repo_root().join("tests/data/gltf");
    assert!(
        dir.is_dir(),
        "test data missing: {} (tests/data/gltf, copied from the Khronos samples; see its MANIFEST.md)",
        dir.display()
    );
    dir
}

fn glb_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "glb"))
        .collect();
    files.sort();
    files
}

fn generated_chunks() -> (WorldSpec, Vec<Chunk>) {
    let spec = WorldSpec::default();
    let chunks = [(-1, -1), (0, -1), (-1, 0), (0, 0)]
        .into_iter()
        .map(|(x, z)| sprawl_gen::generate_chunk(&spec, ChunkCoord::new(x, z)))
        .collect();
    (spec, chunks)
}

/// An axis-aligned box mesh from `lo` to `hi` with outward normals.
fn box_mesh(material: MaterialId, lo: [f32; 3], hi: [f32; 3]) -> MeshData {
    let mut m = MeshData::new(material);
    let [x0, y0, z0] = lo;
    let [x1, y1, z1] = hi;
    let uv = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    m.push_quad(
        [[x0, y1, z1], [x1, y1, z1], [x1, y1, z0], [x0, y1, z0]],
        [0.0, 1.0, 0.0],
        uv,
    ); // top
    m.push_quad(
        [[x0, y0, z0], [x1, y0, z0], [x1, y0, z1], [x0, y0, z1]],
        [0.0, -1.0, 0.0],
        uv,
    ); // bottom
    m.push_quad(
        [[x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]],
        [0.0, 0.0, 1.0],
        uv,
    ); // south
    m.push_quad(
        [[x1, y0, z0], [x0, y0, z0], [x0, y1, z0], [x1, y1, z0]],
        [0.0, 0.0, -1.0],
        uv,
    ); // north
    m.push_quad(
        [[x1, y0, z1], [x1, y0, z0], [x1, y1, z0], [x1, y1, z1]],
        [1.0, 0.0, 0.0],
        uv,
    ); // east
    m.push_quad(
        [[x0, y0, z0], [x0, y0, z1], [x0, y1, z1], [x0, y1, z0]],
        [-1.0, 0.0, 0.0],
        uv,
    ); // west
    m
}

/// A flat horizontal quad (local frame) from (0, y, 0) to (w, y, d).
fn flat_quad(material: MaterialId, w: f32, d: f32, y: f32) -> MeshData {
    let mut m = MeshData::new(material);
    m.push_quad(
        [[0.0, y, d], [w, y, d], [w, y, 0.0], [0.0, y, 0.0]],
        [0.0, 1.0, 0.0],
        [[0.0, d], [w, d], [w, 0.0], [0.0, 0.0]],
    );
    m
}

/// A hilly terrain grid of `n × n` cells over `size` metres (n = 300 gives 90 601 vertices).
fn terrain_grid(n: u32, size: f32) -> MeshData {
    let mut m = MeshData::new(MaterialId::of(MaterialKind::Ground));
    let step = size / n as f32;
    let h = |x: f32, z: f32| 3.0 * (x * 0.05).sin() + 2.0 * (z * 0.07).cos();
    for r in 0..=n {
        for c in 0..=n {
            let (x, z) = (c as f32 * step, r as f32 * step);
            // Deliberately not unit length: the exporter must normalise.
            let nrm = [-(0.15 * (x * 0.05).cos()), 1.0, 0.14 * (z * 0.07).sin()];
            m.push_vertex([x, h(x, z), z], nrm, [x, z]);
        }
    }
    let row = n + 1;
    for r in 0..n {
        for c in 0..n {
            let i = r * row + c;
            m.indices
                .extend_from_slice(&[i, i + row, i + row + 1, i, i + row + 1, i + 1]);
        }
    }
    m
}

fn object(
    coord: ChunkCoord,
    local: u32,
    class: SemanticClass,
    transform: Transform,
    mesh: MeshData,
) -> Object {
    Object {
        id: ObjectId::new(coord, local),
        class,
        transform,
        shape: PhysicsShape::None,
        mesh,
        provenance: 0,
    }
}

/// A chunk with objects of every class, several materials and variants, a
/// terrain mesh of more than 65 535 vertices, rotations, scales, a mesh
/// without material and an empty mesh.
fn synthetic_chunk(coord: ChunkCoord) -> Chunk {
    let size = 128.0;
    let (ox, oz) = coord.origin(size);
    let (ox, oz) = (ox as f32, oz as f32);
    let at = |x: f32, y: f32, z: f32| Transform::from_translation(Vec3::new(ox + x, y, oz + z));
    let mat = MaterialId::of;
    let mut objects = vec![
        object(
            coord,
            1,
            SemanticClass::Terrain,
            at(0.0, 0.0, 0.0),
            terrain_grid(300, size),
        ),
        object(
            coord,
            2,
            SemanticClass::Water,
            at(0.0, 6.0, 100.0),
            flat_quad(mat(MaterialKind::Water), 128.0, 28.0, 0.0),
        ),
        object(
            coord,
            3,
            SemanticClass::Park,
            at(80.0, 6.0, 0.0),
            flat_quad(mat(MaterialKind::Grass), 48.0, 40.0, 0.0),
        ),
        object(
            coord,
            4,
            SemanticClass::Road,
            at(0.0, 6.5, 50.0),
            flat_quad(mat(MaterialKind::Asphalt), 128.0, 10.0, 0.0),
        ),
        object(
            coord,
            5,
            SemanticClass::Sidewalk,
            at(0.0, 6.6, 60.0),
            flat_quad(mat(MaterialKind::Paving), 128.0, 3.0, 0.0),
        ),
        object(
            coord,
            6,
            SemanticClass::Bridge,
            at(60.0, 8.0, 95.0),
            flat_quad(mat(MaterialKind::Concrete), 10.0, 33.0, 0.0),
        ),
        object(
            coord,
            20,
            SemanticClass::Lamp,
            at(20.0, 6.6, 61.0),
            box_mesh(mat(MaterialKind::Metal), [-0.1, 0.0, -0.1], [0.1, 5.0, 0.1]),
        ),
        object(
            coord,
            21,
            SemanticClass::Bench,
            Transform::from_translation_yaw(Vec3::new(ox + 30.0, 6.6, oz + 61.5), 0.3),
            box_mesh(
                mat(MaterialKind::Wood),
                [-0.8, 0.0, -0.25],
                [0.8, 0.5, 0.25],
            ),
        ),
        object(
            coord,
            22,
            SemanticClass::ParkedCar,
            Transform::from_translation_yaw(
                Vec3::new(ox + 40.0, 6.5, oz + 52.0),
                std::f32::consts::FRAC_PI_2,
            ),
            box_mesh(
                MaterialId {
                    kind: MaterialKind::Metal,
                    variant: 3,
                },
                [-0.9, 0.0, -2.2],
                [0.9, 1.5, 2.2],
            ),
        ),
        object(
            coord,
            23,
            SemanticClass::Prop,
            Transform {
                translation: Vec3::new(ox + 50.0, 6.6, oz + 61.5),
                rotation: Quat::from_euler(glam::EulerRot::YXZ, 0.4, 0.1, 0.2),
                scale: Vec3::new(1.0, 2.0, 0.5),
            },
            box_mesh(mat(MaterialKind::Wood), [-0.5, 0.0, -0.5], [0.5, 1.0, 0.5]),
        ),
        // An agent mesh without material (glTF's default material).
        object(coord, 24, SemanticClass::Agent, at(50.0, 6.5, 55.0), {
            let mut m = box_mesh(mat(MaterialKind::Metal), [-0.3, 0.0, -0.3], [0.3, 1.8, 0.3]);
            m.material = None;
            m
        }),
        // Nothing to draw: left out of the GLB.
        object(
            coord,
            25,
            SemanticClass::Prop,
            at(1.0, 0.0, 1.0),
            MeshData::new(mat(MaterialKind::Wood)),
        ),
    ];
    // Buildings (walls of several variants) with roofs, and glass towers.
    for k in 0..6u32 {
        let x = 8.0 + 12.0 * k as f32;
        let h = 6.0 + 5.0 * k as f32;
        let (wall, roof) = if k == 5 {
            (
                mat(MaterialKind::Glass),
                MaterialId {
                    kind: MaterialKind::Roof,
                    variant: 1,
                },
            )
        } else {
            (
                MaterialId {
                    kind: MaterialKind::Wall,
                    variant: k as u8,
                },
                MaterialId {
                    kind: MaterialKind::Roof,
                    variant: k as u8,
                },
            )
        };
        objects.push(object(
            coord,
            100 + k,
            SemanticClass::Building,
            at(x, 6.0, 10.0),
            box_mesh(wall, [0.0, 0.0, 0.0], [10.0, h, 20.0]),
        ));
        objects.push(object(
            coord,
            200 + k,
            SemanticClass::Roof,
            at(x, 6.0 + h, 10.0),
            {
                let mut m = MeshData::new(roof);
                let n = Vec3::new(0.0, 5.0, -2.0).normalize().to_array();
                let s = Vec3::new(0.0, 5.0, 2.0).normalize().to_array();
                let uv = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
                m.push_quad(
                    [
                        [0.0, 2.0, 10.0],
                        [10.0, 2.0, 10.0],
                        [10.0, 0.0, 0.0],
                        [0.0, 0.0, 0.0],
                    ],
                    n,
                    uv,
                );
                m.push_quad(
                    [
                        [0.0, 0.0, 20.0],
                        [10.0, 0.0, 20.0],
                        [10.0, 2.0, 10.0],
                        [0.0, 2.0, 10.0],
                    ],
                    s,
                    uv,
                );
                m
            },
        ));
    }
    // Trees: trunk and crown.
    for k in 0..5u32 {
        let t = at(5.0 + 20.0 * k as f32, 6.6, 63.0);
        objects.push(object(coord, 300 + k, SemanticClass::Tree, t, {
            let mut m = box_mesh(mat(MaterialKind::Bark), [-0.2, 0.0, -0.2], [0.2, 3.0, 0.2]);
            m.append(&box_mesh(
                mat(MaterialKind::Foliage),
                [-1.5, 3.0, -1.5],
                [1.5, 6.0, 1.5],
            ));
            m
        }));
    }
    Chunk {
        coord,
        size,
        terrain: Heightfield {
            samples: 2,
            size,
            heights: vec![0.0; 4],
        },
        objects,
        roads: RoadGraph::default(),
        provenance: Vec::new(),
    }
}

/// Minimal GLB reader: checks the container and returns (JSON, BIN).
fn parse_glb(glb: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let u32_at = |o: usize| u32::from_le_bytes(glb[o..o + 4].try_into().expect("4 bytes"));
    assert!(glb.len() >= 20, "GLB too short");
    assert_eq!(&glb[0..4], b"glTF", "magic");
    assert_eq!(u32_at(4), 2, "version");
    assert_eq!(u32_at(8) as usize, glb.len(), "header length");
    assert_eq!(glb.len() % 4, 0);
    let json_len = u32_at(12) as usize;
    assert_eq!(u32_at(16), 0x4E4F_534A, "first chunk must be JSON");
    assert_eq!(json_len % 4, 0, "JSON chunk aligned");
    let json_bytes = &glb[20..20 + json_len];
    let json: serde_json::Value =
        serde_json::from_slice(json_bytes).expect("JSON chunk parses (space padded)");
    let mut bin = Vec::new();
    let rest = 20 + json_len;
    if rest < glb.len() {
        let bin_len = u32_at(rest) as usize;
        assert_eq!(u32_at(rest + 4), 0x004E_4942, "second chunk must be BIN");
        assert_eq!(bin_len % 4, 0, "BIN chunk aligned");
        assert_eq!(rest + 8 + bin_len, glb.len(), "BIN chunk is the last");
        bin = glb[rest + 8..].to_vec();
        let declared = json["buffers"][0]["byteLength"]
            .as_u64()
            .expect("buffer length") as usize;
        assert!(
            declared <= bin.len() && bin.len() - declared < 4,
            "buffer byteLength vs BIN chunk"
        );
    }
    (json, bin)
}

fn node_names(json: &serde_json::Value) -> Vec<String> {
    json["nodes"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| n["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn pixel(img: &image::RgbImage, x: u32, y: u32) -> [u8; 3] {
    img.get_pixel(x, y).0
}

// ---------------------------------------------------------------- GLB

#[test]
fn glb_of_generated_city_passes_khronos_validator() {
    let (spec, chunks) = generated_chunks();
    let glb = export_glb(&chunks, &spec.palette, None).expect("export");
    if let Some(dir) = std::env::var_os("SPRAWL_TEST_OUT") {
        std::fs::write(Path::new(&dir).join("city.glb"), &glb).expect("write GLB");
    }
    let v = validate_bytes(&glb);
    assert_eq!(v.count("numErrors"), 0, "validator errors:\n{}", v.stdout);
    assert_eq!(v.code, 0);
}

#[test]
fn glb_of_every_class_and_large_meshes_passes_khronos_validator_cleanly() {
    let (spec, mut chunks) = generated_chunks();
    chunks.push(synthetic_chunk(ChunkCoord::new(3, -2)));
    let glb = export_glb(&chunks, &spec.palette, None).expect("export");
    let v = validate_bytes(&glb);
    assert_eq!(v.count("numErrors"), 0, "validator errors:\n{}", v.stdout);
    assert_eq!(
        v.count("numWarnings"),
        0,
        "validator warnings:\n{}",
        v.stdout
    );
    // The only infos allowed: TEXCOORD_0 (metre UVs for shaders) unused by an
    // untextured material, once per mesh.
    let meshes = v.report["info"]["drawCallCount"]
        .as_u64()
        .expect("drawCallCount");
    assert!(meshes > 30);
    assert_eq!(
        v.report["codes"],
        serde_json::json!({ "UNUSED_OBJECT": meshes }),
        "{}",
        v.stdout
    );
    assert_eq!(v.count("numInfos"), meshes, "{}", v.stdout);
    for m in v.report["messages"].as_array().expect("messages") {
        let pointer = m["pointer"].as_str().unwrap_or_default();
        assert!(
            pointer.ends_with("/attributes/TEXCOORD_0"),
            "unexpected issue {m}"
        );
    }
}

#[test]
fn glb_is_byte_identical_for_equal_input() {
    let (spec, mut chunks) = generated_chunks();
    chunks.push(synthetic_chunk(ChunkCoord::new(1, 1)));
    let a = export_glb(&chunks, &spec.palette, None).expect("export");
    let b = export_glb(&chunks, &spec.palette, None).expect("export");
    assert!(a == b, "two exports differ");
    chunks.reverse();
    let c = export_glb(&chunks, &spec.palette, None).expect("export");
    assert!(a == c, "chunk order changed the output");
}

#[test]
fn glb_structure_nodes_materials_and_indices() {
    let spec = WorldSpec::default();
    let coord = ChunkCoord::new(-2, 5);
    let chunk = synthetic_chunk(coord);
    let glb = export_glb(std::slice::from_ref(&chunk), &spec.palette, None).expect("export");
    let (json, bin) = parse_glb(&glb);
    assert_eq!(json["asset"]["version"], "2.0");
    assert_eq!(json["asset"]["generator"], "sprawl");

    // One chunk root plus one node per non-empty object, named "{id} {class}".
    let names = node_names(&json);
    let drawn: Vec<&Object> = chunk
        .objects
        .iter()
        .filter(|o| !o.mesh.is_empty())
        .collect();
    assert_eq!(names.len(), 1 + drawn.len());
    assert_eq!(names[0], "chunk -2,5");
    assert_eq!(json["scenes"][0]["nodes"], serde_json::json!([0]));
    for o in &drawn {
        let name = format!("{} {}", o.id, o.class);
        assert!(names.contains(&name), "no node {name}");
    }
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with(&ObjectId::new(coord, 25).to_string())),
        "empty mesh exported"
    );

    // Transforms kept: the rotated, scaled prop.
    let prop = &json["nodes"].as_array().expect("nodes")[names
        .iter()
        .position(|n| n.ends_with(" prop"))
        .expect("prop")];
    let t = chunk
        .object(ObjectId::new(coord, 23))
        .expect("prop")
        .transform;
    let got = |k: &str, n: usize| {
        (0..n)
            .map(|i| prop[k][i].as_f64().expect("number") as f32)
            .collect::<Vec<_>>()
    };
    assert_eq!(got("translation", 3), t.translation.to_array());
    assert_eq!(got("scale", 3), t.scale.to_array());
    let r = got("rotation", 4);
    assert!(Quat::from_slice(&r).dot(t.rotation).abs() > 0.99999);

    // Index widths: the 90 601-vertex terrain needs u32, a box fits u16.
    let accessors = json["accessors"].as_array().expect("accessors");
    let meshes = json["meshes"].as_array().expect("meshes");
    let index_type = |mesh: usize| {
        let a = meshes[mesh]["primitives"][0]["indices"]
            .as_u64()
            .expect("indices") as usize;
        accessors[a]["componentType"].as_u64().expect("type")
    };
    let terrain_mesh = prop_mesh(&json, &names, "terrain");
    assert_eq!(index_type(terrain_mesh), 5125);
    assert_eq!(index_type(prop_mesh(&json, &names, "bench")), 5123);

    // POSITION min/max present; normals unit length in the BIN.
    let prim = &meshes[terrain_mesh]["primitives"][0];
    let pos = &accessors[prim["attributes"]["POSITION"].as_u64().expect("pos") as usize];
    assert_eq!(pos["min"].as_array().map(Vec::len), Some(3));
    assert_eq!(pos["max"].as_array().map(Vec::len), Some(3));
    let nrm = &accessors[prim["attributes"]["NORMAL"].as_u64().expect("normal") as usize];
    let view = &json["bufferViews"][nrm["bufferView"].as_u64().expect("view") as usize];
    let off = view["byteOffset"].as_u64().unwrap_or(0) as usize;
    for k in 0..nrm["count"].as_u64().expect("count") as usize {
        let f = |c: usize| {
            let o = off + 12 * k + 4 * c;
            f32::from_le_bytes(bin[o..o + 4].try_into().expect("4 bytes"))
        };
        let len = (f(0) * f(0) + f(1) * f(1) + f(2) * f(2)).sqrt();
        assert!((len - 1.0).abs() < 1e-5, "normal {k} has length {len}");
    }
    for v in json["bufferViews"].as_array().expect("views") {
        assert_eq!(
            v["byteOffset"].as_u64().unwrap_or(0) % 4,
            0,
            "bufferView not 4-byte aligned"
        );
    }

    // Materials: one per distinct MaterialId, named kind_variant, factors in range.
    let mats: Vec<&str> = json["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    let mut distinct: Vec<MaterialId> = drawn.iter().filter_map(|o| o.mesh.material).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(mats.len(), distinct.len());
    for want in [
        "wall_0", "wall_4", "roof_1", "glass_0", "metal_3", "ground_0", "water_0",
    ] {
        assert!(mats.contains(&want), "no material {want} in {mats:?}");
    }
    for m in json["materials"].as_array().expect("materials") {
        for c in m["pbrMetallicRoughness"]["baseColorFactor"]
            .as_array()
            .expect("factor")
        {
            let c = c.as_f64().expect("number");
            assert!((0.0..=1.0).contains(&c));
        }
    }
    let glass = json["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["name"] == "glass_0")
        .expect("glass");
    assert!(
        glass["pbrMetallicRoughness"]["roughnessFactor"]
            .as_f64()
            .expect("roughness")
            < 0.2
    );
    assert!(
        glass["pbrMetallicRoughness"]["metallicFactor"]
            .as_f64()
            .expect("metallic")
            > 0.0
    );
}

fn prop_mesh(json: &serde_json::Value, names: &[String], class: &str) -> usize {
    let i = names
        .iter()
        .position(|n| n.ends_with(&format!(" {class}")))
        .unwrap_or_else(|| panic!("no {class} node"));
    json["nodes"][i]["mesh"].as_u64().expect("mesh") as usize
}

#[test]
fn glb_region_selects_objects_by_translation() {
    let spec = WorldSpec::default();
    let chunks = vec![
        synthetic_chunk(ChunkCoord::new(0, 0)),
        synthetic_chunk(ChunkCoord::new(1, 0)),
    ];
    // Only the second chunk, and within it only objects with x >= 128 + 50.
    let region = Region::new(178.0, -10.0, 1000.0, 1000.0);
    let glb = export_glb(&chunks, &spec.palette, Some(region)).expect("export");
    let (json, _) = parse_glb(&glb);
    let names = node_names(&json);
    let want: Vec<String> = chunks[1]
        .objects
        .iter()
        .filter(|o| {
            !o.mesh.is_empty()
                && region.contains(o.transform.translation.x, o.transform.translation.z)
        })
        .map(|o| format!("{} {}", o.id, o.class))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(names[0], "chunk 1,0");
    assert_eq!(&names[1..], &want[..]);
    // A region with nothing in it is still a valid (empty) file.
    let empty = export_glb(
        &chunks,
        &spec.palette,
        Some(Region::new(5000.0, 5000.0, 5001.0, 5001.0)),
    )
    .expect("export");
    let (json, bin) = parse_glb(&empty);
    assert!(json.get("nodes").is_none() && bin.is_empty());
    let v = validate_bytes(&empty);
    assert_eq!(v.count("numErrors"), 0, "{}", v.stdout);
}

#[test]
fn glb_refuses_bad_input() {
    let spec = WorldSpec::default();
    let coord = ChunkCoord::new(0, 0);
    let export_with = |f: &dyn Fn(&mut Object)| {
        let mut chunk = synthetic_chunk(coord);
        f(&mut chunk.objects[6]);
        export_glb(&[chunk], &spec.palette, None)
    };
    let nan = export_with(&|o| o.mesh.positions[3][1] = f32::NAN);
    assert!(
        matches!(nan, Err(ExportError::InvalidMesh { .. })),
        "{nan:?}"
    );
    let inf_uv = export_with(&|o| o.mesh.uvs[0][0] = f32::INFINITY);
    assert!(
        matches!(inf_uv, Err(ExportError::InvalidMesh { .. })),
        "{inf_uv:?}"
    );
    let oob = export_with(&|o| o.mesh.indices[0] = 10_000);
    assert!(
        matches!(oob, Err(ExportError::InvalidMesh { .. })),
        "{oob:?}"
    );
    let zero = export_with(&|o| o.mesh.normals[2] = [0.0; 3]);
    assert!(
        matches!(zero, Err(ExportError::ZeroNormal { vertex: 2, .. })),
        "{zero:?}"
    );
    let t = export_with(&|o| o.transform.translation.x = f32::NAN);
    assert!(
        matches!(t, Err(ExportError::InvalidTransform { .. })),
        "{t:?}"
    );
    let q = export_with(&|o| o.transform.rotation = Quat::from_xyzw(0.0, 0.0, 0.0, 0.0));
    assert!(
        matches!(q, Err(ExportError::InvalidTransform { .. })),
        "{q:?}"
    );
    let r = export_glb(
        &[synthetic_chunk(coord)],
        &spec.palette,
        Some(Region::new(f32::NAN, 0.0, 1.0, 1.0)),
    );
    assert!(matches!(r, Err(ExportError::InvalidRegion { .. })), "{r:?}");
    let mut palette = spec.palette.clone();
    palette.walls[0] = [f32::NAN, 0.5, 0.5];
    let p = export_glb(&[synthetic_chunk(coord)], &palette, None);
    assert!(
        matches!(p, Err(ExportError::InvalidPalette { .. })),
        "{p:?}"
    );
    // The message names the object.
    let msg = export_with(&|o| o.mesh.positions[0][0] = f32::NAN)
        .expect_err("NaN")
        .to_string();
    assert!(msg.contains(&ObjectId::new(coord, 20).to_string()), "{msg}");
}

// ---------------------------------------------------------------- the validator itself

#[test]
fn validator_accepts_real_valid_glbs() {
    let files = glb_files(&shared_gltf_dir().join("valid"));
    assert!(files.len() >= 3, "expected the valid sample GLBs");
    for f in files {
        let v = validate(&f);
        assert_eq!(v.code, 0, "{} should pass:\n{}", f.display(), v.stdout);
        assert_eq!(v.count("numErrors"), 0);
    }
}

#[test]
fn validator_rejects_real_invalid_glbs() {
    let files = glb_files(&shared_gltf_dir().join("invalid"));
    assert!(files.len() >= 3, "expected the invalid GLBs");
    for f in files {
        let v = validate(&f);
        assert_eq!(v.code, 1, "{} should fail:\n{}", f.display(), v.stdout);
        assert!(v.count("numErrors") > 0);
    }
}

// ---------------------------------------------------------------- maps

#[test]
fn map_of_generated_city_has_size_content_and_stable_bytes() {
    let (_, chunks) = generated_chunks();
    let region = Region::new(-128.0, -128.0, 128.0, 128.0);
    let img = render_map(&chunks, region, 2.0).expect("map");
    assert_eq!(img.dimensions(), (128, 128));
    assert!(
        img.pixels().any(|p| p.0 != BACKGROUND),
        "map is all background"
    );
    let a = encode_png(&img).expect("png");
    let b = encode_png(&render_map(&chunks, region, 2.0).expect("map")).expect("png");
    assert!(a == b, "PNG bytes differ between runs");
    let decoded = image::load_from_memory(&a).expect("decode").to_rgb8();
    assert!(decoded == img, "PNG does not round-trip");
    // Outside every chunk: background.
    let wider = render_map(&chunks, Region::new(-256.0, -128.0, 128.0, 128.0), 2.0).expect("map");
    assert_eq!(wider.dimensions(), (192, 128));
    assert_eq!(pixel(&wider, 5, 5), BACKGROUND);
    assert_ne!(pixel(&wider, 100, 100), BACKGROUND);
}

#[test]
fn map_paints_classes_in_priority_order() {
    let coord = ChunkCoord::new(0, 0);
    let chunk = synthetic_chunk(coord);
    let img = render_map(
        std::slice::from_ref(&chunk),
        Region::new(0.0, 0.0, 128.0, 128.0),
        1.0,
    )
    .expect("map");
    assert_eq!(img.dimensions(), (128, 128));
    save_for_inspection("map_classes.png", &img);
    // Flat, unshaded classes keep their exact colour.
    assert_eq!(pixel(&img, 100, 54), class_colour(SemanticClass::Road));
    assert_eq!(pixel(&img, 100, 61), class_colour(SemanticClass::Sidewalk));
    assert_eq!(pixel(&img, 20, 120), class_colour(SemanticClass::Water));
    assert_eq!(pixel(&img, 100, 5), class_colour(SemanticClass::Park));
    // The bridge covers the water.
    assert_eq!(pixel(&img, 65, 110), class_colour(SemanticClass::Bridge));
    // Roofs cover buildings (and are shaded by slope and height).
    assert!(
        is_shade_of(pixel(&img, 12, 20), SemanticClass::Roof),
        "{:?}",
        pixel(&img, 12, 20)
    );
    assert!(
        is_shade_of(pixel(&img, 12, 12), SemanticClass::Roof),
        "{:?}",
        pixel(&img, 12, 12)
    );
    assert_ne!(
        pixel(&img, 12, 12),
        pixel(&img, 12, 27),
        "roof slopes look the same"
    );
    // A tree crown covers the sidewalk; the parked car covers the road.
    assert_eq!(pixel(&img, 45, 62), class_colour(SemanticClass::Tree));
    assert!(
        is_shade_of(pixel(&img, 40, 52), SemanticClass::ParkedCar),
        "{:?}",
        pixel(&img, 40, 52)
    );
    // Terrain is shaded: not one flat colour, but every pixel a shade of terrain.
    let terrain: std::collections::BTreeSet<[u8; 3]> =
        (0..128).map(|x| pixel(&img, x, 80)).collect();
    assert!(terrain.len() > 3, "terrain looks flat: {terrain:?}");
    assert!(
        terrain
            .iter()
            .all(|c| is_shade_of(*c, SemanticClass::Terrain)),
        "{terrain:?}"
    );
    // A lamp (0.2 m wide) still shows, at 1 and at 4 m per pixel.
    assert!(
        img.pixels()
            .any(|p| p.0 == class_colour(SemanticClass::Lamp)),
        "lamp vanished"
    );
    let coarse = render_map(
        std::slice::from_ref(&chunk),
        Region::new(0.0, 0.0, 128.0, 128.0),
        4.0,
    )
    .expect("map");
    assert!(
        coarse
            .pixels()
            .any(|p| p.0 == class_colour(SemanticClass::Lamp)),
        "lamp vanished at 4 m/px"
    );
}

/// Writes a map to `$SPRAWL_TEST_OUT/name` when that variable is set (to look at it).
fn save_for_inspection(name: &str, img: &image::RgbImage) {
    if let Some(dir) = std::env::var_os("SPRAWL_TEST_OUT") {
        let png = encode_png(img).expect("png");
        std::fs::write(Path::new(&dir).join(name), png).expect("write map");
    }
}

/// Whether `p` is the class colour times some brightness (what shading does).
fn is_shade_of(p: [u8; 3], class: SemanticClass) -> bool {
    let c = class_colour(class).map(f32::from);
    let p = p.map(f32::from);
    let s = (p[0] * c[0] + p[1] * c[1] + p[2] * c[2]) / (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
    (0..3).all(|k| (p[k] - s * c[k]).abs() <= 2.0)
}

#[test]
fn map_refuses_bad_scale_huge_regions_and_bad_meshes() {
    let chunk = synthetic_chunk(ChunkCoord::new(0, 0));
    let chunks = std::slice::from_ref(&chunk);
    let region = Region::new(0.0, 0.0, 128.0, 128.0);
    for s in [0.0, -2.0, f32::NAN, f32::INFINITY] {
        assert!(
            matches!(
                render_map(chunks, region, s),
                Err(ExportError::InvalidScale(_))
            ),
            "scale {s}"
        );
    }
    let huge = render_map(chunks, Region::new(0.0, 0.0, 100_000.0, 10.0), 1.0);
    match huge {
        Err(ExportError::MapTooLarge { width, max, .. }) => {
            assert_eq!(width, 100_000);
            assert_eq!(max, MAX_MAP_SIDE);
        }
        other => panic!("expected MapTooLarge, got {other:?}"),
    }
    assert!(huge_message_mentions_scale());
    assert!(matches!(
        render_map(
            chunks,
            Region {
                x0: 0.0,
                z0: 5.0,
                x1: 10.0,
                z1: 5.0
            },
            1.0
        ),
        Err(ExportError::InvalidRegion { .. })
    ));
    let mut bad = chunk.clone();
    bad.objects[3].mesh.positions[0][0] = f32::NAN;
    assert!(matches!(
        render_map(&[bad], region, 1.0),
        Err(ExportError::InvalidMesh { .. })
    ));
    let mut bad = chunk.clone();
    bad.objects[3].mesh.indices.push(1);
    assert!(matches!(
        render_map(&[bad], region, 1.0),
        Err(ExportError::InvalidMesh { .. })
    ));
    let mut bad = chunk;
    bad.objects.retain(|o| o.class != SemanticClass::Terrain);
    bad.terrain.heights.pop();
    assert!(matches!(
        render_map(&[bad], region, 1.0),
        Err(ExportError::InvalidHeightfield { .. })
    ));
    assert_eq!(map_size(region, 0.5).expect("size"), (256, 256));
}

fn huge_message_mentions_scale() -> bool {
    let e = map_size(Region::new(0.0, 0.0, 1e6, 1e6), 0.001).expect_err("too large");
    e.to_string().contains("coarser scale")
}

#[test]
fn map_draws_heightfield_when_chunk_has_no_terrain_object() {
    let coord = ChunkCoord::new(2, 2);
    let samples = 17u32;
    let heights = (0..samples * samples)
        .map(|k| ((k % samples) as f32 * 0.7).sin() * 8.0)
        .collect();
    let chunk = Chunk {
        coord,
        size: 128.0,
        terrain: Heightfield {
            samples,
            size: 128.0,
            heights,
        },
        objects: Vec::new(),
        roads: RoadGraph::default(),
        provenance: Vec::new(),
    };
    let img = render_map(&[chunk], Region::new(192.0, 192.0, 384.0, 384.0), 1.0).expect("map");
    assert_eq!(pixel(&img, 10, 10), BACKGROUND);
    assert_ne!(pixel(&img, 150, 150), BACKGROUND);
    assert!(is_shade_of(pixel(&img, 150, 150), SemanticClass::Terrain));
}

/// A rough timing of a 1 km² map at 1 m/px (64 chunks). Run with
/// `cargo test --release -p sprawl-store --test export -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn map_timing_one_square_km() {
    let spec = WorldSpec::default();
    let region = Region::new(-512.0, -512.0, 512.0, 512.0);
    let t = std::time::Instant::now();
    let chunks: Vec<Chunk> = region
        .chunks(spec.chunk_size)
        .into_iter()
        .map(|c| sprawl_gen::generate_chunk(&spec, c))
        .collect();
    let gen_s = t.elapsed().as_secs_f64();
    let tris: usize = chunks.iter().map(Chunk::triangle_count).sum();
    let t = std::time::Instant::now();
    let img = render_map(&chunks, region, 1.0).expect("map");
    let map_s = t.elapsed().as_secs_f64();
    save_for_inspection("map_1km.png", &img);
    let t = std::time::Instant::now();
    let png = encode_png(&img).expect("png");
    let png_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let glb = export_glb(&chunks, &spec.palette, None).expect("glb");
    let glb_s = t.elapsed().as_secs_f64();
    println!(
        "64 chunks, {tris} triangles: generate {gen_s:.3} s, map 1024² {map_s:.3} s, png {png_s:.3} s ({} KiB), glb {glb_s:.3} s ({} KiB)",
        png.len() / 1024,
        glb.len() / 1024
    );
    // Stress: the synthetic chunk (90 601-vertex terrain mesh, every class) 64 times.
    let heavy: Vec<Chunk> = region
        .chunks(spec.chunk_size)
        .into_iter()
        .map(synthetic_chunk)
        .collect();
    let tris: usize = heavy.iter().map(Chunk::triangle_count).sum();
    let t = std::time::Instant::now();
    let img = render_map(&heavy, region, 1.0).expect("map");
    println!(
        "64 synthetic chunks, {tris} triangles: map 1024² {:.3} s",
        t.elapsed().as_secs_f64()
    );
    save_for_inspection("map_1km_synthetic.png", &img);
}
