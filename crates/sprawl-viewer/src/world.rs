//! The world being viewed: opening or creating its file, and the chunk
//! source the streaming workers read it through.
//!
//! Every world the viewer shows lives in a world file, so that edits made in
//! the viewer are journalled at once and are there after reopening. A world
//! made from a prompt or a sketch without a file name goes to the data
//! directory ([`data_dir`]) under a name derived from its input and seed;
//! making the same world again reopens that file, edits included.

use crate::ViewerError;
use bevy::prelude::Resource;
use sprawl_gen::prompt::interpret_prompt;
use sprawl_gen::sketch::{SketchOptions, interpret_sketch};
use sprawl_gen::{ChunkGenerator, spec_hash};
use sprawl_store::{StoreError, WorldFile};
use sprawl_world::hash::StableHasher;
use sprawl_world::{Chunk, ChunkCoord, Provenance, WorldSpec, apply_edits};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The city `sprawl view` (and a plain `cargo run`) opens when given nothing.
pub const DEFAULT_PROMPT: &str =
    "dense downtown of glass towers by a river, hills to the north, autumn afternoon";

/// Version recorded in the provenance of specs the viewer makes (the
/// interpreters live in `sprawl-gen`, which shares the workspace version).
const INTERPRETER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest sketch file the viewer reads (bytes).
const MAX_SKETCH_BYTES: u64 = 64 << 20;

/// Which world to show.
#[derive(Debug, Clone, PartialEq)]
pub enum WorldSource {
    /// An existing world file.
    Open(PathBuf),
    /// A new world from a prompt (reopened if the same prompt and seed made one before).
    Prompt {
        /// The prompt text.
        text: String,
        /// Seed (default: a hash of the text).
        seed: Option<u64>,
        /// Where to write it (default: in [`data_dir`]).
        file: Option<PathBuf>,
    },
    /// A new world from a drawn sketch.
    Sketch {
        /// The PNG or JPEG.
        image: PathBuf,
        /// Seed (default: a hash of the image bytes).
        seed: Option<u64>,
        /// Where to write it (default: in [`data_dir`]).
        file: Option<PathBuf>,
    },
}

impl Default for WorldSource {
    fn default() -> Self {
        Self::Prompt {
            text: DEFAULT_PROMPT.to_owned(),
            seed: None,
            file: None,
        }
    }
}

/// Where worlds made without a file name go: `$SPRAWL_HOME`, else
/// `$XDG_DATA_HOME/sprawl`, else `~/.local/share/sprawl`, else a `sprawl`
/// folder in the temporary directory.
pub fn data_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(p) = env("SPRAWL_HOME") {
        return p;
    }
    if let Some(p) = env("XDG_DATA_HOME") {
        return p.join("sprawl");
    }
    if let Some(p) = env("HOME") {
        return p.join(".local").join("share").join("sprawl");
    }
    std::env::temp_dir().join("sprawl")
}

/// A spec ready to be written, with where it came from.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// The spec.
    pub spec: WorldSpec,
    /// Its provenance.
    pub provenance: Provenance,
    /// A file-name stem that says what it is.
    pub stem: String,
    /// What the interpreter understood, for the user.
    pub summary: String,
}

/// The spec a prompt makes, as `sprawl new --prompt` makes it.
pub fn recipe_from_prompt(text: &str, seed: Option<u64>) -> Result<Recipe, ViewerError> {
    let text = text.trim();
    let seed = seed.unwrap_or_else(|| StableHasher::new().str(text).finish());
    let base = WorldSpec {
        seed,
        ..WorldSpec::default()
    };
    let interpretation =
        interpret_prompt(text, &base).map_err(|e| ViewerError::Prompt(e.to_string()))?;
    let inputs = StableHasher::new().str(text).u64(seed).finish();
    Ok(Recipe {
        summary: interpretation.to_string(),
        spec: interpretation.spec,
        provenance: Provenance::embedded("prompt-interpreter", INTERPRETER_VERSION, inputs),
        stem: format!("{}-{seed:016x}", slug(text)),
    })
}

