//! Scripted runs, for tests, docs and measurements (the way Bevy's
//! example runner drives its examples in CI):
//!
//! - **screenshot**: wait until every chunk in view is on screen at the
//!   level it should have, nothing is being made for it, no render pipeline
//!   is still compiling (software Vulkan draws black frames until they are
//!   ready), and this has held for [`SETTLE_FRAMES`] frames; then save the
//!   window to a PNG and exit 0;
//! - **bench-fly**: after the same wait, fly a fixed path at 100 m/s for a
//!   number of seconds and print the frame count, frame-time percentiles and
//!   how many frames had a chunk in view that was not ready.

use crate::camera::FlyCamera;
use crate::stats::percentiles;
use crate::stream::{StreamAnchor, Streamer};
use crate::world::ActiveWorld;
use bevy::prelude::*;
use bevy::render::render_resource::PipelineCache;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::render::{Render, RenderApp, RenderSystems};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Frames everything must stay ready before a screenshot is taken.
pub const SETTLE_FRAMES: u32 = 12;

/// Speed of the benchmark flight (m/s).
pub const BENCH_SPEED: f32 = 100.0;

/// What the run does on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// Nothing: interactive.
    Interactive,
    /// Save a screenshot when the view is complete, then exit.
    Screenshot {
        /// The PNG to write.
        path: PathBuf,
        /// Give up (exit 1) after this long.
        timeout: Duration,
    },
    /// Fly a fixed path and print frame times.
    BenchFly {
        /// Seconds of flight.
        seconds: f32,
        /// Give up waiting for the first view after this long.
        warmup_timeout: Duration,
    },
}

/// Pipelines the render world is still compiling (written by a render-world system).
#[derive(Resource, Debug, Clone, Default)]
pub struct PipelineStatus {
    waiting: Arc<AtomicUsize>,
    seen: Arc<AtomicBool>,
}

impl PipelineStatus {
    /// Pipelines not ready yet; `None` before the renderer reported.
    pub fn waiting(&self) -> Option<usize> {
        self.seen
            .load(Ordering::Relaxed)
            .then(|| self.waiting.load(Ordering::Relaxed))
    }
}

