//! Tasks: what a backend can be asked, the embedded (procedural) answer to
//! each, and the checks every answer passes before use.

use crate::backend::{Backend, BoxFuture};
use crate::error::BackendError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sprawl_gen::prompt::interpret_prompt;
use sprawl_gen::sketch::{SketchOptions, interpret_sketch};
use sprawl_world::hash::StableHasher;
use sprawl_world::{
    Chunk, ChunkCoord, MaterialId, MaterialKind, MeshData, Provenance, SemanticClass, SketchLayout,
    WorldSpec,
};

/// Version of the embedded interpreters recorded in provenance (the
/// workspace version, shared with `sprawl-gen`).
pub const INTERPRETER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The four kinds of request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// A prompt → a [`WorldSpec`].
    Prompt,
    /// A drawn sketch → a [`SketchLayout`].
    Sketch,
    /// A region (one chunk) → its detailed [`Chunk`].
    Region,
    /// An object description → a [`MeshData`].
    Object,
}

impl TaskKind {
    /// Every task.
    pub const ALL: [TaskKind; 4] = [Self::Prompt, Self::Sketch, Self::Region, Self::Object];

    /// Lower-case name (as in the configuration's `[routes]`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Prompt => "prompt",
            Self::Sketch => "sketch",
            Self::Region => "region",
            Self::Object => "object",
        }
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Source {
    /// The embedded generator, at once.
    Procedural,
    /// A backend answered in this run.
    Backend {
        /// Backend name.
        name: String,
    },
    /// The world file's cache (a backend answered in an earlier run).
    Cache,
}

/// One backend that failed or was skipped on the way to an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// Backend name.
    pub backend: String,
    /// Kind of failure ([`BackendError::kind`]).
    pub kind: &'static str,
    /// The error in words (never containing a key).
    pub message: String,
}

impl Failure {
    pub(crate) fn new(backend: &str, e: &BackendError) -> Self {
        Self {
            backend: backend.to_owned(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// An answer with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome<T> {
    /// The answer.
    pub value: T,
    /// Who made it, with which model and version, from which inputs.
    pub provenance: Provenance,
    /// Where it came from.
    pub source: Source,
    /// Backends that failed or were skipped before this answer.
    pub failures: Vec<Failure>,
}

/// A prompt request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptInput {
    /// The prompt (trimmed before use).
    pub text: String,
    /// Seed of the world.
    pub seed: u64,
}

/// A sketch request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SketchInput {
    /// The encoded PNG or JPEG (base64 in JSON).
    #[serde(with = "crate::http::base64_serde")]
    pub image: Vec<u8>,
    /// Size of one pixel on the ground (metres).
    pub metres_per_pixel: f32,
}

/// A region request: the detailed contents of one chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionInput {
    /// The world's spec.
    pub spec: WorldSpec,
    /// The chunk.
    pub coord: ChunkCoord,
    /// What the region should be like, in words (optional).
    #[serde(default)]
    pub brief: Option<String>,
}

/// An object request: a mesh for a described object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectInput {
    /// What it is, in words (e.g. "a bronze statue of a horse").
    pub description: String,
    /// Its semantic class.
    pub class: SemanticClass,
    /// The box it must fit, W,H,D metres (along X, up, along Z).
    pub size: [f32; 3],
}

/// A kind of request and everything the orchestrator needs to serve it.
pub trait Task: Send + Sync + 'static {
    /// The request.
    type Input: Serialize + Clone + Send + Sync + 'static;
    /// The answer.
    type Output: Serialize + DeserializeOwned + Clone + Send + Sync + 'static;
    /// Which task this is.
    const KIND: TaskKind;

    /// The embedded answer, computed at once. An error here means the input
    /// itself is unusable, and no backend is asked.
    fn procedural(input: &Self::Input, key: &str) -> Result<Outcome<Self::Output>, BackendError>;

    /// Starts `backend` on the request, or `None` when it cannot do this
    /// task. `baseline` is the procedural answer, which a backend may refine.
    fn call<'a>(
        backend: &'a dyn Backend,
        input: &'a Self::Input,
        baseline: &'a Self::Output,
    ) -> Option<BoxFuture<'a, Result<Self::Output, BackendError>>>;

    /// Checks an answer (from a backend or the cache) before it is used.
    fn check(input: &Self::Input, output: &Self::Output) -> Result<(), String>;

    /// Records `provenance` inside the answer where it carries its own
    /// (chunks list the provenance of their objects).
    fn stamp(_output: &mut Self::Output, _provenance: &Provenance) {}
}

/// The stable cache key of a request: a hash of the task and its inputs'
/// canonical JSON, as 16 hex digits.
pub fn request_key<T: Task>(input: &T::Input) -> Result<String, BackendError> {
    let json = serde_json::to_string(input)
        .map_err(|e| BackendError::Input(format!("cannot encode the request: {e}")))?;
    Ok(format!(
        "{:016x}",
        StableHasher::new().str(T::KIND.name()).str(&json).finish()
    ))
}

