//! Reading the projection (one snapshot per read), and driving a rebuild a chunk at a
//! time, each chunk in a write transaction of its own.

use super::super::gate::Value;
use super::super::{query_err, Store, StoreError};
use super::db::{block_on, placeholders, Db, Postgres, Sqlite, SqlxSqlite};
use super::write::{rebuild_step, records, RebuildStep};
use crate::event::Event;
use crate::incident::{AgentControl, Incident};
use std::collections::HashMap;

/// Whether seals keep the projection up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectionState {
    /// Every sealed event is folded in.
    Current,
    /// Missing or being rebuilt: folded through `through` only.
    Behind { through: u64 },
}

/// What the projection holds, as read.
#[derive(Debug, Clone, Default)]
pub struct Projected {
    /// The head of the ledger when it was read: every event up to it is folded in.
    pub head: u64,
    /// Incidents as `incident::derive` returns them, in the order they were opened.
    pub incidents: Vec<Incident>,
    /// Real agents' control state (`incident::agent_states`).
    pub agents: HashMap<String, AgentControl>,
    /// Drill agents' control state (`incident::exercise_agent_states`).
    pub exercise_agents: HashMap<String, AgentControl>,
    /// Intents no result points to, with their `seq`, in ledger order.
    pub unresolved: Vec<(u64, Event)>,
    /// The seq of the first successful rollback of each event rolled back.
    pub rolled_back: HashMap<String, u64>,
    /// The highest `N` of any incident `INC-N`, shown or not: where new ids start.
    pub highest_incident: Option<u64>,
}

/// Which incidents a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incidents {
    /// Every incident not closed, and the newest `n` closed ones.
    OpenAndRecent(u32),
    All,
}

async fn read_state<D: Db>(db: &mut D) -> Result<ProjectionState, StoreError> {
    let rows = db
        .rows("SELECT through FROM projection_meta WHERE id = 1", &[])
        .await?;
    Ok(match rows.first().map(|r| r.first().and_then(Value::int)) {
        Some(None) => ProjectionState::Current,
        Some(Some(seq)) => ProjectionState::Behind {
            through: seq as u64,
        },
        None => ProjectionState::Behind { through: 0 },
    })
}

fn incidents_from(rows: Vec<Vec<Value>>) -> Result<Vec<Incident>, StoreError> {
    rows.iter()
        .map(|r| {
            let body = r.first().and_then(Value::text).unwrap_or("");
            serde_json::from_str::<Incident>(body)
                .map(Incident::settled)
                .map_err(|e| StoreError::Corrupt(format!("a projected incident: {e}")))
        })
        .collect()
}

async fn read_all<D: Db>(db: &mut D, which: Incidents) -> Result<Projected, StoreError> {
    let head = db.rows("SELECT MAX(seq) FROM events", &[]).await?;
    let head = head.first().and_then(|r| r.first()).and_then(Value::int);
    let mut incidents = match which {
        Incidents::All => {
            db.rows("SELECT body FROM projection_incidents ORDER BY ord", &[])
                .await?
        }
        Incidents::OpenAndRecent(n) => {
            let mut rows = db
                .rows(
                    "SELECT body, ord FROM projection_incidents WHERE state = 'closed' \
                     ORDER BY ord DESC LIMIT ?1",
                    &[Value::Int(i64::from(n))],
                )
                .await?;
            rows.extend(
                db.rows(
                    "SELECT body, ord FROM projection_incidents WHERE state <> 'closed'",
                    &[],
                )
                .await?,
            );
            rows.sort_by_key(|r| r.get(1).and_then(Value::int));
            rows
        }
    };
    incidents.iter_mut().for_each(|r| r.truncate(1));
    let highest_incident = db
        .rows(
            "SELECT incident_id FROM projection_incidents WHERE incident_id LIKE 'INC-%'",
            &[],
        )
        .await?
        .iter()
        .filter_map(|r| r.first()?.text()?.strip_prefix("INC-")?.parse::<u64>().ok())
        .max();
    let mut out = Projected {
        head: head.unwrap_or(0) as u64,
        incidents: incidents_from(incidents)?,
        highest_incident,
        ..Projected::default()
    };
    for r in db
        .rows("SELECT agent, exercise, body FROM projection_agents", &[])
        .await?
    {
        let agent = r.first().and_then(Value::text).unwrap_or("").to_string();
        let body = r.get(2).and_then(Value::text).unwrap_or("");
        let control: AgentControl = serde_json::from_str(body)
            .map_err(|e| StoreError::Corrupt(format!("projected agent {agent}: {e}")))?;
        match r.get(1).and_then(Value::int) {
            Some(0) => out.agents.insert(agent, control),
            _ => out.exercise_agents.insert(agent, control),
        };
    }
    out.unresolved = records(
        &db.rows(
            "SELECT e.seq, e.record FROM projection_intents i JOIN events e ON e.seq = i.seq \
             ORDER BY e.seq",
            &[],
        )
        .await?,
    )?;
    for r in db
        .rows("SELECT target_event, seq FROM projection_rollbacks", &[])
        .await?
    {
        if let (Some(t), Some(seq)) = (
            r.first().and_then(Value::text),
            r.get(1).and_then(Value::int),
        ) {
            out.rolled_back.insert(t.to_string(), seq as u64);
        }
    }
    Ok(out)
}

