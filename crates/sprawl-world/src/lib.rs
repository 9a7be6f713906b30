//! # sprawl-world
//!
//! The data model every other Sprawl crate speaks: an endless grid of square
//! [chunks](Chunk) addressed by integer [`ChunkCoord`]s, the [`WorldSpec`] that
//! shapes a city, [objects](Object) with stable [ids](ObjectId) and
//! [semantic classes](SemanticClass), their [mesh data](MeshData) and
//! [physics shapes](PhysicsShape), the per-chunk [road graph](RoadGraph),
//! [edits](Edit) over the generated base, and [provenance](Provenance).
//!
//! Frame: metres, right-handed, Y up (glTF's). North is −Z, east is +X.
//! This crate does no I/O and knows nothing of rendering.
//!
//! ```
//! use sprawl_world::{ChunkCoord, WorldSpec};
//! let spec = WorldSpec::default();
//! let c = ChunkCoord::containing(200.0, -10.0, spec.chunk_size);
//! assert_eq!(c, ChunkCoord::new(1, -1));
//! ```

mod chunk;
mod class;
mod coord;
mod edit;
pub mod geom;
pub mod hash;
mod mesh;
mod object;
mod provenance;
mod road;
mod sketch;
mod spec;

pub use chunk::{Chunk, Heightfield};
pub use class::SemanticClass;
pub use coord::{ChunkCoord, Region};
pub use edit::{Edit, EditError, apply_edits};
pub use mesh::{MaterialId, MaterialKind, MeshData};
pub use object::{Object, ObjectId, ObjectIdParseError, PhysicsShape, Transform};
pub use provenance::Provenance;
pub use road::{RoadClass, RoadEdge, RoadGraph, RoadNode, lane_offset};
pub use sketch::{SketchCell, SketchError, SketchLayout};
pub use spec::{
    Direction, DistrictKind, DistrictMix, Era, HeightProfile, Look, Palette, Season, SpecError,
    StreetPattern, Terrain, TerrainKind, WORLD_SPEC_VERSION, Water, Weather, WorldSpec,
};
