//! The projection (incidents, control state, rollback marks, open intents kept beside
//! the ledger) against the pure fold it must equal: on a long generated history sealed in
//! batches of every size, on SQLite and PostgreSQL; damaged in the database, found by
//! verify and rebuilt; and never apart from the ledger after a SIGKILL mid-seal.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "projection/history.rs"]
mod history;

use common::Sandbox;
use custody::event::Event;
use custody::ledger::note::NoteSigner;
use custody::respond::derived;
use custody::respond::load::{self, Situation};
use custody::store::projection::{ProjectedIncidents, ProjectionState};
use custody::store::{SealContext, Store};
use rand::{Rng, SeedableRng};
use std::process::Stdio;
use std::time::Duration;

/// Seals `n` generated events in batches of 1–60 and returns them as sealed, in order.
async fn seal_history(store: &Store, seed: u64, n: usize) -> Vec<Event> {
    let ctx = SealContext::new(NoteSigner::from_seed("test", [7; 32]).unwrap(), None);
    let mut gen = history::History::new(seed);
    let mut sizes = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 1);
    let mut all = Vec::new();
    while all.len() < n {
        let size = sizes.gen_range(1..=60);
        let batch: Vec<Event> = (0..size)
            .map(|_| serde_json::from_value(gen.next()).unwrap())
            .collect();
        store.seal(batch.clone(), &ctx, false).await.unwrap();
        all.extend(batch);
    }
    all
}

/// The projection equals the pure folds over the same ledger, and the history was rich
/// enough for that to mean something.
async fn projection_agrees_with_the_fold(store: &Store, events: &[Event]) {
    assert_eq!(
        store.projection_state().await.unwrap(),
        ProjectionState::Current
    );
    let diffs = derived::check(store).await.unwrap();
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );

    let pairs: Vec<(u64, Event)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (i as u64 + 1, e.clone()))
        .filter(|(_, e)| custody::store::projection::is_response_kind(&e.kind))
        .collect();
    let folded = Situation::derive(pairs);
    let read = load::situation_of(store, ProjectedIncidents::All)
        .await
        .unwrap();
    assert_eq!(read.incidents, folded.incidents);
    assert_eq!(read.agents, folded.agents);
    assert_eq!(read.rollbacks, folded.rollbacks);
    let ids = |s: &Situation| -> Vec<String> {
        s.unresolved
            .iter()
            .map(|(_, e)| e.event_id.clone())
            .collect()
    };
    assert_eq!(ids(&read), ids(&folded));

    let incidents = &folded.incidents;
    let closed = incidents
        .iter()
        .filter(|i| i.state == custody::incident::IncidentState::Closed)
        .count();
    let before_open = incidents
        .iter()
        .filter(|i| i.started_at < i.opened_at)
        .count();
    let paused = folded
        .agents
        .values()
        .filter(|a| a.state() != custody::incident::ControlState::Active)
        .count();
    assert!(
        incidents.len() >= 20 && closed >= 5 && before_open >= 3 && incidents.len() > closed,
        "{} incidents, {closed} closed, {before_open} acted on before opening",
        incidents.len()
    );
    assert!(
        paused >= 1 && !folded.agents.is_empty(),
        "{:?}",
        folded.agents
    );
    assert!(
        folded.rollbacks.len() >= 50,
        "{} rollbacks",
        folded.rollbacks.len()
    );
    assert!(!folded.unresolved.is_empty());

    // Opening the console reads open incidents and the newest closed ones only.
    let recent = load::situation(store).await.unwrap();
    assert_eq!(
        recent.incidents.len(),
        incidents.len() - closed + closed.min(load::CLOSED_SHOWN as usize)
    );
    // New ids count incidents the situation does not carry.
    assert_eq!(
        recent.next_incident_id(),
        custody::respond::work::next_incident_id(incidents)
    );
    // A long-closed incident is read by id on demand.
    let first_closed = incidents
        .iter()
        .find(|i| i.state == custody::incident::IncidentState::Closed)
        .unwrap();
    let by_id = load::incident(store, &first_closed.id).await.unwrap();
    assert_eq!(by_id.as_ref(), Some(first_closed));
}

