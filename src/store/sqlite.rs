//! The embedded engine: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! committed batch survives a crash. `BEGIN IMMEDIATE` makes the sealer the only writer.

use super::batch::{frontier_of, split_duplicates, Planner, TipState};
use super::{
    query_err, signed_at_ms, Filter, Page, SealContext, SealOutcome, StoreError, StoredCheckpoint,
};
use crate::event::Event;
use crate::ledger::merkle::{Frontier, Hash};
use crate::ledger::seal::ChainHead;
use crate::ledger::verify::StoredRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection, SqlitePool};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

mod packed;
mod scan;
mod write;

pub use scan::{scan, ScanPage};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/sqlite");

/// Page size of a new store. A sealed record is 1–2 KB, so SQLite's default 4 KB page
/// holds two and splits often; 16 KB pages pack records and index entries densely,
/// which makes the file about a fifth smaller and sealing write (and fsync) less.
/// Only a new file takes it: an existing store keeps the page size it was made with.
const PAGE_SIZE: u32 = 16 * 1024;

/// Page cache of the sealing connection, in KiB.
const SEALER_CACHE_KIB: u32 = 32 * 1024;

#[derive(Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    sealer: Arc<Sealer>,
    path: PathBuf,
    /// (device, inode) of the file when it was opened, to notice it being replaced.
    identity: Option<(u64, u64)>,
    origin: String,
}

/// The one connection that seals, opened on first use. It is kept apart from the pool
/// so that its page cache, sized for batches, stays warm from one batch to the next,
/// while the readers' connections keep SQLite's small default.
struct Sealer {
    options: SqliteConnectOptions,
    conn: Mutex<Option<SqliteConnection>>,
}

