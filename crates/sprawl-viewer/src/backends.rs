//! Generation backends in the viewer: chunks on screen get a backend's
//! detail (a region's answer, props' meshes) when it arrives, swapped in
//! without a hitch, and the panel shows what the backends cost.
//!
//! With a configuration (`sprawl view FILE --config backends.toml`), the
//! [`BackendsPlugin`] starts a [`ChunkDetailer`] over the world file on its
//! own runtime (built on a background thread, so opening a world never
//! waits on it). Every frame, in [`BackendsSet`]:
//!
//! 1. [`BackendsSet::Ask`]: chunks on screen at full detail that have not
//!    been asked yet are handed to the detailer, nearest first. That only
//!    queues them; the procedural chunk is already on screen.
//! 2. [`BackendsSet::Swap`]: answers the detailer has stored in the world
//!    file are taken off its channel (never waiting). For each, the chunk's
//!    edit epoch is bumped and it is marked stale, so the streaming workers
//!    load it again (now the stored answer, through the world file like any
//!    other load) and bake it off the main thread; the upload then replaces
//!    the old meshes in the same frame the new ones appear, as for any other
//!    refinement. The main thread never loads, generates or bakes a chunk
//!    here, and never waits for a backend.
//!
//! Without a configuration the plugin does nothing and the panel says so.

use crate::mesher::Lod;
use crate::stream::{StreamSet, Streamer};
use crate::world::ActiveWorld;
use bevy::prelude::*;
use bevy_egui::egui;
use sprawl_backends::detail::MAX_JOBS;
use sprawl_backends::{
    ChunkDetailer, Config, DetailEvent, DetailStats, Orchestrator, TaskKind, WorldStore,
};
use sprawl_store::WorldFile;
use sprawl_world::ChunkCoord;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};

/// Lines of recent backend events kept for the panel.
const LOG_LINES: usize = 6;

/// Ordering of the backend systems (in `Update`, between the streaming's
/// [`StreamSet::Receive`] and [`StreamSet::Plan`], so that a chunk marked
/// stale is planned again in the same frame).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackendsSet {
    /// Hand chunks on screen to the detailer.
    Ask,
    /// Take stored answers and have the streaming swap them in.
    Swap,
}

/// Asks generation backends for the detail of the chunks on screen.
#[derive(Debug, Default, Clone)]
pub struct BackendsPlugin {
    /// The backends configuration (TOML); `None`: everything procedural.
    pub config: Option<PathBuf>,
}

type Started = Result<(ChunkDetailer, Receiver<DetailEvent>), String>;

/// The detailer of the world on screen.
struct Live {
    detailer: ChunkDetailer,
    events: Mutex<Receiver<DetailEvent>>,
}

/// Counters of what the viewer did with backend answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwapStats {
    /// Chunks handed to the detailer.
    pub asked: u64,
    /// Stored answers for chunks on screen, sent to the workers to swap in.
    pub queued: u64,
    /// Swaps done: the chunk was baked again and replaced on screen.
    pub swapped: u64,
    /// Chunks that settled without backend detail (procedural kept).
    pub procedural: u64,
    /// Chunks whose detail failed.
    pub errors: u64,
}

/// Backends of the viewer: configuration, the current world's detailer,
/// and what happened.
#[derive(Resource)]
pub struct ViewerBackends {
    /// Where the configuration came from.
    pub config_path: Option<PathBuf>,
    config: Option<Config>,
    runtime: Option<tokio::runtime::Runtime>,
    /// Generation of the world the detailer is (being) made for.
    world_generation: Option<u64>,
    starting: Option<Mutex<Receiver<Started>>>,
    live: Option<Live>,
    asked: HashSet<ChunkCoord>,
    swapping: HashSet<ChunkCoord>,
    /// Counters since the world opened.
    pub stats: SwapStats,
    /// Why the backends are not working, if they are not.
    pub status: Option<String>,
    /// Recent events, newest last.
    pub log: VecDeque<String>,
}

