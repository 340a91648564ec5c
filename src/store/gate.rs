//! The gate's working state beside the ledger: pending approval requests, votes and
//! single-use grants. Each change is a `GateWrite` applied inside the same transaction
//! that seals the event recording it, so the queue and the ledger never disagree, and
//! each guarded write (a vote counted against the tally it saw, a grant claimed once, a
//! request settled once) aborts the whole batch when another writer got there first.

use super::{query_err, Store, StoreError};
use crate::event::{Tier, Timestamp};
use crate::gate::{Request, RequestState, Verdict, Vote};

/// One change to the gate's tables, applied in the sealing transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum GateWrite {
    /// A proposal's entry in the queue: pending when the policy asks, or already settled
    /// (with its decision's event id) when the policy allowed, denied or the gate refused.
    InsertRequest {
        request: Box<Request>,
        decision_id: Option<String>,
    },
    /// A counted vote: inserted, and the tally moved from `seen` approvals. Fails when
    /// the request is no longer pending or someone else's vote landed first.
    Vote {
        request_id: String,
        operator: String,
        verdict: Verdict,
        at: Timestamp,
        event_id: String,
        seen: u8,
    },
    /// A pending request decided: approved, denied, expired or refused. Fails when it was
    /// already settled.
    Settle {
        request_id: String,
        state: RequestState,
        decision_id: String,
    },
    /// A grant the agent may use once.
    InsertGrant {
        grant_id: String,
        proposal_id: String,
        agent: String,
        binding: String,
        at: Timestamp,
    },
    /// The grant used by `outcome_id`. Fails when it was used before.
    ClaimGrant {
        grant_id: String,
        at: Timestamp,
        outcome_id: String,
    },
}

impl GateWrite {
    /// What a failed guard means, for the error.
    pub fn conflict(&self) -> String {
        match self {
            GateWrite::InsertRequest { request, .. } => {
                format!("request {} already exists", request.id)
            }
            GateWrite::Vote { request_id, .. } => format!(
                "request {request_id} changed while the vote was cast (decided, or another vote landed first)"
            ),
            GateWrite::Settle { request_id, .. } => {
                format!("request {request_id} was already decided")
            }
            GateWrite::InsertGrant { grant_id, .. } => format!("grant {grant_id} already exists"),
            GateWrite::ClaimGrant { grant_id, .. } => {
                format!("grant {grant_id} was already used")
            }
        }
    }
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub grant_id: String,
    pub proposal_id: String,
    pub agent: String,
    pub binding: String,
    pub claimed_at: Option<String>,
    pub outcome_id: Option<String>,
}

pub(super) const REQUEST_COLUMNS: &str = "request_id, agent, binding, tier, needs, roles, \
     proposer, on_behalf_of, created_at, expires_at, state, approvals, decision_id, \
     policy_version, policy_ids, summary";

type RequestTuple = (
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
    String,
    String,
);

fn request_from(t: RequestTuple, votes: Vec<Vote>) -> Result<Request, StoreError> {
    let bad = |what: &str| StoreError::Corrupt(format!("gate request {}: bad {what}", t.0));
    Ok(Request {
        tier: t.3.as_deref().and_then(|s| s.parse::<Tier>().ok()),
        needs: u8::try_from(t.4).map_err(|_| bad("needs"))?,
        roles: serde_json::from_str(&t.5).map_err(|_| bad("roles"))?,
        proposer: t.6,
        on_behalf_of: t.7,
        created_at: t.8.parse().map_err(|_| bad("created_at"))?,
        expires_at: t.9.parse().map_err(|_| bad("expires_at"))?,
        state: RequestState::parse(&t.10).ok_or_else(|| bad("state"))?,
        policy_version: t.13,
        policy_ids: serde_json::from_str(&t.14).map_err(|_| bad("policy_ids"))?,
        summary: t.15,
        decision_id: t.12,
        votes,
        id: t.0,
        agent: t.1,
        binding: t.2,
    })
}

