//! Objects: everything a user or agent can see, touch, move or remove.

use crate::{ChunkCoord, MeshData, SemanticClass};
use glam::{Quat, Vec3};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A stable object id: the chunk that owns the object plus a 32-bit local key.
///
/// Generated objects derive the local key from a hash of *what they are*
/// (the lot, the street, the lamp's index along it), never from a counter of
/// generation order, so the id is the same after regeneration and reload.
/// User-added objects take local keys with the top bit set.
/// Written as `X:Z:LLLLLLLL` (chunk x, chunk z, 8 hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectId {
    /// Owning chunk (where it was generated or added; it stays the owner when moved).
    pub chunk: ChunkCoord,
    /// Key unique within the chunk.
    pub local: u32,
}

impl ObjectId {
    /// Bit set in the local key of objects added by users (not by a generator).
    pub const USER_BIT: u32 = 0x8000_0000;

    /// An id from its parts.
    pub const fn new(chunk: ChunkCoord, local: u32) -> Self {
        Self { chunk, local }
    }

    /// Whether a user (not a generator) added this object.
    pub fn is_user(self) -> bool {
        self.local & Self::USER_BIT != 0
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{:08x}", self.chunk.x, self.chunk.z, self.local)
    }
}

/// Why a string is not an [`ObjectId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an object id (expected X:Z:HEX, e.g. 0:-1:0a3f9c21): {reason}")]
pub struct ObjectIdParseError {
    /// The rejected text.
    pub input: String,
    /// What was wrong.
    pub reason: &'static str,
}

impl FromStr for ObjectId {
    type Err = ObjectIdParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| ObjectIdParseError {
            input: s.to_owned(),
            reason,
        };
        let mut parts = s.trim().split(':');
        let (Some(x), Some(z), Some(l), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err("needs exactly three parts separated by `:`"));
        };
        let x = x.parse().map_err(|_| err("chunk x is not an integer"))?;
        let z = z.parse().map_err(|_| err("chunk z is not an integer"))?;
        if l.is_empty() || l.len() > 8 {
            return Err(err("local key must be 1 to 8 hex digits"));
        }
        let local = u32::from_str_radix(l, 16).map_err(|_| err("local key is not hex"))?;
        Ok(Self::new(ChunkCoord::new(x, z), local))
    }
}

/// Placement of an object in the world: translation (metres), rotation, scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    /// World position of the object's origin (metres).
    pub translation: Vec3,
    /// Orientation.
    pub rotation: Quat,
    /// Per-axis scale (1 = as meshed).
    pub scale: Vec3,
}

impl Default for Transform {
    fn default() -> Self {
        Self {
            translation: Vec3::ZERO,
            rotation: Quat::IDENTITY,
            scale: Vec3::ONE,
        }
    }
}

impl Transform {
    /// A pure translation.
    pub fn from_translation(t: Vec3) -> Self {
        Self {
            translation: t,
            ..Self::default()
        }
    }

    /// Translation plus a rotation of `yaw` radians about +Y.
    pub fn from_translation_yaw(t: Vec3, yaw: f32) -> Self {
        Self {
            translation: t,
            rotation: Quat::from_rotation_y(yaw),
            scale: Vec3::ONE,
        }
    }

    /// Maps a local point to the world.
    pub fn apply(&self, p: Vec3) -> Vec3 {
        self.translation + self.rotation * (self.scale * p)
    }

    /// Whether every component is finite (outside input must be checked).
    pub fn is_finite(&self) -> bool {
        self.translation.is_finite() && self.rotation.is_finite() && self.scale.is_finite()
    }
}

/// Collision shape for physics, in the object's local frame (metres).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PhysicsShape {
    /// No collider (decals, water surfaces handled as volumes elsewhere).
    None,
    /// Box with half extents, centred at `center`.
    Box {
        /// Centre of the box.
        center: [f32; 3],
        /// Half extents along x, y, z.
        half_extents: [f32; 3],
    },
    /// Convex hull of points.
    ConvexHull {
        /// Hull points.
        points: Vec<[f32; 3]>,
    },
    /// Static triangle mesh.
    TriMesh {
        /// Vertices.
        vertices: Vec<[f32; 3]>,
        /// Triangles as vertex index triples.
        indices: Vec<[u32; 3]>,
    },
    /// Regular height grid: `rows × cols` heights, row-major, `rows` along Z
    /// and `cols` along X, spanning `size` metres from the local origin.
    Heightfield {
        /// Samples along Z.
        rows: u32,
        /// Samples along X.
        cols: u32,
        /// Extent along X and Z (metres).
        size: [f32; 2],
        /// Heights (metres), row-major.
        heights: Vec<f32>,
    },
}

/// One object of the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Object {
    /// Stable id.
    pub id: ObjectId,
    /// What it is.
    pub class: SemanticClass,
    /// Where it is.
    pub transform: Transform,
    /// How it collides.
    pub shape: PhysicsShape,
    /// How it looks, in its local frame.
    pub mesh: MeshData,
    /// Index into the owning chunk's provenance list (or the edit's own).
    pub provenance: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_round_trips_and_rejects_garbage() {
        let id = ObjectId::new(ChunkCoord::new(-3, 7), 0x0a3f_9c21);
        assert_eq!(id.to_string(), "-3:7:0a3f9c21");
        assert_eq!(id.to_string().parse::<ObjectId>(), Ok(id));
        for bad in [
            "",
            "1:2",
            "1:2:3:4",
            "a:2:ff",
            "1:b:ff",
            "1:2:xyz",
            "1:2:123456789",
        ] {
            assert!(bad.parse::<ObjectId>().is_err(), "{bad} should be rejected");
        }
    }
}
