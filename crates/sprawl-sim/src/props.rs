//! Props that physics moves: benches, parked cars and user props
//! ([`SemanticClass::is_dynamic`]) become rapier rigid bodies that agents
//! push and knock over.
//!
//! The problem is cost. A city block holds dozens of props and almost all
//! of them stand still for the whole episode, so a rapier pipeline step over
//! them every step would cost more than the rest of a step. Instead props
//! live in two places:
//!
//! - in the static world ([`Statics`]) as colliders like any other object,
//!   so sensors see them and (heavy ones) stop vehicles; a movable prop is
//!   also in a small tree of its own that agents' boxes are tested against;
//! - in a rapier [`PhysicsWorld`] that is built only when something touches
//!   a prop, holding that prop's chunk and the live chunks within 12 m of it
//!   as fixed copies of their colliders (ground, buildings, lamps, the other
//!   props; the shapes are shared, not copied). A prop gets a dynamic body
//!   when an agent or the host touches it or a moving body hits it, so
//!   untouched props never move.
//!
//! The world is stepped only while a body is awake or an agent touches a
//! prop; when every body sleeps a step costs one box query per agent. When a
//! body moves its static collider follows, so sensors see it where it is.
//!
//! Agents push by impulses, not by contact solving: an agent whose box
//! meets a light prop (under [`LIGHT_KG`]: benches, user props) gives it its
//! own velocity plus a fifth, applied above the prop's centre so that it
//! tips; cars and pedestrians pass through light props (they are not in the
//! trees vehicles and feet collide with). A heavy prop (a parked car) still
//! stops an agent, which crashes, and takes the agent's momentum in a
//! perfectly inelastic shove. Background traffic follows its lanes and does
//! not push props. Everything is single-threaded and ordered, so the same
//! seed and actions give the same trajectories.
//!
//! Where moved props come to rest is kept for the episode (also for chunks
//! dropped and loaded again) and reported as
//! [`Edit::DynamicState`](sprawl_world::Edit::DynamicState) for a host to
//! write to the world file; a world file's own `DynamicState` edits place
//! props where they rested when the chunk loads. A new episode puts every
//! prop back where the chunk (with its edits) has it.

use crate::physics::{Statics, gv, rv};
use glam::{Quat, Vec3};
use rapier3d::dynamics::{RigidBodyBuilder, RigidBodyHandle};
use rapier3d::geometry::{ColliderBuilder, ColliderHandle};
use rapier3d::math::Pose;
use rapier3d::pipeline::PhysicsWorld;
use sprawl_world::{
    Chunk, ChunkCoord, Edit, Object, ObjectId, PhysicsShape, SemanticClass, Transform,
};
use std::collections::{BTreeMap, HashMap};

/// Props lighter than this (kilograms) are pushed through by agents; heavier
/// ones stop them.
pub(crate) const LIGHT_KG: f32 = 100.0;

/// Extra margin around an agent's box when looking for props it touches (metres).
const TOUCH_MARGIN: f32 = 0.1;
/// Live chunks within this distance of a prop join the physics world with it (metres).
const NEIGHBOUR_M: f32 = 12.0;
/// A body more than this far below where it started fell out of the world (metres).
const FELL_M: f32 = 30.0;
/// A prop that moved less than this from where it was loaded (metres,
/// radians) counts as not moved.
const SETTLE_M: f32 = 0.05;
const SETTLE_RAD: f32 = 0.05;
/// A pushed light prop leaves at the agent's speed times this.
const PUSH_FACTOR: f32 = 1.2;

