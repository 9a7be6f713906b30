//! The egui panel: make a new world from a prompt or a sketch, set the
//! seed and the time of day, see the minimap with the camera on it and the
//! live figures, and inspect and edit the selected object.
//!
//! Making a world (interpreting a prompt or a sketch and writing its file)
//! runs on a background thread; the old city stays on screen until the new
//! one is ready. The minimap is drawn on a background thread too, from the
//! world file, and redrawn when the camera leaves its middle or after an edit.

use crate::camera::{CameraPose, FlyCamera, UiCapture};
use crate::drive::{Mode, MovingProps, SimView, SwitchMode};
use crate::edit::{EditCommand, EditLog, PickMode, PropKind, Selection, editable};
use crate::look::TimeOfDay;
use crate::stats::FrameStats;
use crate::stream::{StreamAnchor, Streamer};
use crate::world::{self, ActiveWorld, WorldSource};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use sprawl_store::export::render_map;
use sprawl_world::{ChunkCoord, Region};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};

/// Side of the minimap (metres).
pub const MINIMAP_SPAN: f32 = 1024.0;
/// Minimap resolution (metres per pixel).
pub const MINIMAP_SCALE: f32 = 4.0;

/// Ordering of the panel systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelSet {
    /// Draw the panel (in bevy_egui's pass).
    Draw,
    /// Finish background work the panel started.
    Finish,
}

/// A world being made in the background.
#[derive(Resource, Default)]
pub struct WorldMaker {
    job: Option<Mutex<Receiver<Result<ActiveWorld, String>>>>,
    /// What the last attempt said.
    pub status: String,
}

impl WorldMaker {
    /// Starts making the world `source` names.
    pub fn start(&mut self, source: WorldSource) {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("sprawl-new-world".into())
            .spawn(move || {
                let _ = tx.send(world::open(&source, false).map_err(|e| e.to_string()));
            })
            .ok();
        self.job = Some(Mutex::new(rx));
        self.status = "making the world…".into();
    }

    /// Whether a world is being made.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }
}

/// A drawn minimap: RGB bytes, size, and the area it covers.
type MinimapResult = Result<(Vec<u8>, [usize; 2], Region), String>;

/// The minimap image and its background job.
#[derive(Resource, Default)]
pub struct Minimap {
    job: Option<Mutex<Receiver<MinimapResult>>>,
    texture: Option<egui::TextureHandle>,
    /// The area the current image covers.
    pub region: Option<Region>,
    /// The centre chunk it was drawn around and the world generation.
    drawn_for: Option<(ChunkCoord, u64, usize)>,
    /// Redraw even if the camera has not moved (after an edit).
    pub dirty: bool,
}

/// Text fields of the panel.
#[derive(Resource, Debug, Clone)]
pub struct PanelState {
    /// The prompt box.
    pub prompt: String,
    /// The seed box (empty: derived from the input).
    pub seed: String,
    /// The sketch path box.
    pub sketch: String,
    /// Sketches found in `assets/sketches`.
    pub sketches: Vec<PathBuf>,
    /// Whether the panel is shown.
    pub visible: bool,
}

impl Default for PanelState {
    fn default() -> Self {
        let sketches = std::fs::read_dir("assets/sketches")
            .map(|d| {
                let mut v: Vec<PathBuf> = d
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension()
                            .and_then(|x| x.to_str())
                            .is_some_and(|x| matches!(x, "png" | "jpg" | "jpeg"))
                    })
                    .collect();
                v.sort();
                v
            })
            .unwrap_or_default();
        Self {
            prompt: world::DEFAULT_PROMPT.to_owned(),
            seed: String::new(),
            sketch: sketches
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            sketches,
            visible: true,
        }
    }
}

/// The egui panel.
pub struct PanelPlugin {
    /// Show the panel at start (scripted screenshots hide it).
    pub visible: bool,
}

