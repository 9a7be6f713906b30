//! Drives a car through the simulator in the real viewer and saves a
//! screenshot once its background traffic is on screen: a look at the
//! traffic and the car the way a user sees them (`sprawl view` has no
//! scripted drive).
//!
//! ```sh
//! DISPLAY=:99 cargo run --release -p sprawl-viewer --example drive_screenshot -- \
//!     WORLD.sprawl OUT.png X,Y,Z,YAW,PITCH [HOURS]
//! ```
//!
//! The camera starts at the pose; the car starts on the lane nearest to
//! it, drives with half throttle for [`DRIVE_S`] seconds, and the picture
//! is taken when the streamed city around it is complete again.

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use sprawl_viewer::camera::CameraPose;
use sprawl_viewer::drive::{Mode, SimView, SwitchMode};
use sprawl_viewer::script::{PipelineStatus, view_ready};
use sprawl_viewer::stream::Streamer;
use sprawl_viewer::world::{self, WorldSource};
use sprawl_viewer::{ViewerOptions, build_app, preflight};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Seconds of driving before the picture.
const DRIVE_S: f32 = 4.0;
/// Give up after this long (seconds).
const TIMEOUT_S: f32 = 240.0;

#[derive(Resource)]
struct Plan {
    out: PathBuf,
    started: Instant,
    driving_since: Option<Instant>,
    shot_at: Option<u32>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the script reads the stream and the simulator and drives the keys"
)]
fn run_drive(
    mut plan: ResMut<Plan>,
    streamer: Res<Streamer>,
    pipelines: Res<PipelineStatus>,
    view: Res<SimView>,
    mut keys: ResMut<ButtonInput<KeyCode>>,
    mut switch: MessageWriter<SwitchMode>,
    mut commands: Commands,
    mut exit: MessageWriter<AppExit>,
) {
    if plan.started.elapsed().as_secs_f32() > TIMEOUT_S {
        eprintln!("error: no picture after {TIMEOUT_S} s ({})", view.status);
        exit.write(AppExit::error());
        return;
    }
    if let Some(frames) = &mut plan.shot_at {
        *frames += 1;
        if *frames > 20 {
            println!(
                "saved {}: {} cars and {} pedestrians in the simulator, speed {:.1} m/s",
                plan.out.display(),
                view.traffic.0,
                view.traffic.1,
                view.state.map_or(0.0, |s| s.speed)
            );
            exit.write(AppExit::Success);
        }
        return;
    }
    match plan.driving_since {
        None if view_ready(&streamer, &pipelines) && view.mode == Mode::Fly => {
            switch.write(SwitchMode(Mode::Drive));
            plan.driving_since = Some(Instant::now());
        }
        Some(t) if view.state.is_some() => {
            keys.press(KeyCode::KeyW);
            if t.elapsed().as_secs_f32() > DRIVE_S
                && !view.movers.is_empty()
                && view_ready(&streamer, &pipelines)
            {
                keys.release(KeyCode::KeyW);
                commands
                    .spawn(Screenshot::primary_window())
                    .observe(save_to_disk(plan.out.clone()));
                plan.shot_at = Some(0);
            }
        }
        _ => {}
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: drive_screenshot WORLD.sprawl OUT.png X,Y,Z,YAW,PITCH [HOURS]");
        return ExitCode::from(2);
    }
    let pose = match CameraPose::parse(&args[2]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = ViewerOptions {
        world: WorldSource::Open(PathBuf::from(&args[0])),
        camera: Some(pose),
        panel: Some(true),
        time_of_day: args.get(3).and_then(|h| h.parse().ok()),
        ..ViewerOptions::default()
    };
    let opened = world::open(&options.world, false).and_then(|w| Ok((w, preflight()?)));
    let (world, probe) = match opened {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut app = build_app(options, world, &probe);
    app.insert_resource(Plan {
        out: PathBuf::from(&args[1]),
        started: Instant::now(),
        driving_since: None,
        shot_at: None,
    })
    .add_systems(PreUpdate, run_drive.after(bevy::input::InputSystems));
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(_) => ExitCode::FAILURE,
    }
}