/// Binds a `GateWrite`'s statements, for either engine: (SQL with `?N` placeholders, values).
pub(super) fn statements(w: &GateWrite) -> Vec<(&'static str, Vec<Value>, bool)> {
    use Value::{Int, Null, Text};
    let opt = |s: &Option<String>| s.clone().map_or(Null, Text);
    match w {
        GateWrite::InsertRequest {
            request: r,
            decision_id,
        } => vec![(
            "INSERT INTO gate_requests (request_id, agent, binding, tier, needs, roles, proposer, \
             on_behalf_of, created_at, expires_at, state, approvals, decision_id, policy_version, \
             policy_ids, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?14, 0, ?15, \
             ?11, ?12, ?13)",
            vec![
                Text(r.id.clone()),
                Text(r.agent.clone()),
                Text(r.binding.clone()),
                r.tier.map_or(Null, |t| Text(t.to_string())),
                Int(i64::from(r.needs)),
                Text(serde_json::to_string(&r.roles).unwrap_or_else(|_| "[]".into())),
                opt(&r.proposer),
                opt(&r.on_behalf_of),
                Text(r.created_at.to_rfc3339()),
                Text(r.expires_at.to_rfc3339()),
                Text(r.policy_version.clone()),
                Text(serde_json::to_string(&r.policy_ids).unwrap_or_else(|_| "[]".into())),
                Text(r.summary.clone()),
                Text(r.state.as_str().into()),
                opt(decision_id),
            ],
            true,
        )],
        GateWrite::Vote {
            request_id,
            operator,
            verdict,
            at,
            event_id,
            seen,
        } => vec![
            (
                "INSERT INTO gate_votes (request_id, operator, verdict, at, event_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                vec![
                    Text(request_id.clone()),
                    Text(operator.clone()),
                    Text(verdict.as_str().into()),
                    Text(at.to_rfc3339()),
                    Text(event_id.clone()),
                ],
                true,
            ),
            (
                "UPDATE gate_requests SET approvals = approvals + ?3 \
                 WHERE request_id = ?1 AND state = 'pending' AND approvals = ?2",
                vec![
                    Text(request_id.clone()),
                    Int(i64::from(*seen)),
                    Int(i64::from(*verdict == Verdict::Approve)),
                ],
                true,
            ),
        ],
        GateWrite::Settle {
            request_id,
            state,
            decision_id,
        } => vec![(
            "UPDATE gate_requests SET state = ?2, decision_id = ?3 \
             WHERE request_id = ?1 AND state = 'pending'",
            vec![
                Text(request_id.clone()),
                Text(state.as_str().into()),
                Text(decision_id.clone()),
            ],
            true,
        )],
        GateWrite::InsertGrant {
            grant_id,
            proposal_id,
            agent,
            binding,
            at,
        } => vec![(
            "INSERT INTO gate_grants (grant_id, proposal_id, agent, binding, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            vec![
                Text(grant_id.clone()),
                Text(proposal_id.clone()),
                Text(agent.clone()),
                Text(binding.clone()),
                Text(at.to_rfc3339()),
            ],
            true,
        )],
        GateWrite::ClaimGrant {
            grant_id,
            at,
            outcome_id,
        } => vec![(
            "UPDATE gate_grants SET claimed_at = ?2, outcome_id = ?3 \
             WHERE grant_id = ?1 AND claimed_at IS NULL",
            vec![
                Text(grant_id.clone()),
                Text(at.to_rfc3339()),
                Text(outcome_id.clone()),
            ],
            true,
        )],
    }
}

/// A bound value, for either engine.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Text(String),
    Int(i64),
    Null,
}

/// `?N` placeholders as PostgreSQL's `$N`.
pub(super) fn dollar(sql: &str) -> String {
    sql.replace('?', "$")
}

