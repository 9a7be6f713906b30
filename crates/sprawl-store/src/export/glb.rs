//! GLB (glTF 2.0 binary) export.
//!
//! Layout of the file:
//! - one scene whose root nodes are one node per chunk (named `"chunk X,Z"`,
//!   identity transform), in chunk-coordinate order;
//! - under each, one node per exported object, named `"{id} {class}"`, with the
//!   object's translation, rotation and scale, and `extras` `{"id", "class"}`;
//! - one mesh per object in its local frame: POSITION (with min/max), NORMAL
//!   (unit length), TEXCOORD_0 (metres), indices (`UNSIGNED_SHORT` when the mesh
//!   has at most 65535 vertices, else `UNSIGNED_INT`);
//! - one material per distinct [`MaterialId`], named `"{kind}_{variant}"`;
//! - one buffer (the BIN chunk), one bufferView per accessor, all 4-byte aligned.
//!
//! Objects whose mesh has no triangles are left out (glTF forbids empty
//! primitives, and such an object has nothing to show); chunks left with no
//! object are left out too.

use super::{ExportError, check_region};
use glam::{Quat, Vec3};
use serde::Serialize;
use sprawl_world::{Chunk, MaterialId, MaterialKind, Object, Palette, Region};
use std::collections::BTreeMap;

const GLB_MAGIC: u32 = 0x4654_6C67; // "glTF"
const GLB_VERSION: u32 = 2;
const CHUNK_JSON: u32 = 0x4E4F_534A; // "JSON"
const CHUNK_BIN: u32 = 0x004E_4942; // "BIN\0"

const FLOAT: u32 = 5126;
const UNSIGNED_SHORT: u32 = 5123;
const UNSIGNED_INT: u32 = 5125;
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;

/// Exports the objects of `chunks` as a GLB (glTF 2.0 binary) file.
///
/// With a `region`, only objects whose transform translation lies inside it
/// ([`Region::contains`]) are exported. Chunks are written in coordinate order
/// and objects in their chunk's order, so equal input gives byte-identical output
/// whatever the order of `chunks`.
///
/// Palette colours are taken as sRGB and written as linear `baseColorFactor`s.
///
/// # Errors
/// [`ExportError`] when a mesh fails [`MeshData::validate`](sprawl_world::MeshData::validate)
/// (NaN, bad index, …) or has a zero-length normal, a transform is not finite,
/// a palette colour is not finite, the region is not a finite rectangle, or the
/// file would exceed 4 GiB.
pub fn export_glb(
    chunks: &[Chunk],
    palette: &Palette,
    region: Option<Region>,
) -> Result<Vec<u8>, ExportError> {
    if let Some(r) = region {
        check_region(r)?;
    }
    let mut order: Vec<&Chunk> = chunks.iter().collect();
    order.sort_by_key(|c| c.coord);

    // Which objects go in, per chunk.
    let mut selected: Vec<(&Chunk, Vec<&Object>)> = Vec::new();
    for chunk in order {
        let objects: Vec<&Object> = chunk
            .objects
            .iter()
            .filter(|o| {
                let t = o.transform.translation;
                region.is_none_or(|r| r.contains(t.x, t.z))
            })
            .filter(|o| !o.mesh.is_empty())
            .collect();
        if !objects.is_empty() {
            selected.push((chunk, objects));
        }
    }

    // One material per distinct id, in id order.
    let mut material_index: BTreeMap<MaterialId, u32> = BTreeMap::new();
    for (_, objects) in &selected {
        for o in objects {
            if let Some(m) = o.mesh.material {
                material_index.entry(m).or_insert(0);
            }
        }
    }
    let mut materials = Vec::with_capacity(material_index.len());
    for (i, (id, slot)) in material_index.iter_mut().enumerate() {
        *slot = i as u32;
        materials.push(material(*id, palette)?);
    }

    let mut doc = Doc::default();
    let mut bin: Vec<u8> = Vec::new();
    for (chunk, objects) in &selected {
        let chunk_node = doc.nodes.len() as u32;
        doc.nodes.push(Node {
            name: format!("chunk {},{}", chunk.coord.x, chunk.coord.z),
            ..Node::default()
        });
        let mut children = Vec::with_capacity(objects.len());
        for object in objects {
            let mesh = write_mesh(object, &material_index, &mut doc, &mut bin)?;
            children.push(doc.nodes.len() as u32);
            doc.nodes.push(object_node(object, mesh)?);
        }
        doc.nodes[chunk_node as usize].children = children;
        doc.scene_nodes.push(chunk_node);
    }

    let json = Root {
        asset: Asset {
            version: "2.0",
            generator: "sprawl",
        },
        scene: 0,
        scenes: vec![Scene {
            name: "sprawl",
            nodes: doc.scene_nodes,
        }],
        nodes: doc.nodes,
        meshes: doc.meshes,
        materials,
        accessors: doc.accessors,
        buffer_views: doc.views,
        buffers: if bin.is_empty() {
            Vec::new()
        } else {
            vec![Buffer {
                byte_length: bin.len() as u64,
            }]
        },
    };
    let json = serde_json::to_vec(&json)?;
    assemble(json, bin)
}

