//! The store: one schema on two engines through sqlx. SQLite is the embedded default
//! (a file, WAL, `synchronous=FULL`); PostgreSQL serves teams. Exactly one sealer writes
//! at a time (SQLite `BEGIN IMMEDIATE`, PostgreSQL an advisory lock), in batches. The
//! store knows nothing of widgets or terminals; it persists what the ledger sealed.

mod batch;
mod credentials;
mod error;
pub mod gate;
mod ledger_state;
mod location;
mod postgres;
pub mod projection;
pub mod query;
mod read;
mod row;
mod sqlite;

pub use batch::{Duplicate, CHECKPOINT_EVERY, CHECKPOINT_MAX_AGE_MS};
pub use credentials::database_role;
pub(crate) use error::query_err;
pub use error::StoreError;
pub use ledger_state::IntegrityCheck;
pub use location::{Location, LocationError};
pub use read::AgentTotals;
pub use sqlite::NotWritable;

use crate::event::{Event, Timestamp};
use crate::ledger::columns::IndexedColumns;
use crate::ledger::note::NoteSigner;
use crate::query::{Filter, Page};
pub use row::{RowView, StoredRow};
use sqlx::{ColumnIndex, Decode, Row, Type};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What sealing needs besides the events, for a whole run (an ingest, a seed, one
/// response command, a console session): the checkpoint signing key, the anchor file, and
/// the operator session the sealed events belong to. It is the one such value in custody:
/// ingest, the demo, the command line and the console all seal with it. What changes per
/// batch (whether to force a checkpoint) is an argument of `Store::seal`; the time is read
/// when the batch is sealed.
#[derive(Clone)]
pub struct SealContext {
    pub signer: Arc<NoteSigner>,
    /// File to append each new signed checkpoint to, outside the database.
    pub anchor: Option<PathBuf>,
    /// The console session (or `None`) whose id is stamped on the actor of custody's own
    /// events that carry none. The store does not read it: `crate::respond::seal` does.
    pub session: Option<String>,
    /// How the operator sealing in this context was authenticated: written as
    /// `actor.authn` on the human actors of custody's own events that carry none, by
    /// `crate::respond::seal`, like `session`.
    pub authn: Option<crate::event::Authn>,
}

impl SealContext {
    /// A context for sealing outside any session (ingest, seed, the command line).
    pub fn new(signer: NoteSigner, anchor: Option<PathBuf>) -> SealContext {
        SealContext {
            signer: Arc::new(signer),
            anchor,
            session: None,
            authn: None,
        }
    }

    /// The same context, for events of an operator authenticated as `authn`.
    pub fn authenticated(self, authn: crate::event::Authn) -> SealContext {
        SealContext {
            authn: Some(authn),
            ..self
        }
    }

    /// The same context, for events of the operator session `session`.
    pub fn in_session(self, session: impl Into<String>) -> SealContext {
        SealContext {
            session: Some(session.into()),
            ..self
        }
    }
}

/// One call of `Store::seal`, as the engines see it.
pub struct SealBatch<'a> {
    pub signer: &'a NoteSigner,
    pub now: Timestamp,
    pub force_checkpoint: bool,
    /// The gate's table changes, applied in the same transaction (see `gate`).
    pub side: &'a [gate::GateWrite],
}

/// One sealed event: its index in the batch, `seq` and hash.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub index: usize,
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct SealOutcome {
    pub sealed: Vec<Sealed>,
    pub duplicates: Vec<Duplicate>,
    /// The signed notes of the checkpoints made in this batch, oldest first.
    pub checkpoints: Vec<String>,
    /// The batch is committed, but appending its checkpoint to the anchor file failed.
    pub anchor_error: Option<String>,
}

/// A stored checkpoint.
#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    pub tree_size: u64,
    pub note: String,
    pub signed_at: String,
}

