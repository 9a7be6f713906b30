//! Results of generation backends kept in the world file, and their call log.
//!
//! `sprawl-backends` asks slow, paid services (an LLM, a mesh service) for
//! specs, layouts, chunks and meshes. Their answers must survive a reload so
//! that a world never asks twice for the same thing, and the money spent must
//! survive it too so that a world's budget holds across runs. This module
//! adds two tables to the world file for that:
//!
//! - `backend_cache`: one row per answered request, keyed by a stable hash of
//!   the request (task and inputs), holding the answer as JSON and the
//!   [`Provenance`] of whoever made it;
//! - `backend_calls`: one row per attempt at a backend (outcome, latency,
//!   cost), from which metrics and the money spent are computed;
//! - `backend_chunks`: the base of a chunk as backends made it (a region's
//!   detail, objects' meshes), one row per chunk coordinate. Its objects and
//!   provenance records say which backend, model and version made what, from
//!   which inputs. [`WorldFile::cached_chunk`] (and so
//!   [`WorldFile::load_chunk`] and every loader built on them) prefers it to
//!   the generated base, so once stored it is used offline, without asking
//!   again. An entry is used only while the world's spec and this build's
//!   generator (whose roads and terrain it keeps) are the ones it was made
//!   over, and while it decodes to the chunk and content hash stored.
//!
//! The tables are optional parts of schema version 1: they are created the
//! first time something is written to them (`CREATE TABLE IF NOT EXISTS`),
//! and reads treat a missing table as empty. A file written before they
//! existed therefore opens unchanged, and an older build that does not know
//! them ignores them. API keys never reach these tables: the caller stores
//! only answers, names, models and redacted error text.

use crate::world_file::{hex, now_ms};
use crate::{StoreError, WorldFile};
use rusqlite::{OptionalExtension, params};
use sprawl_gen::{GENERATOR_NAME, GENERATOR_VERSION};
use sprawl_world::{Chunk, ChunkCoord, Provenance};

const CREATE_SQL: &str = "
CREATE TABLE IF NOT EXISTS backend_cache (
    key         TEXT PRIMARY KEY NOT NULL,
    task        TEXT NOT NULL,
    generator   TEXT NOT NULL,
    version     TEXT NOT NULL,
    model       TEXT,
    inputs_hash TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    value       TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS backend_calls (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      INTEGER NOT NULL,
    task       TEXT NOT NULL,
    backend    TEXT NOT NULL,
    model      TEXT,
    outcome    TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    cost       REAL NOT NULL,
    detail     TEXT
) STRICT;
";

const CREATE_CHUNKS_SQL: &str = "
CREATE TABLE IF NOT EXISTS backend_chunks (
    chunk_x           INTEGER NOT NULL,
    chunk_z           INTEGER NOT NULL,
    spec_hash         TEXT NOT NULL,
    generator         TEXT NOT NULL,
    generator_version TEXT NOT NULL,
    made_by           TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    at_ms             INTEGER NOT NULL,
    data              BLOB NOT NULL,
    PRIMARY KEY (chunk_x, chunk_z)
) STRICT;
";

/// A backend's answer to one request, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedResult {
    /// Stable hash of the request (task and inputs); the cache key.
    pub key: String,
    /// Task name (`prompt`, `sketch`, `region`, `object`).
    pub task: String,
    /// Who made it: backend, version, model, inputs hash.
    pub provenance: Provenance,
    /// When it was stored (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// The answer as JSON.
    pub value: String,
}

/// One attempt at a backend, as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// When the attempt ended (milliseconds since the Unix epoch).
    pub at_ms: i64,
    /// Task name.
    pub task: String,
    /// Backend name from the configuration.
    pub backend: String,
    /// Model asked, if any.
    pub model: Option<String>,
    /// `ok`, `failed` (an attempt that failed), `fallback` (the route moved
    /// past this backend) or `skipped` (not tried: circuit open, budget).
    pub outcome: String,
    /// Duration of the attempt (milliseconds).
    pub latency_ms: f64,
    /// Money charged for the attempt (configuration's unit).
    pub cost: f64,
    /// Error text for failures (already free of secrets).
    pub detail: Option<String>,
}

/// Number of cached answers made by one generator and model for one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSummary {
    /// Task name.
    pub task: String,
    /// Generator (backend) name.
    pub generator: String,
    /// Model, if any.
    pub model: Option<String>,
    /// Entries.
    pub count: u64,
}