/// Writes the GLB container: header, JSON chunk (space padded), BIN chunk (zero padded).
fn assemble(mut json: Vec<u8>, mut bin: Vec<u8>) -> Result<Vec<u8>, ExportError> {
    pad(&mut json, b' ');
    pad(&mut bin, 0);
    let bin_part = if bin.is_empty() {
        0
    } else {
        8 + bin.len() as u64
    };
    let total = 12 + 8 + json.len() as u64 + bin_part;
    let total32 = u32::try_from(total).map_err(|_| ExportError::TooLarge { bytes: total })?;
    let mut out = Vec::with_capacity(total as usize);
    out.extend_from_slice(&GLB_MAGIC.to_le_bytes());
    out.extend_from_slice(&GLB_VERSION.to_le_bytes());
    out.extend_from_slice(&total32.to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&CHUNK_JSON.to_le_bytes());
    out.extend_from_slice(&json);
    if !bin.is_empty() {
        out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
        out.extend_from_slice(&CHUNK_BIN.to_le_bytes());
        out.extend_from_slice(&bin);
    }
    Ok(out)
}

fn pad(v: &mut Vec<u8>, byte: u8) {
    while !v.len().is_multiple_of(4) {
        v.push(byte);
    }
}

/// The node of one object: its name, mesh and transform (defaults left out).
fn object_node(object: &Object, mesh: u32) -> Result<Node, ExportError> {
    let t = object.transform;
    let invalid = |reason| ExportError::InvalidTransform {
        object: object.id,
        reason,
    };
    if !t.is_finite() {
        return Err(invalid("a component is not finite"));
    }
    let len = t.rotation.length();
    if !(len.is_finite() && len > 1e-6) {
        return Err(invalid("rotation quaternion has zero length"));
    }
    let rotation = t.rotation / len;
    Ok(Node {
        name: format!("{} {}", object.id, object.class),
        mesh: Some(mesh),
        children: Vec::new(),
        translation: (t.translation != Vec3::ZERO).then(|| t.translation.to_array()),
        rotation: (rotation != Quat::IDENTITY).then(|| rotation.to_array()),
        scale: (t.scale != Vec3::ONE).then(|| t.scale.to_array()),
        extras: Some(NodeExtras {
            id: object.id.to_string(),
            class: object.class.name(),
        }),
    })
}

/// Writes one object's mesh data into `bin` and its accessors, views and mesh into `doc`;
/// returns the mesh index.
fn write_mesh(
    object: &Object,
    material_index: &BTreeMap<MaterialId, u32>,
    doc: &mut Doc,
    bin: &mut Vec<u8>,
) -> Result<u32, ExportError> {
    let m = &object.mesh;
    m.validate().map_err(|reason| ExportError::InvalidMesh {
        object: object.id,
        reason,
    })?;
    let n = m.positions.len();
    let count = u32::try_from(n).map_err(|_| ExportError::InvalidMesh {
        object: object.id,
        reason: format!("{n} vertices is more than glTF can index"),
    })?;

    // POSITION, with exact f32 bounds.
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    let start = bin.len();
    bin.reserve(n * 32 + m.indices.len() * 4 + 12);
    for p in &m.positions {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
            bin.extend_from_slice(&p[k].to_le_bytes());
        }
    }
    let position = doc.accessor(
        start,
        bin.len(),
        Some(ARRAY_BUFFER),
        FLOAT,
        count,
        "VEC3",
        Some((lo, hi)),
    );

    // NORMAL, normalised.
    let start = bin.len();
    for (vertex, v) in m.normals.iter().enumerate() {
        let [x, y, z] = v.map(f64::from);
        let len = (x * x + y * y + z * z).sqrt();
        if !(len.is_finite() && len > 1e-12) {
            return Err(ExportError::ZeroNormal {
                object: object.id,
                vertex,
            });
        }
        for c in [x / len, y / len, z / len] {
            bin.extend_from_slice(&(c as f32).to_le_bytes());
        }
    }
    let normal = doc.accessor(
        start,
        bin.len(),
        Some(ARRAY_BUFFER),
        FLOAT,
        count,
        "VEC3",
        None,
    );

    // TEXCOORD_0.
    let start = bin.len();
    for uv in &m.uvs {
        bin.extend_from_slice(&uv[0].to_le_bytes());
        bin.extend_from_slice(&uv[1].to_le_bytes());
    }
    let texcoord = doc.accessor(
        start,
        bin.len(),
        Some(ARRAY_BUFFER),
        FLOAT,
        count,
        "VEC2",
        None,
    );

    // Indices: u16 while no index can be the primitive-restart value 65535.
    let start = bin.len();
    let index_count = m.indices.len() as u32;
    let component = if n <= usize::from(u16::MAX) {
        for &i in &m.indices {
            bin.extend_from_slice(&(i as u16).to_le_bytes());
        }
        UNSIGNED_SHORT
    } else {
        for &i in &m.indices {
            bin.extend_from_slice(&i.to_le_bytes());
        }
        UNSIGNED_INT
    };
    let indices = doc.accessor(
        start,
        bin.len(),
        Some(ELEMENT_ARRAY_BUFFER),
        component,
        index_count,
        "SCALAR",
        None,
    );
    pad(bin, 0);

    let mesh = doc.meshes.len() as u32;
    doc.meshes.push(Mesh {
        name: object.id.to_string(),
        primitives: [Primitive {
            attributes: Attributes {
                position,
                normal,
                texcoord_0: texcoord,
            },
            indices,
            material: m.material.and_then(|id| material_index.get(&id).copied()),
        }],
    });
    Ok(mesh)
}

