//! The SQL schema of a world file (schema version 1).

/// Tables every world file of schema version 1 has, with the columns the
/// code reads (checked on open, so a damaged schema is refused up front).
pub(super) const REQUIRED_TABLES: [(&str, &str); 3] = [
    ("meta", "key, value"),
    (
        "edits",
        "seq, at_ms, chunk_x, chunk_z, object_local, op, edit",
    ),
    (
        "chunk_cache",
        "chunk_x, chunk_z, generator, generator_version, spec_hash, content_hash, at_ms, data",
    ),
];

/// Creates the tables of schema version 1.
///
/// - `meta`: key/value facts about the world, written once at creation
///   (`spec`, `spec_provenance`, `generator_name`, `generator_version`,
///   `created_at_ms`, `created_by`); values are text (JSON for structures).
/// - `edits`: the journal. `seq` orders it; `chunk_x, chunk_z` is the chunk
///   that owns the edited object (indexed, so loading a chunk reads only its
///   edits); `object_local` is the object's local key; `op` is
///   [`Edit::op`](sprawl_world::Edit::op); `edit` is the edit as JSON.
/// - `chunk_cache`: at most one generated chunk per coordinate, postcard
///   bytes in `data`, valid only while `generator`, `generator_version` and
///   `spec_hash` match the running generator and the world's spec, and the
///   decoded chunk's content hash equals `content_hash`.
pub(super) const CREATE_SQL: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE edits (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms        INTEGER NOT NULL,
    chunk_x      INTEGER NOT NULL,
    chunk_z      INTEGER NOT NULL,
    object_local INTEGER NOT NULL,
    op           TEXT NOT NULL,
    edit         TEXT NOT NULL
) STRICT;

CREATE INDEX edits_by_chunk ON edits (chunk_x, chunk_z, seq);

CREATE TABLE chunk_cache (
    chunk_x           INTEGER NOT NULL,
    chunk_z           INTEGER NOT NULL,
    generator         TEXT NOT NULL,
    generator_version TEXT NOT NULL,
    spec_hash         TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    at_ms             INTEGER NOT NULL,
    data              BLOB NOT NULL,
    PRIMARY KEY (chunk_x, chunk_z)
) STRICT;
";
