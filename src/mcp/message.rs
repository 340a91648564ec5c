//! Reading JSON-RPC messages without re-serialising them, and writing the few messages the
//! proxy says itself (errors, tool errors, progress), with the MCP SDK's types. A message
//! the proxy forwards is never rebuilt: it is classified from borrowed raw values and sent
//! on as the bytes that came in.

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, ErrorCode, ErrorData,
    ProgressNotificationParam, ProgressToken,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// One JSON-RPC message, borrowed from its line.
#[derive(Debug, Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    jsonrpc: Option<&'a str>,
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    params: Option<&'a RawValue>,
    #[serde(default, borrow)]
    result: Option<&'a RawValue>,
    #[serde(default, borrow)]
    error: Option<&'a RawValue>,
}

/// What a line is.
#[derive(Debug)]
pub enum Kind<'a> {
    /// A request: `id` is the normalised id (its JSON text), `raw_id` the value to answer with.
    Request {
        id: String,
        raw_id: Value,
        method: String,
        params: Option<&'a RawValue>,
    },
    Notification {
        method: String,
        params: Option<&'a RawValue>,
    },
    /// A response; `result` or `error` raw, exactly as on the wire.
    Response {
        id: String,
        result: Option<&'a RawValue>,
        error: Option<&'a RawValue>,
    },
}

/// Why a line is not a JSON-RPC message, and the code it is answered with.
#[derive(Debug, Clone, PartialEq)]
pub struct NotJsonRpc {
    pub code: ErrorCode,
    pub message: String,
    /// The id to answer with, when the line had one.
    pub id: Value,
}

/// Classifies one line (without its newline).
pub fn classify(line: &[u8]) -> Result<Kind<'_>, NotJsonRpc> {
    let not = |code, message: String| NotJsonRpc {
        code,
        message,
        id: Value::Null,
    };
    let env: Envelope<'_> = match serde_json::from_slice(line) {
        Ok(e) => e,
        Err(e) => {
            return Err(match serde_json::from_slice::<Value>(line) {
                Err(_) => not(
                    ErrorCode::PARSE_ERROR,
                    format!("parse error: the message is not JSON ({e})"),
                ),
                Ok(Value::Array(_)) => not(
                    ErrorCode::INVALID_REQUEST,
                    "invalid request: JSON-RPC batches are not accepted by custody mcp-proxy"
                        .into(),
                ),
                Ok(_) => not(
                    ErrorCode::INVALID_REQUEST,
                    format!("invalid request: not a JSON-RPC 2.0 message object ({e})"),
                ),
            })
        }
    };
    let id = env
        .id
        .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok());
    let answer_id = id.clone().unwrap_or(Value::Null);
    if env.jsonrpc != Some("2.0") {
        return Err(NotJsonRpc {
            id: answer_id,
            ..not(
                ErrorCode::INVALID_REQUEST,
                "invalid request: `jsonrpc` must be \"2.0\"".into(),
            )
        });
    }
    match (id, env.method) {
        (Some(id), Some(method)) if id.is_string() || id.is_number() => Ok(Kind::Request {
            id: id.to_string(),
            raw_id: id,
            method: method.into_owned(),
            params: env.params,
        }),
        (None, Some(method)) => Ok(Kind::Notification {
            method: method.into_owned(),
            params: env.params,
        }),
        (Some(id), None) if env.result.is_some() || env.error.is_some() => Ok(Kind::Response {
            id: id.to_string(),
            result: env.result,
            error: env.error,
        }),
        (id, _) => Err(NotJsonRpc {
            id: id.unwrap_or(Value::Null),
            ..not(
                ErrorCode::INVALID_REQUEST,
                "invalid request: a message needs a method, or an id with a result or an error"
                    .into(),
            )
        }),
    }
}

/// The parameters of a `tools/call`.
pub fn call_params(params: Option<&RawValue>) -> Result<CallToolRequestParams, String> {
    let raw = params.ok_or("tools/call without params")?;
    serde_json::from_str(raw.get()).map_err(|e| format!("tools/call params: {e}"))
}

/// The progress token a request carries in `params._meta.progressToken`, if any.
pub fn progress_token(params: &CallToolRequestParams) -> Option<ProgressToken> {
    params.meta.as_ref()?.get_progress_token()
}

