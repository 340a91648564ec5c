//! `custody mcp-proxy` end to end: the real Python MCP SDK as the client, a real
//! `custody serve` as the gate, and two real MCP servers (a small MCPServer in
//! tests/mcp/server.py and the published `mcp-server-time`). The bytes the client
//! receives are recorded by tests/mcp/tap.py and compared with a direct session.
#![allow(clippy::unwrap_used)]

mod common;

use common::gate::{post, token_from, Serve};
use common::Sandbox;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
allow_operator_override = true
default_role = "viewer"
[roles]
ana = "approver"
raj = "approver"
root = "admin"

[tools]
default_tier = "T2"
[[tools.map]]
pattern = "drop_*"
tier = "T3"
reversibility = "none"
[[tools.map]]
pattern = "export_*"
tier = "T2"
reason_code = "data_export"
environment = "prod"
[[tools.map]]
pattern = "*"
tier = "T0"
"#;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp");

fn sandbox(extra: &str) -> Sandbox {
    let s = Sandbox::sqlite();
    let dir = s.dir.path().join("config").join("custody");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), format!("{CONFIG}{extra}")).unwrap();
    s
}

fn agent_token(s: &Sandbox, agent: &str) -> String {
    token_from(&s.ok(&["--operator", "root", "agent", "token", "issue", agent]))
}

fn test_server() -> Vec<String> {
    vec!["python3".into(), format!("{DIR}/server.py")]
}

fn time_server() -> Vec<String> {
    [
        "python3",
        "-m",
        "mcp_server_time",
        "--local-timezone",
        "UTC",
    ]
    .map(String::from)
    .to_vec()
}

/// `custody mcp-proxy` in front of `server`, as a command line.
fn proxied(serve: &str, agent: &str, server: &[String]) -> Vec<String> {
    let mut c = vec![
        env!("CARGO_BIN_EXE_custody").to_string(),
        "mcp-proxy".into(),
        "--agent".into(),
        agent.into(),
        "--gate".into(),
        serve.into(),
        "--".into(),
    ];
    c.extend(server.iter().cloned());
    c
}