/// Mass (kilograms) of an object that physics may move, or `None` for one
/// that stays fixed: benches 60 kg, parked cars 1,200 kg, user props
/// 150 kg per cubic metre of their bounds (a crate, not a block of stone),
/// at least 5 kg; only boxes and convex hulls move, never meshes or terrain.
pub(crate) fn movable(o: &Object) -> Option<f32> {
    if !o.class.is_dynamic() {
        return None;
    }
    let scale = o.transform.scale.abs();
    let size = match &o.shape {
        PhysicsShape::Box { half_extents, .. } => 2.0 * Vec3::from(*half_extents) * scale,
        PhysicsShape::ConvexHull { points } if !points.is_empty() => {
            let (lo, hi) = points.iter().fold(
                (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
                |(lo, hi), p| (lo.min(Vec3::from(*p)), hi.max(Vec3::from(*p))),
            );
            (hi - lo) * scale
        }
        _ => return None,
    };
    if !size.is_finite() || size.min_element() <= 0.0 {
        return None;
    }
    Some(match o.class {
        SemanticClass::Bench => 60.0,
        SemanticClass::ParkedCar => 1200.0,
        _ => (150.0 * size.x * size.y * size.z).max(5.0),
    })
}

/// A movable prop as the simulator has it now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PropState {
    /// The object's id (a thrown body's has [`ObjectId::USER_BIT`] set).
    pub id: ObjectId,
    /// Its class (thrown bodies are [`SemanticClass::Prop`]).
    pub class: SemanticClass,
    /// Where it is: translation (metres), rotation, and the object's scale.
    pub transform: Transform,
    /// Linear velocity (metres per second).
    pub linear_velocity: [f32; 3],
    /// Angular velocity (radians per second).
    pub angular_velocity: [f32; 3],
    /// Mass (kilograms).
    pub mass: f32,
    /// Whether physics moved it this episode.
    pub moved: bool,
    /// Whether it is at rest (asleep, or never woken).
    pub resting: bool,
    /// Whether the host threw it in ([`Sim::throw_body`](crate::Sim::throw_body)).
    pub thrown: bool,
}

/// A box the host throws into the world ([`Sim::throw_body`](crate::Sim::throw_body)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrownBody {
    /// Centre of the box (metres, world frame).
    pub position: [f32; 3],
    /// Initial velocity (metres per second).
    pub velocity: [f32; 3],
    /// Half extents along its local x, y, z (metres), each 0.01 to 5.
    pub half_extents: [f32; 3],
    /// Mass (kilograms), 0.1 to 10,000.
    pub mass: f32,
}

struct Prop {
    id: ObjectId,
    class: SemanticClass,
    /// The chunk that owns it (its live chunk for thrown bodies).
    chunk: ChunkCoord,
    /// Its collider in the static world.
    leaf: ColliderHandle,
    mass: f32,
    /// Pose of the object frame as loaded (translation and rotation).
    origin: Pose,
    scale: Vec3,
    /// Pose of the object frame now.
    pose: Pose,
    /// The collider's pose in the object frame.
    local: Pose,
    body: Option<RigidBodyHandle>,
    /// Its fixed copy in the physics world while it has no body.
    fixed: Option<ColliderHandle>,
    linvel: Vec3,
    angvel: Vec3,
    moved: bool,
    thrown: bool,
}

impl Prop {
    fn state(&self, resting: bool) -> PropState {
        PropState {
            id: self.id,
            class: self.class,
            transform: transform_of(&self.pose, self.scale),
            linear_velocity: self.linvel.to_array(),
            angular_velocity: self.angvel.to_array(),
            mass: self.mass,
            moved: self.moved,
            resting,
            thrown: self.thrown,
        }
    }

    /// Centre of its collider's bounds (metres).
    fn centre(&self, statics: &Statics) -> Vec3 {
        let (lo, hi) = statics.leaf_bounds(self.leaf.into_raw_parts().0);
        0.5 * (lo + hi)
    }
}

fn transform_of(p: &Pose, scale: Vec3) -> Transform {
    let r = p.rotation;
    Transform {
        translation: gv(p.translation),
        rotation: Quat::from_xyzw(r.x, r.y, r.z, r.w),
        scale,
    }
}

