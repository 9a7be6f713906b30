//! Generation backends on the command line: `sprawl new … --config`,
//! `sprawl backends status` and the backend lines of `sprawl info`.

use crate::BackendsStatusArgs;
use crate::cmd_region::open;
use anyhow::{Context, Result};
use serde_json::{Value, json};
use sprawl_backends::metrics::{BackendStats, stats_from_records};
use sprawl_backends::{
    Config, MemoryStore, Orchestrator, Outcome, PromptInput, PromptTask, SketchInput, SketchTask,
    Source, TaskKind,
};
use sprawl_store::WorldFile;
use sprawl_world::{Provenance, SketchLayout, WorldSpec};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// An orchestrator for one `sprawl new`: its runtime and an in-memory
/// cache, saved into the world file once it exists.
pub struct Routing {
    runtime: tokio::runtime::Runtime,
    orch: Orchestrator,
    store: Arc<MemoryStore>,
}

/// Reads a configuration and starts its backends (unavailable ones are
/// reported as warnings; the run goes on without them).
pub fn load(config: &Path) -> Result<Routing> {
    let cfg = Config::load(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let store = Arc::new(MemoryStore::default());
    let orch = Orchestrator::new(&cfg, store.clone(), runtime.handle().clone());
    for s in orch.statuses() {
        if let Some(why) = &s.unavailable {
            crate::load::warn(&format!("backend {}: {why}; it is skipped", s.name));
        }
    }
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
    Ok(json!({
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
    let spent = world.backend_spent()?;
    let config = args.config.as_deref().map(Config::load).transpose()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut v = json!({
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
