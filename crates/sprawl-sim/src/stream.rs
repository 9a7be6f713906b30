//! Chunk loading: a background thread generates (or reads from the world
//! file) the chunks agents are heading for, so that a step never waits on
//! generation unless a chunk it needs right now is missing.
//!
//! Jobs are keyed by chunk coordinate, each with a cancel flag; results come
//! back over a channel tagged with the epoch (world) they were asked for, so
//! results for a previous world are dropped. Every chunk is a pure function
//! of the world, so a chunk made here or on the stepping thread is the same
//! bits: which thread made it never changes a trajectory.

use crate::SimError;
use sprawl_gen::ChunkGenerator;
use sprawl_store::WorldFile;
use sprawl_world::{Chunk, ChunkCoord, RoadGraph, WorldSpec};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

/// Where chunks come from.
#[derive(Clone)]
pub(crate) enum ChunkSource {
    /// Generated from a spec.
    Spec(Arc<WorldSpec>),
    /// Read from a world file (cache or generation, edits applied).
    File(PathBuf),
}

struct Job {
    epoch: u64,
    coord: ChunkCoord,
    source: ChunkSource,
    cancel: Arc<AtomicBool>,
}

struct Done {
    epoch: u64,
    coord: ChunkCoord,
    chunk: Result<Chunk, String>,
}

/// Longest wait for a chunk the background thread is making before making
/// it here instead (it normally takes a fraction of a millisecond).
const WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Counters of the loader's work since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoaderStats {
    /// Chunks asked of the background thread.
    pub requested: u64,
    /// Chunks it delivered and that were kept.
    pub served: u64,
    /// Requests cancelled because no agent went near them in time.
    pub cancelled: u64,
    /// Chunks made on the stepping thread because they were needed at once.
    pub synchronous: u64,
}

/// Chunks made but not (or no longer) part of the live world, plus the
/// background thread that makes them.
pub(crate) struct Loader {
    source: ChunkSource,
    /// The stepping thread's own handle on a world file.
    file: Option<WorldFile>,
    epoch: u64,
    tx: Option<Sender<Job>>,
    rx: Option<Receiver<Done>>,
    in_flight: HashMap<ChunkCoord, Arc<AtomicBool>>,
    ready: HashMap<ChunkCoord, Chunk>,
    pub stats: LoaderStats,
}

impl Loader {
    /// A loader for `source`; a world file is opened (and checked) here.
    pub fn new(source: ChunkSource) -> Result<Self, SimError> {
        let file = match &source {
            ChunkSource::File(p) => {
                let mut f = WorldFile::open(p)?;
                // Simulations read; they never write a user's world.
                f.set_cache_writes(false);
                Some(f)
            }
            ChunkSource::Spec(_) => None,
        };
        let (tx, job_rx) = channel::<Job>();
        let (done_tx, rx) = channel::<Done>();
        let spawned = std::thread::Builder::new()
            .name("sprawl-sim-loader".into())
            .spawn(move || worker(job_rx, done_tx));
        let (tx, rx) = match spawned {
            Ok(_) => (Some(tx), Some(rx)),
            // Without a thread everything is made synchronously; still correct.
            Err(_) => (None, None),
        };
        Ok(Self {
            source,
            file,
            epoch: 0,
            tx,
            rx,
            in_flight: HashMap::new(),
            ready: HashMap::new(),
            stats: LoaderStats::default(),
        })
    }

    /// The spec of the world (for a file, the file's).
    pub fn spec(&self) -> &WorldSpec {
        match (&self.source, &self.file) {
            (_, Some(f)) => f.spec(),
            (ChunkSource::Spec(s), None) => s,
            (ChunkSource::File(_), None) => unreachable!("a file source always has its file"),
        }
    }

    /// Switches to another generated world: everything pending or kept is dropped.
    pub fn set_spec(&mut self, spec: Arc<WorldSpec>) {
        self.source = ChunkSource::Spec(spec);
        self.epoch += 1;
        for (_, c) in self.in_flight.drain() {
            c.store(true, Ordering::Relaxed);
        }
        self.ready.clear();
    }

    /// Takes delivered chunks off the channel (never blocks).
    pub fn poll(&mut self) {
        let Some(rx) = &self.rx else { return };
        while let Ok(done) = rx.try_recv() {
            if done.epoch != self.epoch {
                continue;
            }
            if self.in_flight.remove(&done.coord).is_none() {
                continue; // made synchronously meanwhile, or cancelled
            }
            if let Ok(chunk) = done.chunk {
                self.stats.served += 1;
                self.ready.insert(done.coord, chunk);
            }
        }
    }

    /// Asks the background thread for `coord` unless it is ready or on its way.
    pub fn prefetch(&mut self, coord: ChunkCoord) {
        if self.ready.contains_key(&coord) || self.in_flight.contains_key(&coord) {
            return;
        }
        let Some(tx) = &self.tx else { return };
        let cancel = Arc::new(AtomicBool::new(false));
        let job = Job {
            epoch: self.epoch,
            coord,
            source: self.source.clone(),
            cancel: cancel.clone(),
        };
        if tx.send(job).is_ok() {
            self.stats.requested += 1;
            self.in_flight.insert(coord, cancel);
        }
    }

