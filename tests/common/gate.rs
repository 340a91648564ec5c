//! Gate fixtures for end-to-end tests: a pending approval request sealed into a
//! sandbox's store exactly as the gate seals one (the proposal, the `approval.request`
//! and the queue entry in one transaction, with the sandbox's own signing key), and the
//! keys that approve the oldest pending request in a console running in tmux.
#![allow(clippy::unwrap_used)]

use super::tmux::Tmux;
use super::Sandbox;
use custody::event::{Tier, Timestamp};
use custody::gate::{parse_body, proposal_event, request_event, Request, RequestState};
use custody::respond::{new_id, seal_with};
use custody::store::gate::GateWrite;
use custody::store::{SealContext, Store};

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
