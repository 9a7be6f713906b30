//! The simulator: one world, its agents, traffic, sensors and tasks.

use crate::agents::{self, AgentModel, Body, Registration, StepReport, TaskKind, forward};
use crate::config::{SimConfig, SimOptions, WorldSource};
use crate::physics::Statics;
use crate::props::{Props, Pusher};
use crate::roads::{RoadNet, Route, Tracker, Way, sidewalk_offset};
use crate::sensors::{Camera, Lidar, Mover, attitude};
use crate::stream::{ChunkSource, Loader, LoaderStats};
use crate::traffic::Traffic;
use crate::{AgentState, Outcome, PropState, SimError};
use glam::Vec3;
use rapier3d::geometry::ColliderHandle;
use sprawl_world::hash::{StableHasher, mix64};
use sprawl_world::{Chunk, ChunkCoord, Edit, ObjectId, SemanticClass, WorldSpec};
use std::sync::Arc;

/// Length of the ego part of the vector observation.
pub const EGO_LEN: usize = 8;
/// Length of the route part of the vector observation.
pub const ROUTE_LEN: usize = 15;
/// Distances ahead along the route of the five route waypoints (metres).
pub const WAYPOINTS_AHEAD: [f32; 5] = [5.0, 10.0, 20.0, 40.0, 80.0];

/// Live chunks beyond the stream radius are dropped this much further out (metres).
const DROP_MARGIN: f32 = 32.0;
/// Chunks this much beyond the stream radius are made ahead in the background (metres).
const PREFETCH_MARGIN: f32 = 16.0;
/// Seconds of travel ahead that prefetching also covers.
const PREFETCH_AHEAD_S: f32 = 4.0;

/// Reward terms (see the crate documentation).
const REWARD_PER_METRE: f32 = 0.1;
const REWARD_SUCCESS: f32 = 10.0;
const REWARD_CRASH: f32 = -10.0;
const REWARD_OFF_ROAD_END: f32 = -5.0;
const REWARD_WRONG_WAY_END: f32 = -5.0;
const PENALTY_OFF_ROAD: f32 = 0.1;
const PENALTY_WRONG_WAY: f32 = 0.1;
const PENALTY_BUMP: f32 = 0.05;
const PENALTY_PED_ON_ROAD: f32 = 0.02;
/// Seconds off the carriageway, or against the traffic, before the episode ends.
const OFF_ROAD_LIMIT_S: f32 = 1.0;
const WRONG_WAY_LIMIT_S: f32 = 3.0;

/// An agent's spawn: where on which way, and the hash its route turns by.
struct Pick {
    way: Way,
    s0: f32,
    task: TaskKind,
    hash: u64,
    start: Vec3,
}

struct Agent {
    reg: &'static Registration,
    model: Box<dyn AgentModel>,
    route: Route,
    tracker: Tracker,
    state: AgentState,
    reward: f32,
    lidar: Vec<f32>,
    depth: Vec<f32>,
    semantic: Vec<u8>,
    off_road_s: f32,
    wrong_way_s: f32,
    surface: Option<SemanticClass>,
    body: Body,
}

/// One simulated world with its agents. See the [crate documentation](crate).
///
/// `Send`: build one per thread and step them in parallel; nothing is shared.
pub struct Sim {
    config: SimConfig,
    options: SimOptions,
    props: Props,
    movable: Vec<(usize, ColliderHandle)>,
    pushers: Vec<Pusher>,
    /// No agent runs shape queries against the ground: meshes need no parry trimesh.
    lazy_meshes: bool,
    /// The spec before seeding (generated worlds), else `None` (world file).
    base: Option<WorldSpec>,
    chunk_size: f32,
    radius: f32,
    loader: Loader,
    statics: Statics,
    live: Vec<Chunk>,
    live_handles: Vec<Vec<ColliderHandle>>,
    net: RoadNet,
    traffic: Traffic,
    agents: Vec<Agent>,
    movers: Vec<Mover>,
    required: Vec<ChunkCoord>,
    scratch: Vec<ChunkCoord>,
    lidar: Option<Lidar>,
    depth_cam: Option<Camera>,
    semantic_cam: Option<Camera>,
    seed: u64,
    steps: u32,
    ready: bool,
    prefetched_at: Vec<Vec3>,
    ways: Vec<Way>,
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), SimError> {
    if ok {
        Ok(())
    } else {
        Err(SimError::InvalidConfig(what()))
    }
}

fn validate(c: &SimConfig) -> Result<(), SimError> {
    check(!c.agents.is_empty() && c.agents.len() <= 64, || {
        format!("agents: need 1 to 64 agents, got {}", c.agents.len())
    })?;
    check(c.dt.is_finite() && c.dt > 0.0 && c.dt <= 1.0, || {
        format!("dt must be in (0, 1] seconds, got {}", c.dt)
    })?;
    check(c.max_steps >= 1, || "max_steps must be at least 1".into())?;
    for (name, v) in [
        ("traffic_density", c.traffic_density),
        ("pedestrian_density", c.pedestrian_density),
    ] {
        check((0.0..=1.0).contains(&v), || {
            format!("{name} must be in 0..=1, got {v}")
        })?;
    }
    check(
        c.stream_radius.is_finite() && c.stream_radius > 0.0 && c.stream_radius <= 2000.0,
        || {
            format!(
                "stream_radius must be in (0, 2000] metres, got {}",
                c.stream_radius
            )
        },
    )?;
    if let Some(l) = c.sensors.lidar {
        check((1..=100_000).contains(&l.rays), || {
            format!("lidar rays must be 1 to 100000, got {}", l.rays)
        })?;
        check((1..=1024).contains(&l.channels), || {
            format!("lidar channels must be 1 to 1024, got {}", l.channels)
        })?;
        check(
            l.range.is_finite() && l.range > 0.0 && l.range <= 1000.0,
            || format!("lidar range must be in (0, 1000] metres, got {}", l.range),
        )?;
        check(
            l.vertical_fov.is_finite() && (0.0..=std::f32::consts::PI).contains(&l.vertical_fov),
            || {
                format!(
                    "lidar vertical_fov must be in 0..=π radians, got {}",
                    l.vertical_fov
                )
            },
        )?;
    }
    for (name, cam) in [("depth", c.sensors.depth), ("semantic", c.sensors.semantic)] {
        if let Some(k) = cam {
            check(
                (1..=4096).contains(&k.width) && (1..=4096).contains(&k.height),
                || format!("{name} camera size must be 1 to 4096 pixels a side"),
            )?;
            check(
                k.fov.is_finite() && k.fov > 0.0 && k.fov < std::f32::consts::PI,
                || format!("{name} camera fov must be in (0, π) radians, got {}", k.fov),
            )?;
            check(
                k.range.is_finite() && k.range > 0.0 && k.range <= 1000.0,
                || {
                    format!(
                        "{name} camera range must be in (0, 1000] metres, got {}",
                        k.range
                    )
                },
            )?;
        }
    }
    Ok(())
}

