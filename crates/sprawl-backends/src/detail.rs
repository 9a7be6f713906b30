//! Chunk detail from backends: the procedural chunk now, the backends' later.
//!
//! Viewers and simulators must never wait for a slow backend, yet a
//! backend's detail for a chunk (the region task: what stands on its lots)
//! and its meshes for the chunk's props (the object task: a tree, a lamp, a
//! bench, a parked car) should replace the procedural ones once they exist,
//! and then stay, offline, for every reader of the world file.
//!
//! A [`ChunkDetailer`] does that for one world file. [`request`](ChunkDetailer::request)
//! only queues the chunk and returns; a background task on the
//! orchestrator's runtime then
//!
//! 1. generates the procedural base and asks the orchestrator for the
//!    region and for one mesh per prop class found in the chunk (identical
//!    requests from many chunks are one call, and answers are cached in the
//!    world file, so each prop mesh is asked for once per world);
//! 2. each time an answer arrives, composes the chunk: the region's answer
//!    if it keeps the base's roads, terrain, size and coordinate (so seams
//!    with procedural neighbours stay exact), else the procedural base; then
//!    every prop of a class with a mesh answer gets that mesh, placed in the
//!    prop's own box, keeping its material. Every object's provenance says
//!    who made it (backend, model, version, request hash);
//! 3. stores the composed chunk in the world file
//!    ([`WorldFile::put_backend_chunk`]), where
//!    [`WorldFile::cached_chunk`] and [`WorldFile::load_chunk`] (and so the
//!    viewer's streaming, `sprawl gen/export/map/objects` and the
//!    simulator's chunk loader) take it instead of the generated base, and
//!    reports [`DetailEvent::Stored`] so a viewer can swap it in;
//! 4. ends with one [`DetailEvent::Settled`] listing the backends that failed.
//!
//! Answers that fail the orchestrator's checks, or a region that moves a
//! road, never reach the file: the procedural chunk stays.

use crate::orchestrator::{Orchestrator, Pending, RouteError};
use crate::task::{Failure, ObjectInput, ObjectTask, Outcome, RegionInput, RegionTask, TaskKind};
use sprawl_store::{StoreError, WorldFile};
use sprawl_world::{Chunk, ChunkCoord, MeshData, Provenance, SemanticClass, WorldSpec};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Prop classes whose meshes are asked of the object route, with the words
/// each request starts with. Buildings are left to the region task (each
/// is unique), terrain, roads and water to the generator.
pub const MESH_CLASSES: [(SemanticClass, &str); 4] = [
    (SemanticClass::Tree, "a street tree"),
    (SemanticClass::Lamp, "a street lamp"),
    (SemanticClass::Bench, "a park bench"),
    (SemanticClass::ParkedCar, "a parked car"),
];

/// Most chunks a detailer works on at once; [`ChunkDetailer::request`]
/// refuses more (ask again later).
pub const MAX_JOBS: usize = 64;

/// Most characters of the world's prompt quoted in an object request.
const PROMPT_CHARS: usize = 400;

/// What a detailer reports, in order for each chunk: any number of
/// [`Stored`](Self::Stored), then one [`Settled`](Self::Settled) or
/// [`Error`](Self::Error).
#[derive(Debug, Clone, PartialEq)]
pub enum DetailEvent {
    /// A better base for the chunk is in the world file: loaders now get it.
    Stored {
        /// The chunk.
        coord: ChunkCoord,
        /// The backends' provenance records in it.
        made_by: Vec<Provenance>,
        /// Whether its objects are a region answer.
        region: bool,
        /// Props that got a backend's mesh.
        meshes: usize,
        /// [`Chunk::content_hash`] of what was stored.
        content_hash: u64,
    },
    /// Nothing more will come for the chunk this run.
    Settled {
        /// The chunk.
        coord: ChunkCoord,
        /// Whether the world file holds backend detail for it.
        detailed: bool,
        /// Backends that failed or were skipped on the way.
        failures: Vec<Failure>,
    },
    /// The chunk could not be detailed (storing failed, or the request was
    /// unusable); whatever the file held before stays.
    Error {
        /// The chunk.
        coord: ChunkCoord,
        /// Why.
        message: String,
    },
}

impl DetailEvent {
    /// The chunk it is about.
    pub fn coord(&self) -> ChunkCoord {
        match self {
            Self::Stored { coord, .. }
            | Self::Settled { coord, .. }
            | Self::Error { coord, .. } => *coord,
        }
    }
}

