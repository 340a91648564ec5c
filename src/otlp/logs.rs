//! GenAI events sent as OTLP log records (the conventions' `gen_ai.*` events, such as
//! `gen_ai.client.inference.operation.details`, and the older `gen_ai.user.message`,
//! `gen_ai.choice`, `gen_ai.tool.message`) become `ai.genai_event` events. The event
//! name comes from the record's `event_name` (or the older `event.name` attribute); a
//! record with no `gen_ai.` event name is not an agent's and is rejected, counted.
//!
//! Log records carry no id, so the event id is a digest of the record and its
//! resource: an exporter's retry is a duplicate, not a second record.

use super::attrs::{take_str, Converter};
use super::fields::{agent_of, checked, clip, context_of, model_of, resource_map, time_of};
use super::map::{Mapped, Rejected, LOG_KIND};
use super::proto::{ExportLogsServiceRequest, LogRecord, Resource};
use crate::event::{Action, Actor, ActorType, Event};
use crate::toolmap::ToolMap;
use prost::Message as _;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

/// Maps every log record of `request` for `agent` (the caller's token's agent).
pub fn map_logs(request: &ExportLogsServiceRequest, _tools: &ToolMap, agent: &str) -> Mapped {
    let mut conv = Converter::default();
    let mut out = Mapped::default();
    let mut n = 0;
    for r in &request.resource_logs {
        let resource = resource_map(&mut conv, r.resource.as_ref());
        for scope in &r.scope_logs {
            for record in &scope.log_records {
                n += 1;
                match map_record(record, r.resource.as_ref(), &resource, agent, &mut conv) {
                    Ok(e) => out.events.push(e),
                    Err(reason) => out.rejected.push(Rejected {
                        item: format!("log record {n} `{}`", clip(&record.event_name)),
                        reason,
                    }),
                }
            }
        }
    }
    out.truncated = conv.truncated;
    out
}

fn map_record(
    record: &LogRecord,
    raw_resource: Option<&Resource>,
    resource: &Map<String, Json>,
    agent: &str,
    conv: &mut Converter,
) -> Result<Event, String> {
    let mut attrs = conv.map(&record.attributes);
    let name = Some(record.event_name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| take_str(&mut attrs, "event.name"))
        .ok_or("not a GenAI event: the record has no event_name (nor an event.name attribute)")?;
    if !name.starts_with("gen_ai.") {
        return Err(format!(
            "not a GenAI event: `{}` does not start with gen_ai.",
            clip(&name)
        ));
    }
    let who = agent_of(&mut attrs, agent, None)?;
    let time = time_of(record.time_unix_nano)
        .or_else(|| time_of(record.observed_time_unix_nano))
        .ok_or("the record has neither time_unix_nano nor observed_time_unix_nano")?;
    let mut digest = Sha256::new();
    digest.update(record.encode_to_vec());
    digest.update(raw_resource.map(|r| r.encode_to_vec()).unwrap_or_default());
    let id = hex::encode(&digest.finalize()[..16]);
    // A producer's event (not sealed by custody); `custody` only fills the empty fields.
    let mut event = Event::custody(
        LOG_KIND,
        format!("otel-log-{id}"),
        time,
        Actor::new(ActorType::Agent, agent),
    );
    event.sealed_by = None;
    event.agent = Some(who);
    event.model = model_of(&mut attrs);
    event.context = Some(context_of(
        &mut attrs,
        resource,
        &record.trace_id,
        &record.span_id,
        &[],
        None,
    ));
    // The record belongs to the span it was emitted in: point to that span's event.
    if let Some(ctx) = event.context.as_mut() {
        if let (Some(t), Some(s)) = (&ctx.trace_id, &ctx.span_id) {
            ctx.parent_event_id = Some(format!("otel-{t}-{s}"));
        }
    }
    let mut otel = Map::new();
    otel.insert("body".into(), conv.value(record.body.as_ref()));
    if !record.severity_text.is_empty() || record.severity_number != 0 {
        otel.insert(
            "severity".into(),
            json!({"text": record.severity_text, "number": record.severity_number}),
        );
    }
    otel.insert("attributes".into(), Json::Object(attrs));
    otel.insert("resource".into(), Json::Object(resource.clone()));
    event.action = Some(Action {
        kind: name,
        target_system: event.model.as_ref().and_then(|m| m.provider.clone()),
        resource: None,
        environment: None,
        params: Some(json!({ "otel": Json::Object(otel) })),
        before: None,
        after: None,
    });
    checked(event)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::otlp::proto::{AnyValue, KeyValue, ResourceLogs, ScopeLogs, Value};

    fn record(name: &str, attrs: &[(&str, &str)]) -> LogRecord {
        LogRecord {
            time_unix_nano: 1_796_000_000_000_000_000,
            event_name: name.into(),
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            body: Some(AnyValue {
                value: Some(Value::String("hello".into())),
            }),
            attributes: attrs
                .iter()
                .map(|(k, v)| KeyValue {
                    key: (*k).into(),
                    value: Some(AnyValue {
                        value: Some(Value::String((*v).into())),
                    }),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn request(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: None,
                scope_logs: vec![ScopeLogs {
                    scope: None,
                    log_records: records,
                }],
            }],
        }
    }

    #[test]
    fn a_genai_log_event_is_kept_with_its_body_and_linked_to_its_span() {
        let r = record(
            "gen_ai.client.inference.operation.details",
            &[
                ("gen_ai.request.model", "gpt-4o"),
                ("gen_ai.output.type", "text"),
            ],
        );
        let out = map_logs(&request(vec![r.clone(), r]), &ToolMap::default(), "bot");
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        let e = &out.events[0];
        assert_eq!(e.kind, LOG_KIND);
        assert_eq!(out.events[1].event_id, e.event_id, "a retry is a duplicate");
        let action = e.action.as_ref().unwrap();
        assert_eq!(action.kind, "gen_ai.client.inference.operation.details");
        let otel = &action.params.as_ref().unwrap()["otel"];
        assert_eq!(otel["body"], "hello");
        assert_eq!(otel["attributes"]["gen_ai.output.type"], "text");
        assert_eq!(e.model.as_ref().unwrap().name, "gpt-4o");
        let ctx = e.context.as_ref().unwrap();
        assert_eq!(
            ctx.parent_event_id.as_deref(),
            Some(format!("otel-{}-{}", "01".repeat(16), "02".repeat(8)).as_str())
        );
    }

    #[test]
    fn records_that_are_not_genai_events_or_name_another_agent_are_rejected() {
        let plain = record("", &[]);
        let other = record("app.started", &[]);
        let foreign = record("gen_ai.choice", &[("gen_ai.agent.id", "mallory")]);
        let out = map_logs(
            &request(vec![plain, other, foreign]),
            &ToolMap::default(),
            "bot",
        );
        assert!(out.events.is_empty());
        assert_eq!(out.rejected.len(), 3);
        assert!(out.rejected[2].reason.contains("mallory"));
    }
}