fn report_pipelines(cache: Option<Res<PipelineCache>>, status: Res<PipelineStatus>) {
    if let Some(cache) = cache {
        status
            .waiting
            .store(cache.waiting_pipelines().count(), Ordering::Relaxed);
        status.seen.store(true, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Waiting,
    Capturing,
    Flying,
    Done,
}

#[derive(Resource, Debug)]
struct ScriptState {
    phase: Phase,
    ready_frames: u32,
    started: Instant,
    fly_start: Option<(Instant, Vec3, f32)>,
    frame_ms: Vec<f32>,
    /// Per frame: seconds into the flight and chunks uploaded that frame.
    frame_info: Vec<(f32, usize)>,
    missing_frames: usize,
    /// Seconds into the flight of the first few frames with a missing chunk.
    missing_at: Vec<f32>,
    coarse_frames: usize,
    served_at_start: u64,
    saved: Arc<AtomicBool>,
    failed: Arc<std::sync::Mutex<Option<String>>>,
}

/// Runs a [`Script`].
pub struct ScriptPlugin {
    /// What to do.
    pub script: Script,
    /// What the viewer runs on, for the report.
    pub adapter: String,
}

impl Plugin for ScriptPlugin {
    fn build(&self, app: &mut App) {
        let status = PipelineStatus::default();
        app.insert_resource(status.clone());
        if let Some(render) = app.get_sub_app_mut(RenderApp) {
            render
                .insert_resource(status)
                .add_systems(Render, report_pipelines.in_set(RenderSystems::Cleanup));
        }
        if self.script == Script::Interactive {
            return;
        }
        app.insert_resource(ScriptConfig {
            script: self.script.clone(),
            adapter: self.adapter.clone(),
        })
        .insert_resource(ScriptState {
            phase: Phase::Waiting,
            ready_frames: 0,
            started: Instant::now(),
            fly_start: None,
            frame_ms: Vec::new(),
            frame_info: Vec::new(),
            missing_frames: 0,
            missing_at: Vec::new(),
            coarse_frames: 0,
            served_at_start: 0,
            saved: Arc::new(AtomicBool::new(false)),
            failed: Arc::new(std::sync::Mutex::new(None)),
        })
        .add_systems(Last, drive);
    }
}

#[derive(Resource, Debug, Clone)]
struct ScriptConfig {
    script: Script,
    adapter: String,
}

/// Whether the view is complete: streaming settled and no pipeline compiling.
pub fn view_ready(streamer: &Streamer, pipelines: &PipelineStatus) -> bool {
    streamer.settled() && pipelines.waiting() == Some(0)
}

#[expect(
    clippy::too_many_arguments,
    reason = "the script drives the camera, the world and the exit"
)]
fn drive(
    mut commands: Commands,
    config: Res<ScriptConfig>,
    mut state: ResMut<ScriptState>,
    streamer: Res<Streamer>,
    pipelines: Res<PipelineStatus>,
    time: Res<Time<Real>>,
    world: Option<Res<ActiveWorld>>,
    frames: Res<crate::stats::FrameStats>,
    windows: Query<&Window>,
    mut cams: Query<(&mut Transform, &mut FlyCamera), With<StreamAnchor>>,
    mut exit: MessageWriter<AppExit>,
) {
    let fail = |exit: &mut MessageWriter<AppExit>, msg: String| {
        eprintln!("error: {msg}");
        exit.write(AppExit::error());
    };
    if view_ready(&streamer, &pipelines) {
        state.ready_frames += 1;
    } else {
        state.ready_frames = 0;
    }
    let waited = state.started.elapsed();
    match (&config.script, state.phase) {
        (_, Phase::Done) | (Script::Interactive, _) => {}
        (Script::Screenshot { path, timeout }, Phase::Waiting) => {
            if state.ready_frames >= SETTLE_FRAMES {
                let saved = Arc::clone(&state.saved);
                let failed = Arc::clone(&state.failed);
                let path = path.clone();
                commands.spawn(Screenshot::primary_window()).observe(
                    move |shot: On<ScreenshotCaptured>| {
                        let result = shot
                            .image
                            .clone()
                            .try_into_dynamic()
                            .map_err(|e| e.to_string())
                            .and_then(|img| img.to_rgb8().save(&path).map_err(|e| e.to_string()));
                        match result {
                            Ok(()) => saved.store(true, Ordering::Relaxed),
                            Err(e) => {
                                *failed.lock().unwrap_or_else(|p| p.into_inner()) =
                                    Some(format!("cannot save {}: {e}", path.display()))
                            }
                        }
                    },
                );
                state.phase = Phase::Capturing;
            } else if waited > *timeout {
                state.phase = Phase::Done;
                fail(
                    &mut exit,
                    format!(
                        "screenshot: the view was not complete after {:.0} s \
                         ({} chunks missing in view, {} coarser than wanted, {} pending, \
                         pipelines waiting: {:?})",
                        waited.as_secs_f32(),
                        streamer.stats.missing_in_view,
                        streamer.stats.coarse_in_view,
                        streamer.stats.pending,
                        pipelines.waiting()
                    ),
                );
            }
        }
        (Script::Screenshot { path, timeout }, Phase::Capturing) => {
            let failed = state.failed.lock().map(|f| f.clone()).unwrap_or(None);
            if let Some(e) = failed {
                state.phase = Phase::Done;
                fail(&mut exit, e);
            } else if state.saved.load(Ordering::Relaxed) {
                state.phase = Phase::Done;
                let p = frames.percentiles();
                println!(
                    "saved {} after {:.1} s ({} chunks on screen, {} k triangles, \
                     frame time p50 {:.1} ms over the last {} frames, {})",
                    path.display(),
                    waited.as_secs_f32(),
                    streamer.stats.loaded_total(),
                    streamer.stats.triangles / 1000,
                    p.p50,
                    p.frames,
                    config.adapter
                );
                exit.write(AppExit::Success);
            } else if waited > *timeout + Duration::from_secs(30) {
                state.phase = Phase::Done;
                fail(&mut exit, "screenshot: the capture never arrived".into());
            }
        }
        (Script::BenchFly { warmup_timeout, .. }, Phase::Waiting) => {
            if state.ready_frames >= SETTLE_FRAMES {
                if let Ok((t, mut f)) = cams.single_mut() {
                    f.enabled = false;
                    state.fly_start = Some((Instant::now(), t.translation, f.yaw));
                }
                state.served_at_start = streamer.stats.served;
                state.phase = Phase::Flying;
                eprintln!(
                    "bench-fly: view ready after {:.1} s; flying",
                    waited.as_secs_f32()
                );
            } else if waited > *warmup_timeout {
                state.phase = Phase::Done;
                fail(
                    &mut exit,
                    format!(
                        "bench-fly: the first view was not ready after {:.0} s",
                        waited.as_secs_f32()
                    ),
                );
            }
        }
        (Script::BenchFly { seconds, .. }, Phase::Flying) => {
            let Some((t0, p0, yaw0)) = state.fly_start else {
                return;
            };
            let elapsed = t0.elapsed().as_secs_f32();
            // Frame times and readiness of every frame since take-off.
            let dt = time.delta_secs() * 1000.0;
            if elapsed > 0.0 && state.frame_ms.len() < 1_000_000 {
                state.frame_ms.push(dt);
                state
                    .frame_info
                    .push((elapsed, streamer.stats.uploaded_this_frame));
                if streamer.stats.missing_in_view > 0 {
                    state.missing_frames += 1;
                    if state.missing_at.len() < 8 {
                        state.missing_at.push(elapsed);
                    }
                }
                if streamer.stats.coarse_in_view > 0 {
                    state.coarse_frames += 1;
                }
            }
            if elapsed >= *seconds {
                state.phase = Phase::Done;
                let p = percentiles(&state.frame_ms);
                let size = windows
                    .iter()
                    .next()
                    .map(|w| format!("{}x{}", w.physical_width(), w.physical_height()))
                    .unwrap_or_default();
                println!(
                    "bench-fly: {seconds:.0} s at {BENCH_SPEED:.0} m/s ({:.0} m), {size}, {}",
                    seconds * BENCH_SPEED,
                    config.adapter
                );
                println!(
                    "frames: {} ({:.1} fps)",
                    p.frames,
                    p.frames as f32 / seconds.max(0.001)
                );
                println!(
                    "frame time: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (p99/p50 {:.2})",
                    p.p50,
                    p.p99,
                    p.max,
                    p.p99 / p.p50.max(0.001)
                );
                let at: Vec<String> = state
                    .missing_at
                    .iter()
                    .map(|t| format!("{t:.1} s"))
                    .collect();
                println!(
                    "frames with a chunk in view not ready: {} (nothing on screen yet{}); \
                     {} with one coarser than wanted",
                    state.missing_frames,
                    if at.is_empty() {
                        String::new()
                    } else {
                        format!("; at {}", at.join(", "))
                    },
                    state.coarse_frames
                );
                let mut slow: Vec<usize> = (0..state.frame_ms.len()).collect();
                slow.sort_by(|a, b| state.frame_ms[*b].total_cmp(&state.frame_ms[*a]));
                let slow: Vec<String> = slow
                    .iter()
                    .take(3)
                    .map(|&i| {
                        let (t, up) = state.frame_info[i];
                        format!(
                            "{:.0} ms at {t:.1} s ({up} chunks uploaded)",
                            state.frame_ms[i]
                        )
                    })
                    .collect();
                println!("slowest frames: {}", slow.join(", "));
                println!(
                    "chunks made during the flight: {} ({:.2} ms each on the workers); on screen at the end: {}",
                    streamer.stats.served - state.served_at_start,
                    streamer.stats.mean_job_ms,
                    streamer.stats.loaded_total()
                );
                exit.write(AppExit::Success);
                return;
            }
            // The path: straight ahead from the start heading, weaving gently,
            // 45 m above the ground (smoothed), at BENCH_SPEED.
            let Ok((mut t, _)) = cams.single_mut() else {
                return;
            };
            let weave = 0.25 * (elapsed * std::f32::consts::TAU / 20.0).sin();
            let yaw = yaw0 + weave;
            let heading = Vec3::new(-yaw0.sin(), 0.0, -yaw0.cos());
            let side = Vec3::new(heading.z, 0.0, -heading.x);
            let along = heading * BENCH_SPEED * elapsed;
            let sway = side * 60.0 * (elapsed * std::f32::consts::TAU / 20.0).sin();
            let mut pos = p0 + along + sway;
            if let Some(w) = &world {
                let ground = w.ground_height(pos.x, pos.z);
                let target = ground + 45.0;
                pos.y = t.translation.y + (target - t.translation.y) * 0.1;
            }
            t.translation = pos;
            t.rotation = Quat::from_euler(EulerRot::YXZ, yaw, -0.12, 0.0);
        }
        _ => {}
    }
}