/// Why a detailer could not start.
#[derive(Debug, thiserror::Error)]
pub enum DetailError {
    /// The world file could not be opened for writing answers.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Counters since the detailer started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailStats {
    /// Chunks accepted by [`ChunkDetailer::request`].
    pub requested: u64,
    /// Chunks being worked on now.
    pub in_flight: u64,
    /// Composed chunks written to the world file.
    pub stored: u64,
    /// Chunks settled.
    pub settled: u64,
    /// Chunks that ended in an error.
    pub errors: u64,
}

struct Inner {
    orch: Orchestrator,
    spec: Arc<WorldSpec>,
    world: Mutex<WorldFile>,
    events: Mutex<Sender<DetailEvent>>,
    jobs: Mutex<HashSet<ChunkCoord>>,
    cpu: Semaphore,
    requested: AtomicU64,
    stored: AtomicU64,
    settled: AtomicU64,
    errors: AtomicU64,
}

/// Asks backends for the detail of chunks of one world file, in the
/// background, and stores their answers in it. Cheap to clone.
#[derive(Clone)]
pub struct ChunkDetailer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ChunkDetailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkDetailer")
            .field("world", &self.lock_world().path().to_owned())
            .field("stats", &self.stats())
            .finish()
    }
}

impl ChunkDetailer {
    /// A detailer of the world file at `path` (opened here, a connection of
    /// its own), asking `orch`. Events arrive on the returned receiver.
    pub fn new(
        orch: Orchestrator,
        path: &Path,
    ) -> Result<(Self, Receiver<DetailEvent>), DetailError> {
        let world = WorldFile::open(path)?;
        let (tx, rx) = channel();
        let inner = Inner {
            orch,
            spec: Arc::new(world.spec().clone()),
            world: Mutex::new(world),
            events: Mutex::new(tx),
            jobs: Mutex::new(HashSet::new()),
            // Generating and composing chunks is CPU work: two at a time, so
            // that a burst of requests cannot starve a viewer's own workers.
            cpu: Semaphore::new(2),
            requested: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            settled: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        };
        Ok((
            Self {
                inner: Arc::new(inner),
            },
            rx,
        ))
    }

    fn lock_world(&self) -> std::sync::MutexGuard<'_, WorldFile> {
        self.inner.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The orchestrator it asks.
    pub fn orchestrator(&self) -> &Orchestrator {
        &self.inner.orch
    }

    /// Whether the configuration routes regions or objects to any backend
    /// (otherwise there is nothing to ask, and requests are refused).
    pub fn active(&self) -> bool {
        !self.inner.orch.route(TaskKind::Region).is_empty()
            || !self.inner.orch.route(TaskKind::Object).is_empty()
    }

    /// Starts detailing `coord` in the background; returns at once. `false`
    /// when it is already being worked on, when [`MAX_JOBS`] chunks are, or
    /// when nothing is routed to a backend ([`active`](Self::active)).
    pub fn request(&self, coord: ChunkCoord) -> bool {
        if !self.active() {
            return false;
        }
        {
            let mut jobs = self.inner.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if jobs.len() >= MAX_JOBS || !jobs.insert(coord) {
                return false;
            }
        }
        self.inner.requested.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::clone(&self.inner);
        self.inner.orch.handle().spawn(async move {
            let end = match run(&inner, coord).await {
                Ok(settled) => {
                    inner.settled.fetch_add(1, Ordering::Relaxed);
                    settled
                }
                Err(message) => {
                    inner.errors.fetch_add(1, Ordering::Relaxed);
                    DetailEvent::Error { coord, message }
                }
            };
            inner
                .jobs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&coord);
            inner.send(end);
        });
        true
    }

    /// Counters since the detailer started.
    pub fn stats(&self) -> DetailStats {
        let i = &self.inner;
        DetailStats {
            requested: i.requested.load(Ordering::Relaxed),
            in_flight: i.jobs.lock().unwrap_or_else(|p| p.into_inner()).len() as u64,
            stored: i.stored.load(Ordering::Relaxed),
            settled: i.settled.load(Ordering::Relaxed),
            errors: i.errors.load(Ordering::Relaxed),
        }
    }
}

impl Inner {
    fn send(&self, event: DetailEvent) {
        // A receiver that went away just means nobody listens any more.
        let _ = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(event);
    }
}

