//! The drone: a rigid body driven by collective thrust and body rates
//! (roll, pitch, yaw), with linear drag, tilt limited to 40°, integrated at
//! the fixed step. Its box is cast along each step's motion against the
//! whole static world: touching the ground slower than 3 m/s is a landing,
//! anything else a crash.

use super::{AgentModel, Body, Registration, StepReport, TaskKind};
use crate::physics::{Layer, Statics, is_ground, pose, rv};
use crate::sensors::attitude;
use glam::Vec3;
use rapier3d::parry::shape::Cuboid;

/// Registration under `"drone"`.
pub(crate) const REGISTRATION: Registration = Registration {
    name: "drone",
    make: || Box::new(Drone::default()),
};

/// Full thrust as a multiple of the weight (so 0.5 hovers).
const THRUST_TO_WEIGHT: f32 = 2.0;
/// Fastest body rate (rad/s).
const RATE: f32 = 2.0;
/// Largest roll and pitch (radians).
const MAX_TILT: f32 = 0.7;
/// Linear drag (1/s).
const DRAG: f32 = 0.35;
/// Half extents of the frame (metres).
const HALF: Vec3 = Vec3::new(0.3, 0.08, 0.3);
/// Landing speed limit (m/s).
const SOFT_LANDING: f32 = 3.0;
const G: f32 = 9.81;

const LOW: [f32; 4] = [0.0, -1.0, -1.0, -1.0];
const HIGH: [f32; 4] = [1.0, 1.0, 1.0, 1.0];

#[derive(Default)]
pub(crate) struct Drone {
    /// Centre.
    pos: Vec3,
    velocity: Vec3,
    yaw: f32,
    pitch: f32,
    roll: f32,
    yaw_rate: f32,
    above_ground: f32,
    shape: Option<Cuboid>,
}

impl AgentModel for Drone {
    fn action_bounds(&self) -> (&'static [f32], &'static [f32]) {
        (&LOW, &HIGH)
    }

    fn task(&self) -> TaskKind {
        TaskKind::Air
    }

    fn place(&mut self, position: Vec3, yaw: f32, statics: &Statics) {
        *self = Self {
            pos: position + Vec3::Y * (HALF.y + 0.02),
            yaw,
            shape: Some(Cuboid::new(rv(HALF))),
            ..Self::default()
        };
        let top = position + Vec3::Y * 2.0;
        if let Some((t, _)) = statics.cast_ray(Layer::Ground, top, Vec3::NEG_Y, 6.0) {
            self.pos.y = top.y - t + HALF.y + 0.02;
        }
    }

    fn step(&mut self, a: &[f32], statics: &Statics, dt: f32) -> StepReport {
        let (thrust, roll_rate, pitch_rate, yaw_rate) = (a[0], a[1], a[2], a[3]);
        self.roll = (self.roll + roll_rate * RATE * dt).clamp(-MAX_TILT, MAX_TILT);
        self.pitch = (self.pitch + pitch_rate * RATE * dt).clamp(-MAX_TILT, MAX_TILT);
        self.yaw_rate = yaw_rate * RATE;
        self.yaw += self.yaw_rate * dt;
        let rot = attitude(self.yaw, self.pitch, self.roll);
        let accel =
            rot * Vec3::Y * (thrust * THRUST_TO_WEIGHT * G) - Vec3::Y * G - self.velocity * DRAG;
        let v1 = self.velocity + accel * dt;
        let motion = 0.5 * (self.velocity + v1) * dt;
        let mut report = StepReport::default();
        let mut next = self.pos + motion;
        let mut v = v1;
        if motion.length_squared() > 1e-12 {
            let shape = self.shape.get_or_insert_with(|| Cuboid::new(rv(HALF)));
            let start = pose(self.pos, rot);
            if let Some((hit, class)) = statics.cast_shape(Layer::All, &start, motion, shape) {
                let t = (hit.time_of_impact - 0.01 / motion.length()).max(0.0);
                next = self.pos + motion * t;
                let landing = is_ground(class) && v1.length() < SOFT_LANDING;
                report.collided = !landing;
                if landing {
                    // Sits on the ground; only a climb takes it off again.
                    v = Vec3::new(0.0, v1.y.max(0.0), 0.0);
                    self.roll = 0.0;
                    self.pitch = 0.0;
                } else {
                    v = Vec3::ZERO;
                    report.crashed = true;
                }
            }
        }
        self.velocity = v;
        self.pos = next;
        let ground = statics.cast_ray(Layer::Ground, self.pos, Vec3::NEG_Y, 200.0);
        self.above_ground = ground.map_or(200.0, |(t, _)| t);
        report.surface = ground.filter(|(t, _)| *t < HALF.y + 0.1).map(|(_, c)| c);
        report
    }

    fn body(&self) -> Body {
        Body {
            position: self.pos,
            yaw: self.yaw,
            pitch: self.pitch,
            roll: self.roll,
            velocity: self.velocity,
            yaw_rate: self.yaw_rate,
            above_ground: self.above_ground,
        }
    }

    fn half_extents(&self) -> Vec3 {
        HALF
    }

    fn box_offset(&self) -> f32 {
        0.0
    }

    fn sensor_height(&self) -> f32 {
        0.0
    }

    fn goal_radius(&self) -> f32 {
        3.0
    }

    fn is_vehicle(&self) -> bool {
        false
    }

    fn mass(&self) -> f32 {
        1.5
    }

    fn halt(&mut self) {
        self.velocity = Vec3::ZERO;
    }
}
