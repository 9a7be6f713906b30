//! The world file: one SQLite file per world.
//!
//! A world file holds everything needed to rebuild a world exactly:
//!
//! - the [`WorldSpec`] (as JSON) and the [`Provenance`] of the spec (which
//!   interpreter made it, from which prompt);
//! - the name and version of the generator that created the world;
//! - a **cache of generated chunks** (postcard bytes of [`Chunk`]), keyed by
//!   chunk coordinate, generator name and version, and a hash of the spec
//!   ([`spec_hash`]); an entry whose key no longer matches is ignored and the
//!   chunk is regenerated;
//! - a **journal of edits** ([`Edit`]) over the generated base, one SQLite
//!   transaction per edit, each with a sequence number, a timestamp and the
//!   owning chunk (indexed, so loading a chunk reads only its own edits).
//!
//! Loading a chunk ([`WorldFile::load_chunk`]) takes the cached base (or
//! generates it with [`sprawl_gen::generate_chunk`]) and reapplies the chunk's
//! edits in journal order with [`apply_edits`].
//!
//! The file is marked with `PRAGMA application_id` = [`APPLICATION_ID`]
//! (`"SPRW"`) and `PRAGMA user_version` = [`SCHEMA_VERSION`], and runs in WAL
//! mode with `synchronous = FULL`: an edit whose [`WorldFile::append_edit`]
//! returned survives the process being killed and the machine losing power.
//!
//! [`WorldFile::open`] refuses anything that is not an intact Sprawl world of
//! a version this build understands, with a [`StoreError`] that names the
//! file and the problem, and **without modifying the file** (it checks the
//! header bytes itself, then validates through a read-only connection, and
//! only then opens the file for writing).
//!
//! ```
//! use sprawl_store::WorldFile;
//! use sprawl_world::{ChunkCoord, Edit, Transform, WorldSpec};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("demo.sprawl");
//! let mut world = WorldFile::create(&path, &WorldSpec::default(), None, false)?;
//! let coord = ChunkCoord::new(0, 0);
//! let base = world.load_chunk(coord)?.chunk;
//! if let Some(first) = base.objects.first() {
//!     let moved = Transform::from_translation(glam::Vec3::new(1.0, 2.0, 3.0));
//!     world.append_edit(&Edit::Move { id: first.id, transform: moved })?;
//!     drop(world);
//!     let world = WorldFile::open(&path)?;
//!     let live = world.load_chunk(coord)?.chunk;
//!     assert_eq!(live.object(first.id).map(|o| o.transform), Some(moved));
//! }
//! # Ok(()) }
//! ```

mod schema;
mod validate;

use crate::StoreError;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use sprawl_gen::{GENERATOR_NAME, GENERATOR_VERSION, generate_chunk};
use sprawl_world::{
    Chunk, ChunkCoord, Edit, EditError, Object, ObjectId, Provenance, WorldSpec, apply_edits,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of every world file: the bytes `"SPRW"`.
pub const APPLICATION_ID: u32 = 0x5350_5257;

/// Schema version written by this build (`PRAGMA user_version`). Files with a
/// larger version are refused with [`StoreError::SchemaTooNew`].
pub const SCHEMA_VERSION: u32 = 1;

/// How long a write waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Keys of the `meta` table.
mod meta_key {
    pub const SPEC: &str = "spec";
    pub const SPEC_PROVENANCE: &str = "spec_provenance";
    pub const GENERATOR_NAME: &str = "generator_name";
    pub const GENERATOR_VERSION: &str = "generator_version";
    pub const CREATED_AT_MS: &str = "created_at_ms";
    pub const CREATED_BY: &str = "created_by";
}

/// The spec hash in chunk-cache keys is the generator's own (it goes into provenance too).
pub use sprawl_gen::spec_hash;

pub(crate) fn hex(v: u64) -> String {
    format!("{v:016x}")
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// One entry of the edit journal.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// Sequence number: increasing in commit order, never reused, starts at 1.
    pub seq: u64,
    /// When it was committed (milliseconds since the Unix epoch, wall clock).
    pub at_ms: i64,
    /// The edit.
    pub edit: Edit,
}

/// A chunk as the world has it now: generated base plus the journal's edits.
#[derive(Debug, Clone)]
pub struct LoadedChunk {
    /// The live chunk.
    pub chunk: Chunk,
    /// Edits of this chunk that no longer apply (e.g. a move of an object the
    /// generator no longer makes), with the reason; the caller should report them.
    pub rejected: Vec<(Edit, EditError)>,
    /// Whether the base came from the chunk cache (else it was generated).
    pub from_cache: bool,
}

/// Number of journal entries of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditCounts {
    /// [`Edit::Move`] entries.
    pub moves: u64,
    /// [`Edit::Add`] entries.
    pub adds: u64,
    /// [`Edit::Remove`] entries.
    pub removes: u64,
    /// [`Edit::DynamicState`] entries.
    pub dynamic_states: u64,
}