/// The Python SDK client running `steps` against `server` (through the tap, logging to
/// `log`), as a started process with its stdout piped.
fn client(
    s: &Sandbox,
    token: &str,
    steps: &Value,
    log: &str,
    server: &[String],
) -> std::process::Child {
    Command::new("python3")
        .arg(format!("{DIR}/client.py"))
        .arg(steps.to_string())
        .arg("--")
        .args([
            "python3",
            &format!("{DIR}/tap.py"),
            &s.path(log).display().to_string(),
            "--",
        ])
        .args(server)
        .env("XDG_CONFIG_HOME", s.dir.path().join("config"))
        .env("XDG_DATA_HOME", s.dir.path().join("data"))
        .env("CUSTODY_TOKEN", token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs a client to the end: its JSON lines.
fn run_client(s: &Sandbox, token: &str, steps: &Value, log: &str, server: &[String]) -> Vec<Value> {
    let out = client(s, token, steps, log, server)
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "client failed: {stderr}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What the client received, line by line (without the `S> ` mark).
fn received(s: &Sandbox, log: &str) -> Vec<String> {
    std::fs::read_to_string(s.path(log))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("S> ").map(str::to_string))
        .collect()
}

fn records(s: &Sandbox, kind: &str) -> Vec<Value> {
    s.ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == kind)
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The raw bytes of the `result` of the response with `id` in `lines`.
fn raw_result(lines: &[String], id: u64) -> String {
    #[derive(serde::Deserialize)]
    struct Resp<'a> {
        id: Option<u64>,
        #[serde(borrow)]
        result: Option<&'a serde_json::value::RawValue>,
    }
    lines
        .iter()
        .find_map(|l| {
            let r: Resp = serde_json::from_str(l).ok()?;
            (r.id == Some(id)).then(|| r.result.map(|r| r.get().to_string()))?
        })
        .unwrap_or_else(|| panic!("no result for id {id} in {lines:?}"))
}

#[test]
fn allowed_calls_pass_byte_identical_and_every_call_is_sealed_with_its_outcome() {
    let s = sandbox("");
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "assistant");
    let steps = json!([
        {"list": true},
        {"call": "echo", "args": {"text": "hello \u{1F600} \"quoted\""}},
        {"call": "add", "args": {"a": 2, "b": 40}},
        {"call": "fail", "args": {"why": "on purpose"}},
        {"call": "stats"},
        {"read": "notes://today"},
        {"ping": true},
    ]);
    let direct = run_client(&s, &token, &steps, "direct.log", &test_server());
    let through = run_client(
        &s,
        &token,
        &steps,
        "proxied.log",
        &proxied(&serve.base, "assistant", &test_server()),
    );
    assert_eq!(direct, through);
    assert_eq!(through[3]["text"], "42");
    assert_eq!(through[4]["is_error"], true);
    // Every line the client received through the proxy is the line it received directly.
    let (d, p) = (received(&s, "direct.log"), received(&s, "proxied.log"));
    assert_eq!(d.len(), 8, "{d:?}");
    assert_eq!(d, p);
    // (`stats` answers with keys out of order: a proxy that parsed and re-serialised
    // results would sort them.)
    assert!(d[5].contains(r#"{"zeta":1,"alpha":2.5"#), "{}", d[5]);

    // The published server, the same way.
    let steps = json!([{"list": true}, {"call": "convert_time", "args":
        {"source_timezone": "Europe/Paris", "time": "12:30", "target_timezone": "Asia/Tokyo"}}]);
    let direct = run_client(&s, &token, &steps, "time-direct.log", &time_server());
    let through = run_client(
        &s,
        &token,
        &steps,
        "time-proxied.log",
        &proxied(&serve.base, "assistant", &time_server()),
    );
    assert_eq!(direct, through);
    assert!(through[2]["text"].as_str().unwrap().contains("Asia/Tokyo"));
    assert_eq!(
        received(&s, "time-direct.log"),
        received(&s, "time-proxied.log")
    );
    drop(serve);

    // Each call: a proposal, an allow, and the outcome with the hash of the result bytes.
    let actions = records(&s, "ai.action");
    let tools: Vec<&str> = actions
        .iter()
        .map(|a| a["action"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["echo", "add", "fail", "stats", "convert_time"]);
    assert_eq!(records(&s, "ai.proposal").len(), 5);
    for (a, (log, id)) in actions.iter().zip([
        ("proxied.log", 3),
        ("proxied.log", 4),
        ("proxied.log", 5),
        ("proxied.log", 6),
        ("time-proxied.log", 3),
    ]) {
        let raw = raw_result(&received(&s, log), id);
        let response = &a["outcome"]["response"];
        assert_eq!(response["result_sha256"], sha256_hex(raw.as_bytes()), "{a}");
        assert_eq!(a["agent"]["id"], "assistant");
        assert_eq!(a["tier"], "T0");
    }
    assert_eq!(
        actions[0]["action"]["params"]["text"],
        "hello \u{1F600} \"quoted\""
    );
    assert_eq!(actions[0]["action"]["target_system"], "custody-test-server");
    assert_eq!(actions[1]["outcome"]["response"]["result_excerpt"], "42");
    assert_eq!(actions[2]["outcome"]["status"], "failure");
    assert_eq!(actions[0]["outcome"]["status"], "success");
    // The tool lists, once per session, hashed.
    let lists = records(&s, "mcp.tools_list");
    assert_eq!(lists.len(), 2, "{lists:?}");
    assert_eq!(lists[0]["action"]["params"]["count"], 6);
    assert_eq!(lists[0]["action"]["target_system"], "custody-test-server");
    assert_eq!(
        lists[0]["action"]["params"]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert_eq!(lists[1]["action"]["target_system"], "mcp-time");
    assert_eq!(records(&s, "mcp.session").len(), 2);
    let (code, _) = s.verify(&[]);
    assert_eq!(code, 0);
}

#[test]
fn a_t3_call_is_held_with_progress_until_approved_in_the_console_then_completes() {
    let s = sandbox("");
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "dba");
    let steps = json!([{"call": "drop_table", "args": {"table": "orders"}, "progress": true}]);
    let mut child = client(
        &s,
        &token,
        &steps,
        "t3.log",
        &proxied(&serve.base, "dba", &test_server()),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_progress = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.contains("PROGRESS"))
        .expect("no progress notification while held");
    assert!(
        first_progress.contains("waiting for approval"),
        "{first_progress}"
    );
    let script = format!(
        "XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data {bin} --store {store} --operator ana --color never; \
         echo; echo EXITED; sleep 60",
        d = s.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_custody"),
        store = s.store,
    );
    let tmux = common::tmux::Tmux::start("mcp-t3", 120, 40, &script);
    tmux.wait_for("⚖ 1 pending");
    let voted = common::gate::approve_first_in_console(&tmux, "the orders table is a test copy");
    assert!(voted.contains("1/2, waiting for 1 more"), "{voted}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED");
    // Still held: the T3 needs a second, distinct approver.
    let id = records(&s, "approval.request")[0]["context"]["parent_event_id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            records(&s, "ai.proposal")[0]["event_id"]
                .as_str()
                .unwrap()
                .to_string()
        });
    let out = s.run(&[
        "--operator",
        "raj",
        "approve",
        &id,
        "--justification",
        "agreed",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rest: Vec<Value> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .filter(|v: &Value| v["step"] == "call")
        .collect();
    assert!(child.wait().unwrap().success());
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["is_error"], false);
    assert_eq!(rest[0]["text"], "dropped orders");
    drop(serve);
    let action = records(&s, "ai.action").pop().unwrap();
    assert_eq!(action["tier"], "T3");
    assert_eq!(action["approval"]["mode"], "human");
    assert_eq!(
        action["outcome"]["response"]["result_excerpt"],
        "dropped orders"
    );
    assert_eq!(records(&s, "approval.vote").len(), 2);
    assert_eq!(s.verify(&[]).0, 0);
}

#[test]
fn denied_and_paused_calls_get_tool_errors_naming_the_event_and_are_never_forwarded() {
    let s = sandbox("");
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "exporter");
    // The policy forbids production exports to an unlisted place; the toolmap makes this
    // tool a production data export.
    let steps = json!([{"call": "export_orders", "args": {"bucket": "s3://partner"}}]);
    let out = run_client(
        &s,
        &token,
        &steps,
        "deny.log",
        &proxied(&serve.base, "exporter", &test_server()),
    );
    assert_eq!(out[1]["is_error"], true, "{out:?}");
    let text = out[1]["text"].as_str().unwrap();
    assert!(
        text.contains("custody denied the call to export_orders"),
        "{text}"
    );
    assert!(text.contains("allow-listed destination"), "{text}");
    let decision = records(&s, "approval.decision").pop().unwrap();
    assert!(
        text.contains(decision["event_id"].as_str().unwrap()),
        "{text}"
    );
    // Never forwarded: the server saw no tools/call.
    let sent: Vec<String> = std::fs::read_to_string(s.path("deny.log"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!(!sent.iter().any(|l| l.contains("exported to")), "{sent:?}");

    s.ok(&[
        "--operator",
        "ana",
        "pause",
        "exporter",
        "--reason",
        "containment",
        "--justification",
        "too many exports",
        "--yes",
    ]);
    let pause = records(&s, "control.pause").pop().unwrap();
    let pause_id = pause["event_id"].as_str().unwrap().to_string();
    let steps = json!([{"call": "echo", "args": {"text": "hi"}}]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let out = run_client(
            &s,
            &token,
            &steps,
            "paused.log",
            &proxied(&serve.base, "exporter", &test_server()),
        );
        if out[1]["is_error"] == true || Instant::now() > deadline {
            break out[1]["text"].as_str().unwrap().to_string();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        text.contains("custody refused the call to echo (paused)"),
        "{text}"
    );
    assert!(text.contains(&pause_id), "{text}");
    drop(serve);
    assert_eq!(s.verify(&[]).0, 0);
}

#[test]
fn the_gate_applies_the_toolmap_so_an_agent_cannot_declare_a_mapped_tool_harmless() {
    let s = sandbox("");
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "sly");
    let body =
        json!({"tier": "T0", "action": {"type": "drop_table", "params": {"table": "orders"}}});
    let (status, answer) = post(&serve.url("/v1/actions"), &token, &body);
    assert_eq!(
        (status, answer["decision"].as_str()),
        (202, Some("ask")),
        "{answer}"
    );
    assert_eq!(answer["needs"], 2);
    // A tool no rule raises keeps its declared tier.
    let body = json!({"tier": "T1", "action": {"type": "echo"}});
    assert_eq!(post(&serve.url("/v1/actions"), &token, &body).0, 200);
    drop(serve);
    assert_eq!(records(&s, "ai.proposal")[0]["tier"], "T3");
}

/// The proxy alone, spoken to directly over its stdin and stdout.
struct Raw {
    child: std::process::Child,
    out: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Raw {
    fn start(s: &Sandbox, token: &str, gate: &str, agent: &str) -> Raw {
        let mut child = s
            .cmd()
            .args(["mcp-proxy", "--agent", agent, "--gate", gate, "--"])
            .args(test_server())
            .env("CUSTODY_TOKEN", token)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap()).lines();
        Raw { child, out }
    }

    fn ask(&mut self, line: &str) -> Value {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        serde_json::from_str(&self.out.next().unwrap().unwrap()).unwrap()
    }

    fn stderr(mut self) -> String {
        drop(self.child.stdin.take());
        let out = self.child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;

#[test]
fn a_message_that_is_not_json_rpc_gets_an_error_and_the_proxy_keeps_serving() {
    let s = sandbox("");
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "raw");
    let mut p = Raw::start(&s, &token, &serve.base, "raw");
    let e = p.ask("this is not json");
    assert_eq!(e["error"]["code"], -32700, "{e}");
    assert_eq!(e["id"], Value::Null);
    let e = p.ask(r#"{"id":9,"method":"tools/call","params":{"name":"echo"}}"#);
    assert_eq!(
        (e["error"]["code"].as_i64(), e["id"].as_i64()),
        (Some(-32600), Some(9)),
        "{e}"
    );
    let e =
        p.ask(r#"[{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"drop_table"}}]"#);
    assert_eq!(e["error"]["code"], -32600, "{e}");
    let e = p.ask(r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{}}}"#);
    assert_eq!(e["error"]["code"], -32602, "{e}");
    let init = p.ask(INIT);
    assert_eq!(
        init["result"]["serverInfo"]["name"], "custody-test-server",
        "{init}"
    );
    let stdin = p.child.stdin.as_mut().unwrap();
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .unwrap();
    let call = p.ask(r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"still here"}}}"#);
    assert_eq!(call["result"]["content"][0]["text"], "still here", "{call}");
    let stderr = p.stderr();
    assert!(stderr.contains("not JSON"), "{stderr}");
    drop(serve);
    // The batch's drop_table never became a proposal.
    let proposed: Vec<Value> = records(&s, "ai.proposal");
    assert_eq!(proposed.len(), 1, "{proposed:?}");
}

#[test]
fn when_the_gate_cannot_decide_calls_fail_closed_unless_low_tiers_are_configured_open() {
    // Nothing listens on port 9 of loopback.
    let s = sandbox("");
    let gone = "http://127.0.0.1:9";
    let mut p = Raw::start(&s, "cst_unused", gone, "lost");
    p.ask(INIT);
    let echo = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}"#;
    let r = p.ask(echo);
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("T0 tools fail closed"),
        "{r}"
    );
    let stderr = p.stderr();
    assert!(
        stderr.contains("unreachable") && stderr.contains("refused"),
        "{stderr}"
    );

    let s = sandbox("\n[mcp]\nfail_open_low_tiers = true\n");
    let mut p = Raw::start(&s, "cst_unused", gone, "lost");
    p.ask(INIT);
    let r = p.ask(echo);
    assert_eq!(r["result"]["content"][0]["text"], "x", "{r}");
    let drop = r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"drop_table","arguments":{"table":"t"}}}"#;
    let r = p.ask(drop);
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert!(
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("T3 tools fail closed"),
        "{r}"
    );
    let stderr = p.stderr();
    assert!(stderr.contains("forwarded unguarded"), "{stderr}");
}

#[test]
fn an_agent_name_that_is_not_the_tokens_is_refused_at_start() {
    let s = sandbox("");
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "real-name");
    let out = s
        .cmd()
        .args([
            "mcp-proxy",
            "--agent",
            "other-name",
            "--gate",
            &serve.base,
            "--",
        ])
        .args(test_server())
        .env("CUSTODY_TOKEN", &token)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("does not match the token's agent"),
        "{stderr}"
    );
    let out = s
        .cmd()
        .args(["mcp-proxy", "--agent", "x", "--"])
        .args(test_server())
        .env_remove("CUSTODY_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("CUSTODY_TOKEN"));
}
