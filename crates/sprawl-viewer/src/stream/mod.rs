//! Streaming: chunks appear around the camera as it moves, and go when far.
//!
//! Each frame, in [`StreamSet`] order:
//! 1. [`StreamSet::Receive`]: finished jobs are taken from the workers
//!    (never waiting); results made before the chunk's last edit are dropped.
//! 2. [`StreamSet::Plan`]: [`plan()`] ranks what the camera needs (nearest and
//!    ahead first, coarser with distance) and the ranked head replaces the
//!    workers' queue; chunks far behind are dropped.
//! 3. [`StreamSet::Upload`]: a few baked chunks become GPU meshes
//!    ([`StreamConfig::max_uploads_per_frame`], a triangle budget), best
//!    first; a chunk at a new level replaces its old meshes in the same frame,
//!    so nothing flickers.
//!
//! Generation and baking happen only on the workers ([`pool`]), so the camera
//! never waits: what is not ready yet simply appears a little later.

mod plan;
pub mod pool;

pub use plan::{
    ChunkState, Plan, StreamConfig, Viewpoint, Want, distance_to_chunk, effective_distance,
    in_view, plan,
};
pub use pool::{Baked, ChunkSource, Job, JobOutput, SourceFactory, WorkerPool};

use crate::look::FacadeMaterial;
use crate::mesher::{ChunkMeshes, Layer, Lod, MeshBuffers, MeshStyle};
use crate::world::ActiveWorld;
use bevy::asset::RenderAssetUsages;
use bevy::camera::primitives::Aabb;
use bevy::camera::visibility::NoAutoAabb;
use bevy::light::NotShadowCaster;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use sprawl_world::{Chunk, ChunkCoord};
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// Ordering of the streaming systems (all in `Update`).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamSet {
    /// Take finished jobs from the workers.
    Receive,
    /// Decide what to make and drop.
    Plan,
    /// Turn baked chunks into meshes on screen.
    Upload,
}

/// The camera (or agent) that chunks stream around.
#[derive(Component, Debug, Default, Clone, Copy)]
pub struct StreamAnchor;

/// One merged mesh of a chunk on screen.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPart {
    /// Its chunk.
    pub coord: ChunkCoord,
    /// Which layer.
    pub layer: Layer,
    /// Its level of detail.
    pub lod: Lod,
}

/// The materials chunk meshes are drawn with (made by the look plugin;
/// default handles in headless tests).
#[derive(Resource, Debug, Clone, Default)]
pub struct ChunkMaterials {
    /// Ground, roads, roofs, trees, props (vertex-coloured).
    pub opaque: Handle<StandardMaterial>,
    /// Building walls (the window shader).
    pub facade: Handle<FacadeMaterial>,
    /// Water.
    pub water: Handle<StandardMaterial>,
}

/// A chunk on screen.
#[derive(Debug)]
pub struct LiveChunk {
    /// Its level.
    pub lod: Lod,
    /// Its mesh entities.
    pub entities: Vec<Entity>,
    /// The live chunk data (full detail only): for picking and editing.
    pub chunk: Option<Chunk>,
    /// World bounds of each object of `chunk`.
    pub object_bounds: Vec<([f32; 3], [f32; 3])>,
    /// Objects drawn.
    pub objects: usize,
    /// Triangles drawn.
    pub triangles: usize,
    /// Edited since baked: needs a fresh bake.
    pub stale: bool,
}

/// Figures for the panel, the scripts and the tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamStats {
    /// Chunks on screen at each level.
    pub loaded: [usize; 3],
    /// Chunks queued, generating or waiting for upload.
    pub pending: usize,
    /// Baked chunks waiting for upload.
    pub awaiting_upload: usize,
    /// Chunks within the horizon and in view with nothing on screen.
    pub missing_in_view: usize,
    /// Chunks in view shown coarser than wanted.
    pub coarse_in_view: usize,
    /// Chunks that should be on screen.
    pub wanted: usize,
    /// Objects on screen.
    pub objects: usize,
    /// Triangles on screen.
    pub triangles: usize,
    /// Chunks uploaded this frame.
    pub uploaded_this_frame: usize,
    /// Jobs finished since the world opened.
    pub served: u64,
    /// Jobs cancelled before they started.
    pub cancelled: u64,
    /// Jobs failed.
    pub failed: u64,
    /// Mean worker time per job (ms).
    pub mean_job_ms: f32,
    /// Journal edits that no longer apply, over loaded chunks.
    pub rejected_edits: usize,
}

