//! The car: a kinematic bicycle model that stands on the road surface by
//! ground rays and collides by shape casts.
//!
//! Why this model: a rapier ray-cast vehicle needs a dynamic rigid body, a
//! physics pipeline step with several solver iterations and four wheel rays
//! per step, about ten times the cost of this model, and its tyre model still
//! needs tuning to drive plausibly at 10 Hz. The bicycle model is what most
//! planning stacks use for cars at city speeds: the rear axle follows the
//! heading, the heading turns at `v·tan(δ)/L`, with a steering rate limit,
//! an engine that fades with speed, brakes, drag and a grip limit on lateral
//! acceleration. Each step it casts its box along the motion against the
//! solid world (a hit stops it: a crash) and casts two rays down at the
//! axles against the ground layer to follow the road's height and pitch.

use super::{AgentModel, Body, Registration, StepReport, TaskKind, forward};
use crate::physics::{Layer, Statics, pose};
use glam::Vec3;
use rapier3d::parry::shape::Cuboid;
use sprawl_world::SemanticClass;

/// Registration under `"car"`.
pub(crate) const REGISTRATION: Registration = Registration {
    name: "car",
    make: || Box::new(Car::default()),
};

/// Distance between the axles (metres).
const WHEELBASE: f32 = 2.7;
/// Largest road-wheel angle (radians).
const MAX_STEER: f32 = 0.6;
/// Steering rate limit (radians per second).
const STEER_RATE: f32 = 1.5;
/// Full-throttle acceleration at rest (m/s²).
const ENGINE: f32 = 4.0;
/// Speed at which the engine gives nothing more (m/s).
const TOP_SPEED: f32 = 30.0;
/// Full-brake deceleration (m/s²).
const BRAKE: f32 = 9.0;
/// Aerodynamic drag (1/m) and rolling resistance (m/s²).
const DRAG: f32 = 0.0015;
const ROLLING: f32 = 0.15;
/// Largest lateral acceleration the tyres give (m/s²).
const GRIP: f32 = 8.0;
/// Half extents of the body (metres).
const HALF: Vec3 = Vec3::new(0.9, 0.7, 2.2);
/// Height of the body centre above the ground (metres).
const BOX_OFFSET: f32 = 0.85;

const LOW: [f32; 3] = [0.0, 0.0, -1.0];
const HIGH: [f32; 3] = [1.0, 1.0, 1.0];

#[derive(Default)]
pub(crate) struct Car {
    /// Ground point under the centre of the car.
    pos: Vec3,
    yaw: f32,
    pitch: f32,
    /// Speed along the heading (m/s, never negative: no reverse gear).
    v: f32,
    steer: f32,
    yaw_rate: f32,
    velocity: Vec3,
    shape: Option<Cuboid>,
}

impl Car {
    fn ground(&self, statics: &Statics, p: Vec3) -> Option<(f32, SemanticClass)> {
        let top = p + Vec3::Y * 2.0;
        statics
            .cast_ray(Layer::Ground, top, Vec3::NEG_Y, 6.0)
            .map(|(t, c)| (top.y - t, c))
    }
}

impl AgentModel for Car {
    fn action_bounds(&self) -> (&'static [f32], &'static [f32]) {
        (&LOW, &HIGH)
    }

    fn task(&self) -> TaskKind {
        TaskKind::Lanes
    }

    fn place(&mut self, position: Vec3, yaw: f32, statics: &Statics) {
        *self = Self {
            pos: position,
            yaw,
            shape: Some(Cuboid::new(crate::physics::rv(HALF))),
            ..Self::default()
        };
        if let Some((y, _)) = self.ground(statics, position) {
            self.pos.y = y;
        }
    }

    fn step(&mut self, a: &[f32], statics: &Statics, dt: f32) -> StepReport {
        let (throttle, brake, steer_cmd) = (a[0], a[1], a[2]);
        let target = steer_cmd * MAX_STEER;
        self.steer += (target - self.steer).clamp(-STEER_RATE * dt, STEER_RATE * dt);

        let v0 = self.v;
        let engine = throttle * ENGINE * (1.0 - v0 / TOP_SPEED).max(0.0);
        // Brakes and rolling resistance also hold a stopped car on a slope.
        let resist = brake * BRAKE + DRAG * v0 * v0 + ROLLING;
        let slope = -9.81 * self.pitch.sin();
        let mut v1 = v0 + (engine + slope) * dt;
        // Resistances stop the car; they never push it backwards.
        v1 = (v1 - resist * dt).max(0.0);
        let v_mid = 0.5 * (v0 + v1);
        let mut yaw_rate = v_mid * self.steer.tan() / WHEELBASE;
        if v_mid > 0.1 {
            let limit = GRIP / v_mid;
            yaw_rate = yaw_rate.clamp(-limit, limit);
        }
        let yaw_mid = self.yaw + 0.5 * yaw_rate * dt;
        let motion = forward(yaw_mid) * v_mid * dt;

        let mut report = StepReport::default();
        let mut next = self.pos + motion;
        if motion.length_squared() > 1e-10 {
            let shape = self
                .shape
                .get_or_insert_with(|| Cuboid::new(crate::physics::rv(HALF)));
            let rot = crate::sensors::attitude(self.yaw, self.pitch, 0.0);
            let start = pose(self.pos + Vec3::Y * BOX_OFFSET, rot);
            if let Some((hit, _)) = statics.cast_shape(Layer::Solid, &start, motion, shape) {
                let t = (hit.time_of_impact - 0.02 / motion.length()).max(0.0);
                next = self.pos + motion * t;
                v1 = 0.0;
                report.collided = true;
                report.crashed = true;
            }
        }
        self.yaw += yaw_rate * dt;
        self.yaw_rate = yaw_rate;

        let f = forward(self.yaw);
        let front = self.ground(statics, next + f * (0.5 * WHEELBASE));
        let rear = self.ground(statics, next - f * (0.5 * WHEELBASE));
        let centre = match (front, rear) {
            (Some((yf, cf)), Some((yr, cr))) => {
                self.pitch = ((yf - yr) / WHEELBASE).atan();
                next.y = 0.5 * (yf + yr);
                // On the road when either axle is.
                let on = |c| matches!(c, SemanticClass::Road | SemanticClass::Bridge);
                Some(if on(cf) || on(cr) {
                    SemanticClass::Road
                } else {
                    cf
                })
            }
            (Some((y, c)), None) | (None, Some((y, c))) => {
                next.y = y;
                Some(c)
            }
            (None, None) => None,
        };
        report.surface = centre;
        self.velocity = (next - self.pos) / dt;
        self.pos = next;
        self.v = v1;
        report
    }

    fn body(&self) -> Body {
        Body {
            position: self.pos,
            yaw: self.yaw,
            pitch: self.pitch,
            roll: 0.0,
            velocity: self.velocity,
            yaw_rate: self.yaw_rate,
            above_ground: 0.0,
        }
    }

    fn half_extents(&self) -> Vec3 {
        HALF
    }

    fn box_offset(&self) -> f32 {
        BOX_OFFSET
    }

    fn sensor_height(&self) -> f32 {
        // Below the roofs of other cars (1.5 m), so a level lidar sees them.
        1.2
    }

    fn goal_radius(&self) -> f32 {
        5.0
    }

    fn is_vehicle(&self) -> bool {
        true
    }

    fn mass(&self) -> f32 {
        1500.0
    }

    fn queries_ground_shapes(&self) -> bool {
        // Ground by rays at the axles; its box casts only against solids.
        false
    }

    fn halt(&mut self) {
        self.v = 0.0;
        self.velocity = Vec3::ZERO;
    }
}
