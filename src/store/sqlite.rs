//! The embedded engine: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! committed batch survives a crash. `BEGIN IMMEDIATE` makes the sealer the only writer.

use super::{query_err, Filter, Page, SealContext, SealOutcome, StoreError, StoredCheckpoint};
use crate::event::Event;
use crate::store::StoredRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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

#[derive(Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    sealer: Arc<write::Sealer>,
    path: PathBuf,
    /// (device, inode) of the file when it was opened, to notice it being replaced.
    identity: Option<(u64, u64)>,
    origin: String,
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
            sealer: Arc::new(write::Sealer::new(path)),
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
        let sealer = Arc::clone(&self.sealer);
        let _ = tokio::task::spawn_blocking(move || sealer.close()).await;
        self.pool.close().await;
    }

    pub async fn seal(
        &self,
        events: Vec<Event>,
        ctx: &SealContext<'_>,
    ) -> Result<SealOutcome, StoreError> {
        let sealer = Arc::clone(&self.sealer);
        let job = write::Job {
            signer: ctx.signer.clone(),
            now: ctx.now,
            force_checkpoint: ctx.force_checkpoint,
            origin: self.origin.clone(),
        };
        tokio::task::spawn_blocking(move || sealer.seal(events, &job))
            .await
            .map_err(|e| StoreError::Corrupt(format!("the sealing thread failed: {e}")))?
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

fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}