impl StreamStats {
    /// Chunks on screen.
    pub fn loaded_total(&self) -> usize {
        self.loaded.iter().sum()
    }
}

/// The streaming state.
#[derive(Resource, Default)]
pub struct Streamer {
    pool: Option<WorkerPool>,
    world_generation: Option<u64>,
    /// Chunks on screen.
    pub live: HashMap<ChunkCoord, LiveChunk>,
    ready: Vec<Baked>,
    epochs: HashMap<ChunkCoord, u64>,
    /// Latest figures.
    pub stats: StreamStats,
    /// The latest plan's wants, for ranking uploads.
    priorities: HashMap<ChunkCoord, (Lod, f32)>,
    /// The last few load errors.
    pub errors: Vec<String>,
    /// Where the camera was and its velocity estimate.
    last_anchor: Option<Vec3>,
    velocity: Vec3,
    /// The viewpoint of the latest plan.
    pub viewpoint: Option<Viewpoint>,
    /// Chunk size of the world (metres).
    pub chunk_size: f32,
    /// The first chunks put on screen since the world opened, in order
    /// (at most [`INSTALL_LOG`]), for tests and diagnostics.
    pub install_log: Vec<(ChunkCoord, Lod)>,
}

/// Length of [`Streamer::install_log`].
pub const INSTALL_LOG: usize = 4096;

impl Streamer {
    /// Whether everything in view is on screen at the wanted level and
    /// nothing is in flight for it: what a screenshot waits for.
    pub fn settled(&self) -> bool {
        self.pool.is_some()
            && self.stats.wanted > 0
            && self.stats.missing_in_view == 0
            && self.stats.coarse_in_view == 0
            && self.ready.is_empty()
            && self.stats.pending == 0
    }

    /// The edit epoch of `coord` (bumped by every edit of the chunk).
    pub fn epoch(&self, coord: ChunkCoord) -> u64 {
        self.epochs.get(&coord).copied().unwrap_or(0)
    }

    /// Marks `coord` edited: results made before now are dropped, and a
    /// loaded chunk without its data on the main thread is baked again.
    pub fn bump_epoch(&mut self, coord: ChunkCoord) {
        *self.epochs.entry(coord).or_insert(0) += 1;
        self.ready.retain(|b| b.job.coord != coord);
        if let Some(live) = self.live.get_mut(&coord)
            && live.chunk.is_none()
        {
            live.stale = true;
        }
    }

    /// The live data of a chunk on screen at full detail.
    pub fn chunk(&self, coord: ChunkCoord) -> Option<&Chunk> {
        self.live.get(&coord).and_then(|l| l.chunk.as_ref())
    }
}

/// Streams chunks of the [`ActiveWorld`] around the [`StreamAnchor`].
#[derive(Default)]
pub struct StreamingPlugin {
    /// Radii, budgets and workers.
    pub config: StreamConfig,
}

impl Plugin for StreamingPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.config.clone())
            .init_resource::<Streamer>()
            .init_resource::<ChunkMaterials>()
            .configure_sets(
                Update,
                (StreamSet::Receive, StreamSet::Plan, StreamSet::Upload).chain(),
            )
            .add_systems(
                Update,
                (
                    (sync_world, receive).chain().in_set(StreamSet::Receive),
                    plan_and_request.in_set(StreamSet::Plan),
                    upload.in_set(StreamSet::Upload),
                ),
            );
    }
}

