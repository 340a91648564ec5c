//! The sealing transaction on SQLite: one connection kept for it, driven through
//! rusqlite on a blocking thread, one prepared INSERT per record.
//!
//! Not sqlx, which keeps the schema and every read: it hands each statement to a
//! worker thread and copies each bound value into an allocation of its own, and the
//! multi-row INSERTs that amortise the hand-off make SQLite copy every value twice
//! more. For 1–2 KB records that overhead cost more CPU than SQLite's own B-tree
//! work. Records are sealed (canonical JSON, hashing) a slice at a time on a second
//! thread while the previous slice is inserted, so the two overlap.

use super::super::batch::{split_duplicates, Planner, TipRows, TipState};
use super::super::gate::{statements, GateWrite, Value};
use super::super::projection::{self, advance, db::block_on, is_projected};
use super::super::{SealOutcome, Sealed, StoreError};
use crate::event::{Event, Timestamp};
use crate::ledger::columns::{search_text, IndexedColumns};
use crate::ledger::note::NoteSigner;
use crate::ledger::seal::hash_hex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;
use std::time::Duration;

/// Records per slice sealed ahead of the writer.
const SLICE: usize = 256;

/// Page cache of the sealing connection, in KiB. A batch touches megabytes of table
/// and index pages; in SQLite's default 2 MB cache they would spill to the WAL
/// mid-transaction and be read back.
const CACHE_KIB: i64 = 32 * 1024;

const INSERT_EVENT: &str = "INSERT OR FAIL INTO events (seq, event_id, time, recorded_at, \
     kind, tier, reason_code, agent_id, correlation_id, environment, outcome, exercise, hash, \
     record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
const INSERT_SEARCH: &str = "INSERT OR FAIL INTO search_text (seq, text) VALUES (?1, ?2)";

/// What one seal needs besides the events, owned so it can cross to a blocking thread.
pub struct Job {
    pub signer: NoteSigner,
    pub now: Timestamp,
    pub force_checkpoint: bool,
    pub origin: String,
    pub side: Vec<GateWrite>,
}

/// The one connection that seals, opened on first use and kept, so its page cache
/// stays warm from one batch to the next. Whoever holds the lock is the only writer;
/// `BEGIN IMMEDIATE` keeps other processes out.
pub struct Sealer {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl Sealer {
    pub fn new(path: &Path) -> Self {
        Sealer {
            path: path.to_path_buf(),
            conn: Mutex::new(None),
        }
    }

    /// Seals `events` in one transaction. Blocks.
    pub fn seal(&self, events: Vec<Event>, job: &Job) -> Result<SealOutcome, StoreError> {
        let mut kept = self.conn.lock().unwrap_or_else(|poisoned| {
            // A panic mid-seal rolled its transaction back; the connection is not trusted.
            let mut kept = poisoned.into_inner();
            *kept = None;
            kept
        });
        let conn = match &mut *kept {
            Some(conn) => conn,
            empty => empty.insert(open(&self.path)?),
        };
        let outcome = seal_on(conn, events, job);
        if outcome.is_err() {
            // Whatever broke the batch may have broken the connection too; the next
            // batch opens a fresh one rather than failing the same way forever.
            *kept = None;
        }
        outcome
    }

    /// Runs `f` in a write transaction of its own on the sealing connection (the
    /// projection's rebuild), committing when it succeeds. Blocks.
    pub fn with_tx<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut kept = self.conn.lock().unwrap_or_else(|poisoned| {
            let mut kept = poisoned.into_inner();
            *kept = None;
            kept
        });
        let conn = match &mut *kept {
            Some(conn) => conn,
            empty => empty.insert(open(&self.path)?),
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("starting a projection transaction"))?;
        let out = f(&tx)?;
        tx.commit().map_err(failed("committing the projection"))?;
        Ok(out)
    }

