//! The fly camera: WASD and the mouse, fast and slow, well over 100 m/s.
//!
//! | input | does |
//! |---|---|
//! | W A S D | forward, left, back, right |
//! | E / Space, Q | up, down |
//! | right mouse button held, or arrow keys | look around |
//! | Shift / Ctrl | ×5 faster / ×0.2 slower |
//! | mouse wheel | base speed ×1.25 per notch (1 to 600 m/s) |
//!
//! Keys are ignored while the panel has keyboard focus (typing a prompt).

use crate::stream::StreamAnchor;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;

/// Where the camera is: position and heading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraPose {
    /// Position (metres).
    pub position: Vec3,
    /// Heading: degrees counter-clockwise from north seen from above (90 = west).
    pub yaw_deg: f32,
    /// Degrees above the horizontal (negative looks down).
    pub pitch_deg: f32,
}

impl CameraPose {
    /// The camera transform.
    pub fn transform(&self) -> Transform {
        Transform::from_translation(self.position).with_rotation(Quat::from_euler(
            EulerRot::YXZ,
            self.yaw_deg.to_radians(),
            self.pitch_deg.clamp(-89.9, 89.9).to_radians(),
            0.0,
        ))
    }

    /// Parses `X,Y,Z,YAW,PITCH` (metres, degrees).
    pub fn parse(s: &str) -> Result<Self, String> {
        let v: Vec<f32> = s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f32>()
                    .map_err(|_| format!("`{p}` is not a number"))
            })
            .collect::<Result<_, _>>()
            .map_err(|e| format!("camera `{s}`: {e} (expected X,Y,Z,YAW,PITCH)"))?;
        let [x, y, z, yaw, pitch] = v[..] else {
            return Err(format!(
                "camera `{s}`: needs 5 comma-separated numbers X,Y,Z,YAW,PITCH, got {}",
                v.len()
            ));
        };
        if v.iter().any(|n| !n.is_finite() || n.abs() > 1.0e7) {
            return Err(format!(
                "camera `{s}`: numbers must be finite and within ±1e7"
            ));
        }
        Ok(Self {
            position: Vec3::new(x, y, z),
            yaw_deg: yaw,
            pitch_deg: pitch.clamp(-89.9, 89.9),
        })
    }
}

/// Speeds and look state of the fly camera.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct FlyCamera {
    /// Heading (radians, counter-clockwise from north).
    pub yaw: f32,
    /// Pitch (radians).
    pub pitch: f32,
    /// Cruising speed (m/s).
    pub speed: f32,
    /// Whether keyboard and mouse move it (off while a script or the simulator drives).
    pub enabled: bool,
}

impl FlyCamera {
    /// Multiplier while Shift is held.
    pub const FAST: f32 = 5.0;
    /// Multiplier while Ctrl is held.
    pub const SLOW: f32 = 0.2;
    /// Slowest and fastest cruising speed (m/s).
    pub const SPEED_RANGE: (f32, f32) = (1.0, 600.0);

    /// A fly camera with the pose's heading.
    pub fn from_pose(pose: &CameraPose) -> Self {
        Self {
            yaw: pose.yaw_deg.to_radians(),
            pitch: pose.pitch_deg.to_radians(),
            speed: 40.0,
            enabled: true,
        }
    }
}

/// Whether the panel is using the pointer or keyboard (set by the panel plugin).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UiCapture {
    /// The pointer is over the panel.
    pub pointer: bool,
    /// A text field has focus.
    pub keyboard: bool,
}

/// Ordering of the camera systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CameraSet {
    /// Move the camera from input.
    Move,
}

/// Spawns the camera at a pose and flies it.
pub struct FlyCameraPlugin {
    /// Where it starts.
    pub start: CameraPose,
    /// A software rasteriser: no multisampling, a depth prepass (each
    /// pixel of a dense skyline is shaded once) and the cheapest shadow filter.
    pub software: bool,
}

