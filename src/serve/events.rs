//! `POST /v1/events`: a batch of `custody.event/v1` lines (JSONL, or one JSON array), with
//! the rules of `custody ingest` and per-line rejects. Every event is the token's agent's:
//! a line naming another agent is rejected, one naming none gets the token's.

use super::auth;
use super::error::ApiError;
use super::state::Gate;
use crate::event::{check_producer_event, parse_line, Agent, LineError};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{json, Value};
use std::sync::Arc;

pub async fn ingest(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::Json<Value>, ApiError> {
    let caller = auth::agent(&gate, &headers).await?;
    let body = super::body_bytes(&gate, body, &caller.agent).await?;
    let lines: Vec<Vec<u8>> = if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        let items: Vec<Value> = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_field("body", format!("not a JSON array of events: {e}")))?;
        items
            .iter()
            .map(|v| serde_json::to_vec(v).unwrap_or_default())
            .collect()
    } else {
        body.split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(<[u8]>::to_vec)
            .collect()
    };
    let mut good = Vec::new();
    let mut rejected = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let checked = parse_line(line).and_then(|mut e| {
            check_producer_event(&e)?;
            match e.agent_id() {
                Some(a) if a != caller.agent => Err(LineError::field(
                    "agent.id",
                    format!("names {a}, but the token is {}'s", caller.agent),
                )),
                Some(_) => Ok(e),
                None => {
                    e.agent = Some(Agent {
                        id: caller.agent.clone(),
                        name: None,
                        version: None,
                    });
                    Ok(e)
                }
            }
        });
        match checked {
            Ok(e) => good.push(e),
            Err(err) => rejected.push(json!({
                "line": n + 1,
                "field": err.field,
                "reason": err.reason,
            })),
        }
    }
    let out = if good.is_empty() {
        crate::store::SealOutcome::default()
    } else {
        gate.store
            .seal(good, &gate.ctx, false)
            .await
            .map_err(ApiError::internal)?
    };
    Ok(axum::Json(json!({
        "sealed": out.sealed.len(),
        "duplicates": out.duplicates.len(),
        "rejected": rejected,
        "first_seq": out.sealed.first().map(|s| s.seq),
        "last_seq": out.sealed.last().map(|s| s.seq),
    })))
}