/// An agent's box after its step, for pushing props.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pusher {
    /// Centre of the box (metres).
    pub centre: Vec3,
    /// Heading (radians).
    pub yaw: f32,
    /// Half extents (x across, y up, z along), metres.
    pub half: Vec3,
    /// Velocity during the step (metres per second); before the step for one that crashed.
    pub velocity: Vec3,
    /// Mass (kilograms).
    pub mass: f32,
    /// Whether it crashed this step (into a heavy prop, say).
    pub crashed: bool,
}

/// The movable props of the live chunks and, once one was touched, their physics.
#[derive(Default)]
pub(crate) struct Props {
    props: Vec<Prop>,
    by_leaf: HashMap<u32, usize>,
    by_id: HashMap<ObjectId, usize>,
    by_body: HashMap<RigidBodyHandle, usize>,
    by_fixed: HashMap<ColliderHandle, usize>,
    world: Option<Box<PhysicsWorld>>,
    /// Chunks in the physics world, with the handles of their fixed copies.
    active: Vec<(ChunkCoord, Vec<ColliderHandle>)>,
    /// Bodies awake after the last physics step.
    awake: Vec<RigidBodyHandle>,
    /// Last state of every generated prop that moved this episode.
    rested: BTreeMap<ObjectId, (Pose, Vec3)>,
    thrown: u32,
    contacts: Vec<(usize, Vec3, Vec3)>,
}

impl Props {
    /// Registers the movable props of a chunk just added to `statics`
    /// (`movable`: object index and collider), placing those that moved
    /// earlier this episode where they were left.
    pub fn add_chunk(
        &mut self,
        chunk: &Chunk,
        movable: &[(usize, ColliderHandle)],
        statics: &mut Statics,
    ) {
        for &(i, leaf) in movable {
            let o = &chunk.objects[i];
            let Some(c) = statics.collider(leaf) else {
                continue;
            };
            let Some(mass) = self::movable(o) else {
                continue;
            };
            let t = o.transform;
            let origin = crate::physics::pose(t.translation, t.rotation);
            let local = origin.inv_mul(c.position());
            let mut prop = Prop {
                id: o.id,
                class: o.class,
                chunk: chunk.coord,
                leaf,
                mass,
                origin,
                scale: t.scale,
                pose: origin,
                local,
                body: None,
                fixed: None,
                linvel: Vec3::ZERO,
                angvel: Vec3::ZERO,
                moved: false,
                thrown: false,
            };
            if let Some((pose, _)) = self.rested.get(&o.id) {
                prop.pose = *pose;
                prop.moved = true;
                statics.set_pose(leaf, *pose * local);
            }
            self.insert(prop);
        }
    }

    fn insert(&mut self, prop: Prop) {
        let k = self.props.len();
        self.by_leaf.insert(prop.leaf.into_raw_parts().0, k);
        self.by_id.insert(prop.id, k);
        if let Some(b) = prop.body {
            self.by_body.insert(b, k);
        }
        if let Some(c) = prop.fixed {
            self.by_fixed.insert(c, k);
        }
        self.props.push(prop);
    }

    fn reindex(&mut self) {
        self.by_leaf.clear();
        self.by_id.clear();
        self.by_body.clear();
        self.by_fixed.clear();
        for (k, p) in self.props.iter().enumerate() {
            self.by_leaf.insert(p.leaf.into_raw_parts().0, k);
            self.by_id.insert(p.id, k);
            if let Some(b) = p.body {
                self.by_body.insert(b, k);
            }
            if let Some(c) = p.fixed {
                self.by_fixed.insert(c, k);
            }
        }
    }

