//! The gate end to end: a real `custody serve`, real HTTP, a Python agent using only the
//! standard library, votes through the CLI, and the ledger checked and verified after.
#![allow(clippy::unwrap_used)]

mod common;

use common::gate::{get, post, post_raw, token_from, Serve};
use common::Sandbox;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
allow_operator_override = true
default_role = "viewer"
[roles]
ana = "approver"
raj = "approver"
lee = "approver"
root = "admin"
"#;

fn sandbox() -> Sandbox {
    let s = Sandbox::sqlite();
    configure(&s, CONFIG);
    s
}

fn configure(s: &Sandbox, config: &str) {
    let dir = s.dir.path().join("config").join("custody");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
}

fn agent_token(s: &Sandbox, agent: &str) -> String {
    token_from(&s.ok(&["--operator", "root", "agent", "token", "issue", agent]))
}

/// The kinds of the ledger's records, in seq order.
fn kinds(s: &Sandbox) -> Vec<String> {
    s.ok(&["export"])
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The records of one kind, as JSON.
fn records(s: &Sandbox, kind: &str) -> Vec<Value> {
    s.ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == kind)
        .collect()
}

fn refusal_codes(s: &Sandbox) -> Vec<String> {
    records(s, "gate.refusal")
        .into_iter()
        .chain(records(s, "gate.violation"))
        .map(|v| {
            v["outcome"]["response"]["code"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn t3(params: Value) -> Value {
    json!({
        "tier": "T3",
        "reason_code": "scheduled_maintenance",
        "action": {"type": "db.migrate", "target_system": "postgres", "resource": "db/orders",
                   "environment": "production", "params": params, "reversibility": "none"},
        "on_behalf_of": "lee",
    })
}

fn t1() -> Value {
    json!({
        "tier": "T1",
        "action": {"type": "k8s.scale", "resource": "deploy/web", "environment": "staging",
                   "params": {"replicas": 3}},
    })
}

fn approve(s: &Sandbox, who: &str, id: &str) -> std::process::Output {
    s.run(&[
        "--operator",
        who,
        "approve",
        id,
        "--justification",
        "read the migration plan",
    ])
}

#[test]
fn a_stdlib_python_agent_proposes_waits_for_two_humans_and_reports_and_the_ledger_verifies() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "migrator");
    let mut agent = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/gate/agent.py"))
        .args([&serve.base, &token])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = agent.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut asked = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("ASKED ") {
            asked = Some(rest.split_whitespace().next().unwrap().to_string());
            break;
        }
    }
    let id = asked.expect("the agent never got an ask");
    // The agent is long-polling now. One human approves in the console, in a real
    // terminal; one approver is not enough for a T3 …
    let script = format!(
        "XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data {bin} --store {store} --operator ana --color never; \
         echo; echo EXITED; sleep 60",
        d = s.dir.path().display(),
        bin = env!("CARGO_BIN_EXE_custody"),
        store = s.store,
    );
    let tmux = common::tmux::Tmux::start("gate-e2e", 120, 40, &script);
    tmux.wait_for("⚖ 1 pending");
    let voted = common::gate::approve_first_in_console(&tmux, "migration reviewed in the console");
    assert!(voted.contains("1/2, waiting for 1 more"), "{voted}");
    tmux.keys(&["q"]);
    tmux.wait_for("EXITED");
    let listed = s.ok(&["approvals", "list", "--json"]);
    assert!(
        listed.contains(&id) && listed.contains("\"approvals\":1"),
        "{listed}"
    );
    // … the second, distinct one decides it and wakes the agent.
    assert!(approve(&s, "raj", &id).status.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = agent.wait().unwrap();
    assert!(status.success(), "agent failed: {rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.starts_with("DECIDED") && l.ends_with("allow")),
        "{rest:?}"
    );
    drop(serve);
    let gated: Vec<String> = kinds(&s)
        .into_iter()
        .filter(|k| k.starts_with("ai.") || k.starts_with("approval."))
        .collect();
    assert_eq!(
        gated,
        [
            "ai.proposal",
            "approval.decision",
            "ai.action",
            "ai.proposal",
            "approval.request",
            "approval.vote",
            "approval.vote",
            "approval.decision",
            "ai.action",
        ]
    );
    let votes = records(&s, "approval.vote");
    let voters: Vec<&str> = votes
        .iter()
        .map(|v| v["actor"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(voters, ["ana", "raj"]);
    assert_eq!(votes[0]["actor"]["authn"]["method"], "os_user");
    assert_eq!(votes[0]["actor"]["authn"]["claimed"], "ana");
    let action = records(&s, "ai.action").pop().unwrap();
    assert_eq!(action["context"]["parent_event_id"], id.as_str());
    assert_eq!(action["approval"]["mode"], "human");
    let (code, _) = s.verify(&[]);
    assert_eq!(code, 0);
}

#[test]
fn tokens_pauses_and_bodies_are_refused_and_every_refusal_is_sealed() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "scaler");
    let actions = serve.url("/v1/actions");

    let (status, body) = post(&actions, "cst_nothing_here", &t1());
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unknown_token")),
        "{body}"
    );

    let (status, body) = post_raw(&actions, &token, br#"{"tier":"T1","action":{"type":5}}"#);
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("action.type")),
        "{body}"
    );

    let big = vec![b' '; 1024 * 1024 + 10];
    let (status, _) = post_raw(&actions, &token, &big);
    assert_eq!(status, 413);

    // A pause sealed by the CLI binds the next proposal within the tail's poll.
    let (status, _) = post(&actions, &token, &t1());
    assert_eq!(status, 200);
    s.ok(&[
        "--operator",
        "ana",
        "pause",
        "scaler",
        "--reason",
        "containment",
        "--justification",
        "scaling loop",
        "--yes",
    ]);
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut status, mut body) = post(&actions, &token, &t1());
    while status != 423 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        (status, body) = post(&actions, &token, &t1());
    }
    assert_eq!(status, 423, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("paused"),
        "{body}"
    );

    // Revoking the token makes it 401.
    s.ok(&[
        "--operator",
        "ana",
        "revoke-token",
        "scaler",
        "--reason",
        "containment",
        "--justification",
        "token leaked",
        "--yes",
    ]);
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut status, _) = post(&actions, &token, &t1());
    while status != 401 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        (status, _) = post(&actions, &token, &t1());
    }
    assert_eq!(status, 401);
    drop(serve);
    let codes = refusal_codes(&s);
    for code in ["unknown_token", "bad_request", "too_large"] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} not sealed: {codes:?}"
        );
    }
    assert!(
        codes
            .iter()
            .any(|c| c == "token_revoked" || c == "token_unusable"),
        "{codes:?}"
    );
    let refused: Vec<Value> = records(&s, "approval.decision")
        .into_iter()
        .filter(|d| d["outcome"]["response"]["verdict"] == "refused")
        .collect();
    assert!(
        !refused.is_empty(),
        "the paused proposal's refusal is sealed"
    );
    assert_eq!(s.verify(&[]).0, 0);
}

