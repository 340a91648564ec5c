//! The span mapping, on spans built the way the GenAI conventions describe them.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::Tier;
use crate::otlp::proto::{AnyValue, KeyValue, Resource, ResourceSpans, ScopeSpans, Status, Value};

const TRACE: [u8; 16] = [7; 16];

fn kv(key: &str, v: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(Value::String(v.into())),
        }),
    }
}

fn span(id: u8, parent: Option<u8>, name: &str, attrs: &[(&str, &str)], start_ms: u64) -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![id; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: name.into(),
        start_time_unix_nano: start_ms * 1_000_000,
        end_time_unix_nano: (start_ms + 5) * 1_000_000,
        attributes: attrs.iter().map(|(k, v)| kv(k, v)).collect(),
        ..Default::default()
    }
}

fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", "support-bot"),
                    kv("deployment.environment.name", "prod"),
                ],
            }),
            scope_spans: vec![ScopeSpans { scope: None, spans }],
        }],
    }
}

fn tools() -> ToolMap {
    let config: crate::toolmap::ToolMapConfig = toml::from_str(
        "[[map]]\npattern = \"refund.*\"\ntier = \"T3\"\ntarget_system = \"stripe\"\nreversibility = \"partial\"\n",
    )
    .unwrap();
    ToolMap::from_config(&config, &[]).unwrap()
}

const T0: u64 = 1_796_000_000_000;

#[test]
fn an_execute_tool_span_is_an_action_with_tool_params_outcome_and_mapping() {
    let tool = span(
        2,
        None,
        "execute_tool refund.create",
        &[
            ("gen_ai.operation.name", "execute_tool"),
            ("gen_ai.tool.name", "refund.create"),
            ("gen_ai.tool.call.id", "call_1"),
            (
                "gen_ai.tool.call.arguments",
                r#"{"order":"A-1","amount":30}"#,
            ),
            ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.tool.type", "function"),
        ],
        T0,
    );
    let out = map_traces(&request(vec![tool]), &tools(), "bot");
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let e = &out.events[0];
    assert_eq!(e.kind, TOOL_KIND);
    assert_eq!(
        e.event_id,
        format!("otel-{}-{}", hex::encode(TRACE), "02".repeat(8))
    );
    assert_eq!(e.agent_id(), Some("bot"));
    let action = e.action.as_ref().unwrap();
    assert_eq!(action.kind, "refund.create");
    assert_eq!(action.target_system.as_deref(), Some("stripe"));
    let params = action.params.as_ref().unwrap();
    assert_eq!(params["arguments"], json!({"order": "A-1", "amount": 30}));
    assert_eq!(params["call_id"], "call_1");
    assert_eq!(params["tool_rule"], "refund.*");
    assert_eq!(params["otel"]["attributes"]["gen_ai.tool.type"], "function");
    assert_eq!(params["otel"]["resource"]["service.name"], "support-bot");
    assert_eq!(e.tier, Some(Tier::T3));
    let model = e.model.as_ref().unwrap();
    assert_eq!(
        (model.name.as_str(), model.provider.as_deref()),
        ("gpt-4o", Some("openai"))
    );
    assert_eq!(e.outcome_status(), Some(OutcomeStatus::Success));
    assert_eq!(
        e.context.as_ref().unwrap().environment.as_deref(),
        Some("prod")
    );
    assert_eq!(e.time.millis(), T0 as i64);
}

#[test]
fn an_error_type_is_an_error_outcome_and_an_unmapped_tool_is_marked() {
    let mut tool = span(
        2,
        None,
        "execute_tool shell",
        &[("gen_ai.tool.name", "shell"), ("error.type", "timeout")],
        T0,
    );
    tool.status = Some(Status {
        message: "took 30 s".into(),
        code: STATUS_ERROR,
    });
    let out = map_traces(&request(vec![tool]), &tools(), "bot");
    let e = &out.events[0];
    let outcome = e.outcome.as_ref().unwrap();
    assert_eq!(outcome.status, OutcomeStatus::Error);
    assert_eq!(outcome.detail.as_deref(), Some("timeout: took 30 s"));
    let params = e.action.as_ref().unwrap().params.as_ref().unwrap();
    assert_eq!(params["unmapped_tool"], true);
    assert_eq!(e.tier, Some(Tier::T2));
}

