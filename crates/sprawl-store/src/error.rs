//! Errors of the world file.

use sprawl_world::{ChunkCoord, EditError, ObjectId, SpecError};
use std::path::PathBuf;

/// Why a world file could not be created, opened, read or written.
///
/// Every variant that concerns a file names it, so a message printed as-is
/// tells the user which file is wrong and how. When [`WorldFile::open`]
/// refuses a file for any of the "not a world / damaged / too new" reasons,
/// the file has not been modified.
///
/// [`WorldFile::open`]: crate::WorldFile::open
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no file at the path.
    #[error("{}: no such world file", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// `create` without `force` found something already at the path.
    #[error("{}: already exists (pass force to replace it)", path.display())]
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// `create` cannot make the file: its directory is missing or not a directory.
    #[error("{}: cannot create the world file: directory {} {why}", path.display(), dir.display())]
    NoDirectory {
        /// The world file that was to be created.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// `does not exist` or `is not a directory`.
        why: &'static str,
    },
    /// The file is not an SQLite database at all (a PNG, text, an empty file, …).
    #[error("{}: not a Sprawl world file: {what}", path.display())]
    NotSqlite {
        /// The path.
        path: PathBuf,
        /// What it seems to be instead.
        what: String,
    },
    /// An SQLite database written by another application (or none): its
    /// `PRAGMA application_id` is not Sprawl's.
    #[error(
        "{}: not a Sprawl world file: it is an SQLite database of another application \
         (application_id {found:#010x}, Sprawl's is {expected:#010x})",
        path.display()
    )]
    WrongApplication {
        /// The path.
        path: PathBuf,
        /// The application id in the file.
        found: u32,
        /// Sprawl's application id.
        expected: u32,
    },
    /// The file is shorter than its own header says: cut off by a failed copy or download.
    #[error("{}: world file is truncated: {detail}", path.display())]
    Truncated {
        /// The path.
        path: PathBuf,
        /// What is missing.
        detail: String,
    },
    /// The file is damaged: SQLite's integrity check failed, a table is
    /// missing, or a stored value does not decode.
    #[error("{}: world file is corrupt: {detail}", path.display())]
    Corrupt {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The file's schema is newer than this build understands.
    #[error(
        "{}: world file schema version {found} is newer than this build supports ({supported}); \
         upgrade Sprawl",
        path.display()
    )]
    SchemaTooNew {
        /// The path.
        path: PathBuf,
        /// `PRAGMA user_version` in the file.
        found: u32,
        /// The newest schema this build reads.
        supported: u32,
    },
    /// The stored world spec is unusable (e.g. written by a newer Sprawl:
    /// [`SpecError::TooNew`]), or a spec given to `create` is invalid.
    #[error("{}: {source}", path.display())]
    Spec {
        /// The path.
        path: PathBuf,
        /// What is wrong with the spec.
        #[source]
        source: SpecError,
    },
    /// An edit was refused before it reached the journal.
    #[error("{}: edit refused: {source}", path.display())]
    Edit {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: EditError,
    },
    /// An added object's id lacks [`ObjectId::USER_BIT`].
    #[error(
        "{}: added object {id} must have a user id (local key with the top bit set); \
         use next_user_object_id",
        path.display()
    )]
    NotAUserId {
        /// The path.
        path: PathBuf,
        /// The offending id.
        id: ObjectId,
    },
    /// Every user id of a chunk has been handed out.
    #[error("{}: no user object ids left in chunk {chunk}", path.display())]
    IdsExhausted {
        /// The path.
        path: PathBuf,
        /// The chunk.
        chunk: ChunkCoord,
    },
    /// Encoding a value for storage failed.
    #[error("{}: cannot encode {what}: {detail}", path.display())]
    Encode {
        /// The path.
        path: PathBuf,
        /// What was being encoded.
        what: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// An SQLite error not covered by a more specific variant (locked,
    /// disk full, read-only file system, …).
    #[error("{}: database error: {source}", path.display())]
    Sqlite {
        /// The path.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// A file-system error.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Self::NotFound { path }
            | Self::AlreadyExists { path }
            | Self::NoDirectory { path, .. }
            | Self::NotSqlite { path, .. }
            | Self::WrongApplication { path, .. }
            | Self::Truncated { path, .. }
            | Self::Corrupt { path, .. }
            | Self::SchemaTooNew { path, .. }
            | Self::Spec { path, .. }
            | Self::Edit { path, .. }
            | Self::NotAUserId { path, .. }
            | Self::IdsExhausted { path, .. }
            | Self::Encode { path, .. }
            | Self::Sqlite { path, .. }
            | Self::Io { path, .. } => path,
        }
    }

    /// Wraps an SQLite error, classifying "not a database" and "malformed"
    /// as [`StoreError::Corrupt`].
    pub(crate) fn sqlite(path: &std::path::Path, source: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt {
                path: path.to_owned(),
                detail: source.to_string(),
            },
            _ => Self::Sqlite {
                path: path.to_owned(),
                source,
            },
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}
