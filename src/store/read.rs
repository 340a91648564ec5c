//! Read-side queries the console needs beyond paging: counts for the header, agent
//! summaries, the search scan, and rows by seq. Each is bounded or aggregated in the
//! engine; none loads the log into memory.

use super::query::{select_by_seq, Bind, Placeholder, Sql};
use super::{query_err, stored_row, Store, StoreError};
use crate::event::Timestamp;
use crate::store::StoredRow;

/// One agent's totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTotals {
    pub agent_id: String,
    pub events: u64,
    pub failures: u64,
    pub by_tier: [u64; 4],
    pub last_seq: u64,
}

/// Counts over a recent window must walk the time index: without statistics, SQLite
/// prefers the tier index (it yields the groups in order) and then reads every row of
/// the log for its time, seconds on a million events instead of milliseconds.
const TIER_COUNTS_SQLITE: &str =
    "SELECT tier, COUNT(*) FROM events INDEXED BY events_time WHERE time >= ";
const TIER_COUNTS: &str = "SELECT tier, COUNT(*) FROM events WHERE time >= ";
/// Per-agent totals over a recent window (the time index bounds the work, as above).
const AGENT_TOTALS_COLUMNS: &str = "SELECT agent_id, COUNT(*), \
     SUM(CASE WHEN outcome IN ('failure', 'error') THEN 1 ELSE 0 END), \
     SUM(CASE WHEN tier = 'T0' THEN 1 ELSE 0 END), SUM(CASE WHEN tier = 'T1' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN tier = 'T2' THEN 1 ELSE 0 END), SUM(CASE WHEN tier = 'T3' THEN 1 ELSE 0 END), \
     MAX(seq) FROM events";
/// Only what the agents did: the control and incident events people wrote about an agent
/// carry its id too, but are not its activity.
const AGENT_TOTALS_TAIL: &str = " AND agent_id IS NOT NULL \
     AND kind NOT LIKE 'control.%' AND kind NOT LIKE 'incident.%' \
     GROUP BY agent_id ORDER BY MAX(seq) DESC";

impl Store {
    fn placeholder(&self) -> Placeholder {
        match self {
            Store::Sqlite(_) => Placeholder::Question,
            Store::Postgres(_) => Placeholder::Dollar,
        }
    }

    /// Events per tier with an event time at or after `since`.
    pub async fn tier_counts(&self, since: Timestamp) -> Result<[u64; 4], StoreError> {
        let select = match self {
            Store::Sqlite(_) => TIER_COUNTS_SQLITE,
            Store::Postgres(_) => TIER_COUNTS,
        };
        let mut sql = Sql::new(self.placeholder(), select);
        sql.bind(Bind::Text(since.to_rfc3339()))
            .push(" GROUP BY tier");
        let rows: Vec<(Option<String>, i64)> = match self {
            Store::Sqlite(s) => bind_sqlite(sqlx::query_as(&sql.text), &sql.binds)
                .fetch_all(&s.pool)
                .await
                .map_err(query_err("counting tiers"))?,
            Store::Postgres(s) => bind_pg(sqlx::query_as(&sql.text), &sql.binds)
                .fetch_all(&s.pool)
                .await
                .map_err(query_err("counting tiers"))?,
        };
        let mut counts = [0u64; 4];
        for (tier, n) in rows {
            if let Some(i) = tier
                .and_then(|t| t.parse::<crate::event::Tier>().ok())
                .map(|t| t as usize)
            {
                counts[i] = n as u64;
            }
        }
        Ok(counts)
    }

    /// Totals per agent, most recently active first.
    pub async fn agent_totals(&self, since: Timestamp) -> Result<Vec<AgentTotals>, StoreError> {
        type R = (String, i64, i64, i64, i64, i64, i64, i64);
        let index = match self {
            Store::Sqlite(_) => " INDEXED BY events_time",
            Store::Postgres(_) => "",
        };
        let mut sql = Sql::new(
            self.placeholder(),
            &format!("{AGENT_TOTALS_COLUMNS}{index} WHERE time >= "),
        );
        sql.bind(Bind::Text(since.to_rfc3339()))
            .push(AGENT_TOTALS_TAIL);
        let rows: Vec<R> = match self {
            Store::Sqlite(s) => {
                bind_sqlite(sqlx::query_as(&sql.text), &sql.binds)
                    .fetch_all(&s.pool)
                    .await
            }
            Store::Postgres(s) => {
                bind_pg(sqlx::query_as(&sql.text), &sql.binds)
                    .fetch_all(&s.pool)
                    .await
            }
        }
        .map_err(query_err("summarising agents"))?;
        Ok(rows
            .into_iter()
            .map(
                |(agent_id, events, failures, t0, t1, t2, t3, last)| AgentTotals {
                    agent_id,
                    events: events as u64,
                    failures: failures as u64,
                    by_tier: [t0 as u64, t1 as u64, t2 as u64, t3 as u64],
                    last_seq: last as u64,
                },
            )
            .collect())
    }