/// Colour space conversion of one sRGB channel to linear.
fn srgb_to_linear(c: f32) -> f32 {
    let c = c.clamp(0.0, 1.0);
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// The glTF material of a [`MaterialId`], coloured from the palette.
fn material(id: MaterialId, palette: &Palette) -> Result<Material, ExportError> {
    fn pick(list: &[[f32; 3]], variant: u8, fallback: [f32; 3]) -> [f32; 3] {
        if list.is_empty() {
            fallback
        } else {
            list[usize::from(variant) % list.len()]
        }
    }
    let v = id.variant;
    // (palette entry name, sRGB colour, metallic, roughness)
    let (what, colour, metallic, roughness) = match id.kind {
        MaterialKind::Ground => ("ground", palette.ground, 0.0, 1.0),
        MaterialKind::Grass => ("grass", palette.grass, 0.0, 0.95),
        MaterialKind::Asphalt => ("asphalt", palette.asphalt, 0.0, 0.9),
        MaterialKind::Paving => ("paving", palette.paving, 0.0, 0.85),
        MaterialKind::Wall => (
            "walls",
            pick(&palette.walls, v, [0.7, 0.68, 0.64]),
            0.0,
            0.85,
        ),
        MaterialKind::Glass => ("glass", palette.glass, 0.6, 0.08),
        MaterialKind::Roof => (
            "roofs",
            pick(&palette.roofs, v, [0.35, 0.33, 0.33]),
            0.0,
            0.8,
        ),
        MaterialKind::Water => ("water", palette.water, 0.1, 0.05),
        MaterialKind::Bark => ("bark", [0.32, 0.24, 0.16], 0.0, 0.95),
        MaterialKind::Foliage => ("foliage", palette.foliage, 0.0, 0.9),
        MaterialKind::Metal => (
            "cars",
            pick(&palette.cars, v, [0.55, 0.56, 0.58]),
            0.7,
            0.35,
        ),
        MaterialKind::Wood => ("wood", [0.45, 0.32, 0.20], 0.0, 0.8),
        MaterialKind::Concrete => ("concrete", [0.62, 0.61, 0.58], 0.0, 0.9),
    };
    if !colour.iter().all(|c| c.is_finite()) {
        return Err(ExportError::InvalidPalette { what, colour });
    }
    let [r, g, b] = colour.map(srgb_to_linear);
    Ok(Material {
        name: format!("{}_{}", kind_name(id.kind), v),
        pbr_metallic_roughness: Pbr {
            base_color_factor: [r, g, b, 1.0],
            metallic_factor: metallic,
            roughness_factor: roughness,
        },
    })
}

/// snake_case name of a material kind (as in files).
fn kind_name(kind: MaterialKind) -> &'static str {
    match kind {
        MaterialKind::Ground => "ground",
        MaterialKind::Grass => "grass",
        MaterialKind::Asphalt => "asphalt",
        MaterialKind::Paving => "paving",
        MaterialKind::Wall => "wall",
        MaterialKind::Glass => "glass",
        MaterialKind::Roof => "roof",
        MaterialKind::Water => "water",
        MaterialKind::Bark => "bark",
        MaterialKind::Foliage => "foliage",
        MaterialKind::Metal => "metal",
        MaterialKind::Wood => "wood",
        MaterialKind::Concrete => "concrete",
    }
}

/// Arrays being built.
#[derive(Default)]
struct Doc {
    scene_nodes: Vec<u32>,
    nodes: Vec<Node>,
    meshes: Vec<Mesh>,
    accessors: Vec<Accessor>,
    views: Vec<BufferView>,
}

