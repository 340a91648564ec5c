//! Reading rows in packs. sqlx hands a SQLite result over one row at a time from its
//! worker thread, copying each column into an allocation of its own on the way; for a
//! full scan (`export`; `verify` has its own, `scan`) that hand-off cost several times
//! SQLite's own work.
//! So a page is fetched as a few aggregate rows, each packing up to `PACK` rows, and
//! split here. A pack carries, for its rows in order, one JSON array per row (`seq`,
//! `exercise`, the byte length of `record`, then the other text columns, `null` for
//! NULL) and the records back to back. JSON escaping and the length, not separators,
//! delimit the values, so whatever bytes a tampered row holds are read back exactly.

use super::super::query::{select_rows, Bind, Placeholder};
use super::super::{query_err, StoreError};
use crate::ledger::columns::IndexedColumns;
use crate::query::{Filter, Order, Page};
use crate::store::StoredRow;
use sqlx::SqlitePool;

/// Rows per pack: enough that hand-offs stop mattering, few enough that SQLite builds
/// each value in memory without growing it many times.
const PACK: u32 = 256;

/// The text columns of `query::ROW_COLUMNS` other than `record`, in packed order.
const OTHER_TEXT: [&str; 10] = [
    "hash",
    "event_id",
    "time",
    "kind",
    "tier",
    "reason_code",
    "agent_id",
    "correlation_id",
    "environment",
    "outcome",
];

/// One pack as SQLite returns it: row count, last `seq`, the rows' JSON arrays (one
/// per line) and their records.
type Pack = (i64, Option<i64>, Option<Vec<u8>>, Option<Vec<u8>>);