impl Sim {
    /// Checks the configuration, reads the world (interprets a prompt or
    /// sketch, opens a world file) and prepares a simulator; call
    /// [`reset`](Self::reset) before stepping.
    pub fn new(config: SimConfig) -> Result<Sim, SimError> {
        Self::with_options(config, SimOptions::default())
    }

    /// [`new`](Self::new) with [`SimOptions`] (dynamic props, route length).
    pub fn with_options(config: SimConfig, options: SimOptions) -> Result<Sim, SimError> {
        validate(&config)?;
        options.validate()?;
        let mut regs = Vec::with_capacity(config.agents.len());
        for name in &config.agents {
            regs.push(
                agents::find(name).ok_or_else(|| SimError::UnknownAgentKind {
                    name: name.clone(),
                    known: agents::agent_kinds().join(", "),
                })?,
            );
        }
        let base = match &config.world {
            WorldSource::Spec(s) => Some((**s).clone()),
            WorldSource::Prompt(text) => {
                Some(sprawl_gen::prompt::interpret_prompt(text, &WorldSpec::default())?.spec)
            }
            WorldSource::Sketch(path) => {
                let options = sprawl_gen::sketch::SketchOptions::default();
                let report = sprawl_gen::sketch::interpret_sketch_file(path, &options).map_err(
                    |source| SimError::Sketch {
                        path: path.clone(),
                        source,
                    },
                )?;
                Some(WorldSpec {
                    sketch: Some(report.layout),
                    ..WorldSpec::default()
                })
            }
            WorldSource::File(_) => None,
        };
        let source = match (&config.world, &base) {
            (WorldSource::File(p), _) => ChunkSource::File(p.clone()),
            (_, Some(spec)) => {
                spec.validate()?;
                ChunkSource::Spec(Arc::new(spec.clone()))
            }
            (_, None) => unreachable!("every generated source has a base spec"),
        };
        let loader = Loader::new(source)?;
        let chunk_size = loader.spec().chunk_size;
        let s = &config.sensors;
        let radius = [
            Some(config.stream_radius),
            s.lidar.map(|l| l.range),
            s.depth.map(|c| c.range),
            s.semantic.map(|c| c.range),
        ]
        .into_iter()
        .flatten()
        .fold(0.0f32, f32::max);
        let lidar = s.lidar.map(Lidar::new);
        let depth_cam = s.depth.map(Camera::new);
        let semantic_cam = match (s.depth, s.semantic) {
            (Some(d), Some(m)) if d == m => None, // rendered together with depth
            (_, m) => m.map(Camera::new),
        };
        let agents: Vec<Agent> = regs
            .into_iter()
            .map(|reg| Agent {
                reg,
                model: (reg.make)(),
                route: Route::default(),
                tracker: Tracker::default(),
                state: blank_state(),
                reward: 0.0,
                lidar: vec![0.0; lidar.as_ref().map_or(0, Lidar::len)],
                depth: vec![0.0; s.depth.map_or(0, |c| (c.width * c.height) as usize)],
                semantic: vec![0; s.semantic.map_or(0, |c| (c.width * c.height) as usize)],
                off_road_s: 0.0,
                wrong_way_s: 0.0,
                surface: None,
                body: Body::default(),
            })
            .collect();
        let lazy_meshes = agents
            .iter()
            .all(|a: &Agent| !a.model.queries_ground_shapes());
        Ok(Sim {
            lazy_meshes,
            config,
            options,
            props: Props::default(),
            movable: Vec::new(),
            pushers: Vec::new(),
            base,
            chunk_size,
            radius,
            loader,
            statics: Statics::default(),
            live: Vec::new(),
            live_handles: Vec::new(),
            net: RoadNet::default(),
            traffic: Traffic::default(),
            agents,
            movers: Vec::new(),
            required: Vec::new(),
            scratch: Vec::new(),
            lidar,
            depth_cam,
            semantic_cam,
            seed: 0,
            steps: 0,
            ready: false,
            prefetched_at: Vec::new(),
            ways: Vec::new(),
        })
    }

    /// Starts a new episode.
    ///
    /// For a generated world (spec, prompt, sketch) the seed is the world's
    /// seed: a new seed is a new city. For a world file the city is the
    /// file's and the seed picks spawn points, goals and traffic. The same
    /// seed (and the same actions) replays the same episode bit for bit.
    ///
    /// On error the simulator needs another successful reset before stepping.
    pub fn reset(&mut self, seed: u64) -> Result<(), SimError> {
        self.ready = false;
        self.seed = seed;
        self.steps = 0;
        if let Some(base) = &self.base
            && self.loader.spec().seed != seed
        {
            let spec = WorldSpec {
                seed,
                ..base.clone()
            };
            self.statics.clear();
            self.props.forget();
            self.live.clear();
            self.live_handles.clear();
            self.loader.set_spec(Arc::new(spec));
        } else {
            self.props.reset_episode(&mut self.statics);
        }
        // Everything the episode sees is rebuilt from the seed; only live
        // chunks (identical whatever made them) carry over.
        self.net = RoadNet::default();
        self.traffic.clear();
        self.required.clear();
        self.prefetched_at.clear();
        let mut picks: Vec<Pick> = Vec::with_capacity(self.agents.len());
        for i in 0..self.agents.len() {
            let taken: Vec<Vec3> = picks.iter().map(|p| p.start).collect();
            picks.push(self.pick(i, &taken)?);
        }
        // The chunks around the spawns go to the background thread, nearest
        // first, while this thread walks the routes; then whatever has not
        // arrived is waited for or made here.
        let mut needed = Vec::new();
        for p in &picks {
            self.chunks_near(p.start, self.radius, &mut needed);
        }
        needed.sort_unstable();
        needed.dedup();
        let mut missing: Vec<ChunkCoord> = needed
            .iter()
            .copied()
            .filter(|c| !self.live.iter().any(|l| l.coord == *c))
            .collect();
        let starts: Vec<Vec3> = picks.iter().map(|p| p.start).collect();
        let key = |c: &ChunkCoord| {
            starts
                .iter()
                .map(|p| self.chunk_distance(*c, *p))
                .fold(f32::INFINITY, f32::min)
        };
        missing.sort_by(|a, b| key(a).total_cmp(&key(b)));
        for c in &missing {
            self.loader.prefetch(*c);
        }
        let mut spawns = Vec::with_capacity(picks.len());
        for p in &picks {
            spawns.push(self.walk(p.way, p.s0, p.task, p.hash)?);
        }
        for (i, route) in spawns.into_iter().enumerate() {
            let a = &mut self.agents[i];
            a.tracker = Tracker::default();
            a.state = blank_state();
            a.reward = 0.0;
            a.off_road_s = 0.0;
            a.wrong_way_s = 0.0;
            a.route = route;
        }
        self.update_required(&needed)?;
        for i in 0..self.agents.len() {
            let a = &mut self.agents[i];
            let start = a.route.points[0];
            let (_, dir) = a.route.at(0.0);
            a.model.place(start, (-dir.x).atan2(-dir.z), &self.statics);
            a.body = a.model.body();
        }
        self.rebuild_movers();
        for i in 0..self.agents.len() {
            self.evaluate(i, StepReport::default(), true);
        }
        self.sense();
        self.prefetch(true);
        self.ready = true;
        Ok(())
    }