async fn read_incident<D: Db>(db: &mut D, id: &str) -> Result<Option<Incident>, StoreError> {
    let rows = db
        .rows(
            "SELECT body FROM projection_incidents WHERE incident_id = ?1",
            &[Value::Text(id.into())],
        )
        .await?;
    Ok(incidents_from(rows)?.pop())
}

async fn read_rolled_back<D: Db>(
    db: &mut D,
    targets: &[String],
) -> Result<HashMap<String, u64>, StoreError> {
    let mut out = HashMap::new();
    for chunk in targets.chunks(400) {
        let sql = format!(
            "SELECT target_event, seq FROM projection_rollbacks WHERE target_event IN ({})",
            placeholders(1, chunk.len())
        );
        let args: Vec<Value> = chunk.iter().cloned().map(Value::Text).collect();
        for r in db.rows(&sql, &args).await? {
            if let (Some(t), Some(seq)) = (
                r.first().and_then(Value::text),
                r.get(1).and_then(Value::int),
            ) {
                out.insert(t.to_string(), seq as u64);
            }
        }
    }
    Ok(out)
}

/// Runs `$body` with `$db` bound to a reading connection in one snapshot (a read
/// transaction), on either engine.
macro_rules! snapshot {
    ($store:expr, |$db:ident| $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let mut tx = s
                    .pool()
                    .begin()
                    .await
                    .map_err(query_err("reading the projection"))?;
                let $db = &mut SqlxSqlite(&mut *tx);
                let out = $body;
                drop(tx);
                out
            }
            Store::Postgres(s) => {
                let mut tx = s
                    .pool()
                    .begin()
                    .await
                    .map_err(query_err("reading the projection"))?;
                let $db = &mut Postgres(&mut *tx);
                let out = $body;
                drop(tx);
                out
            }
        }
    };
}

impl Store {
    /// Whether the projection follows the ledger or must be rebuilt first. A store
    /// whose schema predates the projection (opened for reading, so not migrated) has
    /// none: it is behind from the start.
    pub async fn projection_state(&self) -> Result<ProjectionState, StoreError> {
        let read: Result<ProjectionState, StoreError> = snapshot!(self, |db| read_state(db).await);
        Ok(read.unwrap_or(ProjectionState::Behind { through: 0 }))
    }

    /// The projection in one snapshot: open incidents and the newest closed ones (or
    /// all), control state, open intents and rollback marks.
    pub async fn projected(&self, which: Incidents) -> Result<Projected, StoreError> {
        snapshot!(self, |db| read_all(db, which).await)
    }

    /// One incident by id, however long ago it closed.
    pub async fn projected_incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        snapshot!(self, |db| read_incident(db, id).await)
    }

    /// The rollback marks of these events: the seq that rolled each back.
    pub async fn rolled_back(
        &self,
        targets: &[String],
    ) -> Result<HashMap<String, u64>, StoreError> {
        snapshot!(self, |db| read_rolled_back(db, targets).await)
    }

    /// Rebuilds the projection from the ledger (emptied first when `reset`, else
    /// continued from where it stands), `chunk` response events per write transaction,
    /// reporting `(folded through seq, head seq)` after each. Seals that land meanwhile
    /// are folded in when the rebuild reaches them.
    pub async fn rebuild_projection(
        &self,
        reset: bool,
        chunk: usize,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, StoreError> {
        let mut reset = reset;
        loop {
            let step = self.rebuild_one(chunk, reset).await?;
            reset = false;
            let head = self.head_seq().await?;
            progress(step.through.min(head), head);
            if step.done {
                return Ok(step.through);
            }
        }
    }

    async fn rebuild_one(&self, chunk: usize, reset: bool) -> Result<RebuildStep, StoreError> {
        match self {
            Store::Sqlite(s) => {
                s.with_write(move |conn| block_on(rebuild_step(&mut Sqlite(conn), chunk, reset)))
                    .await
            }
            Store::Postgres(s) => s.with_write(chunk, reset).await,
        }
    }
}
