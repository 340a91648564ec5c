//! The embedded engine: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! committed batch survives a crash. `BEGIN IMMEDIATE` makes the sealer the only writer.

use super::batch::{frontier_of, plan_batch, PlanInput, TipState};
use super::query::{select_rows, Bind, Placeholder};
use super::{
    query_err, signed_at_ms, stored_row, Filter, Page, SealContext, SealOutcome, Sealed,
    StoreError, StoredCheckpoint,
};
use crate::event::Event;
use crate::ledger::columns::{search_text, IndexedColumns};
use crate::ledger::merkle::{Frontier, Hash};
use crate::ledger::seal::ChainHead;
use crate::ledger::verify::StoredRow;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations/sqlite");

/// Rows per INSERT statement (14 parameters each, well under SQLite's limit).
const INSERT_CHUNK: usize = 200;

#[derive(Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    path: PathBuf,
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
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
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
            path: path.to_path_buf(),
            origin,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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
        ctx: &SealContext<'_>,
    ) -> Result<SealOutcome, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(query_err("starting the sealing transaction"))?;
        let tip = read_tip(&mut tx).await?;
        let ids = serde_json::to_string(
            &events
                .iter()
                .map(|e| e.event_id.as_str())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into());
        let existing: HashSet<String> = sqlx::query_scalar(
            "SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))",
        )
        .bind(ids)
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
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
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
                    .push_bind(r.canonical.as_str());
            });
            qb.build()
                .execute(&mut *tx)
                .await
                .map_err(query_err("inserting sealed records"))?;
            let mut qb: QueryBuilder<Sqlite> =
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
            "INSERT INTO tree_state (id, size, frontier) VALUES (1, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
        )
        .bind(plan.frontier.size() as i64)
        .bind(plan.frontier.encode())
        .execute(&mut *tx)
        .await
        .map_err(query_err("saving the Merkle frontier"))?;
        if let Some((size, note)) = &plan.checkpoint {
            sqlx::query("INSERT INTO checkpoints (tree_size, note, signed_at) VALUES (?, ?, ?)")
                .bind(*size as i64)
                .bind(note)
                .bind(ctx.now.to_rfc3339())
                .execute(&mut *tx)
                .await
                .map_err(query_err("storing the checkpoint"))?;
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
            checkpoint: plan.checkpoint.map(|(_, note)| note),
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
        let sql = select_rows(Placeholder::Question, filter, page);
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

async fn read_tip(conn: &mut SqliteConnection) -> Result<TipState, StoreError> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_err("reading the head of the ledger"))?;
    let head = match head {
        Some((seq, hash)) => ChainHead {
            seq: seq as u64,
            hash: decode_hash(&hash)?,
        },
        None => ChainHead::genesis(),
    };
    let cached: Option<(i64, String)> =
        sqlx::query_as("SELECT size, frontier FROM tree_state WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_err("reading the Merkle frontier"))?;
    let frontier = match cached.and_then(|(size, text)| {
        Frontier::decode(&text)
            .ok()
            .filter(|f| f.size() == size as u64)
    }) {
        Some(f) if f.size() == head.seq => f,
        _ => {
            let hashes: Vec<String> = sqlx::query_scalar("SELECT hash FROM events ORDER BY seq")
                .fetch_all(&mut *conn)
                .await
                .map_err(query_err("rebuilding the Merkle frontier"))?;
            frontier_of(
                hashes
                    .iter()
                    .map(|h| decode_hash(h))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
    };
    let last: Option<(i64, String)> = sqlx::query_as(
        "SELECT tree_size, signed_at FROM checkpoints ORDER BY tree_size DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(query_err("reading the latest checkpoint"))?;
    Ok(TipState {
        head,
        frontier,
        last_checkpoint: last.map(|(s, at)| (s as u64, signed_at_ms(&at))),
    })
}

pub(crate) fn decode_hash(text: &str) -> Result<Hash, StoreError> {
    let mut h = [0u8; 32];
    hex::decode_to_slice(text, &mut h)
        .map_err(|_| StoreError::Corrupt(format!("stored hash `{text}` is not 64 hex digits")))?;
    Ok(h)
}