    /// Forgets the props of a chunk about to leave the live world (keeping
    /// where moved ones are); thrown bodies in it are removed from `statics`.
    pub fn remove_chunk(&mut self, coord: ChunkCoord, statics: &mut Statics) {
        if !self.props.iter().any(|p| p.chunk == coord)
            && !self.active.iter().any(|(c, _)| *c == coord)
        {
            return;
        }
        let mut world = self.world.take();
        let mut thrown = Vec::new();
        for p in self.props.iter_mut().filter(|p| p.chunk == coord) {
            if let (Some(w), Some(b)) = (world.as_deref_mut(), p.body.take()) {
                w.remove_body(b);
            }
            if let (Some(w), Some(c)) = (world.as_deref_mut(), p.fixed.take()) {
                w.remove_collider(c);
            }
            if p.thrown {
                thrown.push(p.leaf);
            } else if p.moved {
                self.rested.insert(p.id, (p.pose, p.scale));
            }
        }
        statics.remove(&thrown);
        self.props.retain(|p| p.chunk != coord);
        if let Some(k) = self.active.iter().position(|(c, _)| *c == coord) {
            let (_, handles) = self.active.swap_remove(k);
            if let Some(w) = world.as_deref_mut() {
                for h in handles {
                    w.remove_collider(h);
                }
            }
        }
        self.world = world;
        self.awake
            .retain(|b| self.props.iter().any(|p| p.body == Some(*b)));
        self.reindex();
    }

    /// Everything gone (the static world was cleared too).
    pub fn forget(&mut self) {
        *self = Self::default();
    }

    /// A new episode in the same live world: every prop back where its
    /// chunk has it, thrown bodies removed, the physics world dropped.
    pub fn reset_episode(&mut self, statics: &mut Statics) {
        let mut thrown = Vec::new();
        for p in &mut self.props {
            if p.thrown {
                thrown.push(p.leaf);
            } else if p.moved || p.pose != p.origin {
                p.pose = p.origin;
                statics.set_pose(p.leaf, p.origin * p.local);
            }
            p.body = None;
            p.fixed = None;
            p.moved = false;
            p.linvel = Vec3::ZERO;
            p.angvel = Vec3::ZERO;
        }
        statics.remove(&thrown);
        self.props.retain(|p| !p.thrown);
        self.world = None;
        self.active.clear();
        self.awake.clear();
        self.rested.clear();
        self.thrown = 0;
        self.reindex();
    }

    /// Number of movable props (thrown bodies included) in the live chunks.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// The state of every movable prop, in load order.
    pub fn states(&self) -> Vec<PropState> {
        self.props
            .iter()
            .map(|p| p.state(self.is_resting(p)))
            .collect()
    }

    /// One prop's state.
    pub fn state(&self, id: ObjectId) -> Option<PropState> {
        let p = &self.props[*self.by_id.get(&id)?];
        Some(p.state(self.is_resting(p)))
    }

    fn is_resting(&self, p: &Prop) -> bool {
        p.body.is_none_or(|b| !self.awake.contains(&b))
    }

    /// `DynamicState` edits for every generated prop that moved this
    /// episode and is at rest, sorted by id.
    pub fn edits(&self) -> Vec<Edit> {
        let mut out: BTreeMap<ObjectId, Edit> = BTreeMap::new();
        for (id, (pose, scale)) in &self.rested {
            if self.by_id.contains_key(id) {
                continue; // live: its current state below
            }
            // Its chunk was dropped: where it was then.
            let scale = *scale;
            out.insert(
                *id,
                Edit::DynamicState {
                    id: *id,
                    transform: transform_of(pose, scale),
                    linear_velocity: [0.0; 3],
                    angular_velocity: [0.0; 3],
                },
            );
        }
        for p in &self.props {
            if p.moved && !p.thrown && self.is_resting(p) {
                out.insert(
                    p.id,
                    Edit::DynamicState {
                        id: p.id,
                        transform: transform_of(&p.pose, p.scale),
                        linear_velocity: [0.0; 3],
                        angular_velocity: [0.0; 3],
                    },
                );
            }
        }
        out.into_values().collect()
    }

    /// Applies an impulse (newton-seconds) at `point` (world, metres; the
    /// centre of mass when `None`) to a prop, waking it.
    pub fn apply_impulse(
        &mut self,
        id: ObjectId,
        impulse: Vec3,
        point: Option<Vec3>,
        statics: &mut Statics,
        live: &[Chunk],
        handles: &[Vec<ColliderHandle>],
    ) -> bool {
        let Some(&k) = self.by_id.get(&id) else {
            return false;
        };
        self.kick(k, impulse, point, statics, live, handles);
        true
    }

