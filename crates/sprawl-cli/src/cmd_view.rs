//! `sprawl view`: the interactive 3D viewer, and its scripted runs
//! (screenshots, the fly benchmark). Plain `sprawl` with no command opens
//! the default city here too.

use anyhow::{Result, bail};
use clap::Args;
use sprawl_viewer::camera::CameraPose;
use sprawl_viewer::script::Script;
use sprawl_viewer::world::WorldSource;
use sprawl_viewer::{ViewerOptions, run as run_viewer};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `sprawl view`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// World file to open; with --prompt or --sketch, the file to make (it
    /// is reopened, edits and all, if it already holds the same world).
    /// Without it, worlds are kept in ~/.local/share/sprawl (or
    /// $SPRAWL_HOME) under a name made from the prompt and seed.
    file: Option<PathBuf>,
    /// Make a world from a description, e.g. "a foggy harbour town".
    #[arg(long, value_name = "TEXT", conflicts_with = "sketch")]
    prompt: Option<String>,
    /// Make a world from a drawn map (PNG or JPEG; see docs/sketch-legend.md).
    #[arg(long, value_name = "IMAGE")]
    sketch: Option<PathBuf>,
    /// Seed of the new world (default: derived from the prompt or sketch).
    /// Without --prompt or --sketch it reseeds the default city.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// With FILE and --prompt/--sketch: replace FILE if it holds another world.
    #[arg(long)]
    force: bool,
    /// Save a screenshot once everything in view is loaded and drawn, then exit.
    #[arg(long, value_name = "OUT.png", conflicts_with = "bench_fly")]
    screenshot: Option<PathBuf>,
    /// Start the camera here: X,Y,Z in metres, YAW in degrees
    /// counter-clockwise from north (90 = west), PITCH in degrees up
    /// (negative looks down).
    #[arg(long, value_name = "X,Y,Z,YAW,PITCH", allow_hyphen_values = true, value_parser = parse_camera)]
    camera: Option<CameraPose>,
    /// Window size in pixels.
    #[arg(long, value_name = "WxH", default_value = "1280x720", value_parser = parse_size)]
    size: (u32, u32),
    /// Fly a fixed path at 100 m/s for SECONDS and print frame times, then exit.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    bench_fly: Option<f32>,
    /// How long a scripted run may wait for the view to load (seconds).
    #[arg(long, value_name = "SECONDS", default_value = "300", value_parser = parse_seconds)]
    timeout: f32,
    /// Show the panel in screenshots too (it is hidden there by default).
    #[arg(long)]
    panel: bool,
    /// Local solar time to start at, in hours (e.g. 21.5); default: the world's own.
    #[arg(long, value_name = "HOURS", value_parser = parse_hours)]
    time: Option<f32>,
    /// Generation backends (TOML; see examples/backends.toml): chunks near
    /// the camera are shown procedural at once and replaced by the
    /// backends' detail (routes `region` and `object`) when it arrives; the
    /// answers are stored in the world file for every later load.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// What plain `sprawl` runs: the default city, interactive.
impl Default for ViewArgs {
    fn default() -> Self {
        Self {
            file: None,
            prompt: None,
            sketch: None,
            seed: None,
            force: false,
            screenshot: None,
            camera: None,
            size: (1280, 720),
            bench_fly: None,
            timeout: 300.0,
            panel: false,
            time: None,
            config: None,
        }
    }
}

fn parse_camera(s: &str) -> Result<CameraPose, String> {
    CameraPose::parse(s)
}

/// Parses `WxH` pixels.
fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .trim()
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("size `{s}`: expected WxH, e.g. 1280x720"))?;
    let px = |v: &str| -> Result<u32, String> {
        let n: u32 = v
            .trim()
            .parse()
            .map_err(|_| format!("size `{s}`: `{v}` is not a whole number of pixels"))?;
        if !(64..=8192).contains(&n) {
            return Err(format!("size `{s}`: {n} px is out of range (64 to 8192)"));
        }
        Ok(n)
    };
    Ok((px(w)?, px(h)?))
}

fn parse_hours(s: &str) -> Result<f32, String> {
    let v: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of hours"))?;
    if !(0.0..=24.0).contains(&v) {
        return Err(format!("`{s}` is out of range (0 to 24 hours)"));
    }
    Ok(v)
}

fn parse_seconds(s: &str) -> Result<f32, String> {
    let v: f32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !v.is_finite() || v <= 0.0 || v > 86_400.0 {
        return Err(format!(
            "`{s}` is out of range (above 0, at most 86400 seconds)"
        ));
    }
    Ok(v)
}

/// `sprawl view` (and plain `sprawl`).
pub fn run(args: ViewArgs) -> Result<()> {
    // A bad configuration is an error here, before any window opens.
    if let Some(config) = &args.config {
        sprawl_backends::Config::load(config)?;
    }
    let world = match (args.prompt, args.sketch, args.file) {
        (Some(text), None, file) => WorldSource::Prompt {
            text,
            seed: args.seed,
            file,
        },
        (None, Some(image), file) => WorldSource::Sketch {
            image,
            seed: args.seed,
            file,
        },
        (None, None, Some(file)) => {
            if args.seed.is_some() {
                bail!(
                    "--seed makes a new world; give it with --prompt or --sketch \
                     (an existing file keeps its seed)"
                );
            }
            WorldSource::Open(file)
        }
        (None, None, None) => match WorldSource::default() {
            WorldSource::Prompt { text, file, .. } => WorldSource::Prompt {
                text,
                seed: args.seed,
                file,
            },
            other => other,
        },
        (Some(_), Some(_), _) => bail!("give at most one of --prompt and --sketch"),
    };
    let timeout = Duration::from_secs_f32(args.timeout);
    let script = match (args.screenshot, args.bench_fly) {
        (Some(path), _) => Script::Screenshot { path, timeout },
        (None, Some(seconds)) => Script::BenchFly {
            seconds,
            warmup_timeout: timeout,
        },
        (None, None) => Script::Interactive,
    };
    run_viewer(ViewerOptions {
        world,
        force: args.force,
        camera: args.camera,
        size: args.size,
        script,
        panel: args.panel.then_some(true),
        time_of_day: args.time,
        backends: args.config,
        ..ViewerOptions::default()
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_seconds() {
        assert_eq!(parse_size("800x600"), Ok((800, 600)));
        assert_eq!(parse_size(" 64X64 "), Ok((64, 64)));
        for bad in ["800", "0x600", "800x", "a x b", "100000x10"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(parse_seconds("30").is_ok());
        for bad in ["0", "-1", "inf", "NaN", "x"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