impl EditCounts {
    /// All entries.
    pub fn total(&self) -> u64 {
        self.moves + self.adds + self.removes + self.dynamic_states
    }
}

/// A summary of a world file, for `sprawl info` and the like.
#[derive(Debug, Clone)]
pub struct WorldInfo {
    /// The file.
    pub path: PathBuf,
    /// Schema version of the file.
    pub schema_version: u32,
    /// The world's spec.
    pub spec: WorldSpec,
    /// The spec's seed.
    pub seed: u64,
    /// [`spec_hash`] of the spec.
    pub spec_hash: u64,
    /// Where the spec came from, if recorded.
    pub spec_provenance: Option<Provenance>,
    /// Generator that created the world.
    pub created_generator_name: String,
    /// Version of the generator that created the world.
    pub created_generator_version: String,
    /// Generator of this build ([`sprawl_gen::GENERATOR_NAME`]).
    pub generator_name: String,
    /// Generator version of this build ([`sprawl_gen::GENERATOR_VERSION`]);
    /// differs from `created_generator_version` when the city has been
    /// regenerated by a newer generator.
    pub generator_version: String,
    /// When the file was created (milliseconds since the Unix epoch; 0 if unknown).
    pub created_at_ms: i64,
    /// Journal entries by kind.
    pub edits: EditCounts,
    /// Chunks in the cache, valid or not.
    pub cached_chunks: u64,
    /// Cached chunks whose key no longer matches (another generator version or spec).
    pub stale_cached_chunks: u64,
}

/// An open world file. See the [module documentation](self).
///
/// Reads take `&self`; journal writes take `&mut self`. One `WorldFile` is
/// one SQLite connection: it is `Send` but not `Sync`. Several processes may
/// open the same file; writes wait up to 10 s for each other.
#[derive(Debug)]
pub struct WorldFile {
    path: PathBuf,
    conn: Connection,
    spec: WorldSpec,
    spec_hash: u64,
    spec_provenance: Option<Provenance>,
    created_generator_name: String,
    created_generator_version: String,
    created_at_ms: i64,
    write_cache: bool,
}

