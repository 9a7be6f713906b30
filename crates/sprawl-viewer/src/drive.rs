//! Walking and driving through the simulator (`sprawl-sim`).
//!
//! Switching to **walk** or **drive** starts a [`Sim`] on a background
//! thread over the same world file (the simulator only reads it), with one
//! agent — a pedestrian (rapier's kinematic character controller: it
//! collides with terrain and buildings and climbs steps) or a car (the
//! simulator's vehicle model) — placed where the camera is (a car on the
//! nearest lane), with background traffic and pedestrians around it. The
//! thread steps the simulator in real time at [`SIM_DT`] and sends each
//! state back; the main thread only polls, and moves the camera between the
//! last two states, so a slow step never stalls a frame.
//!
//! | key | does |
//! |---|---|
//! | 1 / 2 / 3 | fly / walk / drive |
//! | walk: W S, A D | forwards and back, turn left and right (mouse: look up and down with the right button) |
//! | drive: W, S, A D | throttle, brake, steer |
//!
//! An episode the simulator ends (a crash, leaving the carriageway) is
//! restarted where the agent stood. The simulator keeps its background
//! traffic to itself (its public API gives the agents' states and the
//! traffic counts, not the traffic's positions), so the viewer shows the
//! counts, not the cars.

use crate::camera::{FlyCamera, UiCapture};
use crate::stream::{StreamAnchor, StreamSet, Streamer};
use crate::world::ActiveWorld;
use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;
use sprawl_sim::{AgentState, SensorConfig, Sim, SimConfig, WorldSource as SimWorld};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::time::{Duration, Instant};

/// Simulated seconds per step (stepped in real time).
pub const SIM_DT: f32 = 0.05;

/// How the camera moves.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Free flight.
    #[default]
    Fly,
    /// On foot, through the simulator's character controller.
    Walk,
    /// In a car, through the simulator's vehicle model.
    Drive,
}

impl Mode {
    fn agent(self) -> Option<&'static str> {
        match self {
            Mode::Fly => None,
            Mode::Walk => Some("pedestrian"),
            Mode::Drive => Some("car"),
        }
    }
}

/// Asks for another mode (keys 1/2/3, the panel, tests).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchMode(pub Mode);

enum Update {
    State {
        state: AgentState,
        traffic: (usize, usize),
        step_ms: f32,
    },
    Note(String),
    Failed(String),
}

struct Session {
    actions: Sender<Vec<f32>>,
    updates: Mutex<Receiver<Update>>,
    prev: Option<AgentState>,
    cur: Option<(Instant, AgentState)>,
}

/// What the simulator is doing, for the panel and the camera.
#[derive(Resource, Default)]
pub struct SimView {
    session: Option<Session>,
    /// The mode in effect.
    pub mode: Mode,
    /// Latest message (started, respawned, failed).
    pub status: String,
    /// Background cars and pedestrians the simulator runs now.
    pub traffic: (usize, usize),
    /// The agent's latest state.
    pub state: Option<AgentState>,
    /// Wall time of the latest step (ms).
    pub step_ms: f32,
    /// Look up/down while walking (radians).
    pitch: f32,
}

/// Ordering of the walk/drive systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DriveSet {
    /// Switch modes, send actions, take states, place the camera.
    Run,
}

/// Walking and driving.
#[derive(Default)]
pub struct DrivePlugin;

impl Plugin for DrivePlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<SwitchMode>()
            .init_resource::<SimView>()
            .init_resource::<UiCapture>()
            .configure_sets(
                bevy::app::Update,
                DriveSet::Run
                    .after(crate::camera::CameraSet::Move)
                    .before(StreamSet::Plan),
            )
            .add_systems(
                bevy::app::Update,
                (mode_keys, switch, act, follow, body)
                    .chain()
                    .in_set(DriveSet::Run),
            );
    }
}

