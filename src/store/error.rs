//! What can go wrong in the store, each failure with the URL, path or step it concerns
//! and its cause.

use super::{LocationError, NotWritable};
use crate::ledger::note::NoteError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("cannot prepare the schema of {url}: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("{what}: {source}")]
    Query {
        what: &'static str,
        source: sqlx::Error,
    },
    #[error("cannot open the store {url}: {source}")]
    SqliteOpen {
        url: String,
        source: rusqlite::Error,
    },
    #[error("{what}: {source}")]
    Sqlite {
        what: &'static str,
        source: rusqlite::Error,
    },
    #[error("cannot sign the checkpoint: {0}")]
    Sign(#[from] NoteError),
    #[error("the store is inconsistent: {0}")]
    Corrupt(String),
    #[error("refusing to seal: the store names its log `{stored}`, but its newest checkpoint was signed for `{signed}` (was ledger_meta's origin changed?); run `custody verify`")]
    OriginChanged { stored: String, signed: String },
    #[error("refusing to sign a checkpoint: {0}; run `custody verify`")]
    RefuseToSign(String),
    #[error("cannot create {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A guarded change to the gate's tables found the state moved on; nothing of the
    /// batch was written.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Location(#[from] LocationError),
    #[error("the store file {} does not exist (removed, or a wrong --store?)", path.display())]
    Missing { path: PathBuf },
    #[error("the store {} {why}", path.display())]
    NotAStore { path: PathBuf, why: &'static str },
    #[error("cannot read the store {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{url} holds no custody ledger (no ledger_meta table or origin); reading commands never create one")]
    NoLedger { url: String },
    #[error("the store {url} was opened read-only, for a reading command; nothing was sealed")]
    ReadOnly { url: String },
    #[error(transparent)]
    NotWritable(#[from] NotWritable),
    #[error(
        "lost the connection to {url} while sealing ({source}); {committed}. The batch in \
         flight was not acknowledged: send the same input again once the database is back \
         (event ids already stored are skipped as duplicates)"
    )]
    ConnectionLost {
        url: String,
        committed: String,
        #[source]
        source: sqlx::Error,
    },
}

pub(crate) fn query_err(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}
