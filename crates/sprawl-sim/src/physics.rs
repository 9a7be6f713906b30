//! The static world in rapier3d: one collider per object shape of every
//! loaded chunk, in three bounding-volume trees that scene queries run over.
//!
//! Nothing in the city moves under physics (agents and traffic are kinematic
//! models that query the world), so no rapier pipeline is stepped: colliders
//! are inserted when a chunk loads and removed when it drops, and the trees
//! are only touched then. Queries use rapier's [`QueryPipeline`] over our
//! own trees: `all` (sensors, the pedestrian's character controller),
//! `ground` (terrain, roads, sidewalks, bridges: what wheels and feet stand
//! on) and `solid` (everything else: buildings, roofs, trees, lamps,
//! benches, parked cars, props: what vehicles crash into).

use glam::{Quat, Vec3};
use rapier3d::dynamics::{IslandManager, RigidBodySet};
use rapier3d::geometry::{Collider, ColliderBuilder, ColliderHandle, ColliderSet, Ray};
use rapier3d::math::{Pose, Rotation, Vector};
use rapier3d::parry::partitioning::Bvh;
use rapier3d::parry::query::{DefaultQueryDispatcher, ShapeCastHit, ShapeCastOptions};
use rapier3d::parry::shape::Shape;
use rapier3d::parry::utils::Array2;
use rapier3d::pipeline::{QueryFilter, QueryPipeline};
use rapier3d::prelude::SoftBodySet;
use sprawl_world::geom::ray_triangle;
use sprawl_world::{Chunk, Object, PhysicsShape, SemanticClass};

/// Converts a workspace (glam 0.32) vector to rapier's (glam 0.33).
#[inline]
pub(crate) fn rv(v: Vec3) -> Vector {
    Vector::new(v.x, v.y, v.z)
}

/// Converts a rapier vector to the workspace's.
#[inline]
pub(crate) fn gv(v: Vector) -> Vec3 {
    Vec3::new(v.x, v.y, v.z)
}

/// Converts a workspace quaternion to rapier's rotation.
#[inline]
pub(crate) fn rq(q: Quat) -> Rotation {
    Rotation::from_xyzw(q.x, q.y, q.z, q.w)
}

/// A rapier pose from a workspace translation and rotation.
#[inline]
pub(crate) fn pose(t: Vec3, q: Quat) -> Pose {
    Pose::from_parts(rv(t), rq(q))
}

/// The class stored in a collider's user data.
#[inline]
pub(crate) fn class_of(c: &Collider) -> SemanticClass {
    let id = (c.user_data & 0xff) as u8;
    SemanticClass::ALL[usize::from(id.saturating_sub(1)).min(SemanticClass::ALL.len() - 1)]
}

/// Whether a class is something to stand or drive on.
pub(crate) fn is_ground(class: SemanticClass) -> bool {
    matches!(
        class,
        SemanticClass::Terrain
            | SemanticClass::Road
            | SemanticClass::Sidewalk
            | SemanticClass::Bridge
            | SemanticClass::Park
            | SemanticClass::Water
    )
}

/// Which tree a query runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    /// Everything.
    All,
    /// Surfaces to stand or drive on.
    Ground,
    /// Everything else.
    Solid,
}

/// A leaf's geometry in a form that rays test quickly; parry's general
/// ray casts (GJK for convex hulls) are several times slower.
#[derive(Clone, Default)]
enum Fast {
    /// No fast path: ask the collider's shape.
    #[default]
    Shape,
    /// An oriented box: world → box rotation, centre, half extents.
    Box { inv: Quat, centre: Vec3, half: Vec3 },
    /// A convex hull as the planes `n·x ≤ d` of its faces (world space).
    Hull(Box<[[f32; 4]]>),
    /// An axis-aligned heightfield, marched cell by cell.
    Terrain(Box<Terrain>),
    /// A triangle mesh (roads, sidewalks, bridges) in a grid of plan cells.
    Mesh(Box<Mesh>),
}

/// A triangle mesh in world space, its triangles listed in the square grid
/// of plan cells their bounds touch, so that a ray tests only the triangles
/// of the cells it crosses, nearest cell first. Building it is a pass over
/// the triangles (parry's trimesh builds a tree, several times slower).
#[derive(Clone)]
struct Mesh {
    tris: Box<[[Vec3; 3]]>,
    /// World `(x, z)` of the grid's corner (metres).
    x0: f32,
    z0: f32,
    /// Cell size (metres) and cells per side.
    cell: f32,
    n: usize,
    /// Triangles of cell `r * n + c`: `items[start[i]..start[i + 1]]`.
    start: Box<[u32]>,
    items: Box<[u32]>,
    /// Lowest and highest point of the triangles listed in each cell, so
    /// that rays passing above or below a cell skip it.
    span_y: Box<[(f32, f32)]>,
}

