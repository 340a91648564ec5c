//! PostgreSQL for teams: many ingesters and consoles against one database. Sealers
//! take a transaction-scoped advisory lock, so exactly one seals at a time; each commit
//! NOTIFYs `custody_events` so live tails wake without polling.

use super::batch::{plan_batch, PlanInput, TipRows, TipState};
use super::query::{select_rows, Bind, Placeholder};
use super::{query_err, stored_row, SealBatch, SealOutcome, Sealed, StoreError, StoredCheckpoint};
use crate::event::Event;
use crate::ledger::columns::{search_text, IndexedColumns};
use crate::query::{Filter, Page};
use crate::store::StoredRow;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::Connection;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod open;

use open::{connect, is_connection_lost, parse, read_origin, schema_is_current};

pub(super) static MIGRATOR: sqlx::migrate::Migrator =
    sqlx::migrate!("src/store/migrations/postgres");

/// Key of the advisory lock that makes one sealer at a time ("custody" in ASCII).
const SEALER_LOCK: i64 = 0x0063_7573_746f_6479;
/// The NOTIFY channel live tails listen on.
pub const CHANNEL: &str = "custody_events";
const INSERT_CHUNK: usize = 1000;
/// How long opening waits for a server that accepts the connection but does not answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The role this URL authenticates as (`SELECT session_user`): who the operator is on
/// PostgreSQL. Needs no grant on any table.
pub async fn session_user(url: &str) -> Result<String, StoreError> {
    let (options, describe) = parse(url)?;
    let mut conn = connect(&options, &describe).await?;
    let user: String = sqlx::query_scalar("SELECT session_user::text")
        .fetch_one(&mut conn)
        .await
        .map_err(query_err(
            "asking PostgreSQL who is connected (session_user)",
        ))?;
    let _ = conn.close().await;
    Ok(user)
}

#[derive(Clone)]
pub struct PgStore {
    pub(super) pool: PgPool,
    describe: String,
    origin: String,
    /// Opened by a reading command: it never seals.
    read_only: bool,
    /// What this process has committed, for the message when the connection is lost.
    committed: Arc<Committed>,
}

#[derive(Default)]
struct Committed {
    batches: AtomicU64,
    records: AtomicU64,
    last_seq: AtomicU64,
}

impl PgStore {
    /// Opens the store for a command that seals, creating the schema on first use.
    /// When the schema is already in place nothing is created or altered, so a role
    /// with the ingester's grants (README, "PostgreSQL roles") is enough.
    pub async fn open(url: &str, origin: Option<&str>) -> Result<Self, StoreError> {
        let (options, describe) = parse(url)?;
        let db_name = options.get_database().unwrap_or("custody").to_string();
        let mut conn = connect(&options, &describe).await?;
        if !schema_is_current(&mut conn).await {
            // sqlx takes an advisory lock around the migrations: concurrent first opens
            // wait for each other instead of racing.
            MIGRATOR
                .run(&mut conn)
                .await
                .map_err(|source| StoreError::Migrate {
                    url: describe.clone(),
                    source,
                })?;
        }
        let origin = match read_origin(&mut conn, &describe).await? {
            Some(origin) => origin,
            None => {
                let wanted = origin
                    .map(str::to_string)
                    .unwrap_or_else(|| super::default_origin(&db_name));
                sqlx::query("INSERT INTO ledger_meta (key, value) VALUES ('origin', $1) ON CONFLICT (key) DO NOTHING")
                    .bind(&wanted)
                    .execute(&mut conn)
                    .await
                    .map_err(query_err("recording the log origin"))?;
                read_origin(&mut conn, &describe)
                    .await?
                    .ok_or_else(|| StoreError::NoLedger {
                        url: describe.clone(),
                    })?
            }
        };
        let _ = conn.close().await;
        Ok(PgStore::ready(options, describe, origin, false))
    }

    /// Opens an existing ledger for a command that only reads: no migration, no write,
    /// so a role with only SELECT (a reviewer) can verify, export and tail.
    pub async fn open_read_only(url: &str) -> Result<Self, StoreError> {
        let (options, describe) = parse(url)?;
        let mut conn = connect(&options, &describe).await?;
        let origin =
            read_origin(&mut conn, &describe)
                .await?
                .ok_or_else(|| StoreError::NoLedger {
                    url: describe.clone(),
                })?;
        let _ = conn.close().await;
        Ok(PgStore::ready(options, describe, origin, true))
    }