    /// Number of agents.
    pub fn num_agents(&self) -> usize {
        self.agents.len()
    }

    /// Kind name of agent `agent` (`"car"`, `"pedestrian"`, `"drone"`).
    ///
    /// # Panics
    /// If `agent >= num_agents()` (as do all per-agent methods).
    pub fn agent_kind(&self, agent: usize) -> &str {
        self.agents[agent].reg.name
    }

    /// Length of agent `agent`'s action vector: car 3 (throttle 0..1, brake
    /// 0..1, steering −1..1, positive left), pedestrian 2 (walk −1..1 of
    /// 2 m/s forwards, half that backwards; turn −1..1 of 2.5 rad/s, positive
    /// left), drone 4 (thrust 0..1 of twice its weight; roll, pitch, yaw
    /// rates −1..1 of 2 rad/s).
    pub fn action_dim(&self, agent: usize) -> usize {
        self.agents[agent].model.action_bounds().0.len()
    }

    /// Lower and upper bounds of each action component.
    pub fn action_bounds(&self, agent: usize) -> (Vec<f32>, Vec<f32>) {
        let (lo, hi) = self.agents[agent].model.action_bounds();
        (lo.to_vec(), hi.to_vec())
    }

    /// Length of the flat vector observation: [`EGO_LEN`] ego values,
    /// [`ROUTE_LEN`] route values, then `rays × channels` lidar values.
    pub fn vector_obs_len(&self, _agent: usize) -> usize {
        EGO_LEN + ROUTE_LEN + self.lidar.as_ref().map_or(0, Lidar::len)
    }

    /// Lower and upper bound of every value of agent `agent`'s vector
    /// observation; see [`vector_obs_bounds`](crate::vector_obs_bounds).
    pub fn vector_obs_bounds(&self, agent: usize) -> (Vec<f32>, Vec<f32>) {
        vector_obs_bounds(self.vector_obs_len(agent) - EGO_LEN - ROUTE_LEN)
    }

    /// `(height, width)` of the depth and the semantic image, where configured.
    pub fn camera_shape(&self) -> (Option<crate::ImageShape>, Option<crate::ImageShape>) {
        let s = &self.config.sensors;
        (
            s.depth.map(|c| (c.height, c.width)),
            s.semantic.map(|c| (c.height, c.width)),
        )
    }

    /// Advances the world one fixed step of `dt` seconds with one action per agent.
    ///
    /// Every action is checked first (count, length, NaN, infinity, bounds);
    /// on any error nothing moves. Agents whose episode has ended stay where
    /// they are (their actions are still checked) and get zero reward.
    pub fn step(&mut self, actions: &[&[f32]]) -> Result<(), SimError> {
        if !self.ready {
            return Err(SimError::NotReset);
        }
        if actions.len() != self.agents.len() {
            return Err(SimError::WrongActionCount {
                expected: self.agents.len(),
                got: actions.len(),
            });
        }
        for (i, (a, act)) in self.agents.iter().zip(actions).enumerate() {
            let (lo, hi) = a.model.action_bounds();
            if act.len() != lo.len() {
                return Err(SimError::InvalidAction {
                    agent: i,
                    reason: format!(
                        "a {} takes {} values, got {}",
                        a.reg.name,
                        lo.len(),
                        act.len()
                    ),
                });
            }
            for (k, v) in act.iter().enumerate() {
                if !v.is_finite() {
                    return Err(SimError::InvalidAction {
                        agent: i,
                        reason: format!("component {k} is {v}, not a finite number"),
                    });
                }
                if *v < lo[k] || *v > hi[k] {
                    return Err(SimError::InvalidAction {
                        agent: i,
                        reason: format!(
                            "component {k} is {v}, outside its bounds {}..={}",
                            lo[k], hi[k]
                        ),
                    });
                }
            }
        }
        self.steps += 1;
        let dt = self.config.dt;
        let mut reports = [StepReport::default(); 64];
        let mut before = [Vec3::ZERO; 64];
        for (i, act) in actions.iter().enumerate() {
            let a = &mut self.agents[i];
            if a.state.outcome != Outcome::Running {
                continue;
            }
            before[i] = a.body.velocity;
            reports[i] = a.model.step(act, &self.statics, dt);
            a.body = a.model.body();
        }
        // Traffic keeps its distance to the agents as they are now.
        self.movers.clear();
        self.agent_movers();
        self.traffic
            .step(&self.net, dt, &self.movers, self.chunk_size, &self.required);
        self.stream()?;
        if self.props.len() > 0 {
            self.push_props(&reports, &before);
        }
        self.rebuild_movers();
        for (i, report) in reports.iter().take(self.agents.len()).enumerate() {
            if self.agents[i].state.outcome == Outcome::Running {
                self.evaluate(i, *report, false);
            } else {
                self.agents[i].reward = 0.0;
            }
        }
        self.sense();
        Ok(())
    }

