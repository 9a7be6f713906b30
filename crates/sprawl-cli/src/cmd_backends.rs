//! Generation backends on the command line: `sprawl new … --config`,
//! `sprawl gen … --config` (chunk detail), `sprawl backends status` and the
//! backend lines of `sprawl info`.

use crate::BackendsStatusArgs;
use crate::cmd_region::open;
use anyhow::{Context, Result};
use serde_json::{Value, json};
use sprawl_backends::metrics::{BackendStats, stats_from_records};
use sprawl_backends::{
    ChunkDetailer, Config, DetailEvent, MemoryStore, Orchestrator, Outcome, PromptInput,
    PromptTask, SketchInput, SketchTask, Source, TaskKind, WorldStore,
};
use sprawl_store::WorldFile;
use sprawl_world::{ChunkCoord, Provenance, SketchLayout, WorldSpec};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

/// An orchestrator for one `sprawl new`: its runtime and an in-memory
/// cache, saved into the world file once it exists.
pub struct Routing {
    runtime: tokio::runtime::Runtime,
    orch: Orchestrator,
    store: Arc<MemoryStore>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn warn_unavailable(orch: &Orchestrator) {
    for s in orch.statuses() {
        if let Some(why) = &s.unavailable {
            crate::load::warn(&format!("backend {}: {why}; it is skipped", s.name));
        }
    }
}

/// Reads a configuration and starts its backends (unavailable ones are
/// reported as warnings; the run goes on without them).
pub fn load(config: &Path) -> Result<Routing> {
    let cfg = Config::load(config)?;
    let runtime = runtime()?;
    let store = Arc::new(MemoryStore::default());
    let orch = Orchestrator::new(&cfg, store.clone(), runtime.handle().clone());
    warn_unavailable(&orch);
    Ok(Routing {
        runtime,
        orch,
        store,
    })
}

fn report<T>(out: &mut impl Write, what: &str, o: &Outcome<T>) -> Result<()> {
    for f in &o.failures {
        writeln!(out, "  {}", f.message)?;
    }
    match &o.source {
        Source::Backend { name } => writeln!(
            out,
            "{what} from backend {name} ({}{})",
            o.provenance.generator,
            o.provenance
                .model
                .as_deref()
                .map(|m| format!(", model {m}"))
                .unwrap_or_default()
        )?,
        Source::Cache => writeln!(out, "{what} from the cache ({})", o.provenance)?,
        Source::Procedural => writeln!(
            out,
            "{what}: no backend answered; keeping the procedural one"
        )?,
    }
    Ok(())
}

impl Routing {
    fn announce(&self, out: &mut impl Write, task: TaskKind) -> Result<bool> {
        let route = self.orch.route(task);
        if route.is_empty() {
            return Ok(false);
        }
        writeln!(
            out,
            "Asking backends for the {}: {} (the procedural answer stands if none answers)",
            task.name(),
            route.join(", ")
        )?;
        Ok(true)
    }

    /// The prompt's spec from the configured route, or `None` when the
    /// route is only procedural or no backend answered.
    pub fn prompt(
        &self,
        out: &mut impl Write,
        text: &str,
        seed: u64,
    ) -> Result<Option<(WorldSpec, Provenance)>> {
        if !self.announce(out, TaskKind::Prompt)? {
            return Ok(None);
        }
        let pending = self.orch.request::<PromptTask>(PromptInput {
            text: text.to_owned(),
            seed,
        })?;
        let o = self.runtime.block_on(pending.settle());
        report(out, "Spec", &o)?;
        Ok((o.source != Source::Procedural).then_some((o.value, o.provenance)))
    }

    /// The sketch's layout from the configured route, or `None`.
    pub fn sketch(
        &self,
        out: &mut impl Write,
        image: &[u8],
        metres_per_pixel: f32,
    ) -> Result<Option<(SketchLayout, Provenance)>> {
        if !self.announce(out, TaskKind::Sketch)? {
            return Ok(None);
        }
        let pending = self.orch.request::<SketchTask>(SketchInput {
            image: image.to_vec(),
            metres_per_pixel,
        })?;
        let o = self.runtime.block_on(pending.settle());
        report(out, "Layout", &o)?;
        Ok((o.source != Source::Procedural).then_some((o.value, o.provenance)))
    }