    fn ready(options: PgConnectOptions, describe: String, origin: String, read_only: bool) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options);
        PgStore {
            pool,
            describe,
            origin,
            read_only,
            committed: Arc::default(),
        }
    }

    pub(crate) fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn describe(&self) -> String {
        self.describe.clone()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn seal(
        &self,
        events: Vec<Event>,
        ctx: &SealBatch<'_>,
    ) -> Result<SealOutcome, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                url: self.describe.clone(),
            });
        }
        let outcome = self
            .seal_batch(events, ctx)
            .await
            .map_err(|e| self.lost(e))?;
        let c = &self.committed;
        c.batches.fetch_add(1, Ordering::Relaxed);
        c.records
            .fetch_add(outcome.sealed.len() as u64, Ordering::Relaxed);
        if let Some(last) = outcome.sealed.last() {
            c.last_seq.store(last.seq, Ordering::Relaxed);
        }
        Ok(outcome)
    }

    /// A lost connection, said as one: what this process had committed before it.
    fn lost(&self, e: StoreError) -> StoreError {
        let StoreError::Query { source, .. } = e else {
            return e;
        };
        if !is_connection_lost(&source) {
            return StoreError::Query {
                what: "sealing a batch",
                source,
            };
        }
        let c = &self.committed;
        let records = c.records.load(Ordering::Relaxed);
        let committed = if records == 0 {
            "nothing was committed by this run".to_string()
        } else {
            format!(
                "this run had committed {records} record(s) in {} batch(es), through seq {}",
                c.batches.load(Ordering::Relaxed),
                c.last_seq.load(Ordering::Relaxed)
            )
        };
        StoreError::ConnectionLost {
            url: self.describe.clone(),
            committed,
            source,
        }
    }

    /// One step of a projection rebuild, in a sealing transaction of its own.
    pub async fn with_write(
        &self,
        chunk: usize,
        reset: bool,
    ) -> Result<super::projection::RebuildStep, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("starting a projection transaction"))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SEALER_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(query_err("taking the sealer lock"))?;
        let step = super::projection::rebuild_step(
            &mut super::projection::db::Postgres(&mut tx),
            chunk,
            reset,
        )
        .await?;
        tx.commit()
            .await
            .map_err(query_err("committing the projection"))?;
        Ok(step)
    }

    async fn seal_batch(
        &self,
        events: Vec<Event>,
        ctx: &SealBatch<'_>,
    ) -> Result<SealOutcome, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_err("starting the sealing transaction"))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SEALER_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(query_err("taking the sealer lock"))?;
        let tip = read_tip(&mut tx, &self.origin).await?;
        let ids: Vec<String> = events.iter().map(|e| e.event_id.clone()).collect();
        let existing: HashSet<String> =
            sqlx::query_scalar("SELECT event_id FROM events WHERE event_id = ANY($1)")
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await
                .map_err(query_err("looking up duplicate event ids"))?
                .into_iter()
                .collect();
        let input = PlanInput {
            origin: &self.origin,
            signer: ctx.signer,
            now: ctx.now,
            force_checkpoint: ctx.force_checkpoint,
        };
        let plan = plan_batch(events, &existing, tip, &input)?;
        for chunk in plan.sealed.chunks(INSERT_CHUNK) {
            let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO events (seq, event_id, time, recorded_at, kind, tier, reason_code, agent_id, \
                 correlation_id, environment, outcome, exercise, hash, record) ",
            );
            qb.push_values(chunk, |mut b, (_, r)| {
                let c = IndexedColumns::of(&r.event);
                b.push_bind(r.seq as i64)
                    .push_bind(c.event_id)
                    .push_bind(c.time)
                    .push_bind(r.recorded_at.to_rfc3339())
                    .push_bind(c.kind)
                    .push_bind(c.tier)
                    .push_bind(c.reason_code)
                    .push_bind(c.agent_id)
                    .push_bind(c.correlation_id)
                    .push_bind(c.environment)
                    .push_bind(c.outcome)
                    .push_bind(i64::from(c.exercise))
                    .push_bind(hex::encode(r.hash))
                    .push_bind(r.canonical.clone());
            });
            qb.build()
                .execute(&mut *tx)
                .await
                .map_err(query_err("inserting sealed records"))?;
            let mut qb: QueryBuilder<Postgres> =
                QueryBuilder::new("INSERT INTO search_text (seq, text) ");
            qb.push_values(chunk, |mut b, (_, r)| {
                b.push_bind(r.seq as i64).push_bind(search_text(&r.event));
            });
            qb.build()
                .execute(&mut *tx)
                .await
                .map_err(query_err("inserting search text"))?;
        }
        sqlx::query(
            "INSERT INTO tree_state (id, size, frontier) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
        )
        .bind(plan.frontier.size() as i64)
        .bind(plan.frontier.encode())
        .execute(&mut *tx)
        .await
        .map_err(query_err("saving the Merkle frontier"))?;
        for (size, note) in &plan.checkpoints {
            sqlx::query("INSERT INTO checkpoints (tree_size, note, signed_at) VALUES ($1, $2, $3)")
                .bind(*size as i64)
                .bind(note)
                .bind(ctx.now.to_rfc3339())
                .execute(&mut *tx)
                .await
                .map_err(query_err("storing the checkpoint"))?;
        }
        let projected: Vec<(u64, Event)> = plan
            .sealed
            .iter()
            .filter(|(_, r)| super::projection::is_projected(&r.event))
            .map(|(_, r)| (r.seq, r.event.clone()))
            .collect();
        super::projection::advance(&mut super::projection::db::Postgres(&mut tx), &projected)
            .await?;
        for w in ctx.side {
            for (sql, values, guarded) in super::gate::statements(w) {
                let sql = super::gate::dollar(sql);
                let mut q = sqlx::query(&sql);
                for v in values {
                    q = match v {
                        super::gate::Value::Text(s) => q.bind(s),
                        super::gate::Value::Int(i) => q.bind(i),
                        super::gate::Value::Null => q.bind(None::<String>),
                    };
                }
                let changed = q
                    .execute(&mut *tx)
                    .await
                    .map_err(query_err("updating the gate's tables"))?
                    .rows_affected();
                if guarded && changed == 0 {
                    return Err(StoreError::Conflict(w.conflict()));
                }
            }
        }
        if !plan.sealed.is_empty() || !ctx.side.is_empty() {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(plan.size.to_string())
                .execute(&mut *tx)
                .await
                .map_err(query_err("notifying live tails"))?;
        }
        tx.commit()
            .await
            .map_err(query_err("committing the batch"))?;
        Ok(SealOutcome {
            sealed: plan
                .sealed
                .iter()
                .map(|(index, r)| Sealed {
                    index: *index,
                    seq: r.seq,
                    hash: hex::encode(r.hash),
                })
                .collect(),
            duplicates: plan.duplicates,
            checkpoints: plan.checkpoints.into_iter().map(|(_, note)| note).collect(),
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
        let sql = select_rows(Placeholder::Dollar, filter, page);
        let mut q = sqlx::query(&sql.text);
        for b in sql.binds {
            q = match b {
                Bind::Text(s) => q.bind(s),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q
            .fetch_all(&self.pool)
            .await
            .map_err(query_err("reading records"))?;
        rows.iter()
            .map(|r| stored_row(r).map_err(query_err("decoding a record row")))
            .collect()
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

    /// Wakes on the first NOTIFY (or at `timeout`); checks the head first so a commit
    /// that landed before LISTEN is not missed.
    pub async fn wait_for_new(&self, after: u64, timeout: Duration) -> Result<(), StoreError> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(query_err("listening for new records"))?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(query_err("listening for new records"))?;
        if self.head_seq().await? > after {
            return Ok(());
        }
        let _ = tokio::time::timeout(timeout, listener.recv()).await;
        Ok(())
    }
}

async fn read_tip(conn: &mut PgConnection, origin: &str) -> Result<TipState, StoreError> {
    let rows = TipRows {
        head: sqlx::query_as("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_err("reading the head of the ledger"))?,
        cached: sqlx::query_as("SELECT size, frontier FROM tree_state WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_err("reading the Merkle frontier"))?,
        last_checkpoint: sqlx::query_as(
            "SELECT tree_size, signed_at, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(query_err("reading the latest checkpoint"))?,
    };
    let start = rows.trusted_start(origin)?;
    let after = start.as_ref().map_or(0, |f| f.size() as i64);
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT hash FROM events WHERE seq > $1 ORDER BY seq")
            .bind(after)
            .fetch_all(&mut *conn)
            .await
            .map_err(query_err("reading the records' hashes"))?;
    rows.tip(origin, start, &hashes)
}