    /// Writes agent `agent`'s vector observation into `out` (length
    /// [`vector_obs_len`](Self::vector_obs_len); see the crate docs for the layout).
    ///
    /// # Panics
    /// If `out` is shorter than `EGO_LEN + ROUTE_LEN`; lidar values beyond
    /// its length are left out.
    pub fn write_vector_obs(&self, agent: usize, out: &mut [f32]) {
        let a = &self.agents[agent];
        let b = a.body;
        let (ego, rest) = out.split_at_mut(EGO_LEN);
        let (route, lidar) = rest.split_at_mut(ROUTE_LEN);
        let f = forward(b.yaw);
        let left = forward(b.yaw + std::f32::consts::FRAC_PI_2);
        ego[0] = b.velocity.dot(f) / 20.0;
        ego[1] = b.velocity.dot(left) / 20.0;
        ego[2] = b.velocity.y / 10.0;
        ego[3] = b.yaw_rate / 2.0;
        ego[4] = b.pitch;
        ego[5] = b.roll;
        ego[6] = (b.above_ground / 50.0).min(4.0);
        ego[7] = if a.state.on_route_surface { 1.0 } else { 0.0 };
        for v in ego.iter_mut() {
            *v = v.clamp(-10.0, 10.0);
        }
        let p = b.position;
        for (k, ahead) in WAYPOINTS_AHEAD.iter().enumerate() {
            let (q, _) = a.route.at(a.tracker.progress + ahead);
            let d = q - p;
            route[2 * k] = (d.dot(f) / 50.0).clamp(-4.0, 4.0);
            route[2 * k + 1] = (d.dot(left) / 50.0).clamp(-4.0, 4.0);
        }
        let (q, dir) = a.route.at(a.tracker.progress + WAYPOINTS_AHEAD[1]);
        let plan = Vec3::new(dir.x, 0.0, dir.z).normalize_or(f);
        route[10] = (a.state.distance_to_goal / 100.0).min(10.0);
        route[11] = (a.tracker.lateral / 5.0).clamp(-4.0, 4.0);
        route[12] = f.cross(plan).y.clamp(-1.0, 1.0);
        route[13] = f.dot(plan).clamp(-1.0, 1.0);
        route[14] = ((q.y - p.y) / 20.0).clamp(-4.0, 4.0);
        let n = lidar.len().min(a.lidar.len());
        lidar[..n].copy_from_slice(&a.lidar[..n]);
    }

    /// Writes the depth image of agent `agent` (metres along the optical
    /// axis, row-major from the top-left; the camera's range where nothing
    /// was hit). Leaves `out` untouched when no depth camera is configured.
    pub fn write_depth(&self, agent: usize, out: &mut [f32]) {
        let src = &self.agents[agent].depth;
        let n = out.len().min(src.len());
        out[..n].copy_from_slice(&src[..n]);
    }

    /// Writes the semantic image of agent `agent`
    /// ([`SemanticClass::id`], 0 = nothing within range).
    pub fn write_semantic(&self, agent: usize, out: &mut [u8]) {
        let src = &self.agents[agent].semantic;
        let n = out.len().min(src.len());
        out[..n].copy_from_slice(&src[..n]);
    }

    /// Reward of the last step (see the crate documentation).
    pub fn reward(&self, agent: usize) -> f32 {
        self.agents[agent].reward
    }

    /// Whether the episode ended for `agent` (success, crash, off road, wrong way).
    pub fn terminated(&self, agent: usize) -> bool {
        self.agents[agent].state.outcome.is_terminal()
    }

    /// Whether the episode was cut short by the step limit.
    pub fn truncated(&self, agent: usize) -> bool {
        self.agents[agent].state.outcome == Outcome::Timeout
    }

    /// How the episode stands for `agent`.
    pub fn outcome(&self, agent: usize) -> Outcome {
        self.agents[agent].state.outcome
    }

    /// The agent's state after the last step.
    pub fn agent_state(&self, agent: usize) -> AgentState {
        self.agents[agent].state
    }

    /// Number of chunks with colliders in the world now.
    pub fn loaded_chunks(&self) -> usize {
        self.live.len()
    }

    /// Coordinates of the chunks with colliders now, sorted.
    pub fn loaded_chunk_coords(&self) -> Vec<ChunkCoord> {
        let mut v: Vec<ChunkCoord> = self.live.iter().map(|c| c.coord).collect();
        v.sort_unstable();
        v
    }

    /// Counters of the background chunk loader.
    pub fn loader_stats(&self) -> LoaderStats {
        self.loader.stats
    }

    /// Number of background cars and pedestrians now.
    pub fn traffic_count(&self) -> (usize, usize) {
        (self.traffic.cars.len(), self.traffic.walkers.len())
    }

    /// Every background car and pedestrian after the last step, cars first
    /// (for drawing them, or checking them).
    pub fn traffic(&self) -> Vec<crate::TrafficState> {
        self.traffic.states()
    }

    /// The route of `agent` as a polyline from the spawn to the goal (metres).
    pub fn route(&self, agent: usize) -> &[Vec3] {
        &self.agents[agent].route.points
    }

    /// The live chunks (for drawing).
    pub(crate) fn live_chunks(&self) -> &[Chunk] {
        &self.live
    }

    /// The moving boxes after the last step (for drawing).
    pub(crate) fn movers(&self) -> &[Mover] {
        &self.movers
    }

    /// Moves agent `agent` to `position` facing `yaw` (radians) at rest,
    /// streaming the world around it, without ending its episode. Meant for
    /// tests and scripted scenarios; the route stays the same.
    pub fn teleport(&mut self, agent: usize, position: [f32; 3], yaw: f32) -> Result<(), SimError> {
        if !self.ready {
            return Err(SimError::NotReset);
        }
        let p = Vec3::from(position);
        if !p.is_finite() || !yaw.is_finite() {
            return Err(SimError::InvalidAction {
                agent,
                reason: "teleport target is not finite".into(),
            });
        }
        let a = &mut self.agents[agent];
        a.body.position = p;
        a.tracker = Tracker::default();
        self.stream()?;
        let a = &mut self.agents[agent];
        a.model.place(p, yaw, &self.statics);
        a.body = a.model.body();
        a.tracker.update(&a.route, a.body.position);
        self.rebuild_movers();
        self.sense();
        Ok(())
    }

    /// The options the simulator was made with.
    pub fn options(&self) -> SimOptions {
        self.options
    }

    /// Every movable prop of the live chunks (benches, parked cars, user
    /// props, thrown bodies) with its pose now, in load order; empty with
    /// `dynamic_props` off. See [`PropState`].
    pub fn props(&self) -> Vec<PropState> {
        self.props.states()
    }

