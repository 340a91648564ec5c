//! `POST /v1/traces` and `POST /v1/logs`: OTLP/HTTP export requests from an agent's
//! OpenTelemetry SDK, mapped by `crate::otlp` and sealed like `POST /v1/events` (the
//! store's batch seal, one transaction per request, duplicates by event id). The agent
//! is the token's; a span naming another is rejected and counted.
//!
//! Answers follow OTLP/HTTP: 200 with an empty response, or with `partial_success`
//! (rejected count and reasons) when some spans could not be mapped, in the request's
//! encoding. A body that cannot be read at all is a 400 (415 for a content type or
//! encoding custody does not speak, 413 past the size bounds) with custody's JSON error,
//! sealed as a refusal. A store failure is a 503, which exporters retry.

use super::auth;
use super::error::ApiError;
use super::state::Gate;
use crate::otlp::{self, DecodeError, Encoding, Mapped};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The largest OTLP body accepted as sent (compressed or not). Larger than the gate's
/// 1 MiB: an exporter's batch of 512 spans with message content is often bigger.
pub const MAX_OTLP_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Copy)]
enum Signal {
    Traces,
    Logs,
}

impl Signal {
    fn noun(self) -> &'static str {
        match self {
            Signal::Traces => "spans",
            Signal::Logs => "log records",
        }
    }
}

pub async fn traces(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    export(&gate, &headers, body, Signal::Traces).await
}

pub async fn logs(
    State(gate): State<Arc<Gate>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    export(&gate, &headers, body, Signal::Logs).await
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn export(
    gate: &Gate,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    signal: Signal,
) -> Result<Response, ApiError> {
    let caller = auth::agent(gate, headers).await?;
    let agent = caller.agent.as_str();
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!(
                "the OTLP body is larger than {MAX_OTLP_BODY_BYTES} bytes; send smaller batches or gzip"
            );
            return Err(refused(
                gate,
                agent,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                message,
            )
            .await);
        }
        Err(e) => {
            return Err(refused(gate, agent, e.status(), "bad_body", e.body_text()).await);
        }
    };
    let encoding = Encoding::from_content_type(header_str(headers, header::CONTENT_TYPE));
    let read = encoding.and_then(|enc| {
        let raw = otlp::inflate(
            &body,
            header_str(headers, header::CONTENT_ENCODING),
            otlp::MAX_INFLATED_BYTES,
        )?;
        Ok((enc, raw))
    });
    let (encoding, raw) = match read {
        Ok(r) => r,
        Err(e) => return Err(decode_refusal(gate, agent, e).await),
    };
    let tools = gate.tool_map();
    let mapped = match signal {
        Signal::Traces => {
            otlp::decode_traces(&raw, encoding).map(|req| otlp::map_traces(&req, &tools, agent))
        }
        Signal::Logs => {
            otlp::decode_logs(&raw, encoding).map(|req| otlp::map_logs(&req, &tools, agent))
        }
    };
    let mapped: Mapped = match mapped {
        Ok(m) => m,
        Err(e) => return Err(decode_refusal(gate, agent, e).await),
    };
    let message = mapped.message(signal.noun());
    let rejected = mapped.rejected.len();
    let out = if mapped.events.is_empty() {
        crate::store::SealOutcome::default()
    } else {
        gate.store
            .seal(mapped.events, &gate.ctx, false)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    format!("nothing of this request was sealed: {e}"),
                )
            })?
    };
    let bytes = otlp::response(encoding, matches!(signal, Signal::Logs), rejected, &message);
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.mime()),
    );
    h.insert("x-custody-sealed", HeaderValue::from(out.sealed.len()));
    h.insert(
        "x-custody-duplicates",
        HeaderValue::from(out.duplicates.len()),
    );
    h.insert("x-custody-rejected", HeaderValue::from(rejected));
    Ok(response)
}

/// A body custody cannot read: the status that fits, the reason, sealed as a refusal.
async fn decode_refusal(gate: &Gate, agent: &str, e: DecodeError) -> ApiError {
    let (status, code) = match &e {
        DecodeError::ContentType(_) | DecodeError::ContentEncoding(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        }
        DecodeError::Inflated { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        DecodeError::Gzip(_) | DecodeError::Protobuf { .. } | DecodeError::Json { .. } => {
            (StatusCode::BAD_REQUEST, "bad_request")
        }
    };
    refused(gate, agent, status, code, e.to_string()).await
}

async fn refused(
    gate: &Gate,
    agent: &str,
    status: StatusCode,
    code: &'static str,
    message: String,
) -> ApiError {
    let id = super::seal_refusal(gate, super::agent_refusal(code, &message, agent), false).await;
    ApiError {
        field: Some("body".into()),
        ..ApiError::new(status, code, message)
    }
    .with_event(id)
}
