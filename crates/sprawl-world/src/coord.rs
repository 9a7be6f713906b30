//! Chunk coordinates and regions of the endless grid.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Integer coordinate of a square chunk. Chunk `(x, z)` covers world metres
/// `[x·size, (x+1)·size) × [z·size, (z+1)·size)` on the ground plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChunkCoord {
    /// Index along +X (east).
    pub x: i32,
    /// Index along +Z (south).
    pub z: i32,
}

impl ChunkCoord {
    /// A coordinate from its two indices.
    pub const fn new(x: i32, z: i32) -> Self {
        Self { x, z }
    }

    /// The chunk containing world position `(x, z)` metres for chunks of `size` metres.
    pub fn containing(x: f32, z: f32, size: f32) -> Self {
        Self::new((x / size).floor() as i32, (z / size).floor() as i32)
    }

    /// World-space minimum corner `(x, z)` in metres.
    pub fn origin(self, size: f32) -> (f64, f64) {
        (
            f64::from(self.x) * f64::from(size),
            f64::from(self.z) * f64::from(size),
        )
    }

    /// Squared distance in plan (metres²) from the point `(x, z)` to this
    /// chunk's square of `size` metres; 0 inside it. Streaming decisions
    /// compare it with a radius squared, so no square root is taken.
    pub fn plan_gap_sq(self, size: f32, x: f32, z: f32) -> f32 {
        let (cx, cz) = (self.x as f32 * size, self.z as f32 * size);
        let dx = (cx - x).max(0.0).max(x - (cx + size));
        let dz = (cz - z).max(0.0).max(z - (cz + size));
        dx * dx + dz * dz
    }

    /// Chebyshev distance in chunks.
    pub fn chebyshev(self, other: Self) -> i32 {
        (self.x - other.x).abs().max((self.z - other.z).abs())
    }

    /// The four edge neighbours (east, west, south, north).
    pub fn neighbours(self) -> [Self; 4] {
        [
            Self::new(self.x + 1, self.z),
            Self::new(self.x - 1, self.z),
            Self::new(self.x, self.z + 1),
            Self::new(self.x, self.z - 1),
        ]
    }
}

impl fmt::Display for ChunkCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.z)
    }
}

/// An axis-aligned rectangle of the ground plane in metres, `x0 < x1`, `z0 < z1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// West edge (metres).
    pub x0: f32,
    /// North edge (metres).
    pub z0: f32,
    /// East edge (metres).
    pub x1: f32,
    /// South edge (metres).
    pub z1: f32,
}

impl Region {
    /// A region from two corners in any order.
    pub fn new(xa: f32, za: f32, xb: f32, zb: f32) -> Self {
        Self {
            x0: xa.min(xb),
            z0: za.min(zb),
            x1: xa.max(xb),
            z1: za.max(zb),
        }
    }

    /// Width along X (metres).
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }

    /// Depth along Z (metres).
    pub fn depth(&self) -> f32 {
        self.z1 - self.z0
    }

    /// Whether the point `(x, z)` lies inside (half-open on the far edges).
    pub fn contains(&self, x: f32, z: f32) -> bool {
        x >= self.x0 && x < self.x1 && z >= self.z0 && z < self.z1
    }

    /// Every chunk that overlaps the region, row by row (north to south, west to east).
    pub fn chunks(&self, size: f32) -> Vec<ChunkCoord> {
        let cx0 = (self.x0 / size).floor() as i32;
        let cz0 = (self.z0 / size).floor() as i32;
        let cx1 = ((self.x1 / size).ceil() as i32 - 1).max(cx0);
        let cz1 = ((self.z1 / size).ceil() as i32 - 1).max(cz0);
        let mut out = Vec::with_capacity(((cx1 - cx0 + 1) * (cz1 - cz0 + 1)).max(0) as usize);
        for z in cz0..=cz1 {
            for x in cx0..=cx1 {
                out.push(ChunkCoord::new(x, z));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn plan_gap_is_zero_inside_and_squared_outside() {
        let c = ChunkCoord::new(1, -1); // x 128..256, z -128..0
        assert_eq!(c.plan_gap_sq(128.0, 200.0, -10.0), 0.0);
        assert_eq!(c.plan_gap_sq(128.0, 100.0, -10.0), 28.0 * 28.0);
        assert_eq!(c.plan_gap_sq(128.0, 259.0, 4.0), 9.0 + 16.0);
    }
    use super::*;

    #[test]
    fn containing_handles_negatives() {
        assert_eq!(
            ChunkCoord::containing(-0.1, 0.0, 128.0),
            ChunkCoord::new(-1, 0)
        );
        assert_eq!(
            ChunkCoord::containing(128.0, 127.9, 128.0),
            ChunkCoord::new(1, 0)
        );
    }

    #[test]
    fn one_square_km_is_64_chunks() {
        let r = Region::new(-512.0, -512.0, 512.0, 512.0);
        assert_eq!(r.chunks(128.0).len(), 64);
    }
}