    fn kick(
        &mut self,
        k: usize,
        impulse: Vec3,
        point: Option<Vec3>,
        statics: &mut Statics,
        live: &[Chunk],
        handles: &[Vec<ColliderHandle>],
    ) {
        let Some(b) = self.body_of(k, statics, live, handles) else {
            return;
        };
        let Some(w) = self.world.as_deref_mut() else {
            return;
        };
        let Some(body) = w.bodies.get_mut(b) else {
            return;
        };
        match point {
            Some(p) => body.apply_impulse_at_point(rv(impulse), rv(p), true),
            None => body.apply_impulse(rv(impulse), true),
        }
        if !self.awake.contains(&b) {
            self.awake.push(b);
        }
    }

    /// Throws a box into the world as a dynamic body owned by `chunk`.
    pub fn throw(
        &mut self,
        t: &ThrownBody,
        chunk: ChunkCoord,
        statics: &mut Statics,
        live: &[Chunk],
        handles: &[Vec<ColliderHandle>],
    ) -> ObjectId {
        let he = Vec3::from(t.half_extents);
        let centre = Vec3::from(t.position);
        let c = ColliderBuilder::cuboid(he.x, he.y, he.z)
            .position(crate::physics::pose(centre, Quat::IDENTITY))
            .user_data(u128::from(SemanticClass::Prop.id()))
            .build();
        let leaf = statics.insert_thrown(c, t.mass >= LIGHT_KG);
        self.thrown += 1;
        let id = ObjectId::new(chunk, ObjectId::USER_BIT | 0x4000_0000 | self.thrown);
        let origin = crate::physics::pose(centre, Quat::IDENTITY);
        self.insert(Prop {
            id,
            class: SemanticClass::Prop,
            chunk,
            leaf,
            mass: t.mass,
            origin,
            scale: Vec3::ONE,
            pose: origin,
            local: Pose::IDENTITY,
            body: None,
            fixed: None,
            linvel: Vec3::from(t.velocity),
            angvel: Vec3::ZERO,
            moved: true,
            thrown: true,
        });
        let k = self.props.len() - 1;
        if let Some(b) = self.body_of(k, statics, live, handles) {
            if let Some(body) = self.world.as_deref_mut().and_then(|w| w.bodies.get_mut(b)) {
                body.set_linvel(rv(Vec3::from(t.velocity)), true);
            }
            if !self.awake.contains(&b) {
                self.awake.push(b);
            }
        }
        id
    }

    /// The body of prop `k`, making the physics world, the prop's chunks and
    /// their bodies as needed (`None` only if its collider is gone).
    fn body_of(
        &mut self,
        k: usize,
        statics: &Statics,
        live: &[Chunk],
        handles: &[Vec<ColliderHandle>],
    ) -> Option<RigidBodyHandle> {
        let at = gv(self.props[k].pose.translation);
        for (chunk, hs) in live.iter().zip(handles) {
            if chunk.coord == self.props[k].chunk || chunk_distance(chunk, at) <= NEIGHBOUR_M {
                self.activate(chunk, hs, statics);
            }
        }
        if self.props[k].body.is_none() {
            self.make_body(k, statics);
        }
        self.props[k].body
    }