impl Doc {
    /// Adds a bufferView over `bin[start..end]` and an accessor over all of it.
    #[allow(clippy::too_many_arguments)]
    fn accessor(
        &mut self,
        start: usize,
        end: usize,
        target: Option<u32>,
        component_type: u32,
        count: u32,
        kind: &'static str,
        bounds: Option<([f32; 3], [f32; 3])>,
    ) -> u32 {
        let view = self.views.len() as u32;
        self.views.push(BufferView {
            buffer: 0,
            byte_offset: start as u64,
            byte_length: (end - start) as u64,
            target,
        });
        let index = self.accessors.len() as u32;
        // Bounds as the exact f32 values (f64 prints them without rounding).
        let (min, max) = match bounds {
            Some((lo, hi)) => (Some(lo.map(f64::from)), Some(hi.map(f64::from))),
            None => (None, None),
        };
        self.accessors.push(Accessor {
            buffer_view: view,
            component_type,
            count,
            kind,
            min,
            max,
        });
        index
    }
}

#[derive(Serialize)]
struct Root {
    asset: Asset,
    scene: u32,
    scenes: Vec<Scene>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    nodes: Vec<Node>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    meshes: Vec<Mesh>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    materials: Vec<Material>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    accessors: Vec<Accessor>,
    #[serde(rename = "bufferViews", skip_serializing_if = "Vec::is_empty")]
    buffer_views: Vec<BufferView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    buffers: Vec<Buffer>,
}

#[derive(Serialize)]
struct Asset {
    version: &'static str,
    generator: &'static str,
}

#[derive(Serialize)]
struct Scene {
    name: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    nodes: Vec<u32>,
}

#[derive(Serialize, Default)]
struct Node {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    mesh: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    translation: Option<[f32; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation: Option<[f32; 4]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<[f32; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extras: Option<NodeExtras>,
}

#[derive(Serialize)]
struct NodeExtras {
    id: String,
    class: &'static str,
}

#[derive(Serialize)]
struct Mesh {
    name: String,
    primitives: [Primitive; 1],
}

#[derive(Serialize)]
struct Primitive {
    attributes: Attributes,
    indices: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    material: Option<u32>,
}

#[derive(Serialize)]
struct Attributes {
    #[serde(rename = "POSITION")]
    position: u32,
    #[serde(rename = "NORMAL")]
    normal: u32,
    #[serde(rename = "TEXCOORD_0")]
    texcoord_0: u32,
}

#[derive(Serialize)]
struct Material {
    name: String,
    #[serde(rename = "pbrMetallicRoughness")]
    pbr_metallic_roughness: Pbr,
}

#[derive(Serialize)]
struct Pbr {
    #[serde(rename = "baseColorFactor")]
    base_color_factor: [f32; 4],
    #[serde(rename = "metallicFactor")]
    metallic_factor: f32,
    #[serde(rename = "roughnessFactor")]
    roughness_factor: f32,
}

#[derive(Serialize)]
struct Accessor {
    #[serde(rename = "bufferView")]
    buffer_view: u32,
    #[serde(rename = "componentType")]
    component_type: u32,
    count: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<[f64; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<[f64; 3]>,
}

#[derive(Serialize)]
struct BufferView {
    buffer: u32,
    #[serde(rename = "byteOffset")]
    byte_offset: u64,
    #[serde(rename = "byteLength")]
    byte_length: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<u32>,
}

#[derive(Serialize)]
struct Buffer {
    #[serde(rename = "byteLength")]
    byte_length: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srgb_conversion_endpoints() {
        assert_eq!(srgb_to_linear(0.0), 0.0);
        assert!((srgb_to_linear(1.0) - 1.0).abs() < 1e-6);
        assert!((srgb_to_linear(0.5) - 0.214).abs() < 1e-3);
        assert_eq!(srgb_to_linear(2.0), srgb_to_linear(1.0));
    }

    #[test]
    fn materials_pick_palette_variants() {
        let p = Palette::default();
        let m = material(
            MaterialId {
                kind: MaterialKind::Wall,
                variant: 5,
            },
            &p,
        )
        .unwrap();
        assert_eq!(m.name, "wall_5");
        let want = p.walls[5 % p.walls.len()].map(srgb_to_linear);
        assert_eq!(&m.pbr_metallic_roughness.base_color_factor[..3], &want);
        let mut bad = p.clone();
        bad.cars = vec![[f32::NAN, 0.0, 0.0]];
        assert!(material(MaterialId::of(MaterialKind::Metal), &bad).is_err());
        let mut empty = p;
        empty.roofs.clear();
        assert!(material(MaterialId::of(MaterialKind::Roof), &empty).is_ok());
    }
}
