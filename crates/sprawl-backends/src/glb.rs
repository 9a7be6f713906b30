//! Importing and checking GLB (binary glTF 2.0) models before they enter a world.
//!
//! A mesh service returns a GLB; a bad one must never reach the renderer or
//! the physics engine. [`import_glb`] parses the container, the JSON and the
//! binary data defensively and either returns one [`MeshData`] or refuses
//! the file with a [`GlbError`] that says what is wrong. It checks:
//!
//! - the container: magic, version 2, declared length against the real
//!   length, chunk headers, 4-byte alignment, a non-empty JSON chunk first
//!   and at most one BIN chunk right after it;
//! - the JSON: parses, has `asset.version` 2.x, no byte-order mark;
//! - `extensionsRequired`: any extension that changes geometry (Draco,
//!   meshopt, quantization, instancing, …) is refused with "unsupported
//!   required extension"; extensions that only change materials or
//!   texture coordinates (`KHR_materials_*`, `KHR_texture_transform`) are
//!   accepted, because materials are not imported;
//! - every buffer, buffer view and accessor, used or not: references,
//!   lengths, strides and alignment against the real data;
//! - the node graph: references, one parent per node, no cycles;
//! - the geometry it imports: index ranges, finite positions, normals and
//!   texture coordinates, and [`GlbLimits`] on bytes, triangles, vertices
//!   and extent.
//!
//! Triangles, strips and fans of every mesh in the default scene are
//! merged into one mesh in the model's frame (node transforms applied; a
//! skinned mesh is taken in its bind pose). Materials and textures are not
//! imported.

use glam::{Mat3, Mat4, Quat, Vec3};
use serde::Deserialize;
use sprawl_world::MeshData;
use std::collections::BTreeMap;

/// Limits on an imported model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlbLimits {
    /// Largest file (bytes).
    pub max_bytes: u64,
    /// Most triangles after expanding every node that draws a mesh.
    pub max_triangles: u64,
    /// Most vertices after expansion.
    pub max_vertices: u64,
    /// Largest side of the bounding box (metres, in the model's frame).
    pub max_extent: f32,
}

impl Default for GlbLimits {
    fn default() -> Self {
        Self {
            max_bytes: 32 << 20,
            max_triangles: 200_000,
            max_vertices: 600_000,
            max_extent: 1000.0,
        }
    }
}

/// Why a model was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlbError {
    /// The binary container is malformed (header, lengths, chunks).
    #[error("not a valid GLB file: {0}")]
    Container(String),
    /// The JSON part is not valid glTF 2.0.
    #[error("invalid glTF JSON: {0}")]
    Json(String),
    /// The file needs extensions this importer does not implement.
    #[error("unsupported required extension(s): {}; export the model without them", .0.join(", "))]
    UnsupportedExtension(Vec<String>),
    /// The glTF refers to data that is missing, out of range or malformed.
    #[error("invalid glTF data: {0}")]
    Data(String),
    /// The model is valid glTF but not usable here (no triangles, too big, …).
    #[error("model refused: {0}")]
    Refused(String),
}

const MAGIC: &[u8; 4] = b"glTF";
const CHUNK_JSON: u32 = 0x4E4F_534A;
const CHUNK_BIN: u32 = 0x004E_4942;

