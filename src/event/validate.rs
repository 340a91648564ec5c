//! Turning one line of producer input into a validated `Event`, or a `LineError` that
//! names the field and the reason. Nothing here is lenient about types: a wrong type is
//! a reject, so that what is sealed means what the schema says it means.

use super::Event;
use serde_json::Value;
use std::fmt;

/// The largest event accepted, in bytes of producer JSON. Larger ones are rejected
/// with the field that made them large named.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Fields the store assigns; a producer that sends them is confused about the contract.
const STORE_ASSIGNED: &[&str] = &["seq", "recorded_at", "origin", "prev_hash", "hash"];

/// Why a line was rejected: the field involved (when there is one) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub field: Option<String>,
    pub reason: String,
}

impl LineError {
    pub(super) fn line(reason: impl Into<String>) -> Self {
        LineError {
            field: None,
            reason: reason.into(),
        }
    }

    pub fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        LineError {
            field: Some(field.into()),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "field `{field}`: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for LineError {}

/// Checks an event custody built itself (a control, incident or session event) with the
/// rules ingest applies to a producer's line: its size and the field rules. Custody seals
/// nothing that its own ingest would reject, so a reason code typed at the console or on
/// the command line is held to the same rules as one sent by an agent.
pub fn check_own(event: &Event) -> Result<(), LineError> {
    let text = serde_json::to_string(event)
        .map_err(|e| LineError::line(format!("cannot be written as JSON: {e}")))?;
    if text.len() > MAX_EVENT_BYTES {
        return Err(oversized(&text));
    }
    check_semantics(event)
}

/// Parses and validates one line (without its newline).
pub fn parse_line(bytes: &[u8]) -> Result<Event, LineError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        LineError::line(format!(
            "invalid UTF-8 at byte {} of the line",
            e.valid_up_to() + 1
        ))
    })?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.starts_with('\u{feff}') {
        return Err(LineError::line(
            "the line starts with a UTF-8 byte order mark (BOM, bytes EF BB BF); \
             only the very start of the input may carry one",
        ));
    }
    if text.len() > MAX_EVENT_BYTES {
        return Err(oversized(text));
    }
    // Most lines are good: parse them without tracking the field path (about 30% faster),
    // and parse again with tracking only to name the field of a line that failed.
    let event = match serde_json::from_str::<Event>(text) {
        Ok(event) => event,
        Err(_) => parse_tracked(text)?,
    };
    check_semantics(&event)?;
    Ok(event)
}

