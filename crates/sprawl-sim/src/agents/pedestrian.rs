//! The pedestrian: rapier's kinematic character controller with a capsule,
//! so it climbs curbs and steps, walks up slopes up to 45°, slides along
//! walls and never passes through a building.

use super::{AgentModel, Body, Registration, StepReport, TaskKind, forward};
use crate::physics::{Layer, Statics, gv, pose, rv};
use glam::{Quat, Vec3};
use rapier3d::control::{CharacterAutostep, CharacterLength, KinematicCharacterController};
use rapier3d::parry::shape::Capsule;
use rapier3d::pipeline::QueryFilter;

/// Registration under `"pedestrian"`.
pub(crate) const REGISTRATION: Registration = Registration {
    name: "pedestrian",
    make: || Box::new(Pedestrian::default()),
};

/// Fastest walk forwards (m/s); backwards is half of it.
const WALK: f32 = 2.0;
/// Fastest turn (rad/s).
const TURN: f32 = 2.5;
/// Capsule radius and half height of its cylinder (metres): 1.8 m tall.
const RADIUS: f32 = 0.3;
const HALF_HEIGHT: f32 = 0.6;

const LOW: [f32; 2] = [-1.0, -1.0];
const HIGH: [f32; 2] = [1.0, 1.0];

pub(crate) struct Pedestrian {
    /// Feet.
    pos: Vec3,
    yaw: f32,
    vy: f32,
    velocity: Vec3,
    yaw_rate: f32,
    controller: KinematicCharacterController,
    shape: Capsule,
}

impl Default for Pedestrian {
    fn default() -> Self {
        Self {
            pos: Vec3::ZERO,
            yaw: 0.0,
            vy: 0.0,
            velocity: Vec3::ZERO,
            yaw_rate: 0.0,
            controller: KinematicCharacterController {
                offset: CharacterLength::Absolute(0.02),
                autostep: Some(CharacterAutostep {
                    max_height: CharacterLength::Absolute(0.35),
                    min_width: CharacterLength::Absolute(0.15),
                    include_dynamic_bodies: false,
                }),
                max_slope_climb_angle: 45f32.to_radians(),
                min_slope_slide_angle: 50f32.to_radians(),
                snap_to_ground: Some(CharacterLength::Absolute(0.4)),
                ..KinematicCharacterController::default()
            },
            shape: Capsule::new_y(HALF_HEIGHT, RADIUS),
        }
    }
}

impl Pedestrian {
    fn centre(&self) -> Vec3 {
        self.pos + Vec3::Y * (HALF_HEIGHT + RADIUS)
    }
}

impl AgentModel for Pedestrian {
    fn action_bounds(&self) -> (&'static [f32], &'static [f32]) {
        (&LOW, &HIGH)
    }

    fn task(&self) -> TaskKind {
        TaskKind::Sidewalks
    }

    fn place(&mut self, position: Vec3, yaw: f32, statics: &Statics) {
        *self = Self {
            pos: position,
            yaw,
            ..Self::default()
        };
        let top = position + Vec3::Y * 2.0;
        if let Some((t, _)) = statics.cast_ray(Layer::Ground, top, Vec3::NEG_Y, 6.0) {
            self.pos.y = top.y - t + 0.02;
        }
    }

    fn step(&mut self, a: &[f32], statics: &Statics, dt: f32) -> StepReport {
        let speed = if a[0] >= 0.0 {
            a[0] * WALK
        } else {
            a[0] * 0.5 * WALK
        };
        self.yaw_rate = a[1] * TURN;
        self.yaw += self.yaw_rate * dt;
        self.vy = (self.vy - 9.81 * dt).max(-20.0);
        let wanted = forward(self.yaw) * speed * dt + Vec3::Y * self.vy * dt;
        // Light props (benches, user props) do not stop feet: they are pushed.
        let pass = |h: rapier3d::geometry::ColliderHandle, _: &rapier3d::geometry::Collider| {
            !statics.is_light_prop(h)
        };
        let q = statics.query(Layer::All, QueryFilter::default().predicate(&pass));
        let start = pose(self.centre(), Quat::IDENTITY);
        let moved = self
            .controller
            .move_shape(dt, &q, &self.shape, &start, rv(wanted), |_| {});
        let d = gv(moved.translation);
        if moved.grounded {
            self.vy = 0.0;
        }
        let mut report = StepReport::default();
        let want_plan = wanted.x.hypot(wanted.z);
        if want_plan > 1e-3 && d.x.hypot(d.z) < 0.5 * want_plan {
            report.collided = true;
        }
        self.pos += d;
        self.velocity = d / dt;
        let top = self.pos + Vec3::Y * 1.0;
        report.surface = statics
            .cast_ray(Layer::Ground, top, Vec3::NEG_Y, 1.5)
            .map(|(_, c)| c);
        report
    }

    fn body(&self) -> Body {
        Body {
            position: self.pos,
            yaw: self.yaw,
            pitch: 0.0,
            roll: 0.0,
            velocity: self.velocity,
            yaw_rate: self.yaw_rate,
            above_ground: 0.0,
        }
    }

    fn half_extents(&self) -> Vec3 {
        Vec3::new(RADIUS, HALF_HEIGHT + RADIUS, RADIUS)
    }

    fn box_offset(&self) -> f32 {
        HALF_HEIGHT + RADIUS
    }

    fn sensor_height(&self) -> f32 {
        1.6
    }

    fn goal_radius(&self) -> f32 {
        2.5
    }

    fn is_vehicle(&self) -> bool {
        false
    }

    fn mass(&self) -> f32 {
        75.0
    }

    fn halt(&mut self) {
        self.velocity = Vec3::ZERO;
    }
}