/// Cell size of a mesh's grid (metres), grown for very large meshes.
const MESH_CELL: f32 = 4.0;
/// Most cells per side of a mesh's grid.
const MESH_CELLS: usize = 128;

impl Mesh {
    fn new(tris: Vec<[Vec3; 3]>) -> Option<Self> {
        let (mut lo, mut hi) = (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN));
        for t in &tris {
            for p in t {
                lo = lo.min(*p);
                hi = hi.max(*p);
            }
        }
        if tris.is_empty() || !(lo.is_finite() && hi.is_finite()) {
            return None;
        }
        let extent = (hi.x - lo.x).max(hi.z - lo.z).max(1e-3);
        let cell = MESH_CELL.max(extent / MESH_CELLS as f32);
        let n = ((extent / cell).ceil() as usize).clamp(1, MESH_CELLS);
        let cell_of =
            |v: f32, o: f32| (((v - o) / cell).floor() as i64).clamp(0, n as i64 - 1) as usize;
        // Cells each triangle's bounds touch, and its height range.
        let spans: Vec<([usize; 4], f32, f32)> = tris
            .iter()
            .map(|t| {
                let (a, b) = (t[0].min(t[1]).min(t[2]), t[0].max(t[1]).max(t[2]));
                (
                    [
                        cell_of(a.x, lo.x),
                        cell_of(b.x, lo.x),
                        cell_of(a.z, lo.z),
                        cell_of(b.z, lo.z),
                    ],
                    a.y,
                    b.y,
                )
            })
            .collect();
        let mut count = vec![0u32; n * n + 1];
        let mut span_y = vec![(f32::MAX, f32::MIN); n * n];
        for ([c0, c1, r0, r1], y0, y1) in &spans {
            for r in *r0..=*r1 {
                for c in *c0..=*c1 {
                    count[r * n + c + 1] += 1;
                    let s = &mut span_y[r * n + c];
                    *s = (s.0.min(*y0), s.1.max(*y1));
                }
            }
        }
        for i in 0..n * n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut items = vec![0u32; count[n * n] as usize];
        for (k, ([c0, c1, r0, r1], _, _)) in spans.iter().enumerate() {
            for r in *r0..=*r1 {
                for c in *c0..=*c1 {
                    items[fill[r * n + c] as usize] = k as u32;
                    fill[r * n + c] += 1;
                }
            }
        }
        Some(Self {
            tris: tris.into_boxed_slice(),
            x0: lo.x,
            z0: lo.z,
            cell,
            n,
            start: count.into_boxed_slice(),
            items: items.into_boxed_slice(),
            span_y: span_y.into_boxed_slice(),
        })
    }

    /// Nearest hit of a ray (unit `d`) within `max`, either side of a triangle.
    fn ray(&self, o: Vec3, d: Vec3, max: f32) -> Option<f32> {
        let size = self.cell * self.n as f32;
        let p = (o.x - self.x0, o.z - self.z0);
        let (t0, t1) = clip_to_square(p, (d.x, d.z), size, max)?;
        march(p, (d.x, d.z), t0, t1, self.cell, self.n, |c, r, ta, tb| {
            let i = r * self.n + c;
            let (y0, y1) = self.span_y[i];
            let (ya, yb) = (o.y + d.y * ta, o.y + d.y * tb.min(max));
            if ya.min(yb) > y1 + 1e-3 || ya.max(yb) < y0 - 1e-3 {
                return None;
            }
            let mut best: Option<f32> = None;
            for &k in &self.items[self.start[i] as usize..self.start[i + 1] as usize] {
                let [a, b, cc] = self.tris[k as usize];
                if let Some(t) = ray_triangle(o, d, a, b, cc, 0.0)
                    && t <= max
                    && best.is_none_or(|x| t < x)
                {
                    best = Some(t);
                }
            }
            // A hit beyond this cell is found again, in order, in its own cell.
            best.filter(|t| *t <= tb + 1e-4)
        })
    }
}

/// Cells of a heightfield per coarse block.
const BLOCK: usize = 4;
/// Blocks of a heightfield per side of its coarsest squares.
const SUPER: usize = 4;

/// A heightfield in the world frame with per-cell and per-block maxima, so
/// that a ray skips the stretches it passes above. Same triangles as
/// parry's heightfield (each cell split between its (x0, z1) and (x1, z0) corners).
#[derive(Clone)]
struct Terrain {
    /// World `(x, z)` of sample (0, 0) (metres).
    x0: f32,
    z0: f32,
    /// Base height added to every sample (metres).
    y0: f32,
    /// Cell size (metres).
    step: f32,
    /// Cells per side.
    n: usize,
    /// Samples, row-major, `(n + 1)²`.
    h: Box<[f32]>,
    /// Highest corner of each cell, row-major `n²`.
    cell_max: Box<[f32]>,
    /// Highest sample of each block of `BLOCK × BLOCK` cells.
    block_max: Box<[f32]>,
    blocks: usize,
    /// Highest sample of each square of `SUPER × SUPER` blocks.
    super_max: Box<[f32]>,
    supers: usize,
}