fn sim_thread(
    path: PathBuf,
    kind: &'static str,
    start: [f32; 3],
    yaw: f32,
    actions: Receiver<Vec<f32>>,
    out: Sender<Update>,
) {
    let config = SimConfig {
        world: SimWorld::File(path),
        agents: vec![kind.to_owned()],
        traffic_density: 0.4,
        pedestrian_density: 0.4,
        sensors: SensorConfig::default(),
        max_steps: u32::MAX,
        dt: SIM_DT,
        stream_radius: 120.0,
    };
    let mut seed = 1;
    let start_sim = |seed: u64, at: [f32; 3], yaw: f32| -> Result<Sim, String> {
        let mut sim = Sim::new(config.clone()).map_err(|e| e.to_string())?;
        sim.reset(seed).map_err(|e| e.to_string())?;
        sim.teleport(0, at, yaw).map_err(|e| e.to_string())?;
        Ok(sim)
    };
    let mut sim = match start_sim(seed, start, yaw) {
        Ok(s) => s,
        Err(e) => {
            let _ = out.send(Update::Failed(format!("the simulator did not start: {e}")));
            return;
        }
    };
    let _ = out.send(Update::Note(format!(
        "{kind} in the simulator ({} background cars, {} pedestrians)",
        sim.traffic_count().0,
        sim.traffic_count().1
    )));
    let mut action = vec![0.0; sim.action_dim(0)];
    let dt = Duration::from_secs_f32(SIM_DT);
    let mut next = Instant::now();
    loop {
        loop {
            match actions.try_recv() {
                Ok(a) if a.len() == action.len() => action = a,
                Ok(_) => {}
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let t0 = Instant::now();
        if let Err(e) = sim.step(&[&action]) {
            let _ = out.send(Update::Failed(format!("simulator step: {e}")));
            return;
        }
        let state = sim.agent_state(0);
        if state.outcome.is_terminal() {
            // The viewer has no episodes: start again where the agent stood.
            seed += 1;
            let p = state.position;
            let again = [p[0], p[1] + 0.5, p[2]];
            match sim
                .reset(seed)
                .and_then(|()| sim.teleport(0, again, state.yaw))
            {
                Ok(()) => {
                    let _ = out.send(Update::Note(format!(
                        "{} — carrying on from where it happened",
                        state.outcome.name().replace('_', " ")
                    )));
                }
                Err(e) => {
                    let _ = out.send(Update::Failed(format!("simulator restart: {e}")));
                    return;
                }
            }
        }
        let sent = out.send(Update::State {
            state: sim.agent_state(0),
            traffic: sim.traffic_count(),
            step_ms: t0.elapsed().as_secs_f32() * 1000.0,
        });
        if sent.is_err() {
            return;
        }
        next += dt;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > Duration::from_millis(250) {
            next = now; // fell behind (a slow step): do not try to catch up
        }
    }
}

/// The start of the lane nearest to `p` among chunks loaded at full detail,
/// and its heading (yaw, counter-clockwise from north).
pub fn nearest_lane(streamer: &Streamer, p: Vec3) -> Option<(Vec3, f32)> {
    let mut best: Option<(f32, Vec3, f32)> = None;
    for live in streamer.live.values() {
        let Some(chunk) = &live.chunk else { continue };
        for i in 0..chunk.roads.edges.len() {
            for (a, b) in chunk.roads.lanes(i) {
                let (a, b) = (Vec3::from(a), Vec3::from(b));
                let ab = b - a;
                let len2 = ab.length_squared();
                if len2 < 1.0 {
                    continue;
                }
                let t = ((p - a).dot(ab) / len2).clamp(0.1, 0.9);
                let q = a + ab * t;
                let d = Vec2::new(q.x - p.x, q.z - p.z).length();
                if best.is_none_or(|(bd, _, _)| d < bd) {
                    // Yaw 0 faces −Z; positive turns towards −X.
                    let yaw = (-ab.x).atan2(-ab.z);
                    best = Some((d, q, yaw));
                }
            }
        }
    }
    best.map(|(_, q, yaw)| (q, yaw))
}

/// Whether `p` lies within a building's (or roof's) bounds, among chunks
/// loaded at full detail.
pub fn inside_building(streamer: &Streamer, p: Vec3) -> bool {
    streamer.live.values().any(|live| {
        let Some(chunk) = &live.chunk else {
            return false;
        };
        chunk
            .objects
            .iter()
            .zip(&live.object_bounds)
            .any(|(o, (lo, hi))| {
                matches!(
                    o.class,
                    sprawl_world::SemanticClass::Building | sprawl_world::SemanticClass::Roof
                ) && p.x >= lo[0] - 0.5
                    && p.x <= hi[0] + 0.5
                    && p.z >= lo[2] - 0.5
                    && p.z <= hi[2] + 0.5
                    && p.y <= hi[1]
            })
    })
}

fn mode_keys(
    keys: Res<ButtonInput<KeyCode>>,
    ui: Res<UiCapture>,
    mut w: MessageWriter<SwitchMode>,
) {
    if ui.keyboard {
        return;
    }
    for (k, m) in [
        (KeyCode::Digit1, Mode::Fly),
        (KeyCode::Digit2, Mode::Walk),
        (KeyCode::Digit3, Mode::Drive),
    ] {
        if keys.just_pressed(k) {
            w.write(SwitchMode(m));
        }
    }
}

fn switch(
    mut reader: MessageReader<SwitchMode>,
    world: Option<Res<ActiveWorld>>,
    streamer: Res<Streamer>,
    mut view: ResMut<SimView>,
    mut cams: Query<(&Transform, &mut FlyCamera), With<StreamAnchor>>,
) {
    let Some(SwitchMode(mode)) = reader.read().last().copied() else {
        // A new world ends walking and driving.
        if view.session.is_some() && world.as_ref().is_some_and(|w| w.is_changed()) {
            stop(&mut view, &mut cams);
        }
        return;
    };
    stop(&mut view, &mut cams);
    let (Some(kind), Some(world)) = (mode.agent(), world) else {
        return;
    };
    let Ok((t, _)) = cams.single() else { return };
    let here = t.translation;
    let (start, yaw) = match mode {
        Mode::Drive => match nearest_lane(&streamer, here) {
            Some(p) => p,
            None => {
                view.status = "no road nearby to drive on (fly closer to one)".into();
                return;
            }
        },
        _ => {
            let f = t.forward();
            let ground = Vec3::new(here.x, world.ground_height(here.x, here.z), here.z);
            // Not inside a building: then the nearest street instead.
            match nearest_lane(&streamer, here) {
                Some(lane) if inside_building(&streamer, ground) => lane,
                _ => (ground, (-f.x).atan2(-f.z)),
            }
        }
    };
    let (atx, arx) = channel();
    let (utx, urx) = channel();
    let path = world.path.clone();
    let at = [start.x, start.y + 1.0, start.z];
    let spawned = std::thread::Builder::new()
        .name("sprawl-sim".into())
        .spawn(move || sim_thread(path, kind, at, yaw, arx, utx));
    if let Err(e) = spawned {
        view.status = format!("could not start the simulator thread: {e}");
        return;
    }
    view.session = Some(Session {
        actions: atx,
        updates: Mutex::new(urx),
        prev: None,
        cur: None,
    });
    view.mode = mode;
    view.pitch = -0.05;
    view.status = format!("starting the simulator ({kind})…");
    if let Ok((_, mut f)) = cams.single_mut() {
        f.enabled = false;
    }
}

fn stop(view: &mut SimView, cams: &mut Query<(&Transform, &mut FlyCamera), With<StreamAnchor>>) {
    // Dropping the action sender ends the thread.
    view.session = None;
    view.mode = Mode::Fly;
    view.state = None;
    if let Ok((t, mut f)) = cams.single_mut() {
        let (yaw, pitch, _) = t.rotation.to_euler(EulerRot::YXZ);
        f.yaw = yaw;
        f.pitch = pitch;
        f.enabled = true;
    }
}

fn act(
    keys: Res<ButtonInput<KeyCode>>,
    ui: Res<UiCapture>,
    mut view: ResMut<SimView>,
    mut cams: Query<(&Transform, &mut FlyCamera), With<StreamAnchor>>,
) {
    let Some(session) = &view.session else {
        return;
    };
    let k = |c: KeyCode| {
        if !ui.keyboard && keys.pressed(c) {
            1.0f32
        } else {
            0.0
        }
    };
    let action = match view.mode {
        Mode::Walk => vec![
            k(KeyCode::KeyW) - k(KeyCode::KeyS),
            k(KeyCode::KeyA) - k(KeyCode::KeyD),
        ],
        Mode::Drive => vec![
            k(KeyCode::KeyW),
            k(KeyCode::KeyS),
            k(KeyCode::KeyA) - k(KeyCode::KeyD),
        ],
        Mode::Fly => return,
    };
    let gone = session.actions.send(action).is_err();
    // Take every state the thread sent since the last frame.
    let mut failed = None;
    let mut notes = Vec::new();
    let mut latest = None;
    if let Ok(rx) = session.updates.lock() {
        while let Ok(u) = rx.try_recv() {
            match u {
                Update::State {
                    state,
                    traffic,
                    step_ms,
                } => latest = Some((state, traffic, step_ms)),
                Update::Note(n) => notes.push(n),
                Update::Failed(e) => failed = Some(e),
            }
        }
    }
    if let Some((state, traffic, step_ms)) = latest {
        let session = view.session.as_mut().expect("checked above");
        session.prev = session.cur.map(|(_, s)| s).or(Some(state));
        session.cur = Some((Instant::now(), state));
        view.state = Some(state);
        view.traffic = traffic;
        view.step_ms = step_ms;
    }
    if let Some(n) = notes.pop() {
        view.status = n;
    }
    if let Some(e) = failed {
        view.status = e;
        stop(&mut view, &mut cams);
    } else if gone {
        view.status = "the simulator stopped".into();
        stop(&mut view, &mut cams);
    }
}

/// The agent's pose between the last two states (one step behind, smooth).
fn interpolated(session: &Session) -> Option<(Vec3, f32)> {
    let (at, cur) = session.cur?;
    let prev = session.prev.unwrap_or(cur);
    let a = (at.elapsed().as_secs_f32() / SIM_DT).clamp(0.0, 1.0);
    let p = Vec3::from(prev.position).lerp(Vec3::from(cur.position), a);
    let mut dy = cur.yaw - prev.yaw;
    dy = (dy + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
    Some((p, prev.yaw + dy * a))
}

fn follow(
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    ui: Res<UiCapture>,
    mut view: ResMut<SimView>,
    mut cams: Query<&mut Transform, With<StreamAnchor>>,
) {
    if buttons.pressed(MouseButton::Right) && !ui.pointer {
        view.pitch = (view.pitch - motion.delta.y * 0.003).clamp(-1.4, 1.4);
    }
    let Some((p, yaw)) = view.session.as_ref().and_then(interpolated) else {
        return;
    };
    let Ok(mut t) = cams.single_mut() else { return };
    match view.mode {
        Mode::Walk => {
            t.translation = p + Vec3::Y * 1.65;
            t.rotation = Quat::from_euler(EulerRot::YXZ, yaw, view.pitch, 0.0);
        }
        Mode::Drive => {
            let back = Quat::from_rotation_y(yaw) * Vec3::Z;
            let eye = p + back * 9.0 + Vec3::Y * 3.6;
            *t = Transform::from_translation(eye).looking_at(p + Vec3::Y * 1.2, Vec3::Y);
        }
        Mode::Fly => {}
    }
}

/// The agent body, not the camera.
type BodyOnly = (With<AgentBody>, Without<StreamAnchor>);

/// The car drawn while driving.
#[derive(Component, Debug)]
pub struct AgentBody;

fn body(
    mut commands: Commands,
    view: Res<SimView>,
    meshes: Option<ResMut<Assets<Mesh>>>,
    materials: Option<ResMut<Assets<StandardMaterial>>>,
    mut bodies: Query<(Entity, &mut Transform), BodyOnly>,
) {
    // Headless (no renderer): nothing to draw.
    let (Some(mut meshes), Some(mut materials)) = (meshes, materials) else {
        return;
    };
    let pose = (view.mode == Mode::Drive)
        .then(|| view.session.as_ref().and_then(interpolated))
        .flatten();
    match (pose, bodies.single_mut()) {
        (Some((p, yaw)), Ok((_, mut t))) => {
            t.translation = p + Vec3::Y * 0.75;
            t.rotation = Quat::from_rotation_y(yaw);
        }
        (Some((p, yaw)), Err(_)) => {
            commands.spawn((
                AgentBody,
                Mesh3d(meshes.add(Cuboid::new(1.9, 1.5, 4.5))),
                MeshMaterial3d(materials.add(StandardMaterial {
                    base_color: Color::srgb(0.85, 0.12, 0.1),
                    perceptual_roughness: 0.35,
                    ..default()
                })),
                Transform::from_translation(p + Vec3::Y * 0.75)
                    .with_rotation(Quat::from_rotation_y(yaw)),
            ));
        }
        (None, Ok((e, _))) => {
            commands.entity(e).despawn();
        }
        (None, Err(_)) => {}
    }
}