    pub fn close(&self) {
        let taken = match self.conn.lock() {
            Ok(mut kept) => kept.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(conn) = taken {
            let _ = conn.close();
        }
    }
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let url = format!("sqlite:{}", path.display());
    let cannot = |source| StoreError::SqliteOpen {
        url: url.clone(),
        source,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(cannot)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(cannot)?;
    // WAL is a property of the file (set when it was created); `synchronous` is not,
    // and FULL is what makes a committed batch survive a power cut.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(cannot)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(cannot)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)
        .map_err(cannot)?;
    // The duplicate lookup's temporary structures stay in memory.
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(cannot)?;
    Ok(conn)
}

fn failed(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { what, source }
}

/// One sealing transaction.
fn seal_on(
    conn: &mut Connection,
    events: Vec<Event>,
    job: &Job,
) -> Result<SealOutcome, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed("starting the sealing transaction"))?;
    let tip = read_tip(&tx, &job.origin)?;
    let existing = stored_ids(&tx, &events)?;
    let (fresh, duplicates) = split_duplicates(events, &existing);
    let planner = Planner::new(tip, &job.origin, job.now);
    let (planner, sealed, projected) = seal_and_insert(&tx, planner, fresh, &job.now.to_rfc3339())?;
    let (frontier, checkpoints) = planner.finish(&job.signer, job.force_checkpoint)?;
    tx.execute(
        "INSERT INTO tree_state (id, size, frontier) VALUES (1, ?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
        params![frontier.size() as i64, frontier.encode()],
    )
    .map_err(failed("saving the Merkle frontier"))?;
    for (size, note) in &checkpoints {
        tx.execute(
            "INSERT INTO checkpoints (tree_size, note, signed_at) VALUES (?1, ?2, ?3)",
            params![*size as i64, note, job.now.to_rfc3339()],
        )
        .map_err(failed("storing the checkpoint"))?;
    }
    block_on(advance(&mut projection::db::Sqlite(&tx), &projected))?;
    apply_side(&tx, &job.side)?;
    tx.commit().map_err(failed("committing the batch"))?;
    Ok(SealOutcome {
        sealed,
        duplicates,
        checkpoints: checkpoints.into_iter().map(|(_, note)| note).collect(),
        anchor_error: None,
    })
}

/// The gate's table changes, inside the sealing transaction; a guard that matches no
/// row fails the batch (dropping the transaction rolls it back).
fn apply_side(conn: &Connection, side: &[GateWrite]) -> Result<(), StoreError> {
    for w in side {
        for (sql, values, guarded) in statements(w) {
            let values: Vec<rusqlite::types::Value> = values
                .into_iter()
                .map(|v| match v {
                    Value::Text(s) => rusqlite::types::Value::Text(s),
                    Value::Int(i) => rusqlite::types::Value::Integer(i),
                    Value::Null => rusqlite::types::Value::Null,
                })
                .collect();
            let changed = conn
                .prepare_cached(sql)
                .and_then(|mut st| st.execute(rusqlite::params_from_iter(values)))
                .map_err(failed("updating the gate's tables"))?;
            if guarded && changed == 0 {
                return Err(StoreError::Conflict(w.conflict()));
            }
        }
    }
    Ok(())
}