    /// Cancels background jobs and forgets kept chunks for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(ChunkCoord) -> bool) {
        let mut cancelled = 0;
        self.in_flight.retain(|c, flag| {
            let k = keep(*c);
            if !k {
                flag.store(true, Ordering::Relaxed);
                cancelled += 1;
            }
            k
        });
        self.stats.cancelled += cancelled;
        self.ready.retain(|c, _| keep(*c));
    }

    /// Waits (up to `WAIT`) for a chunk the background thread is making;
    /// whether it is ready now. Chunks it delivers meanwhile are kept.
    fn wait_for(&mut self, coord: ChunkCoord) -> bool {
        self.poll();
        if self.ready.contains_key(&coord) {
            return true;
        }
        if !self.in_flight.contains_key(&coord) {
            return false;
        }
        let deadline = std::time::Instant::now() + WAIT;
        while let Some(rx) = &self.rx {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let Ok(done) = rx.recv_timeout(left) else {
                return false;
            };
            if done.epoch == self.epoch && self.in_flight.remove(&done.coord).is_some() {
                if let Ok(chunk) = done.chunk {
                    self.stats.served += 1;
                    self.ready.insert(done.coord, chunk);
                }
                if done.coord == coord {
                    return self.ready.contains_key(&coord);
                }
            }
        }
        false
    }

    /// Takes chunk `coord`: the background thread's result if it came or is
    /// on its way (waiting for it is cheaper than making it twice), else
    /// made here and now.
    pub fn take(&mut self, coord: ChunkCoord) -> Result<Chunk, SimError> {
        if self.wait_for(coord)
            && let Some(c) = self.ready.remove(&coord)
        {
            return Ok(c);
        }
        if let Some(flag) = self.in_flight.remove(&coord) {
            flag.store(true, Ordering::Relaxed);
        }
        self.stats.synchronous += 1;
        self.make(coord)
    }

    /// Puts a chunk that left the live world back among the kept ones.
    pub fn give_back(&mut self, chunk: Chunk) {
        self.ready.insert(chunk.coord, chunk);
    }

    /// The road graph (and the rest) of a kept chunk, made here if needed.
    pub fn peek(&mut self, coord: ChunkCoord) -> Result<&Chunk, SimError> {
        if !self.wait_for(coord) {
            let chunk = self.take(coord)?;
            self.ready.insert(coord, chunk);
        }
        Ok(&self.ready[&coord])
    }

    /// The road graph of chunk `coord`: a kept chunk's, else (generated
    /// worlds) the generator's road graph alone, which costs a fraction of
    /// the chunk; a world file's chunk is loaded and kept.
    pub fn roads(&mut self, coord: ChunkCoord) -> Result<RoadGraph, SimError> {
        self.poll();
        if let Some(c) = self.ready.get(&coord) {
            return Ok(c.roads.clone());
        }
        match &self.source {
            ChunkSource::Spec(spec) => Ok(ChunkGenerator::new(spec).road_graph(coord)),
            ChunkSource::File(_) => Ok(self.peek(coord)?.roads.clone()),
        }
    }

    fn make(&mut self, coord: ChunkCoord) -> Result<Chunk, SimError> {
        match (&self.source, &self.file) {
            (_, Some(f)) => Ok(f.load_chunk(coord)?.chunk),
            (ChunkSource::Spec(spec), None) => {
                Ok(ChunkGenerator::new(spec).generate_physics(coord))
            }
            (ChunkSource::File(_), None) => unreachable!("a file source always has its file"),
        }
    }
}

/// The background thread: takes jobs in batches (one generator per batch),
/// skips cancelled ones, and sends results until either channel closes.
fn worker(jobs: Receiver<Job>, done: Sender<Done>) {
    let mut file: Option<(PathBuf, WorldFile)> = None;
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while let Ok(j) = jobs.try_recv() {
            batch.push(j);
        }
        let mut k = 0;
        while k < batch.len() {
            // Jobs of one source in a row share one generator.
            let same = |a: &ChunkSource, b: &ChunkSource| match (a, b) {
                (ChunkSource::Spec(x), ChunkSource::Spec(y)) => Arc::ptr_eq(x, y),
                (ChunkSource::File(x), ChunkSource::File(y)) => x == y,
                _ => false,
            };
            let end = (k..batch.len())
                .find(|&i| !same(&batch[i].source, &batch[k].source))
                .unwrap_or(batch.len());
            let group = &batch[k..end];
            match &group[0].source {
                ChunkSource::Spec(spec) => {
                    let generator = ChunkGenerator::new(spec);
                    for j in group {
                        if j.cancel.load(Ordering::Relaxed) {
                            continue;
                        }
                        // The simulator never draws: physics-only chunks (no meshes).
                        let chunk = Ok(generator.generate_physics(j.coord));
                        if done
                            .send(Done {
                                epoch: j.epoch,
                                coord: j.coord,
                                chunk,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                ChunkSource::File(path) => {
                    if file.as_ref().is_none_or(|(p, _)| p != path) {
                        file = WorldFile::open(path).ok().map(|mut f| {
                            f.set_cache_writes(false);
                            (path.clone(), f)
                        });
                    }
                    for j in group {
                        if j.cancel.load(Ordering::Relaxed) {
                            continue;
                        }
                        let chunk = match &file {
                            Some((_, f)) => f
                                .load_chunk(j.coord)
                                .map(|l| l.chunk)
                                .map_err(|e| e.to_string()),
                            None => Err(format!("cannot open {}", path.display())),
                        };
                        if done
                            .send(Done {
                                epoch: j.epoch,
                                coord: j.coord,
                                chunk,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            k = end;
        }
    }
}