/// The object request for props of `class` whose procedural mesh spans
/// `size` metres.
pub fn object_input(spec: &WorldSpec, class: SemanticClass, size: [f32; 3]) -> Option<ObjectInput> {
    let phrase = MESH_CLASSES.iter().find(|(c, _)| *c == class)?.1;
    let description = match spec.prompt.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => {
            let p: String = p.chars().take(PROMPT_CHARS).collect();
            format!("{phrase} for a city described as: {p}")
        }
        _ => phrase.to_owned(),
    };
    Some(ObjectInput {
        description,
        class,
        size,
    })
}

/// The extent of a mesh, rounded to the centimetre (so that one request
/// serves every prop sharing a mesh), or `None` for an empty or flat one.
fn extent(mesh: &MeshData) -> Option<[f32; 3]> {
    let (lo, hi) = mesh.bounds()?;
    let e = [0, 1, 2].map(|k| ((hi[k] - lo[k]) * 100.0).round() / 100.0);
    e.iter().all(|v| *v > 0.0).then_some(e)
}

/// `mesh` (standing on y = 0, centred, within the box of `target`) moved
/// into `target`'s box: centred on it across, standing on its floor. Keeps
/// `target`'s material.
fn fit(mesh: &MeshData, target: &MeshData) -> Option<MeshData> {
    let (lo, hi) = target.bounds()?;
    let (mlo, mhi) = mesh.bounds()?;
    let shift = [
        (lo[0] + hi[0]) / 2.0 - (mlo[0] + mhi[0]) / 2.0,
        lo[1] - mlo[1],
        (lo[2] + hi[2]) / 2.0 - (mlo[2] + mhi[2]) / 2.0,
    ];
    let mut out = mesh.clone();
    for p in &mut out.positions {
        for k in 0..3 {
            p[k] += shift[k];
        }
    }
    out.material = target.material;
    Some(out)
}

/// Index of `p` in `chunk`'s provenance list, appended if new.
fn provenance_index(chunk: &mut Chunk, p: &Provenance) -> Option<u16> {
    let i = match chunk.provenance.iter().position(|q| q == p) {
        Some(i) => i,
        None => {
            chunk.provenance.push(p.clone());
            chunk.provenance.len() - 1
        }
    };
    u16::try_from(i).ok()
}

/// What has arrived for one chunk so far.
struct Parts {
    base: Chunk,
    region: Option<Chunk>,
    meshes: BTreeMap<SemanticClass, ([f32; 3], Outcome<MeshData>)>,
}

impl Parts {
    /// Takes a region answer if it keeps the base's seams; why not otherwise.
    fn accept_region(&mut self, chunk: Chunk) -> Result<(), String> {
        let b = &self.base;
        if chunk.coord != b.coord || chunk.size != b.size {
            return Err(format!(
                "the region answer is chunk {} of {} m, not {} of {} m",
                chunk.coord, chunk.size, b.coord, b.size
            ));
        }
        if chunk.roads != b.roads || chunk.terrain != b.terrain {
            return Err("the region answer changes roads or terrain".into());
        }
        self.region = Some(chunk);
        Ok(())
    }

    /// The chunk as the answers so far make it, and how many props got a
    /// backend's mesh.
    fn compose(&self) -> (Chunk, usize) {
        let mut chunk = self.region.clone().unwrap_or_else(|| self.base.clone());
        let mut replaced = 0;
        for (class, (size, outcome)) in &self.meshes {
            let fitted: Vec<(usize, MeshData)> = chunk
                .objects
                .iter()
                .enumerate()
                .filter(|(_, o)| o.class == *class && extent(&o.mesh).as_ref() == Some(size))
                .filter_map(|(i, o)| fit(&outcome.value, &o.mesh).map(|m| (i, m)))
                .collect();
            // A record only for meshes in use, so that the same answers
            // compose the same chunk whatever order they came in.
            if fitted.is_empty() {
                continue;
            }
            let Some(index) = provenance_index(&mut chunk, &outcome.provenance) else {
                continue;
            };
            for (i, mesh) in fitted {
                chunk.objects[i].mesh = mesh;
                chunk.objects[i].provenance = index;
                replaced += 1;
            }
        }
        // The region's record stays even if it dropped every object: it
        // says who decided the chunk.
        (chunk, replaced)
    }
}

enum Arrival {
    Region(Option<Result<Outcome<Chunk>, RouteError>>),
    Mesh(
        SemanticClass,
        [f32; 3],
        Option<Result<Outcome<MeshData>, RouteError>>,
    ),
}

