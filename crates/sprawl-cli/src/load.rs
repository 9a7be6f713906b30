//! Getting many chunks at once: from the world file's cache where it holds
//! them, else generated in parallel (one shared [`ChunkGenerator`] on a
//! rayon pool), written to the cache from the calling thread (the world
//! file is one SQLite connection), with a progress bar on stderr.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use rayon::prelude::*;
use sprawl_gen::ChunkGenerator;
use sprawl_store::WorldFile;
use sprawl_world::{Chunk, ChunkCoord, Edit, Region, apply_edits};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Most chunks one command will touch.
pub const MAX_CHUNKS: usize = 16_384;

/// What a pass over chunks did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Chunks handled.
    pub chunks: usize,
    /// Chunks that came from the cache.
    pub cached: usize,
    /// Chunks that were generated (and written to the cache).
    pub generated: usize,
    /// Objects over all chunks (generated base, before edits).
    pub objects: usize,
    /// Triangles over all chunks (generated base, before edits).
    pub triangles: usize,
    /// Wall time of the whole pass.
    pub elapsed: Duration,
}

/// Checks a region's size against `max_area` (square metres) and the chunk
/// limit, naming the command's limit in the error; returns its chunks.
pub fn region_chunks(region: Region, chunk_size: f32, max_area: f64) -> Result<Vec<ChunkCoord>> {
    let area = f64::from(region.width()) * f64::from(region.depth());
    if area > max_area {
        bail!(
            "region is {:.2} km², over the limit of {:.0} km² for this command; use a smaller region",
            area / 1e6,
            max_area / 1e6
        );
    }
    let size = f64::from(chunk_size);
    let across = |lo: f32, hi: f32| {
        ((f64::from(hi) / size).ceil() - (f64::from(lo) / size).floor()).max(1.0)
    };
    let count = across(region.x0, region.x1) * across(region.z0, region.z1);
    if count > MAX_CHUNKS as f64 {
        bail!(
            "region covers {count:.0} chunks of {chunk_size} m, over the limit of {MAX_CHUNKS}; \
             use a smaller region"
        );
    }
    Ok(region.chunks(chunk_size))
}

/// A progress bar on stderr, or a hidden one when stderr is not a terminal.
pub fn progress(len: usize, message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style =
        ProgressStyle::with_template("{msg} [{bar:24}] {pos}/{len} chunks, {rate}, eta {eta}")
            .map(|s| {
                s.progress_chars("=> ").with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} chunks/s", state.per_sec());
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr())
        .with_style(style)
        .with_message(message)
}

/// Calls `f` with the generated base of every chunk of `coords` (from the
/// cache, else generated on `threads` workers and cached), in no particular
/// order. The `bool` says whether it came from the cache.
pub fn for_each_base_chunk(
    world: &WorldFile,
    coords: &[ChunkCoord],
    threads: Option<u16>,
    message: &'static str,
    mut f: impl FnMut(Chunk, bool) -> Result<()>,
) -> Result<Stats> {
    let start = Instant::now();
    let bar = progress(coords.len(), message);
    let mut stats = Stats {
        chunks: coords.len(),
        ..Stats::default()
    };
    let count = |stats: &mut Stats, chunk: &Chunk| {
        stats.objects += chunk.objects.len();
        stats.triangles += chunk.triangle_count();
    };

    let mut missing = Vec::new();
    for &coord in coords {
        match world.cached_chunk(coord)? {
            Some(chunk) => {
                count(&mut stats, &chunk);
                stats.cached += 1;
                f(chunk, true)?;
                bar.inc(1);
            }
            None => missing.push(coord),
        }
    }

    if !missing.is_empty() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.map_or(0, usize::from))
            .thread_name(|i| format!("sprawl-gen-{i}"))
            .build()
            .context("cannot start the generator threads")?;
        let spec = world.spec().clone();
        let generator = ChunkGenerator::new(&spec);
        // Bounded, so that fast workers cannot pile up chunks in memory while
        // the main thread writes the cache.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(pool.current_num_threads() * 2);
        let result = std::thread::scope(|scope| {
            let generator = &generator;
            let missing = &missing;
            let workers = scope.spawn(move || {
                pool.install(|| {
                    // A send fails only when the receiver gave up; stop then.
                    let _ = missing.par_iter().try_for_each_with(tx, |tx, &c| {
                        tx.send(generator.generate(c)).map_err(|_| ())
                    });
                });
            });
            let mut result = Ok(());
            for chunk in rx.iter() {
                count(&mut stats, &chunk);
                stats.generated += 1;
                let step = world
                    .cache_chunk(&chunk)
                    .map_err(anyhow::Error::from)
                    .and_then(|()| f(chunk, false));
                if let Err(e) = step {
                    result = Err(e);
                    break;
                }
                bar.inc(1);
            }
            // Dropping the receiver makes the workers' sends fail, so they stop.
            drop(rx);
            if workers.join().is_err() {
                bail!("a generator thread failed");
            }
            result
        });
        result?;
    }
    bar.finish_and_clear();
    stats.elapsed = start.elapsed();
    Ok(stats)
}

/// The live chunks (generated base plus the journal's edits) of `region`,
/// plus any chunk elsewhere whose journal moves or adds an object into the
/// region, sorted by coordinate. Edits that no longer apply are reported on
/// stderr as warnings.
pub fn live_chunks(
    world: &WorldFile,
    region: Region,
    threads: Option<u16>,
    max_area: f64,
    message: &'static str,
) -> Result<Vec<Chunk>> {
    let mut chunks = Vec::new();
    for_each_live_chunk(world, region, threads, max_area, message, |c| {
        chunks.push(c);
        Ok(())
    })?;
    chunks.sort_by_key(|c| c.coord);
    Ok(chunks)
}

/// Like [`live_chunks`], but hands each chunk to `f` as soon as it is ready
/// (in no particular order) instead of keeping them all.
pub fn for_each_live_chunk(
    world: &WorldFile,
    region: Region,
    threads: Option<u16>,
    max_area: f64,
    message: &'static str,
    mut f: impl FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    let mut coords: BTreeSet<ChunkCoord> =
        region_chunks(region, world.spec().chunk_size, max_area)?
            .into_iter()
            .collect();
    for entry in world.all_edits()? {
        let placed = match &entry.edit {
            Edit::Move { transform, .. } | Edit::DynamicState { transform, .. } => {
                Some(transform.translation)
            }
            Edit::Add { object, .. } => Some(object.transform.translation),
            Edit::Remove { .. } => None,
        };
        if placed.is_some_and(|p| region.contains(p.x, p.z)) {
            coords.insert(entry.edit.object_id().chunk);
        }
    }
    let coords: Vec<ChunkCoord> = coords.into_iter().collect();
    let mut warnings = Vec::new();
    for_each_base_chunk(world, &coords, threads, message, |mut chunk, _| {
        let entries = world.edits_for_chunk(chunk.coord)?;
        for (edit, why) in apply_edits(&mut chunk, entries.iter().map(|e| &e.edit)) {
            warnings.push(format!(
                "a `{}` edit of object {} no longer applies: {why}",
                edit.op(),
                edit.object_id()
            ));
        }
        f(chunk)
    })?;
    for w in warnings {
        warn(&w);
    }
    Ok(())
}

/// Prints `warning: …` on stderr (ignoring a closed stderr).
pub fn warn(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {message}");
}
