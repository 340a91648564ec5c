//! What `verify` reads from a store besides the records and checkpoints: the cached
//! Merkle frontier, the origin the first record was sealed for, and the engine's own
//! consistency check (`verify --deep`). Reads only.

use super::{query_err, Store, StoreError};
use crate::ledger::verify::sealed_origin;

/// The result of the engine's own consistency check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrityCheck {
    /// The engine found nothing wrong.
    Ok,
    /// What the engine reported, one problem a line (SQLite's `integrity_check`).
    Failed(Vec<String>),
    /// The engine offers no such check here; the reason says why.
    Unavailable(String),
}

impl Store {
    /// The cached Merkle frontier, `(size, encoded frontier)`, when there is one.
    pub async fn tree_state(&self) -> Result<Option<(u64, String)>, StoreError> {
        const SQL: &str = "SELECT size, frontier FROM tree_state WHERE id = 1";
        let row: Option<(i64, String)> = match self {
            Store::Sqlite(s) => sqlx::query_as(SQL).fetch_optional(&s.pool).await,
            Store::Postgres(s) => sqlx::query_as(SQL).fetch_optional(&s.pool).await,
        }
        .map_err(query_err("reading the Merkle frontier"))?;
        Ok(row.map(|(size, frontier)| (size.max(0) as u64, frontier)))
    }

    /// The origin the oldest record was sealed for (`None` when the log is empty or the
    /// record is too damaged to say): the name the log's records carry, whatever
    /// `ledger_meta` now says.
    pub async fn sealed_origin(&self) -> Result<Option<String>, StoreError> {
        const SQL: &str = "SELECT record FROM events ORDER BY seq LIMIT 1";
        let record: Option<String> = match self {
            Store::Sqlite(s) => sqlx::query_scalar(SQL).fetch_optional(&s.pool).await,
            Store::Postgres(s) => sqlx::query_scalar(SQL).fetch_optional(&s.pool).await,
        }
        .map_err(query_err("reading the first record"))?;
        Ok(record.and_then(|r| sealed_origin(r.as_bytes())))
    }

    /// The engine's own check of its files: SQLite's `PRAGMA integrity_check` (pages,
    /// indexes, constraints; it reads the whole file). PostgreSQL has no built-in
    /// equivalent: `amcheck` is an extension that is not installed by default.
    pub async fn integrity_check(&self) -> Result<IntegrityCheck, StoreError> {
        match self {
            Store::Sqlite(s) => {
                let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(&s.pool)
                    .await
                    .map_err(query_err("running SQLite's integrity check"))?;
                Ok(if lines.len() == 1 && lines[0] == "ok" {
                    IntegrityCheck::Ok
                } else {
                    IntegrityCheck::Failed(lines)
                })
            }
            Store::Postgres(_) => Ok(IntegrityCheck::Unavailable(
                "PostgreSQL has no built-in integrity check (the amcheck extension is not installed by default); \
                 only the ledger's own checks ran"
                    .into(),
            )),
        }
    }
}
