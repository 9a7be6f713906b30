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
//! | T | throw a 1 m crate from the camera |
//! | F | kick the selected bench, parked car or prop away from the camera |
//!
//! An episode the simulator ends (a crash, leaving the carriageway) is
//! restarted where the agent stood.
//!
//! **Traffic:** the simulator's background cars and pedestrians
//! ([`Sim::traffic`]) are drawn as boxes ([`TrafficBody`]) at the poses of
//! its latest step.
//!
//! **Dynamic props:** benches, parked cars and user props are rigid bodies
//! in the simulator; the car pushes them, and T and F throw and kick. A prop
//! the simulator has moved is taken out of its chunk's baked mesh and drawn
//! on its own ([`MovingProp`]) at the simulator's pose. Where it comes to
//! rest ([`Sim::prop_edits`]) is journalled as an [`Edit::DynamicState`] in
//! the world file and the prop goes back into its chunk there; a thrown
//! crate that comes to rest is journalled as a new crate (the simulator's
//! thrown bodies last one session).

use crate::camera::{FlyCamera, UiCapture};
use crate::edit::{EditCommand, PropKind, Selection, prop_object};
use crate::mesher::{ChunkMeshes, Layer, MeshStyle};
use crate::stream::{ChunkMaterials, StreamAnchor, StreamSet, Streamer, rebake};
use crate::world::ActiveWorld;
use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;
use sprawl_sim::{
    AgentState, PropState, SensorConfig, Sim, SimConfig, ThrownBody, TrafficState,
    WorldSource as SimWorld,
};
use sprawl_world::{Edit, Object, ObjectId, Transform as WTransform};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::time::{Duration, Instant};

/// Simulated seconds per step (stepped in real time).
pub const SIM_DT: f32 = 0.05;
/// How many steps (at most) an ended episode waits for the props it set
/// moving to come to rest before the simulator starts again: 3 s.
const SETTLE_STEPS: u64 = 60;

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

/// Side of the crate T throws (metres).
pub const THROWN_SIDE: f32 = 1.0;
/// Mass of the crate T throws (kilograms).
pub const THROWN_MASS: f32 = 25.0;
/// Speed a crate is thrown at (metres per second, along the view).
pub const THROW_SPEED: f32 = 14.0;
/// Impulse F gives the selected prop (newton-seconds): 5 m/s to a 60 kg
/// bench, a shove to a 1.2 t parked car.
pub const KICK_IMPULSE: f32 = 300.0;

/// Asks the running simulator to move props (keys T and F, tests).
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum PropRequest {
    /// Throw a 1 m crate from `from` with `velocity` (metres, metres per second).
    Throw {
        /// Centre of the crate at release.
        from: Vec3,
        /// Its velocity at release.
        velocity: Vec3,
    },
    /// An impulse (newton-seconds) on a movable prop at its centre of mass.
    Kick {
        /// The prop.
        id: ObjectId,
        /// The impulse.
        impulse: Vec3,
    },
}

/// What the viewer sends the simulator thread.
enum Request {
    Act(Vec<f32>),
    Throw(ThrownBody),
    Kick(ObjectId, [f32; 3]),
}

enum Update {
    State {
        state: AgentState,
        traffic: (usize, usize),
        step_ms: f32,
        movers: Vec<TrafficState>,
        props: Vec<PropState>,
    },
    Rested(Vec<Edit>),
    Note(String),
    Failed(String),
}

