//! The embedded engine: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! committed batch survives a crash. `BEGIN IMMEDIATE` makes the sealer the only writer.

use super::{query_err, SealBatch, SealOutcome, StoreError, StoredCheckpoint};
use crate::event::Event;
use crate::query::{Filter, Page};
use crate::store::StoredRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod open;
mod packed;
mod scan;
mod write;

use open::Found;
pub use open::{Access, NotWritable};
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
    access: Access,
}

impl SqliteStore {
    /// Opens the store for a command that seals, creating the file (and its directory)
    /// when it does not exist and `create` allows it, and preparing the schema.
    pub async fn open(path: &Path, origin: Option<&str>, create: bool) -> Result<Self, StoreError> {
        let url = format!("sqlite:{}", path.display());
        // A 0-byte file is a new store to a command that may create one: another
        // custody creating the same new file makes it an instant before its schema.
        match (open::inspect(path)?, create) {
            (Found::Database, _) | (Found::Empty, true) => {}
            (Found::Empty, false) => return Err(open::emptied(path)),
            (Found::Nothing, false) => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            }
            (Found::Nothing, true) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                        path: dir.to_path_buf(),
                        source,
                    })?;
                }
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
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
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let wanted = origin
            .map(str::to_string)
            .unwrap_or_else(|| super::default_origin(&stem));
        if open::schema_is_current(&pool, &MIGRATOR).await {
            let mut conn = pool.acquire().await.map_err(|source| StoreError::Open {
                url: url.clone(),
                source,
            })?;
            open::record_origin(&mut conn, &wanted).await?;
        } else {
            open::migrate(&pool, &MIGRATOR, &url, &wanted).await?;
        }
        Self::ready(pool, path, Access::Write).await
    }

    /// Opens an existing store for a command that only reads: nothing is created,
    /// migrated or written, so it works on a read-only copy and leaves it byte for byte
    /// as it was.
    pub async fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let url = format!("sqlite:{}", path.display());
        match open::inspect(path)? {
            Found::Nothing => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            }
            Found::Empty => return Err(open::emptied(path)),
            Found::Database => {}
        }
        let access = open::read_access(path);
        let immutable = matches!(access, Access::Read { immutable: true });
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(open::read_options(path, immutable))
            .await
            .map_err(|source| StoreError::Open {
                url: url.clone(),
                source,
            })?;
        Self::ready(pool, path, access).await
    }

    async fn ready(pool: SqlitePool, path: &Path, access: Access) -> Result<Self, StoreError> {
        let origin: Option<String> =
            sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'origin'")
                .fetch_optional(&pool)
                .await
                .map_err(|source| match &source {
                    sqlx::Error::Database(d) if d.message().contains("no such table") => {
                        StoreError::NoLedger {
                            url: format!("sqlite:{}", path.display()),
                        }
                    }
                    _ => StoreError::Query {
                        what: "reading the log origin",
                        source,
                    },
                })?;
        let origin = origin.ok_or_else(|| StoreError::NoLedger {
            url: format!("sqlite:{}", path.display()),
        })?;
        Ok(SqliteStore {
            pool,
            sealer: Arc::new(write::Sealer::new(path)),
            path: path.to_path_buf(),
            identity: file_identity(path),
            origin,
            access,
        })
    }

    /// Whether a seal would reach the file users and verifiers read. SQLite itself
    /// would go on writing through its open descriptors into a file that was deleted or
    /// replaced, and root ignores a read-only mode, so both are checked here.
    pub fn check_writable(&self) -> Result<(), NotWritable> {
        let path = self.path.clone();
        if self.access != Access::Write {
            return Err(NotWritable::OpenedForReading {
                store: format!("sqlite:{}", path.display()),
            });
        }
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(source) => return Err(NotWritable::Gone { path, source }),
        };
        if self.identity.is_some() && file_identity(&self.path) != self.identity {
            return Err(NotWritable::Replaced { path });
        }
        if meta.permissions().readonly() {
            return Err(NotWritable::ReadOnlyFile { path });
        }
        Ok(())
    }

    /// How the store was opened.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn access(&self) -> Access {
        self.access
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
        ctx: &SealBatch<'_>,
    ) -> Result<SealOutcome, StoreError> {
        if self.access != Access::Write {
            return Err(StoreError::ReadOnly {
                url: format!("sqlite:{}", self.path.display()),
            });
        }
        let sealer = Arc::clone(&self.sealer);
        let job = write::Job {
            signer: ctx.signer.clone(),
            now: ctx.now,
            force_checkpoint: ctx.force_checkpoint,
            origin: self.origin.clone(),
            side: ctx.side.to_vec(),
        };
        tokio::task::spawn_blocking(move || sealer.seal(events, &job))
            .await
            .map_err(|e| StoreError::Corrupt(format!("the sealing thread failed: {e}")))?
    }

    /// Runs `f` in a write transaction of its own on the sealing connection.
    pub async fn with_write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        if self.access != Access::Write {
            return Err(StoreError::ReadOnly {
                url: format!("sqlite:{}", self.path.display()),
            });
        }
        let sealer = Arc::clone(&self.sealer);
        tokio::task::spawn_blocking(move || sealer.with_tx(f))
            .await
            .map_err(|e| StoreError::Corrupt(format!("the projection thread failed: {e}")))?
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
