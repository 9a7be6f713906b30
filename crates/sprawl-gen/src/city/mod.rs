//! The procedural city: a chunk is a pure function of
//! `(WorldSpec, ChunkCoord, GENERATOR_VERSION)`.
//!
//! Layout: [`fields`] (ground, water, districts: continuous world functions),
//! [`network`] (global streets), then per chunk [`terrain`], [`streets`]
//! (road graph, road and sidewalk meshes, bridges), [`blocks`] (lots,
//! buildings, parks) and [`props`] (trees, lamps, benches, parked cars).
//! Nothing here depends on which chunks were generated before, or on which
//! thread: all randomness is hashed from the seed and a feature key.

mod blocks;
mod centres;
mod drawn;
mod fields;
mod network;
mod noise;
mod props;
mod shapes;
mod streets;
mod terrain;

use fields::Fields;
use glam::{DVec2, Vec3};
use network::{Network, Seg};
use sprawl_world::hash::StableHasher;
use sprawl_world::{
    Chunk, ChunkCoord, MeshData, Object, ObjectId, PhysicsShape, Provenance, Region, RoadGraph,
    SemanticClass, Transform, WorldSpec,
};
use std::collections::HashSet;

/// Name recorded in provenance.
pub const GENERATOR_NAME: &str = "procedural";
/// Version recorded in provenance and cache keys; bump it whenever output changes.
pub const GENERATOR_VERSION: &str = "0.7.0";

/// Generates one chunk. Same spec and coordinate → identical chunk, on any
/// thread, in any order. For many chunks of one spec, [`ChunkGenerator`]
/// avoids re-hashing the spec each time.
pub fn generate_chunk(spec: &WorldSpec, coord: ChunkCoord) -> Chunk {
    ChunkGenerator::new(spec).generate(coord)
}

/// A stable hash of a spec (its JSON form), used in provenance and cache keys.
pub fn spec_hash(spec: &WorldSpec) -> u64 {
    let json = serde_json::to_string(spec).unwrap_or_default();
    StableHasher::new().str(&json).finish()
}

/// Generates chunks of one spec; cheap to share across threads (`&self`).
pub struct ChunkGenerator<'a> {
    fields: Fields<'a>,
    spec_hash: u64,
}

impl<'a> ChunkGenerator<'a> {
    /// Prepares generation for `spec` (which should have passed `validate`).
    pub fn new(spec: &'a WorldSpec) -> Self {
        Self {
            fields: Fields::new(spec),
            spec_hash: spec_hash(spec),
        }
    }

    /// Ground height (metres) at world `(x, z)`, as the generator sees it.
    pub fn ground_height(&self, x: f64, z: f64) -> f64 {
        self.fields.height(x, z)
    }

    /// The road graph of chunk `coord`: the same as `generate(coord).roads`,
    /// at a fraction of the cost (no terrain, surfaces, buildings or props),
    /// for callers that plan routes over chunks they may never load.
    pub fn road_graph(&self, coord: ChunkCoord) -> RoadGraph {
        let (out, _, segs) = self.start(coord, false, 0);
        streets::graph_only(&self.fields, &segs, &out)
    }

    /// What generating chunk `coord` starts from, shared by
    /// [`road_graph`](Self::road_graph) and full generation so that the two
    /// cannot disagree: an empty builder (room for `capacity` objects), the
    /// street network, and its segments that can reach the chunk.
    fn start(
        &self,
        coord: ChunkCoord,
        meshes: bool,
        capacity: usize,
    ) -> (Builder, Network<'_>, Vec<Seg>) {
        let size = self.fields.spec.chunk_size;
        let (ox, oz) = coord.origin(size);
        let out = Builder {
            coord,
            origin: DVec2::new(ox, oz),
            rect: [ox, oz, ox + f64::from(size), oz + f64::from(size)],
            seed: self.fields.spec.seed,
            objects: Vec::with_capacity(capacity),
            used: HashSet::with_capacity(capacity),
            meshes,
        };
        let net = Network::new(&self.fields);
        let area = Region::new(
            ox as f32,
            oz as f32,
            (ox + f64::from(size)) as f32,
            (oz + f64::from(size)) as f32,
        );
        let segs = net.segments_near(area, net.block() * 1.5);
        (out, net, segs)
    }

    /// Generates chunk `coord`.
    pub fn generate(&self, coord: ChunkCoord) -> Chunk {
        self.generate_with(coord, true)
    }

    /// Chunk `coord` for physics and sensors only: the same as
    /// [`generate`](Self::generate) (objects, ids, classes, transforms,
    /// physics shapes, heightfield, road graph, provenance) except that every
    /// object's mesh is empty but for its material. A simulator never draws
    /// meshes, and skipping them (terrain normals, road normals and UVs,
    /// water surfaces, copies of prop meshes) makes chunks cheaper.
    pub fn generate_physics(&self, coord: ChunkCoord) -> Chunk {
        self.generate_with(coord, false)
    }