impl WorldFile {
    /// Creates a new world file at `path` for `spec` and opens it.
    ///
    /// `spec_provenance` records where the spec came from (e.g. the prompt
    /// interpreter and its version). The spec is validated first. If anything
    /// already exists at `path`, creation fails with
    /// [`StoreError::AlreadyExists`] and the existing file is untouched,
    /// unless `force` is set, in which case it is replaced (along with any
    /// `-wal`/`-shm` files beside it; do not force-replace a world another
    /// process has open). The new file is built under a temporary name in the
    /// same directory and renamed into place, so `path` never holds a
    /// half-written world. A missing directory is
    /// [`StoreError::NoDirectory`]. On Unix the file gets the mode of any
    /// new file (`0o666` less the umask, typically `0o644`), also when it
    /// replaces one.
    pub fn create(
        path: impl AsRef<Path>,
        spec: &WorldSpec,
        spec_provenance: Option<&Provenance>,
        force: bool,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref();
        spec.validate().map_err(|source| StoreError::Spec {
            path: path.to_owned(),
            source,
        })?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        check_directory(dir, path)?;
        let exists = match std::fs::symlink_metadata(path) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(StoreError::io(path, e)),
        };
        if exists && !force {
            return Err(StoreError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let encode = |what, e: serde_json::Error| StoreError::Encode {
            path: path.to_owned(),
            what,
            detail: e.to_string(),
        };
        let spec_json = serde_json::to_string(spec).map_err(|e| encode("the world spec", e))?;
        let provenance_json = serde_json::to_string(&spec_provenance)
            .map_err(|e| encode("the spec provenance", e))?;

        let tmp = temp_file_in(dir, path)?;
        build_new_file(&tmp, &spec_json, &provenance_json)
            .map_err(|e| StoreError::sqlite(path, e))?;

        // A `-wal` beside the target belongs to the file being replaced or is
        // an orphan; SQLite would replay it onto the new file, so remove it.
        for suffix in ["-wal", "-shm", "-journal"] {
            let p = validate::companion(path, suffix);
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(&p, e)),
            }
        }
        if force {
            tmp.persist(path)
                .map_err(|e| StoreError::io(path, e.error))?;
        } else {
            tmp.persist_noclobber(path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    StoreError::AlreadyExists {
                        path: path.to_owned(),
                    }
                } else {
                    StoreError::io(path, e.error)
                }
            })?;
        }
        // Make the rename durable; not every platform can sync a directory.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Self::open(path)
    }

    /// Opens an existing world file.
    ///
    /// Refuses, without modifying the file: a missing file
    /// ([`StoreError::NotFound`]); a file that is not SQLite at all
    /// ([`StoreError::NotSqlite`]); an SQLite database of another application
    /// ([`StoreError::WrongApplication`]); a truncated or corrupt file
    /// ([`StoreError::Truncated`], [`StoreError::Corrupt`]); a newer schema
    /// ([`StoreError::SchemaTooNew`]) or a spec written by a newer Sprawl
    /// ([`StoreError::Spec`] with [`SpecError::TooNew`](sprawl_world::SpecError::TooNew)).
    ///
    /// The whole file is integrity-checked (`PRAGMA quick_check`), which
    /// reads it once.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let meta = Self::validate_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::sqlite(path, e))?;
        configure(&conn).map_err(|e| StoreError::sqlite(path, e))?;
        let spec_hash = spec_hash(&meta.spec);
        Ok(Self {
            path: path.to_owned(),
            conn,
            spec: meta.spec,
            spec_hash,
            spec_provenance: meta.spec_provenance,
            created_generator_name: meta.generator_name,
            created_generator_version: meta.generator_version,
            created_at_ms: meta.created_at_ms,
            write_cache: true,
        })
    }

    /// The open SQLite connection, for other modules of this crate that
    /// keep their own tables in the world file (see [`crate::backend_cache`]).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The world's spec.
    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }

    /// Where the spec came from, if recorded.
    pub fn spec_provenance(&self) -> Option<&Provenance> {
        self.spec_provenance.as_ref()
    }

    /// [`spec_hash`] of the world's spec (part of the chunk-cache key).
    pub fn spec_hash(&self) -> u64 {
        self.spec_hash
    }

    /// Whether [`load_chunk`](Self::load_chunk) stores chunks it had to
    /// generate in the cache (on by default).
    pub fn set_cache_writes(&mut self, on: bool) {
        self.write_cache = on;
    }

    fn sql_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, e)
    }

    fn corrupt(&self, detail: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            detail,
        }
    }

    /// A summary: spec, seed, versions, provenance, edit counts, cache size.
    pub fn info(&self) -> Result<WorldInfo, StoreError> {
        let mut edits = EditCounts::default();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT op, COUNT(*) FROM edits GROUP BY op")
                .map_err(|e| self.sql_err(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(|e| self.sql_err(e))?;
            for row in rows {
                let (op, n) = row.map_err(|e| self.sql_err(e))?;
                let n = u64::try_from(n).unwrap_or(0);
                match op.as_str() {
                    "move" => edits.moves = n,
                    "add" => edits.adds = n,
                    "remove" => edits.removes = n,
                    "dynamic_state" => edits.dynamic_states = n,
                    other => {
                        return Err(
                            self.corrupt(format!("unknown edit op `{other}` in the journal"))
                        );
                    }
                }
            }
        }
        let (cached, stale): (i64, i64) = self
            .conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(generator != ?1 OR generator_version != ?2 OR spec_hash != ?3), 0)
                 FROM chunk_cache",
                params![GENERATOR_NAME, GENERATOR_VERSION, hex(self.spec_hash)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.sql_err(e))?;
        let schema_version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.sql_err(e))?;
        Ok(WorldInfo {
            path: self.path.clone(),
            schema_version: schema_version as u32,
            spec: self.spec.clone(),
            seed: self.spec.seed,
            spec_hash: self.spec_hash,
            spec_provenance: self.spec_provenance.clone(),
            created_generator_name: self.created_generator_name.clone(),
            created_generator_version: self.created_generator_version.clone(),
            generator_name: GENERATOR_NAME.to_owned(),
            generator_version: GENERATOR_VERSION.to_owned(),
            created_at_ms: self.created_at_ms,
            edits,
            cached_chunks: u64::try_from(cached).unwrap_or(0),
            stale_cached_chunks: u64::try_from(stale).unwrap_or(0),
        })
    }

    // ----------------------------------------------------------------- journal

    /// Appends `edit` to the journal in its own transaction and returns its
    /// sequence number. When this returns `Ok`, the edit is on disk.
    ///
    /// Checks before writing: [`Edit::validate`] (no NaN or infinite numbers);
    /// an [`Edit::Add`] must carry a user id ([`ObjectId::USER_BIT`]; see
    /// [`next_user_object_id`](Self::next_user_object_id)) not already added
    /// in the journal. It does **not** check that a moved or removed object
    /// exists (that needs the chunk generated); use
    /// [`apply_edit`](Self::apply_edit) or [`find_object`](Self::find_object)
    /// for that. An edit that turns out not to apply is reported by
    /// [`load_chunk`](Self::load_chunk), not silently dropped.
    pub fn append_edit(&mut self, edit: &Edit) -> Result<u64, StoreError> {
        edit.validate().map_err(|source| StoreError::Edit {
            path: self.path.clone(),
            source,
        })?;
        let id = edit.object_id();
        if matches!(edit, Edit::Add { .. }) && !id.is_user() {
            return Err(StoreError::NotAUserId {
                path: self.path.clone(),
                id,
            });
        }
        let json = serde_json::to_string(edit).map_err(|e| StoreError::Encode {
            path: self.path.clone(),
            what: "an edit",
            detail: e.to_string(),
        })?;
        let sql = |e| StoreError::sqlite(&self.path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        if matches!(edit, Edit::Add { .. }) {
            let taken: Option<i64> = tx
                .prepare_cached(
                    "SELECT 1 FROM edits WHERE chunk_x = ?1 AND chunk_z = ?2 AND object_local = ?3
                     AND op = 'add' LIMIT 1",
                )
                .and_then(|mut s| {
                    s.query_row(params![id.chunk.x, id.chunk.z, i64::from(id.local)], |r| {
                        r.get(0)
                    })
                    .optional()
                })
                .map_err(sql)?;
            if taken.is_some() {
                return Err(StoreError::Edit {
                    path: self.path.clone(),
                    source: EditError::DuplicateObject(id),
                });
            }
        }
        tx.prepare_cached(
            "INSERT INTO edits (at_ms, chunk_x, chunk_z, object_local, op, edit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                now_ms(),
                id.chunk.x,
                id.chunk.z,
                i64::from(id.local),
                edit.op(),
                json
            ])
        })
        .map_err(sql)?;
        let seq = tx.last_insert_rowid();
        tx.commit().map_err(sql)?;
        u64::try_from(seq).map_err(|_| self.corrupt(format!("negative sequence number {seq}")))
    }

    /// Like [`append_edit`](Self::append_edit), but first checks that the
    /// edit applies to the live chunk (the moved or removed object exists, an
    /// added id is free), so a command line can refuse `edit move ID` for an
    /// id that was never generated or was removed. Costs a chunk load.
    pub fn apply_edit(&mut self, edit: &Edit) -> Result<u64, StoreError> {
        edit.validate().map_err(|source| StoreError::Edit {
            path: self.path.clone(),
            source,
        })?;
        let mut live = self.load_chunk(edit.object_id().chunk)?.chunk;
        if let Some((_, source)) = apply_edits(&mut live, [edit]).into_iter().next() {
            return Err(StoreError::Edit {
                path: self.path.clone(),
                source,
            });
        }
        self.append_edit(edit)
    }

    /// Adds `object` to chunk `chunk` under a fresh user id (overwriting
    /// `object.id`), chosen and journalled in one transaction so that
    /// concurrent writers never hand out the same id. Returns the sequence
    /// number and the id.
    pub fn add_object(
        &mut self,
        chunk: ChunkCoord,
        mut object: Object,
        provenance: Provenance,
    ) -> Result<(u64, ObjectId), StoreError> {
        // The write lock is taken by `append_edit`'s IMMEDIATE transaction; a
        // racing writer that takes the same id first makes our append fail
        // with DuplicateObject, so retry a few times.
        let mut last = None;
        for _ in 0..8 {
            object.id = self.next_user_object_id(chunk)?;
            let edit = Edit::Add {
                object: Box::new(object.clone()),
                provenance: provenance.clone(),
            };
            match self.append_edit(&edit) {
                Ok(seq) => return Ok((seq, object.id)),
                Err(
                    e @ StoreError::Edit {
                        source: EditError::DuplicateObject(_),
                        ..
                    },
                ) => {
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(StoreError::IdsExhausted {
            path: self.path.clone(),
            chunk,
        }))
    }

    /// The next free user object id in `chunk`: one past the largest user id
    /// ever added there according to the journal (ids of removed objects are
    /// not reused), starting at `USER_BIT | 1`.
    pub fn next_user_object_id(&self, chunk: ChunkCoord) -> Result<ObjectId, StoreError> {
        let max: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT MAX(object_local) FROM edits
                 WHERE chunk_x = ?1 AND chunk_z = ?2 AND op = 'add' AND object_local >= ?3",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![chunk.x, chunk.z, i64::from(ObjectId::USER_BIT)],
                    |r| r.get(0),
                )
            })
            .map_err(|e| self.sql_err(e))?;
        let next = match max {
            None => Some(ObjectId::USER_BIT | 1),
            Some(m) => u32::try_from(m)
                .map_err(|_| self.corrupt(format!("object key {m} out of range in the journal")))?
                .checked_add(1),
        };
        match next {
            Some(local) => Ok(ObjectId::new(chunk, local)),
            None => Err(StoreError::IdsExhausted {
                path: self.path.clone(),
                chunk,
            }),
        }
    }

    fn read_entries(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.sql_err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at_ms, x, z, json) = row.map_err(|e| self.sql_err(e))?;
            let edit: Edit = serde_json::from_str(&json)
                .map_err(|e| self.corrupt(format!("journal entry {seq} does not parse: {e}")))?;
            let owner = edit.object_id().chunk;
            if (i64::from(owner.x), i64::from(owner.z)) != (x, z) {
                return Err(self.corrupt(format!(
                    "journal entry {seq} is filed under chunk ({x}, {z}) but edits an object of chunk {owner}"
                )));
            }
            let seq = u64::try_from(seq)
                .map_err(|_| self.corrupt(format!("negative sequence number {seq}")))?;
            out.push(JournalEntry { seq, at_ms, edit });
        }
        Ok(out)
    }

    /// The journal entries of objects owned by `chunk`, in journal order.
    pub fn edits_for_chunk(&self, chunk: ChunkCoord) -> Result<Vec<JournalEntry>, StoreError> {
        self.read_entries(
            "SELECT seq, at_ms, chunk_x, chunk_z, edit FROM edits
             WHERE chunk_x = ?1 AND chunk_z = ?2 ORDER BY seq",
            params![chunk.x, chunk.z],
        )
    }

    /// The whole journal, in order.
    pub fn all_edits(&self) -> Result<Vec<JournalEntry>, StoreError> {
        self.read_entries(
            "SELECT seq, at_ms, chunk_x, chunk_z, edit FROM edits ORDER BY seq",
            [],
        )
    }

    /// Every chunk that has at least one journal entry, sorted.
    pub fn edited_chunks(&self) -> Result<Vec<ChunkCoord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT chunk_x, chunk_z FROM edits ORDER BY chunk_x, chunk_z")
            .map_err(|e| self.sql_err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.sql_err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (x, z) = row.map_err(|e| self.sql_err(e))?;
            match (i32::try_from(x), i32::try_from(z)) {
                (Ok(x), Ok(z)) => out.push(ChunkCoord::new(x, z)),
                _ => {
                    return Err(
                        self.corrupt(format!("chunk ({x}, {z}) out of range in the journal"))
                    );
                }
            }
        }
        Ok(out)
    }

    // ------------------------------------------------------------------ chunks

    /// The chunk at `coord` as the world has it now: the cached base if the
    /// cache holds a valid one, else freshly generated (and cached, unless
    /// [`set_cache_writes(false)`](Self::set_cache_writes)), with the
    /// chunk's journal entries reapplied in order.
    pub fn load_chunk(&self, coord: ChunkCoord) -> Result<LoadedChunk, StoreError> {
        let (mut chunk, from_cache) = match self.cached_chunk(coord)? {
            Some(c) => (c, true),
            None => {
                let c = generate_chunk(&self.spec, coord);
                if self.write_cache {
                    self.cache_chunk(&c)?;
                }
                (c, false)
            }
        };
        let entries = self.edits_for_chunk(coord)?;
        let rejected = apply_edits(&mut chunk, entries.iter().map(|e| &e.edit));
        Ok(LoadedChunk {
            chunk,
            rejected,
            from_cache,
        })
    }

    /// The object `id` as the world has it now (after edits), or `None` if
    /// it was never generated or added, or has been removed. Loads the
    /// owning chunk.
    pub fn find_object(&self, id: ObjectId) -> Result<Option<Object>, StoreError> {
        let loaded = self.load_chunk(id.chunk)?;
        Ok(loaded.chunk.objects.into_iter().find(|o| o.id == id))
    }

    /// Like [`find_object`](Self::find_object), but an absent object is
    /// [`StoreError::Edit`] with [`EditError::UnknownObject`].
    pub fn require_object(&self, id: ObjectId) -> Result<Object, StoreError> {
        self.find_object(id)?.ok_or_else(|| StoreError::Edit {
            path: self.path.clone(),
            source: EditError::UnknownObject(id),
        })
    }

    /// The stored base of `coord`, before edits: a generation backend's
    /// answer for the chunk if the file holds a valid one
    /// ([`backend_chunk`](Self::backend_chunk)), else the cached generated
    /// base if the cache holds one whose key matches this build's generator
    /// name and version and the world's spec hash, that decodes, and whose
    /// content hash matches the one stored with it. Anything else is a miss
    /// (`None`); the stale entry stays until overwritten or
    /// [`prune_cache`](Self::prune_cache). Every loader goes through here,
    /// so a backend's answer, once stored, is what every reader sees.
    pub fn cached_chunk(&self, coord: ChunkCoord) -> Result<Option<Chunk>, StoreError> {
        if let Some(answer) = self.backend_chunk(coord)? {
            return Ok(Some(answer));
        }
        self.generated_cached_chunk(coord)
    }

    /// The cached generated base of `coord` only (see
    /// [`cached_chunk`](Self::cached_chunk)), ignoring any backend answer.
    pub fn generated_cached_chunk(&self, coord: ChunkCoord) -> Result<Option<Chunk>, StoreError> {
        self.stored_chunk("chunk_cache", coord)
    }

    /// The chunk stored for `coord` in `table` (`chunk_cache` or
    /// `backend_chunks`, which share these columns), if its key matches this
    /// build's generator name and version and the world's spec hash, it
    /// decodes, and it is the chunk at `coord` with the content hash stored
    /// beside it. Anything else is a miss (`None`).
    pub(crate) fn stored_chunk(
        &self,
        table: &'static str,
        coord: ChunkCoord,
    ) -> Result<Option<Chunk>, StoreError> {
        let row: Option<(String, String, String, String, Vec<u8>)> = self
            .conn
            .prepare_cached(&format!(
                "SELECT generator, generator_version, spec_hash, content_hash, data
                 FROM {table} WHERE chunk_x = ?1 AND chunk_z = ?2"
            ))
            .and_then(|mut s| {
                s.query_row(params![coord.x, coord.z], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
            .map_err(|e| self.sql_err(e))?;
        let Some((generator, version, spec_hash, content_hash, data)) = row else {
            return Ok(None);
        };
        if generator != GENERATOR_NAME
            || version != GENERATOR_VERSION
            || spec_hash != hex(self.spec_hash)
        {
            return Ok(None);
        }
        let Ok(chunk) = postcard::from_bytes::<Chunk>(&data) else {
            return Ok(None);
        };
        if chunk.coord != coord || hex(chunk.content_hash()) != content_hash {
            return Ok(None);
        }
        Ok(Some(chunk))
    }

    /// Stores a generated chunk in the cache under the current key (replacing
    /// any entry for its coordinate). The chunk must be the generator's
    /// output for this world's spec, **before** edits: the cache cannot tell
    /// an edited chunk from a generated one.
    pub fn cache_chunk(&self, chunk: &Chunk) -> Result<(), StoreError> {
        let data = postcard::to_stdvec(chunk).map_err(|e| StoreError::Encode {
            path: self.path.clone(),
            what: "a chunk",
            detail: e.to_string(),
        })?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO chunk_cache
                 (chunk_x, chunk_z, generator, generator_version, spec_hash, content_hash, at_ms, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    chunk.coord.x,
                    chunk.coord.z,
                    GENERATOR_NAME,
                    GENERATOR_VERSION,
                    hex(self.spec_hash),
                    hex(chunk.content_hash()),
                    now_ms(),
                    data
                ])
            })
            .map_err(|e| self.sql_err(e))?;
        Ok(())
    }

    /// Deletes cache entries whose key no longer matches (another generator
    /// name or version, or another spec); returns how many.
    pub fn prune_cache(&self) -> Result<u64, StoreError> {
        let n = self
            .conn
            .execute(
                "DELETE FROM chunk_cache
                 WHERE generator != ?1 OR generator_version != ?2 OR spec_hash != ?3",
                params![GENERATOR_NAME, GENERATOR_VERSION, hex(self.spec_hash)],
            )
            .map_err(|e| self.sql_err(e))?;
        Ok(n as u64)
    }

    /// Deletes every cache entry; returns how many.
    pub fn clear_cache(&self) -> Result<u64, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM chunk_cache", [])
            .map_err(|e| self.sql_err(e))?;
        Ok(n as u64)
    }
}

