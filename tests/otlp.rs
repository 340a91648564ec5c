//! OTLP ingest end to end: a real `custody serve`, the real OpenTelemetry Python SDK
//! (`opentelemetry-sdk`, `opentelemetry-exporter-otlp-proto-http`, pinned in .ci/run)
//! making GenAI spans the way an instrumented agent does, exported over protobuf and
//! over JSON (hex and base64 ids); then the ledger read back and verified. And the bad
//! input of the issue over raw HTTP: each gets a clear answer, the service keeps
//! serving, and what was accepted before stays.
#![allow(clippy::unwrap_used)]

mod common;

use common::gate::{token_from, Serve};
use common::Sandbox;
use serde_json::{json, Value};
use std::io::Write as _;
use std::process::Command;

const CONFIG: &str = r#"
allow_operator_override = true
[roles]
root = "admin"

[tools]
default_tier = "T2"
[[tools.map]]
pattern = "refund.*"
tier = "T3"
reason_code = "user_request"
target_system = "stripe"
environment = "prod"
reversibility = "partial"
[[tools.map]]
pattern = "db.*"
tier = "T0"
"#;

fn sandbox() -> Sandbox {
    let s = Sandbox::sqlite();
    let dir = s.dir.path().join("config").join("custody");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), CONFIG).unwrap();
    s
}

fn agent_token(s: &Sandbox, agent: &str) -> String {
    token_from(&s.ok(&["--operator", "root", "agent", "token", "issue", agent]))
}

fn records(s: &Sandbox) -> Vec<Value> {
    s.ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

fn of_trace(s: &Sandbox, trace: &str) -> Vec<Value> {
    records(s)
        .into_iter()
        .filter(|r| r["context"]["trace_id"] == trace)
        .collect()
}

fn tool<'a>(recs: &'a [Value], name: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["kind"] == "ai.action" && r["action"]["type"] == name)
        .unwrap_or_else(|| panic!("no ai.action for {name} in {recs:#?}"))
}

/// Runs tests/otlp/agent.py in `mode` against `serve`; its JSON line.
fn python_agent(serve: &Serve, token: &str, mode: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otlp/agent.py");
    let out = Command::new("python3")
        .args([script, &serve.base, mode])
        .env("CUSTODY_TOKEN", token)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "agent.py {mode} failed (is the pinned OpenTelemetry SDK installed? see .ci/run):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("agent.py printed: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The agent's turn, as sealed: five GenAI spans of seven (one names another agent, one
/// is plain HTTP), with the agent from the token and the tool map applied.
fn check_turn(s: &Sandbox, trace: &str, mode: &str) {
    let recs = of_trace(s, trace);
    let kinds: Vec<&str> = recs.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(recs.len(), 5, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "ai.action").count(), 3);
    assert!(kinds.contains(&"ai.inference") && kinds.contains(&"ai.agent_run"));
    for r in &recs {
        assert_eq!(r["agent"]["id"], "support-bot", "{r:#}");
        assert_eq!(r["context"]["correlation_id"], format!("conv-{mode}"));
        assert_eq!(r["context"]["environment"], "prod");
        assert_eq!(r["context"]["app_version"], "1.4.2");
    }
    let refund = tool(&recs, "refund.create");
    assert_eq!(refund["agent"]["name"], "support");
    assert_eq!(refund["model"]["name"], "gpt-4o");
    assert_eq!(refund["model"]["version"], "gpt-4o-2024-08-06");
    assert_eq!(refund["model"]["provider"], "openai");
    let params = &refund["action"]["params"];
    assert_eq!(
        params["arguments"],
        json!({"order": "A-1042", "amount_eur": 30})
    );
    assert_eq!(params["call_id"], "call_refund_1");
    assert_eq!(params["tool_rule"], "refund.*");
    assert_eq!(params["otel"]["attributes"]["gen_ai.tool.type"], "function");
    assert_eq!(params["otel"]["resource"]["service.name"], "support-bot");
    assert_eq!(refund["outcome"]["status"], "success");
    assert_eq!(refund["outcome"]["response"], json!({"refund_id": "re_77"}));
    assert_eq!(refund["tier"], "T3");
    assert_eq!(refund["action"]["target_system"], "stripe");
    assert_eq!(refund["reversibility"]["class"], "partial");
    let agent_run = recs.iter().find(|r| r["kind"] == "ai.agent_run").unwrap();
    assert_eq!(refund["context"]["parent_event_id"], agent_run["event_id"]);

    let shell = tool(&recs, "shell.exec");
    assert_eq!(shell["outcome"]["status"], "error");
    assert_eq!(
        shell["outcome"]["detail"],
        "PermissionError: permission denied"
    );
    assert_eq!(shell["action"]["params"]["unmapped_tool"], true);
    assert_eq!(shell["tier"], "T2");

    let db = tool(&recs, "db.query");
    assert_eq!(db["model"]["name"], "claude-3-5-sonnet");
    assert_eq!(db["model"]["provider"], "anthropic");
    assert_eq!(db["tier"], "T0");

    let chat = recs.iter().find(|r| r["kind"] == "ai.inference").unwrap();
    assert_eq!(chat["model"]["params"]["temperature"], 0.2);
    assert_eq!(
        chat["action"]["params"]["otel"]["attributes"]["gen_ai.usage.input_tokens"],
        812
    );
}

