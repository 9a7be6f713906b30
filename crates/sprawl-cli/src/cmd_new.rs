//! `sprawl new`: a world file from a prompt or a sketch.

use crate::NewArgs;
use anyhow::{Context, Result, anyhow, bail};
use sprawl_gen::prompt::interpret_prompt;
use sprawl_gen::sketch::{SketchOptions, interpret_sketch};
use sprawl_gen::{GENERATOR_NAME, GENERATOR_VERSION};
use sprawl_store::{StoreError, WorldFile};
use sprawl_world::hash::StableHasher;
use sprawl_world::{Provenance, SketchCell, WorldSpec};
use std::io::{Read, Write};
use std::path::Path;

/// Version recorded in the spec's provenance: the workspace version, which
/// `sprawl-gen` (home of both interpreters) shares.
const INTERPRETER_VERSION: &str = env!("CARGO_PKG_VERSION");

fn already_exists(path: &Path) -> anyhow::Error {
    anyhow!(
        "{}: already exists; use --force to replace it",
        path.display()
    )
}

/// `sprawl new`.
pub fn run(args: NewArgs) -> Result<()> {
    // Cheap early refusal, before any work; the store enforces it again
    // atomically when it creates the file.
    if !args.force && std::fs::symlink_metadata(&args.file).is_ok() {
        return Err(already_exists(&args.file));
    }
    // The world is made even if whoever reads the report has gone
    // (`sprawl new … | head`).
    let mut out = Tolerant::new(std::io::stdout().lock());
    let routing = args
        .config
        .as_deref()
        .map(crate::cmd_backends::load)
        .transpose()?;
    let (spec, provenance, derived_from) = match (&args.prompt, &args.sketch) {
        (Some(text), None) => {
            let text = text.trim();
            let seed = args.seed.unwrap_or_else(|| hash_of_text(text));
            let base = WorldSpec {
                seed,
                ..WorldSpec::default()
            };
            let interpretation = interpret_prompt(text, &base)?;
            writeln!(out, "{interpretation}")?;
            let inputs = StableHasher::new().str(text).u64(seed).finish();
            let mut spec = interpretation.spec;
            let mut provenance =
                Provenance::embedded("prompt-interpreter", INTERPRETER_VERSION, inputs);
            if let Some(r) = &routing
                && let Some((s, p)) = r.prompt(&mut out, text, seed)?
            {
                (spec, provenance) = (s, p);
            }
            (spec, provenance, "the prompt text")
        }
        (None, Some(path)) => {
            let defaults = SketchOptions::default();
            let options = SketchOptions {
                metres_per_pixel: args.sketch_scale.unwrap_or(defaults.metres_per_pixel),
                ..defaults
            };
            let bytes = read_capped(path, options.max_bytes)?;
            let report = interpret_sketch(&bytes, &options)
                .map_err(|e| anyhow!("sketch {}: {e}", path.display()))?;
            let seed = args
                .seed
                .unwrap_or_else(|| StableHasher::new().bytes(&bytes).finish());
            let layout = &report.layout;
            let r = layout.region();
            writeln!(
                out,
                "Sketch: {}×{} pixels at {} m/pixel = {:.0}×{:.0} m, north-west corner at ({}, {}) m",
                layout.width,
                layout.height,
                layout.metres_per_pixel,
                r.width(),
                r.depth(),
                layout.origin[0],
                layout.origin[1]
            )?;
            let total = report.counts.total().max(1) as f64;
            for (name, cell) in [
                ("road", SketchCell::Road),
                ("water", SketchCell::Water),
                ("park", SketchCell::Park),
                ("downtown", SketchCell::Downtown),
                ("mid-rise", SketchCell::Midrise),
                ("residential", SketchCell::Residential),
                ("industrial", SketchCell::Industrial),
                ("unspecified", SketchCell::Unspecified),
            ] {
                let n = report.counts.get(cell);
                if n > 0 {
                    writeln!(
                        out,
                        "  {name:<12} {n:>9} cells ({:.1}%)",
                        n as f64 * 100.0 / total
                    )?;
                }
            }
            writeln!(out, "  road lines traced: {}", report.road_polylines)?;
            for w in &report.warnings {
                writeln!(out, "  note: {w}")?;
            }
            let inputs = StableHasher::new()
                .bytes(&bytes)
                .f32(options.metres_per_pixel)
                .u64(seed)
                .finish();
            let mut layout = report.layout;
            let mut provenance =
                Provenance::embedded("sketch-interpreter", INTERPRETER_VERSION, inputs);
            if let Some(r) = &routing
                && let Some((l, p)) = r.sketch(&mut out, &bytes, options.metres_per_pixel)?
            {
                (layout, provenance) = (l, p);
            }
            let spec = WorldSpec {
                seed,
                sketch: Some(layout),
                ..WorldSpec::default()
            };
            (spec, provenance, "the sketch file's bytes")
        }
        // clap's argument group requires exactly one of the two.
        _ => bail!("give exactly one of --prompt and --sketch"),
    };

    let world = match WorldFile::create(&args.file, &spec, Some(&provenance), args.force) {
        Ok(w) => w,
        Err(StoreError::AlreadyExists { path }) => return Err(already_exists(&path)),
        Err(e) => return Err(e.into()),
    };
    if let Some(r) = routing {
        r.save(&world)?;
    }
    match args.seed {
        Some(seed) => writeln!(out, "Seed: {seed} (from --seed)")?,
        None => writeln!(
            out,
            "Seed: {} (derived from {derived_from}; pass --seed N for another city)",
            spec.seed
        )?,
    }
    writeln!(
        out,
        "Created {} ({} {}, spec from {})",
        world.path().display(),
        GENERATOR_NAME,
        GENERATOR_VERSION,
        provenance
    )?;
    Ok(())
}

/// The seed of a prompt: a stable hash of its trimmed text.
fn hash_of_text(text: &str) -> u64 {
    StableHasher::new().str(text).finish()
}

/// Reads a file of at most `max` bytes.
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>> {
    let context = || format!("cannot read sketch {}", path.display());
    let file = std::fs::File::open(path).with_context(context)?;
    let meta = file.metadata().with_context(context)?;
    if meta.is_dir() {
        bail!("sketch {}: is a directory, not an image", path.display());
    }
    if meta.len() > max {
        bail!(
            "sketch {}: {} bytes is too large; the limit is {max} bytes",
            path.display(),
            meta.len()
        );
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    if bytes.len() as u64 > max {
        bail!(
            "sketch {}: too large; the limit is {max} bytes",
            path.display()
        );
    }
    Ok(bytes)
}

/// A writer that turns into a sink once its reader has gone away (a
/// broken pipe), so that printing a report cannot abort the work it
/// reports on.
struct Tolerant<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> Tolerant<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            closed: false,
        }
    }

    fn absorb<T>(&mut self, r: std::io::Result<T>, ok: T) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(ok)
            }
            r => r,
        }
    }
}

impl<W: Write> Write for Tolerant<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.absorb(r, buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.absorb(r, ())
    }
}