/// Asks for the mesh of every prop class in `chunk` not asked for yet:
/// answers at hand go into `parts` (returns whether any did), pending ones
/// into `set`.
fn ask_meshes(
    inner: &Inner,
    chunk: &Chunk,
    asked: &mut HashSet<SemanticClass>,
    parts: &mut Parts,
    set: &mut JoinSet<Arrival>,
) -> bool {
    let mut got = false;
    if inner.orch.route(TaskKind::Object).is_empty() {
        return got;
    }
    for (class, _) in MESH_CLASSES {
        if asked.contains(&class) {
            continue;
        }
        let Some(size) = chunk
            .objects
            .iter()
            .find(|o| o.class == class)
            .and_then(|o| extent(&o.mesh))
        else {
            continue;
        };
        asked.insert(class);
        let Some(input) = object_input(&inner.spec, class, size) else {
            continue;
        };
        match inner.orch.request::<ObjectTask>(input).map(ready) {
            Ok(Ready::Now(o)) => {
                parts.meshes.insert(class, (size, o));
                got = true;
            }
            Ok(Ready::Later(mut p)) => {
                set.spawn(async move { Arrival::Mesh(class, size, p.better().await) });
            }
            Ok(Ready::Nothing) => {}
            Err(e) => {
                tracing::warn!(coord = %chunk.coord, class = class.name(), error = %e, "no mesh request");
            }
        }
    }
    got
}

/// Works on one chunk: returns its `Settled` event, or an error message.
async fn run(inner: &Arc<Inner>, coord: ChunkCoord) -> Result<DetailEvent, String> {
    let permit = inner.cpu.acquire().await.map_err(|e| e.to_string())?;
    let start = {
        let inner = Arc::clone(inner);
        tokio::task::spawn_blocking(move || begin(&inner, coord))
            .await
            .map_err(|e| format!("the detail task failed: {e}"))??
    };
    drop(permit);
    let Begun {
        mut parts,
        region,
        stored,
    } = start;
    let mut failures = Vec::new();
    let mut last = stored;
    let mut set = JoinSet::new();
    let mut asked = HashSet::new();
    let mut changed = false;
    match region {
        Ready::Now(o) => {
            take_region(&mut parts, &mut failures, Ok(o));
            changed = parts.region.is_some();
        }
        Ready::Later(mut p) => {
            set.spawn(async move { Arrival::Region(p.better().await) });
        }
        Ready::Nothing => {}
    }
    let base = parts.region.clone().unwrap_or_else(|| parts.base.clone());
    changed |= ask_meshes(inner, &base, &mut asked, &mut parts, &mut set);
    if changed {
        last = store(inner, &parts, last).await?.or(last);
    }
    while let Some(arrival) = set.join_next().await {
        let arrival = arrival.map_err(|e| format!("the detail task failed: {e}"))?;
        let changed = match arrival {
            Arrival::Region(Some(outcome)) => {
                take_region(&mut parts, &mut failures, outcome);
                match parts.region.clone() {
                    // Props the region brought in need meshes too.
                    Some(region) => {
                        ask_meshes(inner, &region, &mut asked, &mut parts, &mut set);
                        true
                    }
                    None => false,
                }
            }
            Arrival::Mesh(class, size, Some(Ok(o))) => {
                failures.extend(o.failures.iter().cloned());
                parts.meshes.insert(class, (size, o));
                true
            }
            Arrival::Mesh(_, _, Some(Err(e))) => {
                failures.extend(e.failures);
                false
            }
            Arrival::Region(None) | Arrival::Mesh(_, _, None) => false,
        };
        if changed {
            last = store(inner, &parts, last).await?.or(last);
        }
    }
    Ok(DetailEvent::Settled {
        coord,
        detailed: last.is_some(),
        failures,
    })
}

/// Takes a region outcome: its failures, and its chunk if it keeps the seams.
fn take_region(
    parts: &mut Parts,
    failures: &mut Vec<Failure>,
    outcome: Result<Outcome<Chunk>, RouteError>,
) {
    match outcome {
        Ok(o) => {
            failures.extend(o.failures);
            if let Err(why) = parts.accept_region(o.value) {
                let backend = match o.source {
                    crate::task::Source::Backend { name } => name,
                    _ => "cache".into(),
                };
                tracing::warn!(%backend, reason = %why, "region answer refused");
                failures.push(Failure {
                    backend,
                    kind: "invalid",
                    message: why,
                });
            }
        }
        Err(e) => failures.extend(e.failures),
    }
}