/// Walks the cells of a square grid (`n × n` cells of `cell` metres from
/// the origin) that a plan ray `p + t·d` crosses for `t` in `t0..t1`,
/// calling `f(col, row, ta, tb)`; stops at the first `Some`.
#[inline]
fn march<T>(
    p: (f32, f32),
    d: (f32, f32),
    t0: f32,
    t1: f32,
    cell: f32,
    n: usize,
    mut f: impl FnMut(usize, usize, f32, f32) -> Option<T>,
) -> Option<T> {
    let (x, z) = (p.0 + d.0 * t0, p.1 + d.1 * t0);
    let last = n as i64 - 1;
    let mut ix = ((x / cell).floor() as i64).clamp(0, last);
    let mut iz = ((z / cell).floor() as i64).clamp(0, last);
    let axis = |pos: f32, dir: f32, i: i64| -> (i64, f32, f32) {
        if dir > 1e-12 {
            (1, t0 + ((i + 1) as f32 * cell - pos) / dir, cell / dir)
        } else if dir < -1e-12 {
            (-1, t0 + (i as f32 * cell - pos) / dir, -cell / dir)
        } else {
            (0, f32::INFINITY, f32::INFINITY)
        }
    };
    let (sx, mut tx, dx) = axis(x, d.0, ix);
    let (sz, mut tz, dz) = axis(z, d.1, iz);
    let mut t = t0;
    loop {
        let tn = tx.min(tz).min(t1);
        if let Some(hit) = f(ix as usize, iz as usize, t, tn) {
            return Some(hit);
        }
        if tn >= t1 {
            return None;
        }
        if tx < tz {
            ix += sx;
            tx += dx;
        } else {
            iz += sz;
            tz += dz;
        }
        if ix < 0 || iz < 0 || ix > last || iz > last {
            return None;
        }
        t = tn;
    }
}

impl Terrain {
    fn new(x0: f32, y0: f32, z0: f32, size: f32, samples: usize, heights: &[f32]) -> Self {
        let n = samples - 1;
        let at = |c: usize, r: usize| heights[r * samples + c];
        let mut cell_max = vec![0.0; n * n];
        for r in 0..n {
            for c in 0..n {
                cell_max[r * n + c] = at(c, r)
                    .max(at(c + 1, r))
                    .max(at(c, r + 1))
                    .max(at(c + 1, r + 1));
            }
        }
        let blocks = n.div_ceil(BLOCK);
        let mut block_max = vec![f32::MIN; blocks * blocks];
        for r in 0..n {
            for c in 0..n {
                let b = (r / BLOCK) * blocks + c / BLOCK;
                block_max[b] = block_max[b].max(cell_max[r * n + c]);
            }
        }
        let supers = blocks.div_ceil(SUPER);
        let mut super_max = vec![f32::MIN; supers * supers];
        for r in 0..blocks {
            for c in 0..blocks {
                let b = (r / SUPER) * supers + c / SUPER;
                super_max[b] = super_max[b].max(block_max[r * blocks + c]);
            }
        }
        Self {
            x0,
            z0,
            y0,
            step: size / n as f32,
            n,
            h: heights.into(),
            cell_max: cell_max.into(),
            block_max: block_max.into(),
            blocks,
            super_max: super_max.into(),
            supers,
        }
    }

    fn ray(&self, o: Vec3, d: Vec3, max: f32) -> Option<f32> {
        let size = self.step * self.n as f32;
        let p = (o.x - self.x0, o.z - self.z0);
        let ly = o.y - self.y0;
        let (t0, t1) = clip_to_square(p, (d.x, d.z), size, max)?;
        let y_min = |ta: f32, tb: f32| (ly + d.y * ta).min(ly + d.y * tb);
        let n = self.n;
        let w = n + 1;
        let block = self.step * BLOCK as f32;
        let cells = |ta: f32, tb: f32| {
            march(
                p,
                (d.x, d.z),
                ta,
                tb,
                block,
                self.blocks,
                |bc, br, ta, tb| {
                    if y_min(ta, tb) > self.block_max[br * self.blocks + bc] {
                        return None;
                    }
                    march(p, (d.x, d.z), ta, tb, self.step, n, |c, r, ca, cb| {
                        if y_min(ca, cb) > self.cell_max[r * n + c] {
                            return None;
                        }
                        let (x0, x1) = (c as f32 * self.step, (c + 1) as f32 * self.step);
                        let (z0, z1) = (r as f32 * self.step, (r + 1) as f32 * self.step);
                        let p00 = Vec3::new(x0, self.h[r * w + c], z0);
                        let p01 = Vec3::new(x1, self.h[r * w + c + 1], z0);
                        let p10 = Vec3::new(x0, self.h[(r + 1) * w + c], z1);
                        let p11 = Vec3::new(x1, self.h[(r + 1) * w + c + 1], z1);
                        let lo = Vec3::new(p.0, ly, p.1);
                        let a = ray_triangle(lo, d, p00, p10, p01, 0.0);
                        let b = ray_triangle(lo, d, p10, p11, p01, 0.0);
                        match (a, b) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        }
                        .filter(|t| *t <= max)
                    })
                },
            )
        };
        // Squares of blocks first: a ray above a whole square skips it at once.
        march(
            p,
            (d.x, d.z),
            t0,
            t1,
            block * SUPER as f32,
            self.supers,
            |sc, sr, ta, tb| {
                if y_min(ta, tb) > self.super_max[sr * self.supers + sc] {
                    return None;
                }
                cells(ta, tb)
            },
        )
    }
}