/// Extensions that may be required without changing geometry.
fn ignorable_extension(name: &str) -> bool {
    name.starts_with("KHR_materials_") || name == "KHR_texture_transform"
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Imports a GLB file. See the [module documentation](self).
pub fn import_glb(bytes: &[u8], limits: &GlbLimits) -> Result<MeshData, GlbError> {
    let c = GlbError::Container;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(GlbError::Refused(format!(
            "{} bytes is over the limit of {} bytes",
            bytes.len(),
            limits.max_bytes
        )));
    }
    if bytes.len() < 12 {
        return Err(c(format!(
            "unexpected end of header: {} bytes, a GLB header is 12",
            bytes.len()
        )));
    }
    if &bytes[..4] != MAGIC {
        let hint = if bytes.trim_ascii_start().starts_with(b"{") {
            " (this looks like glTF JSON, not binary glTF)"
        } else {
            ""
        };
        return Err(c(format!("wrong magic bytes, expected `glTF`{hint}")));
    }
    let version = le_u32(bytes, 4).unwrap_or(0);
    if version != 2 {
        return Err(c(format!("version {version}; only glTF 2 is supported")));
    }
    let declared = le_u32(bytes, 8).unwrap_or(0) as usize;
    if declared < 20 {
        return Err(c(format!(
            "declared length {declared} is too small to hold a JSON chunk"
        )));
    }
    if declared != bytes.len() {
        return Err(c(format!(
            "declared length {declared} differs from the file's {} bytes",
            bytes.len()
        )));
    }
    let mut json: Option<&[u8]> = None;
    let mut bin: Option<&[u8]> = None;
    let mut at = 12usize;
    let mut index = 0usize;
    while at < declared {
        let (Some(len), Some(kind)) = (le_u32(bytes, at), le_u32(bytes, at + 4)) else {
            return Err(c(format!("unexpected end of chunk header at byte {at}")));
        };
        let len = len as usize;
        if !len.is_multiple_of(4) {
            return Err(c(format!(
                "chunk {index} length {len} is not a multiple of 4"
            )));
        }
        let start = at + 8;
        let end = start
            .checked_add(len)
            .ok_or_else(|| c("chunk length overflows".into()))?;
        if end > declared {
            return Err(c(format!(
                "chunk {index} ({len} bytes from byte {start}) runs past the end of the file"
            )));
        }
        let data = &bytes[start..end];
        match (index, kind) {
            (0, CHUNK_JSON) => {
                if len == 0 {
                    return Err(c("the JSON chunk is empty".into()));
                }
                json = Some(data);
            }
            (0, _) => return Err(c("the first chunk is not JSON".into())),
            (_, CHUNK_JSON) => return Err(c("more than one JSON chunk".into())),
            (1, CHUNK_BIN) => bin = Some(data),
            (_, CHUNK_BIN) => {
                return Err(c(
                    "the BIN chunk is not the second chunk or appears twice".into()
                ));
            }
            _ => {} // Unknown chunk types are skipped, as the spec says.
        }
        at = end;
        index += 1;
    }
    let json = json.ok_or_else(|| c("no JSON chunk".into()))?;
    import_json(json, bin, &|_: &str| None, limits)
}