impl Plugin for PanelPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<bevy_egui::EguiPlugin>() {
            app.add_plugins(bevy_egui::EguiPlugin::default());
        }
        app.insert_resource(PanelState {
            visible: self.visible,
            ..PanelState::default()
        })
        .init_resource::<WorldMaker>()
        .init_resource::<Minimap>()
        .init_resource::<UiCapture>()
        .add_systems(EguiPrimaryContextPass, draw.in_set(PanelSet::Draw))
        .add_systems(
            Update,
            (finish_world, refresh_minimap, toggle).in_set(PanelSet::Finish),
        );
    }
}

fn toggle(keys: Res<ButtonInput<KeyCode>>, ui: Res<UiCapture>, mut state: ResMut<PanelState>) {
    if !ui.keyboard && keys.just_pressed(KeyCode::Tab) {
        state.visible = !state.visible;
    }
}

/// Installs a world made in the background and moves the camera over it.
fn finish_world(
    mut commands: Commands,
    mut maker: ResMut<WorldMaker>,
    current: Option<Res<ActiveWorld>>,
    mut cams: Query<(&mut Transform, &mut FlyCamera), With<StreamAnchor>>,
    mut selection: ResMut<Selection>,
) {
    let Some(job) = &maker.job else { return };
    let got = job.lock().ok().and_then(|rx| rx.try_recv().ok());
    let Some(result) = got else { return };
    maker.job = None;
    match result {
        Ok(mut w) => {
            w.generation = current.map_or(0, |c| c.generation + 1);
            maker.status = w.summary.clone();
            let pose = start_pose(&w);
            for (mut t, mut f) in &mut cams {
                *t = pose.transform();
                let speed = f.speed;
                *f = FlyCamera {
                    speed,
                    ..FlyCamera::from_pose(&pose)
                };
            }
            *selection = Selection::default();
            commands.insert_resource(w);
        }
        Err(e) => maker.status = format!("could not make the world: {e}"),
    }
}

/// A good first view of a world: south of the centre, high enough to see
/// over the roofs, looking north.
pub fn start_pose(world: &ActiveWorld) -> CameraPose {
    let (x, z) = match &world.spec.sketch {
        Some(s) => {
            let r = s.region();
            ((r.x0 + r.x1) * 0.5, r.z1 - r.depth() * 0.15)
        }
        None => (0.0, 260.0),
    };
    let ground = world.ground_height(x, z);
    CameraPose {
        position: Vec3::new(x, ground + 90.0, z),
        yaw_deg: 0.0,
        pitch_deg: -14.0,
    }
}

fn draw_minimap(
    source: &crate::stream::SourceFactory,
    size: f32,
    centre: ChunkCoord,
) -> MinimapResult {
    let half = MINIMAP_SPAN * 0.5;
    let cx = (centre.x as f32 + 0.5) * size;
    let cz = (centre.z as f32 + 0.5) * size;
    let region = Region::new(cx - half, cz - half, cx + half, cz + half);
    let mut source = source()?;
    let mut chunks = Vec::new();
    for c in region.chunks(size) {
        chunks.push(source.load(c)?.0);
    }
    let img = render_map(&chunks, region, MINIMAP_SCALE).map_err(|e| e.to_string())?;
    let dims = [img.width() as usize, img.height() as usize];
    Ok((img.into_raw(), dims, region))
}