    /// One movable prop's state, if its chunk is live.
    pub fn prop(&self, id: ObjectId) -> Option<PropState> {
        self.props.state(id)
    }

    /// Applies an impulse (newton-seconds, world frame) to a movable prop at
    /// `point` (world, metres; its centre of mass when `None`), waking it;
    /// it moves from the next [`step`](Self::step).
    pub fn apply_impulse(
        &mut self,
        id: ObjectId,
        impulse: [f32; 3],
        point: Option<[f32; 3]>,
    ) -> Result<(), SimError> {
        if !self.ready {
            return Err(SimError::NotReset);
        }
        let j = Vec3::from(impulse);
        let at = point.map(Vec3::from);
        if !j.is_finite() || at.is_some_and(|p| !p.is_finite()) {
            return Err(SimError::InvalidProp(format!(
                "impulse {impulse:?} at {point:?} is not finite"
            )));
        }
        let Some(prop) = self.props.state(id) else {
            return Err(SimError::UnknownProp(id));
        };
        // The same bound as a thrown body's speed: finite but huge impulses
        // would give velocities that overflow in the solver.
        if j.length() / prop.mass > 100.0 {
            return Err(SimError::InvalidProp(format!(
                "impulse {impulse:?} would move a {} kg prop faster than 100 m/s",
                prop.mass
            )));
        }
        if self
            .props
            .apply_impulse(id, j, at, &mut self.statics, &self.live, &self.live_handles)
        {
            Ok(())
        } else {
            Err(SimError::UnknownProp(id))
        }
    }

    /// Throws a box into the world (a [`SemanticClass::Prop`] that sensors
    /// see and agents push); returns its id, owned by the chunk it starts
    /// in (it goes when that chunk is dropped or the episode resets). The
    /// position must lie in a live chunk.
    pub fn throw_body(&mut self, body: crate::ThrownBody) -> Result<ObjectId, SimError> {
        if !self.ready {
            return Err(SimError::NotReset);
        }
        let p = Vec3::from(body.position);
        let v = Vec3::from(body.velocity);
        let he = Vec3::from(body.half_extents);
        if !(p.is_finite() && v.is_finite() && he.is_finite() && body.mass.is_finite()) {
            return Err(SimError::InvalidProp(format!(
                "thrown body has a non-finite number: {body:?}"
            )));
        }
        if he.min_element() < 0.01 || he.max_element() > 5.0 {
            return Err(SimError::InvalidProp(format!(
                "half extents must be 0.01 to 5 metres, got {:?}",
                body.half_extents
            )));
        }
        if !(0.1..=10_000.0).contains(&body.mass) {
            return Err(SimError::InvalidProp(format!(
                "mass must be 0.1 to 10000 kg, got {}",
                body.mass
            )));
        }
        if v.length() > 100.0 {
            return Err(SimError::InvalidProp(format!(
                "speed must be at most 100 m/s, got {}",
                v.length()
            )));
        }
        let c = ChunkCoord::containing(p.x, p.z, self.chunk_size);
        if !self.live.iter().any(|l| l.coord == c) {
            return Err(SimError::InvalidProp(format!(
                "position {:?} is not in a loaded chunk",
                body.position
            )));
        }
        if !self.options.dynamic_props {
            return Err(SimError::InvalidProp(
                "dynamic props are off (SimOptions::dynamic_props)".into(),
            ));
        }
        Ok(self
            .props
            .throw(&body, c, &mut self.statics, &self.live, &self.live_handles))
    }

    /// Where the props that moved this episode came to rest, as
    /// [`Edit::DynamicState`] (zero velocities; sorted by id) for a host to
    /// journal in the world file, where loading places them there. Props
    /// still moving and thrown bodies are not included.
    pub fn prop_edits(&self) -> Vec<Edit> {
        self.props.edits()
    }

    // ------------------------------------------------------------ internals

    /// Agents' boxes push the props they touch; the prop physics steps.
    fn push_props(&mut self, reports: &[StepReport], before: &[Vec3]) {
        self.pushers.clear();
        for (i, a) in self.agents.iter().enumerate() {
            if a.state.outcome != Outcome::Running {
                continue;
            }
            let b = a.body;
            let crashed = reports[i].crashed;
            self.pushers.push(Pusher {
                centre: b.position + Vec3::Y * a.model.box_offset(),
                yaw: b.yaw,
                half: a.model.half_extents(),
                velocity: if crashed { before[i] } else { b.velocity },
                mass: a.model.mass(),
                crashed,
            });
        }
        self.props.step(
            &self.pushers,
            self.config.dt,
            &mut self.statics,
            &self.live,
            &self.live_handles,
        );
    }

    /// Chunks whose square lies within `r` metres (in plan) of `p`.
    fn chunks_near(&self, p: Vec3, r: f32, out: &mut Vec<ChunkCoord>) {
        let s = self.chunk_size;
        let (x0, x1) = (
            ((p.x - r) / s).floor() as i32,
            ((p.x + r) / s).floor() as i32,
        );
        let (z0, z1) = (
            ((p.z - r) / s).floor() as i32,
            ((p.z + r) / s).floor() as i32,
        );
        for z in z0..=z1 {
            for x in x0..=x1 {
                let c = ChunkCoord::new(x, z);
                if c.plan_gap_sq(s, p.x, p.z) <= r * r {
                    out.push(c);
                }
            }
        }
    }

    /// Adds a chunk's road graph to the network (making the chunk if needed).
    fn know(&mut self, c: ChunkCoord) -> Result<(), SimError> {
        if self.net.has(c) {
            return Ok(());
        }
        if let Some(l) = self.live.iter().find(|l| l.coord == c) {
            self.net.add(c, &l.roads);
        } else {
            let roads = self.loader.roads(c)?;
            self.net.add(c, &roads);
        }
        Ok(())
    }