/// Checks that `dir`, the directory of the world file `path` that
/// [`WorldFile::create`] is to make, exists and is a directory.
fn check_directory(dir: &Path, path: &Path) -> Result<(), StoreError> {
    let why = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(_) => "is not a directory",
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
        Err(e) => return Err(StoreError::io(path, e)),
    };
    Err(StoreError::NoDirectory {
        path: path.to_owned(),
        dir: dir.to_owned(),
        why,
    })
}

/// An empty temporary file in `dir` (the directory of the world file
/// `path`) for [`WorldFile::create`] to build the new world in.
///
/// On Unix it is opened with mode `0o666` less the process umask, so the
/// renamed world gets the same mode as any file the user creates (tempfile
/// defaults to `0o600`). Errors name `path`, not the temporary name.
fn temp_file_in(dir: &Path, path: &Path) -> Result<tempfile::TempPath, StoreError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".sprawl-create-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(dir).map_err(|e| {
        // tempfile's message names the temporary file; say what it was for.
        let detail = format!(
            "cannot create a temporary file in {}: {}",
            dir.display(),
            e.kind()
        );
        StoreError::io(path, std::io::Error::new(e.kind(), detail))
    })?;
    Ok(file.into_temp_path())
}

/// Settings of every read-write connection.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "could not switch to WAL journal mode (got `{mode}`)"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// Writes a complete new world into the empty file `tmp`, in WAL mode.
fn build_new_file(tmp: &Path, spec_json: &str, provenance_json: &str) -> rusqlite::Result<()> {
    let mut conn = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "page_size", 4096)?;
    let tx = conn.transaction()?;
    tx.pragma_update(None, "application_id", i64::from(APPLICATION_ID))?;
    tx.pragma_update(None, "user_version", i64::from(SCHEMA_VERSION))?;
    tx.execute_batch(schema::CREATE_SQL)?;
    let created_by = format!("sprawl-store {}", env!("CARGO_PKG_VERSION"));
    let created_at = now_ms().to_string();
    for (key, value) in [
        (meta_key::SPEC, spec_json),
        (meta_key::SPEC_PROVENANCE, provenance_json),
        (meta_key::GENERATOR_NAME, GENERATOR_NAME),
        (meta_key::GENERATOR_VERSION, GENERATOR_VERSION),
        (meta_key::CREATED_AT_MS, created_at.as_str()),
        (meta_key::CREATED_BY, created_by.as_str()),
    ] {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
    }
    tx.commit()?;
    configure(&conn)?;
    // Closing the last connection checkpoints the WAL into the file and
    // deletes the -wal and -shm files.
    conn.close().map_err(|(_, e)| e)
}