#[test]
fn votes_that_break_the_rules_are_refused_by_the_core_and_sealed() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "migrator");
    let actions = serve.url("/v1/actions");
    let propose = |params: Value| {
        let (status, body) = post(&actions, &token, &t3(params));
        assert_eq!(status, 202, "{body}");
        body["id"].as_str().unwrap().to_string()
    };
    let id = propose(json!({"m": 1}));
    // The human it acts for, even an approver.
    let out = approve(&s, "lee", &id);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("four-eyes"));
    // Twice by the same human counts once.
    assert!(approve(&s, "ana", &id).status.success());
    assert_eq!(approve(&s, "ana", &id).status.code(), Some(2));
    let (_, answer) = get(&serve.url(&format!("/v1/actions/{id}")), Some(&token));
    assert_eq!(
        (answer["decision"].as_str(), answer["approvals"].as_u64()),
        (Some("ask"), Some(1))
    );
    // Approved by two; the grant works once, and only for what was approved.
    assert!(approve(&s, "raj", &id).status.success());
    let (_, answer) = get(&serve.url(&format!("/v1/actions/{id}")), Some(&token));
    let grant = answer["grant"].as_str().unwrap().to_string();
    let outcome = serve.url(&format!("/v1/actions/{id}/outcome"));
    let changed = post(
        &outcome,
        &token,
        &json!({"grant": grant, "status": "success", "params": {"m": 2}}),
    );
    assert_eq!(
        (changed.0, changed.1["error"].as_str()),
        (409, Some("changed_parameters"))
    );
    let reused = post(
        &outcome,
        &token,
        &json!({"grant": grant, "status": "success", "params": {"m": 1}}),
    );
    assert_eq!(
        (reused.0, reused.1["error"].as_str()),
        (409, Some("grant_reused"))
    );

    let id = propose(json!({"m": 3}));
    assert!(approve(&s, "ana", &id).status.success());
    let ok = post(
        &serve.url(&format!("/v1/actions/{id}/outcome")),
        &token,
        &json!({"grant": "not-a-grant", "status": "success"}),
    );
    assert_eq!(ok.0, 409);
    drop(serve);
    let codes = refusal_codes(&s);
    for code in [
        "self_approval",
        "already_voted",
        "changed_parameters",
        "grant_reused",
        "unknown_grant",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} not sealed: {codes:?}"
        );
    }
    assert_eq!(records(&s, "gate.violation").len(), 1);
    assert_eq!(s.verify(&[]).0, 0);
}

