//! # sprawl-store
//!
//! Persistence and export for Sprawl worlds:
//! - the world file: one SQLite file per world (spec, versions, provenance,
//!   a cache of generated chunks, and a journal of edits over the generated base);
//! - [`export`]: GLB (glTF 2.0 binary) of a region and top-down PNG maps.

pub mod export;