impl Plugin for FlyCameraPlugin {
    fn build(&self, app: &mut App) {
        let start = self.start;
        let software = self.software;
        app.init_resource::<UiCapture>()
            .configure_sets(
                Update,
                CameraSet::Move.before(crate::stream::StreamSet::Plan),
            )
            .add_systems(Startup, move |mut commands: Commands| {
                let msaa = if software { Msaa::Off } else { Msaa::Sample4 };
                let mut cam = commands.spawn(camera_bundle(&start, msaa));
                if software {
                    cam.insert((
                        bevy::core_pipeline::prepass::DepthPrepass,
                        bevy::light::ShadowFilteringMethod::Hardware2x2,
                    ));
                }
            })
            .add_systems(Update, fly.in_set(CameraSet::Move));
    }
}

/// Everything the viewer's camera entity carries.
pub fn camera_bundle(pose: &CameraPose, msaa: Msaa) -> impl Bundle {
    (
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection {
            fov: 60f32.to_radians(),
            near: 0.5,
            far: 4000.0,
            ..default()
        }),
        Tonemapping::AcesFitted,
        msaa,
        pose.transform(),
        FlyCamera::from_pose(pose),
        StreamAnchor,
    )
}

fn fly(
    time: Res<Time<Real>>,
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    ui: Res<UiCapture>,
    mut cams: Query<(&mut Transform, &mut FlyCamera)>,
) {
    let dt = time.delta_secs().min(0.1);
    for (mut t, mut cam) in &mut cams {
        if !cam.enabled {
            continue;
        }
        if !ui.pointer && scroll.delta.y != 0.0 {
            cam.speed = (cam.speed * 1.25f32.powf(scroll.delta.y.clamp(-5.0, 5.0)))
                .clamp(FlyCamera::SPEED_RANGE.0, FlyCamera::SPEED_RANGE.1);
        }
        let mut turn = Vec2::ZERO;
        if buttons.pressed(MouseButton::Right) && !ui.pointer {
            turn += motion.delta * 0.003;
        }
        if !ui.keyboard {
            let k = |c: KeyCode| if keys.pressed(c) { 1.0 } else { 0.0 };
            turn += Vec2::new(
                k(KeyCode::ArrowRight) - k(KeyCode::ArrowLeft),
                k(KeyCode::ArrowDown) - k(KeyCode::ArrowUp),
            ) * 1.6
                * dt;
        }
        cam.yaw -= turn.x;
        cam.pitch = (cam.pitch - turn.y).clamp(-1.55, 1.55);
        t.rotation = Quat::from_euler(EulerRot::YXZ, cam.yaw, cam.pitch, 0.0);
        if ui.keyboard {
            continue;
        }
        let k = |c: KeyCode| if keys.pressed(c) { 1.0 } else { 0.0 };
        let fwd = t.forward().as_vec3();
        let right = t.right().as_vec3();
        let dir = fwd * (k(KeyCode::KeyW) - k(KeyCode::KeyS))
            + right * (k(KeyCode::KeyD) - k(KeyCode::KeyA))
            + Vec3::Y * ((k(KeyCode::KeyE) + k(KeyCode::Space)).min(1.0) - k(KeyCode::KeyQ));
        if dir == Vec3::ZERO {
            continue;
        }
        let mut speed = cam.speed;
        if keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]) {
            speed *= FlyCamera::FAST;
        }
        if keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]) {
            speed *= FlyCamera::SLOW;
        }
        t.translation += dir.normalize() * speed * dt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pose_parses_and_faces_where_it_says() {
        let p = CameraPose::parse("10, 50,-20, 90, -30").unwrap();
        assert_eq!(p.position, Vec3::new(10.0, 50.0, -20.0));
        let f = p.transform().forward().as_vec3();
        // 90° counter-clockwise from north is west (−X), looking down.
        assert!(f.x < -0.8 && f.y < -0.4, "{f}");
        let north = CameraPose::parse("0,0,0,0,0")
            .unwrap()
            .transform()
            .forward();
        assert!(north.z < -0.99);
        for bad in ["1,2,3,4", "1,2,3,4,x", "1,2,3,4,NaN", "1,2,3,4,5,6"] {
            assert!(CameraPose::parse(bad).is_err(), "{bad}");
        }
    }
}