#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Store {
    /// Opens (creating and migrating if needed) the store at `url`: `postgres://…`,
    /// `sqlite:PATH`, or a plain file path. `origin` names the log when it is created;
    /// an existing log keeps the origin it was created with. For commands that seal
    /// and may start a new ledger (`ingest`, `seed`, the console).
    pub async fn open(url: &str, origin: Option<&str>) -> Result<Store, StoreError> {
        Store::open_writer(url, origin, true).await
    }

    /// Opens an existing store for a command that seals into it but must never start a
    /// new ledger (a response to an incident): a missing SQLite file is an error.
    pub async fn open_existing(url: &str, origin: Option<&str>) -> Result<Store, StoreError> {
        Store::open_writer(url, origin, false).await
    }

    async fn open_writer(
        url: &str,
        origin: Option<&str>,
        create: bool,
    ) -> Result<Store, StoreError> {
        Ok(match Location::parse(url)? {
            Location::Postgres(url) => {
                Store::Postgres(postgres::PgStore::open(&url, origin).await?)
            }
            Location::Sqlite(path) => {
                Store::Sqlite(sqlite::SqliteStore::open(&path, origin, create).await?)
            }
        })
    }

    /// Opens an existing store for a command that only reads (`verify`, `export`,
    /// `tail`, `checkpoint`, `incident list|show`). It never creates, migrates or writes:
    /// SQLite is opened `mode=ro` (and `immutable` on a copy nobody may write), and on
    /// PostgreSQL a role with only SELECT is enough.
    pub async fn open_read_only(url: &str) -> Result<Store, StoreError> {
        Ok(match Location::parse(url)? {
            Location::Postgres(url) => {
                Store::Postgres(postgres::PgStore::open_read_only(&url).await?)
            }
            Location::Sqlite(path) => {
                Store::Sqlite(sqlite::SqliteStore::open_read_only(&path).await?)
            }
        })
    }

    /// Where the store is, for humans (no password).
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(s) => format!("sqlite:{}", s.path().display()),
            Store::Postgres(s) => s.describe(),
        }
    }

    pub fn origin(&self) -> &str {
        match self {
            Store::Sqlite(s) => s.origin(),
            Store::Postgres(s) => s.origin(),
        }
    }

    /// Seals `events` in one transaction at the current time, signing a checkpoint when
    /// one is due or `force_checkpoint` is set, and appends it to the anchor file.
    pub async fn seal(
        &self,
        events: Vec<Event>,
        ctx: &SealContext,
        force_checkpoint: bool,
    ) -> Result<SealOutcome, StoreError> {
        self.seal_with(events, ctx, force_checkpoint, &[]).await
    }

    /// `seal`, with the gate's table changes `side` applied in the same transaction: all
    /// of it commits or none of it does. A guarded change that finds the state moved on
    /// fails the batch with `StoreError::Conflict`.
    pub async fn seal_with(
        &self,
        events: Vec<Event>,
        ctx: &SealContext,
        force_checkpoint: bool,
        side: &[gate::GateWrite],
    ) -> Result<SealOutcome, StoreError> {
        let batch = SealBatch {
            signer: &ctx.signer,
            now: Timestamp::now(),
            force_checkpoint,
            side,
        };
        let mut outcome = match self {
            Store::Sqlite(s) => s.seal(events, &batch).await?,
            Store::Postgres(s) => s.seal(events, &batch).await?,
        };
        if let Some(anchor) = ctx.anchor.as_deref() {
            outcome.anchor_error = outcome
                .checkpoints
                .iter()
                .find_map(|note| append_anchor(anchor, note).err())
                .map(|e| format!("{}: {e}", anchor.display()));
        }
        Ok(outcome)
    }

    /// Refuses early when sealing could not reach the ledger others read: an SQLite file
    /// deleted, replaced or made read-only under a running process. PostgreSQL reports
    /// such trouble when the seal runs, inside its transaction.
    pub fn check_writable(&self) -> Result<(), NotWritable> {
        match self {
            Store::Sqlite(s) => s.check_writable(),
            Store::Postgres(s) if s.is_read_only() => Err(NotWritable::OpenedForReading {
                store: s.describe(),
            }),
            Store::Postgres(_) => Ok(()),
        }
    }

    /// The `seq` of the newest record (0 when empty).
    pub async fn head_seq(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => s.head_seq().await,
            Store::Postgres(s) => s.head_seq().await,
        }
    }

    pub async fn rows(&self, filter: &Filter, page: Page) -> Result<Vec<StoredRow>, StoreError> {
        match self {
            Store::Sqlite(s) => s.rows(filter, page).await,
            Store::Postgres(s) => s.rows(filter, page).await,
        }
    }

    /// Sends every row, oldest first, to `pages` in pages of `page_rows`, for a full
    /// scan (`verify`). The channel's bound is what bounds memory; the scan stops
    /// early, without error, when the receiver is dropped.
    pub async fn scan(
        &self,
        page_rows: usize,
        pages: tokio::sync::mpsc::Sender<RecordPage>,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => {
                let path = s.path().to_path_buf();
                let access = s.access();
                tokio::task::spawn_blocking(move || {
                    sqlite::scan(&path, access, page_rows, |page| {
                        pages.blocking_send(RecordPage::Scanned(page)).is_ok()
                    })
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("the scanning thread failed: {e}")))?
            }
            Store::Postgres(s) => {
                let limit = u32::try_from(page_rows).unwrap_or(u32::MAX);
                let mut after = 0;
                loop {
                    let rows = s
                        .rows(&Filter::default(), Page::oldest_first(after, limit))
                        .await?;
                    let Some(last) = rows.last() else {
                        return Ok(());
                    };
                    after = last.seq;
                    if pages.send(RecordPage::Owned(rows)).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }

    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        match self {
            Store::Sqlite(s) => s.checkpoints().await,
            Store::Postgres(s) => s.checkpoints().await,
        }
    }

    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self.checkpoints().await?.pop())
    }

    /// Waits until records beyond `after` may exist or `timeout` passes. PostgreSQL
    /// wakes on NOTIFY; SQLite polls.
    pub async fn wait_for_new(
        &self,
        after: u64,
        timeout: std::time::Duration,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.wait_for_new(after, timeout).await,
            Store::Postgres(s) => s.wait_for_new(after, timeout).await,
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close().await,
            Store::Postgres(s) => s.close().await,
        }
    }
}