/// Starts over when another world is opened.
fn sync_world(
    mut commands: Commands,
    world: Option<Res<ActiveWorld>>,
    config: Res<StreamConfig>,
    mut streamer: ResMut<Streamer>,
) {
    let Some(world) = world else {
        return;
    };
    if streamer.world_generation == Some(world.generation) {
        return;
    }
    for (_, live) in streamer.live.drain() {
        for e in live.entities {
            commands.entity(e).despawn();
        }
    }
    let style = MeshStyle {
        palette: world.spec.palette.clone(),
        look: world.spec.look,
    };
    // Dropping the old pool joins its threads (each finishes at most one chunk).
    streamer.pool = None;
    streamer.pool = Some(WorkerPool::new(
        config.workers,
        world.source_factory(),
        style,
    ));
    streamer.world_generation = Some(world.generation);
    streamer.chunk_size = world.spec.chunk_size;
    streamer.ready.clear();
    streamer.epochs.clear();
    streamer.errors.clear();
    streamer.install_log.clear();
    streamer.stats = StreamStats::default();
}

fn receive(mut streamer: ResMut<Streamer>) {
    let Some(pool) = streamer.pool.take() else {
        return;
    };
    while let Some(out) = pool.try_recv() {
        match out {
            JobOutput::Baked(b) => {
                if b.job.epoch == streamer.epoch(b.job.coord) {
                    // A newer result for the same chunk replaces an older one.
                    streamer.ready.retain(|r| r.job.coord != b.job.coord);
                    streamer.ready.push(*b);
                }
            }
            JobOutput::Failed { job, error } => {
                let msg = format!("chunk {}: {error}", job.coord);
                if streamer.errors.len() >= 8 {
                    streamer.errors.remove(0);
                }
                streamer.errors.push(msg);
            }
        }
    }
    let c = pool.counters();
    let served = c.served.load(Ordering::Relaxed);
    streamer.stats.served = served;
    streamer.stats.cancelled = c.cancelled.load(Ordering::Relaxed);
    streamer.stats.failed = c.failed.load(Ordering::Relaxed);
    streamer.stats.mean_job_ms =
        c.busy_micros.load(Ordering::Relaxed) as f32 / 1000.0 / served.max(1) as f32;
    streamer.pool = Some(pool);
}

/// The viewpoint of the anchor: position, direction, velocity, field of view.
fn viewpoint(
    transform: &GlobalTransform,
    projection: Option<&Projection>,
    velocity: Vec3,
    ground: f32,
) -> Viewpoint {
    let half_fov = match projection {
        Some(Projection::Perspective(p)) => ((p.fov * 0.5).tan() * p.aspect_ratio.max(0.1)).atan(),
        _ => 1.0,
    };
    Viewpoint {
        position: transform.translation(),
        forward: transform.forward().as_vec3(),
        velocity,
        ground,
        half_fov,
    }
}

