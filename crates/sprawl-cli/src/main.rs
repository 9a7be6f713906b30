//! # `sprawl`
//!
//! The command line of Sprawl, the world-model city engine: create a world
//! file from a prompt or a drawn sketch, pre-generate regions of it, render
//! maps, export GLB models, list objects and edit them, and fly through it
//! in the 3D viewer (`sprawl view`, or plain `sprawl`).
//!
//! Units everywhere: metres on the ground plane (X east, Z south, so north
//! is −Z), metres up (Y), degrees for angles. A world is cut into square
//! chunks (128 m by default); regions are given in metres and cover every
//! chunk they overlap.
//!
//! Errors are printed to stderr as `error: …` with their causes; the exit
//! status is 2 for usage errors (bad flags or values) and 1 for everything
//! else. Outside input never makes the program panic.

mod args;
mod cmd_backends;
mod cmd_edit;
mod cmd_info;
mod cmd_new;
mod cmd_region;
mod cmd_serve;
mod cmd_view;
mod load;

use args::{RegionArgs, Vec3Arg};
use clap::{Args, Parser, Subcommand};
use sprawl_world::{ObjectId, SemanticClass};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sprawl: an endless, editable, procedurally generated city in one file.
///
/// Coordinates are metres: X grows east, Z grows south (north is −Z), Y is
/// up. The world is cut into square chunks (128 m by default) that are
/// generated on demand, deterministically, and cached in the world file.
#[derive(Debug, Parser)]
#[command(name = "sprawl", version, propagate_version = true)]
#[command(
    after_help = "Without a command, opens the default city in the viewer.\n\nExample:\n  \
    sprawl new city.sprawl --prompt \"a hilly harbour town with a river\"\n  \
    sprawl view city.sprawl\n  \
    sprawl gen city.sprawl --region -512,-512,512,512\n  \
    sprawl map city.sprawl --region -512,-512,512,512 -o city.png"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new world file from a text prompt or a drawn sketch.
    New(NewArgs),
    /// Describe a world file: its spec, versions, provenance, edits and cache.
    Info(InfoArgs),
    /// Pre-generate every chunk of a region into the world file's cache.
    Gen(GenArgs),
    /// Render a top-down PNG map of a region, coloured by object class.
    Map(MapArgs),
    /// Export the objects of a region as a GLB (binary glTF 2.0) model.
    Export(ExportArgs),
    /// List the objects whose position lies in a region.
    Objects(ObjectsArgs),
    /// Edit the world: move, remove or add objects (recorded in the file's journal).
    Edit(EditArgs),
    /// Generation backends: what a world used, with metrics from its call log.
    #[command(subcommand)]
    Backends(BackendsCmd),
    /// Run the generation orchestrator as an HTTP service (loopback, bearer token).
    ServeGen(ServeArgs),
    /// Fly through a world in 3D: stream it, light it, inspect and edit it.
    View(cmd_view::ViewArgs),
}

/// `sprawl backends …`.
#[derive(Debug, Subcommand)]
enum BackendsCmd {
    /// Per-backend calls, failures, fallbacks, latency p50/p99 and cost
    /// recorded in a world file, its cached answers and the money spent.
    Status(BackendsStatusArgs),
}

/// Arguments of `sprawl backends status`.
#[derive(Debug, Args)]
struct BackendsStatusArgs {
    /// World file.
    file: PathBuf,
    /// Backends configuration (TOML): also show its routes, backends and
    /// whether each key variable is set (never its value), and the budget.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `sprawl serve-gen`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Backends configuration (TOML; see examples/backends.toml).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8787")]
    bind: std::net::SocketAddr,
    /// Environment variable holding the bearer token clients must send
    /// (at least 16 characters).
    #[arg(long, value_name = "VAR")]
    token_env: String,
    /// Keep the cache, call log and spending in this world file (default: in memory).
    #[arg(long, value_name = "FILE")]
    world: Option<PathBuf>,
}