    fn generate_with(&self, coord: ChunkCoord, meshes: bool) -> Chunk {
        let spec = self.fields.spec;
        let size = spec.chunk_size;
        let inputs = StableHasher::new()
            .u64(self.spec_hash)
            .i64(i64::from(coord.x))
            .i64(i64::from(coord.z))
            .str(GENERATOR_VERSION)
            .finish();
        let (mut out, net, segs) = self.start(coord, meshes, 256);
        let terrain = terrain::generate(&self.fields, &mut out, size);
        let roads = streets::generate(&self.fields, &segs, &mut out);
        blocks::generate(&self.fields, &net, &segs, &mut out);
        props::street_props(&self.fields, &segs, &mut out);
        Chunk {
            coord,
            size,
            terrain,
            objects: out.objects,
            roads,
            provenance: vec![Provenance::embedded(
                GENERATOR_NAME,
                GENERATOR_VERSION,
                inputs,
            )],
        }
    }
}

/// Collects a chunk's objects and hands out stable ids.
pub(crate) struct Builder {
    coord: ChunkCoord,
    /// World `(x, z)` of the chunk's north-west corner.
    origin: DVec2,
    /// `[x0, z0, x1, z1]` of the chunk (metres).
    rect: [f64; 4],
    seed: u64,
    objects: Vec<Object>,
    used: HashSet<u32>,
    /// Whether objects keep their meshes (else: material only).
    meshes: bool,
}

impl Builder {
    /// Whether a world point belongs to this chunk (half-open on the far edges).
    pub fn owns(&self, p: DVec2) -> bool {
        p.x >= self.rect[0] && p.x < self.rect[2] && p.y >= self.rect[1] && p.y < self.rect[3]
    }

    /// Adds an object whose id derives from `key` (what it is, not when it was made).
    pub fn push(
        &mut self,
        key: u64,
        class: SemanticClass,
        transform: Transform,
        shape: PhysicsShape,
        mesh: MeshData,
    ) {
        let mesh = if self.meshes { mesh } else { Self::bare(&mesh) };
        let mut local = (sprawl_world::hash::mix64(key ^ self.seed) as u32) & !ObjectId::USER_BIT;
        while !self.used.insert(local) {
            local = (local.wrapping_mul(0x9e37_79b9).wrapping_add(1)) & !ObjectId::USER_BIT;
        }
        self.objects.push(Object {
            id: ObjectId::new(self.coord, local),
            class,
            transform,
            shape,
            mesh,
            provenance: 0,
        });
    }

    /// Whether objects keep their meshes; when not, builders may skip
    /// whatever only the mesh needs (normals, UVs, whole render-only meshes).
    pub fn meshes(&self) -> bool {
        self.meshes
    }

    /// A mesh as a physics-only chunk keeps it: the material alone.
    fn bare(mesh: &MeshData) -> MeshData {
        MeshData {
            material: mesh.material,
            ..MeshData::default()
        }
    }

    /// A copy of a shared mesh for a new object (the material alone when
    /// meshes are off).
    pub fn mesh_of(&self, mesh: &MeshData) -> MeshData {
        if self.meshes {
            mesh.clone()
        } else {
            Self::bare(mesh)
        }
    }

    /// Adds an object whose physics shape is its own triangle mesh.
    pub fn push_trimesh(&mut self, key: u64, class: SemanticClass, mesh: MeshData) {
        let transform = self.chunk_transform();
        if self.meshes {
            let shape = trimesh_of(&mesh);
            self.push(key, class, transform, shape, mesh);
        } else {
            let bare = Self::bare(&mesh);
            let shape = PhysicsShape::TriMesh {
                indices: mesh
                    .indices
                    .chunks_exact(3)
                    .map(|t| [t[0], t[1], t[2]])
                    .collect(),
                vertices: mesh.positions,
            };
            self.push(key, class, transform, shape, bare);
        }
    }

    /// Chunk-origin transform at height 0, for meshes built in chunk-local metres.
    pub fn chunk_transform(&self) -> Transform {
        Transform::from_translation(Vec3::new(self.origin.x as f32, 0.0, self.origin.y as f32))
    }

    /// A world point relative to the chunk origin, with height `y`.
    pub fn local(&self, p: DVec2, y: f64) -> Vec3 {
        Vec3::new(
            (p.x - self.origin.x) as f32,
            y as f32,
            (p.y - self.origin.y) as f32,
        )
    }
}

/// A triangle-mesh physics shape from a render mesh.
pub(crate) fn trimesh_of(mesh: &MeshData) -> PhysicsShape {
    PhysicsShape::TriMesh {
        vertices: mesh.positions.clone(),
        indices: mesh
            .indices
            .chunks_exact(3)
            .map(|t| [t[0], t[1], t[2]])
            .collect(),
    }
}