/// The spec a sketch makes, as `sprawl new --sketch` makes it (4 m per pixel).
pub fn recipe_from_sketch(image: &Path, seed: Option<u64>) -> Result<Recipe, ViewerError> {
    let bad = |detail: String| ViewerError::Sketch {
        path: image.to_owned(),
        detail,
    };
    let meta = std::fs::metadata(image).map_err(|e| bad(e.to_string()))?;
    if meta.is_dir() {
        return Err(bad("is a directory, not an image".into()));
    }
    if meta.len() > MAX_SKETCH_BYTES {
        return Err(bad(format!(
            "{} bytes is too large; the limit is {MAX_SKETCH_BYTES} bytes",
            meta.len()
        )));
    }
    let bytes = std::fs::read(image).map_err(|e| bad(e.to_string()))?;
    let options = SketchOptions::default();
    let report = interpret_sketch(&bytes, &options).map_err(|e| bad(e.to_string()))?;
    let seed = seed.unwrap_or_else(|| StableHasher::new().bytes(&bytes).finish());
    let inputs = StableHasher::new()
        .bytes(&bytes)
        .f32(options.metres_per_pixel)
        .u64(seed)
        .finish();
    let name = image
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sketch".into());
    let r = report.layout.region();
    Ok(Recipe {
        summary: format!(
            "sketch {}: {}×{} px at {} m/px = {:.0}×{:.0} m, {} road lines",
            image.display(),
            report.layout.width,
            report.layout.height,
            report.layout.metres_per_pixel,
            r.width(),
            r.depth(),
            report.road_polylines
        ),
        spec: WorldSpec {
            seed,
            sketch: Some(report.layout),
            ..WorldSpec::default()
        },
        provenance: Provenance::embedded("sketch-interpreter", INTERPRETER_VERSION, inputs),
        stem: format!("sketch-{}-{seed:016x}", slug(&name)),
    })
}

/// Lower-case words joined by `-`, at most 48 characters.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 48 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() { "world".into() } else { out }
}

/// Writes `recipe` to `file`, or to the data directory. An existing file of
/// the same spec is reopened (its edits kept); with `force`, an explicit
/// `file` is replaced; otherwise an existing explicit file is an error and
/// an automatic name gets a numbered suffix.
pub fn create(
    recipe: &Recipe,
    file: Option<&Path>,
    force: bool,
) -> Result<(WorldFile, String), ViewerError> {
    let hash = spec_hash(&recipe.spec);
    let reuse = |p: &Path| -> Option<WorldFile> {
        let w = WorldFile::open(p).ok()?;
        (w.spec_hash() == hash).then_some(w)
    };
    if let Some(path) = file {
        if !force && path.exists() {
            if let Some(w) = reuse(path) {
                return Ok((w, format!("reopened {} (same spec)", path.display())));
            }
            return Err(ViewerError::World(StoreError::AlreadyExists {
                path: path.to_owned(),
            }));
        }
        let w = WorldFile::create(path, &recipe.spec, Some(&recipe.provenance), force)?;
        return Ok((w, format!("created {}", path.display())));
    }
    let dir = data_dir();
    std::fs::create_dir_all(&dir).map_err(|e| ViewerError::Io {
        path: dir.clone(),
        detail: e.to_string(),
    })?;
    for n in 1..100 {
        let name = if n == 1 {
            format!("{}.sprawl", recipe.stem)
        } else {
            format!("{}-{n}.sprawl", recipe.stem)
        };
        let path = dir.join(name);
        if path.exists() {
            if let Some(w) = reuse(&path) {
                return Ok((w, format!("reopened {}", path.display())));
            }
            continue;
        }
        let w = WorldFile::create(&path, &recipe.spec, Some(&recipe.provenance), false)?;
        return Ok((w, format!("created {}", path.display())));
    }
    Err(ViewerError::Io {
        path: dir,
        detail: format!("too many worlds named {}-N.sprawl", recipe.stem),
    })
}

/// Opens or makes the world `source` names (see [`create`] for `force`).
pub fn open(source: &WorldSource, force: bool) -> Result<ActiveWorld, ViewerError> {
    let (file, summary) = match source {
        WorldSource::Open(path) => {
            let w = WorldFile::open(path)?;
            (w, format!("opened {}", path.display()))
        }
        WorldSource::Prompt { text, seed, file } => {
            let r = recipe_from_prompt(text, *seed)?;
            let (w, what) = create(&r, file.as_deref(), force)?;
            (w, format!("{what}\n{}", r.summary))
        }
        WorldSource::Sketch { image, seed, file } => {
            let r = recipe_from_sketch(image, *seed)?;
            let (w, what) = create(&r, file.as_deref(), force)?;
            (w, format!("{what}\n{}", r.summary))
        }
    };
    Ok(ActiveWorld::new(file, summary))
}