/// Arguments of `sprawl new`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["prompt", "sketch"])))]
struct NewArgs {
    /// World file to create (SQLite; e.g. `city.sprawl`).
    file: PathBuf,
    /// Describe the city in plain English, e.g. "a foggy old harbour town
    /// with a river to the north".
    #[arg(long, value_name = "TEXT")]
    prompt: Option<String>,
    /// A map drawn as a PNG or JPEG (see docs/sketch-legend.md for the
    /// colours); it is centred on the world origin.
    #[arg(long, value_name = "IMAGE")]
    sketch: Option<PathBuf>,
    /// Size of one sketch pixel on the ground, in metres per pixel (0.1 to
    /// 1000) [default: 4].
    #[arg(
        long,
        value_name = "M_PER_PX",
        // Not `requires = "sketch"`: clap lets any member of the group satisfy
        // that (clap-rs/clap#4707). With exactly one source required,
        // conflicting with --prompt is the same rule.
        conflicts_with = "prompt",
        allow_negative_numbers = true,
        value_parser = args::parse_sketch_scale
    )]
    sketch_scale: Option<f32>,
    /// Seed of every random choice (default: derived from the prompt text or
    /// the sketch file's bytes, so the same input gives the same city).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Replace FILE if it already exists (it is never overwritten otherwise).
    #[arg(long)]
    force: bool,
    /// Generation backends configuration (TOML; see examples/backends.toml):
    /// the prompt or sketch goes down its route, and the first usable
    /// answer replaces the procedural one. Without it everything is
    /// procedural and offline.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Arguments of `sprawl info`.
#[derive(Debug, Args)]
struct InfoArgs {
    /// World file.
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `sprawl gen`.
#[derive(Debug, Args)]
struct GenArgs {
    /// World file.
    file: PathBuf,
    #[command(flatten)]
    region: RegionArgs,
    /// Backends configuration (TOML; see examples/backends.toml): also ask
    /// the backends routed for `region` and `object` for each chunk's
    /// detail and its props' meshes, and store their answers in the world
    /// file (every later load uses them, offline).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// With --config: how long to wait for the backends (seconds); chunks
    /// they have not answered by then stay procedural.
    #[arg(long, value_name = "SECONDS", default_value = "300", requires = "config",
          value_parser = parse_wait)]
    wait: f64,
}

fn parse_wait(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !v.is_finite() || !(0.0..=86_400.0).contains(&v) {
        return Err(format!("`{s}` is out of range (0 to 86400 seconds)"));
    }
    Ok(v)
}

/// Arguments of `sprawl map`.
#[derive(Debug, Args)]
struct MapArgs {
    /// World file.
    file: PathBuf,
    #[command(flatten)]
    region: RegionArgs,
    /// PNG file to write (replaced if it exists); the name must end in `.png`.
    #[arg(short, long, value_name = "OUT.png", value_parser = args::parse_png_path)]
    output: PathBuf,
    /// Map resolution in metres per pixel (1 = one pixel per metre; larger
    /// is coarser and smaller).
    #[arg(
        long,
        value_name = "M_PER_PX",
        default_value_t = 1.0,
        allow_negative_numbers = true,
        value_parser = args::parse_map_scale
    )]
    scale: f32,
}

/// Arguments of `sprawl export`.
#[derive(Debug, Args)]
struct ExportArgs {
    /// World file.
    file: PathBuf,
    #[command(flatten)]
    region: RegionArgs,
    /// GLB file to write (replaced if it exists).
    #[arg(short, long, value_name = "OUT.glb")]
    output: PathBuf,
}

/// Arguments of `sprawl objects`.
#[derive(Debug, Args)]
struct ObjectsArgs {
    /// World file.
    file: PathBuf,
    #[command(flatten)]
    region: RegionArgs,
    /// Only objects of this class (terrain, road, sidewalk, building, roof,
    /// water, bridge, tree, lamp, bench, parked_car, park, prop, agent).
    #[arg(long, value_name = "CLASS", value_parser = args::parse_class)]
    class: Option<SemanticClass>,
    /// Print a JSON array of {id, class, position: [x, y, z], generator}.
    #[arg(long)]
    json: bool,
}