fn refresh_minimap(
    world: Option<Res<ActiveWorld>>,
    streamer: Res<Streamer>,
    log: Res<EditLog>,
    state: Res<PanelState>,
    mut minimap: ResMut<Minimap>,
    mut contexts: EguiContexts,
) {
    let Some(world) = world else { return };
    // Take a finished image.
    if let Some(job) = &minimap.job {
        let got = job.lock().ok().and_then(|rx| rx.try_recv().ok());
        if let Some(result) = got {
            minimap.job = None;
            match result {
                Ok((rgb, dims, region)) => {
                    if let Ok(ctx) = contexts.ctx_mut() {
                        let image = egui::ColorImage::from_rgb(dims, &rgb);
                        minimap.texture =
                            Some(ctx.load_texture("minimap", image, egui::TextureOptions::LINEAR));
                        minimap.region = Some(region);
                    }
                }
                Err(e) => warn!("minimap: {e}"),
            }
        }
        return;
    }
    if !state.visible {
        return;
    }
    let Some(view) = streamer.viewpoint else {
        return;
    };
    let size = world.spec.chunk_size;
    let here = ChunkCoord::containing(view.position.x, view.position.z, size);
    let key = (here, world.generation, log.journalled);
    let moved_far = minimap
        .drawn_for
        .is_none_or(|(c, g, n)| g != key.1 || n != key.2 || c.chebyshev(here) > 1);
    if !moved_far && !minimap.dirty {
        return;
    }
    minimap.dirty = false;
    minimap.drawn_for = Some(key);
    let (tx, rx) = channel();
    let source = world.source_factory();
    std::thread::Builder::new()
        .name("sprawl-minimap".into())
        .spawn(move || {
            let _ = tx.send(draw_minimap(&source, size, here));
        })
        .ok();
    minimap.job = Some(Mutex::new(rx));
}