/// The world on screen. Edits go through [`ActiveWorld::writer`], one
/// connection used from the main thread; streaming workers each open their
/// own read connection ([`ActiveWorld::source_factory`]).
#[derive(Resource, Debug)]
pub struct ActiveWorld {
    /// The world file.
    pub path: PathBuf,
    /// Its spec.
    pub spec: Arc<WorldSpec>,
    /// Where the spec came from.
    pub provenance: Option<Provenance>,
    /// What opening it said (created/reopened, what the prompt meant).
    pub summary: String,
    /// Increases every time another world is opened.
    pub generation: u64,
    writer: Mutex<WorldFile>,
}

impl ActiveWorld {
    /// Wraps an open world file.
    pub fn new(file: WorldFile, summary: String) -> Self {
        Self {
            path: file.path().to_owned(),
            spec: Arc::new(file.spec().clone()),
            provenance: file.spec_provenance().cloned(),
            summary,
            generation: 0,
            writer: Mutex::new(file),
        }
    }

    /// The main thread's connection, for journalling edits.
    pub fn writer(&self) -> MutexGuard<'_, WorldFile> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ground height at world `(x, z)` as the generator sees it (cheap: noise only).
    pub fn ground_height(&self, x: f32, z: f32) -> f32 {
        ChunkGenerator::new(&self.spec).ground_height(f64::from(x), f64::from(z)) as f32
    }

    /// A factory of chunk sources over this world, one per worker thread.
    pub fn source_factory(&self) -> crate::stream::SourceFactory {
        let path = self.path.clone();
        Arc::new(move || {
            let world = WorldFile::open(&path).map_err(|e| e.to_string())?;
            Ok(Box::new(FileSource { world }) as Box<dyn crate::stream::ChunkSource>)
        })
    }
}

/// Chunks from a world file: its cache when it holds a valid entry, else the
/// procedural generator; then the chunk's journal edits, in order. Does not
/// write the cache (workers only read; the generator is faster than SQLite).
pub struct FileSource {
    world: WorldFile,
}

impl crate::stream::ChunkSource for FileSource {
    fn load(&mut self, coord: ChunkCoord) -> Result<(Chunk, usize), String> {
        let mut chunk = match self.world.cached_chunk(coord).map_err(|e| e.to_string())? {
            Some(c) => c,
            None => ChunkGenerator::new(self.world.spec()).generate(coord),
        };
        let edits = self
            .world
            .edits_for_chunk(coord)
            .map_err(|e| e.to_string())?;
        let rejected = apply_edits(&mut chunk, edits.iter().map(|e| &e.edit));
        Ok((chunk, rejected.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("A hilly harbour town!"), "a-hilly-harbour-town");
        assert_eq!(slug("  ***  "), "world");
        assert!(slug(&"word ".repeat(40)).len() <= 48);
    }

    #[test]
    fn same_prompt_reopens_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let r = recipe_from_prompt("a small town", Some(3)).unwrap();
        let path = dir.path().join("t.sprawl");
        let (w, what) = create(&r, Some(&path), false).unwrap();
        assert!(what.starts_with("created"));
        drop(w);
        let (_, what) = create(&r, Some(&path), false).unwrap();
        assert!(what.starts_with("reopened"), "{what}");
        let other = recipe_from_prompt("a big city", Some(3)).unwrap();
        assert!(create(&other, Some(&path), false).is_err());
        assert!(create(&other, Some(&path), true).is_ok());
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        assert!(matches!(
            recipe_from_prompt("   ", None),
            Err(ViewerError::Prompt(_))
        ));
        let dir = tempfile::tempdir().unwrap();
        let not_image = dir.path().join("x.png");
        std::fs::write(&not_image, b"hello").unwrap();
        assert!(matches!(
            recipe_from_sketch(&not_image, None),
            Err(ViewerError::Sketch { .. })
        ));
        let junk = dir.path().join("junk.sprawl");
        std::fs::write(&junk, b"not a world").unwrap();
        let err = open(&WorldSource::Open(junk), false).unwrap_err();
        assert!(err.to_string().contains("junk.sprawl"), "{err}");
    }
}
