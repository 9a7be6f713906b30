//! Checking a file before it is opened for writing.
//!
//! Two stages, neither of which writes to the file or creates files beside
//! it: the first reads the 100-byte SQLite header with plain file I/O, the
//! second opens the database with `SQLITE_OPEN_READONLY` and checks the
//! application id, schema version, `PRAGMA quick_check`, the tables and the
//! stored spec.

use super::schema::REQUIRED_TABLES;
use super::{APPLICATION_ID, SCHEMA_VERSION, WorldFile, meta_key};
use crate::StoreError;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sprawl_world::{Provenance, SpecError, WORLD_SPEC_VERSION, WorldSpec};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The first 16 bytes of every SQLite 3 database.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Size of the database header.
const HEADER_LEN: usize = 100;
/// At most this many `quick_check` messages are reported.
const MAX_CHECK_MESSAGES: usize = 8;

/// The facts stored in `meta`, as read from a valid file.
pub(super) struct Meta {
    pub spec: WorldSpec,
    pub spec_provenance: Option<Provenance>,
    pub generator_name: String,
    pub generator_version: String,
    pub created_at_ms: i64,
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Path of an SQLite companion file (`-wal`, `-shm`, `-journal`).
pub(super) fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Stage 1: the header, read as plain bytes.
pub(super) fn check_header(path: &Path) -> Result<(), StoreError> {
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NotFound {
                path: path.to_owned(),
            });
        }
        Err(e) => return Err(StoreError::io(path, e)),
    };
    if !md.is_file() {
        return Err(StoreError::NotSqlite {
            path: path.to_owned(),
            what: "it is a directory or special file, not a regular file".into(),
        });
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    std::fs::File::open(path)
        .and_then(|f| f.take(HEADER_LEN as u64).read_to_end(&mut header))
        .map_err(|e| StoreError::io(path, e))?;

    let magic_len = header.len().min(SQLITE_MAGIC.len());
    if header.is_empty() || header[..magic_len] != SQLITE_MAGIC[..magic_len] {
        return Err(StoreError::NotSqlite {
            path: path.to_owned(),
            what: sniff(&header),
        });
    }
    if header.len() < HEADER_LEN {
        return Err(StoreError::Truncated {
            path: path.to_owned(),
            detail: format!(
                "only {} bytes, shorter than the {HEADER_LEN}-byte SQLite header",
                header.len()
            ),
        });
    }

    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: format!("invalid page size {page_size} in the SQLite header"),
        });
    }

    let application_id = be_u32(&header, 68);
    if application_id != APPLICATION_ID {
        return Err(StoreError::WrongApplication {
            path: path.to_owned(),
            found: application_id,
            expected: APPLICATION_ID,
        });
    }
    let user_version = be_u32(&header, 60);
    if user_version > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found: user_version,
            supported: SCHEMA_VERSION,
        });
    }

    // The in-header page count is trustworthy when the change counter equals
    // the "version valid for" number. A non-empty write-ahead log may hold
    // pages not yet copied into the main file, so only check without one.
    let change_counter = be_u32(&header, 24);
    let pages = u64::from(be_u32(&header, 28));
    let valid_for = be_u32(&header, 92);
    let wal_len = std::fs::metadata(companion(path, "-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    if wal_len == 0 && pages > 0 && change_counter == valid_for {
        let expected = pages * page_size;
        if md.len() < expected {
            return Err(StoreError::Truncated {
                path: path.to_owned(),
                detail: format!(
                    "{} bytes, but its header says {pages} pages of {page_size} bytes ({expected} bytes)",
                    md.len()
                ),
            });
        }
    }
    Ok(())
}

/// A human description of what a non-SQLite file looks like.
fn sniff(head: &[u8]) -> String {
    let kind = if head.is_empty() {
        return "the file is empty".into();
    } else if head.starts_with(b"\x89PNG") {
        "a PNG image"
    } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
        "a JPEG image"
    } else if head.starts_with(b"glTF") {
        "a GLB (binary glTF) model"
    } else if head.starts_with(b"GIF8") {
        "a GIF image"
    } else if head.starts_with(b"%PDF") {
        "a PDF document"
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive"
    } else if head.starts_with(&[0x1f, 0x8b]) {
        "gzip-compressed data"
    } else if head
        .trim_ascii_start()
        .first()
        .is_some_and(|b| *b == b'{' || *b == b'[')
    {
        "JSON text"
    } else if std::str::from_utf8(head).is_ok() || head.iter().all(|b| b.is_ascii()) {
        "text"
    } else {
        "unrecognised binary data"
    };
    format!("it is not an SQLite database (it looks like {kind})")
}

/// A `file:` URI for `path` with `?immutable=1`, or `None` where the path
/// cannot be written as one (not Unix).
fn immutable_uri(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        // `file:///abs` (empty authority) for absolute paths, `file:rel` otherwise.
        let mut uri = String::from(if bytes.starts_with(b"/") {
            "file://"
        } else {
            "file:"
        });
        for &b in bytes {
            if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
                uri.push(char::from(b));
            } else {
                uri.push_str(&format!("%{b:02X}"));
            }
        }
        uri.push_str("?immutable=1");
        Some(uri)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Opens `path` for reading without creating anything beside it.