fn plan_and_request(
    mut commands: Commands,
    time: Res<Time>,
    config: Res<StreamConfig>,
    world: Option<Res<ActiveWorld>>,
    anchor: Query<(&GlobalTransform, Option<&Projection>), With<StreamAnchor>>,
    mut streamer: ResMut<Streamer>,
) {
    let (Some(world), Ok((transform, projection))) = (world, anchor.single()) else {
        return;
    };
    let Some(pool) = streamer.pool.take() else {
        return;
    };
    let pos = transform.translation();
    let dt = time.delta_secs();
    if let Some(last) = streamer.last_anchor
        && dt > 0.0
    {
        let v = (pos - last) / dt;
        // Teleports (a new world, a typed position) are not motion.
        let v = if v.length() > 2000.0 { Vec3::ZERO } else { v };
        // Smoothed over about 50 ms of time, not a number of frames: at a
        // software rasteriser's 1–2 frames a second a per-frame factor took
        // seconds to notice a take-off, and the lookahead lagged behind.
        let a = 1.0 - (-dt / VELOCITY_SMOOTHING_S).exp();
        streamer.velocity = streamer.velocity.lerp(v, a);
    }
    streamer.last_anchor = Some(pos);
    let ground = world.ground_height(pos.x, pos.z);
    let view = viewpoint(transform, projection, streamer.velocity, ground);
    streamer.viewpoint = Some(view);

    let mut states: HashMap<ChunkCoord, ChunkState> = HashMap::new();
    for (c, live) in &streamer.live {
        states.entry(*c).or_default().loaded = Some(live.lod);
        states.entry(*c).or_default().stale = live.stale;
    }
    let running = pool.running();
    for (c, lod) in &running {
        states.entry(*c).or_default().pending = Some(*lod);
    }
    for b in &streamer.ready {
        states.entry(b.job.coord).or_default().pending = Some(b.job.lod);
    }
    let size = world.spec.chunk_size;
    let p = plan(&view, size, &config, &states);

    for c in &p.drops {
        if let Some(live) = streamer.live.remove(c) {
            for e in live.entities {
                commands.entity(e).despawn();
            }
        }
    }
    let jobs: Vec<Job> = p
        .wants
        .iter()
        .filter(|w| running.get(&w.coord) != Some(&w.lod))
        .take(config.max_queued_jobs)
        .map(|w| Job {
            coord: w.coord,
            lod: w.lod,
            epoch: streamer.epoch(w.coord),
            priority: w.priority,
        })
        .collect();
    pool.set_jobs(jobs);
    // Ranks of everything wanted, pending or not: results waiting for
    // upload are ranked too, so the nearest go on screen first.
    streamer.priorities = p
        .wants
        .iter()
        .chain(&p.in_progress)
        .map(|w| (w.coord, (w.lod, w.priority)))
        .collect();

    let s = &mut streamer.stats;
    s.missing_in_view = p.missing_in_view;
    s.coarse_in_view = p.coarse_in_view;
    s.wanted = p.wanted_total;
    s.pending = running.len() + pool.queued();
    streamer.pool = Some(pool);
    let awaiting = streamer.ready.len();
    streamer.stats.awaiting_upload = awaiting;
    streamer.stats.pending += awaiting;
}

/// Time constant of the camera velocity estimate (seconds).
const VELOCITY_SMOOTHING_S: f32 = 0.05;

/// A Bevy mesh from baked buffers (GPU only: the CPU copy stays in the
/// worker's result for picking).
pub fn to_mesh(b: MeshBuffers) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, b.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, b.normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, b.uvs)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, b.colors)
    .with_inserted_indices(Indices::U32(b.indices))
}

/// Spawns the mesh entities of a baked chunk.
pub fn spawn_chunk(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &ChunkMaterials,
    coord: ChunkCoord,
    lod: Lod,
    baked: ChunkMeshes,
) -> Vec<Entity> {
    let origin = Vec3::from(baked.origin);
    let mut out = Vec::new();
    for (layer, buffers) in Layer::ALL.into_iter().zip(baked.layers) {
        let Some((lo, hi)) = buffers.bounds() else {
            continue;
        };
        let aabb = Aabb::from_min_max(Vec3::from(lo), Vec3::from(hi));
        let mesh = Mesh3d(meshes.add(to_mesh(buffers)));
        let base = (
            mesh,
            Transform::from_translation(origin),
            aabb,
            NoAutoAabb,
            ChunkPart { coord, layer, lod },
        );
        let mut e = match layer {
            Layer::Opaque => commands.spawn((base, MeshMaterial3d(materials.opaque.clone()))),
            Layer::Facade => commands.spawn((base, MeshMaterial3d(materials.facade.clone()))),
            Layer::Water => commands.spawn((base, MeshMaterial3d(materials.water.clone()))),
        };
        // Only nearby detail casts shadows (the shadow maps cover ~300 m).
        if lod == Lod::Far || layer == Layer::Water {
            e.insert(NotShadowCaster);
        }
        out.push(e.id());
    }
    out
}

