//! OpenTelemetry in: OTLP/HTTP trace and log export requests (protobuf or JSON, gzip or
//! not) decoded and mapped to `custody.event/v1`, following the GenAI semantic
//! conventions (current names, older ones accepted). `execute_tool` spans become
//! `ai.action` events; chat and `invoke_agent` spans become `ai.inference` and
//! `ai.agent_run` events that the tool calls of the same trace point to; log records
//! of GenAI events become `ai.genai_event`. What has no mapping is kept, never dropped,
//! under `action.params.otel`.
//!
//! Pure: bytes in, events and per-span rejections out. It never seals, never reads a
//! token and never touches a socket; who the agent is arrives as an argument, from the
//! caller's credential, and a span naming another agent is refused here.

mod attrs;
mod fields;
mod json;
mod logs;
mod map;
pub mod proto;

pub use logs::map_logs;
pub use map::{map_traces, Mapped, Rejected, AGENT_KIND, INFERENCE_KIND, LOG_KIND, TOOL_KIND};

use prost::Message as _;
use std::io::Read as _;

/// The largest body accepted after gzip is undone (a small gzip body can inflate to
/// gigabytes; this bounds the memory one request may take).
pub const MAX_INFLATED_BYTES: usize = 32 * 1024 * 1024;

/// A single attribute value larger than this is kept as its size, SHA-256 and first
/// KiB instead of whole (an event holds at most `event::MAX_EVENT_BYTES`).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// The two OTLP/HTTP encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// From `Content-Type`: `application/x-protobuf` or `application/json` (parameters
    /// such as `; charset=utf-8` allowed).
    pub fn from_content_type(value: Option<&str>) -> Result<Encoding, DecodeError> {
        let raw = value.unwrap_or("");
        let mime = raw
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
            "application/json" => Ok(Encoding::Json),
            _ => Err(DecodeError::ContentType(raw.chars().take(80).collect())),
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// Why a body could not be read at all (one answer for the whole request).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("Content-Type `{0}` is not OTLP: send application/x-protobuf or application/json")]
    ContentType(String),
    #[error("Content-Encoding `{0}` is not supported: send gzip or no encoding")]
    ContentEncoding(String),
    #[error("the gzip body is corrupt or truncated: {0}")]
    Gzip(#[source] std::io::Error),
    #[error("the body inflates past {limit} bytes; send smaller batches")]
    Inflated { limit: usize },
    #[error("the body is not a valid OTLP {message} in protobuf: {source}")]
    Protobuf {
        message: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    #[error("the body is not a valid OTLP {message} in JSON: at `{path}`: {source}")]
    Json {
        message: &'static str,
        path: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Undoes `Content-Encoding` (`gzip` or `identity`/none), bounded by `limit`.
pub fn inflate(
    body: &[u8],
    content_encoding: Option<&str>,
    limit: usize,
) -> Result<Vec<u8>, DecodeError> {
    let encoding = content_encoding.unwrap_or("").trim().to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" => Ok(body.to_vec()),
        "gzip" | "x-gzip" => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
            let mut reader = flate2::read::MultiGzDecoder::new(body).take(limit as u64 + 1);
            reader.read_to_end(&mut out).map_err(DecodeError::Gzip)?;
            if out.len() > limit {
                return Err(DecodeError::Inflated { limit });
            }
            Ok(out)
        }
        other => Err(DecodeError::ContentEncoding(
            other.chars().take(40).collect(),
        )),
    }
}

/// An `ExportTraceServiceRequest` from an (inflated) body.
pub fn decode_traces(
    body: &[u8],
    encoding: Encoding,
) -> Result<proto::ExportTraceServiceRequest, DecodeError> {
    decode(body, encoding, "ExportTraceServiceRequest")
}

/// An `ExportLogsServiceRequest` from an (inflated) body.
pub fn decode_logs(
    body: &[u8],
    encoding: Encoding,
) -> Result<proto::ExportLogsServiceRequest, DecodeError> {
    decode(body, encoding, "ExportLogsServiceRequest")
}

fn decode<T>(body: &[u8], encoding: Encoding, message: &'static str) -> Result<T, DecodeError>
where
    T: prost::Message + Default + serde::de::DeserializeOwned,
{
    match encoding {
        Encoding::Protobuf => {
            T::decode(body).map_err(|source| DecodeError::Protobuf { message, source })
        }
        Encoding::Json => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let value =
                serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeError::Json {
                    message,
                    path: e.path().to_string(),
                    source: e.into_inner(),
                })?;
            de.end().map_err(|source| DecodeError::Json {
                message,
                path: ".".into(),
                source,
            })?;
            Ok(value)
        }
    }
}

/// The OTLP answer to an export, in the request's encoding: empty when everything was
/// accepted, else `partial_success` with the count and the reasons (also used for
/// warnings with a count of 0, as the OTLP spec allows).
pub fn response(encoding: Encoding, logs: bool, rejected: usize, message: &str) -> Vec<u8> {
    let partial = (rejected > 0 || !message.is_empty()).then(|| proto::PartialSuccess {
        rejected: i64::try_from(rejected).unwrap_or(i64::MAX),
        error_message: message.to_string(),
    });
    match encoding {
        Encoding::Protobuf if logs => proto::ExportLogsServiceResponse {
            partial_success: partial,
        }
        .encode_to_vec(),
        Encoding::Protobuf => proto::ExportTraceServiceResponse {
            partial_success: partial,
        }
        .encode_to_vec(),
        Encoding::Json => {
            let count = if logs {
                "rejectedLogRecords"
            } else {
                "rejectedSpans"
            };
            let body = match partial {
                None => serde_json::json!({}),
                Some(p) => serde_json::json!({"partialSuccess": {
                    count: p.rejected.to_string(),
                    "errorMessage": p.error_message,
                }}),
            };
            body.to_string().into_bytes()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_gzip_bomb_is_stopped_at_the_limit() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 4 * 1024 * 1024]).unwrap();
        let small = gz.finish().unwrap();
        assert!(small.len() < 64 * 1024);
        let err = inflate(&small, Some("gzip"), 1024 * 1024).unwrap_err();
        assert!(matches!(err, DecodeError::Inflated { .. }), "{err}");
        assert_eq!(
            inflate(&small, Some("gzip"), 8 << 20).unwrap().len(),
            4 << 20
        );
        let err = inflate(b"not gzip", Some("gzip"), 1024).unwrap_err();
        assert!(err.to_string().contains("gzip body is corrupt"), "{err}");
        assert!(inflate(b"x", Some("br"), 1024).is_err());
    }

    #[test]
    fn truncated_protobuf_and_json_are_refused_with_where_they_broke() {
        let req = proto::ExportTraceServiceRequest {
            resource_spans: vec![proto::ResourceSpans {
                resource: None,
                scope_spans: vec![proto::ScopeSpans {
                    scope: None,
                    spans: vec![proto::Span {
                        name: "execute_tool x".into(),
                        ..Default::default()
                    }],
                }],
            }],
        };
        let bytes = req.encode_to_vec();
        let err = decode_traces(&bytes[..bytes.len() - 3], Encoding::Protobuf).unwrap_err();
        assert!(err.to_string().contains("in protobuf"), "{err}");
        let json = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}"#;
        let err = decode_traces(json.as_bytes(), Encoding::Json).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("resourceSpans[0].scopeSpans[0].spans[0].traceId"),
            "{text}"
        );
        let err = decode_traces(&json.as_bytes()[..30], Encoding::Json).unwrap_err();
        assert!(err.to_string().contains("EOF"), "{err}");
    }

    #[test]
    fn the_answer_is_empty_when_all_was_accepted_and_counts_rejections() {
        assert!(response(Encoding::Protobuf, false, 0, "").is_empty());
        assert_eq!(response(Encoding::Json, false, 0, ""), b"{}");
        let json: serde_json::Value =
            serde_json::from_slice(&response(Encoding::Json, false, 2, "why")).unwrap();
        assert_eq!(json["partialSuccess"]["rejectedSpans"], "2");
        let pb = response(Encoding::Protobuf, true, 3, "why");
        let back = proto::ExportLogsServiceResponse::decode(pb.as_slice()).unwrap();
        assert_eq!(back.partial_success.unwrap().rejected, 3);
    }
}