impl SqliteStore {
    pub async fn open(path: &Path, origin: Option<&str>) -> Result<Self, StoreError> {
        let url = format!("sqlite:{}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .page_size(PAGE_SIZE)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .map_err(|source| StoreError::Open {
                url: url.clone(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { url, source })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let wanted = origin
            .map(str::to_string)
            .unwrap_or_else(|| super::default_origin(&stem));
        sqlx::query("INSERT OR IGNORE INTO ledger_meta (key, value) VALUES ('origin', ?)")
            .bind(&wanted)
            .execute(&pool)
            .await
            .map_err(query_err("recording the log origin"))?;
        let origin = sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'origin'")
            .fetch_one(&pool)
            .await
            .map_err(query_err("reading the log origin"))?;
        Ok(SqliteStore {
            pool,
            sealer: Arc::new(Sealer {
                // A batch touches megabytes of table and index pages; in SQLite's
                // default 2 MB cache they would spill to the WAL mid-transaction and be
                // read back. Temporary structures (the duplicate lookup's) stay in
                // memory. Neither touches durability: WAL and `synchronous=FULL` stay.
                options: options
                    .pragma("cache_size", format!("-{SEALER_CACHE_KIB}"))
                    .pragma("temp_store", "MEMORY"),
                conn: Mutex::new(None),
            }),
            path: path.to_path_buf(),
            identity: file_identity(path),
            origin,
        })
    }

    /// Whether a seal would reach the file users and verifiers read. SQLite itself
    /// would go on writing through its open descriptors into a file that was deleted or
    /// replaced, and root ignores a read-only mode, so both are checked here.
    pub fn check_writable(&self) -> Result<(), String> {
        let shown = self.path.display();
        let meta = std::fs::metadata(&self.path)
            .map_err(|e| format!("the store file {shown} is gone ({e})"))?;
        if self.identity.is_some() && file_identity(&self.path) != self.identity {
            return Err(format!(
                "the store file {shown} was replaced since custody opened it"
            ));
        }
        if meta.permissions().readonly() {
            return Err(format!("the store file {shown} is read-only"));
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub async fn close(&self) {
        if let Some(conn) = self.sealer.conn.lock().await.take() {
            let _ = conn.close().await;
        }
        self.pool.close().await;
    }

    pub async fn seal(
        &self,
        events: Vec<Event>,
        ctx: &SealContext<'_>,
    ) -> Result<SealOutcome, StoreError> {
        let mut sealer = self.sealer.conn.lock().await;
        let conn = match &mut *sealer {
            Some(conn) => conn,
            empty => empty.insert(self.sealer.options.connect().await.map_err(|source| {
                StoreError::Open {
                    url: format!("sqlite:{}", self.path.display()),
                    source,
                }
            })?),
        };
        let outcome = self.seal_on(conn, events, ctx).await;
        if outcome.is_err() {
            // Whatever broke the batch may have broken the connection too; the next
            // batch opens a fresh one rather than failing the same way forever.
            *sealer = None;
        }
        outcome
    }

    /// One sealing transaction on the sealer's connection.
    async fn seal_on(
        &self,
        conn: &mut SqliteConnection,
        events: Vec<Event>,
        ctx: &SealContext<'_>,
    ) -> Result<SealOutcome, StoreError> {
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(query_err("starting the sealing transaction"))?;
        let tip = read_tip(&mut tx).await?;
        let ids = serde_json::to_string(
            &events
                .iter()
                .map(|e| e.event_id.as_str())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into());
        let existing: HashSet<String> = sqlx::query_scalar(
            "SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))",
        )
        .bind(ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(query_err("looking up duplicate event ids"))?
        .into_iter()
        .collect();
        let (fresh, duplicates) = split_duplicates(events, &existing);
        let recorded_at = ctx.now.to_rfc3339();
        let mut planner = Planner::new(tip, &self.origin, ctx.now);
        let mut sealed = Vec::with_capacity(fresh.len());
        let mut slices = fresh.into_iter().peekable();
        let mut ready: Vec<write::Row> = Vec::new();
        // Seal slice n+1 on a blocking thread while slice n is inserted.
        while slices.peek().is_some() {
            let slice: Vec<(usize, Event)> = slices.by_ref().take(write::SLICE).collect();
            let mut moved = planner;
            let sealing = tokio::task::spawn_blocking(move || {
                let out = write::seal_slice(&mut moved, slice);
                (moved, out)
            });
            let (inserted, sealed_slice) = tokio::join!(
                write::insert(&mut tx, std::mem::take(&mut ready), &recorded_at),
                sealing
            );
            inserted?;
            let (p, (rows, done)) = sealed_slice
                .map_err(|e| StoreError::Corrupt(format!("sealing worker failed: {e}")))?;
            planner = p;
            ready = rows;
            sealed.extend(done);
        }
        write::insert(&mut tx, ready, &recorded_at).await?;
        let (frontier, checkpoint) = planner.finish(ctx.signer, ctx.force_checkpoint)?;
        sqlx::query(
            "INSERT INTO tree_state (id, size, frontier) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
        )
        .bind(frontier.size() as i64)
        .bind(frontier.encode())
        .execute(&mut *tx)
        .await
        .map_err(query_err("saving the Merkle frontier"))?;
        if let Some((size, note)) = &checkpoint {
            sqlx::query("INSERT INTO checkpoints (tree_size, note, signed_at) VALUES (?, ?, ?)")
                .bind(*size as i64)
                .bind(note)
                .bind(ctx.now.to_rfc3339())
                .execute(&mut *tx)
                .await
                .map_err(query_err("storing the checkpoint"))?;
        }
        tx.commit()
            .await
            .map_err(query_err("committing the batch"))?;
        Ok(SealOutcome {
            sealed,
            duplicates,
            checkpoint: checkpoint.map(|(_, note)| note),
            anchor_error: None,
        })
    }

    pub async fn head_seq(&self) -> Result<u64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
            .fetch_one(&self.pool)
            .await
            .map_err(query_err("reading the head of the ledger"))?;
        Ok(seq.unwrap_or(0) as u64)
    }

    pub async fn rows(&self, filter: &Filter, page: Page) -> Result<Vec<StoredRow>, StoreError> {
        packed::rows(&self.pool, filter, page).await
    }

    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT tree_size, note, signed_at FROM checkpoints ORDER BY tree_size")
                .fetch_all(&self.pool)
                .await
                .map_err(query_err("reading checkpoints"))?;
        Ok(rows
            .into_iter()
            .map(|(size, note, signed_at)| StoredCheckpoint {
                tree_size: size as u64,
                note,
                signed_at,
            })
            .collect())
    }

    pub async fn wait_for_new(&self, after: u64, timeout: Duration) -> Result<(), StoreError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.head_seq().await? > after {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

async fn read_tip(conn: &mut SqliteConnection) -> Result<TipState, StoreError> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_err("reading the head of the ledger"))?;
    let head = match head {
        Some((seq, hash)) => ChainHead {
            seq: seq as u64,
            hash: decode_hash(&hash)?,
        },
        None => ChainHead::genesis(),
    };
    let cached: Option<(i64, String)> =
        sqlx::query_as("SELECT size, frontier FROM tree_state WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_err("reading the Merkle frontier"))?;
    let frontier = match cached.and_then(|(size, text)| {
        Frontier::decode(&text)
            .ok()
            .filter(|f| f.size() == size as u64)
    }) {
        Some(f) if f.size() == head.seq => f,
        _ => {
            let hashes: Vec<String> = sqlx::query_scalar("SELECT hash FROM events ORDER BY seq")
                .fetch_all(&mut *conn)
                .await
                .map_err(query_err("rebuilding the Merkle frontier"))?;
            frontier_of(
                hashes
                    .iter()
                    .map(|h| decode_hash(h))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
    };
    let last: Option<(i64, String)> = sqlx::query_as(
        "SELECT tree_size, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(query_err("reading the latest checkpoint"))?;
    Ok(TipState {
        head,
        frontier,
        last_checkpoint: last.map(|(s, at)| (s as u64, signed_at_ms(&at))),
    })
}

pub(crate) fn decode_hash(text: &str) -> Result<Hash, StoreError> {
    let mut h = [0u8; 32];
    hex::decode_to_slice(text, &mut h)
        .map_err(|_| StoreError::Corrupt(format!("stored hash `{text}` is not 64 hex digits")))?;
    Ok(h)
}

fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}