/// The ids among `events` that are already stored.
fn stored_ids(conn: &Connection, events: &[Event]) -> Result<HashSet<String>, StoreError> {
    let ids = serde_json::to_string(
        &events
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let what = "looking up duplicate event ids";
    let mut statement = conn
        .prepare_cached(
            "SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?1))",
        )
        .map_err(failed(what))?;
    let found = statement
        .query_map([ids], |r| r.get::<_, String>(0))
        .map_err(failed(what))?
        .collect::<Result<HashSet<_>, _>>()
        .map_err(failed(what));
    found
}

/// One sealed record as it is inserted.
struct Row {
    index: usize,
    seq: i64,
    columns: IndexedColumns,
    hash: String,
    record: String,
    search: String,
    /// The event, when the projection folds it.
    projected: Option<Event>,
}

fn seal_slice(planner: &mut Planner, events: Vec<(usize, Event)>) -> Vec<Row> {
    planner
        .seal(events)
        .into_iter()
        .map(|(index, r)| Row {
            index,
            seq: r.seq as i64,
            columns: IndexedColumns::of(&r.event),
            search: search_text(&r.event),
            hash: hash_hex(&r.hash),
            record: r.canonical,
            projected: is_projected(&r.event).then(|| r.event.clone()),
        })
        .collect()
}

/// Seals `fresh` a slice at a time on a second thread while this one inserts the
/// slices already sealed. Hands the planner back for the batch's frontier, with the
/// sealed events the projection folds.
#[allow(clippy::type_complexity)]
fn seal_and_insert(
    conn: &Connection,
    mut planner: Planner,
    fresh: Vec<(usize, Event)>,
    recorded_at: &str,
) -> Result<(Planner, Vec<Sealed>, Vec<(u64, Event)>), StoreError> {
    let mut insert_event = conn
        .prepare_cached(INSERT_EVENT)
        .map_err(failed("preparing to insert sealed records"))?;
    let mut insert_search = conn
        .prepare_cached(INSERT_SEARCH)
        .map_err(failed("preparing to insert search text"))?;
    let mut sealed = Vec::with_capacity(fresh.len());
    let mut projected = Vec::new();
    let (send, receive) = sync_channel::<Vec<Row>>(2);
    std::thread::scope(|scope| {
        let sealing = scope.spawn(move || {
            let mut fresh = fresh.into_iter();
            loop {
                let slice: Vec<_> = fresh.by_ref().take(SLICE).collect();
                // The writer hung up (an insert failed): stop sealing.
                if slice.is_empty() || send.send(seal_slice(&mut planner, slice)).is_err() {
                    return planner;
                }
            }
        });
        let mut inserted = Ok(());
        'slices: for rows in receive {
            for row in rows {
                let c = &row.columns;
                let done = insert_event
                    .execute(params![
                        row.seq,
                        c.event_id,
                        c.time,
                        recorded_at,
                        c.kind,
                        c.tier,
                        c.reason_code,
                        c.agent_id,
                        c.correlation_id,
                        c.environment,
                        c.outcome,
                        c.exercise,
                        row.hash,
                        row.record,
                    ])
                    .map_err(failed("inserting sealed records"))
                    .and_then(|_| {
                        insert_search
                            .execute(params![row.seq, row.search])
                            .map_err(failed("inserting search text"))
                    });
                if let Err(e) = done {
                    inserted = Err(e);
                    break 'slices;
                }
                if let Some(e) = row.projected {
                    projected.push((row.seq as u64, e));
                }
                sealed.push(Sealed {
                    index: row.index,
                    seq: row.seq as u64,
                    hash: row.hash,
                });
            }
        }
        let planner = sealing
            .join()
            .map_err(|_| StoreError::Corrupt("the sealing thread panicked".into()))?;
        inserted.map(|()| (planner, sealed, projected))
    })
}

/// The head of the chain, the Merkle frontier (from the cache when it reproduces the
/// newest checkpoint, else rebuilt from the hashes) and the latest checkpoint, read
/// inside the transaction.
fn read_tip(conn: &Connection, origin: &str) -> Result<TipState, StoreError> {
    let pair = |sql: &str, what| {
        conn.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(failed(what))
    };
    let rows = TipRows {
        head: pair(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
            "reading the head of the ledger",
        )?,
        cached: pair(
            "SELECT size, frontier FROM tree_state WHERE id = 1",
            "reading the Merkle frontier",
        )?,
        last_checkpoint: conn
            .query_row(
                "SELECT tree_size, signed_at, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(failed("reading the latest checkpoint"))?,
    };
    let start = rows.trusted_start(origin)?;
    let after = start.as_ref().map_or(0, |f| f.size() as i64);
    let what = "reading the records' hashes";
    let mut statement = conn
        .prepare("SELECT hash FROM events WHERE seq > ?1 ORDER BY seq")
        .map_err(failed(what))?;
    let hashes = statement
        .query_map([after], |r| r.get::<_, String>(0))
        .map_err(failed(what))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed(what))?;
    rows.tip(origin, start, &hashes)
}
