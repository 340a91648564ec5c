//! Reading rows in packs. sqlx hands a SQLite result over one row at a time from its
//! worker thread, copying each column into an allocation of its own on the way; for a
//! full scan (`verify`, `export`) that hand-off cost several times SQLite's own work.
//! So a page is fetched as a few aggregate rows, each packing up to `PACK` rows, and
//! split here. A pack carries, for its rows in order: a header per row (`seq`,
//! `exercise` and the byte length of each text column, -1 for NULL, as decimal text),
//! the records back to back, and the other text columns back to back. Lengths, not
//! separators, delimit the values, so whatever bytes a tampered row holds are read
//! back exactly.

use super::super::query::{select_rows, Bind, Filter, Order, Page, Placeholder};
use super::super::{query_err, StoreError};
use crate::ledger::columns::IndexedColumns;
use crate::ledger::verify::StoredRow;
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

/// One pack as SQLite returns it.
type Pack = (
    i64,
    Option<i64>,
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// The same rows, in the same order, as `select_rows(filter, page)` returns.
pub async fn rows(
    pool: &SqlitePool,
    filter: &Filter,
    page: Page,
) -> Result<Vec<StoredRow>, StoreError> {
    let mut out: Vec<StoredRow> = Vec::with_capacity(page.limit.min(8192) as usize);
    let pack_size = |done: usize| PACK.min(page.limit.saturating_sub(done as u32));
    let mut want = pack_size(0);
    if want == 0 {
        return Ok(out);
    }
    let mut pack = fetch(pool, filter, page.order, page.cursor, want).await?;
    loop {
        let (count, edge, ..) = pack;
        let full = count == i64::from(want);
        let next_want = pack_size(out.len() + count.max(0) as usize);
        // The next pack is read while this one is split: SQLite works on its own
        // thread, so the two overlap.
        let next = match edge {
            Some(edge) if full && next_want > 0 => {
                let cursor = Some(edge as u64);
                let (next, unpacked) =
                    tokio::join!(fetch(pool, filter, page.order, cursor, next_want), async {
                        unpack(pack, page.order, &mut out)
                    });
                unpacked?;
                Some(next?)
            }
            _ => {
                unpack(pack, page.order, &mut out)?;
                None
            }
        };
        match next {
            Some(p) => {
                pack = p;
                want = next_want;
            }
            None => return Ok(out),
        }
    }
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
    let lengths: Vec<String> = std::iter::once("record")
        .chain(OTHER_TEXT)
        .map(|c| format!("coalesce(octet_length({c}), -1)"))
        .collect();
    let sql = format!(
        "SELECT count(*), {edge}, group_concat(concat_ws(',', seq, exercise, {}), ';'), \
         group_concat(record, ''), group_concat(concat({}), '') FROM ({})",
        lengths.join(", "),
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
    let (count, _, headers, records, others) = pack;
    let first = out.len();
    let mut records = records.as_deref().unwrap_or_default();
    let mut others = others.as_deref().unwrap_or_default();
    for header in headers.as_deref().unwrap_or_default().split(';') {
        if header.is_empty() {
            continue;
        }
        let mut numbers = header.split(',').map(|n| n.parse::<i64>().ok());
        let mut next = || {
            numbers
                .next()
                .flatten()
                .ok_or_else(|| corrupt("a packed row header is malformed"))
        };
        let seq = next()?;
        let exercise = next()?;
        let record = take(&mut records, next()?)?;
        let mut texts: [Option<String>; OTHER_TEXT.len()] = Default::default();
        for t in &mut texts {
            *t = take(&mut others, next()?)?;
        }
        let [hash, event_id, time, kind, tier, reason_code, agent_id, correlation_id, environment, outcome] =
            texts;
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
    if (out.len() - first) as i64 != count || !records.is_empty() || !others.is_empty() {
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