#[test]
fn a_request_left_waiting_through_kill_9_is_still_pending_after_a_restart() {
    let s = sandbox();
    let mut serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "migrator");
    let (status, body) = post(&serve.url("/v1/actions"), &token, &t3(json!({"m": 1})));
    assert_eq!(status, 202);
    let id = body["id"].as_str().unwrap().to_string();
    let waiter = {
        let url = serve.url(&format!("/v1/actions/{id}?wait=30s"));
        let token = token.clone();
        std::thread::spawn(move || get(&url, Some(&token)))
    };
    std::thread::sleep(Duration::from_millis(300));
    serve.kill9();
    let (status, _) = waiter.join().unwrap();
    assert_eq!(status, 0, "the waiter lost its connection");
    let serve = Serve::start(&s, &[]);
    let (status, answer) = get(&serve.url(&format!("/v1/actions/{id}")), Some(&token));
    assert_eq!(
        (status, answer["state"].as_str()),
        (202, Some("pending")),
        "{answer}"
    );
    assert!(s.ok(&["approvals", "list"]).contains(&id));
    drop(serve);
    assert_eq!(s.verify(&[]).0, 0);
}

fn policy_dir(s: &Sandbox) -> std::path::PathBuf {
    let dir = s.path("policy");
    std::fs::create_dir_all(&dir).unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/policy");
    for f in ["policies.cedar", "policies.cedarschema"] {
        std::fs::copy(format!("{shipped}/{f}"), dir.join(f)).unwrap();
    }
    dir
}

const BROKEN: &str =
    "\n@id(\"broken\")\npermit(principal, action, resource) when { context.tier == };\n";

fn break_policy(dir: &std::path::Path) -> usize {
    let mut text = std::fs::read_to_string(dir.join("policies.cedar")).unwrap();
    let line = text.lines().count() + 3;
    text.push_str(BROKEN);
    std::fs::write(dir.join("policies.cedar"), text).unwrap();
    line
}

#[test]
fn a_bad_policy_refuses_to_start_naming_the_file_line_and_policy() {
    let s = sandbox();
    let dir = policy_dir(&s);
    let line = break_policy(&dir);
    let out = s
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:1", "--policy"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("policies.cedar:{line}:")) && err.contains("`broken`"),
        "{err}"
    );
}

#[test]
fn a_bad_reload_keeps_the_old_policy_and_both_loads_are_sealed() {
    let s = sandbox();
    let dir = policy_dir(&s);
    let serve = Serve::start(&s, &["--policy", dir.to_str().unwrap()]);
    let token = agent_token(&s, "scaler");
    let (_, health) = get(&serve.url("/healthz"), None);
    let version = health["policy_version"].as_str().unwrap().to_string();
    break_policy(&dir);
    let pid = serve.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while records(&s, "policy.load").len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let loads = records(&s, "policy.load");
    assert_eq!(loads.len(), 2, "{loads:?}");
    assert_eq!(loads[1]["outcome"]["status"], "failure");
    assert!(loads[1]["outcome"]["detail"]
        .as_str()
        .unwrap()
        .contains("broken"));
    let (status, answer) = post(&serve.url("/v1/actions"), &token, &t1());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["policy_version"].as_str(), Some(version.as_str()));
}

/// A loopback HTTP listener that answers 200 to every POST and hands each body over.
fn hook_listener() -> (u16, std::sync::mpsc::Receiver<Value>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = send.send(serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
    });
    (port, receive)
}

