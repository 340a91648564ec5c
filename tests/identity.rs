//! Identity end to end through the real binary: the operator is established from a
//! credential (the OS user on SQLite, the session role on PostgreSQL), a claimed name is
//! refused unless config allows it, agent and operator tokens are issued once and stored
//! hashed, and `revoke-token` makes an agent's tokens unusable.
#![allow(clippy::unwrap_used)]

mod common;

use common::{event_line, Sandbox};
use custody::event::Timestamp;
use custody::identity::{hash_token, parse_token, Unusable};
use custody::store::Store;
use serde_json::Value;
use std::process::Output;

/// The OS user the tests run as, as the kernel knows it.
fn me() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn config(sb: &Sandbox, text: &str) {
    let dir = sb.path("config").join("custody");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

/// A store holding one action of `autoscaler`, with `config`.
fn desk(config_text: &str) -> Sandbox {
    let sb = Sandbox::sqlite();
    config(&sb, config_text);
    common::write(
        &sb.path("e.jsonl"),
        &format!("{}\n", event_line("a-1", "T2", "scaled prod")),
    );
    sb.ok(&["ingest", sb.path("e.jsonl").to_str().unwrap()]);
    sb
}

fn ledger(sb: &Sandbox) -> Vec<Value> {
    sb.ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const PAUSE: [&str; 8] = [
    "pause",
    "autoscaler",
    "--reason",
    "containment",
    "--justification",
    "stop scaling",
    "--yes",
    "--force",
];

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_claimed_operator_without_the_override_is_refused_and_nothing_is_sealed() {
    let sb = desk("[roles]\nana = \"admin\"\n");
    let before = ledger(&sb).len();
    let mut args = vec!["--operator", "ana"];
    args.extend(PAUSE);
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.starts_with("custody: refused: --operator names `ana`")
            && text.contains("allow_operator_override"),
        "{text}"
    );
    assert_eq!(ledger(&sb).len(), before, "nothing was sealed");
}

#[test]
fn a_claimed_operator_in_the_config_file_is_refused_too() {
    let sb = desk("operator = \"ana\"\n");
    let out = sb.run(&PAUSE);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config `operator` names `ana`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn with_the_override_the_event_carries_the_claimed_name_and_the_os_user() {
    let sb = desk("allow_operator_override = true\n");
    let mut args = vec!["--operator", "ana"];
    args.extend(PAUSE);
    sb.ok(&args);
    let result = ledger(&sb).pop().unwrap();
    assert_eq!(result["kind"], "control.pause");
    assert_eq!(result["actor"]["id"], "ana");
    assert_eq!(
        result["actor"]["authn"],
        serde_json::json!({"method": "os_user", "os_user": me(), "claimed": "ana"})
    );
}

#[test]
fn without_a_claim_the_operator_is_the_os_user_whatever_user_says() {
    let sb = desk("");
    let out = sb
        .cmd()
        .env("USER", "ana")
        .env("LOGNAME", "ana")
        .args(PAUSE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let result = ledger(&sb).pop().unwrap();
    assert_eq!(result["actor"]["id"], me().as_str());
    assert_eq!(
        result["actor"]["authn"],
        serde_json::json!({"method": "os_user", "os_user": me()})
    );
}

#[test]
fn a_viewer_cannot_escape_its_role_by_naming_an_unlisted_operator() {
    let sb = desk(&format!(
        "default_role = \"responder\"\n[roles]\n{} = \"viewer\"\n",
        me()
    ));
    let mut args = vec!["--operator", "nobody-listed"];
    args.extend(PAUSE);
    let out = sb.run(&args);
    assert_eq!(out.status.code(), Some(2));
    let out = sb.run(&PAUSE);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a viewer"), "{}", stderr(&out));
}

async fn credential_state(sb: &Sandbox, token: &str) -> Result<(), Unusable> {
    let store = Store::open_existing(&sb.store, None).await.unwrap();
    let c = store
        .credential_by_hash(&hash_token(token))
        .await
        .unwrap()
        .expect("the token was issued");
    store.close().await;
    c.usable_at(Timestamp::now())
}

fn issue(sb: &Sandbox, agent: &str) -> String {
    let token = sb.ok(&["agent", "token", "issue", agent, "--ttl", "1d"]);
    token.trim().to_string()
}

#[tokio::test]
async fn an_agent_token_is_shown_once_listed_by_ref_and_revoked() {
    let sb = desk("");
    let token = issue(&sb, "autoscaler");
    let token_ref = parse_token(&token)
        .expect("a well-formed token")
        .to_string();
    assert_eq!(credential_state(&sb, &token).await, Ok(()));

    let list = sb.ok(&["agent", "token", "list"]);
    assert!(
        list.contains(&token_ref) && list.contains("active"),
        "{list}"
    );
    assert!(
        !list.contains(&token) && !list.contains(&hash_token(&token)),
        "{list}"
    );
    let issued = ledger(&sb).pop().unwrap();
    assert_eq!(issued["kind"], "credential.issue");
    assert_eq!(issued["action"]["params"]["token_ref"], token_ref.as_str());
    let record = issued.to_string();
    assert!(!record.contains(&token) && !record.contains(&hash_token(&token)));

    let out = sb.run(&["agent", "token", "revoke", "autoscaler"]);
    assert_eq!(out.status.code(), Some(2), "a justification is required");
    sb.ok(&[
        "agent",
        "token",
        "revoke",
        &token_ref,
        "--justification",
        "leaked in a log",
    ]);
    assert_eq!(credential_state(&sb, &token).await, Err(Unusable::Revoked));
    let revoked = ledger(&sb).pop().unwrap();
    assert_eq!(revoked["kind"], "credential.revoke");
    assert!(sb
        .ok(&["agent", "token", "list", "autoscaler"])
        .contains("revoked"));
    assert_eq!(sb.verify(&[]).0, 0);
}

#[tokio::test]
async fn revoke_token_makes_the_agents_tokens_unusable_and_names_its_event() {
    let sb = desk("");
    let first = issue(&sb, "autoscaler");
    let second = issue(&sb, "autoscaler");
    let other = issue(&sb, "deploy-bot");
    sb.ok(&[
        "revoke-token",
        "autoscaler",
        "--reason",
        "containment",
        "--justification",
        "token seen in a public gist",
        "--yes",
    ]);
    let result = ledger(&sb).pop().unwrap();
    assert_eq!(result["kind"], "control.revoke_token");
    assert_eq!(result["outcome"]["status"], "success");
    assert_eq!(credential_state(&sb, &first).await, Err(Unusable::Revoked));
    assert_eq!(credential_state(&sb, &second).await, Err(Unusable::Revoked));
    assert_eq!(credential_state(&sb, &other).await, Ok(()));
    let store = Store::open_existing(&sb.store, None).await.unwrap();
    let c = store
        .credential_by_hash(&hash_token(&first))
        .await
        .unwrap()
        .unwrap();
    store.close().await;
    assert_eq!(c.revoked_by.as_deref(), result["event_id"].as_str());
}

#[tokio::test]
async fn revoke_token_with_a_token_ref_revokes_only_that_token() {
    let sb = desk("");
    let leaked = issue(&sb, "autoscaler");
    let kept = issue(&sb, "autoscaler");
    let leaked_ref = parse_token(&leaked).unwrap().to_string();
    sb.ok(&[
        "revoke-token",
        "autoscaler",
        "--token-ref",
        &leaked_ref,
        "--reason",
        "containment",
        "--justification",
        "this one leaked",
        "--yes",
    ]);
    assert_eq!(credential_state(&sb, &leaked).await, Err(Unusable::Revoked));
    assert_eq!(credential_state(&sb, &kept).await, Ok(()));
}

#[test]
fn only_an_admin_issues_operator_tokens_and_a_viewer_no_agent_tokens() {
    let sb = desk(&format!("[roles]\n{} = \"responder\"\n", me()));
    let out = sb.run(&["operator", "token", "issue", "ana", "--role", "approver"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only an admin"), "{}", stderr(&out));
    issue(&sb, "autoscaler");

    config(&sb, &format!("[roles]\n{} = \"viewer\"\n", me()));
    let out = sb.run(&["agent", "token", "issue", "autoscaler"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a viewer"), "{}", stderr(&out));

    config(&sb, &format!("[roles]\n{} = \"admin\"\n", me()));
    let token = sb.ok(&[
        "operator", "token", "issue", "ana", "--role", "approver", "--ttl", "90d",
    ]);
    assert!(parse_token(token.trim()).is_some(), "{token}");
    let list = sb.ok(&["operator", "token", "list"]);
    assert!(list.contains("ana") && list.contains("approver"), "{list}");
}

#[test]
fn the_agent_registry_is_sealed_as_events_and_shown() {
    let sb = desk(&format!("[roles]\n{} = \"approver\"\n", me()));
    let out = sb.run(&["agent", "set", "autoscaler", "--autonomy", "2"]);
    assert_eq!(out.status.code(), Some(2), "a justification is required");
    let out = sb.run(&[
        "agent",
        "set",
        "autoscaler",
        "--autonomy",
        "4",
        "--justification",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2), "autonomy is 0 to 3");
    sb.ok(&[
        "agent",
        "set",
        "autoscaler",
        "--owner",
        "team-sre",
        "--autonomy",
        "1",
        "--justification",
        "a month without a rollback",
    ]);
    sb.ok(&[
        "agent",
        "set",
        "autoscaler",
        "--autonomy",
        "2",
        "--justification",
        "earned",
    ]);
    let event = ledger(&sb).pop().unwrap();
    assert_eq!(event["kind"], "agent.registry");
    assert_eq!(event["sealed_by"], "custody");
    let list = sb.ok(&["agent", "list"]);
    assert!(
        list.contains("autoscaler") && list.contains("team-sre"),
        "{list}"
    );
    issue(&sb, "autoscaler");
    let show = sb.ok(&["agent", "show", "autoscaler"]);
    assert!(
        show.contains("owner      team-sre")
            && show.contains("autonomy   2")
            && show.contains("control    active")
            && show.contains("token      "),
        "{show}"
    );

    config(&sb, &format!("[roles]\n{} = \"responder\"\n", me()));
    let out = sb.run(&[
        "agent",
        "set",
        "autoscaler",
        "--autonomy",
        "3",
        "--justification",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("only an approver"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_producer_cannot_send_credential_or_registry_events_or_authn() {
    let sb = desk("");
    let lines = [
        r#"{"event_id":"f-1","time":"2026-11-20T10:00:00Z","kind":"agent.registry","agent":{"id":"rogue"},"action":{"type":"agent.registry.set","params":{"autonomy":3}}}"#,
        r#"{"event_id":"f-2","time":"2026-11-20T10:00:00Z","kind":"human.intervention","justification":"j","actor":{"type":"human","id":"ana","authn":{"method":"os_user","os_user":"ana"}}}"#,
    ];
    common::write(&sb.path("f.jsonl"), &format!("{}\n", lines.join("\n")));
    let out = sb.run(&["ingest", sb.path("f.jsonl").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(text.contains("actor.authn"), "{text}");
    assert!(sb.ok(&["agent", "list"]).is_empty());
}

// PostgreSQL: the operator is the session role.

fn pg_operator_grants(role: &str, db: &str) -> Vec<String> {
    vec![
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT CONNECT ON DATABASE {db} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!(
            "GRANT SELECT ON events, checkpoints, ledger_meta, tree_state, search_text, \
             _sqlx_migrations TO {role}"
        ),
        format!("GRANT INSERT ON events, search_text, checkpoints TO {role}"),
        format!("GRANT INSERT, UPDATE ON tree_state TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE (revoked_at, revoked_by) ON credentials TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON projection_meta, projection_incidents, projection_links, projection_agents, projection_rollbacks, projection_intents TO {role}"),
    ]
}

#[test]
fn on_postgres_the_operator_is_the_session_role_and_naming_another_is_refused() {
    let sb = Sandbox::postgres("identity");
    common::write(
        &sb.path("e.jsonl"),
        &format!("{}\n", event_line("pg-1", "T2", "scaled prod")),
    );
    sb.ok(&["ingest", sb.path("e.jsonl").to_str().unwrap()]);
    let pid = std::process::id();
    let (ana, bob) = (format!("ana_{pid}"), format!("bob_{pid}"));
    let db = sb.store.rsplit('/').next().unwrap().to_string();
    let mut sql = pg_operator_grants(&ana, &db);
    sql.extend(pg_operator_grants(&bob, &db));
    common::pg::admin(&sb.store, &sql);
    // Even with the override: it applies to SQLite's OS user only.
    config(
        &sb,
        &format!("allow_operator_override = true\ndefault_role = \"viewer\"\n[roles]\n{ana} = \"responder\"\n"),
    );
    let as_role = |role: &str| sb.cmd_on(&common::pg::as_role(&sb.store, role));

    let before = ledger(&sb).len();
    let out = as_role(&bob)
        .args(["--operator", &ana])
        .args(PAUSE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("connected to PostgreSQL as `{bob}`")),
        "{}",
        stderr(&out)
    );
    let out = as_role(&bob).args(PAUSE).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "bob is a viewer: {}",
        stderr(&out)
    );
    assert_eq!(ledger(&sb).len(), before, "nothing was sealed");

    let out = as_role(&ana)
        .args(["--operator", &ana])
        .args(PAUSE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let result = ledger(&sb).pop().unwrap();
    assert_eq!(result["actor"]["id"], ana.as_str());
    assert_eq!(
        result["actor"]["authn"],
        serde_json::json!({"method": "database_role"})
    );
}