///
/// A read-only connection to a WAL-mode database still creates `-wal` and
/// `-shm` files. When there is no `-wal` (the file was closed cleanly, or is
/// not a world at all) the main file holds the whole database, so it is
/// opened as `immutable`, which reads it as it is and creates nothing. When a
/// `-wal` exists (a writer is running, or one crashed), its contents belong
/// to the database and must be read through it; those files exist already.
fn open_for_validation(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let has_wal = companion(path, "-wal").exists();
    match immutable_uri(path) {
        Some(uri) if !has_wal => {
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
        }
        _ => Connection::open_with_flags(path, flags),
    }
}

/// Stage 2: a read-only SQLite connection.
pub(super) fn check_read_only(path: &Path) -> Result<Meta, StoreError> {
    let conn = open_for_validation(path).map_err(|e| StoreError::sqlite(path, e))?;
    let sql = |e| StoreError::sqlite(path, e);

    let application_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sql)?;
    // PRAGMA returns the 32-bit header field as a signed integer.
    let application_id = application_id as u32;
    if application_id != APPLICATION_ID {
        return Err(StoreError::WrongApplication {
            path: path.to_owned(),
            found: application_id,
            expected: APPLICATION_ID,
        });
    }
    let user_version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql)?;
    let user_version = user_version as u32;
    if user_version > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found: user_version,
            supported: SCHEMA_VERSION,
        });
    }
    if user_version == 0 {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: "schema version is 0 (the file was never fully created)".into(),
        });
    }

    let mut problems = Vec::new();
    let mut stmt = conn.prepare("PRAGMA quick_check").map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    while let Some(row) = rows.next().map_err(sql)? {
        let msg: String = row.get(0).map_err(sql)?;
        if msg != "ok" && problems.len() < MAX_CHECK_MESSAGES {
            problems.push(msg);
        }
    }
    drop(rows);
    drop(stmt);
    if !problems.is_empty() {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: format!("integrity check failed: {}", problems.join("; ")),
        });
    }

    for (table, columns) in REQUIRED_TABLES {
        let exists: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        if exists.is_none() {
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                detail: format!("table `{table}` is missing"),
            });
        }
        if let Err(e) = conn.prepare(&format!("SELECT {columns} FROM {table} LIMIT 0")) {
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                detail: format!("table `{table}` lacks columns ({e})"),
            });
        }
    }

    read_meta(&conn, path)
}

fn read_meta(conn: &Connection, path: &Path) -> Result<Meta, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let get = |key: &str| -> Result<Option<String>, StoreError> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| StoreError::sqlite(path, e))
    };
    let require = |key: &str| -> Result<String, StoreError> {
        get(key)?.ok_or_else(|| corrupt(format!("`{key}` is missing from the meta table")))
    };

    let spec_json = require(meta_key::SPEC)?;
    let spec = parse_spec(&spec_json, path)?;
    let spec_provenance = match get(meta_key::SPEC_PROVENANCE)? {
        None => None,
        Some(text) => serde_json::from_str::<Option<Provenance>>(&text)
            .map_err(|e| corrupt(format!("stored spec provenance does not parse: {e}")))?,
    };
    let generator_name = require(meta_key::GENERATOR_NAME)?;
    let generator_version = require(meta_key::GENERATOR_VERSION)?;
    let created_at_ms = match get(meta_key::CREATED_AT_MS)? {
        None => 0,
        Some(t) => t
            .parse()
            .map_err(|_| corrupt(format!("created_at_ms `{t}` is not an integer")))?,
    };
    Ok(Meta {
        spec,
        spec_provenance,
        generator_name,
        generator_version,
        created_at_ms,
    })
}

/// Parses and validates a stored spec. The version is read before the full
/// parse so that a newer spec whose fields no longer parse is still reported
/// as "too new", not as corrupt.
fn parse_spec(json: &str, path: &Path) -> Result<WorldSpec, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| corrupt(format!("stored world spec is not JSON: {e}")))?;
    if let Some(v) = value.get("version").and_then(serde_json::Value::as_u64)
        && v > u64::from(WORLD_SPEC_VERSION)
    {
        return Err(StoreError::Spec {
            path: path.to_owned(),
            source: SpecError::TooNew {
                found: u32::try_from(v).unwrap_or(u32::MAX),
                supported: WORLD_SPEC_VERSION,
            },
        });
    }
    let spec: WorldSpec = serde_json::from_value(value)
        .map_err(|e| corrupt(format!("stored world spec does not parse: {e}")))?;
    spec.validate().map_err(|source| StoreError::Spec {
        path: path.to_owned(),
        source,
    })?;
    Ok(spec)
}

impl WorldFile {
    /// Runs both validation stages on `path` without opening it for writing.
    pub(super) fn validate_file(path: &Path) -> Result<Meta, StoreError> {
        check_header(path)?;
        check_read_only(path)
    }
}
