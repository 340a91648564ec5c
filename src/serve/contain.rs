//! Containment over HTTP: `POST /v1/agents/{agent}/pause|resume|revoke-token` with an
//! operator token. The operator is the token's, never a name in the body; the role is
//! the token's too. It runs through `respond` like the console and the CLI: the
//! write-ahead intent, the configured executor, the result, all sealed.

use super::auth;
use super::error::ApiError;
use super::state::Gate;
use crate::event::{ActorType, Timestamp};
use crate::exec::Action;
use crate::gate::{parse_json, refusal_event, Refusal};
use crate::respond::{execute, new_id, plan, Request, Roles};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainBody {
    reason_code: String,
    justification: String,
    /// The incident this containment belongs to.
    #[serde(default)]
    incident: Option<String>,
    #[serde(default)]
    token_ref: Option<String>,
}

pub async fn contain(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    Path((agent, verb)): Path<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    let operator = auth::operator(&gate, &headers).await?;
    let action = match verb.as_str() {
        "pause" => Action::Pause,
        "resume" => Action::Resume,
        "revoke-token" => Action::RevokeToken,
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no containment action `{other}` (pause, resume, revoke-token)"),
            ))
        }
    };
    let body: ContainBody =
        parse_json(&body).map_err(|e| ApiError::bad_field(e.field.clone(), e.to_string()))?;
    let request = Request {
        action,
        agent: agent.clone(),
        operator: operator.name.clone(),
        reason_code: body.reason_code,
        justification: body.justification,
        incident: body.incident,
        step: None,
        target: None,
        tier: None,
        token_ref: body.token_ref,
        exercise: false,
    };
    // The token's role, whatever `[roles]` says of that name.
    let roles = Roles {
        default: operator.role,
        by_operator: Default::default(),
    };
    let planned = match plan(request, &gate.executors, &roles) {
        Ok(p) => p,
        Err(refused) => {
            let event = refusal_event(
                &Refusal {
                    code: "containment_refused".into(),
                    message: refused.to_string(),
                    actor: Some((ActorType::Human, operator.name.clone())),
                    agent: Some(agent.clone()),
                    about: None,
                },
                false,
                new_id(),
                Timestamp::now(),
            );
            let id = event.event_id.clone();
            let sealed = gate.sealer.seal(vec![event], vec![]).await.ok().map(|_| id);
            return Err(
                ApiError::new(StatusCode::FORBIDDEN, "refused", refused.to_string())
                    .with_event(sealed),
            );
        }
    };
    if planned.request.justification.trim().is_empty() {
        return Err(ApiError::bad_field(
            "justification",
            "a justification is required",
        ));
    }
    let ctx = gate.ctx.clone().authenticated(operator.authn.clone());
    let done = execute(&gate.store, &ctx, &planned, None)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, "not_done", e.to_string()))?;
    gate.bump();
    Ok(axum::Json(json!({
        "agent": agent,
        "action": verb,
        "operator": operator.name,
        "intent_seq": done.intent_seq,
        "result_seq": done.result_seq,
        "status": done.result.outcome_status().map(|s| s.as_str()),
    })))
}