fn hhmm(hours: f32) -> String {
    let m = (hours.rem_euclid(24.0) * 60.0).round() as u32;
    format!("{:02}:{:02}", (m / 60) % 24, m % 60)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the panel shows and drives every subsystem"
)]
fn draw(
    mut contexts: EguiContexts,
    mut state: ResMut<PanelState>,
    mut maker: ResMut<WorldMaker>,
    mut time: ResMut<TimeOfDay>,
    mut ui_capture: ResMut<UiCapture>,
    mut mode: ResMut<PickMode>,
    mut writer: MessageWriter<EditCommand>,
    world: Option<Res<ActiveWorld>>,
    streamer: Res<Streamer>,
    frames: Res<FrameStats>,
    minimap: Res<Minimap>,
    selection: Res<Selection>,
    log: Res<EditLog>,
    cams: Query<(&GlobalTransform, &FlyCamera), With<StreamAnchor>>,
    (sim, mut switch, moving): (Res<SimView>, MessageWriter<SwitchMode>, Res<MovingProps>),
    backends: Option<Res<crate::backends::ViewerBackends>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !state.visible {
        *ui_capture = UiCapture::default();
        return Ok(());
    }
    egui::Window::new("Sprawl")
        .default_pos([8.0, 8.0])
        .default_width(300.0)
        .default_height(690.0)
        .resizable(true)
        .vscroll(true)
        .show(ctx, |ui| {
            if let Some(w) = &world {
                ui.label(
                    egui::RichText::new(
                        w.path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    )
                    .strong(),
                )
                .on_hover_text(w.path.display().to_string());
                ui.label(format!(
                    "seed {} · spec by {} · {:?} · {:?}",
                    w.spec.seed,
                    w.provenance
                        .as_ref()
                        .map_or("unknown", |p| p.generator.as_str()),
                    w.spec.look.season,
                    w.spec.look.weather
                ));
            }
            ui.horizontal(|ui| {
                for (label, m) in [
                    ("Fly (1)", Mode::Fly),
                    ("Walk (2)", Mode::Walk),
                    ("Drive (3)", Mode::Drive),
                ] {
                    if ui.selectable_label(sim.mode == m, label).clicked() && sim.mode != m {
                        switch.write(SwitchMode(m));
                    }
                }
            });
            if sim.mode != Mode::Fly
                && let Some(st) = &sim.state
            {
                ui.label(format!(
                    "{:.1} m/s · step {:.1} ms · traffic {} cars, {} pedestrians · \
                     {} props moving (T throw, F kick)",
                    st.speed,
                    sim.step_ms,
                    sim.traffic.0,
                    sim.traffic.1,
                    moving.moving()
                ));
            }
            if !sim.status.is_empty() {
                ui.label(egui::RichText::new(&sim.status).small());
            }
            ui.horizontal(|ui| {
                ui.label(format!("time {}", hhmm(time.hours)));
                let mut h = time.hours;
                if ui
                    .add(
                        egui::Slider::new(&mut h, 0.0..=24.0)
                            .step_by(0.25)
                            .show_value(false),
                    )
                    .changed()
                {
                    time.hours = h;
                }
            });

            let p = frames.percentiles();
            let s = &streamer.stats;
            egui::Grid::new("figures").num_columns(2).show(ui, |ui| {
                ui.label("frame time");
                ui.label(format!(
                    "p50 {:.1} ms · p99 {:.1} ms ({:.0} fps)",
                    p.p50,
                    p.p99,
                    1000.0 / p.mean.max(0.001)
                ));
                ui.end_row();
                ui.label("chunks");
                ui.label(format!(
                    "{} loaded ({} full, {} mid, {} far) · {} pending",
                    s.loaded_total(),
                    s.loaded[0],
                    s.loaded[1],
                    s.loaded[2],
                    s.pending
                ));
                ui.end_row();
                ui.label("objects");
                ui.label(format!(
                    "{} · {} k triangles",
                    s.objects,
                    s.triangles / 1000
                ));
                ui.end_row();
                if let Ok((t, f)) = cams.single() {
                    let p = t.translation();
                    ui.label("camera");
                    ui.label(format!(
                        "{:.0}, {:.0}, {:.0} · {:.0} m/s",
                        p.x, p.y, p.z, f.speed
                    ));
                    ui.end_row();
                }
                ui.label("workers");
                ui.label(format!(
                    "{} chunks made · {:.1} ms each · {} cancelled",
                    s.served, s.mean_job_ms, s.cancelled
                ));
                ui.end_row();
            });
            if let (Some(tex), Some(region)) = (&minimap.texture, minimap.region) {
                let side = 220.0;
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
                let painter = ui.painter_at(rect);
                painter.image(
                    tex.id(),
                    rect,
                    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                    egui::Color32::WHITE,
                );
                if let Ok((t, _)) = cams.single() {
                    let p = t.translation();
                    let u = (p.x - region.x0) / region.width();
                    let v = (p.z - region.z0) / region.depth();
                    let at = rect.min + egui::vec2(u * side, v * side);
                    let f = t.forward();
                    let dir = egui::vec2(f.x, f.z).normalized();
                    let tip = at + dir * 12.0;
                    let side_v = egui::vec2(-dir.y, dir.x) * 6.0;
                    painter.add(egui::Shape::convex_polygon(
                        vec![tip, at - dir * 5.0 + side_v, at - dir * 5.0 - side_v],
                        egui::Color32::from_rgb(255, 60, 40),
                        egui::Stroke::new(1.5, egui::Color32::WHITE),
                    ));
                }
            }

            for e in &streamer.errors {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }

            ui.separator();
            match &selection.object {
                Some(o) => {
                    ui.label(egui::RichText::new(format!("{} {}", o.class, o.id)).strong());
                    if let Some(pr) = &selection.provenance {
                        ui.label(egui::RichText::new(format!("made by {pr}")).small());
                    }
                    let t = o.transform.translation;
                    ui.label(format!("at {:.1}, {:.1}, {:.1}", t.x, t.y, t.z));
                    if editable(o.class) {
                        ui.horizontal(|ui| {
                            if ui.button("Move (G)").clicked() {
                                *mode = PickMode::PlaceMove;
                            }
                            if ui.button("Duplicate (H)").clicked() {
                                *mode = PickMode::PlaceDuplicate;
                            }
                            if ui.button("Turn (R)").clicked() {
                                let mut tr = o.transform;
                                tr.rotation =
                                    glam::Quat::from_rotation_y(15f32.to_radians()) * tr.rotation;
                                writer.write(EditCommand::Move {
                                    id: o.id,
                                    transform: tr,
                                });
                            }
                            if ui.button("Delete").clicked() {
                                writer.write(EditCommand::Remove { id: o.id });
                            }
                        });
                    }
                }
                None => {
                    ui.label("click an object to select it");
                }
            }
            ui.horizontal(|ui| {
                ui.label("spawn");
                for prop in PropKind::ALL {
                    if ui.button(prop.name()).clicked() {
                        *mode = PickMode::PlaceProp(prop);
                    }
                }
            });
            match *mode {
                PickMode::Select => {}
                PickMode::PlaceMove => {
                    ui.label("click where it should go (Esc cancels)");
                }
                PickMode::PlaceDuplicate => {
                    ui.label("click where the copy should go (Esc cancels)");
                }
                PickMode::PlaceProp(p) => {
                    ui.label(format!("click where the {} should go", p.name()));
                }
            }
            for line in &log.lines {
                ui.label(egui::RichText::new(line).small());
            }
            egui::CollapsingHeader::new("New world")
                .default_open(false)
                .show(ui, |ui| {
                    ui.add(
                        egui::TextEdit::multiline(&mut state.prompt)
                            .desired_rows(2)
                            .hint_text("describe a city…"),
                    );
                    ui.horizontal(|ui| {
                        ui.label("seed");
                        ui.add(
                            egui::TextEdit::singleline(&mut state.seed)
                                .desired_width(140.0)
                                .hint_text("from the input"),
                        );
                        if ui.button("🎲").on_hover_text("random seed").clicked() {
                            let t = std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(1, |d| d.as_nanos() as u64);
                            state.seed = (t % 1_000_000_007).to_string();
                        }
                    });
                    let seed = state.seed.trim().parse::<u64>().ok();
                    let bad_seed = !state.seed.trim().is_empty() && seed.is_none();
                    if bad_seed {
                        ui.colored_label(egui::Color32::LIGHT_RED, "seed must be a whole number");
                    }
                    let can = !maker.busy() && !bad_seed;
                    if ui
                        .add_enabled(can, egui::Button::new("Make from prompt"))
                        .clicked()
                    {
                        maker.start(WorldSource::Prompt {
                            text: state.prompt.clone(),
                            seed,
                            file: None,
                        });
                    }
                    ui.separator();
                    ui.horizontal(|ui| {
                        ui.label("sketch");
                        ui.add(egui::TextEdit::singleline(&mut state.sketch).desired_width(200.0));
                    });
                    if !state.sketches.is_empty() {
                        let current = state.sketch.clone();
                        egui::ComboBox::from_id_salt("sketches")
                            .selected_text("samples…")
                            .show_ui(ui, |ui| {
                                let list = state.sketches.clone();
                                for p in list {
                                    let s = p.display().to_string();
                                    if ui.selectable_label(current == s, &s).clicked() {
                                        state.sketch = s;
                                    }
                                }
                            });
                    }
                    if ui
                        .add_enabled(can, egui::Button::new("Make from sketch"))
                        .clicked()
                    {
                        maker.start(WorldSource::Sketch {
                            image: PathBuf::from(state.sketch.trim()),
                            seed,
                            file: None,
                        });
                    }
                    if !maker.status.is_empty() {
                        ui.label(egui::RichText::new(&maker.status).small());
                    }
                });

            crate::backends::panel_section(ui, backends.as_deref());

            egui::CollapsingHeader::new("Controls").show(ui, |ui| {
                ui.label(
                    "WASD move · E/Space up · Q down · right mouse or arrows look · \
                     Shift ×5 · Ctrl ×0.2 · wheel speed · 1 fly · 2 walk · 3 drive \
                     (W/S throttle and brake, A/D steer) · click select · G move · \
                     H duplicate · R turn · Del delete · P crate · walking or driving: \
                     T throw a crate, F kick the selection · Tab hide panel",
                );
            });
        });
    *ui_capture = UiCapture {
        pointer: ctx.egui_wants_pointer_input() || ctx.is_pointer_over_egui(),
        keyboard: ctx.egui_wants_keyboard_input(),
    };
    Ok(())
}