    /// Picks agent `i`'s spawn from the seed, at least 12 m from the spawns
    /// already `taken`.
    fn pick(&mut self, i: usize, taken: &[Vec3]) -> Result<Pick, SimError> {
        let task = self.agents[i].model.task();
        let h = StableHasher::new().u64(self.seed).str("spawn").finish();
        // The episode's area: a chunk near the origin, from the seed.
        let base = ChunkCoord::new((mix64(h) % 5) as i32 - 2, (mix64(h ^ 1) % 5) as i32 - 2);
        let car = task != TaskKind::Sidewalks;
        let mut order: Vec<ChunkCoord> = Vec::new();
        for r in 0..=4i32 {
            for z in -r..=r {
                for x in -r..=r {
                    if x.abs().max(z.abs()) == r {
                        order.push(ChunkCoord::new(base.x + x, base.z + z));
                    }
                }
            }
        }
        for (attempt, c) in order.into_iter().enumerate() {
            self.know(c)?;
            let Some(edges) = self.net.by_chunk.get(&c) else {
                continue;
            };
            let mut candidates: Vec<Way> = Vec::new();
            for &e in edges {
                if self.net.edges[e as usize].len < 30.0 {
                    continue;
                }
                for forward in [true, false] {
                    let w = Way { edge: e, forward };
                    if !car || self.net.lanes(w) > 0 {
                        candidates.push(w);
                    }
                }
            }
            if candidates.is_empty() {
                continue;
            }
            let hi = StableHasher::new()
                .u64(self.seed)
                .u64(i as u64)
                .u64(attempt as u64)
                .finish();
            // Try the candidates in a hashed order until one is clear of the others.
            let n = candidates.len() as u64;
            for k in 0..n {
                let hk = mix64(hi ^ k);
                let w = candidates[((hi % n + k) % n) as usize];
                let len = self.net.edges[w.edge as usize].len;
                let s0 = len * (0.25 + 0.5 * ((hk >> 40) as f32 / (1u64 << 24) as f32));
                let start = self.start_point(w, s0, task);
                if taken.iter().all(|t| t.distance_squared(start) > 144.0) {
                    return Ok(Pick {
                        way: w,
                        s0,
                        task,
                        hash: hk,
                        start,
                    });
                }
            }
        }
        Err(SimError::NoRoad {
            agent: i,
            searched_m: 4.5 * self.chunk_size,
        })
    }

    /// The line an agent of `task` follows along way `w` (lane or sidewalk).
    fn line(&self, w: Way, task: TaskKind) -> (Vec3, Vec3) {
        match task {
            TaskKind::Sidewalks => self
                .net
                .offset_line(w, sidewalk_offset(self.net.edges[w.edge as usize].class)),
            _ => self.net.lane_line(w, 0),
        }
    }

    /// The point `s0` metres along way `w`'s line.
    fn start_point(&self, w: Way, s0: f32, task: TaskKind) -> Vec3 {
        let (a, b) = self.line(w, task);
        let t = s0 / a.distance(b).max(1e-3);
        a + (b - a) * t.clamp(0.0, 1.0)
    }

    /// A route from `s0` metres along way `w`, turning by hashes at junctions.
    fn walk(&mut self, mut w: Way, s0: f32, task: TaskKind, h: u64) -> Result<Route, SimError> {
        let (target, lift) = match task {
            TaskKind::Lanes => (300.0, 0.0),
            TaskKind::Sidewalks => (150.0, 0.15),
            TaskKind::Air => (250.0, 25.0),
        };
        let target = self.options.route_length.unwrap_or(target);
        let (_, b) = self.line(w, task);
        let start = self.start_point(w, s0, task);
        let mut points = vec![start];
        if task == TaskKind::Air {
            points.push(start + Vec3::Y * lift);
        }
        points.push(b + Vec3::Y * lift);
        let mut length = start.distance(b);
        let mut turn = 0u64;
        let mut ways = std::mem::take(&mut self.ways);
        while length < target && turn < 64 {
            turn += 1;
            let (_, end) = self.net.ends(w);
            if self.net.boundary[end as usize] {
                for c in self.net.chunks_around(end, self.chunk_size) {
                    self.know(c)?;
                }
            }
            let hn = h ^ turn.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let car = task != TaskKind::Sidewalks;
            let back = Way {
                edge: w.edge,
                forward: !w.forward,
            };
            let next = match self.net.pick_next(w, car, hn, &mut ways) {
                Some(next) => next,
                // A dead end: turn round, unless it is a one-way street
                // (the route ends there rather than against the traffic).
                None if car && self.net.lanes(back) == 0 => break,
                None => back,
            };
            let (a, b) = self.line(next, task);
            let last = *points.last().unwrap_or(&start);
            length += last.distance(a + Vec3::Y * lift) + a.distance(b);
            points.push(a + Vec3::Y * lift);
            points.push(b + Vec3::Y * lift);
            w = next;
        }
        self.ways = ways;
        let mut route = Route::new(points, task == TaskKind::Air);
        // End exactly `target` metres along.
        if route.length() > target {
            let (goal, _) = route.at(target);
            let keep = route.cum.iter().take_while(|c| **c < target).count();
            let mut pts = route.points[..keep].to_vec();
            pts.push(goal);
            route = Route::new(pts, task == TaskKind::Air);
        }
        Ok(route)
    }

    /// Brings the live world to the required set `needed` (sorted): makes
    /// chunks live, adds their roads, and places traffic on newly required ones.
    fn update_required(&mut self, needed: &[ChunkCoord]) -> Result<(), SimError> {
        let mut fresh = Vec::new();
        for &c in needed {
            if self.required.binary_search(&c).is_err() {
                fresh.push(c);
            }
        }
        if fresh.is_empty() && needed.len() == self.required.len() {
            return Ok(());
        }
        for &c in &fresh {
            if !self.live.iter().any(|l| l.coord == c) {
                let chunk = self.loader.take(c)?;
                let mut handles = Vec::with_capacity(chunk.objects.len());
                self.movable.clear();
                self.statics.add_chunk(
                    &chunk,
                    self.options.dynamic_props,
                    self.lazy_meshes,
                    &mut handles,
                    &mut self.movable,
                );
                self.props
                    .add_chunk(&chunk, &self.movable, &mut self.statics);
                self.live.push(chunk);
                self.live_handles.push(handles);
            }
            self.know(c)?;
        }
        self.required.clear();
        self.required.extend_from_slice(needed);
        // At reset the agents are not placed yet: keep clear of their spawns.
        let avoid: Vec<Vec3> = self
            .agents
            .iter()
            .map(|a| {
                if self.steps == 0 {
                    a.route.points[0]
                } else {
                    a.body.position
                }
            })
            .collect();
        for &c in &fresh {
            self.traffic.spawn_chunk(
                &self.net,
                c,
                self.seed,
                self.config.traffic_density,
                self.config.pedestrian_density,
                &avoid,
            );
        }
        Ok(())
    }