#[test]
fn an_approval_request_and_a_pause_reach_the_configured_webhook() {
    let s = Sandbox::sqlite();
    let (port, bodies) = hook_listener();
    configure(
        &s,
        &format!(
            "{CONFIG}\n[[webhooks]]\nname = \"oncall\"\nurl = \"http://127.0.0.1:{port}/hook\"\nformat = \"json\"\n"
        ),
    );
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "migrator");
    let (status, asked) = post(&serve.url("/v1/actions"), &token, &t3(json!({"m": 1})));
    assert_eq!(status, 202);
    let id = asked["id"].as_str().unwrap();
    let notice = bodies.recv_timeout(Duration::from_secs(10)).unwrap();
    let text = notice.to_string();
    assert!(
        text.contains(id) && text.contains("custody approve"),
        "{text}"
    );
    s.ok(&[
        "--operator",
        "ana",
        "pause",
        "migrator",
        "--reason",
        "containment",
        "--justification",
        "looping",
        "--yes",
    ]);
    let notice = bodies.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(notice.to_string().contains("paused"), "{notice}");
    drop(serve);
    let attempts = records(&s, "webhook.attempt");
    assert!(attempts.len() >= 2, "{attempts:?}");
    // The pause refused the waiting request at once.
    let refused = records(&s, "approval.decision");
    assert!(refused
        .iter()
        .any(|d| d["outcome"]["response"]["verdict"] == "refused"));
}

#[test]
fn claimed_identities_admins_on_their_own_requests_and_late_votes_are_refused_and_sealed() {
    let s = sandbox();
    let dir = policy_dir(&s);
    // The shipped policy with T3 requests expiring after two seconds.
    let text = std::fs::read_to_string(dir.join("policies.cedar")).unwrap();
    std::fs::write(
        dir.join("policies.cedar"),
        text.replace("@expiry(\"5m\")", "@expiry(\"2s\")"),
    )
    .unwrap();
    let serve = Serve::start(&s, &["--policy", dir.to_str().unwrap()]);
    let token = agent_token(&s, "migrator");
    let actions = serve.url("/v1/actions");
    let mut by_root = t3(json!({"m": 1}));
    by_root["trigger"] = json!({"type": "user_instruction", "ref": "root"});
    by_root["on_behalf_of"] = Value::Null;
    let (status, asked) = post(&actions, &token, &by_root);
    assert_eq!(status, 202, "{asked}");
    let id = asked["id"].as_str().unwrap().to_string();

    // An admin may not approve what they asked for, break-glass or not.
    let out = s.run(&[
        "--operator",
        "root",
        "approve",
        &id,
        "--justification",
        "mine",
        "--break-glass",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("they proposed it"));

    // Without the override, a vote naming someone else is refused before anything, and
    // the refusal is on the record.
    configure(&s, &CONFIG.replace("allow_operator_override = true", ""));
    let out = s.run(&["--operator", "ana", "approve", &id, "--justification", "ok"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("allow_operator_override"));
    configure(&s, CONFIG);

    // Break-glass by another admin approves alone.
    let mut other = t3(json!({"m": 2}));
    other["on_behalf_of"] = Value::Null;
    let (_, asked2) = post(&actions, &token, &other);
    let id2 = asked2["id"].as_str().unwrap().to_string();
    let out = s.ok(&[
        "--operator",
        "root",
        "approve",
        &id2,
        "--justification",
        "outage",
        "--break-glass",
    ]);
    assert!(out.contains("BREAK-GLASS"), "{out}");
    let (_, answer) = get(&serve.url(&format!("/v1/actions/{id2}")), Some(&token));
    assert_eq!(answer["decision"], "allow", "{answer}");

    // After its expiry a request takes no vote, and the waiting agent is refused.
    std::thread::sleep(Duration::from_millis(2_500));
    let out = s.run(&[
        "--operator",
        "ana",
        "approve",
        &id,
        "--justification",
        "late",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let (status, answer) = get(
        &serve.url(&format!("/v1/actions/{id}?wait=5s")),
        Some(&token),
    );
    assert_eq!(
        (status, answer["state"].as_str()),
        (403, Some("expired")),
        "{answer}"
    );
    let (_, metrics) = get(&serve.url("/metrics"), None);
    assert!(metrics
        .as_str()
        .unwrap()
        .contains("custody_gate_decisions_total{verdict=\"ask\"} 2"));
    drop(serve);
    let codes = refusal_codes(&s);
    for code in ["self_approval", "claimed_identity", "expired"] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} not sealed: {codes:?}"
        );
    }
    let decisions = records(&s, "approval.decision");
    assert!(decisions
        .iter()
        .any(|d| d["outcome"]["response"]["break_glass"] == true));
    assert_eq!(s.verify(&[]).0, 0);
}

#[test]
fn an_agent_with_a_registered_key_must_sign_and_the_signature_is_recorded() {
    use base64::Engine;
    use ed25519_dalek::{Signer, SigningKey};
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "signer");
    let signing = SigningKey::from_bytes(&[42; 32]);
    let public =
        base64::engine::general_purpose::STANDARD.encode(signing.verifying_key().to_bytes());
    s.ok(&[
        "--operator",
        "root",
        "agent",
        "set",
        "signer",
        "--public-key",
        &public,
        "--justification",
        "signed proposals from now on",
    ]);
    let actions = serve.url("/v1/actions");
    // The tail picks the registry change up; until then an unsigned proposal may pass.
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut status, mut body) = post(&actions, &token, &t1());
    while status != 401 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        (status, body) = post(&actions, &token, &t1());
    }
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("bad_signature")),
        "{body}"
    );
    let mut signed = t1();
    let bytes = custody::ledger::jcs::canonicalize(&signed);
    let sig = base64::engine::general_purpose::STANDARD.encode(signing.sign(&bytes).to_bytes());
    signed["signature"] = Value::String(sig.clone());
    let (status, answer) = post(&actions, &token, &signed);
    assert_eq!(status, 200, "{answer}");
    signed["action"]["params"]["replicas"] = json!(30);
    let (status, _) = post(&actions, &token, &signed);
    assert_eq!(status, 401, "a changed body no longer verifies");
    drop(serve);
    let proposal = records(&s, "ai.proposal")
        .into_iter()
        .find(|p| p["event_id"] == answer["id"])
        .unwrap();
    let evidence = &proposal["ai_output"]["evidence"][0];
    assert_eq!(evidence["kind"], "agent_signature");
    assert_eq!(evidence["ref"], format!("ed25519:{sig}"));
}