/// An answer now (procedural answers count as none), later, or never.
enum Ready<T> {
    Now(Outcome<T>),
    Later(Pending<T>),
    Nothing,
}

fn ready<T: Clone + Send + Sync + 'static>(p: Pending<T>) -> Ready<T> {
    if p.is_pending() {
        Ready::Later(p)
    } else if p.immediate().source == crate::task::Source::Procedural {
        Ready::Nothing
    } else {
        Ready::Now(p.immediate().clone())
    }
}

struct Begun {
    parts: Parts,
    region: Ready<Chunk>,
    /// Content hash of the backend chunk the file holds now, if any.
    stored: Option<u64>,
}

/// The CPU part: the base, the region request, what the file holds now.
fn begin(inner: &Inner, coord: ChunkCoord) -> Result<Begun, String> {
    let spec = &inner.spec;
    let base = sprawl_gen::generate_chunk(spec, coord);
    let region = if inner.orch.route(TaskKind::Region).is_empty() {
        Ready::Nothing
    } else {
        let input = RegionInput {
            spec: (**spec).clone(),
            coord,
            brief: None,
        };
        ready(
            inner
                .orch
                .request::<RegionTask>(input)
                .map_err(|e| e.to_string())?,
        )
    };
    let stored = inner
        .world
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .backend_chunk(coord)
        .map_err(|e| e.to_string())?
        .map(|c| c.content_hash());
    Ok(Begun {
        parts: Parts {
            base,
            region: None,
            meshes: BTreeMap::new(),
        },
        region,
        stored,
    })
}

/// Composes and stores the chunk unless the file already holds the same;
/// returns the stored content hash when it wrote.
async fn store(
    inner: &Arc<Inner>,
    parts: &Parts,
    last: Option<u64>,
) -> Result<Option<u64>, String> {
    let _permit = inner.cpu.acquire().await.map_err(|e| e.to_string())?;
    let (chunk, meshes) = parts.compose();
    let region = parts.region.is_some();
    let worker = Arc::clone(inner);
    tokio::task::spawn_blocking(move || {
        let hash = chunk.content_hash();
        if last == Some(hash) {
            return Ok(None);
        }
        worker
            .world
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .put_backend_chunk(&chunk)
            .map_err(|e| e.to_string())?;
        worker.stored.fetch_add(1, Ordering::Relaxed);
        let made_by = chunk
            .provenance
            .iter()
            .filter(|p| p.generator != sprawl_gen::GENERATOR_NAME)
            .cloned()
            .collect();
        worker.send(DetailEvent::Stored {
            coord: chunk.coord,
            made_by,
            region,
            meshes,
            content_hash: hash,
        });
        Ok(Some(hash))
    })
    .await
    .map_err(|e| format!("the detail task failed: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::box_mesh;
    use sprawl_world::MaterialKind;

    #[test]
    fn a_fitted_mesh_stands_in_the_props_box_with_its_material() {
        let mut target = box_mesh([1.0, 2.0, 3.0], MaterialKind::Wood);
        for p in &mut target.positions {
            p[0] += 10.0;
            p[1] += 1.0;
        }
        let backend = box_mesh([0.5, 2.0, 1.0], MaterialKind::Metal);
        let out = fit(&backend, &target).expect("fits");
        let (lo, hi) = out.bounds().expect("bounds");
        assert_eq!(lo, [9.75, 1.0, -0.5]);
        assert_eq!(hi, [10.25, 3.0, 0.5]);
        assert_eq!(out.material, target.material);
        assert_eq!(extent(&target), Some([1.0, 2.0, 3.0]));
        assert_eq!(extent(&MeshData::new(target.material.expect("m"))), None);
    }

    #[test]
    fn object_requests_quote_the_prompt_and_only_prop_classes() {
        let spec = WorldSpec {
            prompt: Some(format!("  a foggy harbour {}", "x".repeat(5000))),
            ..WorldSpec::default()
        };
        let i = object_input(&spec, SemanticClass::Bench, [2.0, 1.0, 0.5]).expect("bench");
        assert!(
            i.description
                .starts_with("a park bench for a city described as: a foggy harbour")
        );
        assert!(i.description.chars().count() < 500);
        assert!(object_input(&spec, SemanticClass::Building, [1.0; 3]).is_none());
        let plain =
            object_input(&WorldSpec::default(), SemanticClass::Lamp, [1.0; 3]).expect("lamp");
        assert_eq!(plain.description, "a street lamp");
    }
}