impl Store {
    /// Pending requests, oldest first.
    pub async fn pending_requests(&self) -> Result<Vec<Request>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM gate_requests WHERE state = 'pending' ORDER BY created_at, request_id"
        );
        let rows: Vec<RequestTuple> = match self {
            Store::Sqlite(s) => sqlx::query_as(&sql).fetch_all(s.pool()).await,
            Store::Postgres(s) => sqlx::query_as(&sql).fetch_all(s.pool()).await,
        }
        .map_err(query_err("reading pending approval requests"))?;
        let mut out = Vec::with_capacity(rows.len());
        for t in rows {
            let votes = self.votes(&t.0).await?;
            out.push(request_from(t, votes)?);
        }
        Ok(out)
    }

    /// One request by its id (the proposal's event id), with its votes.
    pub async fn request(&self, id: &str) -> Result<Option<Request>, StoreError> {
        let one = |sql: String| sql;
        let row: Option<RequestTuple> = match self {
            Store::Sqlite(s) => {
                sqlx::query_as(&one(format!(
                    "SELECT {REQUEST_COLUMNS} FROM gate_requests WHERE request_id = ?1"
                )))
                .bind(id)
                .fetch_optional(s.pool())
                .await
            }
            Store::Postgres(s) => {
                sqlx::query_as(&one(format!(
                    "SELECT {REQUEST_COLUMNS} FROM gate_requests WHERE request_id = $1"
                )))
                .bind(id)
                .fetch_optional(s.pool())
                .await
            }
        }
        .map_err(query_err("reading an approval request"))?;
        match row {
            Some(t) => {
                let votes = self.votes(&t.0).await?;
                Ok(Some(request_from(t, votes)?))
            }
            None => Ok(None),
        }
    }

    async fn votes(&self, request_id: &str) -> Result<Vec<Vote>, StoreError> {
        let rows: Vec<(String, String, String)> = match self {
            Store::Sqlite(s) => sqlx::query_as(
                "SELECT operator, verdict, at FROM gate_votes WHERE request_id = ?1 ORDER BY at",
            )
            .bind(request_id)
            .fetch_all(s.pool())
            .await,
            Store::Postgres(s) => sqlx::query_as(
                "SELECT operator, verdict, at FROM gate_votes WHERE request_id = $1 ORDER BY at",
            )
            .bind(request_id)
            .fetch_all(s.pool())
            .await,
        }
        .map_err(query_err("reading votes"))?;
        Ok(rows
            .into_iter()
            .map(|(operator, verdict, at)| Vote {
                operator,
                verdict: if verdict == "deny" {
                    Verdict::Deny
                } else {
                    Verdict::Approve
                },
                at: at.parse().unwrap_or_else(|_| Timestamp::now()),
            })
            .collect())
    }

    /// The grant with this id.
    pub async fn grant(&self, grant_id: &str) -> Result<Option<Grant>, StoreError> {
        type G = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let row: Option<G> = match self {
            Store::Sqlite(s) => sqlx::query_as(
                "SELECT grant_id, proposal_id, agent, binding, claimed_at, outcome_id FROM gate_grants WHERE grant_id = ?1",
            )
            .bind(grant_id)
            .fetch_optional(s.pool())
            .await,
            Store::Postgres(s) => sqlx::query_as(
                "SELECT grant_id, proposal_id, agent, binding, claimed_at, outcome_id FROM gate_grants WHERE grant_id = $1",
            )
            .bind(grant_id)
            .fetch_optional(s.pool())
            .await,
        }
        .map_err(query_err("reading a grant"))?;
        Ok(row.map(|g| Grant {
            grant_id: g.0,
            proposal_id: g.1,
            agent: g.2,
            binding: g.3,
            claimed_at: g.4,
            outcome_id: g.5,
        }))
    }

    /// The sealed record with this event id, as an event.
    pub async fn event_by_id(
        &self,
        event_id: &str,
    ) -> Result<Option<crate::event::Event>, StoreError> {
        let record: Option<String> = match self {
            Store::Sqlite(s) => {
                sqlx::query_scalar("SELECT record FROM events WHERE event_id = ?1")
                    .bind(event_id)
                    .fetch_optional(s.pool())
                    .await
            }
            Store::Postgres(s) => {
                sqlx::query_scalar("SELECT record FROM events WHERE event_id = $1")
                    .bind(event_id)
                    .fetch_optional(s.pool())
                    .await
            }
        }
        .map_err(query_err("reading a record by event id"))?;
        record
            .map(|r| {
                crate::ledger::seal::event_from_record(&r)
                    .map_err(|e| StoreError::Corrupt(format!("record {event_id}: {e}")))
            })
            .transpose()
    }
}
