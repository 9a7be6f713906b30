//! Agent kinds. Each kind is one module implementing [`AgentModel`] plus
//! one line in [`REGISTRY`]; the simulator finds kinds by name.
//!
//! A model owns its body's state and moves it one fixed step at a time,
//! querying the static world (ground rays, shape casts, rapier's character
//! controller). Contact with other moving things (agents, traffic) is
//! checked by the simulator after everything has moved.

pub(crate) mod car;
pub(crate) mod drone;
pub(crate) mod pedestrian;

use crate::physics::Statics;
use glam::Vec3;
use sprawl_world::SemanticClass;

/// How a kind's task is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskKind {
    /// Drive along lanes (right-hand traffic) to a goal on the road.
    Lanes,
    /// Walk along sidewalks (crossing at junctions) to a goal on a sidewalk.
    Sidewalks,
    /// Fly above the streets to a goal point in the air.
    Air,
}

/// The state every kind exposes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Body {
    /// Reference point (metres): ground under a car's centre, a pedestrian's feet, a drone's centre.
    pub position: Vec3,
    /// Heading (radians).
    pub yaw: f32,
    /// Nose-up pitch (radians).
    pub pitch: f32,
    /// Right-down roll (radians).
    pub roll: f32,
    /// Velocity (metres per second).
    pub velocity: Vec3,
    /// Heading rate (radians per second).
    pub yaw_rate: f32,
    /// Height of the reference point above the ground below (metres).
    pub above_ground: f32,
}

/// What happened in one step of a model.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct StepReport {
    /// Touched something solid.
    pub collided: bool,
    /// The touch ends the episode.
    pub crashed: bool,
    /// Class of the surface under the body, if any.
    pub surface: Option<SemanticClass>,
}

/// One kind of agent.
pub(crate) trait AgentModel: Send {
    /// Lower and upper bound of each action component.
    fn action_bounds(&self) -> (&'static [f32], &'static [f32]);
    /// How its task is laid out.
    fn task(&self) -> TaskKind;
    /// Puts the agent at rest at `position` (on the ground) facing `yaw`.
    fn place(&mut self, position: Vec3, yaw: f32, statics: &Statics);
    /// Advances one step of `dt` seconds with a validated action.
    fn step(&mut self, action: &[f32], statics: &Statics, dt: f32) -> StepReport;
    /// Current state.
    fn body(&self) -> Body;
    /// Half extents of its collision box (x across, y up, z along), metres.
    fn half_extents(&self) -> Vec3;
    /// Height of the box centre above the reference point (metres).
    fn box_offset(&self) -> f32;
    /// Height of the sensors above the reference point (metres).
    fn sensor_height(&self) -> f32;
    /// Radius around the goal that counts as arrived (metres).
    fn goal_radius(&self) -> f32;
    /// Whether it is a vehicle (traffic treats it as one; pedestrians hit by it crash).
    fn is_vehicle(&self) -> bool;
    /// Mass (kilograms), for shoving props it runs into.
    fn mass(&self) -> f32;
    /// Whether the model runs shape queries (not just rays) against ground
    /// surfaces: then road meshes need their full collision shapes.
    fn queries_ground_shapes(&self) -> bool {
        true
    }
    /// Stops the body after a crash with something that moves.
    fn halt(&mut self);
}

/// A registered kind: a name and a constructor.
pub(crate) struct Registration {
    /// The name configurations use.
    pub name: &'static str,
    /// Makes a fresh model.
    pub make: fn() -> Box<dyn AgentModel>,
}

/// Every kind, by name. Adding a kind: a module plus one line here.
pub(crate) const REGISTRY: &[Registration] = &[
    car::REGISTRATION,
    pedestrian::REGISTRATION,
    drone::REGISTRATION,
];

/// The registration named `name`.
pub(crate) fn find(name: &str) -> Option<&'static Registration> {
    REGISTRY.iter().find(|r| r.name == name)
}

/// Names of every registered kind, in registration order.
pub fn agent_kinds() -> Vec<&'static str> {
    REGISTRY.iter().map(|r| r.name).collect()
}

/// Forward unit vector (plan) of a heading.
#[inline]
pub(crate) fn forward(yaw: f32) -> Vec3 {
    let (s, c) = yaw.sin_cos();
    Vec3::new(-s, 0.0, -c)
}