    /// Up to `limit` (seq, search text) pairs strictly below `before`, newest first.
    pub async fn search_chunk(
        &self,
        before: u64,
        limit: u32,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let rows: Vec<(i64, String)> =
            match self {
                Store::Sqlite(s) => {
                    sqlx::query_as(
                        "SELECT seq, text FROM search_text WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                    )
                    .bind(before as i64)
                    .bind(i64::from(limit))
                    .fetch_all(&s.pool)
                    .await
                }
                Store::Postgres(s) => sqlx::query_as(
                    "SELECT seq, text FROM search_text WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
                )
                .bind(before as i64)
                .bind(i64::from(limit))
                .fetch_all(&s.pool)
                .await,
            }
            .map_err(query_err("scanning search text"))?;
        Ok(rows
            .into_iter()
            .map(|(seq, text)| (seq as u64, text))
            .collect())
    }

    /// The rows with these seqs (in seq order).
    pub async fn rows_by_seq(&self, seqs: &[u64]) -> Result<Vec<StoredRow>, StoreError> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = select_by_seq(self.placeholder(), seqs);
        match self {
            Store::Sqlite(s) => {
                let rows = bind_sqlite(sqlx::query(&sql.text), &sql.binds)
                    .fetch_all(&s.pool)
                    .await
                    .map_err(query_err("reading records"))?;
                rows.iter()
                    .map(|r| stored_row(r).map_err(query_err("decoding a record row")))
                    .collect()
            }
            Store::Postgres(s) => {
                let rows = bind_pg(sqlx::query(&sql.text), &sql.binds)
                    .fetch_all(&s.pool)
                    .await
                    .map_err(query_err("reading records"))?;
                rows.iter()
                    .map(|r| stored_row(r).map_err(query_err("decoding a record row")))
                    .collect()
            }
        }
    }
}

/// Binds a builder's values to an SQLite query or query_as.
fn bind_sqlite<'q, Q: SqliteBind<'q>>(mut q: Q, binds: &'q [Bind]) -> Q {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind_text(s),
            Bind::Int(i) => q.bind_int(*i),
        };
    }
    q
}

fn bind_pg<'q, Q: PgBind<'q>>(mut q: Q, binds: &'q [Bind]) -> Q {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind_text(s),
            Bind::Int(i) => q.bind_int(*i),
        };
    }
    q
}

trait SqliteBind<'q> {
    fn bind_text(self, s: &'q str) -> Self;
    fn bind_int(self, i: i64) -> Self;
}

trait PgBind<'q> {
    fn bind_text(self, s: &'q str) -> Self;
    fn bind_int(self, i: i64) -> Self;
}

impl<'q> SqliteBind<'q>
    for sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>
{
    fn bind_text(self, s: &'q str) -> Self {
        self.bind(s)
    }
    fn bind_int(self, i: i64) -> Self {
        self.bind(i)
    }
}

impl<'q, O> SqliteBind<'q>
    for sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>
{
    fn bind_text(self, s: &'q str) -> Self {
        self.bind(s)
    }
    fn bind_int(self, i: i64) -> Self {
        self.bind(i)
    }
}

impl<'q> PgBind<'q> for sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    fn bind_text(self, s: &'q str) -> Self {
        self.bind(s)
    }
    fn bind_int(self, i: i64) -> Self {
        self.bind(i)
    }
}

impl<'q, O> PgBind<'q>
    for sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>
{
    fn bind_text(self, s: &'q str) -> Self {
        self.bind(s)
    }
    fn bind_int(self, i: i64) -> Self {
        self.bind(i)
    }
}
