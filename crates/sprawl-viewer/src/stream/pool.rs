//! Background workers that load (generate or read) chunks and bake their meshes.
//!
//! The main thread hands over a ranked list of jobs each frame with
//! [`WorkerPool::set_jobs`], replacing the queue: jobs no longer wanted are
//! cancelled before they start. Workers take the best job, load the chunk
//! through their own [`ChunkSource`] (one world-file connection each), bake
//! it and send the result back over a channel tagged with the chunk's edit
//! epoch, so the main thread can discard results made before an edit. The
//! main thread only ever polls ([`WorkerPool::try_recv`]); it never waits.

use crate::mesher::{self, ChunkMeshes, Lod, MeshStyle};
use sprawl_world::{Chunk, ChunkCoord};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where a worker gets chunks from (the live chunk: generated base plus edits).
pub trait ChunkSource: Send {
    /// The chunk at `coord`, and how many of its journal edits no longer apply.
    fn load(&mut self, coord: ChunkCoord) -> Result<(Chunk, usize), String>;
}

/// Makes one [`ChunkSource`] per worker thread (called on that thread).
pub type SourceFactory = Arc<dyn Fn() -> Result<Box<dyn ChunkSource>, String> + Send + Sync>;

/// One chunk to load and bake.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Job {
    /// Which chunk.
    pub coord: ChunkCoord,
    /// At which level.
    pub lod: Lod,
    /// The chunk's edit epoch when asked.
    pub epoch: u64,
    /// Lower is sooner.
    pub priority: f32,
}

/// A baked chunk.
#[derive(Debug)]
pub struct Baked {
    /// The job it answers.
    pub job: Job,
    /// Vertex buffers.
    pub meshes: ChunkMeshes,
    /// The live chunk itself (kept for picking and editing), at full detail only.
    pub chunk: Option<Chunk>,
    /// World-space bounds of each object of `chunk`, same order.
    pub object_bounds: Vec<([f32; 3], [f32; 3])>,
    /// Journal edits of the chunk that no longer apply.
    pub rejected_edits: usize,
    /// Time spent loading and baking.
    pub took: Duration,
}

/// What a worker sends back.
#[derive(Debug)]
pub enum JobOutput {
    /// Success.
    Baked(Box<Baked>),
    /// The chunk could not be loaded.
    Failed {
        /// The job.
        job: Job,
        /// Why.
        error: String,
    },
}

/// Counters since the pool started.
#[derive(Debug, Default)]
pub struct PoolCounters {
    /// Jobs handed over by the main thread (each distinct request counted once per queue).
    pub requested: AtomicU64,
    /// Jobs finished.
    pub served: AtomicU64,
    /// Queued jobs dropped before they started.
    pub cancelled: AtomicU64,
    /// Jobs that failed.
    pub failed: AtomicU64,
    /// Microseconds spent in jobs.
    pub busy_micros: AtomicU64,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    running: HashMap<ChunkCoord, Lod>,
    shutdown: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    counters: PoolCounters,
}

/// The worker threads and their queue. Dropping it stops them.
pub struct WorkerPool {
    shared: Arc<Shared>,
    results: Mutex<Receiver<JobOutput>>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("threads", &self.threads.len())
            .finish()
    }
}