#[tokio::test]
async fn the_fold_and_the_projection_agree_on_a_long_history_on_sqlite() {
    let sb = Sandbox::sqlite();
    let store = Store::open(&sb.store, Some("test/log")).await.unwrap();
    let events = seal_history(&store, 11, 6000).await;
    projection_agrees_with_the_fold(&store, &events).await;

    // Rebuilt from scratch, it is the same again.
    store.rebuild_projection(true, 97, |_, _| {}).await.unwrap();
    projection_agrees_with_the_fold(&store, &events).await;
    store.close().await;
}

#[tokio::test]
async fn the_fold_and_the_projection_agree_on_a_long_history_on_postgres() {
    let sb = Sandbox::postgres("projection");
    let store = Store::open(&sb.store, Some("test/log")).await.unwrap();
    let events = seal_history(&store, 12, 6000).await;
    projection_agrees_with_the_fold(&store, &events).await;
    store.rebuild_projection(true, 97, |_, _| {}).await.unwrap();
    projection_agrees_with_the_fold(&store, &events).await;
    store.close().await;
}

fn run(sb: &Sandbox, args: &[&str]) -> (i32, String) {
    let out = sb.run(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Damages the projection in an SQLite store, through a connection of the test's own:
/// an incident closed in the ledger shown open, one dropped, the agents' control state
/// lost, a rollback mark made up.
fn damage(path: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{path}"))
            .await
            .unwrap();
        for sql in [
            "UPDATE projection_incidents SET state = 'open', \
             body = replace(body, '\"closed_at\":\"', '\"closed_at_x\":\"') \
             WHERE incident_id = 'INC-4471'",
            "DELETE FROM projection_incidents WHERE incident_id = 'INC-4502'",
            "DELETE FROM projection_agents",
            "INSERT INTO projection_rollbacks (target_event, seq) VALUES ('never-rolled-back', 5)",
        ] {
            let done = sqlx::query(sql).execute(&mut conn).await.unwrap();
            assert!(done.rows_affected() >= 1, "{sql}");
        }
    });
}

#[test]
fn a_damaged_projection_is_found_by_verify_and_rebuilt() {
    let sb = Sandbox::sqlite();
    sb.ok(&[
        "seed",
        "--events",
        "30000",
        "--days",
        "30",
        "--seed",
        "1",
        "--until",
        "2026-11-20T12:00:00Z",
    ]);
    let (code, text) = run(&sb, &["projection", "verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("agrees"), "{text}");

    damage(&sb.store);

    let (code, text) = run(&sb, &["projection", "verify"]);
    assert_eq!(code, 1, "{text}");
    for expected in [
        "incident INC-4471 differs",
        "incident INC-4502 is missing",
        "the projection absent",
        "rollback mark of never-rolled-back: the ledger says none, the projection seq 5",
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
    let (code, text) = run(&sb, &["verify", "--deep"]);
    assert_eq!(code, 0, "the ledger itself is intact: {text}");
    assert!(
        text.contains("projection: incident INC-4471 differs"),
        "{text}"
    );

    let (code, text) = run(&sb, &["projection", "rebuild"]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&sb, &["projection", "verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("agrees"), "{text}");
    let list = sb.ok(&["incident", "list"]);
    assert!(
        list.contains("INC-4502") && list.contains("INC-4471"),
        "{list}"
    );
}

#[test]
fn a_sigkill_mid_seal_never_leaves_the_projection_apart_from_the_ledger() {
    let sb = Sandbox::sqlite();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for round in 0..4 {
        // Seeding seals rollbacks, interventions, pauses and incidents in batches;
        // it is killed at a random moment, mostly mid-transaction.
        let mut child = sb
            .cmd()
            .args([
                "seed",
                "--events",
                "60000",
                "--days",
                "30",
                "--seed",
                &round.to_string(),
                "--until",
                "2026-11-20T12:00:00Z",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Early enough that the seed of 60,000 events is still running on a fast machine.
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..700)));
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: seeding finished before the kill"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (code, text) = run(&sb, &["projection", "verify"]);
        assert_eq!(code, 0, "round {round}: {text}");
        assert!(text.contains("agrees"), "round {round}: {text}");
    }
    let (code, report) = sb.verify(&[]);
    assert_eq!(code, 0, "{report}");
}