    /// Puts a live chunk's colliders into the physics world, fixed (its
    /// props too, until something touches them).
    fn activate(&mut self, chunk: &Chunk, handles: &[ColliderHandle], statics: &Statics) {
        let coord = chunk.coord;
        if self.active.iter().any(|(c, _)| *c == coord) {
            return;
        }
        let w = self.world.get_or_insert_with(Box::default);
        let mut fixed = Vec::new();
        for h in handles {
            if self.by_leaf.contains_key(&h.into_raw_parts().0) {
                continue;
            }
            // A mesh with a box placeholder gets its real shape here.
            let c = match statics.lazy_mesh(*h) {
                Some(i) => chunk
                    .objects
                    .get(i)
                    .and_then(|o| crate::physics::collider_of(o, false)),
                None => statics.collider(*h).cloned(),
            };
            if let Some(c) = c {
                fixed.push(w.colliders.insert(c));
            }
        }
        self.active.push((coord, fixed));
        for k in 0..self.props.len() {
            let p = &self.props[k];
            if p.chunk == coord
                && p.body.is_none()
                && p.fixed.is_none()
                && let Some(c) = statics.collider(p.leaf)
            {
                let h = w.colliders.insert(c.clone());
                self.props[k].fixed = Some(h);
                self.by_fixed.insert(h, k);
            }
        }
    }

    fn make_body(&mut self, k: usize, statics: &Statics) {
        let w = self.world.get_or_insert_with(Box::default);
        if let Some(h) = self.props[k].fixed.take() {
            w.remove_collider(h);
            self.by_fixed.remove(&h);
        }
        let p = &self.props[k];
        let Some(c) = statics.collider(p.leaf) else {
            return;
        };
        let body = RigidBodyBuilder::dynamic()
            .pose(p.pose)
            .linvel(rv(p.linvel))
            .angvel(rv(p.angvel))
            .linear_damping(0.2)
            .angular_damping(0.5)
            .ccd_enabled(true)
            .build();
        let collider = ColliderBuilder::new(c.shared_shape().clone())
            .position(p.local)
            .mass(p.mass)
            .friction(0.8)
            .restitution(0.1)
            .build();
        let (b, _) = w.insert(body, collider);
        self.props[k].body = Some(b);
        self.by_body.insert(b, k);
    }

