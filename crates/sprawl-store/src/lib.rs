//! # sprawl-store
//!
//! Persistence and export for Sprawl worlds:
//! - [`WorldFile`]: the world file, one SQLite file per world (spec, versions,
//!   provenance, a cache of generated chunks, and a journal of edits over the
//!   generated base); see [`world_file`];
//! - [`backend_cache`]: answers of generation backends and their call log,
//!   kept in the world file so that a reload never asks a backend again;
//! - [`export`]: GLB (glTF 2.0 binary) of a region and top-down PNG maps.

pub mod backend_cache;
mod error;
pub mod export;
pub mod world_file;

pub use backend_cache::{BackendChunkSummary, CacheSummary, CachedResult, CallRecord};
pub use error::StoreError;
pub use world_file::{
    APPLICATION_ID, EditCounts, JournalEntry, LoadedChunk, SCHEMA_VERSION, WorldFile, WorldInfo,
    spec_hash,
};