fn embedded(generator: &str, inputs: u64) -> (Provenance, Source) {
    (
        Provenance::embedded(generator, INTERPRETER_VERSION, inputs),
        Source::Procedural,
    )
}

/// Prompt → world spec.
#[derive(Debug)]
pub struct PromptTask;

impl Task for PromptTask {
    type Input = PromptInput;
    type Output = WorldSpec;
    const KIND: TaskKind = TaskKind::Prompt;

    fn procedural(input: &PromptInput, _key: &str) -> Result<Outcome<WorldSpec>, BackendError> {
        let text = input.text.trim();
        let base = WorldSpec {
            seed: input.seed,
            ..WorldSpec::default()
        };
        let interp =
            interpret_prompt(text, &base).map_err(|e| BackendError::Input(e.to_string()))?;
        // The same inputs hash `sprawl new` has always recorded.
        let inputs = StableHasher::new().str(text).u64(input.seed).finish();
        let (provenance, source) = embedded("prompt-interpreter", inputs);
        Ok(Outcome {
            value: interp.spec,
            provenance,
            source,
            failures: Vec::new(),
        })
    }

    fn call<'a>(
        backend: &'a dyn Backend,
        input: &'a PromptInput,
        baseline: &'a WorldSpec,
    ) -> Option<BoxFuture<'a, Result<WorldSpec, BackendError>>> {
        Some(backend.as_prompt()?.world_spec(input, baseline))
    }

    fn check(input: &PromptInput, spec: &WorldSpec) -> Result<(), String> {
        spec.validate().map_err(|e| e.to_string())?;
        if spec.seed != input.seed {
            return Err(format!(
                "the seed changed from {} to {}",
                input.seed, spec.seed
            ));
        }
        if spec.sketch.is_some() {
            return Err("a prompt's spec may not carry a sketch".into());
        }
        Ok(())
    }
}

/// Sketch → layout.
#[derive(Debug)]
pub struct SketchTask;

impl Task for SketchTask {
    type Input = SketchInput;
    type Output = SketchLayout;
    const KIND: TaskKind = TaskKind::Sketch;

    fn procedural(input: &SketchInput, _key: &str) -> Result<Outcome<SketchLayout>, BackendError> {
        let options = SketchOptions {
            metres_per_pixel: input.metres_per_pixel,
            ..SketchOptions::default()
        };
        let report = interpret_sketch(&input.image, &options)
            .map_err(|e| BackendError::Input(e.to_string()))?;
        let inputs = StableHasher::new()
            .bytes(&input.image)
            .f32(input.metres_per_pixel)
            .finish();
        let (provenance, source) = embedded("sketch-interpreter", inputs);
        Ok(Outcome {
            value: report.layout,
            provenance,
            source,
            failures: Vec::new(),
        })
    }

    fn call<'a>(
        backend: &'a dyn Backend,
        input: &'a SketchInput,
        baseline: &'a SketchLayout,
    ) -> Option<BoxFuture<'a, Result<SketchLayout, BackendError>>> {
        Some(backend.as_sketch()?.layout(input, baseline))
    }

    fn check(_input: &SketchInput, layout: &SketchLayout) -> Result<(), String> {
        layout.validate().map_err(|e| e.to_string())?;
        if layout.cells.is_empty() {
            return Err("the layout has no cells".into());
        }
        Ok(())
    }
}

/// Region → chunk.
#[derive(Debug)]
pub struct RegionTask;

impl Task for RegionTask {
    type Input = RegionInput;
    type Output = Chunk;
    const KIND: TaskKind = TaskKind::Region;

    fn procedural(input: &RegionInput, _key: &str) -> Result<Outcome<Chunk>, BackendError> {
        input
            .spec
            .validate()
            .map_err(|e| BackendError::Input(e.to_string()))?;
        let chunk = sprawl_gen::generate_chunk(&input.spec, input.coord);
        let provenance = chunk.provenance.first().cloned().unwrap_or_else(|| {
            Provenance::embedded(
                sprawl_gen::GENERATOR_NAME,
                sprawl_gen::GENERATOR_VERSION,
                sprawl_gen::spec_hash(&input.spec),
            )
        });
        Ok(Outcome {
            value: chunk,
            provenance,
            source: Source::Procedural,
            failures: Vec::new(),
        })
    }

    fn call<'a>(
        backend: &'a dyn Backend,
        input: &'a RegionInput,
        baseline: &'a Chunk,
    ) -> Option<BoxFuture<'a, Result<Chunk, BackendError>>> {
        Some(backend.as_region()?.region(input, baseline))
    }

    fn check(input: &RegionInput, chunk: &Chunk) -> Result<(), String> {
        if chunk.coord != input.coord {
            return Err(format!(
                "answer is chunk {} instead of {}",
                chunk.coord, input.coord
            ));
        }
        for o in &chunk.objects {
            o.mesh
                .validate()
                .map_err(|e| format!("object {}: {e}", o.id))?;
            if !o.transform.is_finite() {
                return Err(format!("object {} has a non-finite transform", o.id));
            }
            if usize::from(o.provenance) >= chunk.provenance.len() {
                return Err(format!("object {} has no provenance record", o.id));
            }
        }
        Ok(())
    }

    fn stamp(chunk: &mut Chunk, provenance: &Provenance) {
        for p in &mut chunk.provenance {
            *p = provenance.clone();
        }
    }
}