impl WorkerPool {
    /// Starts `workers` threads (at least one).
    pub fn new(workers: usize, source: SourceFactory, style: MeshStyle) -> Self {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            counters: PoolCounters::default(),
        });
        let style = Arc::new(style);
        let (tx, rx) = channel();
        let threads = (0..workers.max(1))
            .map(|i| {
                let shared = Arc::clone(&shared);
                let source = Arc::clone(&source);
                let style = Arc::clone(&style);
                let tx = tx.clone();
                std::thread::Builder::new()
                    .name(format!("sprawl-chunks-{i}"))
                    .spawn(move || worker(&shared, &*source, &style, &tx))
                    .expect("the OS refused to start a chunk worker thread")
            })
            .collect();
        Self {
            shared,
            results: Mutex::new(rx),
            threads,
        }
    }

    /// Replaces the queue with `jobs` (best first). Queued jobs not in the
    /// new list are cancelled; running ones finish.
    pub fn set_jobs(&self, jobs: Vec<Job>) {
        let mut q = lock(&self.shared.queue);
        let before: HashMap<ChunkCoord, Lod> = q.jobs.iter().map(|j| (j.coord, j.lod)).collect();
        let mut cancelled = 0;
        for (c, l) in &before {
            if !jobs.iter().any(|j| j.coord == *c && j.lod == *l) {
                cancelled += 1;
            }
        }
        let fresh = jobs
            .iter()
            .filter(|j| before.get(&j.coord) != Some(&j.lod))
            .count();
        q.jobs = jobs;
        // Workers pop from the end.
        q.jobs.reverse();
        drop(q);
        let c = &self.shared.counters;
        c.cancelled.fetch_add(cancelled, Ordering::Relaxed);
        c.requested.fetch_add(fresh as u64, Ordering::Relaxed);
        self.shared.wake.notify_all();
    }

    /// Levels being made right now, by chunk.
    pub fn running(&self) -> HashMap<ChunkCoord, Lod> {
        lock(&self.shared.queue).running.clone()
    }

    /// Levels queued or being made, by chunk.
    pub fn pending(&self) -> HashMap<ChunkCoord, Lod> {
        let q = lock(&self.shared.queue);
        let mut out = q.running.clone();
        for j in &q.jobs {
            out.entry(j.coord).or_insert(j.lod);
        }
        out
    }

    /// Jobs waiting in the queue.
    pub fn queued(&self) -> usize {
        lock(&self.shared.queue).jobs.len()
    }

    /// A finished job, if one is waiting. Never blocks.
    pub fn try_recv(&self) -> Option<JobOutput> {
        lock(&self.results).try_recv().ok()
    }

    /// Counters since the pool started.
    pub fn counters(&self) -> &PoolCounters {
        &self.shared.counters
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        lock(&self.shared.queue).shutdown = true;
        self.shared.wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A worker that panicked poisons nothing we cannot keep using.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn worker(
    shared: &Shared,
    make_source: &(dyn Fn() -> Result<Box<dyn ChunkSource>, String> + Send + Sync),
    style: &MeshStyle,
    tx: &Sender<JobOutput>,
) {
    let mut source = make_source();
    loop {
        let job = {
            let mut q = lock(&shared.queue);
            loop {
                if q.shutdown {
                    return;
                }
                if let Some(job) = q.jobs.pop() {
                    q.running.insert(job.coord, job.lod);
                    break job;
                }
                q = shared
                    .wake
                    .wait_timeout(q, Duration::from_millis(200))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
        };
        let start = Instant::now();
        let out = match &mut source {
            Err(e) => JobOutput::Failed {
                job,
                error: e.clone(),
            },
            Ok(src) => match src.load(job.coord) {
                Err(error) => JobOutput::Failed { job, error },
                Ok((chunk, rejected_edits)) => {
                    let meshes = mesher::bake(&chunk, job.lod, style);
                    let keep = job.lod == Lod::Full;
                    let object_bounds = if keep {
                        chunk.objects.iter().map(world_bounds).collect()
                    } else {
                        Vec::new()
                    };
                    JobOutput::Baked(Box::new(Baked {
                        job,
                        meshes,
                        chunk: keep.then_some(chunk),
                        object_bounds,
                        rejected_edits,
                        took: start.elapsed(),
                    }))
                }
            },
        };
        let c = &shared.counters;
        match &out {
            JobOutput::Baked(_) => c.served.fetch_add(1, Ordering::Relaxed),
            JobOutput::Failed { .. } => c.failed.fetch_add(1, Ordering::Relaxed),
        };
        c.busy_micros
            .fetch_add(start.elapsed().as_micros() as u64, Ordering::Relaxed);
        let gone = tx.send(out).is_err();
        lock(&shared.queue).running.remove(&job.coord);
        if gone {
            return;
        }
    }
}

/// World-space axis-aligned bounds of an object's mesh.
pub fn world_bounds(o: &sprawl_world::Object) -> ([f32; 3], [f32; 3]) {
    let Some((lo, hi)) = o.mesh.bounds() else {
        let p = o.transform.translation.to_array();
        return (p, p);
    };
    let mut min = glam::Vec3::splat(f32::MAX);
    let mut max = glam::Vec3::splat(f32::MIN);
    for k in 0..8 {
        let corner = glam::Vec3::new(
            if k & 1 == 0 { lo[0] } else { hi[0] },
            if k & 2 == 0 { lo[1] } else { hi[1] },
            if k & 4 == 0 { lo[2] } else { hi[2] },
        );
        let w = o.transform.apply(corner);
        min = min.min(w);
        max = max.max(w);
    }
    (min.to_array(), max.to_array())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprawl_world::WorldSpec;

    struct Gen(WorldSpec);
    impl ChunkSource for Gen {
        fn load(&mut self, coord: ChunkCoord) -> Result<(Chunk, usize), String> {
            if coord.x > 100 {
                return Err("too far east".into());
            }
            Ok((sprawl_gen::generate_chunk(&self.0, coord), 0))
        }
    }

    fn pool() -> WorkerPool {
        let spec = WorldSpec::default();
        let style = MeshStyle {
            palette: spec.palette.clone(),
            look: spec.look,
        };
        let factory: SourceFactory = Arc::new(move || Ok(Box::new(Gen(spec.clone())) as _));
        WorkerPool::new(2, factory, style)
    }

    fn job(x: i32, lod: Lod) -> Job {
        Job {
            coord: ChunkCoord::new(x, 0),
            lod,
            epoch: 7,
            priority: x as f32,
        }
    }

    fn wait_for(p: &WorkerPool, n: usize) -> Vec<JobOutput> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut out = Vec::new();
        while out.len() < n && Instant::now() < deadline {
            match p.try_recv() {
                Some(o) => out.push(o),
                None => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        out
    }

    #[test]
    fn jobs_come_back_baked_with_their_epoch() {
        let p = pool();
        p.set_jobs(vec![
            job(0, Lod::Full),
            job(1, Lod::Far),
            job(101, Lod::Mid),
        ]);
        let outs = wait_for(&p, 3);
        assert_eq!(outs.len(), 3);
        let mut ok = 0;
        for o in outs {
            match o {
                JobOutput::Baked(b) => {
                    ok += 1;
                    assert_eq!(b.job.epoch, 7);
                    assert_eq!(b.chunk.is_some(), b.job.lod == Lod::Full);
                    if let Some(c) = &b.chunk {
                        assert_eq!(c.objects.len(), b.object_bounds.len());
                    }
                    assert!(b.meshes.triangles() > 0);
                }
                JobOutput::Failed { job, error } => {
                    assert_eq!(job.coord.x, 101);
                    assert!(error.contains("too far"));
                }
            }
        }
        assert_eq!(ok, 2);
        assert_eq!(p.counters().served.load(Ordering::Relaxed), 2);
        assert_eq!(p.counters().failed.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn replacing_the_queue_cancels_what_is_no_longer_wanted() {
        let p = pool();
        let many: Vec<Job> = (0..200).map(|x| job(x, Lod::Full)).collect();
        p.set_jobs(many);
        p.set_jobs(vec![job(0, Lod::Far)]);
        // Whatever had started finishes; the rest is cancelled.
        let c = p.counters().cancelled.load(Ordering::Relaxed);
        assert!(c >= 190, "only {c} cancelled");
        drop(p);
    }
}