fn line(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// A JSON-RPC error response.
pub fn error_response(id: &Value, code: ErrorCode, message: &str) -> Vec<u8> {
    let error = ErrorData::new(code, message.to_string(), None);
    line(&json!({"jsonrpc": "2.0", "id": id, "error": error}))
}

/// A tool result with `isError: true` and `text`: how a refused call is answered, so the
/// model sees the reason instead of a protocol failure.
pub fn tool_error(id: &Value, text: &str) -> Vec<u8> {
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    // Older protocol versions have no `resultType`; a result without it means complete.
    result.result_type = None;
    line(&json!({"jsonrpc": "2.0", "id": id, "result": result}))
}

/// A `notifications/progress` for a held call.
pub fn progress(token: &ProgressToken, progress: f64, message: &str) -> Vec<u8> {
    let mut p = ProgressNotificationParam::new(token.clone(), progress);
    p.message = Some(message.to_string());
    line(&json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": p}))
}

/// What a tool result says about itself: `isError`, and its text content cut to `max`
/// characters (the bounded excerpt an outcome carries).
pub fn result_summary(result: &RawValue, max: usize) -> (bool, String) {
    #[derive(Deserialize)]
    struct Summary {
        #[serde(default, rename = "isError")]
        is_error: Option<bool>,
        #[serde(default)]
        content: Vec<Value>,
    }
    let Ok(s) = serde_json::from_str::<Summary>(result.get()) else {
        return (false, excerpt(result.get(), max));
    };
    let text: Vec<&str> = s
        .content
        .iter()
        .filter_map(|c| c.get("text").and_then(Value::as_str))
        .collect();
    let text = if text.is_empty() {
        result.get().to_string()
    } else {
        text.join("\n")
    };
    (s.is_error == Some(true), excerpt(&text, max))
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_classified_without_losing_their_raw_parts() {
        let call = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":7}}}"#;
        let Kind::Request {
            id, method, params, ..
        } = classify(call).unwrap()
        else {
            panic!("not a request")
        };
        assert_eq!((id.as_str(), method.as_str()), ("7", "tools/call"));
        let p = call_params(params).unwrap();
        assert_eq!(p.name, "echo");
        assert!(progress_token(&p).is_some());
        let resp = br#"{"jsonrpc":"2.0","id":"a","result":{ "content" : [] }}"#;
        let Kind::Response { id, result, .. } = classify(resp).unwrap() else {
            panic!("not a response")
        };
        assert_eq!(id, "\"a\"");
        assert_eq!(result.unwrap().get(), r#"{ "content" : [] }"#);
        assert!(matches!(
            classify(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap(),
            Kind::Notification { .. }
        ));
    }

    #[test]
    fn what_is_not_json_rpc_gets_the_right_error_code() {
        assert_eq!(
            classify(b"hello there").unwrap_err().code,
            ErrorCode::PARSE_ERROR
        );
        assert_eq!(
            classify(b"[1,2]").unwrap_err().code,
            ErrorCode::INVALID_REQUEST
        );
        let no_version = classify(br#"{"id":3,"method":"ping"}"#).unwrap_err();
        assert_eq!(
            (no_version.code, no_version.id),
            (ErrorCode::INVALID_REQUEST, json!(3))
        );
        assert!(classify(br#"{"jsonrpc":"2.0","id":3}"#).is_err());
        assert!(classify(br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#).is_err());
        assert!(call_params(None).is_err());
    }

    #[test]
    fn our_own_messages_are_valid_mcp() {
        let e: Value = serde_json::from_slice(&tool_error(&json!(4), "denied")).unwrap();
        assert_eq!(e["result"]["isError"], true);
        assert_eq!(e["result"]["content"][0]["text"], "denied");
        assert!(e["result"].get("resultType").is_none());
        let r: Value = serde_json::from_slice(&error_response(
            &Value::Null,
            ErrorCode::PARSE_ERROR,
            "parse error",
        ))
        .unwrap();
        assert_eq!(r["error"]["code"], -32700);
        let token: ProgressToken = serde_json::from_value(json!("t")).unwrap();
        let p: Value = serde_json::from_slice(&progress(&token, 2.0, "waiting")).unwrap();
        assert_eq!(p["params"]["progressToken"], "t");
        assert_eq!(p["params"]["progress"], 2.0);
    }

    #[test]
    fn summaries_are_bounded() {
        let raw: Box<RawValue> =
            serde_json::from_str(r#"{"content":[{"type":"text","text":"ééééé"}],"isError":true}"#)
                .unwrap();
        assert_eq!(result_summary(&raw, 3), (true, "ééé…".to_string()));
        assert_eq!(excerpt("abc", 3), "abc");
    }
}
