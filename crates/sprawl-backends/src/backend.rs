//! The backend traits: one per task, and one that ties a backend together.
//!
//! A backend implements [`Backend`] (its name, kind, model, version) and
//! one trait per task it can do, returning it from the matching `as_…`
//! method. The orchestrator only ever sees these traits; see
//! [`registry`](crate::registry) for how a kind is registered.

use crate::error::BackendError;
use crate::task::{ObjectInput, PromptInput, RegionInput, SketchInput, TaskKind};
use sprawl_world::{Chunk, MeshData, SketchLayout, WorldSpec};
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future (the traits are object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Prompt → world spec.
pub trait PromptBackend: Send + Sync {
    /// A spec for the prompt. `baseline` is the embedded interpreter's
    /// answer; a backend may refine it. The answer is checked with
    /// [`WorldSpec::validate`] before use.
    fn world_spec<'a>(
        &'a self,
        input: &'a PromptInput,
        baseline: &'a WorldSpec,
    ) -> BoxFuture<'a, Result<WorldSpec, BackendError>>;
}

/// Sketch → layout.
pub trait SketchBackend: Send + Sync {
    /// A layout for the sketch, covering the same area as `baseline`.
    fn layout<'a>(
        &'a self,
        input: &'a SketchInput,
        baseline: &'a SketchLayout,
    ) -> BoxFuture<'a, Result<SketchLayout, BackendError>>;
}

/// Region → detailed chunk.
pub trait RegionBackend: Send + Sync {
    /// The chunk's detail. It must keep `baseline`'s terrain and roads, so
    /// that seams with procedural neighbours stay exact.
    fn region<'a>(
        &'a self,
        input: &'a RegionInput,
        baseline: &'a Chunk,
    ) -> BoxFuture<'a, Result<Chunk, BackendError>>;
}

/// Object → mesh.
pub trait ObjectBackend: Send + Sync {
    /// A mesh in the object's local frame (metres, Y up, base on y = 0),
    /// fitting the requested size.
    fn mesh<'a>(
        &'a self,
        input: &'a ObjectInput,
        baseline: &'a MeshData,
    ) -> BoxFuture<'a, Result<MeshData, BackendError>>;
}

/// A configured backend.
pub trait Backend: Send + Sync {
    /// Its name in the configuration.
    fn name(&self) -> &str;
    /// Its kind (`openai`, `mesh-jobs`, …).
    fn kind(&self) -> &'static str;
    /// The model it asks, if any.
    fn model(&self) -> Option<&str>;
    /// Version recorded in provenance.
    fn version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }
    /// Prompt support.
    fn as_prompt(&self) -> Option<&dyn PromptBackend> {
        None
    }
    /// Sketch support.
    fn as_sketch(&self) -> Option<&dyn SketchBackend> {
        None
    }
    /// Region support.
    fn as_region(&self) -> Option<&dyn RegionBackend> {
        None
    }
    /// Object support.
    fn as_object(&self) -> Option<&dyn ObjectBackend> {
        None
    }
    /// Whether it can do `task`.
    fn supports(&self, task: TaskKind) -> bool {
        match task {
            TaskKind::Prompt => self.as_prompt().is_some(),
            TaskKind::Sketch => self.as_sketch().is_some(),
            TaskKind::Region => self.as_region().is_some(),
            TaskKind::Object => self.as_object().is_some(),
        }
    }
}