#[test]
fn a_tool_call_takes_its_model_and_agent_name_from_the_chat_and_agent_spans_of_its_trace() {
    let agent = span(
        1,
        None,
        "invoke_agent support",
        &[
            ("gen_ai.operation.name", "invoke_agent"),
            ("gen_ai.agent.name", "support"),
        ],
        T0,
    );
    let chat = span(
        3,
        Some(1),
        "chat gpt-4o",
        &[
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.response.model", "gpt-4o-2024-08-06"),
            ("gen_ai.system", "openai"),
        ],
        T0 + 10,
    );
    let tool = span(4, Some(1), "execute_tool lookup", &[], T0 + 20);
    let out = map_traces(&request(vec![tool, chat, agent]), &tools(), "bot");
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let tool = &out.events[0];
    let model = tool.model.as_ref().unwrap();
    assert_eq!(model.name, "gpt-4o");
    assert_eq!(model.version.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(model.provider.as_deref(), Some("openai"));
    assert_eq!(
        tool.agent.as_ref().unwrap().name.as_deref(),
        Some("support")
    );
    let ctx = tool.context.as_ref().unwrap();
    assert_eq!(
        ctx.parent_event_id.as_deref(),
        Some(out.events[2].event_id.as_str())
    );
    let chat = &out.events[1];
    assert_eq!(chat.kind, INFERENCE_KIND);
    assert_eq!(
        chat.model.as_ref().unwrap().version.as_deref(),
        Some("gpt-4o-2024-08-06")
    );
    assert_eq!(out.events[2].kind, AGENT_KIND);
}

#[test]
fn spans_naming_another_agent_no_tool_or_no_genai_operation_are_rejected_and_counted() {
    let other = span(
        1,
        None,
        "execute_tool x",
        &[("gen_ai.agent.id", "mallory"), ("gen_ai.tool.name", "x")],
        T0,
    );
    let mine = span(2, None, "execute_tool y", &[("gen_ai.agent.id", "bot")], T0);
    let nameless = span(
        3,
        None,
        "execute_tool",
        &[("gen_ai.operation.name", "execute_tool")],
        T0,
    );
    let http = span(4, None, "GET /", &[("http.method", "GET")], T0);
    let out = map_traces(&request(vec![other, mine, nameless, http]), &tools(), "bot");
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].action.as_ref().unwrap().kind, "y");
    assert_eq!(out.rejected.len(), 3);
    assert!(
        out.rejected[0].reason.contains("mallory"),
        "{:?}",
        out.rejected
    );
    assert!(out.rejected[1].reason.contains("no gen_ai.tool.name"));
    assert!(out.rejected[2].reason.contains("not a GenAI span"));
    let message = out.message("spans");
    assert!(
        message.starts_with("3 spans rejected by custody: span 1"),
        "{message}"
    );
}

#[test]
fn a_span_without_ids_is_rejected_and_a_huge_attribute_is_kept_as_its_hash() {
    let mut bare = span(1, None, "execute_tool x", &[], T0);
    bare.trace_id.clear();
    let big = "a".repeat(10 * 1024 * 1024);
    let huge = span(
        2,
        None,
        "execute_tool x",
        &[("gen_ai.tool.call.arguments", &big)],
        T0,
    );
    let out = map_traces(&request(vec![bare, huge]), &tools(), "bot");
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.truncated, 1);
    let params = out.events[0]
        .action
        .as_ref()
        .unwrap()
        .params
        .clone()
        .unwrap();
    assert_eq!(params["arguments"]["truncated_value"]["bytes"], big.len());
    assert!(out.message("spans").contains("kept as their size, SHA-256"));
}

#[test]
fn no_kind_made_here_is_one_only_custody_may_seal() {
    for kind in [TOOL_KIND, INFERENCE_KIND, AGENT_KIND, LOG_KIND] {
        assert!(!crate::event::is_custody_kind(kind), "{kind}");
    }
}