struct Session {
    actions: Sender<Request>,
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
    /// Background cars and pedestrians after the latest step.
    pub movers: Vec<TrafficState>,
    /// Props the simulator has moved this session, as of the latest step.
    pub props: Vec<PropState>,
    /// Resting places reported and not yet journalled.
    rested: Vec<Edit>,
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
            .add_message::<PropRequest>()
            .add_message::<EditCommand>()
            .init_resource::<SimView>()
            .init_resource::<MovingProps>()
            .init_resource::<Selection>()
            .init_resource::<UiCapture>()
            .configure_sets(
                bevy::app::Update,
                DriveSet::Run
                    .after(crate::camera::CameraSet::Move)
                    .before(StreamSet::Plan),
            )
            .add_systems(
                bevy::app::Update,
                (
                    mode_keys,
                    switch,
                    prop_keys,
                    act,
                    follow,
                    body,
                    draw_traffic,
                    sync_props,
                )
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
    actions: Receiver<Request>,
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
    // Resting places already sent, so that each is journalled once.
    let mut sent: HashMap<ObjectId, WTransform> = HashMap::new();
    let mut steps: u64 = 0;
    // The step at which an ended episode restarts even if props still move.
    let mut restart_at: Option<u64> = None;
    loop {
        loop {
            match actions.try_recv() {
                Ok(Request::Act(a)) if a.len() == action.len() => action = a,
                Ok(Request::Act(_)) => {}
                Ok(Request::Throw(body)) => {
                    if let Err(e) = sim.throw_body(body) {
                        let _ = out.send(Update::Note(format!("could not throw: {e}")));
                    }
                }
                Ok(Request::Kick(id, impulse)) => {
                    if let Err(e) = sim.apply_impulse(id, impulse, None) {
                        let _ = out.send(Update::Note(format!("could not kick {id}: {e}")));
                    }
                }
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
        let restart = state.outcome.is_terminal() && {
            // What the ending set moving (a shoved parked car) comes to rest
            // first, for at most SETTLE_STEPS, and is journalled: a reset
            // puts the simulator's props back where their chunks had them.
            let deadline = *restart_at.get_or_insert(steps + SETTLE_STEPS);
            steps >= deadline || sim.props().iter().all(|p| !p.moved || p.resting)
        };
        if restart {
            restart_at = None;
            if !send_rested(&sim, &mut sent, &out) {
                return;
            }
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
        let step_ms = t0.elapsed().as_secs_f32() * 1000.0;
        steps += 1;
        // Twice a second: props that came to rest somewhere new.
        if steps.is_multiple_of(10) && !send_rested(&sim, &mut sent, &out) {
            return;
        }
        let delivered = out.send(Update::State {
            state: sim.agent_state(0),
            traffic: sim.traffic_count(),
            step_ms,
            movers: sim.traffic(),
            props: sim.props().into_iter().filter(|p| p.moved).collect(),
        });
        if delivered.is_err() {
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

/// Sends the resting places of props that came to rest somewhere new since
/// the last call (each journalled once); false once the viewer is gone.
fn send_rested(sim: &Sim, sent: &mut HashMap<ObjectId, WTransform>, out: &Sender<Update>) -> bool {
    let new: Vec<Edit> = sim
        .prop_edits()
        .into_iter()
        .filter(|e| match e {
            Edit::DynamicState { id, transform, .. } => {
                sent.insert(*id, *transform) != Some(*transform)
            }
            _ => false,
        })
        .collect();
    new.is_empty() || out.send(Update::Rested(new)).is_ok()
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
    view.movers.clear();
    view.props.clear();
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
    mut requests: MessageReader<PropRequest>,
    mut view: ResMut<SimView>,
    mut cams: Query<(&Transform, &mut FlyCamera), With<StreamAnchor>>,
) {
    let Some(session) = &view.session else {
        if requests.read().count() > 0 {
            view.status =
                "throwing and kicking need the simulator: walk (2) or drive (3) first".into();
        }
        return;
    };
    for r in requests.read() {
        let _ = session.actions.send(match *r {
            PropRequest::Throw { from, velocity } => Request::Throw(ThrownBody {
                position: from.to_array(),
                velocity: velocity.to_array(),
                half_extents: [THROWN_SIDE * 0.5; 3],
                mass: THROWN_MASS,
            }),
            PropRequest::Kick { id, impulse } => Request::Kick(id, impulse.to_array()),
        });
    }
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
    let gone = session.actions.send(Request::Act(action)).is_err();
    // Take every state the thread sent since the last frame.
    let mut failed = None;
    let mut notes = Vec::new();
    let mut latest = None;
    let mut rested = Vec::new();
    if let Ok(rx) = session.updates.lock() {
        while let Ok(u) = rx.try_recv() {
            match u {
                Update::State {
                    state,
                    traffic,
                    step_ms,
                    movers,
                    props,
                } => latest = Some((state, traffic, step_ms, movers, props)),
                Update::Rested(edits) => rested.extend(edits),
                Update::Note(n) => notes.push(n),
                Update::Failed(e) => failed = Some(e),
            }
        }
    }
    view.rested.extend(rested);
    if let Some((state, traffic, step_ms, movers, props)) = latest {
        let session = view.session.as_mut().expect("checked above");
        session.prev = session.cur.map(|(_, s)| s).or(Some(state));
        session.cur = Some((Instant::now(), state));
        view.state = Some(state);
        view.traffic = traffic;
        view.step_ms = step_ms;
        view.movers = movers;
        view.props = props;
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

/// T throws a crate from the camera; F kicks the selected movable object.
fn prop_keys(
    keys: Res<ButtonInput<KeyCode>>,
    ui: Res<UiCapture>,
    selection: Res<Selection>,
    cams: Query<&Transform, With<StreamAnchor>>,
    mut out: MessageWriter<PropRequest>,
) {
    if ui.keyboard {
        return;
    }
    let Ok(cam) = cams.single() else { return };
    let forward = cam.forward().as_vec3();
    if keys.just_pressed(KeyCode::KeyT) {
        out.write(PropRequest::Throw {
            from: cam.translation + forward * 1.5,
            velocity: forward * THROW_SPEED + Vec3::Y * 2.0,
        });
    }
    if keys.just_pressed(KeyCode::KeyF)
        && let Some(o) = &selection.object
        && o.class.is_dynamic()
    {
        let flat = Vec3::new(forward.x, 0.0, forward.z).normalize_or(Vec3::NEG_Z);
        out.write(PropRequest::Kick {
            id: o.id,
            impulse: (flat + Vec3::Y * 0.3).normalize() * KICK_IMPULSE,
        });
    }
}

/// A background car or pedestrian drawn from [`SimView::movers`]: the
/// `slot`-th of its kind.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficBody {
    /// A car (else a pedestrian).
    pub car: bool,
    /// Its index among its kind in the latest step.
    pub slot: usize,
}

/// Meshes and materials of the traffic (made once, where a renderer is).
struct TrafficAssets {
    cube: Handle<Mesh>,
    paints: Vec<Handle<StandardMaterial>>,
    clothes: Handle<StandardMaterial>,
}

fn traffic_assets(
    meshes: Option<ResMut<Assets<Mesh>>>,
    materials: Option<ResMut<Assets<StandardMaterial>>>,
) -> Option<TrafficAssets> {
    let (mut meshes, mut materials) = (meshes?, materials?);
    let paint = |m: &mut Assets<StandardMaterial>, c: Color| {
        m.add(StandardMaterial {
            base_color: c,
            perceptual_roughness: 0.4,
            ..default()
        })
    };
    let paints = [
        Color::srgb(0.75, 0.75, 0.78),
        Color::srgb(0.1, 0.1, 0.12),
        Color::srgb(0.55, 0.08, 0.08),
        Color::srgb(0.12, 0.22, 0.5),
        Color::srgb(0.9, 0.9, 0.88),
        Color::srgb(0.85, 0.65, 0.1),
    ]
    .into_iter()
    .map(|c| paint(&mut materials, c))
    .collect();
    Some(TrafficAssets {
        cube: meshes.add(Cuboid::new(1.0, 1.0, 1.0)),
        paints,
        clothes: paint(&mut materials, Color::srgb(0.3, 0.22, 0.35)),
    })
}

/// Places one box per background car and pedestrian of the latest step,
/// reusing entities; spare ones are hidden.
fn draw_traffic(
    mut commands: Commands,
    view: Res<SimView>,
    meshes: Option<ResMut<Assets<Mesh>>>,
    materials: Option<ResMut<Assets<StandardMaterial>>>,
    mut assets: Local<Option<Option<TrafficAssets>>>,
    mut bodies: Query<(&TrafficBody, &mut Transform, &mut Visibility)>,
) {
    if !view.is_changed() {
        return;
    }
    let assets = assets.get_or_insert_with(|| traffic_assets(meshes, materials));
    let mut want: HashMap<(bool, usize), Transform> = HashMap::new();
    let mut counts = [0usize; 2];
    for m in &view.movers {
        let slot = counts[usize::from(m.car)];
        counts[usize::from(m.car)] += 1;
        let t = Transform::from_translation(Vec3::from(m.centre))
            .with_rotation(Quat::from_rotation_y(m.yaw))
            .with_scale(Vec3::from(m.half_extents) * 2.0);
        want.insert((m.car, slot), t);
    }
    for (body, mut t, mut vis) in &mut bodies {
        match want.remove(&(body.car, body.slot)) {
            Some(w) => {
                *t = w;
                *vis = Visibility::Inherited;
            }
            None => *vis = Visibility::Hidden,
        }
    }
    for ((car, slot), t) in want {
        let mut e = commands.spawn((TrafficBody { car, slot }, t, Visibility::Inherited));
        if let Some(a) = assets {
            let material = if car {
                a.paints[slot % a.paints.len()].clone()
            } else {
                a.clothes.clone()
            };
            e.insert((Mesh3d(a.cube.clone()), MeshMaterial3d(material)));
        }
    }
}

/// A prop drawn at the simulator's pose while it is out of its chunk's mesh.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct MovingProp(pub ObjectId);

/// Props taken out of their chunks while the simulator moves them.
#[derive(Resource, Debug, Default)]
pub struct MovingProps {
    /// Each prop as its chunk had it, and the entity drawing it now.
    detached: HashMap<ObjectId, (Option<Object>, Entity)>,
    /// Where each prop was journalled at rest.
    settled: HashMap<ObjectId, WTransform>,
    /// Thrown crates already journalled as new crates.
    placed: HashSet<ObjectId>,
}

impl MovingProps {
    /// Props drawn on their own now.
    pub fn moving(&self) -> usize {
        self.detached.len()
    }
}

/// The object's mesh in its own frame (origin at the object's origin,
/// `offset` added), coloured as its chunk would colour it.
fn object_mesh(object: &Object, style: &MeshStyle, offset: Vec3) -> Option<Mesh> {
    let mut local = object.clone();
    local.transform = WTransform {
        translation: offset,
        ..WTransform::default()
    };
    let mut out = ChunkMeshes::default();
    crate::mesher::add_object(&mut out, &local, style);
    let layer = Layer::ALL
        .into_iter()
        .map(|l| std::mem::take(&mut out.layers[l as usize]))
        .find(|b| !b.is_empty())?;
    Some(crate::stream::to_mesh(layer))
}

fn to_bevy(t: &WTransform) -> Transform {
    Transform {
        translation: t.translation,
        rotation: t.rotation,
        scale: t.scale,
    }
}

/// Despawns a prop drawn on its own (`entity`) and puts its object back
/// into its live chunk, at `at` or where the object was; true if the chunk
/// took it (it is loaded and does not hold the object already).
fn reattach(
    commands: &mut Commands,
    streamer: &mut Streamer,
    id: ObjectId,
    object: Option<Object>,
    entity: Entity,
    at: Option<WTransform>,
) -> bool {
    commands.entity(entity).despawn();
    let chunk = streamer
        .live
        .get_mut(&id.chunk)
        .and_then(|l| l.chunk.as_mut());
    match (object, chunk) {
        (Some(o), Some(chunk)) if chunk.object(id).is_none() => {
            let transform = at.unwrap_or(o.transform);
            chunk.objects.push(Object { transform, ..o });
            true
        }
        _ => false,
    }
}

/// Keeps the simulator's moved props on screen where it has them, and
/// journals where they come to rest.
#[expect(
    clippy::too_many_arguments,
    reason = "moving props touch the simulator, the stream and the edits"
)]
fn sync_props(
    mut commands: Commands,
    world: Option<Res<ActiveWorld>>,
    mut view: ResMut<SimView>,
    mut streamer: ResMut<Streamer>,
    materials: Res<ChunkMaterials>,
    meshes: Option<ResMut<Assets<Mesh>>>,
    mut moving: ResMut<MovingProps>,
    mut edits: MessageWriter<EditCommand>,
    mut drawn: Query<&mut Transform, With<MovingProp>>,
) {
    let (Some(world), Some(mut meshes)) = (world, meshes) else {
        return;
    };
    if view.rested.is_empty()
        && view.props.is_empty()
        && moving.detached.is_empty()
        && !view.is_changed()
    {
        return;
    }
    let style = MeshStyle {
        palette: world.spec.palette.clone(),
        look: world.spec.look,
    };
    let mut touched: HashSet<sprawl_world::ChunkCoord> = HashSet::new();
    // Resting places: back into the chunk, then journalled (which re-bakes it).
    for edit in std::mem::take(&mut view.rested) {
        let Edit::DynamicState { id, transform, .. } = edit else {
            continue;
        };
        if let Some((object, e)) = moving.detached.remove(&id) {
            reattach(&mut commands, &mut streamer, id, object, e, Some(transform));
        }
        moving.settled.insert(id, transform);
        edits.write(EditCommand::Rest { id, transform });
    }
    let props = std::mem::take(&mut view.props);
    for p in &props {
        if p.thrown {
            if moving.placed.contains(&p.id) {
                continue;
            }
            if p.resting {
                // A thrown crate at rest becomes a crate in the world file.
                let half = THROWN_SIDE * 0.5;
                let t = p.transform;
                let base = WTransform {
                    translation: t.translation + t.rotation * Vec3::new(0.0, -half, 0.0),
                    ..t
                };
                edits.write(EditCommand::Place {
                    prop: PropKind::Crate,
                    transform: base,
                });
                moving.placed.insert(p.id);
                if let Some((_, e)) = moving.detached.remove(&p.id) {
                    commands.entity(e).despawn();
                }
                continue;
            }
        } else if moving.settled.get(&p.id) == Some(&p.transform) {
            continue;
        }
        // Out of the chunk's mesh (again, if the chunk was reloaded).
        let live_chunk = streamer
            .live
            .get_mut(&p.id.chunk)
            .and_then(|l| l.chunk.as_mut());
        let mut taken = None;
        if let Some(chunk) = live_chunk
            && let Some(i) = chunk.objects.iter().position(|o| o.id == p.id)
        {
            taken = Some(chunk.objects.remove(i));
            touched.insert(p.id.chunk);
        }
        match moving.detached.get_mut(&p.id) {
            Some((_, e)) => {
                if let Ok(mut t) = drawn.get_mut(*e) {
                    *t = to_bevy(&p.transform);
                }
            }
            None => {
                let (object, offset) = match (&taken, p.thrown) {
                    (_, true) => (
                        Some(prop_object(PropKind::Crate, Vec3::ZERO, 0.0)),
                        Vec3::new(0.0, -THROWN_SIDE * 0.5, 0.0),
                    ),
                    (Some(o), false) => (Some(o.clone()), Vec3::ZERO),
                    // Not loaded at full detail: nothing to draw it from.
                    (None, false) => (None, Vec3::ZERO),
                };
                let Some(object) = object else { continue };
                let mut e = commands.spawn((
                    MovingProp(p.id),
                    to_bevy(&p.transform),
                    Visibility::Inherited,
                ));
                if let Some(mesh) = object_mesh(&object, &style, offset) {
                    e.insert((
                        Mesh3d(meshes.add(mesh)),
                        MeshMaterial3d(materials.opaque.clone()),
                    ));
                }
                let id = e.id();
                moving.detached.insert(p.id, (taken.clone(), id));
            }
        }
    }
    view.props = props;
    // The simulator stopped: props it moved but never reported at rest go
    // back where the world file has them.
    if view.session.is_none() && view.rested.is_empty() {
        for (id, (object, e)) in std::mem::take(&mut moving.detached) {
            if reattach(&mut commands, &mut streamer, id, object, e, None) {
                touched.insert(id.chunk);
            }
        }
    }
    for c in touched {
        rebake(
            &mut commands,
            &mut meshes,
            &materials,
            &mut streamer,
            &style,
            c,
        );
    }
}