/// Number of stored backend chunks made with the help of one set of backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendChunkSummary {
    /// The generators of the chunk's provenance other than the procedural
    /// one, sorted and joined by `", "` (e.g. `mesh-jobs:meshes, openai:llm`).
    pub made_by: String,
    /// Chunks.
    pub count: u64,
}

/// A backend chunk that cannot be stored.
fn refuse(world: &WorldFile, detail: String) -> StoreError {
    StoreError::Encode {
        path: world.path().to_owned(),
        what: "a backend chunk",
        detail,
    }
}

impl WorldFile {
    fn backend_chunks_exist(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'backend_chunks'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| StoreError::sqlite(self.path(), e))?;
        Ok(n == 1)
    }

    /// Stores (or replaces) the base of `chunk.coord` as backends made it.
    /// The chunk must be the base **before** edits, over this world's spec
    /// and this build's generator (keeping the generated roads and terrain,
    /// which the caller checks), with a provenance record for every object.
    /// Refused: a chunk of another size, one with an object whose
    /// provenance index has no record, or one with no provenance at all.
    pub fn put_backend_chunk(&self, chunk: &Chunk) -> Result<(), StoreError> {
        if chunk.size != self.spec().chunk_size {
            return Err(refuse(
                self,
                format!(
                    "chunk {} is {} m, the world's chunks are {} m",
                    chunk.coord,
                    chunk.size,
                    self.spec().chunk_size
                ),
            ));
        }
        if chunk.provenance.is_empty() {
            return Err(refuse(
                self,
                format!("chunk {} has no provenance", chunk.coord),
            ));
        }
        if let Some(o) = chunk
            .objects
            .iter()
            .find(|o| usize::from(o.provenance) >= chunk.provenance.len())
        {
            return Err(refuse(
                self,
                format!("object {} has no provenance record", o.id),
            ));
        }
        let data = postcard::to_stdvec(chunk).map_err(|e| refuse(self, e.to_string()))?;
        let mut made_by: Vec<&str> = chunk
            .provenance
            .iter()
            .map(|p| p.generator.as_str())
            .filter(|g| *g != GENERATOR_NAME)
            .collect();
        made_by.sort_unstable();
        made_by.dedup();
        if !self.backend_chunks_exist()? {
            self.conn()
                .execute_batch(CREATE_CHUNKS_SQL)
                .map_err(|e| StoreError::sqlite(self.path(), e))?;
        }
        self.conn()
            .prepare_cached(
                "INSERT OR REPLACE INTO backend_chunks
                 (chunk_x, chunk_z, spec_hash, generator, generator_version, made_by,
                  content_hash, at_ms, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    chunk.coord.x,
                    chunk.coord.z,
                    hex(self.spec_hash()),
                    GENERATOR_NAME,
                    GENERATOR_VERSION,
                    made_by.join(", "),
                    hex(chunk.content_hash()),
                    now_ms(),
                    data
                ])
            })
            .map_err(|e| StoreError::sqlite(self.path(), e))?;
        Ok(())
    }

    /// The base of `coord` as backends made it, if the file holds an entry
    /// made over this world's spec and this build's generator that decodes
    /// to the chunk at `coord` with the content hash stored beside it.
    /// Anything else is a miss (`None`).
    pub fn backend_chunk(&self, coord: ChunkCoord) -> Result<Option<Chunk>, StoreError> {
        if !self.backend_chunks_exist()? {
            return Ok(None);
        }
        self.stored_chunk("backend_chunks", coord)
    }

    /// Stored backend chunks, grouped by the backends that made them.
    pub fn backend_chunk_summary(&self) -> Result<Vec<BackendChunkSummary>, StoreError> {
        if !self.backend_chunks_exist()? {
            return Ok(Vec::new());
        }
        let sql = |e| StoreError::sqlite(self.path(), e);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT made_by, COUNT(*) FROM backend_chunks GROUP BY made_by ORDER BY made_by",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(BackendChunkSummary {
                    made_by: r.get(0)?,
                    count: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    fn backend_tables_exist(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'
                 AND name IN ('backend_cache', 'backend_calls')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| StoreError::sqlite(self.path(), e))?;
        Ok(n == 2)
    }

    fn ensure_backend_tables(&self) -> Result<(), StoreError> {
        if !self.backend_tables_exist()? {
            self.conn()
                .execute_batch(CREATE_SQL)
                .map_err(|e| StoreError::sqlite(self.path(), e))?;
        }
        Ok(())
    }

    /// The cached answer for request `key`, if any.
    pub fn backend_cache_get(&self, key: &str) -> Result<Option<CachedResult>, StoreError> {
        if !self.backend_tables_exist()? {
            return Ok(None);
        }
        self.conn()
            .prepare_cached(
                "SELECT key, task, generator, version, model, inputs_hash, at_ms, value
                 FROM backend_cache WHERE key = ?1",
            )
            .and_then(|mut s| {
                s.query_row([key], |r| {
                    Ok(CachedResult {
                        key: r.get(0)?,
                        task: r.get(1)?,
                        provenance: Provenance {
                            generator: r.get(2)?,
                            version: r.get(3)?,
                            model: r.get(4)?,
                            inputs_hash: r.get(5)?,
                        },
                        at_ms: r.get(6)?,
                        value: r.get(7)?,
                    })
                })
                .optional()
            })
            .map_err(|e| StoreError::sqlite(self.path(), e))
    }

    /// Stores (or replaces) a backend's answer.
    pub fn backend_cache_put(&self, entry: &CachedResult) -> Result<(), StoreError> {
        self.ensure_backend_tables()?;
        let p = &entry.provenance;
        self.conn()
            .prepare_cached(
                "INSERT OR REPLACE INTO backend_cache
                 (key, task, generator, version, model, inputs_hash, at_ms, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    entry.key,
                    entry.task,
                    p.generator,
                    p.version,
                    p.model,
                    p.inputs_hash,
                    entry.at_ms,
                    entry.value
                ])
            })
            .map_err(|e| StoreError::sqlite(self.path(), e))?;
        Ok(())
    }

    /// Cached answers grouped by task, generator and model.
    pub fn backend_cache_summary(&self) -> Result<Vec<CacheSummary>, StoreError> {
        if !self.backend_tables_exist()? {
            return Ok(Vec::new());
        }
        let sql = |e| StoreError::sqlite(self.path(), e);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT task, generator, model, COUNT(*) FROM backend_cache
                 GROUP BY task, generator, model ORDER BY task, generator, model",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(CacheSummary {
                    task: r.get(0)?,
                    generator: r.get(1)?,
                    model: r.get(2)?,
                    count: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    /// Appends attempts to the call log, in one transaction.
    pub fn record_backend_calls(&self, calls: &[CallRecord]) -> Result<(), StoreError> {
        if calls.is_empty() {
            return Ok(());
        }
        self.ensure_backend_tables()?;
        let sql = |e| StoreError::sqlite(self.path(), e);
        let tx = self.conn().unchecked_transaction().map_err(sql)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO backend_calls
                     (at_ms, task, backend, model, outcome, latency_ms, cost, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql)?;
            for c in calls {
                stmt.execute(params![
                    c.at_ms,
                    c.task,
                    c.backend,
                    c.model,
                    c.outcome,
                    c.latency_ms,
                    c.cost,
                    c.detail
                ])
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The whole call log, oldest first.
    pub fn backend_calls(&self) -> Result<Vec<CallRecord>, StoreError> {
        if !self.backend_tables_exist()? {
            return Ok(Vec::new());
        }
        let sql = |e| StoreError::sqlite(self.path(), e);
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT at_ms, task, backend, model, outcome, latency_ms, cost, detail
                 FROM backend_calls ORDER BY seq",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(CallRecord {
                    at_ms: r.get(0)?,
                    task: r.get(1)?,
                    backend: r.get(2)?,
                    model: r.get(3)?,
                    outcome: r.get(4)?,
                    latency_ms: r.get(5)?,
                    cost: r.get(6)?,
                    detail: r.get(7)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)
    }

    /// Money spent on backends over the world's life (sum of logged costs).
    pub fn backend_spent(&self) -> Result<f64, StoreError> {
        if !self.backend_tables_exist()? {
            return Ok(0.0);
        }
        self.conn()
            .query_row(
                "SELECT COALESCE(SUM(cost), 0.0) FROM backend_calls",
                [],
                |r| r.get(0),
            )
            .map_err(|e| StoreError::sqlite(self.path(), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sprawl_world::{Edit, WorldSpec};

    #[test]
    fn a_stored_backend_chunk_is_every_loaders_base_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.sprawl");
        let world = WorldFile::create(&path, &WorldSpec::default(), None, false).expect("create");
        let coord = ChunkCoord::new(0, 0);
        // No table yet: a miss, and the generated base loads.
        assert_eq!(world.backend_chunk(coord).expect("get"), None);
        assert!(world.backend_chunk_summary().expect("summary").is_empty());
        let generated = world.load_chunk(coord).expect("load").chunk;
        // A "detailed" chunk: first object moved up, with its own provenance.
        let mut detailed = generated.clone();
        detailed.provenance.push(Provenance {
            generator: "openai:llm".into(),
            version: "0.1.0".into(),
            model: Some("m".into()),
            inputs_hash: "00ab".into(),
        });
        let first = detailed.objects[0].id;
        detailed.objects[0].transform.translation.y += 5.0;
        detailed.objects[0].provenance = 1;
        world.put_backend_chunk(&detailed).expect("put");
        let mut world = WorldFile::open(&path).expect("reopen");
        world.set_cache_writes(false);
        assert_eq!(
            world.cached_chunk(coord).expect("cached"),
            Some(detailed.clone())
        );
        assert_eq!(
            world.generated_cached_chunk(coord).expect("generated"),
            Some(generated.clone()),
            "the generated base is still cached beside it"
        );
        // Edits apply over the backend's base.
        world
            .append_edit(&Edit::Remove { id: first })
            .expect("edit");
        let live = world.load_chunk(coord).expect("load");
        assert!(live.from_cache);
        assert!(live.chunk.object(first).is_none());
        assert_eq!(live.chunk.objects.len(), detailed.objects.len() - 1);
        assert_eq!(live.chunk.provenance, detailed.provenance);
        assert_eq!(
            world.backend_chunk_summary().expect("summary"),
            vec![BackendChunkSummary {
                made_by: "openai:llm".into(),
                count: 1
            }]
        );
        // Refused: another size, a dangling provenance index, no provenance.
        let mut wrong = detailed.clone();
        wrong.size = 64.0;
        assert!(world.put_backend_chunk(&wrong).is_err());
        let mut dangling = detailed.clone();
        dangling.objects[1].provenance = 9;
        let e = world.put_backend_chunk(&dangling).expect_err("dangling");
        assert!(e.to_string().contains("no provenance record"), "{e}");
        let mut bare = detailed.clone();
        bare.provenance.clear();
        bare.objects.clear();
        assert!(world.put_backend_chunk(&bare).is_err());
        assert_eq!(world.backend_chunk(coord).expect("get"), Some(detailed));
        // A damaged entry is a miss, and the generated base is used again.
        world
            .conn()
            .execute("UPDATE backend_chunks SET content_hash = '0'", [])
            .expect("damage");
        assert_eq!(world.backend_chunk(coord).expect("get"), None);
        assert_eq!(world.cached_chunk(coord).expect("cached"), Some(generated));
    }

    #[test]
    fn cache_and_log_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.sprawl");
        let world = WorldFile::create(&path, &WorldSpec::default(), None, false).expect("create");
        assert_eq!(world.backend_cache_get("k").expect("get"), None);
        assert_eq!(world.backend_spent().expect("spent"), 0.0);
        assert!(world.backend_calls().expect("calls").is_empty());
        let entry = CachedResult {
            key: "k".into(),
            task: "prompt".into(),
            provenance: Provenance {
                generator: "openai".into(),
                version: "1".into(),
                model: Some("m".into()),
                inputs_hash: "00ff".into(),
            },
            at_ms: 5,
            value: "{}".into(),
        };
        world.backend_cache_put(&entry).expect("put");
        let call = CallRecord {
            at_ms: 6,
            task: "prompt".into(),
            backend: "llm".into(),
            model: Some("m".into()),
            outcome: "ok".into(),
            latency_ms: 12.5,
            cost: 0.25,
            detail: None,
        };
        world
            .record_backend_calls(&[call.clone(), call.clone()])
            .expect("log");
        drop(world);
        let world = WorldFile::open(&path).expect("reopen");
        assert_eq!(world.backend_cache_get("k").expect("get"), Some(entry));
        assert_eq!(
            world.backend_calls().expect("calls"),
            vec![call.clone(), call]
        );
        assert_eq!(world.backend_spent().expect("spent"), 0.5);
        let summary = world.backend_cache_summary().expect("summary");
        assert_eq!(summary.len(), 1);
        assert_eq!(summary[0].count, 1);
    }
}