/// Arguments of `sprawl edit`.
#[derive(Debug, Args)]
struct EditArgs {
    /// World file.
    file: PathBuf,
    #[command(subcommand)]
    op: EditOp,
}

/// One edit.
#[derive(Debug, Subcommand)]
enum EditOp {
    /// Move an object: place its origin at a new position (and optionally turn it).
    Move {
        /// Object id, as `sprawl objects` prints it: X:Z:HEX (chunk x, chunk z,
        /// local key), e.g. 0:-1:0a3f9c21.
        #[arg(value_parser = args::parse_object_id, allow_hyphen_values = true)]
        id: ObjectId,
        /// New position X,Y,Z in metres (Y is up).
        #[arg(long, value_name = "X,Y,Z", allow_hyphen_values = true, value_parser = args::parse_vec3)]
        to: Vec3Arg,
        /// New heading in degrees about the vertical axis (counter-clockwise
        /// seen from above); default: keep the current orientation.
        #[arg(long, value_name = "DEG", allow_hyphen_values = true, value_parser = args::parse_degrees)]
        yaw: Option<f32>,
    },
    /// Remove an object.
    Remove {
        /// Object id (X:Z:HEX, e.g. 0:-1:0a3f9c21).
        #[arg(value_parser = args::parse_object_id, allow_hyphen_values = true)]
        id: ObjectId,
    },
    /// Add a box-shaped object standing on a point.
    Add {
        /// Class of the new object (e.g. prop, bench, building).
        #[arg(long, value_name = "CLASS", value_parser = args::parse_class)]
        class: SemanticClass,
        /// Where its base centre goes: X,Y,Z in metres, or X,Z to stand it on
        /// the generated ground.
        #[arg(long, value_name = "X,Y,Z", allow_hyphen_values = true, value_parser = args::parse_position)]
        at: args::Position,
        /// Box size W,H,D in metres (along X, up, along Z), each above 0 and
        /// at most 1000.
        #[arg(long, value_name = "W,H,D", default_value = "1,1,1", value_parser = args::parse_size)]
        size: Vec3Arg,
        /// Heading in degrees about the vertical axis.
        #[arg(long, value_name = "DEG", default_value_t = 0.0, allow_hyphen_values = true, value_parser = args::parse_degrees)]
        yaw: f32,
    },
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = Cli::parse();
    let result = match cli
        .command
        .unwrap_or_else(|| Command::View(Default::default()))
    {
        Command::New(a) => cmd_new::run(a),
        Command::Info(a) => cmd_info::run(a),
        Command::Gen(a) => cmd_region::gen_cmd(a),
        Command::Map(a) => cmd_region::map(a),
        Command::Export(a) => cmd_region::export(a),
        Command::Objects(a) => cmd_region::objects(a),
        Command::Edit(a) => cmd_edit::run(a),
        Command::Backends(BackendsCmd::Status(a)) => cmd_backends::status(a),
        Command::ServeGen(a) => cmd_serve::run(a),
        Command::View(a) => cmd_view::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::FAILURE
        }
    }
}

/// Prints `error: …` and then each cause that adds something new (store
/// errors already include their source's text).
fn report(e: &anyhow::Error) {
    let mut text = format!("error: {e}");
    let mut last = e.to_string();
    for cause in e.chain().skip(1) {
        let msg = cause.to_string();
        if !last.contains(&msg) {
            text.push_str(&format!("\n  caused by: {msg}"));
        }
        last = msg;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Whether the error is stdout going away (`sprawl objects … | head`): not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    })
}

/// A last line of defence: a bug that panics is reported as an internal
/// error in the same `error: …` form, without a backtrace hint.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr().lock(),
            "error: internal error{place}: {what}\n  (this is a bug in sprawl; please report it)"
        );
    }));
}