impl ViewerBackends {
    /// Backends from a configuration file; errors end up in
    /// [`status`](Self::status) (the viewer then stays procedural).
    pub fn new(config: Option<&Path>) -> Self {
        let mut me = Self {
            config_path: config.map(Path::to_owned),
            config: None,
            runtime: None,
            world_generation: None,
            starting: None,
            live: None,
            asked: HashSet::new(),
            swapping: HashSet::new(),
            stats: SwapStats::default(),
            status: None,
            log: VecDeque::new(),
        };
        let Some(path) = config else { return me };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sprawl-backends")
            .enable_all()
            .build();
        match (Config::load(path), runtime) {
            (Ok(c), Ok(rt)) => {
                me.config = Some(c);
                me.runtime = Some(rt);
            }
            (Err(e), _) => me.status = Some(e.to_string()),
            (_, Err(e)) => me.status = Some(format!("cannot start the async runtime: {e}")),
        }
        me
    }

    /// The orchestrator of the world on screen, once started.
    pub fn orchestrator(&self) -> Option<&Orchestrator> {
        self.live.as_ref().map(|l| l.detailer.orchestrator())
    }

    /// The detailer's counters, once started.
    pub fn detail_stats(&self) -> Option<DetailStats> {
        self.live.as_ref().map(|l| l.detailer.stats())
    }

    fn note(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }
}

impl Plugin for BackendsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(ViewerBackends::new(self.config.as_deref()))
            .configure_sets(
                Update,
                (BackendsSet::Ask, BackendsSet::Swap)
                    .chain()
                    .after(StreamSet::Receive)
                    .before(StreamSet::Plan),
            )
            .add_systems(
                Update,
                (
                    (sync_world, ask).chain().in_set(BackendsSet::Ask),
                    swap.in_set(BackendsSet::Swap),
                ),
            );
    }
}

/// Starts a detailer (on a background thread) for a newly opened world.
fn sync_world(world: Option<Res<ActiveWorld>>, mut backends: ResMut<ViewerBackends>) {
    let b = &mut *backends;
    let (Some(world), Some(config), Some(runtime)) = (world, &b.config, &b.runtime) else {
        return;
    };
    if b.world_generation != Some(world.generation) {
        b.world_generation = Some(world.generation);
        b.live = None;
        b.asked.clear();
        b.swapping.clear();
        b.stats = SwapStats::default();
        let (tx, rx) = channel();
        let (config, handle, path) = (config.clone(), runtime.handle().clone(), world.path.clone());
        let spawned = std::thread::Builder::new()
            .name("sprawl-backends-start".into())
            .spawn(move || {
                let started = WorldFile::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|file| {
                        let store = Arc::new(WorldStore::new(file));
                        let orch = Orchestrator::new(&config, store, handle);
                        ChunkDetailer::new(orch, &path).map_err(|e| e.to_string())
                    });
                let _ = tx.send(started);
            });
        match spawned {
            Ok(_) => b.starting = Some(Mutex::new(rx)),
            Err(e) => b.status = Some(format!("cannot start the backends: {e}")),
        }
    }
    let got = b
        .starting
        .as_ref()
        .and_then(|rx| rx.lock().ok().and_then(|rx| rx.try_recv().ok()));
    match got {
        Some(Ok((detailer, events))) => {
            b.starting = None;
            for s in detailer.orchestrator().statuses() {
                if let Some(why) = s.unavailable {
                    b.note(format!("{} unavailable: {why}", s.name));
                }
            }
            b.status = (!detailer.active())
                .then(|| "no backend is routed for regions or objects".to_owned());
            b.live = Some(Live {
                detailer,
                events: Mutex::new(events),
            });
        }
        Some(Err(e)) => {
            b.starting = None;
            b.status = Some(e);
        }
        None => {}
    }
}

