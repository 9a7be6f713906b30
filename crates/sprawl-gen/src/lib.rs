//! # sprawl-gen
//!
//! Deterministic embedded generation, pure CPU, no network:
//! - [`generate_chunk`]: the procedural city, a pure function of
//!   `(WorldSpec, ChunkCoord, GENERATOR_VERSION)`;
//! - [`prompt`]: free English text → [`WorldSpec`](sprawl_world::WorldSpec);
//! - [`sketch`]: a drawn PNG/JPEG map → [`SketchLayout`](sprawl_world::SketchLayout).
//!
//! ```
//! use sprawl_gen::generate_chunk;
//! use sprawl_world::{ChunkCoord, WorldSpec};
//! let chunk = generate_chunk(&WorldSpec::default(), ChunkCoord::new(0, 0));
//! assert!(!chunk.objects.is_empty());
//! ```

mod city;
pub mod prompt;
pub mod sketch;

pub use city::{ChunkGenerator, GENERATOR_NAME, GENERATOR_VERSION, generate_chunk, spec_hash};
