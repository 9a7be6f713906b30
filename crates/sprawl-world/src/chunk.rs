//! A generated chunk: terrain heights, objects, roads and their provenance.

use crate::hash::StableHasher;
use crate::{ChunkCoord, Object, ObjectId, PhysicsShape, Provenance, RoadGraph};
use serde::{Deserialize, Serialize};

/// Terrain heights of one chunk on a regular grid that includes both edges,
/// so neighbouring chunks share their edge samples exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heightfield {
    /// Samples per side (cells per side + 1).
    pub samples: u32,
    /// Side length (metres).
    pub size: f32,
    /// Heights (metres), row-major: `heights[row * samples + col]`, rows along +Z, cols along +X.
    pub heights: Vec<f32>,
}

impl Heightfield {
    /// Spacing between samples (metres).
    pub fn step(&self) -> f32 {
        self.size / (self.samples - 1) as f32
    }

    /// Height at sample `(col, row)`.
    pub fn at(&self, col: u32, row: u32) -> f32 {
        self.heights[(row * self.samples + col) as usize]
    }

    /// Bilinear height at local `(x, z)` metres from the chunk origin, clamped to the chunk.
    pub fn sample(&self, x: f32, z: f32) -> f32 {
        let n = self.samples - 1;
        let fx = (x / self.step()).clamp(0.0, n as f32);
        let fz = (z / self.step()).clamp(0.0, n as f32);
        let (c0, r0) = ((fx as u32).min(n - 1), (fz as u32).min(n - 1));
        let (tx, tz) = (fx - c0 as f32, fz - r0 as f32);
        let h00 = self.at(c0, r0);
        let h10 = self.at(c0 + 1, r0);
        let h01 = self.at(c0, r0 + 1);
        let h11 = self.at(c0 + 1, r0 + 1);
        let a = h00 + (h10 - h00) * tx;
        let b = h01 + (h11 - h01) * tx;
        a + (b - a) * tz
    }

    /// The heightfield as a physics shape.
    pub fn to_shape(&self) -> PhysicsShape {
        PhysicsShape::Heightfield {
            rows: self.samples,
            cols: self.samples,
            size: [self.size, self.size],
            heights: self.heights.clone(),
        }
    }
}

/// One chunk of the world, as generated (before edits) or live (after edits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Where it is.
    pub coord: ChunkCoord,
    /// Side length (metres).
    pub size: f32,
    /// Terrain heights.
    pub terrain: Heightfield,
    /// Objects owned by this chunk, in generation order.
    pub objects: Vec<Object>,
    /// Road graph.
    pub roads: RoadGraph,
    /// Provenance records; objects refer to them by index.
    pub provenance: Vec<Provenance>,
}

impl Chunk {
    /// Looks an object up by id.
    pub fn object(&self, id: ObjectId) -> Option<&Object> {
        self.objects.iter().find(|o| o.id == id)
    }

    /// Total triangles over all object meshes.
    pub fn triangle_count(&self) -> usize {
        self.objects.iter().map(|o| o.mesh.triangle_count()).sum()
    }

    /// A stable hash of everything in the chunk, bit for bit (for golden tests
    /// and cache validation). Equal chunks hash equal on every platform.
    pub fn content_hash(&self) -> u64 {
        let mut h = StableHasher::new();
        h.i64(i64::from(self.coord.x))
            .i64(i64::from(self.coord.z))
            .f32(self.size);
        h.u64(u64::from(self.terrain.samples));
        for v in &self.terrain.heights {
            h.f32(*v);
        }
        for o in &self.objects {
            h.u64(u64::from(o.id.local))
                .str(o.class.name())
                .u64(u64::from(o.provenance));
            let t = o.transform;
            for v in t
                .translation
                .to_array()
                .into_iter()
                .chain(t.rotation.to_array())
                .chain(t.scale.to_array())
            {
                h.f32(v);
            }
            for p in o.mesh.positions.iter().chain(&o.mesh.normals) {
                h.f32(p[0]).f32(p[1]).f32(p[2]);
            }
            for uv in &o.mesh.uvs {
                h.f32(uv[0]).f32(uv[1]);
            }
            for i in &o.mesh.indices {
                h.u64(u64::from(*i));
            }
            if let Some(m) = o.mesh.material {
                h.u64(m.kind as u64).u64(u64::from(m.variant));
            }
            hash_shape(&mut h, &o.shape);
        }
        for n in &self.roads.nodes {
            h.f32(n.position[0])
                .f32(n.position[1])
                .f32(n.position[2])
                .u64(u64::from(n.boundary));
        }
        for e in &self.roads.edges {
            h.u64(u64::from(e.from))
                .u64(u64::from(e.to))
                .u64(e.class as u64);
            h.u64(u64::from(e.lanes_forward))
                .u64(u64::from(e.lanes_backward))
                .u64(u64::from(e.bridge));
        }
        for p in &self.provenance {
            h.str(&p.generator).str(&p.version).str(&p.inputs_hash);
        }
        h.finish()
    }
}

fn hash_shape(h: &mut StableHasher, s: &PhysicsShape) {
    match s {
        PhysicsShape::None => {
            h.u64(0);
        }
        PhysicsShape::Box {
            center,
            half_extents,
        } => {
            h.u64(1);
            for v in center.iter().chain(half_extents) {
                h.f32(*v);
            }
        }
        PhysicsShape::ConvexHull { points } => {
            h.u64(2);
            for v in points.iter().flatten() {
                h.f32(*v);
            }
        }
        PhysicsShape::TriMesh { vertices, indices } => {
            h.u64(3);
            for v in vertices.iter().flatten() {
                h.f32(*v);
            }
            for i in indices.iter().flatten() {
                h.u64(u64::from(*i));
            }
        }
        PhysicsShape::Heightfield {
            rows,
            cols,
            size,
            heights,
        } => {
            h.u64(4)
                .u64(u64::from(*rows))
                .u64(u64::from(*cols))
                .f32(size[0])
                .f32(size[1]);
            for v in heights {
                h.f32(*v);
            }
        }
    }
}
