//! Writing sealed records on SQLite. A batch is sealed a slice at a time on a
//! blocking thread while the previous slice is inserted, so hashing and canonical
//! JSON (CPU) overlap SQLite's B-tree work (its own thread) instead of alternating.

use super::super::batch::Planner;
use super::super::{query_err, Sealed, StoreError};
use crate::event::Event;
use crate::ledger::columns::{search_text, IndexedColumns};
use crate::ledger::seal::hash_hex;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// Rows per INSERT statement (14 parameters each, well under SQLite's limit) and per
/// slice sealed ahead of the writer.
pub const SLICE: usize = 256;

/// One sealed record as it is inserted, every value owned so binding copies nothing.
pub struct Row {
    seq: i64,
    columns: IndexedColumns,
    hash: String,
    record: String,
    search: String,
}

/// Seals one slice and derives its rows; also what the caller reports per record.
pub fn seal_slice(planner: &mut Planner, events: Vec<(usize, Event)>) -> (Vec<Row>, Vec<Sealed>) {
    let sealed = planner.seal(events);
    let mut rows = Vec::with_capacity(sealed.len());
    let mut done = Vec::with_capacity(sealed.len());
    for (index, r) in sealed {
        let hash = hash_hex(&r.hash);
        done.push(Sealed {
            index,
            seq: r.seq,
            hash: hash.clone(),
        });
        rows.push(Row {
            seq: r.seq as i64,
            columns: IndexedColumns::of(&r.event),
            search: search_text(&r.event),
            hash,
            record: r.canonical,
        });
    }
    (rows, done)
}

/// Inserts rows into `events` and `search_text`. `OR FAIL` rather than the default
/// `ABORT`: a failure fails the whole sealing transaction anyway, and without a
/// statement that may need undoing on its own, SQLite keeps no statement journal
/// (a copy of every page the INSERT touches).
pub async fn insert(
    conn: &mut SqliteConnection,
    rows: Vec<Row>,
    recorded_at: &str,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut search: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT OR FAIL INTO search_text (seq, text) ");
    search.push_values(rows.iter(), |mut b, r| {
        b.push_bind(r.seq).push_bind(r.search.clone());
    });
    let mut events: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT OR FAIL INTO events (seq, event_id, time, recorded_at, kind, tier, reason_code, \
         agent_id, correlation_id, environment, outcome, exercise, hash, record) ",
    );
    events.push_values(rows, |mut b, r| {
        let c = r.columns;
        b.push_bind(r.seq)
            .push_bind(c.event_id)
            .push_bind(c.time)
            .push_bind(recorded_at.to_string())
            .push_bind(c.kind)
            .push_bind(c.tier)
            .push_bind(c.reason_code)
            .push_bind(c.agent_id)
            .push_bind(c.correlation_id)
            .push_bind(c.environment)
            .push_bind(c.outcome)
            .push_bind(i64::from(c.exercise))
            .push_bind(r.hash)
            .push_bind(r.record);
    });
    events
        .build()
        .execute(&mut *conn)
        .await
        .map_err(query_err("inserting sealed records"))?;
    search
        .build()
        .execute(&mut *conn)
        .await
        .map_err(query_err("inserting search text"))?;
    Ok(())
}
