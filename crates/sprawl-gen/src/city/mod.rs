//! The procedural city (temporary minimal version while the real one is written).

use sprawl_world::hash::StableHasher;
use sprawl_world::*;

/// Name recorded in provenance.
pub const GENERATOR_NAME: &str = "procedural";
/// Version recorded in provenance; bump it whenever output changes.
pub const GENERATOR_VERSION: &str = "0.1.0";

/// Generates one chunk.
pub fn generate_chunk(spec: &WorldSpec, coord: ChunkCoord) -> Chunk {
    let samples = 33;
    let terrain = Heightfield { samples, size: spec.chunk_size, heights: vec![0.0; (samples * samples) as usize] };
    let mut mesh = MeshData::new(MaterialId::of(MaterialKind::Wall));
    let s = 10.0;
    mesh.push_quad(
        [[0.0, 0.0, 0.0], [s, 0.0, 0.0], [s, s, 0.0], [0.0, s, 0.0]],
        [0.0, 0.0, 1.0],
        [[0.0, 0.0], [s, 0.0], [s, s], [0.0, s]],
    );
    let (ox, oz) = coord.origin(spec.chunk_size);
    let obj = Object {
        id: ObjectId::new(coord, 1),
        class: SemanticClass::Building,
        transform: Transform::from_translation(glam::Vec3::new(ox as f32 + 50.0, 0.0, oz as f32 + 50.0)),
        shape: PhysicsShape::Box { center: [5.0, 5.0, 0.0], half_extents: [5.0, 5.0, 0.5] },
        mesh,
        provenance: 0,
    };
    let h = StableHasher::new().u64(spec.seed).i64(coord.x.into()).i64(coord.z.into()).finish();
    Chunk {
        coord,
        size: spec.chunk_size,
        terrain,
        objects: vec![obj],
        roads: RoadGraph::default(),
        provenance: vec![Provenance::embedded(GENERATOR_NAME, GENERATOR_VERSION, h)],
    }
}
