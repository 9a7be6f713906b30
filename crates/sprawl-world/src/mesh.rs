//! Triangle mesh data, in an object's local frame, ready for a GPU or a GLB.

use serde::{Deserialize, Serialize};

/// A family of surface materials; the [`Palette`](crate::Palette) gives each its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialKind {
    /// Bare ground.
    Ground,
    /// Lawn and park grass.
    Grass,
    /// Road asphalt.
    Asphalt,
    /// Sidewalk paving.
    Paving,
    /// Building wall (variant picks one of the palette's wall colours).
    Wall,
    /// Glass curtain wall of towers.
    Glass,
    /// Roof (variant picks one of the palette's roof colours).
    Roof,
    /// Water surface.
    Water,
    /// Tree trunk.
    Bark,
    /// Tree crown.
    Foliage,
    /// Painted or bare metal (lamps, car bodies; variant picks the car paint).
    Metal,
    /// Wood (benches).
    Wood,
    /// Concrete (bridges, industrial walls).
    Concrete,
}

/// A material: a kind plus a variant index into that kind's palette list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MaterialId {
    /// Material family.
    pub kind: MaterialKind,
    /// Variant within the family (wraps around the palette's list).
    pub variant: u8,
}

impl MaterialId {
    /// A material of `kind`, variant 0.
    pub const fn of(kind: MaterialKind) -> Self {
        Self { kind, variant: 0 }
    }
}

/// Indexed triangle mesh. Positions and normals are in metres in the owning
/// object's local frame; UVs are in metres of surface (textures tile per metre)
/// so that a façade shader can place windows at real storey heights.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MeshData {
    /// Vertex positions (metres, local frame).
    pub positions: Vec<[f32; 3]>,
    /// Unit vertex normals, one per position.
    pub normals: Vec<[f32; 3]>,
    /// Texture coordinates in metres, one per position.
    pub uvs: Vec<[f32; 2]>,
    /// Triangle list, counter-clockwise seen from outside (glTF's winding).
    pub indices: Vec<u32>,
    /// Surface material.
    pub material: Option<MaterialId>,
}

impl MeshData {
    /// An empty mesh with a material.
    pub fn new(material: MaterialId) -> Self {
        Self {
            material: Some(material),
            ..Self::default()
        }
    }

    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.indices.len() / 3
    }

    /// Whether the mesh has no triangles.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Adds one vertex, returning its index.
    pub fn push_vertex(&mut self, p: [f32; 3], n: [f32; 3], uv: [f32; 2]) -> u32 {
        let i = self.positions.len() as u32;
        self.positions.push(p);
        self.normals.push(n);
        self.uvs.push(uv);
        i
    }

    /// Adds a planar quad `a b c d` (counter-clockwise seen from the side `n` points to).
    pub fn push_quad(&mut self, corners: [[f32; 3]; 4], n: [f32; 3], uvs: [[f32; 2]; 4]) {
        let base = self.push_vertex(corners[0], n, uvs[0]);
        for k in 1..4 {
            self.push_vertex(corners[k], n, uvs[k]);
        }
        self.indices
            .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
    }

    /// Appends another mesh's geometry (material of `self` is kept).
    pub fn append(&mut self, other: &MeshData) {
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&other.positions);
        self.normals.extend_from_slice(&other.normals);
        self.uvs.extend_from_slice(&other.uvs);
        self.indices.extend(other.indices.iter().map(|i| i + base));
    }

    /// Axis-aligned bounds `(min, max)` of the positions, or `None` when empty.
    pub fn bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        let first = *self.positions.first()?;
        let mut lo = first;
        let mut hi = first;
        for p in &self.positions {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        Some((lo, hi))
    }

    /// Checks the invariants a renderer and exporter rely on: attribute
    /// lengths agree, indices are in range and form whole triangles, and
    /// every number is finite.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.positions.len();
        if self.normals.len() != n || self.uvs.len() != n {
            return Err(format!(
                "attribute lengths differ: {} positions, {} normals, {} uvs",
                n,
                self.normals.len(),
                self.uvs.len()
            ));
        }
        if !self.indices.len().is_multiple_of(3) {
            return Err(format!(
                "{} indices is not a whole number of triangles",
                self.indices.len()
            ));
        }
        if let Some(bad) = self.indices.iter().find(|&&i| i as usize >= n) {
            return Err(format!("index {bad} out of range for {n} vertices"));
        }
        let finite = self.positions.iter().flatten().all(|v| v.is_finite())
            && self.normals.iter().flatten().all(|v| v.is_finite())
            && self.uvs.iter().flatten().all(|v| v.is_finite());
        if !finite {
            return Err("non-finite vertex attribute".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quad_and_validation() {
        let mut m = MeshData::new(MaterialId::of(MaterialKind::Wall));
        m.push_quad(
            [
                [0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [1.0, 1.0, 0.0],
                [0.0, 1.0, 0.0],
            ],
            [0.0, 0.0, 1.0],
            [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
        );
        assert_eq!(m.triangle_count(), 2);
        assert!(m.validate().is_ok());
        m.indices.push(99);
        assert!(m.validate().is_err());
    }
}