/// A row's JSON array, as packed.
type PackedRow = (
    i64,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The same rows, in the same order, as `select_rows(filter, page)` returns.
///
/// Packs already read are split while the next are read (SQLite works on its own
/// thread). Reading oldest first from a known `seq`, as `export` does, the
/// pack after next is read at the same time on a second connection, on the guess that
/// the next pack holds consecutive `seq`s; when it does not (a gap), the guess is
/// dropped and that pack read again from where the first one really ended.
pub async fn rows(
    pool: &SqlitePool,
    filter: &Filter,
    page: Page,
) -> Result<Vec<StoredRow>, StoreError> {
    let mut out: Vec<StoredRow> = Vec::with_capacity(page.limit.min(8192) as usize);
    let mut fetched: Vec<Pack> = Vec::new();
    let mut cursor = page.cursor;
    let mut received: u32 = 0;
    loop {
        let want = PACK.min(page.limit - received);
        if want == 0 {
            break;
        }
        let guess = match (page.order, cursor) {
            (Order::OldestFirst, Some(c)) if page.limit - received > want => {
                Some((c + u64::from(want), PACK.min(page.limit - received - want)))
            }
            _ => None,
        };
        let reading = async {
            let next = fetch(pool, filter, page.order, cursor, want);
            match guess {
                Some((after, guess_want)) => {
                    let guessed = fetch(pool, filter, page.order, Some(after), guess_want);
                    let (next, guessed) = tokio::join!(next, guessed);
                    Ok::<_, StoreError>((next?, Some((after, guess_want, guessed?))))
                }
                None => Ok((next.await?, None)),
            }
        };
        let splitting = async {
            fetched
                .drain(..)
                .try_for_each(|pack| unpack(pack, page.order, &mut out))
        };
        let (read, split) = tokio::join!(reading, splitting);
        split?;
        let (next, guessed) = read?;
        let (count, edge) = (next.0, next.1);
        fetched.push(next);
        if count != i64::from(want) {
            break;
        }
        received += want;
        cursor = edge.map(|e| e as u64);
        match guessed {
            Some((after, guess_want, pack)) if cursor == Some(after) => {
                let (count, edge) = (pack.0, pack.1);
                fetched.push(pack);
                if count != i64::from(guess_want) {
                    break;
                }
                received += guess_want;
                cursor = edge.map(|e| e as u64);
            }
            _ => {}
        }
    }
    for pack in fetched {
        unpack(pack, page.order, &mut out)?;
    }
    Ok(out)
}

async fn fetch(
    pool: &SqlitePool,
    filter: &Filter,
    order: Order,
    cursor: Option<u64>,
    limit: u32,
) -> Result<Pack, StoreError> {
    let inner = select_rows(
        Placeholder::Question,
        filter,
        Page {
            cursor,
            limit,
            order,
        },
    );
    let edge = match order {
        Order::OldestFirst => "max(seq)",
        Order::NewestFirst => "min(seq)",
    };
    // A NULL record packs as length -1 (and nothing in the records).
    let sql = format!(
        "SELECT count(*), {edge}, \
         group_concat(json_array(seq, exercise, coalesce(octet_length(record), -1), {}), char(10)), \
         group_concat(record, '') FROM ({})",
        OTHER_TEXT.join(", "),
        inner.text
    );
    let mut q = sqlx::query_as::<_, Pack>(&sql);
    for b in inner.binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    q.fetch_one(pool)
        .await
        .map_err(query_err("reading records"))
}

fn unpack(pack: Pack, order: Order, out: &mut Vec<StoredRow>) -> Result<(), StoreError> {
    let (count, _, arrays, records) = pack;
    let first = out.len();
    let mut records = records.as_deref().unwrap_or_default();
    let arrays = arrays.as_deref().unwrap_or_default();
    // JSON escapes every line feed inside a string, so one appears only between rows.
    for array in arrays.split(|&b| b == b'\n').filter(|a| !a.is_empty()) {
        let row: PackedRow = serde_json::from_slice(array).map_err(|e| decode_err(Box::new(e)))?;
        let (seq, exercise, record_len, hash, event_id, time, kind, tier, reason_code) = (
            row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
        );
        let (agent_id, correlation_id, environment, outcome) = (row.9, row.10, row.11, row.12);
        let record = take(&mut records, record_len)?;
        out.push(StoredRow {
            seq: seq as u64,
            hash: required(hash, "hash")?,
            record: required(record, "record")?,
            columns: IndexedColumns {
                event_id: required(event_id, "event_id")?,
                time: required(time, "time")?,
                kind: required(kind, "kind")?,
                tier,
                reason_code,
                agent_id,
                correlation_id,
                environment,
                outcome,
                exercise: exercise != 0,
            },
        });
    }
    if (out.len() - first) as i64 != count || !records.is_empty() {
        return Err(corrupt("a pack does not hold the rows it counted"));
    }
    put_in_order(&mut out[first..], order);
    Ok(())
}

/// The next `len` bytes as text (`len` -1 is NULL).
fn take(bytes: &mut &[u8], len: i64) -> Result<Option<String>, StoreError> {
    let Ok(len) = usize::try_from(len) else {
        return Ok(None);
    };
    if bytes.len() < len {
        return Err(corrupt("a pack is shorter than its headers say"));
    }
    let (text, rest) = bytes.split_at(len);
    *bytes = rest;
    String::from_utf8(text.to_vec())
        .map(Some)
        .map_err(|e| decode_err(Box::new(e)))
}

fn required(text: Option<String>, column: &str) -> Result<String, StoreError> {
    text.ok_or_else(|| decode_err(format!("column `{column}` is NULL").into()))
}

/// SQLite keeps a subquery's order through an aggregate in practice but does not
/// promise it, so the order is checked and restored if needed.
fn put_in_order(rows: &mut [StoredRow], order: Order) {
    let in_order = rows.windows(2).all(|w| match order {
        Order::OldestFirst => w[0].seq < w[1].seq,
        Order::NewestFirst => w[0].seq > w[1].seq,
    });
    if !in_order {
        match order {
            Order::OldestFirst => rows.sort_by_key(|r| r.seq),
            Order::NewestFirst => rows.sort_by_key(|r| std::cmp::Reverse(r.seq)),
        }
    }
}

/// The error a row that cannot be decoded gave before rows were packed.
fn decode_err(source: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Query {
        what: "decoding a record row",
        source: sqlx::Error::Decode(source),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("reading records: {what}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::SqliteStore;
    use super::*;
    use crate::demo::{history, DemoSpec};
    use crate::event::{Tier, Timestamp};
    use crate::ledger::note::NoteSigner;
    use crate::store::{stored_row, SealBatch};

    /// The rows as the plain one-row-at-a-time query returns them.
    async fn unpacked(pool: &SqlitePool, filter: &Filter, page: Page) -> Vec<StoredRow> {
        let sql = select_rows(Placeholder::Question, filter, page);
        let mut q = sqlx::query(&sql.text);
        for b in sql.binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(pool).await.unwrap();
        rows.iter().map(|r| stored_row(r).unwrap()).collect()
    }

    fn same(a: &[StoredRow], b: &[StoredRow]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (x.seq, &x.hash, &x.record, &x.columns) == (y.seq, &y.hash, &y.record, &y.columns)
            })
    }

    #[tokio::test]
    async fn packed_pages_hold_exactly_the_rows_of_the_plain_query_even_across_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("packed.db"), None, true)
            .await
            .unwrap();
        let signer = NoteSigner::generate("test").unwrap();
        let spec = DemoSpec {
            seed: 3,
            events: 1500,
            days: 2,
            until: "2026-11-20T12:00:00Z".parse().unwrap(),
        };
        let ctx = SealBatch {
            signer: &signer,
            now: Timestamp::now(),
            force_checkpoint: false,
            side: &[],
        };
        store.seal(history(&spec).collect(), &ctx).await.unwrap();
        // Gaps where a guessed pack would start, inside one, and a lone missing row,
        // plus a NULL in an indexed column.
        sqlx::raw_sql(
            "DROP TRIGGER events_no_delete; DROP TRIGGER events_no_update; \
             DELETE FROM events WHERE seq BETWEEN 257 AND 300 OR seq = 700 OR seq = 1025; \
             UPDATE events SET tier = NULL WHERE seq = 5",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let tier = Filter {
            tiers: vec![Tier::T1],
            ..Filter::default()
        };
        let all = Filter::default();
        for (filter, page) in [
            (&all, Page::oldest_first(0, 5000)),
            (&all, Page::oldest_first(0, 600)),
            (&all, Page::oldest_first(250, 513)),
            (&all, Page::oldest_first(1400, 512)),
            (&all, Page::oldest_first(2000, 10)),
            (&all, Page::oldest_first(0, 0)),
            (&all, Page::newest_first(None, 700)),
            (&all, Page::newest_first(Some(800), 300)),
            (&tier, Page::oldest_first(0, 400)),
            (&tier, Page::newest_first(None, 1000)),
        ] {
            let want = unpacked(&store.pool, filter, page).await;
            let got = rows(&store.pool, filter, page).await.unwrap();
            assert!(same(&got, &want), "{page:?} with {filter:?}");
        }
    }
}