/// The static colliders of the loaded chunks.
pub(crate) struct Statics {
    colliders: ColliderSet,
    bodies: RigidBodySet,
    islands: IslandManager,
    soft: SoftBodySet,
    all: Bvh,
    ground: Bvh,
    solid: Bvh,
    /// Props that physics may move (see [`crate::props`]).
    dynamic: Bvh,
    /// Per leaf (collider index): fast geometry, class id, bounds and the
    /// trees it is in ([`IN_GROUND`], [`IN_SOLID`], [`IN_DYNAMIC`]).
    fast: Vec<Fast>,
    class: Vec<u8>,
    bounds: Vec<(Vec3, Vec3)>,
    trees: Vec<u8>,
    /// Index of each leaf's object in its chunk.
    object: Vec<u32>,
    /// Bumped by every change, so that callers can cache query results.
    version: u64,
}

/// A leaf is in the `ground` tree.
const IN_GROUND: u8 = 1;
/// A leaf is in the `solid` tree.
const IN_SOLID: u8 = 2;
/// A leaf is in the `dynamic` tree.
const IN_DYNAMIC: u8 = 4;
/// A mesh whose collider is a box placeholder (see [`Statics::add_chunk`]).
const LAZY_MESH: u8 = 8;

impl Default for Statics {
    fn default() -> Self {
        Self {
            colliders: ColliderSet::new(),
            bodies: RigidBodySet::new(),
            islands: IslandManager::new(),
            soft: SoftBodySet::new(),
            all: Bvh::new(),
            ground: Bvh::new(),
            solid: Bvh::new(),
            dynamic: Bvh::new(),
            fast: Vec::new(),
            class: Vec::new(),
            bounds: Vec::new(),
            trees: Vec::new(),
            object: Vec::new(),
            version: 0,
        }
    }
}

/// The part `t0..t1` of the ray `max` long that lies over the square
/// `0..size` × `0..size` in plan, for a ray starting at `p` (x, z, relative
/// to the square's corner, metres) along `d` (its x and z); `None` if it
/// never does.
#[inline]
fn clip_to_square(p: (f32, f32), d: (f32, f32), size: f32, max: f32) -> Option<(f32, f32)> {
    let (mut t0, mut t1) = (0.0f32, max);
    for (pos, dir) in [(p.0, d.0), (p.1, d.1)] {
        if dir.abs() < 1e-12 {
            if pos < 0.0 || pos > size {
                return None;
            }
        } else {
            let (a, b) = ((0.0 - pos) / dir, (size - pos) / dir);
            t0 = t0.max(a.min(b));
            t1 = t1.min(a.max(b));
        }
    }
    if t0 > t1 { None } else { Some((t0, t1)) }
}

/// Ray against an oriented box; entry distance (0 from inside) if within `max`.
#[inline]
fn ray_box(inv: Quat, centre: Vec3, half: Vec3, o: Vec3, d: Vec3, max: f32) -> Option<f32> {
    let lo = inv * (o - centre);
    let ld = inv * d;
    let mut t0 = 0.0f32;
    let mut t1 = max;
    for k in 0..3 {
        let (o, d, h) = (lo[k], ld[k], half[k]);
        if d.abs() < 1e-12 {
            if o.abs() > h {
                return None;
            }
        } else {
            let inv = 1.0 / d;
            let (a, b) = ((-h - o) * inv, (h - o) * inv);
            t0 = t0.max(a.min(b));
            t1 = t1.min(a.max(b));
            if t0 > t1 {
                return None;
            }
        }
    }
    Some(t0)
}