/// The slow path: the same parse, remembering where it was, to name the bad field.
fn parse_tracked(text: &str) -> Result<Event, LineError> {
    let opens_object = text.trim_start().starts_with('{');
    if !opens_object && serde_json::from_str::<Value>(text).is_ok() {
        return Err(LineError::line(
            "expected an object: each line must be one JSON object (an event), \
             not an array, string, number, boolean or null",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let event: Event = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        describe_serde_error(&path, e.inner())
    })?;
    de.end()
        .map_err(|e| LineError::line(format!("trailing characters after the event ({e})")))?;
    Ok(event)
}

fn describe_serde_error(path: &str, err: &serde_json::Error) -> LineError {
    use serde_json::error::Category;
    let msg = err.to_string();
    match err.classify() {
        // serde_json reports a wrong-typed enum (e.g. `"status": 7`) as a syntax error,
        // so a syntax error inside a field names the field too.
        Category::Syntax | Category::Eof if path != "." => {
            LineError::field(path, format!("not valid JSON or wrong type: {msg}"))
        }
        Category::Syntax | Category::Eof => LineError::line(format!("not valid JSON: {msg}")),
        Category::Io => LineError::line(msg),
        Category::Data => {
            let prefix = if path == "." {
                String::new()
            } else {
                format!("{path}.")
            };
            let top_level = path == "." || !path.contains('.');
            if let Some(name) = between(&msg, "missing field `", "`") {
                return LineError::field(format!("{prefix}{name}"), "required field is missing");
            }
            if let Some(name) = between(&msg, "unknown field `", "`") {
                // serde_path_to_error already ends the path with the unknown name.
                let field = path.to_string();
                if top_level && STORE_ASSIGNED.contains(&name) {
                    return LineError::field(field, "is assigned by the store when the event is sealed; producers must not send it");
                }
                let expected = msg
                    .split_once(", expected")
                    .map(|(_, e)| e.trim())
                    .unwrap_or("");
                return LineError::field(field, format!("unknown field (expected {expected})"));
            }
            if path == "." && msg.starts_with("invalid type") {
                return LineError::line("an event must be a JSON object");
            }
            let reason = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            LineError::field(path, reason)
        }
    }
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &s[s.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

fn check_semantics(e: &Event) -> Result<(), LineError> {
    if e.event_id.trim().is_empty() {
        return Err(LineError::field("event_id", "must not be empty"));
    }
    if e.event_id.len() > 128 || e.event_id.chars().any(char::is_control) {
        return Err(LineError::field(
            "event_id",
            "must be at most 128 characters with no control characters (use a UUIDv7 or ULID)",
        ));
    }
    let kind_ok = !e.kind.is_empty()
        && e.kind.len() <= 64
        && e.kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if !kind_ok {
        return Err(LineError::field(
            "kind",
            format!(
                "`{}` is not a kind: use lowercase dotted words such as ai.action",
                e.kind.escape_debug()
            ),
        ));
    }
    if let Some(r) = e.risk_score {
        if !(0.0..=1.0).contains(&r) {
            return Err(LineError::field(
                "risk_score",
                format!("{r} is outside 0.0–1.0"),
            ));
        }
    }
    if let Some(c) = e.ai_output.as_ref().and_then(|o| o.confidence) {
        if !(0.0..=1.0).contains(&c) {
            return Err(LineError::field(
                "ai_output.confidence",
                format!("{c} is outside 0.0–1.0"),
            ));
        }
    }
    if let Some(code) = &e.reason_code {
        if code.is_empty() || code.len() > 64 || code.chars().any(char::is_control) {
            return Err(LineError::field(
                "reason_code",
                "must be a short code without control characters",
            ));
        }
    }
    if let Some((field, err)) = super::time::implausible(e) {
        return Err(LineError::field(field, err.to_string()));
    }
    let needs_justification = e.kind == "human.intervention" || e.kind.starts_with("control.");
    if needs_justification
        && e.justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
    {
        return Err(LineError::field(
            "justification",
            format!("is mandatory for `{}` events", e.kind),
        ));
    }
    Ok(())
}

/// Names the field that made an oversized line too large.
fn oversized(text: &str) -> LineError {
    let limit = format!("an event may be at most {MAX_EVENT_BYTES} bytes");
    match serde_json::from_str::<Value>(text) {
        Ok(v) => {
            let (path, size) = largest_field(&v, String::new());
            LineError::field(path, format!("is {size} bytes; {limit}"))
        }
        Err(_) => LineError::line(format!(
            "line is {} bytes and not valid JSON; {limit}",
            text.len()
        )),
    }
}

fn largest_field(v: &Value, path: String) -> (String, usize) {
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, c)| {
                (
                    if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    },
                    c,
                )
            })
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("{path}[{i}]"), c))
            .collect(),
        other => return (path, other.to_string().len()),
    };
    children
        .into_iter()
        .map(|(p, c)| largest_field(c, p))
        .max_by_key(|(_, size)| *size)
        .unwrap_or((path, 0))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"event_id":"01J0","time":"2026-11-23T01:00:00Z","kind":"ai.action","tier":"T2"}"#;

    fn reject(line: &str) -> LineError {
        parse_line(line.as_bytes()).unwrap_err()
    }

    #[test]
    fn a_minimal_event_is_accepted() {
        let e = parse_line(GOOD.as_bytes()).unwrap();
        assert_eq!(e.tier, Some(crate::event::Tier::T2));
    }

    #[test]
    fn unknown_tier_names_the_tier_field() {
        let e = reject(&GOOD.replace("T2", "T9"));
        assert_eq!(e.field.as_deref(), Some("tier"));
    }

    #[test]
    fn missing_event_id_is_named() {
        let e = reject(r#"{"time":"2026-11-23T01:00:00Z","kind":"ai.action"}"#);
        assert_eq!(e.field.as_deref(), Some("event_id"));
    }

    #[test]
    fn wrong_nested_type_names_the_path() {
        let e = reject(&GOOD.replace(r#""tier":"T2""#, r#""outcome":{"status":7}"#));
        assert_eq!(e.field.as_deref(), Some("outcome.status"));
    }

    #[test]
    fn store_assigned_fields_are_refused_with_the_reason() {
        let e = reject(&GOOD.replace(r#""tier":"T2""#, r#""seq":4"#));
        assert_eq!(e.field.as_deref(), Some("seq"));
        assert!(e.reason.contains("assigned by the store"));
    }

    #[test]
    fn raw_control_characters_are_not_json() {
        let e = reject(&GOOD.replace("ai.action", "ai.\u{1b}action"));
        assert!(e.reason.starts_with("not valid JSON"), "{e}");
    }

    #[test]
    fn invalid_utf8_is_rejected_with_position() {
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes[20] = 0xff;
        let e = parse_line(&bytes).unwrap_err();
        assert!(e.reason.contains("invalid UTF-8 at byte 21"), "{e}");
    }

    #[test]
    fn an_oversized_field_is_named() {
        let big = "x".repeat(MAX_EVENT_BYTES);
        let line = GOOD.replace(
            r#""tier":"T2""#,
            &format!(r#""ai_output":{{"summary":"{big}"}}"#),
        );
        assert_eq!(reject(&line).field.as_deref(), Some("ai_output.summary"));
    }

    #[test]
    fn custody_s_own_events_are_held_to_the_ingest_rules() {
        let mut e = parse_line(GOOD.as_bytes()).unwrap();
        e.reason_code = Some("\u{1b}[31m".into());
        assert_eq!(
            check_own(&e).unwrap_err().field.as_deref(),
            Some("reason_code")
        );
        e.reason_code = Some("containment".into());
        assert_eq!(check_own(&e), Ok(()));
        e.justification = Some("x".repeat(MAX_EVENT_BYTES));
        assert_eq!(
            check_own(&e).unwrap_err().field.as_deref(),
            Some("justification")
        );
    }

    #[test]
    fn an_array_is_told_an_object_was_expected() {
        for line in ["[]", "[1,2]", "\"event\"", "7", "null", "true"] {
            let e = reject(line);
            assert!(e.reason.starts_with("expected an object"), "{line}: {e}");
        }
    }

    #[test]
    fn a_byte_order_mark_inside_the_input_is_named() {
        let e = reject(&format!("\u{feff}{GOOD}"));
        assert!(e.reason.contains("byte order mark (BOM"), "{e}");
    }

    #[test]
    fn control_actions_need_a_justification() {
        let e = reject(&GOOD.replace("ai.action", "control.pause"));
        assert_eq!(e.field.as_deref(), Some("justification"));
    }
}