/// Imports glTF JSON (a `.gltf` file), resolving external buffer URIs with
/// `resolve` (return `None` to refuse a URI). Downloaded models never get a
/// resolver: their buffers must be inside the GLB.
pub fn import_gltf(
    json: &[u8],
    resolve: &dyn Fn(&str) -> Option<Vec<u8>>,
    limits: &GlbLimits,
) -> Result<MeshData, GlbError> {
    if json.len() as u64 > limits.max_bytes {
        return Err(GlbError::Refused(format!(
            "{} bytes is over the limit of {} bytes",
            json.len(),
            limits.max_bytes
        )));
    }
    import_json(json, None, resolve, limits)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Root {
    asset: Option<Asset>,
    #[serde(default)]
    extensions_required: Vec<String>,
    #[serde(default)]
    buffers: Vec<Buffer>,
    #[serde(default)]
    buffer_views: Vec<BufferView>,
    #[serde(default)]
    accessors: Vec<Accessor>,
    #[serde(default)]
    meshes: Vec<Mesh>,
    #[serde(default)]
    nodes: Vec<Node>,
    #[serde(default)]
    scenes: Vec<Scene>,
    scene: Option<usize>,
}

#[derive(Deserialize)]
struct Asset {
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Buffer {
    byte_length: u64,
    uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BufferView {
    buffer: usize,
    #[serde(default)]
    byte_offset: u64,
    byte_length: u64,
    byte_stride: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Accessor {
    buffer_view: Option<usize>,
    #[serde(default)]
    byte_offset: u64,
    component_type: u32,
    #[serde(default)]
    normalized: bool,
    count: u64,
    #[serde(rename = "type")]
    kind: String,
    sparse: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Mesh {
    primitives: Vec<Primitive>,
}

#[derive(Deserialize)]
struct Primitive {
    attributes: BTreeMap<String, usize>,
    indices: Option<usize>,
    mode: Option<u32>,
}

#[derive(Deserialize)]
struct Node {
    #[serde(default)]
    children: Vec<usize>,
    mesh: Option<usize>,
    skin: Option<usize>,
    matrix: Option<[f32; 16]>,
    translation: Option<[f32; 3]>,
    rotation: Option<[f32; 4]>,
    scale: Option<[f32; 3]>,
}

#[derive(Deserialize)]
struct Scene {
    #[serde(default)]
    nodes: Vec<usize>,
}

fn component_size(t: u32) -> Option<u64> {
    match t {
        5120 | 5121 => Some(1),
        5122 | 5123 => Some(2),
        5125 | 5126 => Some(4),
        _ => None,
    }
}

fn components(kind: &str) -> Option<u64> {
    Some(match kind {
        "SCALAR" => 1,
        "VEC2" => 2,
        "VEC3" => 3,
        "VEC4" | "MAT2" => 4,
        "MAT3" => 9,
        "MAT4" => 16,
        _ => return None,
    })
}

/// Everything checked, with buffers resolved.
struct Model<'a> {
    root: Root,
    buffers: Vec<std::borrow::Cow<'a, [u8]>>,
}

fn import_json(
    json: &[u8],
    bin: Option<&[u8]>,
    resolve: &dyn Fn(&str) -> Option<Vec<u8>>,
    limits: &GlbLimits,
) -> Result<MeshData, GlbError> {
    if json.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(GlbError::Json(
            "the JSON starts with a byte-order mark, which glTF forbids".into(),
        ));
    }
    let root: Root = serde_json::from_slice(json).map_err(|e| GlbError::Json(e.to_string()))?;
    let asset = root
        .asset
        .as_ref()
        .ok_or_else(|| GlbError::Json("required property `asset` is missing".into()))?;
    if !asset.version.starts_with("2.") {
        return Err(GlbError::Json(format!(
            "asset.version is `{}`; only glTF 2.x is supported",
            asset.version
        )));
    }
    let unsupported: Vec<String> = root
        .extensions_required
        .iter()
        .filter(|e| !ignorable_extension(e))
        .cloned()
        .collect();
    if !unsupported.is_empty() {
        return Err(GlbError::UnsupportedExtension(unsupported));
    }
    let model = check_data(root, bin, resolve)?;
    check_nodes(&model.root)?;
    extract(&model, limits)
}

fn check_data<'a>(
    root: Root,
    bin: Option<&'a [u8]>,
    resolve: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<Model<'a>, GlbError> {
    let d = GlbError::Data;
    let mut buffers = Vec::with_capacity(root.buffers.len());
    for (i, b) in root.buffers.iter().enumerate() {
        let data: std::borrow::Cow<'a, [u8]> = match &b.uri {
            None => {
                let Some(bin) = bin.filter(|_| i == 0) else {
                    return Err(d(format!(
                        "buffer {i} has no uri, so it must be the GLB's BIN chunk, and there is none"
                    )));
                };
                // The BIN chunk may be padded by up to 3 bytes.
                if b.byte_length > bin.len() as u64 || bin.len() as u64 - b.byte_length > 3 {
                    return Err(d(format!(
                        "buffer {i} declares {} bytes but the BIN chunk holds {}",
                        b.byte_length,
                        bin.len()
                    )));
                }
                std::borrow::Cow::Borrowed(&bin[..b.byte_length as usize])
            }
            Some(uri) if uri.starts_with("data:") => {
                let Some((head, payload)) = uri.split_once(',') else {
                    return Err(d(format!("buffer {i} has a malformed data URI (no comma)")));
                };
                if !head.ends_with(";base64") {
                    return Err(d(format!("buffer {i} has a data URI that is not base64")));
                }
                let bytes = crate::http::base64_decode(payload)
                    .map_err(|e| d(format!("buffer {i} has a malformed data URI: {e}")))?;
                std::borrow::Cow::Owned(bytes)
            }
            Some(uri) => match resolve(uri) {
                Some(bytes) => std::borrow::Cow::Owned(bytes),
                None => {
                    return Err(d(format!(
                        "buffer {i} refers to the external file `{}`, which is not available",
                        uri.chars().take(100).collect::<String>()
                    )));
                }
            },
        };
        if (data.len() as u64) < b.byte_length {
            return Err(d(format!(
                "buffer {i} declares {} bytes but holds {}",
                b.byte_length,
                data.len()
            )));
        }
        buffers.push(data);
    }
    for (i, v) in root.buffer_views.iter().enumerate() {
        let Some(buf) = root.buffers.get(v.buffer) else {
            return Err(d(format!(
                "bufferView {i} refers to buffer {}, which does not exist",
                v.buffer
            )));
        };
        let end = v.byte_offset.checked_add(v.byte_length);
        if end.is_none_or(|e| e > buf.byte_length) || v.byte_length == 0 {
            return Err(d(format!(
                "bufferView {i} ({} bytes at offset {}) does not fit in buffer {} of {} bytes",
                v.byte_length, v.byte_offset, v.buffer, buf.byte_length
            )));
        }
        if let Some(s) = v.byte_stride
            && !(4..=252).contains(&s)
        {
            return Err(d(format!("bufferView {i} has an invalid byteStride {s}")));
        }
    }
    for (i, a) in root.accessors.iter().enumerate() {
        let (Some(size), Some(n)) = (component_size(a.component_type), components(&a.kind)) else {
            return Err(d(format!(
                "accessor {i} has an unknown type {} / componentType {}",
                a.kind, a.component_type
            )));
        };
        if a.count == 0 {
            return Err(d(format!("accessor {i} has count 0")));
        }
        let Some(vi) = a.buffer_view else {
            continue;
        };
        let Some(view) = root.buffer_views.get(vi) else {
            return Err(d(format!(
                "accessor {i} refers to bufferView {vi}, which does not exist"
            )));
        };
        let elem = size * n;
        let stride = view.byte_stride.unwrap_or(elem);
        if stride < elem {
            return Err(d(format!(
                "accessor {i}: byteStride {stride} is smaller than an element ({elem} bytes)"
            )));
        }
        if a.byte_offset % size != 0 || (view.byte_offset + a.byte_offset) % size != 0 {
            return Err(d(format!(
                "accessor {i}: offset is not a multiple of its component size {size}"
            )));
        }
        let need = (a.count - 1)
            .checked_mul(stride)
            .and_then(|x| x.checked_add(elem))
            .and_then(|x| x.checked_add(a.byte_offset));
        if need.is_none_or(|need| need > view.byte_length) {
            return Err(d(format!(
                "accessor {i} ({} elements) runs past the end of bufferView {vi} ({} bytes)",
                a.count, view.byte_length
            )));
        }
    }
    for (m, mesh) in root.meshes.iter().enumerate() {
        for (p, prim) in mesh.primitives.iter().enumerate() {
            let mut refs: Vec<(&str, usize)> = prim
                .attributes
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect();
            if let Some(i) = prim.indices {
                refs.push(("indices", i));
            }
            for (name, acc) in refs {
                if acc >= root.accessors.len() {
                    return Err(d(format!(
                        "mesh {m} primitive {p}: {name} refers to accessor {acc}, which does not exist"
                    )));
                }
            }
            if !prim.attributes.contains_key("POSITION") {
                return Err(d(format!("mesh {m} primitive {p} has no POSITION")));
            }
        }
    }
    // Every float in every accessor must be finite (NaN and infinities
    // break bounds, physics and rendering alike), used by a mesh or not.
    for (i, a) in root.accessors.iter().enumerate() {
        let (Some(vi), 5126) = (a.buffer_view, a.component_type) else {
            continue;
        };
        let view = &root.buffer_views[vi];
        let n = components(&a.kind).unwrap_or(1);
        let stride = view.byte_stride.unwrap_or(4 * n);
        let buf = &buffers[view.buffer];
        for e in 0..a.count {
            let at = (view.byte_offset + a.byte_offset + e * stride) as usize;
            for k in 0..n as usize {
                let p = at + 4 * k;
                let v = f32::from_le_bytes([buf[p], buf[p + 1], buf[p + 2], buf[p + 3]]);
                if !v.is_finite() {
                    return Err(d(format!(
                        "accessor {i} element {e} is not a finite number ({v})"
                    )));
                }
            }
        }
    }
    Ok(Model { root, buffers })
}

fn check_nodes(root: &Root) -> Result<(), GlbError> {
    let d = GlbError::Data;
    let n = root.nodes.len();
    let mut parent = vec![None; n];
    for (i, node) in root.nodes.iter().enumerate() {
        if let Some(m) = node.mesh
            && m >= root.meshes.len()
        {
            return Err(d(format!(
                "node {i} refers to mesh {m}, which does not exist"
            )));
        }
        for &c in &node.children {
            if c >= n {
                return Err(d(format!("node {i} has child {c}, which does not exist")));
            }
            if c == i {
                return Err(d(format!("node {i} is its own child")));
            }
            if let Some(p) = parent[c] {
                return Err(d(format!("node {c} has two parents ({p} and {i})")));
            }
            parent[c] = Some(i);
        }
    }
    // With one parent per node, a cycle is a walk up that returns to its start.
    for start in 0..n {
        let mut at = start;
        let mut steps = 0;
        while let Some(p) = parent[at] {
            at = p;
            steps += 1;
            if at == start || steps > n {
                return Err(d(format!(
                    "the node hierarchy has a cycle through node {start}"
                )));
            }
        }
    }
    for (s, scene) in root.scenes.iter().enumerate() {
        for &r in &scene.nodes {
            if r >= n {
                return Err(d(format!(
                    "scene {s} refers to node {r}, which does not exist"
                )));
            }
        }
    }
    if let Some(s) = root.scene
        && s >= root.scenes.len()
    {
        return Err(d(format!(
            "`scene` is {s}, but there are {} scenes",
            root.scenes.len()
        )));
    }
    Ok(())
}

fn local_matrix(node: &Node) -> Mat4 {
    if let Some(m) = node.matrix {
        return Mat4::from_cols_array(&m);
    }
    let t = node.translation.map_or(Vec3::ZERO, Vec3::from_array);
    let r = node
        .rotation
        .map_or(Quat::IDENTITY, |q| Quat::from_array(q).normalize());
    let s = node.scale.map_or(Vec3::ONE, Vec3::from_array);
    Mat4::from_scale_rotation_translation(s, r, t)
}

/// Reads `count` elements of `n` components of accessor `index` as `f32`,
/// normalising integer components when the accessor says so.
fn read_floats(model: &Model<'_>, index: usize, n: u64, what: &str) -> Result<Vec<f32>, GlbError> {
    let d = GlbError::Data;
    let a = &model.root.accessors[index];
    if components(&a.kind) != Some(n) {
        return Err(d(format!(
            "{what} accessor {index} is {}, expected {n} components",
            a.kind
        )));
    }
    if a.sparse.is_some() {
        return Err(GlbError::Refused(format!(
            "{what} accessor {index} is sparse, which is not supported"
        )));
    }
    let Some(vi) = a.buffer_view else {
        return Err(GlbError::Refused(format!(
            "{what} accessor {index} has no data (no bufferView; compressed?)"
        )));
    };
    let view = &model.root.buffer_views[vi];
    let buf = &model.buffers[view.buffer];
    let size = component_size(a.component_type).unwrap_or(4);
    let elem = size * n;
    let stride = view.byte_stride.unwrap_or(elem);
    let base = view.byte_offset + a.byte_offset;
    let float = a.component_type == 5126;
    if !float && !a.normalized {
        return Err(GlbError::Refused(format!(
            "{what} accessor {index} holds integers that are not normalised \
             (quantized geometry is not supported)"
        )));
    }
    let mut out = Vec::with_capacity((a.count * n) as usize);
    for i in 0..a.count {
        let at = (base + i * stride) as usize;
        for k in 0..n as usize {
            let p = at + k * size as usize;
            let b = &buf[p..p + size as usize];
            let v = match a.component_type {
                5126 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                5121 => f32::from(b[0]) / 255.0,
                5120 => (f32::from(b[0] as i8) / 127.0).max(-1.0),
                5123 => f32::from(u16::from_le_bytes([b[0], b[1]])) / 65535.0,
                5122 => (f32::from(i16::from_le_bytes([b[0], b[1]])) / 32767.0).max(-1.0),
                _ => {
                    return Err(d(format!(
                        "{what} accessor {index} has component type {}, unusable here",
                        a.component_type
                    )));
                }
            };
            if !v.is_finite() {
                return Err(d(format!(
                    "{what} accessor {index} element {i} is not a finite number ({v})"
                )));
            }
            out.push(v);
        }
    }
    Ok(out)
}

fn read_indices(model: &Model<'_>, index: usize, vertices: u64) -> Result<Vec<u32>, GlbError> {
    let d = GlbError::Data;
    let a = &model.root.accessors[index];
    if a.kind != "SCALAR" || a.sparse.is_some() {
        return Err(d(format!(
            "index accessor {index} is not a plain SCALAR accessor"
        )));
    }
    let Some(vi) = a.buffer_view else {
        return Err(GlbError::Refused(format!(
            "index accessor {index} has no data (no bufferView; compressed?)"
        )));
    };
    let view = &model.root.buffer_views[vi];
    let buf = &model.buffers[view.buffer];
    let size = match a.component_type {
        5121 => 1,
        5123 => 2,
        5125 => 4,
        t => {
            return Err(d(format!(
                "index accessor {index} has component type {t}, not unsigned"
            )));
        }
    };
    let stride = view.byte_stride.unwrap_or(size);
    let base = view.byte_offset + a.byte_offset;
    let mut out = Vec::with_capacity(a.count as usize);
    for i in 0..a.count {
        let p = (base + i * stride) as usize;
        let b = &buf[p..p + size as usize];
        let v = match size {
            1 => u32::from(b[0]),
            2 => u32::from(u16::from_le_bytes([b[0], b[1]])),
            _ => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        };
        if u64::from(v) >= vertices {
            return Err(d(format!(
                "index accessor {index} element {i} is {v}, out of range for {vertices} vertices"
            )));
        }
        out.push(v);
    }
    Ok(out)
}

/// Triangle-list indices of a primitive of `mode` over `idx`.
fn triangles(mode: u32, idx: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    match mode {
        4 => out.extend_from_slice(&idx[..idx.len() / 3 * 3]),
        5 => {
            for i in 0..idx.len().saturating_sub(2) {
                let (a, b, c) = (idx[i], idx[i + 1], idx[i + 2]);
                if i % 2 == 0 {
                    out.extend_from_slice(&[a, b, c]);
                } else {
                    out.extend_from_slice(&[b, a, c]);
                }
            }
        }
        6 => {
            for i in 1..idx.len().saturating_sub(1) {
                out.extend_from_slice(&[idx[0], idx[i], idx[i + 1]]);
            }
        }
        _ => {}
    }
    out
}

fn extract(model: &Model<'_>, limits: &GlbLimits) -> Result<MeshData, GlbError> {
    let root = &model.root;
    // Nodes to draw, with world matrices.
    let roots: Vec<usize> = if root.scenes.is_empty() {
        let mut is_child = vec![false; root.nodes.len()];
        for n in &root.nodes {
            for &c in &n.children {
                is_child[c] = true;
            }
        }
        (0..root.nodes.len()).filter(|&i| !is_child[i]).collect()
    } else {
        root.scenes[root.scene.unwrap_or(0)].nodes.clone()
    };
    let mut draws: Vec<(usize, Mat4)> = Vec::new();
    let mut stack: Vec<(usize, Mat4)> = roots.iter().map(|&r| (r, Mat4::IDENTITY)).collect();
    while let Some((i, parent)) = stack.pop() {
        let node = &root.nodes[i];
        let world = parent * local_matrix(node);
        if let Some(m) = node.mesh {
            // A skinned mesh is placed by its joints, not its node: use the bind pose.
            draws.push((
                m,
                if node.skin.is_some() {
                    Mat4::IDENTITY
                } else {
                    world
                },
            ));
        }
        for &c in &node.children {
            stack.push((c, world));
        }
    }
    if root.nodes.is_empty() && !root.meshes.is_empty() {
        draws = (0..root.meshes.len())
            .map(|m| (m, Mat4::IDENTITY))
            .collect();
    }

    // Limits first, from accessor counts, before reading any data.
    let mut tri_total = 0u64;
    let mut vert_total = 0u64;
    for &(m, _) in &draws {
        for prim in &root.meshes[m].primitives {
            let mode = prim.mode.unwrap_or(4);
            let pos = &root.accessors[prim.attributes["POSITION"]];
            let n = prim.indices.map_or(pos.count, |i| root.accessors[i].count);
            tri_total += match mode {
                4 => n / 3,
                5 | 6 => n.saturating_sub(2),
                _ => 0,
            };
            vert_total += pos.count;
        }
    }
    if tri_total > limits.max_triangles {
        return Err(GlbError::Refused(format!(
            "{tri_total} triangles is over the limit of {}",
            limits.max_triangles
        )));
    }
    if vert_total > limits.max_vertices {
        return Err(GlbError::Refused(format!(
            "{vert_total} vertices is over the limit of {}",
            limits.max_vertices
        )));
    }
    if tri_total == 0 {
        return Err(GlbError::Refused("the model has no triangles".into()));
    }

    let mut mesh = MeshData::default();
    let mut has_normals = true;
    for &(m, world) in &draws {
        let normal_matrix = Mat3::from_mat4(world).inverse().transpose();
        for prim in &root.meshes[m].primitives {
            let mode = prim.mode.unwrap_or(4);
            if !(4..=6).contains(&mode) {
                continue; // points and lines have no surface
            }
            let pi = prim.attributes["POSITION"];
            let count = root.accessors[pi].count as usize;
            // Indices first: an index out of range is the clearer error.
            let idx = match prim.indices {
                Some(ii) => read_indices(model, ii, count as u64)?,
                None => (0..count as u32).collect(),
            };
            if root.accessors[pi].component_type != 5126 {
                return Err(GlbError::Refused(format!(
                    "POSITION accessor {pi} is not float (KHR_mesh_quantization is not supported)"
                )));
            }
            let pos = read_floats(model, pi, 3, "POSITION")?;
            let normals = match prim.attributes.get("NORMAL") {
                Some(&ni) => Some(read_floats(model, ni, 3, "NORMAL")?),
                None => None,
            };
            if normals.as_ref().is_some_and(|n| n.len() != pos.len()) {
                return Err(GlbError::Data("NORMAL and POSITION counts differ".into()));
            }
            let uvs = match prim.attributes.get("TEXCOORD_0") {
                Some(&ti) => Some(read_floats(model, ti, 2, "TEXCOORD_0")?),
                None => None,
            };
            if uvs.as_ref().is_some_and(|u| u.len() / 2 != count) {
                return Err(GlbError::Data(
                    "TEXCOORD_0 and POSITION counts differ".into(),
                ));
            }
            has_normals &= normals.is_some();
            let base = mesh.positions.len() as u32;
            for v in 0..count {
                let p =
                    world.transform_point3(Vec3::new(pos[3 * v], pos[3 * v + 1], pos[3 * v + 2]));
                if !p.is_finite() {
                    return Err(GlbError::Data(format!(
                        "vertex {v} of mesh {m} is not finite after its node transform"
                    )));
                }
                let n = normals
                    .as_ref()
                    .map(|n| {
                        (normal_matrix * Vec3::new(n[3 * v], n[3 * v + 1], n[3 * v + 2]))
                            .normalize_or(Vec3::Y)
                    })
                    .unwrap_or(Vec3::Y);
                let uv = uvs
                    .as_ref()
                    .map_or([0.0, 0.0], |u| [u[2 * v], u[2 * v + 1]]);
                mesh.push_vertex(p.to_array(), n.to_array(), uv);
            }
            mesh.indices
                .extend(triangles(mode, &idx).into_iter().map(|i| i + base));
        }
    }
    if mesh.indices.is_empty() {
        return Err(GlbError::Refused("the model has no triangles".into()));
    }
    if !has_normals {
        recompute_normals(&mut mesh);
    }
    let (lo, hi) = mesh
        .bounds()
        .ok_or_else(|| GlbError::Refused("the model has no vertices".into()))?;
    let extent = (0..3).map(|k| hi[k] - lo[k]).fold(0.0f32, f32::max);
    if !extent.is_finite() || extent > limits.max_extent {
        return Err(GlbError::Refused(format!(
            "the model is {extent} m across, over the limit of {} m",
            limits.max_extent
        )));
    }
    if extent <= 0.0 {
        return Err(GlbError::Refused("the model is a single point".into()));
    }
    mesh.validate().map_err(GlbError::Data)?;
    Ok(mesh)
}

/// Area-weighted vertex normals.
fn recompute_normals(mesh: &mut MeshData) {
    let mut acc = vec![Vec3::ZERO; mesh.positions.len()];
    for t in mesh.indices.chunks_exact(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| Vec3::from_array(mesh.positions[i as usize]));
        let n = (b - a).cross(c - a);
        for &i in t {
            acc[i as usize] += n;
        }
    }
    for (dst, n) in mesh.normals.iter_mut().zip(acc) {
        *dst = n.normalize_or(Vec3::Y).to_array();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GLB from JSON and BIN bytes (padded as the spec says).
    pub(crate) fn glb(json: &str, bin: &[u8]) -> Vec<u8> {
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
        out.extend_from_slice(&CHUNK_JSON.to_le_bytes());
        out.extend_from_slice(&j);
        if !b.is_empty() {
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn strips_and_fans() {
        assert_eq!(triangles(5, &[0, 1, 2, 3]), vec![0, 1, 2, 2, 1, 3]);
        assert_eq!(triangles(6, &[0, 1, 2, 3]), vec![0, 1, 2, 0, 2, 3]);
        assert!(triangles(1, &[0, 1]).is_empty());
    }

    #[test]
    fn a_triangle_without_normals_gets_them() {
        let mut bin = Vec::new();
        for v in [0.0f32, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0] {
            bin.extend_from_slice(&v.to_le_bytes());
        }
        let json = r#"{"asset":{"version":"2.0"},"buffers":[{"byteLength":36}],
            "bufferViews":[{"buffer":0,"byteLength":36}],
            "accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3"}],
            "meshes":[{"primitives":[{"attributes":{"POSITION":0}}]}],
            "nodes":[{"mesh":0,"translation":[0,0,5]}]}"#;
        let mesh = import_glb(&glb(json, &bin), &GlbLimits::default()).expect("imports");
        assert_eq!(mesh.triangle_count(), 1);
        assert_eq!(mesh.positions[0], [0.0, 0.0, 5.0]);
        assert_eq!(mesh.normals[0], [0.0, 0.0, 1.0]);
    }
}