    /// Saves the answers and the call log into the new world file.
    pub fn save(self, world: &WorldFile) -> Result<()> {
        self.store.save_into(world)?;
        Ok(())
    }
}

/// What `sprawl gen --config` did with the backends.
#[derive(Debug, Default)]
pub struct DetailSummary {
    /// Chunks whose backend detail is in the file.
    pub detailed: usize,
    /// Chunks that stayed procedural.
    pub procedural: usize,
    /// Chunks that failed.
    pub errors: usize,
    /// Chunks not settled before the deadline.
    pub unsettled: usize,
}

/// `sprawl gen … --config`: asks the configured backends for the detail of
/// every chunk of `coords` (their region and their props' meshes), stores
/// the answers in the world file as they arrive, and waits for them at most
/// `wait`. Chunks whose backends fail keep their procedural base.
pub fn detail_chunks(
    path: &Path,
    config: &Path,
    coords: &[ChunkCoord],
    wait: Duration,
    out: &mut impl Write,
) -> Result<DetailSummary> {
    let cfg = Config::load(config)?;
    let runtime = runtime()?;
    let store = Arc::new(WorldStore::new(WorldFile::open(path)?));
    let orch = Orchestrator::new(&cfg, store, runtime.handle().clone());
    warn_unavailable(&orch);
    let (detailer, rx) = ChunkDetailer::new(orch.clone(), path)?;
    let mut summary = DetailSummary::default();
    if !detailer.active() {
        writeln!(
            out,
            "{}: no backend is routed for regions or objects; the chunks stay procedural",
            config.display()
        )?;
        return Ok(summary);
    }
    let route = |t| {
        let r = orch.route(t);
        if r.is_empty() {
            "procedural".to_owned()
        } else {
            r.join(", ")
        }
    };
    writeln!(
        out,
        "Asking backends for the detail of {} chunks (region: {}; object: {}); the procedural chunks stand until they answer",
        coords.len(),
        route(TaskKind::Region),
        route(TaskKind::Object)
    )?;
    let start = Instant::now();
    let deadline = start + wait;
    let mut failures: BTreeMap<(String, &'static str), (usize, String)> = BTreeMap::new();
    let (mut next, mut open) = (0, 0usize);
    loop {
        while next < coords.len() && detailer.request(coords[next]) {
            next += 1;
            open += 1;
        }
        if next == coords.len() && open == 0 {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(DetailEvent::Stored { .. }) => {}
            Ok(DetailEvent::Settled {
                detailed,
                failures: f,
                ..
            }) => {
                open -= 1;
                if detailed {
                    summary.detailed += 1;
                } else {
                    summary.procedural += 1;
                }
                for f in f {
                    let e = failures
                        .entry((f.backend, f.kind))
                        .or_insert((0, f.message));
                    e.0 += 1;
                }
            }
            Ok(DetailEvent::Error { coord, message }) => {
                open -= 1;
                summary.errors += 1;
                crate::load::warn(&format!("chunk {coord}: {message}"));
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    summary.unsettled = coords.len() - summary.detailed - summary.procedural - summary.errors;
    for ((backend, kind), (n, message)) in &failures {
        writeln!(out, "  {backend}: {kind} ×{n}, e.g. {message}")?;
    }
    writeln!(
        out,
        "detail: {} chunks with backend detail stored in the world file, {} kept procedural, {} errors ({:.1} s)",
        summary.detailed,
        summary.procedural,
        summary.errors,
        start.elapsed().as_secs_f64()
    )?;
    if summary.unsettled > 0 {
        writeln!(
            out,
            "detail: {} chunks not settled after {} s; they stay procedural until asked again",
            summary.unsettled,
            wait.as_secs_f64()
        )?;
    }
    let stats = orch.backend_stats();
    for s in orch.statuses() {
        let b = stats
            .iter()
            .find(|b| b.backend == s.name)
            .cloned()
            .unwrap_or_else(|| BackendStats {
                backend: s.name.clone(),
                ..BackendStats::default()
            });
        writeln!(
            out,
            "  {}: {} calls, {} ok, {} failed, {} fallbacks, {} skipped, p50 {}, p99 {}, cost {:.4}",
            b.backend,
            b.calls,
            b.ok,
            b.failures,
            b.fallbacks,
            b.skipped,
            ms(b.p50_ms),
            ms(b.p99_ms),
            b.cost
        )?;
    }
    Ok(summary)
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.0} ms"))
}

fn stats_json(s: &BackendStats) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// The backend part of `sprawl info`: what made the answers kept in the
/// file, and what was spent.
pub fn info_text(world: &WorldFile, out: &mut impl Write) -> Result<()> {
    let cache = world.backend_cache_summary()?;
    let calls = world.backend_calls()?;
    if cache.is_empty() && calls.is_empty() {
        writeln!(out, "backends:    none used (everything procedural)")?;
        return Ok(());
    }
    for c in &cache {
        writeln!(
            out,
            "backends:    {} {} answer(s) from {}{}",
            c.count,
            c.task,
            c.generator,
            c.model
                .as_deref()
                .map(|m| format!(" model={m}"))
                .unwrap_or_default()
        )?;
    }
    for c in world.backend_chunk_summary()? {
        writeln!(
            out,
            "backends:    {} chunk(s) detailed by {} (used by every load, offline)",
            c.count, c.made_by
        )?;
    }
    writeln!(
        out,
        "backend use: {} attempts, spent {:.4} (see `sprawl backends status`)",
        calls
            .iter()
            .filter(|c| matches!(c.outcome.as_str(), "ok" | "failed"))
            .count(),
        world.backend_spent()?
    )?;
    Ok(())
}

/// The backend part of `sprawl info --json`.
pub fn info_json(world: &WorldFile) -> Result<Value> {
    let cache: Vec<Value> = world
        .backend_cache_summary()?
        .into_iter()
        .map(|c| json!({"task": c.task, "generator": c.generator, "model": c.model, "count": c.count}))
        .collect();
    let chunks: Vec<Value> = world
        .backend_chunk_summary()?
        .into_iter()
        .map(|c| json!({"made_by": c.made_by, "count": c.count}))
        .collect();
    Ok(json!({
        "detailed_chunks": chunks,
        "cached_answers": cache,
        "spent": world.backend_spent()?,
        "stats": stats_from_records(&world.backend_calls()?).iter().map(stats_json).collect::<Vec<_>>(),
    }))
}

/// `sprawl backends status`.
pub fn status(args: BackendsStatusArgs) -> Result<()> {
    let world = open(&args.file)?;
    let calls = world.backend_calls()?;
    let stats = stats_from_records(&calls);
    let cache = world.backend_cache_summary()?;
    let chunks = world.backend_chunk_summary()?;
    let spent = world.backend_spent()?;
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut v = json!({
            "detailed_chunks": chunks.iter().map(|c| json!({"made_by": c.made_by, "count": c.count})).collect::<Vec<_>>(),
            "file": args.file.display().to_string(),
            "metrics_source": "persisted call log of the world file (every run)",
            "stats": stats.iter().map(stats_json).collect::<Vec<_>>(),
            "cached_answers": cache.iter().map(|c| json!({"task": c.task, "generator": c.generator, "model": c.model, "count": c.count})).collect::<Vec<_>>(),
            "spent": spent,
        });
        if let Some(cfg) = &config {
            v["budget"] = json!(cfg.budget.max_cost);
            v["backends"] = config_json(cfg);
        }
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: metrics from the world file's call log (all runs that used it)",
        args.file.display()
    )?;
    if stats.is_empty() {
        writeln!(out, "  no backend calls recorded")?;
    } else {
        writeln!(
            out,
            "  {:<16} {:>6} {:>6} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9}",
            "backend", "calls", "ok", "failures", "fallbacks", "skipped", "p50", "p99", "cost"
        )?;
        for s in &stats {
            writeln!(
                out,
                "  {:<16} {:>6} {:>6} {:>8} {:>9} {:>7} {:>9} {:>9} {:>9.4}",
                s.backend,
                s.calls,
                s.ok,
                s.failures,
                s.fallbacks,
                s.skipped,
                ms(s.p50_ms),
                ms(s.p99_ms),
                s.cost
            )?;
        }
    }
    match config.as_ref().and_then(|c| c.budget.max_cost) {
        Some(b) => writeln!(out, "  spent {spent:.4} of a budget of {b}")?,
        None => writeln!(out, "  spent {spent:.4}")?,
    }
    for c in &chunks {
        writeln!(
            out,
            "  stored: {} chunk(s) detailed by {}",
            c.count, c.made_by
        )?;
    }
    for c in &cache {
        writeln!(
            out,
            "  cached: {} {} answer(s) from {}{}",
            c.count,
            c.task,
            c.generator,
            c.model
                .as_deref()
                .map(|m| format!(" model={m}"))
                .unwrap_or_default()
        )?;
    }
    if let Some(cfg) = &config {
        writeln!(
            out,
            "configuration {}:",
            args.config
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )?;
        for task in TaskKind::ALL {
            writeln!(
                out,
                "  route {:<7} {}",
                task.name(),
                cfg.route(task).join(" → ")
            )?;
        }
        for (name, b) in &cfg.backends {
            writeln!(
                out,
                "  backend {name}: {} {}{}, {}",
                b.kind,
                b.base_url.as_deref().unwrap_or(""),
                b.model
                    .as_deref()
                    .map(|m| format!(" model {m}"))
                    .unwrap_or_default(),
                key_state(b.api_key_env.as_deref())
            )?;
        }
    }
    Ok(())
}

/// Whether a key variable is set, never its value.
fn key_state(var: Option<&str>) -> String {
    match var {
        None => "no key".into(),
        Some(v) if std::env::var_os(v).is_some_and(|x| !x.is_empty()) => {
            format!("key from ${v} (set)")
        }
        Some(v) => format!("key from ${v} (NOT SET: this backend will be skipped)"),
    }
}

fn config_json(cfg: &Config) -> Value {
    let mut backends = serde_json::Map::new();
    for (name, b) in &cfg.backends {
        backends.insert(
            name.clone(),
            json!({
                "kind": b.kind,
                "base_url": b.base_url,
                "model": b.model,
                "api_key_env": b.api_key_env,
                "key_set": b.api_key_env.as_deref().is_some_and(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty())),
            }),
        );
    }
    let routes: serde_json::Map<String, Value> = TaskKind::ALL
        .iter()
        .map(|t| (t.name().to_owned(), json!(cfg.route(*t))))
        .collect();
    json!({"routes": routes, "backends": backends})
}
