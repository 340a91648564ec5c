//! `custody serve`: the gate's HTTP service for agents and gateways. Agents propose
//! before they act (`POST /v1/actions`), long-poll the decision, and report the outcome
//! against a single-use grant; operators vote with their own tokens. Pause and revoke
//! bind here: the service follows the ledger's tail, so a pause sealed by the console,
//! the command line or another `serve` refuses the agent's next proposal.
//!
//! This is an edge: the rules are `gate`'s and `policy`'s, votes go through `approvals`,
//! and every answer is sealed before the agent hears it.

mod approve;
mod auth;
mod contain;
mod error;
mod events;
mod metrics;
mod otlp;
mod propose;
mod run;
mod sealer;
mod state;
mod status;
mod tail;

pub use propose::{decide, Decided};
pub use run::{listen, load_policy, serve, start_gate, Setup};
pub use state::Gate;
pub use tail::notify_t3_action;

use crate::event::{ActorType, Timestamp};
use crate::gate::{refusal_event, BodyError, Refusal, Request, MAX_BODY_BYTES};
use crate::respond::new_id;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use std::sync::Arc;

/// The routes, over a running gate.
pub fn router(gate: Arc<Gate>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/actions", post(propose::propose))
        .route("/v1/actions/{id}", get(status::status))
        .route("/v1/actions/{id}/outcome", post(status::outcome))
        .route("/v1/events", post(events::ingest))
        .route(
            "/v1/traces",
            post(otlp::traces).layer(DefaultBodyLimit::max(otlp::MAX_OTLP_BODY_BYTES)),
        )
        .route(
            "/v1/logs",
            post(otlp::logs).layer(DefaultBodyLimit::max(otlp::MAX_OTLP_BODY_BYTES)),
        )
        .route("/v1/approvals", get(approve::list))
        .route("/v1/approvals/{id}/approve", post(approve::approve))
        .route("/v1/approvals/{id}/deny", post(approve::deny))
        .route("/v1/agents/{agent}/{action}", post(contain::contain))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(gate)
}

async fn healthz(State(gate): State<Arc<Gate>>) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let head = gate.store.head_seq().await.map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            e.to_string(),
        )
    })?;
    Ok(axum::Json(serde_json::json!({
        "status": "ok",
        "store": gate.store.describe(),
        "head_seq": head,
        "policy_version": gate.policy().version(),
    })))
}

async fn metrics(State(gate): State<Arc<Gate>>) -> Result<String, ApiError> {
    let pending = gate
        .store
        .pending_requests()
        .await
        .map_err(ApiError::internal)?
        .len();
    Ok(gate.metrics.render(pending))
}

/// The body, or 413 past the limit (sealed as a refusal).
async fn body_bytes(
    gate: &Gate,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
    agent: &str,
) -> Result<Bytes, ApiError> {
    match body {
        Ok(b) => Ok(b),
        Err(e) => {
            let status = e.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the body is larger than {} bytes", MAX_BODY_BYTES)
            } else {
                e.body_text()
            };
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "too_large"
            } else {
                "bad_body"
            };
            let id = seal_refusal(gate, agent_refusal(code, &message, agent), false).await;
            Err(ApiError::new(status, code, message).with_event(id))
        }
    }
}

fn agent_refusal(code: &str, message: &str, agent: &str) -> Refusal {
    Refusal {
        code: code.into(),
        message: message.into(),
        actor: Some((ActorType::Agent, agent.into())),
        agent: Some(agent.into()),
        about: None,
    }
}

/// A 400 naming the field, sealed as a refusal.
async fn bad_body(gate: &Gate, e: BodyError, agent: &str) -> ApiError {
    let id = seal_refusal(
        gate,
        agent_refusal("bad_request", &e.to_string(), agent),
        false,
    )
    .await;
    ApiError::bad_field(e.field.clone(), e.to_string()).with_event(id)
}

/// A 401 for a proposal whose signature is missing or does not verify, sealed.
async fn bad_signature(gate: &Gate, e: BodyError, agent: &str) -> ApiError {
    let refusal = agent_refusal("bad_signature", &e.to_string(), agent);
    let id = seal_refusal(gate, refusal, false).await;
    ApiError {
        field: Some(e.field.clone()),
        ..ApiError::new(StatusCode::UNAUTHORIZED, "bad_signature", e.to_string())
    }
    .with_event(id)
}

/// Seals a refusal; its event id, or `None` when even that could not be sealed (the
/// refusal still stands).
async fn seal_refusal(gate: &Gate, refusal: Refusal, violation: bool) -> Option<String> {
    let id = new_id();
    let event = refusal_event(&refusal, violation, id.clone(), Timestamp::now());
    gate.sealer.seal(vec![event], vec![]).await.ok().map(|_| id)
}

/// Tells people a request waits for them (webhooks, when configured).
fn notify_request(gate: &Gate, proposal: &crate::event::Event, request: &Request) {
    tail::notify_request(gate, proposal, request);
}
