//! Votes end to end on a real SQLite store: what is sealed, what the queue says, and
//! that the rules hold against the tables, not only in `gate`.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::{Authn, AuthnMethod};
use crate::event::{Tier, Timestamp};
use crate::gate::{parse_body, proposal_event, request_event, RequestState};
use crate::ledger::note::NoteSigner;
use crate::respond::Role;

async fn store(dir: &tempfile::TempDir) -> (Store, SealContext) {
    let path = dir.path().join("ledger.db");
    let store = Store::open(&path.display().to_string(), None)
        .await
        .unwrap();
    (
        store,
        SealContext::new(NoteSigner::generate("test").unwrap(), None),
    )
}

/// Seals a T3 proposal by `exporter` on behalf of lee, waiting for `needs` approvers
/// until `expires_in_ms` from now; returns its id.
async fn ask(store: &Store, ctx: &SealContext, needs: u8, expires_in_ms: i64) -> String {
    let body = parse_body(
        br#"{"tier":"T3","action":{"type":"db.drop","resource":"orders","params":{"t":"orders"}},"on_behalf_of":"lee"}"#,
    )
    .unwrap();
    let now = Timestamp::now();
    let id = new_id();
    let proposal = proposal_event(&body, "exporter", id.clone(), now).unwrap();
    let request = Request {
        id: id.clone(),
        agent: "exporter".into(),
        binding: "b".repeat(64),
        tier: Some(Tier::T3),
        needs,
        roles: vec![],
        proposer: None,
        on_behalf_of: Some("lee".into()),
        created_at: now,
        expires_at: Timestamp::from_millis(now.millis() + expires_in_ms).unwrap(),
        state: RequestState::Pending,
        votes: vec![],
        policy_version: "v1".into(),
        policy_ids: vec!["t3".into()],
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
    seal_with(store, ctx, events, false, &side).await.unwrap();
    id
}

fn voter(name: &str, role: Role) -> Voter {
    Voter {
        name: name.into(),
        role,
        authn: Authn {
            method: AuthnMethod::Token,
            os_user: None,
            token_ref: Some("ref".into()),
            claimed: None,
        },
    }
}

fn ballot(verdict: Verdict) -> Ballot {
    Ballot {
        verdict,
        justification: "read the migration".into(),
        break_glass: false,
    }
}

#[tokio::test]
async fn two_approvals_seal_two_votes_a_decision_and_a_grant() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = store(&dir).await;
    let id = ask(&store, &ctx, 2, 60_000).await;
    let first = vote(
        &store,
        &ctx,
        &id,
        &voter("ana", Role::Approver),
        &ballot(Verdict::Approve),
    )
    .await
    .unwrap();
    assert_eq!(
        first.tally,
        Tally::Counted {
            approvals: 1,
            needs: 2
        }
    );
    assert!(first.grant.is_none());
    let again = vote(
        &store,
        &ctx,
        &id,
        &voter("ana", Role::Approver),
        &ballot(Verdict::Approve),
    )
    .await;
    assert!(matches!(
        again,
        Err(VoteError::Refused {
            refusal: VoteRefusal::AlreadyVoted { .. },
            sealed: Some(_)
        })
    ));
    let second = vote(
        &store,
        &ctx,
        &id,
        &voter("raj", Role::Admin),
        &ballot(Verdict::Approve),
    )
    .await
    .unwrap();
    assert_eq!(second.tally, Tally::Approved);
    let grant = second.grant.unwrap();
    let stored = store.grant(&grant).await.unwrap().unwrap();
    assert_eq!(
        (stored.proposal_id.as_str(), stored.claimed_at),
        (id.as_str(), None)
    );
    let r = store.request(&id).await.unwrap().unwrap();
    assert_eq!(
        (r.state, r.approvals(), r.decision_id),
        (RequestState::Approved, 2, Some(grant))
    );
    assert!(store.pending_requests().await.unwrap().is_empty());
    // proposal, request, vote, refusal, vote, decision
    assert_eq!(store.head_seq().await.unwrap(), 6);
}

#[tokio::test]
async fn the_human_it_acts_for_cannot_approve_and_the_refusal_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = store(&dir).await;
    let id = ask(&store, &ctx, 1, 60_000).await;
    let before = store.head_seq().await.unwrap();
    let err = vote(
        &store,
        &ctx,
        &id,
        &voter("lee", Role::Admin),
        &ballot(Verdict::Approve),
    )
    .await
    .unwrap_err();
    let VoteError::Refused { refusal, sealed } = err else {
        panic!("expected a refusal");
    };
    assert_eq!(refusal.code(), "self_approval");
    assert_eq!(sealed, Some(before + 1));
    let e = store
        .rows(
            &Default::default(),
            crate::query::Page::newest_first(None, 1),
        )
        .await
        .unwrap();
    assert!(e[0].record.contains("gate.refusal") && e[0].record.contains("self_approval"));
    assert_eq!(
        store.request(&id).await.unwrap().unwrap().state,
        RequestState::Pending
    );
}

#[tokio::test]
async fn an_expired_request_refuses_votes_and_settles_as_expired() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = store(&dir).await;
    let id = ask(&store, &ctx, 1, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let err = vote(
        &store,
        &ctx,
        &id,
        &voter("ana", Role::Approver),
        &ballot(Verdict::Approve),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        err,
        VoteError::Refused {
            refusal: VoteRefusal::Expired { .. },
            ..
        }
    ));
    assert_eq!(
        store.request(&id).await.unwrap().unwrap().state,
        RequestState::Expired
    );
    assert!(expire_due(&store, &ctx).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_single_deny_decides_and_a_grant_is_claimed_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, ctx) = store(&dir).await;
    let id = ask(&store, &ctx, 2, 60_000).await;
    let done = vote(
        &store,
        &ctx,
        &id,
        &voter("ana", Role::Approver),
        &ballot(Verdict::Deny),
    )
    .await
    .unwrap();
    assert_eq!(done.tally, Tally::Denied);
    assert_eq!(
        store.request(&id).await.unwrap().unwrap().state,
        RequestState::Denied
    );

    let id = ask(&store, &ctx, 1, 60_000).await;
    let grant = vote(
        &store,
        &ctx,
        &id,
        &voter("ana", Role::Approver),
        &ballot(Verdict::Approve),
    )
    .await
    .unwrap()
    .grant
    .unwrap();
    let claim = |outcome: &str| {
        [GateWrite::ClaimGrant {
            grant_id: grant.clone(),
            at: Timestamp::now(),
            outcome_id: outcome.into(),
        }]
    };
    seal_with(&store, &ctx, vec![], false, &claim("o1"))
        .await
        .unwrap();
    let head = store.head_seq().await.unwrap();
    let reuse = seal_with(&store, &ctx, vec![], false, &claim("o2")).await;
    assert!(matches!(reuse, Err(SealError::Conflict(_))), "{reuse:?}");
    assert_eq!(store.head_seq().await.unwrap(), head);
}