/// Ray against a convex hull given by face planes.
#[inline]
fn ray_hull(planes: &[[f32; 4]], o: Vec3, d: Vec3, max: f32) -> Option<f32> {
    let mut t0 = 0.0f32;
    let mut t1 = max;
    for p in planes {
        let n = Vec3::new(p[0], p[1], p[2]);
        let dist = p[3] - n.dot(o);
        let nd = n.dot(d);
        if nd.abs() < 1e-12 {
            if dist < 0.0 {
                return None;
            }
        } else {
            let t = dist / nd;
            if nd < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    Some(t0)
}

fn fast_of(c: &Collider, o: Option<&Object>) -> Fast {
    if let Some(o) = o
        && let PhysicsShape::Heightfield {
            rows,
            cols,
            size,
            heights,
        } = &o.shape
    {
        let t = o.transform;
        let plain = t.rotation == Quat::IDENTITY && t.scale == Vec3::ONE;
        if plain && rows == cols && size[0] == size[1] && *rows >= 2 {
            return Fast::Terrain(Box::new(Terrain::new(
                t.translation.x,
                t.translation.y,
                t.translation.z,
                size[0],
                *rows as usize,
                heights,
            )));
        }
    }
    if let Some(o) = o
        && let PhysicsShape::TriMesh { vertices, indices } = &o.shape
    {
        let t = o.transform;
        let world: Vec<Vec3> = vertices
            .iter()
            .map(|v| t.translation + t.rotation * (Vec3::from(*v) * t.scale))
            .collect();
        let tris = indices
            .iter()
            .map(|[a, b, c]| [world[*a as usize], world[*b as usize], world[*c as usize]])
            .collect();
        if let Some(m) = Mesh::new(tris) {
            return Fast::Mesh(Box::new(m));
        }
    }
    let pos = c.position();
    let rot = Quat::from_xyzw(
        pos.rotation.x,
        pos.rotation.y,
        pos.rotation.z,
        pos.rotation.w,
    );
    let t = gv(pos.translation);
    if let Some(b) = c.shape().as_cuboid() {
        return Fast::Box {
            inv: rot.inverse(),
            centre: t,
            half: gv(b.half_extents),
        };
    }
    if let Some(h) = c.shape().as_convex_polyhedron() {
        let pts = h.points();
        let adj = h.vertices_adj_to_face();
        let planes: Vec<[f32; 4]> = h
            .faces()
            .iter()
            .filter_map(|f| {
                let first = *adj.get(f.first_vertex_or_edge as usize)? as usize;
                let n = rot * gv(f.normal);
                let p = rot * gv(*pts.get(first)?) + t;
                Some([n.x, n.y, n.z, n.dot(p)])
            })
            .collect();
        if !planes.is_empty() {
            return Fast::Hull(planes.into_boxed_slice());
        }
    }
    Fast::Shape
}

impl Statics {
    /// Adds the colliders of every shaped object of `chunk`; returns their
    /// handles in `out`. With `dynamic_props`, props that physics may move
    /// ([`crate::props::movable`]) also go to `movable` as (object index,
    /// handle), into the dynamic tree, and light ones leave the solid tree
    /// (vehicles push them instead of crashing).
    ///
    /// With `lazy_meshes`, triangle meshes (roads, sidewalks, bridges: all
    /// ground) get box placeholders for shape queries (see [`collider_of`]);
    /// only a world without agents that run shape queries against the
    /// ground (pedestrians, drones) may ask for that.
    pub fn add_chunk(
        &mut self,
        chunk: &Chunk,
        dynamic_props: bool,
        lazy_meshes: bool,
        out: &mut Vec<ColliderHandle>,
        movable: &mut Vec<(usize, ColliderHandle)>,
    ) {
        for (i, o) in chunk.objects.iter().enumerate() {
            let lazy = lazy_meshes && matches!(o.shape, PhysicsShape::TriMesh { .. });
            if let Some(c) = collider_of(o, lazy) {
                let mass = if dynamic_props {
                    crate::props::movable(o)
                } else {
                    None
                };
                let mut trees = if is_ground(o.class) {
                    IN_GROUND
                } else {
                    IN_SOLID
                };
                if let Some(m) = mass {
                    trees |= IN_DYNAMIC;
                    if m < crate::props::LIGHT_KG {
                        trees &= !IN_SOLID;
                    }
                }
                if lazy {
                    trees |= LAZY_MESH;
                }
                let h = self.insert(c, Some(o), o.class, trees);
                self.object[h.into_raw_parts().0 as usize] = i as u32;
                if mass.is_some() {
                    movable.push((i, h));
                }
                out.push(h);
            }
        }
    }

    /// Inserts one collider into the trees named by `trees`.
    pub fn insert(
        &mut self,
        c: Collider,
        o: Option<&Object>,
        class: SemanticClass,
        trees: u8,
    ) -> ColliderHandle {
        self.version += 1;
        let aabb = c.compute_aabb();
        let h = self.colliders.insert(c);
        let leaf = h.into_raw_parts().0;
        let k = leaf as usize;
        if self.fast.len() <= k {
            self.fast.resize(k + 1, Fast::Shape);
            self.class.resize(k + 1, 0);
            self.bounds.resize(k + 1, (Vec3::ZERO, Vec3::ZERO));
            self.trees.resize(k + 1, 0);
            self.object.resize(k + 1, 0);
        }
        self.bounds[k] = (gv(aabb.mins), gv(aabb.maxs));
        self.fast[k] = fast_of(&self.colliders[h], o);
        self.class[k] = class.id();
        self.trees[k] = trees;
        self.all.insert(aabb, leaf);
        if trees & IN_GROUND != 0 {
            self.ground.insert(aabb, leaf);
        }
        if trees & IN_SOLID != 0 {
            self.solid.insert(aabb, leaf);
        }
        if trees & IN_DYNAMIC != 0 {
            self.dynamic.insert(aabb, leaf);
        }
        h
    }

    /// A thrown body's collider: in the solid (when `heavy`) and dynamic trees.
    pub fn insert_thrown(&mut self, c: Collider, heavy: bool) -> ColliderHandle {
        let trees = IN_DYNAMIC | if heavy { IN_SOLID } else { 0 };
        self.insert(c, None, SemanticClass::Prop, trees)
    }

    /// Moves a collider to `pos` (world frame), updating its trees and fast geometry.
    pub fn set_pose(&mut self, h: ColliderHandle, pos: Pose) {
        let Some(c) = self.colliders.get_mut(h) else {
            return;
        };
        c.set_position(pos);
        self.version += 1;
        let aabb = c.compute_aabb();
        let leaf = h.into_raw_parts().0;
        let k = leaf as usize;
        self.fast[k] = fast_of(&self.colliders[h], None);
        self.bounds[k] = (gv(aabb.mins), gv(aabb.maxs));
        let trees = self.trees[k];
        for (bit, bvh) in [
            (0xff, &mut self.all),
            (IN_GROUND, &mut self.ground),
            (IN_SOLID, &mut self.solid),
            (IN_DYNAMIC, &mut self.dynamic),
        ] {
            if trees & bit != 0 {
                bvh.remove(leaf);
                bvh.insert(aabb, leaf);
            }
        }
    }

    /// Whether a collider is a movable prop that vehicles and feet pass through.
    #[inline]
    pub fn is_light_prop(&self, h: ColliderHandle) -> bool {
        let t = self.trees[h.into_raw_parts().0 as usize];
        t & IN_DYNAMIC != 0 && t & IN_SOLID == 0
    }

    /// Whether a collider is a box placeholder for a triangle mesh, and the
    /// index of its object in its chunk (to build the real one from).
    pub fn lazy_mesh(&self, h: ColliderHandle) -> Option<usize> {
        let k = h.into_raw_parts().0 as usize;
        (self.trees.get(k).is_some_and(|t| t & LAZY_MESH != 0)).then(|| self.object[k] as usize)
    }

    /// The collider behind a handle.
    pub fn collider(&self, h: ColliderHandle) -> Option<&Collider> {
        self.colliders.get(h)
    }

    /// Every movable prop's leaf whose bounds meet the box `lo..hi`.
    pub fn dynamic_in(&self, lo: Vec3, hi: Vec3, mut f: impl FnMut(u32)) {
        let aabb = rapier3d::parry::bounding_volume::Aabb::new(rv(lo), rv(hi));
        for leaf in self.dynamic.intersect_aabb(&aabb) {
            f(leaf);
        }
    }

    /// Bounds of a leaf (world AABB, metres).
    pub fn leaf_bounds(&self, leaf: u32) -> (Vec3, Vec3) {
        self.bounds[leaf as usize]
    }

    /// Removes colliders added by [`add_chunk`](Self::add_chunk) or [`insert`](Self::insert).
    pub fn remove(&mut self, handles: &[ColliderHandle]) {
        self.version += 1;
        for h in handles {
            let leaf = h.into_raw_parts().0;
            if self
                .colliders
                .remove(
                    *h,
                    &mut self.islands,
                    &mut self.bodies,
                    &mut self.soft,
                    false,
                )
                .is_some()
            {
                let k = leaf as usize;
                self.all.remove(leaf);
                self.fast[k] = Fast::Shape;
                let trees = std::mem::take(&mut self.trees[k]);
                if trees & IN_GROUND != 0 {
                    self.ground.remove(leaf);
                }
                if trees & IN_SOLID != 0 {
                    self.solid.remove(leaf);
                }
                if trees & IN_DYNAMIC != 0 {
                    self.dynamic.remove(leaf);
                }
            }
        }
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        let version = self.version + 1;
        *self = Self::default();
        self.version = version;
    }

    /// A number that changes whenever a collider is added, moved or removed.
    #[inline]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// A query pipeline over one layer.
    pub fn query<'a>(&'a self, layer: Layer, filter: QueryFilter<'a>) -> QueryPipeline<'a> {
        QueryPipeline {
            dispatcher: &DefaultQueryDispatcher,
            bvh: match layer {
                Layer::All => &self.all,
                Layer::Ground => &self.ground,
                Layer::Solid => &self.solid,
            },
            bodies: &self.bodies,
            colliders: &self.colliders,
            filter,
        }
    }

    /// First hit of a ray (unit `dir`) within `max` metres: distance and class.
    #[inline]
    pub fn cast_ray(
        &self,
        layer: Layer,
        origin: Vec3,
        dir: Vec3,
        max: f32,
    ) -> Option<(f32, SemanticClass)> {
        let bvh = match layer {
            Layer::All => &self.all,
            Layer::Ground => &self.ground,
            Layer::Solid => &self.solid,
        };
        let ray = Ray::new(rv(origin), rv(dir));
        let (leaf, toi) = bvh.cast_ray(&ray, max, |leaf, best| {
            self.leaf_ray(leaf, origin, dir, best)
        })?;
        let id = self.class[leaf as usize];
        Some((toi, SemanticClass::ALL[usize::from(id.max(1) - 1)]))
    }

    /// Ray (unit `dir`) against one leaf: distance if hit within `max`.
    #[inline]
    pub fn leaf_ray(&self, leaf: u32, origin: Vec3, dir: Vec3, max: f32) -> Option<f32> {
        match &self.fast[leaf as usize] {
            Fast::Box { inv, centre, half } => ray_box(*inv, *centre, *half, origin, dir, max),
            Fast::Hull(planes) => ray_hull(planes, origin, dir, max),
            Fast::Terrain(t) => t.ray(origin, dir, max),
            Fast::Mesh(m) => m.ray(origin, dir, max),
            Fast::Shape => {
                let (c, _) = self.colliders.get_unknown_gen(leaf)?;
                let ray = Ray::new(rv(origin), rv(dir));
                c.shape().cast_ray(c.position(), &ray, max, true)
            }
        }
    }

    /// Whether a leaf's ray test costs more than a box's (terrain, meshes).
    #[inline]
    pub fn leaf_is_costly(&self, leaf: u32) -> bool {
        matches!(
            self.fast[leaf as usize],
            Fast::Terrain(_) | Fast::Mesh(_) | Fast::Shape
        )
    }

    /// Class id of a leaf.
    #[inline]
    pub fn leaf_class(&self, leaf: u32) -> u8 {
        self.class[leaf as usize]
    }

    /// Every leaf whose bounds meet the box `lo..hi`, with its bounds.
    pub fn leaves_in(&self, lo: Vec3, hi: Vec3, mut f: impl FnMut(u32, Vec3, Vec3)) {
        let aabb = rapier3d::parry::bounding_volume::Aabb::new(rv(lo), rv(hi));
        for leaf in self.all.intersect_aabb(&aabb) {
            let (a, b) = self.bounds[leaf as usize];
            f(leaf, a, b);
        }
    }

    /// First hit of `shape` at `pos` moving by `motion` (fraction of the motion, 0..=1).
    pub fn cast_shape(
        &self,
        layer: Layer,
        pos: &Pose,
        motion: Vec3,
        shape: &dyn Shape,
    ) -> Option<(ShapeCastHit, SemanticClass)> {
        let q = self.query(layer, QueryFilter::default());
        let opts = ShapeCastOptions {
            max_time_of_impact: 1.0,
            target_distance: 0.0,
            stop_at_penetration: false,
            compute_impact_geometry_on_penetration: true,
        };
        let (h, hit) = q.cast_shape(pos, rv(motion), shape, opts)?;
        Some((hit, class_of(&self.colliders[h])))
    }
}

/// The collider of an object's physics shape (in world space), or `None` for
/// objects without one or with a malformed shape.
///
/// With `lazy_mesh`, a triangle mesh gets a box over its bounds instead of a
/// parry trimesh (whose tree costs more to build than the rest of a chunk's
/// colliders together): rays use the mesh itself (`Fast::Mesh`); only shape
/// queries (character controllers, drones, prop physics) need the real one.
pub(crate) fn collider_of(o: &Object, lazy_mesh: bool) -> Option<Collider> {
    let t = o.transform;
    if !t.is_finite() {
        return None;
    }
    let user = u128::from(o.class.id());
    let builder = match &o.shape {
        PhysicsShape::None => return None,
        PhysicsShape::Box {
            center,
            half_extents,
        } => {
            let he = Vec3::from(*half_extents) * t.scale.abs();
            if !(he.is_finite() && he.min_element() > 0.0) {
                return None;
            }
            ColliderBuilder::cuboid(he.x, he.y, he.z)
                .position(pose(t.apply(Vec3::from(*center)), t.rotation))
        }
        PhysicsShape::ConvexHull { points } => {
            let pts: Vec<Vector> = points
                .iter()
                .map(|p| rv(Vec3::from(*p) * t.scale))
                .collect();
            ColliderBuilder::convex_hull(&pts)?.position(pose(t.translation, t.rotation))
        }
        PhysicsShape::TriMesh { vertices, indices } => {
            if vertices.is_empty() || indices.is_empty() {
                return None;
            }
            let n = vertices.len() as u32;
            if indices.iter().flatten().any(|i| *i >= n) {
                return None;
            }
            if lazy_mesh {
                let (mut lo, mut hi) = (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN));
                for v in vertices {
                    let w = t.translation + t.rotation * (Vec3::from(*v) * t.scale);
                    lo = lo.min(w);
                    hi = hi.max(w);
                }
                if !(lo.is_finite() && hi.is_finite()) {
                    return None;
                }
                let he = ((hi - lo) * 0.5).max(Vec3::splat(0.005));
                return Some(
                    ColliderBuilder::cuboid(he.x, he.y, he.z)
                        .position(pose((lo + hi) * 0.5, Quat::IDENTITY))
                        .user_data(user)
                        .build(),
                );
            }
            let verts = vertices
                .iter()
                .map(|p| rv(Vec3::from(*p) * t.scale))
                .collect();
            ColliderBuilder::trimesh(verts, indices.clone())
                .ok()?
                .position(pose(t.translation, t.rotation))
        }
        PhysicsShape::Heightfield {
            rows,
            cols,
            size,
            heights,
        } => {
            let (r, c) = (*rows as usize, *cols as usize);
            if r < 2 || c < 2 || heights.len() != r * c || !heights.iter().all(|h| h.is_finite()) {
                return None;
            }
            let mut a = Array2::zeros(r, c);
            for i in 0..r {
                for j in 0..c {
                    a[(i, j)] = heights[i * c + j];
                }
            }
            let centre = t.apply(Vec3::new(size[0] * 0.5, 0.0, size[1] * 0.5));
            ColliderBuilder::heightfield(a, Vector::new(size[0], 1.0, size[1]))
                .position(pose(centre, t.rotation))
        }
    };
    Some(builder.user_data(user).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprawl_world::{ChunkCoord, Terrain as TerrainSpec, TerrainKind, WorldSpec};

    /// The fast paths agree with parry's own ray casts on the same colliders.
    #[test]
    fn fast_rays_match_parry() {
        let spec = WorldSpec {
            seed: 5,
            terrain: TerrainSpec {
                kind: TerrainKind::Hilly,
                relief: 1.0,
                ..TerrainSpec::default()
            },
            ..WorldSpec::default()
        };
        // Four chunks with buildings among the nearest ones.
        let chunks: Vec<_> = (-3..=3)
            .flat_map(|z| (-3..=3).map(move |x| ChunkCoord::new(x, z)))
            .map(|c| sprawl_gen::generate_chunk(&spec, c))
            .filter(|c| c.objects.iter().any(|o| o.class == SemanticClass::Building))
            .take(4)
            .collect();
        let (mut hits, mut kinds) = (0, [0usize; 4]);
        for o in chunks.iter().flat_map(|c| &c.objects) {
            let Some(c) = collider_of(o, false) else {
                continue;
            };
            let fast = fast_of(&c, Some(o));

            let k = match fast {
                Fast::Box { .. } => 0,
                Fast::Hull(_) => 1,
                Fast::Terrain(_) => 2,
                Fast::Mesh(_) => 3,
                Fast::Shape => continue,
            };
            kinds[k] += 1;
            let aabb = c.compute_aabb();
            let centre = gv(aabb.center());
            for i in 0..200 {
                let a = i as f32 * 2.399_963;
                let el = (i % 23) as f32 / 22.0 * 1.6 - 1.2;
                let origin =
                    centre + Vec3::new(a.cos() * 30.0, 4.0 + (i % 7) as f32 * 3.0, a.sin() * 30.0);
                let target = centre + Vec3::new((i % 5) as f32 - 2.0, el * 3.0, (i % 3) as f32);
                let dir = (target - origin).normalize();
                let ray = Ray::new(rv(origin), rv(dir));
                let want = c.shape().cast_ray(c.position(), &ray, 100.0, true);
                let got = match &fast {
                    Fast::Box { inv, centre, half } => {
                        ray_box(*inv, *centre, *half, origin, dir, 100.0)
                    }
                    Fast::Hull(p) => ray_hull(p, origin, dir, 100.0),
                    Fast::Terrain(t) => t.ray(origin, dir, 100.0),
                    Fast::Mesh(m) => m.ray(origin, dir, 100.0),
                    Fast::Shape => unreachable!(),
                };
                match (want, got) {
                    (Some(w), Some(g)) => {
                        // parry's GJK stops within a few millimetres; the planes are exact.
                        assert!((w - g).abs() < 1e-2, "{:?}: parry {w}, fast {g}", o.class);
                        hits += 1;
                    }
                    (None, None) => {}
                    (w, g) => panic!("{:?} ray {i}: parry {w:?}, fast {g:?}", o.class),
                }
            }
        }
        assert!(kinds.iter().all(|k| *k > 0), "{kinds:?}");
        assert!(hits > 1000, "{hits}");
    }
}