#[test]
fn serve_speaks_tls_with_the_given_certificate_and_key() {
    let s = sandbox();
    let (cert, key) = (s.path("cert.pem"), s.path("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = common::gate::free_port();
    let mut child = s
        .cmd()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--tls-cert",
        ])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("https://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut answer = String::new();
    while Instant::now() < deadline {
        let out = std::process::Command::new("curl")
            .args(["-s", "--cacert"])
            .arg(&cert)
            .arg(&url)
            .output()
            .unwrap();
        answer = String::from_utf8_lossy(&out.stdout).into_owned();
        if answer.contains("\"status\":\"ok\"") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        answer.contains("\"status\":\"ok\""),
        "no TLS answer: {answer}"
    );
}

#[test]
fn containment_over_http_comes_from_the_tokens_operator_and_binds() {
    let s = sandbox();
    let serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "scaler");
    let issue = |name: &str, role: &str| {
        token_from(&s.ok(&[
            "--operator",
            "root",
            "operator",
            "token",
            "issue",
            name,
            "--role",
            role,
        ]))
    };
    let (ana, guest) = (issue("ana", "responder"), issue("guest", "viewer"));
    assert_eq!(post(&serve.url("/v1/actions"), &token, &t1()).0, 200);
    let body = json!({"reason_code": "containment", "justification": "scaling loop"});
    let (status, refused) = post(&serve.url("/v1/agents/scaler/pause"), &guest, &body);
    assert_eq!(status, 403, "{refused}");
    let (status, done) = post(&serve.url("/v1/agents/scaler/pause"), &ana, &body);
    assert_eq!(
        (status, done["status"].as_str()),
        (200, Some("success")),
        "{done}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut status, _) = post(&serve.url("/v1/actions"), &token, &t1());
    while status != 423 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        (status, _) = post(&serve.url("/v1/actions"), &token, &t1());
    }
    assert_eq!(status, 423);
    drop(serve);
    let pause = records(&s, "control.pause").pop().unwrap();
    assert_eq!(pause["actor"]["id"], "ana");
    assert_eq!(pause["actor"]["authn"]["method"], "token");
    assert!(refusal_codes(&s).iter().any(|c| c == "containment_refused"));
}

#[test]
fn sigterm_stops_serve_gracefully_and_the_ledger_verifies() {
    let s = sandbox();
    let mut serve = Serve::start(&s, &[]);
    let token = agent_token(&s, "scaler");
    assert_eq!(post(&serve.url("/v1/actions"), &token, &t1()).0, 200);
    let pid = serve.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    assert_eq!(s.verify(&[]).0, 0);
}