fn upload(
    mut commands: Commands,
    config: Res<StreamConfig>,
    materials: Res<ChunkMaterials>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut streamer: ResMut<Streamer>,
) {
    let streamer = &mut *streamer;
    streamer.stats.uploaded_this_frame = 0;
    if !streamer.ready.is_empty() {
        // Best first by the latest plan; results no longer wanted at their
        // level go last (they still fill a hole if there is nothing better).
        let prio = std::mem::take(&mut streamer.priorities);
        let rank = |b: &Baked| match prio.get(&b.job.coord) {
            Some((lod, p)) if *lod == b.job.lod => *p,
            Some((_, p)) => *p + 1.0e6,
            None => f32::MAX,
        };
        streamer.ready.sort_by(|a, b| rank(b).total_cmp(&rank(a)));
        let mut triangles = 0;
        let mut uploaded = 0;
        while uploaded < config.max_uploads_per_frame {
            let Some(next) = streamer.ready.last() else {
                break;
            };
            let t = next.meshes.triangles();
            if uploaded > 0 && triangles + t > config.max_upload_triangles {
                break;
            }
            let Some(b) = streamer.ready.pop() else {
                break;
            };
            // Not wanted at all any more (dropped while waiting): discard.
            if !prio.contains_key(&b.job.coord) && !streamer.live.contains_key(&b.job.coord) {
                let far = streamer.viewpoint.is_some_and(|v| {
                    distance_to_chunk(
                        b.job.coord,
                        streamer.chunk_size,
                        Vec2::new(v.position.x, v.position.z),
                    ) > config.horizon() + config.prefetch
                });
                if far {
                    continue;
                }
            }
            triangles += t;
            uploaded += 1;
            install(&mut commands, &mut meshes, &materials, streamer, b);
        }
        streamer.stats.uploaded_this_frame = uploaded;
        streamer.priorities = prio;
    }
    let s = &mut streamer.stats;
    s.loaded = [0; 3];
    s.objects = 0;
    s.triangles = 0;
    s.rejected_edits = 0;
    for live in streamer.live.values() {
        s.loaded[live.lod as usize] += 1;
        s.objects += live.objects;
        s.triangles += live.triangles;
    }
}

/// Puts a baked chunk on screen, replacing what was there.
fn install(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &ChunkMaterials,
    streamer: &mut Streamer,
    b: Baked,
) {
    let coord = b.job.coord;
    let objects = b.meshes.objects;
    let triangles = b.meshes.triangles();
    let entities = spawn_chunk(commands, meshes, materials, coord, b.job.lod, b.meshes);
    if streamer.install_log.len() < INSTALL_LOG {
        streamer.install_log.push((coord, b.job.lod));
    }
    if let Some(old) = streamer.live.remove(&coord) {
        for e in old.entities {
            commands.entity(e).despawn();
        }
    }
    streamer.live.insert(
        coord,
        LiveChunk {
            lod: b.job.lod,
            entities,
            chunk: b.chunk,
            object_bounds: b.object_bounds,
            objects,
            triangles,
            stale: false,
        },
    );
}

/// Re-bakes a chunk whose data the main thread holds (after an edit) and
/// replaces its meshes at once.
pub fn rebake(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &ChunkMaterials,
    streamer: &mut Streamer,
    style: &MeshStyle,
    coord: ChunkCoord,
) {
    let Some(live) = streamer.live.get_mut(&coord) else {
        return;
    };
    let Some(chunk) = &live.chunk else {
        live.stale = true;
        return;
    };
    let baked = crate::mesher::bake(chunk, live.lod, style);
    live.objects = baked.objects;
    live.triangles = baked.triangles();
    live.object_bounds = chunk.objects.iter().map(pool::world_bounds).collect();
    let entities = spawn_chunk(commands, meshes, materials, coord, live.lod, baked);
    for e in std::mem::replace(&mut live.entities, entities) {
        commands.entity(e).despawn();
    }
}
