//! Turning a chunk into GPU-ready vertex buffers, on a worker thread.
//!
//! A chunk holds about a hundred objects, each with its own small mesh and
//! material. Drawing them one by one would cost thousands of draw calls per
//! square kilometre, which a software rasteriser cannot afford. So a chunk is
//! baked into three merged meshes ([`Layer`]s), with the palette colour of
//! every object in a vertex colour:
//!
//! - [`Layer::Opaque`]: ground, roads, roofs, trees, props (one standard material);
//! - [`Layer::Facade`]: building walls and street lamps, drawn by the window
//!   shader (`shaders/facade.wgsl`); the vertex colour's alpha says which
//!   surface: [`FACADE_WALL`], [`FACADE_CONCRETE`] or [`FACADE_GLASS`] walls,
//!   a [`FACADE_LAMP`] lantern (glows at night) or [`FACADE_PLAIN`] (no windows);
//! - [`Layer::Water`]: rivers, lakes and sea (a glossy material).
//!
//! Distant chunks are baked at a coarser [`Lod`]: a sparser terrain grid and
//! no small props, so that the city reaches the horizon. Each terrain gets a
//! skirt hanging below its edges so that neighbours at different levels of
//! detail show no cracks.
//!
//! Positions are relative to the chunk's north-west corner at height 0 (the
//! chunk entity sits there), which keeps `f32` precise far from the origin.

use sprawl_world::{
    Chunk, Heightfield, Look, MaterialId, MaterialKind, Object, Palette, Season, SemanticClass,
    Weather,
};

/// Level of detail of a baked chunk: 0 is full detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lod {
    /// Everything the generator made.
    Full = 0,
    /// Terrain at half resolution; no lamps, benches or parked cars.
    Mid = 1,
    /// Terrain at a quarter resolution; buildings, roads and water only.
    Far = 2,
}

impl Lod {
    /// All levels, finest first.
    pub const ALL: [Lod; 3] = [Lod::Full, Lod::Mid, Lod::Far];

    /// Terrain grid stride in heightfield cells.
    pub fn terrain_stride(self) -> u32 {
        match self {
            Lod::Full => 1,
            Lod::Mid => 2,
            Lod::Far => 4,
        }
    }

    /// Whether objects of `class` are drawn at this level.
    pub fn keeps(self, class: SemanticClass) -> bool {
        use SemanticClass as C;
        match self {
            Lod::Full => true,
            Lod::Mid => !matches!(class, C::Lamp | C::Bench | C::ParkedCar),
            Lod::Far => !matches!(
                class,
                C::Lamp | C::Bench | C::ParkedCar | C::Tree | C::Sidewalk | C::Prop | C::Agent
            ),
        }
    }
}

/// The three merged meshes of a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Everything with a plain lit material.
    Opaque = 0,
    /// Building walls with windows.
    Facade = 1,
    /// Water surfaces.
    Water = 2,
}

impl Layer {
    /// All layers.
    pub const ALL: [Layer; 3] = [Layer::Opaque, Layer::Facade, Layer::Water];
}

/// Alpha of a façade vertex colour: a plain wall with punched windows.
pub const FACADE_WALL: f32 = 1.0;
/// Alpha of a façade vertex colour: an industrial concrete wall (few, small windows).
pub const FACADE_CONCRETE: f32 = 0.6;
/// Alpha of a façade vertex colour: a glass curtain wall.
pub const FACADE_GLASS: f32 = 0.2;
/// Alpha of a façade vertex colour: a street lamp's lantern, which glows at night.
pub const FACADE_LAMP: f32 = 0.1;
/// Alpha of a façade vertex colour: a plain surface with no windows (a lamp post).
pub const FACADE_PLAIN: f32 = 0.0;

/// How deep terrain skirts hang below the chunk edge (metres).
pub const SKIRT_DEPTH: f32 = 6.0;

/// Vertex buffers of one merged mesh.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshBuffers {
    /// Positions relative to the chunk origin (metres).
    pub positions: Vec<[f32; 3]>,
    /// Unit normals.
    pub normals: Vec<[f32; 3]>,
    /// Surface UVs in metres (what the façade shader measures windows in).
    pub uvs: Vec<[f32; 2]>,
    /// Linear RGBA vertex colours.
    pub colors: Vec<[f32; 4]>,
    /// Triangle list.
    pub indices: Vec<u32>,
}