/// Object → mesh.
#[derive(Debug)]
pub struct ObjectTask;

/// Most metres along any side of a requested object.
pub const MAX_OBJECT_SIDE: f32 = 1000.0;

fn material_for(class: SemanticClass) -> MaterialKind {
    match class {
        SemanticClass::Building | SemanticClass::Bridge => MaterialKind::Concrete,
        SemanticClass::Tree | SemanticClass::Park => MaterialKind::Foliage,
        SemanticClass::Bench => MaterialKind::Wood,
        SemanticClass::Water => MaterialKind::Water,
        SemanticClass::Road => MaterialKind::Asphalt,
        SemanticClass::Sidewalk => MaterialKind::Paving,
        SemanticClass::Roof => MaterialKind::Roof,
        SemanticClass::Terrain => MaterialKind::Ground,
        _ => MaterialKind::Metal,
    }
}

/// A box of `size` standing on the origin (the procedural stand-in for any object).
pub fn box_mesh(size: [f32; 3], material: MaterialKind) -> MeshData {
    let [w, h, d] = size.map(|v| v / 2.0);
    let h2 = h * 2.0;
    let mut m = MeshData::new(MaterialId::of(material));
    let faces: [([f32; 3], [[f32; 3]; 4]); 6] = [
        (
            [0.0, 0.0, 1.0],
            [[-w, 0.0, d], [w, 0.0, d], [w, h2, d], [-w, h2, d]],
        ),
        (
            [0.0, 0.0, -1.0],
            [[w, 0.0, -d], [-w, 0.0, -d], [-w, h2, -d], [w, h2, -d]],
        ),
        (
            [1.0, 0.0, 0.0],
            [[w, 0.0, d], [w, 0.0, -d], [w, h2, -d], [w, h2, d]],
        ),
        (
            [-1.0, 0.0, 0.0],
            [[-w, 0.0, -d], [-w, 0.0, d], [-w, h2, d], [-w, h2, -d]],
        ),
        (
            [0.0, 1.0, 0.0],
            [[-w, h2, d], [w, h2, d], [w, h2, -d], [-w, h2, -d]],
        ),
        (
            [0.0, -1.0, 0.0],
            [[-w, 0.0, -d], [w, 0.0, -d], [w, 0.0, d], [-w, 0.0, d]],
        ),
    ];
    for (n, c) in faces {
        let uvs = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        m.push_quad(c, n, uvs);
    }
    m
}

impl Task for ObjectTask {
    type Input = ObjectInput;
    type Output = MeshData;
    const KIND: TaskKind = TaskKind::Object;

    fn procedural(input: &ObjectInput, key: &str) -> Result<Outcome<MeshData>, BackendError> {
        if !input
            .size
            .iter()
            .all(|v| v.is_finite() && *v > 0.0 && *v <= MAX_OBJECT_SIDE)
        {
            return Err(BackendError::Input(format!(
                "object size {:?} must be three numbers above 0 and at most {MAX_OBJECT_SIDE} m",
                input.size
            )));
        }
        if input.description.trim().is_empty() || input.description.chars().count() > 2000 {
            return Err(BackendError::Input(
                "object description must be 1 to 2000 characters".into(),
            ));
        }
        let inputs = u64::from_str_radix(key, 16).unwrap_or(0);
        let (provenance, source) = embedded("procedural-object", inputs);
        Ok(Outcome {
            value: box_mesh(input.size, material_for(input.class)),
            provenance,
            source,
            failures: Vec::new(),
        })
    }

    fn call<'a>(
        backend: &'a dyn Backend,
        input: &'a ObjectInput,
        baseline: &'a MeshData,
    ) -> Option<BoxFuture<'a, Result<MeshData, BackendError>>> {
        Some(backend.as_object()?.mesh(input, baseline))
    }

    fn check(input: &ObjectInput, mesh: &MeshData) -> Result<(), String> {
        mesh.validate()?;
        if mesh.is_empty() {
            return Err("the mesh has no triangles".into());
        }
        let (lo, hi) = mesh.bounds().ok_or("the mesh has no vertices")?;
        for k in 0..3 {
            if hi[k] - lo[k] > input.size[k] * 1.001 + 1e-3 {
                return Err(format!(
                    "the mesh is {} m along axis {k}, larger than the requested {} m",
                    hi[k] - lo[k],
                    input.size[k]
                ));
            }
        }
        Ok(())
    }
}