/// Hands chunks on screen at full detail to the detailer, nearest first.
fn ask(mut backends: ResMut<ViewerBackends>, streamer: Res<Streamer>) {
    let b = &mut *backends;
    let Some(live) = &b.live else { return };
    if !live.detailer.active() {
        return;
    }
    let at = streamer
        .viewpoint
        .map_or(Vec2::ZERO, |v| Vec2::new(v.position.x, v.position.z));
    let size = streamer.chunk_size.max(1.0);
    let mut todo: Vec<(f32, ChunkCoord)> = streamer
        .live
        .iter()
        .filter(|(c, l)| l.lod == Lod::Full && !b.asked.contains(c))
        .map(|(c, _)| {
            let centre = Vec2::new((c.x as f32 + 0.5) * size, (c.z as f32 + 0.5) * size);
            (centre.distance_squared(at), *c)
        })
        .collect();
    todo.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, coord) in todo {
        if live.detailer.stats().in_flight as usize >= MAX_JOBS {
            break;
        }
        if live.detailer.request(coord) {
            b.asked.insert(coord);
            b.stats.asked += 1;
        }
    }
}

/// Takes the detailer's events; stored answers go to the streaming workers.
fn swap(mut backends: ResMut<ViewerBackends>, mut streamer: ResMut<Streamer>) {
    let b = &mut *backends;
    // Swaps finished since last frame: the chunk was installed again.
    let done: Vec<ChunkCoord> = b
        .swapping
        .iter()
        .filter(|c| streamer.live.get(c).is_none_or(|l| !l.stale))
        .copied()
        .collect();
    for c in done {
        b.swapping.remove(&c);
        if streamer.live.contains_key(&c) {
            b.stats.swapped += 1;
        }
    }
    let Some(live) = &b.live else { return };
    let events: Vec<DetailEvent> = match live.events.lock() {
        Ok(rx) => rx.try_iter().collect(),
        Err(_) => return,
    };
    for e in events {
        match e {
            DetailEvent::Stored {
                coord,
                made_by,
                meshes,
                region,
                ..
            } => {
                // Results loaded before the answer was stored are dropped,
                // and the chunk on screen is loaded and baked again.
                streamer.bump_epoch(coord);
                if let Some(l) = streamer.live.get_mut(&coord) {
                    l.stale = true;
                    b.swapping.insert(coord);
                    b.stats.queued += 1;
                }
                let mut who: Vec<&str> = made_by.iter().map(|p| p.generator.as_str()).collect();
                who.dedup();
                b.note(format!(
                    "chunk {coord}: {}{} props' meshes, by {}",
                    if region { "region detail, " } else { "" },
                    meshes,
                    who.join(", ")
                ));
            }
            DetailEvent::Settled {
                coord,
                detailed,
                failures,
            } => {
                if !detailed {
                    b.stats.procedural += 1;
                }
                if let Some(f) = failures.first() {
                    b.note(format!("chunk {coord}: {}", f.message));
                }
            }
            DetailEvent::Error { coord, message } => {
                b.stats.errors += 1;
                b.note(format!("chunk {coord}: {message}"));
            }
        }
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.0} ms"))
}

/// Draws the "Backends" section of the panel: per backend calls, failures,
/// fallbacks, latency p50/p99 and cost (this run), the money spent against
/// the budget (the world's life), and what was swapped in.
pub fn panel_section(ui: &mut egui::Ui, backends: Option<&ViewerBackends>) {
    egui::CollapsingHeader::new("Backends")
        .default_open(false)
        .show(ui, |ui| panel_body(ui, backends));
}