fn verified(s: &Sandbox) {
    let (code, report) = s.verify(&[]);
    assert_eq!(code, 0, "verify: {report:#}");
}

#[test]
fn spans_exported_by_the_python_sdk_over_protobuf_land_once_with_agent_model_tool_params_and_outcome(
) {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "support-bot");
    let out = python_agent(&serve, &token, "protobuf");
    // Exported twice, as a retry would: both accepted, each span stored once.
    assert_eq!(out["results"], json!(["SUCCESS", "SUCCESS"]));
    check_turn(&s, out["trace_id"].as_str().unwrap(), "protobuf");
    verified(&s);
}

#[test]
fn spans_sent_as_otlp_json_with_hex_or_base64_ids_land_and_rejections_are_counted() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "support-bot");
    for mode in ["json-hex", "json-base64"] {
        let out = python_agent(&serve, &token, mode);
        assert_eq!(out["status"], 200, "{out:#}");
        let partial = &out["answer"]["partialSuccess"];
        assert_eq!(partial["rejectedSpans"], "2", "{out:#}");
        let message = partial["errorMessage"].as_str().unwrap();
        assert!(
            message.contains("names `mallory`, but the token is support-bot's"),
            "{message}"
        );
        assert!(message.contains("not a GenAI span"), "{message}");
        check_turn(&s, out["trace_id"].as_str().unwrap(), mode);
    }
    verified(&s);
}

#[test]
fn genai_events_sent_as_log_records_by_the_python_sdk_land_and_other_records_do_not() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "support-bot");
    python_agent(&serve, &token, "logs");
    let events: Vec<Value> = records(&s)
        .into_iter()
        .filter(|r| r["kind"] == "ai.genai_event")
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e["agent"]["id"], "support-bot");
    assert_eq!(
        e["action"]["type"],
        "gen_ai.client.inference.operation.details"
    );
    assert_eq!(e["model"]["name"], "gpt-4o");
    let body = &e["action"]["params"]["otel"]["body"];
    assert_eq!(
        body["gen_ai.output.messages"][0]["parts"][0]["name"],
        "refund.create"
    );
    verified(&s);
}

// ---- bad input, over raw HTTP ----