impl MeshBuffers {
    /// Number of triangles.
    pub fn triangles(&self) -> usize {
        self.indices.len() / 3
    }

    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Axis-aligned bounds `(min, max)`, or `None` when empty.
    pub fn bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        let first = *self.positions.first()?;
        let (mut lo, mut hi) = (first, first);
        for p in &self.positions {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        Some((lo, hi))
    }

    fn vertex(&mut self, p: [f32; 3], n: [f32; 3], uv: [f32; 2], c: [f32; 4]) -> u32 {
        let i = self.positions.len() as u32;
        self.positions.push(p);
        self.normals.push(n);
        self.uvs.push(uv);
        self.colors.push(c);
        i
    }
}

/// A chunk baked for drawing.
#[derive(Debug, Clone, Default)]
pub struct ChunkMeshes {
    /// World position of the chunk origin (its north-west corner, height 0).
    pub origin: [f32; 3],
    /// The merged meshes, indexed by [`Layer`].
    pub layers: [MeshBuffers; 3],
    /// Objects that went into the meshes.
    pub objects: usize,
}

impl ChunkMeshes {
    /// Triangles over all layers.
    pub fn triangles(&self) -> usize {
        self.layers.iter().map(MeshBuffers::triangles).sum()
    }
}

/// What the spec's look does to colours: season and weather.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshStyle {
    /// The world's palette.
    pub palette: Palette,
    /// The world's look (season, weather).
    pub look: Look,
}

