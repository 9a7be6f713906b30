//! # sprawl-backends
//!
//! Generation backends for Sprawl and the orchestrator that runs them.
//! The embedded procedural generator answers every request at once; better
//! backends (an LLM that writes the [`WorldSpec`](sprawl_world::WorldSpec)
//! or a region's detail, a mesh service that makes an object) replace its
//! answer when they answer, and never make the caller wait.
//!
//! - [`config`]: the TOML configuration (routes per task, backends, budget;
//!   keys only from environment variables);
//! - [`backend`] and [`registry`]: one trait per task, one registration
//!   per backend kind;
//! - backends: `procedural` (built in, [`task`]), [`openai`] (any
//!   OpenAI-compatible chat-completions server, schema-constrained JSON),
//!   [`mesh_jobs`] (an asynchronous text-to-3D job API returning GLB,
//!   checked by [`glb`]);
//! - [`orchestrator`]: routing, fallback, retries with backoff and jitter
//!   honouring `Retry-After`, circuit breakers, concurrency limits, the
//!   budget, de-duplication, the cache ([`store`]: in the world file, so a
//!   reload never asks again), provenance and [`metrics`];
//! - [`detail`]: chunk detail (a region's answer, props' meshes) asked in
//!   the background and stored in the world file, where every loader then
//!   finds it;
//! - [`server`]: the orchestrator over HTTP (`sprawl serve-gen`).
//!
//! ```
//! use sprawl_backends::{Config, MemoryStore, Orchestrator, PromptInput, PromptTask};
//! use std::sync::Arc;
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! // No configuration: everything is procedural and offline.
//! let orch = Orchestrator::new(&Config::default(), Arc::new(MemoryStore::default()), rt.handle().clone());
//! let pending = orch
//!     .request::<PromptTask>(PromptInput { text: "a hilly harbour town".into(), seed: 7 })
//!     .unwrap();
//! assert!(!pending.is_pending());
//! assert_eq!(pending.immediate().value.seed, 7);
//! ```

pub mod backend;
mod breaker;
pub mod config;
pub mod detail;
pub mod draft;
pub mod error;
pub mod glb;
pub mod http;
pub mod mesh_jobs;
pub mod metrics;
pub mod openai;
pub mod orchestrator;
pub mod registry;
mod retry;
pub mod server;
pub mod store;
pub mod task;

pub use backend::Backend;
pub use breaker::BreakerState;
pub use config::Config;
pub use detail::{ChunkDetailer, DetailError, DetailEvent, DetailStats};
pub use error::{BackendError, ConfigError, ServeError};
pub use orchestrator::{BackendStatus, Orchestrator, Pending, RouteError};
pub use retry::RetryPolicy;
pub use store::{MemoryStore, ResultStore, WorldStore};
pub use task::{
    Failure, ObjectInput, ObjectTask, Outcome, PromptInput, PromptTask, RegionInput, RegionTask,
    SketchInput, SketchTask, Source, Task, TaskKind,
};
