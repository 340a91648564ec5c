//! What the agent hears about a proposal: `GET /v1/actions/{id}?wait=30s` long-polls it
//! until it is decided (a decision made by this process, another `serve` on the same
//! database, the console or the command line wakes it), and `POST …/outcome` reports what
//! happened against the single-use grant.

use super::auth;
use super::error::ApiError;
use super::state::Gate;
use crate::event::Timestamp;
use crate::gate::{binding, outcome_event, parse_json, OutcomeBody, Request, RequestState};
use crate::respond::new_id;
use crate::store::gate::GateWrite;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The longest a long-poll is held.
const MAX_WAIT: Duration = Duration::from_secs(60);

pub struct Answer(StatusCode, serde_json::Value);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

/// The answer for a proposal's current state.
pub async fn answer(gate: &Gate, r: &Request) -> Result<Answer, ApiError> {
    let (status, decision) = match r.state {
        RequestState::Pending => (StatusCode::ACCEPTED, "ask"),
        RequestState::Approved => (StatusCode::OK, "allow"),
        RequestState::Denied | RequestState::Expired => (StatusCode::FORBIDDEN, "deny"),
        RequestState::Refused => (StatusCode::LOCKED, "deny"),
    };
    let mut body = json!({
        "id": r.id,
        "decision": decision,
        "state": r.state.as_str(),
        "policy_version": r.policy_version,
        "policy_ids": r.policy_ids,
    });
    if let Some(d) = &r.decision_id {
        body["decision_id"] = d.clone().into();
        if r.state == RequestState::Approved {
            body["grant"] = d.clone().into();
        } else if let Ok(Some(e)) = gate.store.event_by_id(d).await {
            if let Some(detail) = e.outcome.and_then(|o| o.detail) {
                body["message"] = detail.into();
            }
        }
    }
    if r.needs > 0 {
        body["needs"] = r.needs.into();
        body["approvals"] = r.approvals().into();
        body["expires_at"] = r.expires_at.to_rfc3339().into();
    }
    Ok(Answer(status, body))
}

fn parse_wait(s: &str) -> Option<Duration> {
    let d = if let Some(ms) = s.strip_suffix("ms") {
        Duration::from_millis(ms.parse().ok()?)
    } else if let Some(secs) = s.strip_suffix('s') {
        Duration::from_secs(secs.parse().ok()?)
    } else {
        Duration::from_secs(s.parse().ok()?)
    };
    Some(d.min(MAX_WAIT))
}

async fn own_request(gate: &Gate, id: &str, agent: &str) -> Result<Request, ApiError> {
    match gate.store.request(id).await.map_err(ApiError::internal)? {
        Some(r) if r.agent == agent => Ok(r),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no proposal {id} by {agent}"),
        )),
    }
}

pub async fn status(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Answer, ApiError> {
    let caller = auth::agent(&gate, &headers).await?;
    let wait = match q.get("wait") {
        Some(w) => parse_wait(w)
            .ok_or_else(|| ApiError::bad_field("wait", "a duration such as 30s or 500ms"))?,
        None => Duration::ZERO,
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut changed = gate.changed.subscribe();
    loop {
        let r = own_request(&gate, &id, &caller.agent).await?;
        if r.state != RequestState::Pending || tokio::time::Instant::now() >= deadline {
            return answer(&gate, &r).await;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let expiry = Duration::from_millis(
            u64::try_from(r.expires_at.millis() - Timestamp::now().millis()).unwrap_or(0) + 50,
        );
        // Woken by any change; re-read. The expiry sweep settles expired requests.
        let _ = tokio::time::timeout(left.min(expiry), changed.changed()).await;
    }
}

pub async fn outcome(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Answer, ApiError> {
    let caller = auth::agent(&gate, &headers).await?;
    let bytes = super::body_bytes(&gate, body, &caller.agent).await?;
    let body: OutcomeBody = match parse_json(&bytes) {
        Ok(b) => b,
        Err(e) => return Err(super::bad_body(&gate, e, &caller.agent).await),
    };
    let request = own_request(&gate, &id, &caller.agent).await?;
    let refuse = |code: &'static str, message: String, violation: bool| {
        let gate = Arc::clone(&gate);
        let agent = caller.agent.clone();
        let about = id.clone();
        async move {
            let event = super::seal_refusal(
                &gate,
                crate::gate::Refusal {
                    code: code.into(),
                    message: message.clone(),
                    actor: Some((crate::event::ActorType::Agent, agent.clone())),
                    agent: Some(agent),
                    about: Some(about),
                },
                violation,
            )
            .await;
            ApiError::new(StatusCode::CONFLICT, code, message).with_event(event)
        }
    };
    let grant = gate
        .store
        .grant(&body.grant)
        .await
        .map_err(ApiError::internal)?;
    let Some(grant) = grant.filter(|g| g.agent == caller.agent && g.proposal_id == id) else {
        return Err(refuse(
            "unknown_grant",
            format!("grant {} was not issued for proposal {id}", body.grant),
            false,
        )
        .await);
    };
    if let Some(used) = &grant.outcome_id {
        return Err(refuse(
            "grant_reused",
            format!("grant {} was already used by {used}", grant.grant_id),
            false,
        )
        .await);
    }
    let proposal = gate
        .store
        .event_by_id(&id)
        .await
        .map_err(ApiError::internal)?;
    let decision = gate
        .store
        .event_by_id(&grant.grant_id)
        .await
        .map_err(ApiError::internal)?;
    let (Some(proposal), Some(decision)) = (proposal, decision) else {
        return Err(ApiError::internal(format!(
            "proposal {id} or its decision is missing from the ledger"
        )));
    };
    let Some(proposed) = proposal.action.as_ref() else {
        return Err(ApiError::internal(format!("proposal {id} has no action")));
    };
    let executed = body.executed(proposed);
    let now = Timestamp::now();
    if binding(&caller.agent, &executed, &request.policy_version, &id) != grant.binding {
        // The grant is spent on the violation: what ran is not what was approved.
        let message = format!(
            "the reported action differs from what was approved under grant {} (parameters hash differently)",
            grant.grant_id
        );
        let violation = refuse("changed_parameters", message, true).await;
        let _ = gate
            .sealer
            .seal(
                vec![],
                vec![GateWrite::ClaimGrant {
                    grant_id: grant.grant_id.clone(),
                    at: now,
                    outcome_id: violation.event_id.clone().unwrap_or_default(),
                }],
            )
            .await;
        return Err(violation);
    }
    let action_id = new_id();
    let event = match outcome_event(&proposal, &decision, &body, action_id.clone(), now) {
        Ok(e) => e,
        Err(e) => return Err(super::bad_body(&gate, e, &caller.agent).await),
    };
    let sealed_action = event.clone();
    let claimed = gate
        .sealer
        .seal(
            vec![event],
            vec![GateWrite::ClaimGrant {
                grant_id: grant.grant_id.clone(),
                at: now,
                outcome_id: action_id.clone(),
            }],
        )
        .await;
    match claimed {
        Ok(seqs) => {
            super::tail::notify_t3_action(&gate, &sealed_action);
            Ok(Answer(
                StatusCode::OK,
                json!({"id": action_id, "seq": seqs.first(), "proposal": id}),
            ))
        }
        Err(crate::respond::SealError::Conflict(_)) => Err(refuse(
            "grant_reused",
            format!("grant {} was already used", grant.grant_id),
            false,
        )
        .await),
        Err(e) => Err(ApiError::internal(e)),
    }
}