    /// One step of `dt` seconds: agents' boxes push the props they touch,
    /// then the physics world steps if anything is awake, and moved props'
    /// colliders follow their bodies.
    pub fn step(
        &mut self,
        pushers: &[Pusher],
        dt: f32,
        statics: &mut Statics,
        live: &[Chunk],
        handles: &[Vec<ColliderHandle>],
    ) {
        if self.props.is_empty() {
            return;
        }
        let mut contacts = std::mem::take(&mut self.contacts);
        contacts.clear();
        for m in pushers {
            let r = m.half.x.hypot(m.half.z) + TOUCH_MARGIN;
            let lo = m.centre - Vec3::new(r, m.half.y + TOUCH_MARGIN, r);
            let hi = m.centre + Vec3::new(r, m.half.y + TOUCH_MARGIN, r);
            let by_leaf = &self.by_leaf;
            let props = &self.props;
            statics.dynamic_in(lo, hi, |leaf| {
                let Some(&k) = by_leaf.get(&leaf) else { return };
                let p = &props[k];
                let heavy = p.mass >= LIGHT_KG;
                if heavy && !m.crashed {
                    return;
                }
                let (plo, phi) = statics.leaf_bounds(leaf);
                if !touches(m, plo, phi) {
                    return;
                }
                let plan = Vec3::new(m.velocity.x, 0.0, m.velocity.z);
                let speed = plan.length();
                if speed < 0.1 {
                    return;
                }
                let centre = 0.5 * (plo + phi);
                let away = Vec3::new(centre.x - m.centre.x, 0.0, centre.z - m.centre.z)
                    .normalize_or_zero();
                let n = (plan / speed + 0.5 * away).normalize_or(plan / speed);
                let (dv, mass) = if heavy {
                    // Inelastic: the agent stopped; the prop takes its momentum.
                    (speed * m.mass / (m.mass + p.mass), p.mass)
                } else {
                    ((speed * PUSH_FACTOR - p.linvel.dot(n)).max(0.0), p.mass)
                };
                if dv <= 0.0 {
                    return;
                }
                let impulse = (n + Vec3::Y * 0.15) * (dv * mass);
                // Above the centre, so that a bench tips over.
                let point = centre + Vec3::Y * (0.3 * (phi.y - plo.y));
                contacts.push((k, impulse, point));
            });
        }
        if contacts.is_empty() && self.awake.is_empty() {
            self.contacts = contacts;
            return;
        }
        for &(k, impulse, point) in &contacts {
            self.kick(k, impulse, Some(point), statics, live, handles);
        }
        self.contacts = contacts;
        let Some(w) = self.world.as_deref_mut() else {
            return;
        };
        w.integration_parameters.dt = dt;
        w.step();
        // Bodies awake now, and those that fell asleep in this step (their last pose).
        let mut now: Vec<RigidBodyHandle> = w.islands.active_bodies().collect();
        let mut sync = now.clone();
        for b in &self.awake {
            if !sync.contains(b) {
                sync.push(*b);
            }
        }
        let mut wander = Vec::new();
        for b in sync {
            let Some(&k) = self.by_body.get(&b) else {
                continue;
            };
            let Some(body) = w.bodies.get_mut(b) else {
                continue;
            };
            let p = &mut self.props[k];
            let mut pose = *body.position();
            if pose.translation.y < p.origin.translation.y - FELL_M {
                // Fell out of the world (no ground loaded under it): put it back.
                pose = p.origin;
                body.set_position(pose, false);
                body.set_linvel(rv(Vec3::ZERO), false);
                body.set_angvel(rv(Vec3::ZERO), false);
                body.sleep();
                now.retain(|x| *x != b);
            }
            p.pose = pose;
            p.linvel = gv(body.linvel());
            p.angvel = gv(body.angvel());
            if !now.contains(&b) {
                p.linvel = Vec3::ZERO;
                p.angvel = Vec3::ZERO;
            }
            // Settling by millimetres when its chunk joins the physics world is not a move.
            let shift = gv(pose.translation).distance(gv(p.origin.translation));
            let turn = p.origin.rotation.angle_between(pose.rotation);
            p.moved = p.thrown || shift > SETTLE_M || turn > SETTLE_RAD;
            statics.set_pose(p.leaf, pose * p.local);
            if p.moved && !p.thrown {
                self.rested.insert(p.id, (p.pose, p.scale));
            }
            wander.push(k);
        }
        // Fixed props that moving bodies hit get bodies of their own.
        let mut hit = Vec::new();
        for b in &now {
            let Some(body) = w.bodies.get(*b) else {
                continue;
            };
            for c in body.colliders() {
                for pair in w.narrow_phase.contact_pairs_with(*c) {
                    let other = if pair.collider1 == *c {
                        pair.collider2
                    } else {
                        pair.collider1
                    };
                    if let Some(&k) = self.by_fixed.get(&other)
                        && pair.has_any_active_contact()
                    {
                        hit.push(k);
                    }
                }
            }
        }
        hit.sort_unstable();
        hit.dedup();
        self.awake = now;
        for k in hit {
            self.make_body(k, statics);
            if let Some(b) = self.props[k].body {
                self.awake.push(b);
            }
        }
        // Moving props bring the live chunks around them into the physics world.
        for k in wander {
            let at = self.props[k].centre(statics);
            for (chunk, hs) in live.iter().zip(handles) {
                if chunk_distance(chunk, at) <= NEIGHBOUR_M {
                    self.activate(chunk, hs, statics);
                }
            }
        }
    }
}

/// Distance in plan from `p` to a chunk's square (metres).
fn chunk_distance(chunk: &Chunk, p: Vec3) -> f32 {
    chunk.coord.plan_gap_sq(chunk.size, p.x, p.z).sqrt()
}

/// Whether an agent's box (grown by [`TOUCH_MARGIN`]) meets the box `lo..hi`.
fn touches(m: &Pusher, lo: Vec3, hi: Vec3) -> bool {
    let a = crate::sensors::Mover::new(
        m.centre,
        m.yaw,
        m.half + Vec3::splat(TOUCH_MARGIN),
        0,
        false,
    );
    let b = crate::sensors::Mover::new(0.5 * (lo + hi), 0.0, 0.5 * (hi - lo), 0, false);
    a.overlaps(&b)
}