    /// Streaming after agents moved: required set, drops, prefetch.
    fn stream(&mut self) -> Result<(), SimError> {
        let mut needed = std::mem::take(&mut self.scratch);
        needed.clear();
        for a in &self.agents {
            self.chunks_near(a.body.position, self.radius, &mut needed);
        }
        needed.sort_unstable();
        needed.dedup();
        if needed != self.required {
            self.update_required(&needed)?;
        }
        self.scratch = needed;
        // Drop live chunks no agent is near.
        let far = self.radius + DROP_MARGIN;
        let mut k = 0;
        while k < self.live.len() {
            let c = self.live[k].coord;
            let near = self
                .agents
                .iter()
                .any(|a| self.chunk_distance(c, a.body.position) <= far);
            if near || self.required.binary_search(&c).is_ok() {
                k += 1;
            } else {
                self.props.remove_chunk(c, &mut self.statics);
                let chunk = self.live.swap_remove(k);
                let handles = self.live_handles.swap_remove(k);
                self.statics.remove(&handles);
                self.loader.give_back(chunk);
            }
        }
        self.prefetch(false);
        Ok(())
    }

    fn chunk_distance(&self, c: ChunkCoord, p: Vec3) -> f32 {
        c.plan_gap_sq(self.chunk_size, p.x, p.z).sqrt()
    }

    /// Asks the background thread for chunks agents will need soon; forgets
    /// kept chunks far from every agent. Runs when an agent has moved 8 m.
    fn prefetch(&mut self, force: bool) {
        self.loader.poll();
        let moved = force
            || self.prefetched_at.len() != self.agents.len()
            || self
                .agents
                .iter()
                .zip(&self.prefetched_at)
                .any(|(a, p)| a.body.position.distance_squared(*p) > 64.0);
        if !moved {
            return;
        }
        self.prefetched_at = self.agents.iter().map(|a| a.body.position).collect();
        let mut want = Vec::new();
        for a in &self.agents {
            let p = a.body.position;
            self.chunks_near(p, self.radius + PREFETCH_MARGIN, &mut want);
            let ahead = p + a.body.velocity * PREFETCH_AHEAD_S;
            self.chunks_near(ahead, self.radius, &mut want);
        }
        want.sort_unstable();
        want.dedup();
        // Nearest first.
        let key = |c: &ChunkCoord| {
            self.agents
                .iter()
                .map(|a| self.chunk_distance(*c, a.body.position))
                .fold(f32::INFINITY, f32::min)
        };
        want.sort_by(|a, b| key(a).total_cmp(&key(b)));
        for c in &want {
            if !self.live.iter().any(|l| l.coord == *c) {
                self.loader.prefetch(*c);
            }
        }
        let keep_r = self.radius + 2.0 * PREFETCH_MARGIN;
        let positions: Vec<Vec3> = self.agents.iter().map(|a| a.body.position).collect();
        let s = self.chunk_size;
        self.loader.retain(|c| {
            positions
                .iter()
                .any(|p| c.plan_gap_sq(s, p.x, p.z) <= keep_r * keep_r)
        });
    }

    fn agent_movers(&mut self) {
        for (i, a) in self.agents.iter().enumerate() {
            let b = a.body;
            self.movers.push(Mover::new(
                b.position + Vec3::Y * a.model.box_offset(),
                b.yaw,
                a.model.half_extents(),
                i as u32,
                a.model.is_vehicle(),
            ));
        }
    }

    fn rebuild_movers(&mut self) {
        self.movers.clear();
        self.agent_movers();
        self.traffic.movers(&mut self.movers);
    }

    /// Progress, reward and outcome of agent `i` after a step.
    fn evaluate(&mut self, i: usize, report: StepReport, at_reset: bool) {
        let me = self.movers[i];
        // A pedestrian walking into a stopped car is not the car's crash.
        let moving = self.agents[i].body.velocity.length() > 1.0;
        let hit_by_mover = self
            .movers
            .iter()
            .enumerate()
            .any(|(j, m)| j != i && (m.vehicle || (me.vehicle && moving)) && me.overlaps(m));
        let wrong_way = self.wrong_way(i);
        let dt = self.config.dt;
        let max_steps = self.config.max_steps;
        let steps = self.steps;
        let a = &mut self.agents[i];
        let task = a.model.task();
        let before = a.tracker.progress;
        a.tracker.update(&a.route, a.body.position);
        let goal = a.route.goal();
        let distance = a.body.position.distance(goal);
        let mut reward = 0.0;
        let mut outcome = Outcome::Running;
        let mut collided = report.collided;
        if !at_reset {
            reward += (a.tracker.progress - before).clamp(-10.0, 10.0) * REWARD_PER_METRE;
            a.surface = report.surface;
            if report.crashed || hit_by_mover {
                outcome = Outcome::Crash;
            }
            if hit_by_mover {
                collided = true;
                a.model.halt();
                a.body = a.model.body();
            }
            if report.collided && !report.crashed {
                reward -= PENALTY_BUMP;
            }
            match task {
                TaskKind::Lanes => {
                    let on_road = matches!(
                        report.surface,
                        Some(SemanticClass::Road | SemanticClass::Bridge)
                    );
                    a.off_road_s = if on_road { 0.0 } else { a.off_road_s + dt };
                    if !on_road {
                        reward -= PENALTY_OFF_ROAD;
                    }
                    a.wrong_way_s = if wrong_way { a.wrong_way_s + dt } else { 0.0 };
                    if wrong_way {
                        reward -= PENALTY_WRONG_WAY;
                    }
                    if outcome == Outcome::Running && a.off_road_s > OFF_ROAD_LIMIT_S {
                        outcome = Outcome::OffRoad;
                    }
                    if outcome == Outcome::Running && a.wrong_way_s > WRONG_WAY_LIMIT_S {
                        outcome = Outcome::WrongWay;
                    }
                }
                TaskKind::Sidewalks => {
                    if report.surface == Some(SemanticClass::Road) {
                        reward -= PENALTY_PED_ON_ROAD;
                    }
                }
                TaskKind::Air => {}
            }
            if outcome == Outcome::Running && distance <= a.model.goal_radius() {
                outcome = Outcome::Success;
            }
            if outcome == Outcome::Running && steps >= max_steps {
                outcome = Outcome::Timeout;
            }
            reward += match outcome {
                Outcome::Success => REWARD_SUCCESS,
                Outcome::Crash => REWARD_CRASH,
                Outcome::OffRoad => REWARD_OFF_ROAD_END,
                Outcome::WrongWay => REWARD_WRONG_WAY_END,
                Outcome::Running | Outcome::Timeout => 0.0,
            };
        } else {
            a.surface = None;
        }
        let b = a.body;
        let on_surface = match task {
            TaskKind::Lanes => {
                at_reset || matches!(a.surface, Some(SemanticClass::Road | SemanticClass::Bridge))
            }
            TaskKind::Sidewalks => a.surface.is_some(),
            TaskKind::Air => a.surface.is_none(),
        };
        a.reward = reward;
        a.state = AgentState {
            position: b.position.to_array(),
            yaw: b.yaw,
            pitch: b.pitch,
            roll: b.roll,
            velocity: b.velocity.to_array(),
            speed: b.velocity.dot(forward(b.yaw)),
            goal: goal.to_array(),
            distance_to_goal: distance,
            route_progress: a.tracker.progress,
            route_length: a.route.length(),
            on_route_surface: on_surface,
            collided,
            steps,
            outcome,
        };
    }

