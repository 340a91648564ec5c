//! The full scan `verify` reads: every row, oldest first, in pages. It steps one plain
//! statement through rusqlite on a connection of its own, on a blocking thread, and
//! copies each row's columns once into its page. sqlx would hand each value over
//! through its worker thread, copied into an allocation of its own (and the packed
//! reads that avoid that copy every record three more times inside SQLite), which cost
//! about as much CPU as hashing the records. One statement is also one read
//! transaction: the scan sees a single snapshot of the log.
//!
//! Read only in effect (`query_only`), and opened read-only for a reading command (see
//! `open.rs`); the schema and every write stay with sqlx.

use super::super::StoreError;
use crate::ledger::columns::StoredColumns;
use crate::store::RowView;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::time::Duration;

/// The columns of `query::ROW_COLUMNS`, `seq` and `exercise` first.
const SELECT: &str = "SELECT seq, exercise, hash, record, event_id, time, kind, tier, \
     reason_code, agent_id, correlation_id, environment, outcome \
     FROM events WHERE seq > ?1 ORDER BY seq";

/// Text columns after `seq` and `exercise`.
const TEXT_COLUMNS: usize = 11;

/// One page of scanned rows: their text back to back in one buffer, and where each
/// value sits.
pub struct ScanPage {
    bytes: Vec<u8>,
    rows: Vec<RowSpans>,
    /// Where the buffer goes back to when the page is dropped, so the scan refills
    /// memory that is already mapped instead of faulting in fresh pages for every page.
    recycle: SyncSender<Vec<u8>>,
}

impl Drop for ScanPage {
    fn drop(&mut self) {
        let _ = self.recycle.try_send(std::mem::take(&mut self.bytes));
    }
}

#[derive(Clone)]
struct RowSpans {
    seq: u64,
    exercise: bool,
    /// `hash`, `record`, then the indexed text columns; `None` is NULL.
    text: [Option<Range<usize>>; TEXT_COLUMNS],
}

impl ScanPage {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Lends each row, in `seq` order, to `f`. A NULL where the schema forbids one
    /// (only a damaged file holds it) is lent as empty text.
    pub fn for_each(&self, mut f: impl FnMut(RowView<'_>)) {
        for r in &self.rows {
            let t = |i: usize| r.text[i].clone().and_then(|span| self.bytes.get(span));
            f(RowView {
                seq: r.seq,
                hash: t(0).unwrap_or_default(),
                record: t(1).unwrap_or_default(),
                columns: StoredColumns {
                    event_id: t(2).unwrap_or_default(),
                    time: t(3).unwrap_or_default(),
                    kind: t(4).unwrap_or_default(),
                    tier: t(5),
                    reason_code: t(6),
                    agent_id: t(7),
                    correlation_id: t(8),
                    environment: t(9),
                    outcome: t(10),
                    exercise: r.exercise,
                },
            });
        }
    }
}

/// Reads every row with `seq` above 0, in pages of `page_rows`, handing each page to
/// `deliver`; stops early when `deliver` returns `false`. Blocks: run it on a thread
/// of its own.
pub fn scan(
    path: &Path,
    access: super::Access,
    page_rows: usize,
    mut deliver: impl FnMut(ScanPage) -> bool,
) -> Result<(), StoreError> {
    let url = format!("sqlite:{}", path.display());
    let open_err =
        |e: rusqlite::Error| StoreError::Corrupt(format!("cannot open {url} to verify it: {e}"));
    let (target, flags) = super::open::rusqlite_target(path, access);
    let conn = Connection::open_with_flags(target, flags).map_err(open_err)?;
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(open_err)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(open_err)?;
    let read_err =
        |e: rusqlite::Error| StoreError::Corrupt(format!("reading records from {url}: {e}"));
    let mut statement = conn.prepare(SELECT).map_err(read_err)?;
    let mut rows = statement.query([0i64]).map_err(read_err)?;
    // Buffers of pages the consumer is done with; a few are enough to go round.
    let (recycle, spare) = sync_channel::<Vec<u8>>(4);
    let new_page = || {
        let mut bytes = spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(page_rows * 2048));
        bytes.clear();
        ScanPage {
            bytes,
            rows: Vec::with_capacity(page_rows),
            recycle: recycle.clone(),
        }
    };
    let mut page = new_page();
    while let Some(row) = rows.next().map_err(read_err)? {
        let seq: i64 = row.get(0).map_err(read_err)?;
        let exercise = match row.get_ref(1).map_err(read_err)? {
            ValueRef::Integer(i) => i != 0,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "reading records from {url}: `exercise` of seq {seq} is not an integer"
                )))
            }
        };
        let mut text: [Option<Range<usize>>; TEXT_COLUMNS] = Default::default();
        for (i, slot) in text.iter_mut().enumerate() {
            let from = page.bytes.len();
            *slot = match row.get_ref(i + 2).map_err(read_err)? {
                ValueRef::Null => None,
                ValueRef::Text(b) | ValueRef::Blob(b) => {
                    page.bytes.extend_from_slice(b);
                    Some(from..page.bytes.len())
                }
                // Only a table rebuilt without its STRICT types holds these; shown as
                // SQLite would print them, they compare unequal to any sealed text.
                ValueRef::Integer(n) => {
                    let _ = write!(page.bytes, "{n}");
                    Some(from..page.bytes.len())
                }
                ValueRef::Real(x) => {
                    let _ = write!(page.bytes, "{x}");
                    Some(from..page.bytes.len())
                }
            };
        }
        page.rows.push(RowSpans {
            seq: seq as u64,
            exercise,
            text,
        });
        if page.rows.len() == page_rows && !deliver(std::mem::replace(&mut page, new_page())) {
            return Ok(());
        }
    }
    if !page.rows.is_empty() {
        deliver(page);
    }
    Ok(())
}