fn post(
    serve: &Serve,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Value, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent
        .post(&serve.url(path))
        .header("Authorization", &format!("Bearer {token}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut res = req.send(body).unwrap();
    let sealed = res
        .headers()
        .get("x-custody-sealed")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (
        res.status().as_u16(),
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        sealed,
    )
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const PROTOBUF: (&str, &str) = ("Content-Type", "application/x-protobuf");
const GZIP: (&str, &str) = ("Content-Encoding", "gzip");

fn tool_span(span_id: &str, tool: &str, extra: Value) -> Value {
    let mut attrs =
        vec![json!({"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}})];
    if !tool.is_empty() {
        attrs.push(json!({"key": "gen_ai.tool.name", "value": {"stringValue": tool}}));
    }
    if let Value::Array(more) = extra {
        attrs.extend(more);
    }
    json!({
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": span_id,
        "name": format!("execute_tool {tool}").trim(),
        "startTimeUnixNano": "1796000000000000000",
        "endTimeUnixNano": "1796000000005000000",
        "attributes": attrs,
    })
}

fn traces(spans: Vec<Value>) -> Vec<u8> {
    json!({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})
        .to_string()
        .into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[test]
fn bad_otlp_input_gets_a_clear_answer_the_service_keeps_serving_and_nothing_accepted_is_lost() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "support-bot");
    let good = traces(vec![tool_span(
        "eee19b7ec3c1b174",
        "refund.create",
        json!([]),
    )]);
    let (status, answer, sealed) = post(&serve, "/v1/traces", &token, &[JSON], &good);
    assert_eq!((status, sealed.as_str()), (200, "1"), "{answer}");
    assert_eq!(answer, json!({}));

    // A malformed protobuf (a field header with a length past the end).
    let (status, answer, _) = post(
        &serve,
        "/v1/traces",
        &token,
        &[PROTOBUF],
        b"\x0a\xff\x01garbage",
    );
    assert_eq!(status, 400, "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("not a valid OTLP ExportTraceServiceRequest in protobuf"),
        "{message}"
    );
    assert!(
        answer["event_id"].is_string(),
        "the refusal is sealed: {answer}"
    );

    // A truncated JSON body.
    let (status, answer, _) = post(
        &serve,
        "/v1/traces",
        &token,
        &[JSON],
        &good[..good.len() / 2],
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("EOF while parsing"),
        "{answer}"
    );

    // A span with no tool name: a partial success, counted.
    let nameless = traces(vec![
        tool_span("1111111111111111", "", json!([])),
        tool_span("2222222222222222", "db.query", json!([])),
    ]);
    let (status, answer, sealed) = post(&serve, "/v1/traces", &token, &[JSON], &nameless);
    assert_eq!((status, sealed.as_str()), (200, "1"), "{answer}");
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], "1");
    assert!(answer["partialSuccess"]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("no gen_ai.tool.name"));

    // A 10 MB attribute: past the body bound as sent, a clear 413 …
    let big = "x".repeat(10 * 1024 * 1024);
    let huge_attr = json!([{"key": "gen_ai.tool.call.arguments", "value": {"stringValue": big}}]);
    let huge = traces(vec![tool_span(
        "3333333333333333",
        "refund.create",
        huge_attr,
    )]);
    let (status, answer, _) = post(&serve, "/v1/traces", &token, &[JSON], &huge);
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("larger than 8388608 bytes"),
        "{answer}"
    );
    // … and gzipped (small on the wire), sealed with the value kept as its hash.
    let (status, answer, sealed) = post(&serve, "/v1/traces", &token, &[JSON, GZIP], &gzip(&huge));
    assert_eq!((status, sealed.as_str()), (200, "1"), "{answer}");
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], "0");
    assert!(answer["partialSuccess"]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("kept as their size, SHA-256"));

    // Not OTLP at all, and gzip that is not.
    let (status, _, _) = post(
        &serve,
        "/v1/traces",
        &token,
        &[("Content-Type", "text/plain")],
        b"hi",
    );
    assert_eq!(status, 415);
    let (status, answer, _) = post(&serve, "/v1/traces", &token, &[JSON, GZIP], b"not gzip");
    assert_eq!(status, 400);
    assert!(
        answer["message"].as_str().unwrap().contains("gzip"),
        "{answer}"
    );
    // No token: the agent is never taken from the body.
    let (status, _, _) = post(&serve, "/v1/traces", "cst_nope", &[JSON], &good);
    assert_eq!(status, 401);

    // Still serving, and everything accepted is there, once.
    let later = traces(vec![tool_span("4444444444444444", "db.query", json!([]))]);
    let (status, _, sealed) = post(&serve, "/v1/traces", &token, &[JSON], &later);
    assert_eq!((status, sealed.as_str()), (200, "1"));
    let actions: Vec<Value> = records(&s)
        .into_iter()
        .filter(|r| r["kind"] == "ai.action")
        .collect();
    let ids: Vec<&str> = actions
        .iter()
        .map(|r| r["context"]["span_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "eee19b7ec3c1b174",
            "2222222222222222",
            "3333333333333333",
            "4444444444444444"
        ]
    );
    let kept = &actions[2]["action"]["params"]["arguments"]["truncated_value"];
    assert_eq!(kept["bytes"], 10 * 1024 * 1024);
    verified(&s);
}
