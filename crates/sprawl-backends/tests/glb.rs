//! The GLB importer against real files (tests/data/gltf, see its MANIFEST.md):
//! valid models load or are refused for an unsupported required extension;
//! malformed ones are refused with a clear error; nothing panics.

mod common;

use sprawl_backends::glb::{GlbError, GlbLimits, import_glb, import_gltf};
use std::path::Path;

fn read(rel: &str) -> Vec<u8> {
    let p = common::data(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn valid_models_load_or_are_refused_for_their_required_extensions() {
    let limits = GlbLimits::default();
    for (file, triangles) in [
        ("valid/Box.glb", Some(12)),
        ("valid/BoxTextured.glb", Some(12)),
        ("valid/Fox.glb", None),
        ("valid/SimpleInstancing.glb", None),
        // Requires material extensions only, which do not change geometry.
        ("valid/ClearCoatCarPaint.glb", None),
    ] {
        let mesh = import_glb(&read(&format!("gltf/{file}")), &limits)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        mesh.validate().unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(mesh.triangle_count() > 0, "{file}");
        if let Some(t) = triangles {
            assert_eq!(mesh.triangle_count(), t, "{file}");
        }
        let (lo, hi) = mesh.bounds().expect("bounds");
        assert!((0..3).all(|k| hi[k] > lo[k]), "{file}: flat bounds");
    }
    // About a million triangles: over the default limit, refused as such;
    // within a raised one, it loads.
    let spheres = read("gltf/valid/MetalRoughSpheresNoTextures.glb");
    let e = import_glb(&spheres, &limits)
        .expect_err("over the limit")
        .to_string();
    assert!(e.contains("triangles is over the limit of 200000"), "{e}");
    let raised = GlbLimits {
        max_triangles: 2_000_000,
        max_vertices: 2_000_000,
        ..limits
    };
    let mesh = import_glb(&spheres, &raised).expect("loads within raised limits");
    assert!(mesh.triangle_count() > 1_000_000);
    for (file, ext) in [
        ("valid/Box_Draco.glb", "KHR_draco_mesh_compression"),
        ("valid/BoxMeshopt.glb", "EXT_meshopt_compression"),
    ] {
        let e = import_glb(&read(&format!("gltf/{file}")), &limits).expect_err(file);
        assert!(
            matches!(e, GlbError::UnsupportedExtension(_)),
            "{file}: {e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("unsupported required extension") && msg.contains(ext),
            "{file}: {msg}"
        );
    }
}

#[test]
fn malformed_files_are_refused_with_clear_errors() {
    let limits = GlbLimits::default();
    for (file, expect) in [
        ("glb_empty_file.glb", "unexpected end of header"),
        ("glb_invalid_magic.glb", "wrong magic"),
        ("glb_invalid_version.glb", "version 0"),
        ("glb_only_header.glb", "too small"),
        ("glb_zero_length.glb", "too small"),
        ("glb_length_mismatch.glb", "differs from the file"),
        ("glb_chunk_too_big.glb", "too small"),
        ("glb_truncated_chunk_header.glb", "too small"),
        ("glb_truncated_chunk_data.glb", "differs from the file"),
        ("glb_unaligned_chunk.glb", "not a multiple of 4"),
        ("glb_empty_json_chunk.glb", "JSON chunk is empty"),
        ("glb_invalid_json_chunk.glb", "invalid glTF JSON"),
        ("glb_bom.glb", "byte-order mark"),
        ("glb_empty_json_object.glb", "`asset` is missing"),
        ("glb_only_bin_chunk.glb", "first chunk is not JSON"),
        ("glb_two_valid_json_chunks.glb", "more than one JSON chunk"),
        ("glb_misplaced_bin_chunk.glb", "BIN chunk is not the second"),
        ("buffer_wrong_bytelength.glb", "declares 17 bytes"),
        ("buffer_no_bin_chunk.glb", "there is none"),
        ("buffer_invalid_uri_data.glb", "malformed data URI"),
    ] {
        let bytes = read(&format!("gltf/invalid/{file}"));
        let e = import_glb(&bytes, &limits).expect_err(file).to_string();
        assert!(e.contains(expect), "{file}: expected `{expect}` in `{e}`");
    }
    // Every file in invalid/ is covered above.
    let n = std::fs::read_dir(common::data("gltf/invalid"))
        .expect("dir")
        .count();
    assert_eq!(n, 20);
}

#[test]
fn malformed_gltf_json_is_refused_the_same_way() {
    let limits = GlbLimits::default();
    let dir = common::data("gltf/non-glb");
    let resolve = |uri: &str| -> Option<Vec<u8>> {
        // Only plain file names beside the .gltf, never paths.
        if uri.contains('/') || uri.contains('\\') || uri.contains("..") {
            return None;
        }
        std::fs::read(Path::new(&dir).join(uri)).ok()
    };
    for (file, expect) in [
        ("index_buffer_oob.gltf", "out of range for 4 vertices"),
        ("invalid_elements_float.gltf", "not a finite number"),
        (
            "buffer_view_invalid_length.gltf",
            "does not fit in buffer 0 of 4 bytes",
        ),
        ("accessor_alignment.gltf", "buffer 0 has no uri"),
        (
            "mesh_unresolved_positions.gltf",
            "refers to accessor 0, which does not exist",
        ),
        ("node_loop.gltf", "cycle"),
    ] {
        let json = read(&format!("gltf/non-glb/{file}"));
        let e = import_gltf(&json, &resolve, &limits)
            .expect_err(file)
            .to_string();
        assert!(e.contains(expect), "{file}: expected `{expect}` in `{e}`");
    }
}

#[test]
fn limits_refuse_big_models_before_reading_them() {
    let fox = read("gltf/valid/Fox.glb");
    let tight = GlbLimits {
        max_triangles: 100,
        ..GlbLimits::default()
    };
    let e = import_glb(&fox, &tight)
        .expect_err("too many triangles")
        .to_string();
    assert!(e.contains("triangles is over the limit of 100"), "{e}");
    let small = GlbLimits {
        max_bytes: 1000,
        ..GlbLimits::default()
    };
    assert!(
        import_glb(&fox, &small)
            .expect_err("too big")
            .to_string()
            .contains("over the limit of 1000 bytes")
    );
    let tiny = GlbLimits {
        max_extent: 0.5,
        ..GlbLimits::default()
    };
    let e = import_glb(&read("gltf/valid/Box.glb"), &tiny)
        .expect_err("too wide")
        .to_string();
    assert!(e.contains("m across"), "{e}");
}

#[test]
fn truncations_of_a_real_file_never_panic() {
    let bytes = read("gltf/valid/BoxTextured.glb");
    for n in (0..bytes.len()).step_by(7) {
        let _ = import_glb(&bytes[..n], &GlbLimits::default());
    }
    // Flipped bytes in the JSON and the binary data.
    for i in (12..bytes.len()).step_by(13) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        let _ = import_glb(&b, &GlbLimits::default());
    }
}
