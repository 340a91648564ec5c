//! A real `custody serve` for the tests: started on a free loopback port in a sandbox,
//! waited for on `/healthz`, and stopped (SIGTERM, then SIGKILL) when dropped. Requests
//! go over real HTTP with ureq. Also fixtures: a pending request sealed into a sandbox's
//! store exactly as the gate seals one, and the keys that approve it in a console in tmux.

use super::tmux::Tmux;
use super::Sandbox;
use custody::event::{Tier, Timestamp};
use custody::gate::{parse_body, proposal_event, request_event, Request, RequestState};
use custody::respond::{new_id, seal_with};
use custody::store::gate::GateWrite;
use custody::store::{SealContext, Store};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub struct Serve {
    pub child: Child,
    pub base: String,
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Serve {
    /// `custody serve` on `store` with the sandbox's config, extra args appended.
    pub fn start_on(sandbox: &Sandbox, store: &str, extra: &[&str]) -> Serve {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let child = sandbox
            .cmd_on(store)
            .args(["serve", "--listen", &listen])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut s = Serve {
            child,
            base: format!("http://{listen}"),
        };
        s.wait_healthy();
        s
    }

    pub fn start(sandbox: &Sandbox, extra: &[&str]) -> Serve {
        Serve::start_on(sandbox, &sandbox.store, extra)
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!("custody serve exited ({status}) before it was healthy:\n{err}");
            }
            if get(&format!("{}/healthz", self.base), None).0 == 200 {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("custody serve was not healthy within 30 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL, no goodbye.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(90)))
        .build()
        .into()
}

fn finish(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, serde_json::Value) {
    let mut res = res.unwrap();
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// GET with an optional bearer token: (status, JSON body or the text as a string).
pub fn get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = agent().get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    match req.call() {
        Ok(r) => finish(Ok(r)),
        Err(_) => (0, serde_json::Value::Null),
    }
}

/// POST raw bytes with a bearer token.
pub fn post_raw(url: &str, token: &str, body: &[u8]) -> (u16, serde_json::Value) {
    finish(
        agent()
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body),
    )
}

pub fn post(url: &str, token: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    post_raw(url, token, body.to_string().as_bytes())
}

/// The token `custody agent token issue` prints.
pub fn token_from(output: &str) -> String {
    output
        .split_whitespace()
        .find(|w| w.starts_with("cst_"))
        .unwrap_or_else(|| panic!("no token in:\n{output}"))
        .to_string()
}

/// Seals a T3 proposal by `agent` on behalf of `on_behalf_of`, waiting for `needs`
/// distinct approvers for five minutes; returns the request id (the proposal's id).
/// `params` is the action's params object, as JSON.
pub fn pending_t3(
    sb: &Sandbox,
    agent: &str,
    on_behalf_of: &str,
    needs: u8,
    params: &str,
) -> String {
    let body = format!(
        r#"{{"tier":"T3","risk_score":0.9,"action":{{"type":"db.drop","target_system":"pg-main","resource":"orders","environment":"prod","params":{params},"reversibility":"none"}},"on_behalf_of":"{on_behalf_of}"}}"#
    );
    let body = parse_body(body.as_bytes()).unwrap();
    let key = sb.path("config").join("custody").join("ledger.key");
    let signer = custody::config::keyfile::load_or_create(&key, "custody.local/signer").unwrap();
    let ctx = SealContext::new(signer, None);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&sb.store, None).await.unwrap();
        let now = Timestamp::now();
        let id = new_id();
        let proposal = proposal_event(&body, agent, id.clone(), now).unwrap();
        let request = Request {
            id: id.clone(),
            agent: agent.into(),
            binding: "b".repeat(64),
            tier: Some(Tier::T3),
            needs,
            roles: vec![],
            proposer: None,
            on_behalf_of: Some(on_behalf_of.into()),
            created_at: now,
            expires_at: Timestamp::from_millis(now.millis() + 300_000).unwrap(),
            state: RequestState::Pending,
            votes: vec![],
            policy_version: "test".into(),
            policy_ids: vec!["t3-two-approvers".into()],
            summary: proposal.what_on(),
            decision_id: None,
        };
        let events = vec![
            proposal.clone(),
            request_event(&proposal, &request, new_id(), now),
        ];
        let side = [GateWrite::InsertRequest {
            request: Box::new(request),
            decision_id: None,
        }];
        seal_with(&store, &ctx, events, false, &side).await.unwrap();
        store.close().await;
        id
    })
}

/// In a console already on screen: opens the Approvals view (`5`), approves the oldest
/// pending request (`A`) with `justification`, and waits until the footer reports the
/// vote (`1/2, waiting…`, or `APPROVED`). Returns the screen at that moment.
pub fn approve_first_in_console(tmux: &Tmux, justification: &str) -> String {
    tmux.keys(&["5"]);
    tmux.wait_for("request ");
    tmux.keys(&["A"]);
    tmux.wait_for("justification");
    tmux.type_text(justification);
    // Enter leaves the field for Cancel; → moves to Approve; Enter presses it.
    tmux.keys(&["Enter", "Right", "Enter"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let screen = tmux.screen();
        if screen.contains("waiting for") || screen.contains("APPROVED") {
            return screen;
        }
        assert!(
            std::time::Instant::now() < deadline && !screen.contains("refused"),
            "the vote was not reported; screen:\n{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
