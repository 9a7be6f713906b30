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

/// The static colliders of the loaded chunks.
pub(crate) struct Statics {
    colliders: ColliderSet,
    bodies: RigidBodySet,
    islands: IslandManager,
    soft: SoftBodySet,
    all: Bvh,
    ground: Bvh,
    solid: Bvh,
}

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
        }
    }
}

impl Statics {
    /// Adds the colliders of every shaped object of `chunk`; returns their handles.
    pub fn add_chunk(&mut self, chunk: &Chunk, out: &mut Vec<ColliderHandle>) {
        for o in &chunk.objects {
            if let Some(c) = collider_of(o) {
                let ground = is_ground(o.class);
                let aabb = c.compute_aabb();
                let h = self.colliders.insert(c);
                let leaf = h.into_raw_parts().0;
                self.all.insert(aabb, leaf);
                if ground {
                    self.ground.insert(aabb, leaf);
                } else {
                    self.solid.insert(aabb, leaf);
                }
                out.push(h);
            }
        }
    }

    /// Removes colliders added by [`add_chunk`](Self::add_chunk).
    pub fn remove(&mut self, handles: &[ColliderHandle]) {
        for h in handles {
            let leaf = h.into_raw_parts().0;
            if let Some(c) = self.colliders.remove(
                *h,
                &mut self.islands,
                &mut self.bodies,
                &mut self.soft,
                false,
            ) {
                self.all.remove(leaf);
                if is_ground(class_of(&c)) {
                    self.ground.remove(leaf);
                } else {
                    self.solid.remove(leaf);
                }
            }
        }
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        *self = Self::default();
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
        let q = self.query(layer, QueryFilter::default());
        let ray = Ray::new(rv(origin), rv(dir));
        let (h, toi) = q.cast_ray(&ray, max, true)?;
        Some((toi, class_of(&self.colliders[h])))
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
fn collider_of(o: &Object) -> Option<Collider> {
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