/// The contents of the "Backends" section.
fn panel_body(ui: &mut egui::Ui, backends: Option<&ViewerBackends>) {
    {
        {
            let Some(b) = backends.filter(|b| b.config_path.is_some()) else {
                ui.label("none configured: everything is procedural (sprawl view FILE --config backends.toml)");
                return;
            };
            if let Some(p) = &b.config_path {
                ui.label(egui::RichText::new(p.display().to_string()).small());
            }
            if let Some(s) = &b.status {
                ui.colored_label(egui::Color32::LIGHT_RED, s);
            }
            let Some(orch) = b.orchestrator() else {
                if b.status.is_none() {
                    ui.label("starting…");
                }
                return;
            };
            for task in [TaskKind::Region, TaskKind::Object] {
                let route = orch.route(task);
                ui.label(format!(
                    "{}: {}",
                    task.name(),
                    if route.is_empty() {
                        "procedural".to_owned()
                    } else {
                        format!("{} → procedural", route.join(" → "))
                    }
                ));
            }
            let stats = orch.backend_stats();
            egui::Grid::new("backend-stats")
                .striped(true)
                .num_columns(7)
                .show(ui, |ui| {
                    for h in [
                        "backend",
                        "calls",
                        "failed",
                        "fallbacks",
                        "p50",
                        "p99",
                        "cost",
                    ] {
                        ui.label(egui::RichText::new(h).small().strong());
                    }
                    ui.end_row();
                    for s in orch.statuses() {
                        let st = stats.iter().find(|x| x.backend == s.name);
                        match &s.unavailable {
                            Some(why) => {
                                ui.colored_label(egui::Color32::LIGHT_RED, &s.name)
                                    .on_hover_text(why.as_str());
                            }
                            None => {
                                ui.label(&s.name).on_hover_text(format!(
                                    "{} {} · breaker {}",
                                    s.kind,
                                    s.model.as_deref().unwrap_or(""),
                                    s.breaker
                                ));
                            }
                        }
                        ui.label(st.map_or(0, |x| x.calls).to_string());
                        ui.label(st.map_or(0, |x| x.failures).to_string());
                        ui.label(st.map_or(0, |x| x.fallbacks).to_string());
                        ui.label(ms(st.and_then(|x| x.p50_ms)));
                        ui.label(ms(st.and_then(|x| x.p99_ms)));
                        ui.label(format!("{:.3}", st.map_or(0.0, |x| x.cost)));
                        ui.end_row();
                    }
                });
            let (spent, budget) = orch.spending();
            ui.label(match budget {
                Some(max) => format!("spent {spent:.3} of a budget of {max:.3}"),
                None => format!("spent {spent:.3} (no budget set)"),
            });
            let r = orch.request_stats();
            ui.label(format!(
                "requests {} · from cache {} · joined {} · procedural fallbacks {}",
                r.requests, r.cache_hits, r.deduplicated, r.procedural_fallbacks
            ));
            let s = b.stats;
            let in_flight = b.detail_stats().map_or(0, |d| d.in_flight);
            ui.label(format!(
                "chunks asked {} · waiting {in_flight} · swapped in {} · kept procedural {} · errors {}",
                s.asked, s.swapped, s.procedural, s.errors
            ));
            for line in &b.log {
                ui.label(egui::RichText::new(line).small());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{StreamAnchor, StreamConfig, StreamingPlugin};
    use crate::world::{self, WorldSource};
    use bevy::time::TimeUpdateStrategy;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// A fake OpenAI-compatible server on loopback: answers every chat
    /// completion with `status` and `content` once `gate` is set.
    fn fake_llm(status: u16, content: &str, gate: Arc<AtomicBool>) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hits = Arc::new(AtomicUsize::new(0));
        let (count, content) = (hits.clone(), content.to_owned());
        std::thread::spawn(move || {
            for mut sock in listener.incoming().flatten() {
                let (gate, count, content) = (gate.clone(), count.clone(), content.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(sock.try_clone().expect("clone"));
                    let mut len = 0usize;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0u8; len];
                    let _ = reader.read_exact(&mut body);
                    while !gate.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let quoted = content.replace('\\', "\\\\").replace('"', "\\\"");
                    let reply = format!(
                        r#"{{"choices": [{{"index": 0, "finish_reason": "stop",
                        "message": {{"role": "assistant", "content": "{quoted}"}}}}]}}"#
                    );
                    let _ = write!(
                        sock,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                        reply.len()
                    );
                });
            }
        });
        (format!("http://{addr}/v1"), hits)
    }

    fn config_file(dir: &Path, url: &str) -> PathBuf {
        let path = dir.join("backends.toml");
        std::fs::write(
            &path,
            format!(
                "[routes]\nregion = [\"llm\", \"procedural\"]\n[backends.llm]\nkind = \"openai\"\n\
                 base_url = \"{url}\"\nmodel = \"fake-model\"\ntimeout_s = 10\nretries = 0\n"
            ),
        )
        .expect("config");
        path
    }

    fn app(path: &Path, config: Option<PathBuf>) -> App {
        let world = world::open(
            &WorldSource::Prompt {
                text: "a small town with a park".into(),
                seed: Some(11),
                file: Some(path.to_owned()),
            },
            false,
        )
        .expect("world");
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default(), TransformPlugin))
            .init_asset::<Mesh>()
            .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
                16,
            )))
            .insert_resource(world)
            .add_plugins((
                StreamingPlugin {
                    config: StreamConfig {
                        lod_radius: [140.0, 300.0, 520.0],
                        prefetch: 64.0,
                        drop_margin: 128.0,
                        workers: 2,
                        ..StreamConfig::default()
                    },
                },
                BackendsPlugin { config },
            ));
        app.world_mut().spawn((
            StreamAnchor,
            Transform::from_xyz(64.0, 30.0, 64.0).looking_to(Vec3::NEG_Z, Vec3::Y),
        ));
        app
    }

    const HOME: ChunkCoord = ChunkCoord::new(0, 0);

    /// The texts the panel's section draws (second frame: grids size themselves first).
    fn panel_text(b: &ViewerBackends) -> Vec<String> {
        fn walk(shape: &egui::epaint::Shape, out: &mut Vec<String>) {
            match shape {
                egui::epaint::Shape::Text(t) => out.push(t.galley.text().to_owned()),
                egui::epaint::Shape::Vec(v) => v.iter().for_each(|s| walk(s, out)),
                _ => {}
            }
        }
        let ctx = egui::Context::default();
        let mut out = Vec::new();
        for _ in 0..2 {
            out.clear();
            let mut full = ctx.run_ui(egui::RawInput::default(), |ui| panel_body(ui, Some(b)));
            full.textures_delta.clear();
            for c in &full.shapes {
                walk(&c.shape, &mut out);
            }
        }
        out
    }

    /// Runs frames until `done` (at most 120 s); returns the longest frame.
    fn run_until(app: &mut App, what: &str, mut done: impl FnMut(&mut App) -> bool) -> Duration {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut longest = Duration::ZERO;
        while Instant::now() < deadline {
            let t = Instant::now();
            app.update();
            longest = longest.max(t.elapsed());
            if done(app) {
                return longest;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let b = app.world().resource::<ViewerBackends>();
        panic!(
            "{what}: not within 120 s; {:?} {:?} {:?}",
            b.stats, b.status, b.log
        );
    }

    fn home(app: &App) -> Option<(Vec<Entity>, Option<sprawl_world::Chunk>)> {
        let s = app.world().resource::<Streamer>();
        s.live
            .get(&HOME)
            .filter(|l| l.lod == Lod::Full)
            .map(|l| (l.entities.clone(), l.chunk.clone()))
    }

    #[test]
    fn issue6_the_viewer_swaps_in_a_stored_region_without_a_gap_and_reuses_it_offline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.sprawl");
        let gate = Arc::new(AtomicBool::new(false));
        let draft = r#"{"density": 0.3, "height_scale": 2.0, "max_floors": 80, "vegetation": 1.0}"#;
        let (url, hits) = fake_llm(200, draft, gate.clone());
        let mut app = app(&path, Some(config_file(dir.path(), &url)));

        // The procedural chunk is on screen while the backend holds its answer.
        let loading = run_until(&mut app, "procedural view settled", |app| {
            home(app).is_some() && app.world().resource::<Streamer>().settled()
        });
        let (before, chunk) = home(&app).expect("home");
        let spec = app.world().resource::<ActiveWorld>().spec.clone();
        let procedural = sprawl_gen::generate_chunk(&spec, HOME);
        assert_eq!(chunk.as_ref(), Some(&procedural));
        run_until(&mut app, "asked", |app| {
            app.world()
                .resource::<ViewerBackends>()
                .asked
                .contains(&HOME)
        });
        assert_eq!(hits.load(Ordering::SeqCst), 0);

        // Let it answer: the chunk is replaced, never missing from the screen.
        gate.store(true, Ordering::SeqCst);
        let longest = run_until(&mut app, "swapped in", |app| {
            let on_screen = home(app).is_some_and(|(e, _)| !e.is_empty());
            assert!(on_screen, "the chunk left the screen during the swap");
            home(app).is_some_and(|(_, c)| c.as_ref() != Some(&procedural))
                && !app
                    .world()
                    .resource::<ViewerBackends>()
                    .swapping
                    .contains(&HOME)
        });
        eprintln!(
            "longest frame (debug build, headless): {loading:?} while loading, {longest:?} while swapping"
        );
        let (after, chunk) = home(&app).expect("home");
        assert!(after.iter().all(|e| !before.contains(e)), "new entities");
        for e in &before {
            assert!(
                app.world().get_entity(*e).is_err(),
                "old entity {e:?} despawned"
            );
        }
        let detailed = chunk.expect("chunk data");
        assert_eq!(detailed.roads, procedural.roads);
        assert!(
            detailed
                .provenance
                .iter()
                .any(|p| p.generator == "openai:llm")
        );
        let stored = WorldFile::open(&path)
            .expect("open")
            .load_chunk(HOME)
            .expect("load")
            .chunk;
        assert_eq!(detailed, stored, "what is shown is what is stored");
        assert!(app.world().resource::<ViewerBackends>().stats.swapped >= 1);
        let text = panel_text(app.world().resource::<ViewerBackends>());
        for want in [
            "region: llm → procedural",
            "backend",
            "p99",
            "spent 0.000 (no budget set)",
            "swapped in ",
            "by openai:llm",
        ] {
            assert!(
                text.iter().any(|t| t.contains(want)),
                "`{want}` in {text:?}"
            );
        }
        drop(app);

        // Reopened without backends (and the server unreachable): the stored answer shows.
        let calls = hits.load(Ordering::SeqCst);
        gate.store(false, Ordering::SeqCst);
        let mut app = self::app(&path, None);
        run_until(&mut app, "reloaded", |app| home(app).is_some());
        assert_eq!(home(&app).expect("home").1, Some(stored));
        assert_eq!(hits.load(Ordering::SeqCst), calls, "nothing asked");
    }

    #[test]
    fn issue6_a_failing_backend_leaves_the_procedural_chunk_on_screen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.sprawl");
        let (url, hits) = fake_llm(500, "{}", Arc::new(AtomicBool::new(true)));
        let mut app = app(&path, Some(config_file(dir.path(), &url)));
        run_until(&mut app, "settled procedural", |app| {
            let b = app.world().resource::<ViewerBackends>();
            b.asked.contains(&HOME)
                && b.stats.procedural >= 1
                && b.detail_stats().is_some_and(|d| d.in_flight == 0)
        });
        assert!(hits.load(Ordering::SeqCst) >= 1);
        let spec = app.world().resource::<ActiveWorld>().spec.clone();
        assert_eq!(
            home(&app).expect("home").1,
            Some(sprawl_gen::generate_chunk(&spec, HOME))
        );
        let b = app.world().resource::<ViewerBackends>();
        assert_eq!((b.stats.swapped, b.stats.queued), (0, 0));
        assert!(b.log.iter().any(|l| l.contains("500")), "{:?}", b.log);
        let stats = b.orchestrator().expect("orchestrator").backend_stats();
        assert_eq!(stats[0].backend, "llm");
        assert!(
            stats[0].failures >= 1 && stats[0].fallbacks >= 1,
            "{stats:?}"
        );
        assert!(
            WorldFile::open(&path)
                .expect("open")
                .backend_chunk(HOME)
                .expect("get")
                .is_none()
        );
    }
}