/// A page of rows read for a full scan, lent out one row at a time.
pub enum RecordPage {
    Scanned(sqlite::ScanPage),
    Owned(Vec<StoredRow>),
}

impl RecordPage {
    pub fn len(&self) -> usize {
        match self {
            RecordPage::Scanned(page) => page.len(),
            RecordPage::Owned(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lends each row to `f`, in `seq` order.
    pub fn for_each(&self, mut f: impl FnMut(RowView<'_>)) {
        match self {
            RecordPage::Scanned(page) => page.for_each(f),
            RecordPage::Owned(rows) => rows.iter().for_each(|r| f(r.view())),
        }
    }
}

/// Appends a signed note to the anchor file and syncs it to disk.
fn append_anchor(path: &Path, note: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(note.as_bytes())?;
    f.sync_data()
}

/// Decodes a row selected with `query::ROW_COLUMNS`, on either engine.
pub(crate) fn stored_row<'r, R>(r: &'r R) -> Result<StoredRow, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let seq: i64 = r.try_get(0)?;
    let exercise: i64 = r.try_get(12)?;
    Ok(StoredRow {
        seq: seq as u64,
        hash: r.try_get(1)?,
        record: r.try_get(2)?,
        columns: IndexedColumns {
            event_id: r.try_get(3)?,
            time: r.try_get(4)?,
            kind: r.try_get(5)?,
            tier: r.try_get(6)?,
            reason_code: r.try_get(7)?,
            agent_id: r.try_get(8)?,
            correlation_id: r.try_get(9)?,
            environment: r.try_get(10)?,
            outcome: r.try_get(11)?,
            exercise: exercise != 0,
        },
    })
}

/// The origin a new log gets when none is configured.
pub fn default_origin(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("custody.local/{clean}")
}

fn signed_at_ms(text: &str) -> i64 {
    text.parse::<Timestamp>().map(|t| t.millis()).unwrap_or(0)
}