impl MeshStyle {
    /// Linear RGB of a material, with season and weather applied.
    pub fn colour(&self, m: MaterialId) -> [f32; 3] {
        let p = &self.palette;
        let pick = |list: &[[f32; 3]], fallback: [f32; 3]| {
            if list.is_empty() {
                fallback
            } else {
                list[usize::from(m.variant) % list.len()]
            }
        };
        let base = match m.kind {
            MaterialKind::Ground => p.ground,
            MaterialKind::Grass => p.grass,
            MaterialKind::Asphalt => p.asphalt,
            MaterialKind::Paving => p.paving,
            MaterialKind::Wall => pick(&p.walls, [0.7, 0.66, 0.6]),
            MaterialKind::Glass => p.glass,
            MaterialKind::Roof => pick(&p.roofs, [0.35, 0.33, 0.32]),
            MaterialKind::Water => p.water,
            MaterialKind::Bark => [0.28, 0.20, 0.14],
            MaterialKind::Foliage => p.foliage,
            MaterialKind::Metal => pick(&p.cars, [0.5, 0.5, 0.5]),
            MaterialKind::Wood => [0.42, 0.30, 0.19],
            MaterialKind::Concrete => [0.56, 0.55, 0.53],
        };
        let snowy = self.look.season == Season::Winter || self.look.weather == Weather::Snow;
        match m.kind {
            MaterialKind::Foliage => match self.look.season {
                Season::Autumn => mix(base, [0.62, 0.30, 0.08], 0.65),
                Season::Winter => mix(base, [0.36, 0.33, 0.30], 0.7),
                Season::Spring => mix(base, [0.35, 0.62, 0.25], 0.3),
                Season::Summer => base,
            },
            MaterialKind::Grass | MaterialKind::Ground | MaterialKind::Roof if snowy => {
                mix(base, [0.86, 0.88, 0.92], 0.7)
            }
            MaterialKind::Grass if self.look.season == Season::Autumn => {
                mix(base, [0.45, 0.42, 0.18], 0.35)
            }
            _ => base,
        }
    }
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A small brightness variation per object, so that a row of identical
/// houses or trees does not look stamped.
fn jitter(seed: u32) -> f32 {
    let h = seed.wrapping_mul(0x9e37_79b9).rotate_left(13) ^ 0x85eb_ca6b;
    let h = h.wrapping_mul(0xc2b2_ae35);
    0.9 + 0.2 * ((h >> 8) as f32 / (1u32 << 24) as f32)
}

/// Which layer an object's mesh goes to, and the alpha of its colour.
pub fn layer_of(class: SemanticClass, material: MaterialId) -> (Layer, f32) {
    match (class, material.kind) {
        (_, MaterialKind::Water) | (SemanticClass::Water, _) => (Layer::Water, 1.0),
        (SemanticClass::Building, MaterialKind::Wall) => (Layer::Facade, FACADE_WALL),
        (SemanticClass::Building, MaterialKind::Concrete) => (Layer::Facade, FACADE_CONCRETE),
        (SemanticClass::Building, MaterialKind::Glass) => (Layer::Facade, FACADE_GLASS),
        // Lamps go with the façades so that their lanterns can glow at night.
        (SemanticClass::Lamp, _) => (Layer::Facade, FACADE_PLAIN),
        _ => (Layer::Opaque, 1.0),
    }
}

/// Bakes `chunk` at `lod`.
pub fn bake(chunk: &Chunk, lod: Lod, style: &MeshStyle) -> ChunkMeshes {
    let (ox, oz) = chunk.coord.origin(chunk.size);
    let origin = [ox as f32, 0.0, oz as f32];
    let mut out = ChunkMeshes {
        origin,
        ..ChunkMeshes::default()
    };
    let mut terrain_material = MaterialId::of(MaterialKind::Ground);
    for object in &chunk.objects {
        if object.class == SemanticClass::Terrain {
            if let Some(m) = object.mesh.material {
                terrain_material = m;
            }
            if lod == Lod::Full {
                out.objects += 1;
                add_object(&mut out, object, style);
            }
            continue;
        }
        if !lod.keeps(object.class) {
            continue;
        }
        out.objects += 1;
        add_object(&mut out, object, style);
    }
    let ground = style.colour(terrain_material);
    let colour = [ground[0], ground[1], ground[2], 1.0];
    let terrain = &mut out.layers[Layer::Opaque as usize];
    if lod != Lod::Full {
        add_terrain_grid(terrain, &chunk.terrain, lod.terrain_stride(), colour);
    }
    add_skirts(terrain, &chunk.terrain, lod.terrain_stride(), colour);
    out
}

/// Appends one object's mesh, transformed into chunk-local metres.
pub fn add_object(out: &mut ChunkMeshes, object: &Object, style: &MeshStyle) {
    let mesh = &object.mesh;
    if mesh.is_empty() || mesh.validate().is_err() || !object.transform.is_finite() {
        return;
    }
    let material = mesh
        .material
        .unwrap_or(MaterialId::of(MaterialKind::Concrete));
    let (layer, alpha) = layer_of(object.class, material);
    let base = style.colour(material);
    let j = if matches!(object.class, SemanticClass::Terrain | SemanticClass::Water) {
        1.0
    } else {
        jitter(object.id.local ^ (object.id.chunk.x as u32).rotate_left(7))
    };
    let colour = [base[0] * j, base[1] * j, base[2] * j, alpha];
    let bark = style.colour(MaterialId::of(MaterialKind::Bark));
    let bark = [bark[0], bark[1], bark[2], 1.0];
    let t = object.transform;
    let origin = glam::Vec3::from(out.origin);
    let inv_scale = glam::Vec3::ONE / t.scale;
    let buf = &mut out.layers[layer as usize];
    let skip_roof_faces = object.class == SemanticClass::Building;
    let first = buf.positions.len() as u32;
    let mut remap: Vec<u32> = Vec::with_capacity(mesh.positions.len());
    for ((p, n), uv) in mesh.positions.iter().zip(&mesh.normals).zip(&mesh.uvs) {
        let world = t.apply(glam::Vec3::from(*p)) - origin;
        let normal = (t.rotation * (glam::Vec3::from(*n) * inv_scale)).normalize_or_zero();
        // The tree mesh is one material; its trunk is the part below the crown.
        // A lamp's lantern is the wide box at the top of its arm (see
        // `lamp_mesh` in sprawl-gen: 0.44 m wide at 5.75–5.95 m; the arm is 0.12 m wide).
        let c = if object.class == SemanticClass::Tree && p[1] < 1.85 {
            bark
        } else if object.class == SemanticClass::Lamp && p[0].abs() > 0.15 && p[1] > 5.5 {
            [1.0, 0.93, 0.8, FACADE_LAMP]
        } else {
            colour
        };
        remap.push(buf.vertex(world.to_array(), normal.to_array(), *uv, c));
    }
    debug_assert_eq!(remap.first().copied().unwrap_or(first), first);
    for tri in mesh.indices.chunks_exact(3) {
        let [a, b, c] = [tri[0], tri[1], tri[2]].map(|i| remap[i as usize]);
        // A building's flat top lies exactly under its roof object: drawing
        // both would flicker (and cost triangles).
        if skip_roof_faces {
            let up = (0..3).all(|k| buf.normals[[a, b, c][k] as usize][1] > 0.99);
            if up {
                continue;
            }
        }
        buf.indices.extend_from_slice(&[a, b, c]);
    }
}

/// Terrain as a regular grid taking every `stride`-th heightfield sample.
pub fn add_terrain_grid(buf: &mut MeshBuffers, field: &Heightfield, stride: u32, colour: [f32; 4]) {
    let cells = (field.samples - 1) / stride;
    if cells == 0 {
        return;
    }
    let step = field.step() * stride as f32;
    let n = cells + 1;
    let base = buf.positions.len() as u32;
    let h = |c: u32, r: u32| {
        field.at(
            (c * stride).min(field.samples - 1),
            (r * stride).min(field.samples - 1),
        )
    };
    for r in 0..n {
        for c in 0..n {
            let (cl, cr) = (c.saturating_sub(1), (c + 1).min(n - 1));
            let (ru, rd) = (r.saturating_sub(1), (r + 1).min(n - 1));
            let dx = (h(cr, r) - h(cl, r)) / ((cr - cl) as f32 * step);
            let dz = (h(c, rd) - h(c, ru)) / ((rd - ru) as f32 * step);
            let nrm = glam::Vec3::new(-dx, 1.0, -dz).normalize();
            let (x, z) = (c as f32 * step, r as f32 * step);
            buf.vertex([x, h(c, r), z], nrm.to_array(), [x, z], colour);
        }
    }
    for r in 0..cells {
        for c in 0..cells {
            let i = base + r * n + c;
            buf.indices
                .extend_from_slice(&[i, i + n, i + 1, i + 1, i + n, i + n + 1]);
        }
    }
}

/// The `(col, row)` of the k-th sample along a chunk edge, given the last index.
type EdgeSample = fn(u32, u32) -> (u32, u32);

/// Vertical strips hanging [`SKIRT_DEPTH`] below each chunk edge, facing out.
pub fn add_skirts(buf: &mut MeshBuffers, field: &Heightfield, stride: u32, colour: [f32; 4]) {
    let last = field.samples - 1;
    let cells = last / stride;
    if cells == 0 {
        return;
    }
    let step = field.step();
    // Each edge: which sample is k-th along it, its outward normal, and
    // whether the winding must flip to face outwards.
    let edges: [(EdgeSample, [f32; 3], bool); 4] = [
        (|k, _| (k, 0), [0.0, 0.0, -1.0], false),
        (|k, last| (k, last), [0.0, 0.0, 1.0], true),
        (|k, _| (0, k), [-1.0, 0.0, 0.0], true),
        (|k, last| (last, k), [1.0, 0.0, 0.0], false),
    ];
    for (at, normal, flip) in edges {
        for k in 0..cells {
            let (c0, r0) = at(k * stride, last);
            let (c1, r1) = at(((k + 1) * stride).min(last), last);
            let (x0, z0, y0) = (c0 as f32 * step, r0 as f32 * step, field.at(c0, r0));
            let (x1, z1, y1) = (c1 as f32 * step, r1 as f32 * step, field.at(c1, r1));
            let a = buf.vertex([x0, y0, z0], normal, [0.0, 0.0], colour);
            let b = buf.vertex([x1, y1, z1], normal, [1.0, 0.0], colour);
            let c = buf.vertex([x1, y1 - SKIRT_DEPTH, z1], normal, [1.0, 1.0], colour);
            let d = buf.vertex([x0, y0 - SKIRT_DEPTH, z0], normal, [0.0, 1.0], colour);
            if flip {
                buf.indices.extend_from_slice(&[a, b, c, a, c, d]);
            } else {
                buf.indices.extend_from_slice(&[a, c, b, a, d, c]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprawl_world::{ChunkCoord, WorldSpec};

    fn style(spec: &WorldSpec) -> MeshStyle {
        MeshStyle {
            palette: spec.palette.clone(),
            look: spec.look,
        }
    }

    #[test]
    fn coarser_levels_have_fewer_triangles_and_valid_indices() {
        let spec = WorldSpec::default();
        let chunk = sprawl_gen::generate_chunk(&spec, ChunkCoord::new(0, 0));
        let mut last = usize::MAX;
        for lod in Lod::ALL {
            let baked = bake(&chunk, lod, &style(&spec));
            for layer in &baked.layers {
                let n = layer.positions.len();
                assert_eq!(layer.normals.len(), n);
                assert_eq!(layer.uvs.len(), n);
                assert_eq!(layer.colors.len(), n);
                assert!(layer.indices.iter().all(|&i| (i as usize) < n));
                assert!(layer.positions.iter().flatten().all(|v| v.is_finite()));
            }
            let t = baked.triangles();
            assert!(t > 0, "{lod:?} is empty");
            assert!(t < last, "{lod:?} has {t} triangles, not fewer than {last}");
            last = t;
        }
    }

    #[test]
    fn positions_are_chunk_local() {
        let spec = WorldSpec::default();
        let chunk = sprawl_gen::generate_chunk(&spec, ChunkCoord::new(-3, 5));
        let baked = bake(&chunk, Lod::Full, &style(&spec));
        let (lo, hi) = baked.layers[Layer::Opaque as usize].bounds().unwrap();
        // Roads and props near an edge may overhang; nothing is a whole chunk away.
        assert!(lo[0] > -64.0 && lo[2] > -64.0, "{lo:?}");
        assert!(hi[0] < 192.0 && hi[2] < 192.0, "{hi:?}");
        assert_eq!(baked.origin, [-384.0, 0.0, 640.0]);
    }

    #[test]
    fn lamp_lanterns_are_marked_to_glow_and_posts_get_no_windows() {
        let spec = WorldSpec::default();
        let chunk = sprawl_gen::generate_chunk(&spec, ChunkCoord::new(0, 0));
        let lamps: Vec<&Object> = chunk
            .objects
            .iter()
            .filter(|o| o.class == SemanticClass::Lamp)
            .collect();
        assert!(!lamps.is_empty(), "the test chunk has no lamps");
        let mut out = ChunkMeshes {
            origin: [0.0; 3],
            ..ChunkMeshes::default()
        };
        add_object(&mut out, lamps[0], &style(&spec));
        let facade = &out.layers[Layer::Facade as usize];
        assert!(out.layers[Layer::Opaque as usize].is_empty());
        let lantern: Vec<_> = facade
            .positions
            .iter()
            .zip(&facade.colors)
            .filter(|(_, c)| c[3] == FACADE_LAMP)
            .collect();
        let post = facade
            .colors
            .iter()
            .filter(|c| c[3] == FACADE_PLAIN)
            .count();
        // The lantern's box (8 corners, or 24 with split normals) at the top.
        assert!(matches!(lantern.len(), 8 | 24), "{}", lantern.len());
        assert!(post >= lantern.len(), "{post} post vertices");
        let base = lamps[0].transform.translation.y;
        assert!(lantern.iter().all(|(p, _)| p[1] - base > 5.5));
    }

    #[test]
    fn autumn_turns_leaves() {
        let spec = WorldSpec::default();
        let mut s = style(&spec);
        let summer = s.colour(MaterialId::of(MaterialKind::Foliage));
        s.look.season = Season::Autumn;
        let autumn = s.colour(MaterialId::of(MaterialKind::Foliage));
        assert!(autumn[0] > summer[0] + 0.2);
    }
}

/// `cargo test -p sprawl-viewer --release -- --ignored --nocapture
/// print_triangles` prints what each level costs, per chunk and class.
#[cfg(test)]
mod triangle_budget {
    use super::*;
    use sprawl_world::{ChunkCoord, WorldSpec};

    #[test]
    #[ignore = "prints figures"]
    fn print_triangles_per_level() {
        let spec = sprawl_gen::prompt::interpret_prompt(
            "dense downtown of glass towers by a river, hills to the north, autumn afternoon",
            &WorldSpec::default(),
        )
        .unwrap()
        .spec;
        let style = MeshStyle {
            palette: spec.palette.clone(),
            look: spec.look,
        };
        for lod in Lod::ALL {
            let mut t = [0usize; 3];
            let mut by_class = std::collections::BTreeMap::new();
            for x in -4..4 {
                for z in -4..4 {
                    let c = sprawl_gen::generate_chunk(&spec, ChunkCoord::new(x, z));
                    let b = bake(&c, lod, &style);
                    for (n, layer) in t.iter_mut().zip(&b.layers) {
                        *n += layer.triangles();
                    }
                    for o in &c.objects {
                        if lod.keeps(o.class) {
                            *by_class.entry(o.class.name()).or_insert(0) += o.mesh.triangle_count();
                        }
                    }
                }
            }
            println!(
                "{lod:?}: per chunk opaque {} facade {} water {}; by class {:?}",
                t[0] / 64,
                t[1] / 64,
                t[2] / 64,
                by_class
                    .iter()
                    .map(|(k, v)| (k, v / 64))
                    .collect::<Vec<_>>()
            );
        }
    }
}