    /// Whether car `i` drives against the traffic of the carriageway it is on.
    fn wrong_way(&self, i: usize) -> bool {
        let a = &self.agents[i];
        if a.model.task() != TaskKind::Lanes {
            return false;
        }
        let b = a.body;
        let f = forward(b.yaw);
        if b.velocity.dot(f) < 1.0 {
            return false;
        }
        let p = b.position;
        let c = ChunkCoord::containing(p.x, p.z, self.chunk_size);
        let mut best: Option<(f32, f32, f32, u32)> = None; // (dist², along, offset, edge)
        for dz in -1..=1 {
            for dx in -1..=1 {
                let Some(edges) = self.net.by_chunk.get(&ChunkCoord::new(c.x + dx, c.z + dz))
                else {
                    continue;
                };
                for &e in edges {
                    let edge = self.net.edges[e as usize];
                    let (pa, pb) = (
                        self.net.nodes[edge.a as usize],
                        self.net.nodes[edge.b as usize],
                    );
                    let ab = Vec3::new(pb.x - pa.x, 0.0, pb.z - pa.z);
                    let ap = Vec3::new(p.x - pa.x, 0.0, p.z - pa.z);
                    let l2 = ab.length_squared().max(1e-6);
                    let t = ap.dot(ab) / l2;
                    let tc = t.clamp(0.0, 1.0);
                    let d2 = (ap - ab * tc).length_squared();
                    if best.is_none_or(|b| d2 < b.0) {
                        let along_m = t * l2.sqrt();
                        let right = Vec3::new(-ab.z, 0.0, ab.x) / l2.sqrt();
                        best = Some((d2, along_m, ap.dot(right), e));
                    }
                }
            }
        }
        let Some((d2, along, offset, e)) = best else {
            return false;
        };
        let edge = self.net.edges[e as usize];
        let half = 0.5 * edge.width_m();
        // The line between the two directions' lanes: the centre line of a
        // two-way street, a kerb of a one-way one (see `lane_offset`).
        let divide = (f32::from(edge.bwd) - f32::from(edge.fwd)) * 0.5 * edge.class.lane_width();
        // Not on this carriageway, near its ends (junctions, turns), or
        // astride the divide.
        if d2 > half * half
            || along < 10.0
            || along > edge.len - 10.0
            || (offset - divide).abs() < 0.3
        {
            return false;
        }
        let (pa, pb) = (
            self.net.nodes[edge.a as usize],
            self.net.nodes[edge.b as usize],
        );
        let dir = Vec3::new(pb.x - pa.x, 0.0, pb.z - pa.z).normalize_or_zero();
        let heading = f.dot(dir);
        // A one-way street's divide is a kerb, so every point of its
        // carriageway is on the side of the direction it allows.
        if offset > divide {
            heading < -0.5
        } else {
            heading > 0.5
        }
    }

    /// Runs every agent's sensors.
    fn sense(&mut self) {
        let statics = &self.statics;
        let movers = &self.movers;
        for (i, a) in self.agents.iter_mut().enumerate() {
            let b = a.body;
            let rot = attitude(b.yaw, b.pitch, b.roll);
            let origin = b.position + rot * (Vec3::Y * a.model.sensor_height());
            if let Some(l) = self.lidar.as_mut() {
                l.scan(statics, movers, i as u32, origin, rot, &mut a.lidar);
            }
            let shared = self.semantic_cam.is_none() && !a.semantic.is_empty();
            if let Some(cam) = self.depth_cam.as_mut() {
                let sem = if shared {
                    Some(a.semantic.as_mut_slice())
                } else {
                    None
                };
                cam.render(
                    statics,
                    movers,
                    i as u32,
                    origin,
                    rot,
                    Some(&mut a.depth),
                    sem,
                );
            }
            if let Some(cam) = self.semantic_cam.as_mut() {
                cam.render(
                    statics,
                    movers,
                    i as u32,
                    origin,
                    rot,
                    None,
                    Some(&mut a.semantic),
                );
            }
        }
    }
}

/// Lower and upper bound of every value of a vector observation with
/// `lidar` lidar values, as [`Sim::write_vector_obs`] enforces them (see
/// the crate documentation for the layout): ego values within −10..=10
/// (height above ground ÷ 50 m at most 4, the surface flag 0 or 1), route
/// points and offsets within −4..=4, distance to the goal 0..=10, the
/// heading's sine and cosine −1..=1, lidar 0..=1.
pub fn vector_obs_bounds(lidar: usize) -> (Vec<f32>, Vec<f32>) {
    let mut lo = vec![-10.0; EGO_LEN];
    let mut hi = vec![10.0; EGO_LEN];
    hi[6] = 4.0;
    (lo[7], hi[7]) = (0.0, 1.0);
    lo.extend([-4.0; 10]);
    hi.extend([4.0; 10]);
    lo.extend([0.0, -4.0, -1.0, -1.0, -4.0]);
    hi.extend([10.0, 4.0, 1.0, 1.0, 4.0]);
    lo.extend(std::iter::repeat_n(0.0, lidar));
    hi.extend(std::iter::repeat_n(1.0, lidar));
    (lo, hi)
}

fn blank_state() -> AgentState {
    AgentState {
        position: [0.0; 3],
        yaw: 0.0,
        pitch: 0.0,
        roll: 0.0,
        velocity: [0.0; 3],
        speed: 0.0,
        goal: [0.0; 3],
        distance_to_goal: 0.0,
        route_progress: 0.0,
        route_length: 0.0,
        on_route_surface: true,
        collided: false,
        steps: 0,
        outcome: Outcome::Running,
    }
}
