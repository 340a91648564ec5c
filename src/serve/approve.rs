//! Operators over HTTP: the pending queue, and votes cast with the operator's own
//! token. Who votes is the token's operator, never a name in the body.

use super::auth;
use super::error::ApiError;
use super::state::Gate;
use crate::approvals::request_json;
use crate::approvals::{vote, VoteError};
use crate::gate::{parse_json, Ballot, Verdict};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteBody {
    justification: String,
    #[serde(default)]
    break_glass: bool,
}

pub async fn list(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
) -> Result<axum::Json<Value>, ApiError> {
    auth::operator(&gate, &headers).await?;
    let pending = gate
        .store
        .pending_requests()
        .await
        .map_err(ApiError::internal)?;
    Ok(axum::Json(json!({
        "pending": pending.iter().map(request_json).collect::<Vec<_>>()
    })))
}

pub async fn approve(
    state: State<Arc<Gate>>,
    headers: HeaderMap,
    id: Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    cast(state, headers, id, body, Verdict::Approve).await
}

pub async fn deny(
    state: State<Arc<Gate>>,
    headers: HeaderMap,
    id: Path<String>,
    body: Bytes,
) -> Result<axum::Json<Value>, ApiError> {
    cast(state, headers, id, body, Verdict::Deny).await
}

async fn cast(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
    verdict: Verdict,
) -> Result<axum::Json<Value>, ApiError> {
    let voter = auth::operator(&gate, &headers).await?;
    let body: VoteBody =
        parse_json(&body).map_err(|e| ApiError::bad_field(e.field.clone(), e.to_string()))?;
    let ballot = Ballot {
        verdict,
        justification: body.justification,
        break_glass: body.break_glass,
    };
    match vote(&gate.store, &gate.ctx, &id, &voter, &ballot).await {
        Ok(done) => {
            gate.bump();
            if ballot.break_glass {
                gate.metrics
                    .break_glass
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(axum::Json(json!({
                "id": id,
                "tally": format!("{:?}", done.tally),
                "grant": done.grant,
                "seqs": done.seqs,
            })))
        }
        Err(VoteError::NotFound(id)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no approval request {id}"),
        )),
        Err(VoteError::Refused { refusal, .. }) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            refusal.code(),
            refusal.to_string(),
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}
