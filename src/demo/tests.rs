//! The demo generator's contract, as specifications.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::{missing_fields, parse_line, ApprovalMode, Event, Tier, DEFAULT_REASON_CODES};
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn until() -> Timestamp {
    "2026-11-23T09:30:00.000Z".parse().unwrap()
}

fn spec(seed: u64, events: usize) -> DemoSpec {
    DemoSpec {
        seed,
        events,
        days: 7,
        until: until(),
    }
}

/// One 20,000-event week, shared by the coverage tests.
fn week() -> &'static [Event] {
    static WEEK: OnceLock<Vec<Event>> = OnceLock::new();
    WEEK.get_or_init(|| history(&spec(7, 20_000)).collect())
}

fn bytes(e: &Event) -> Vec<u8> {
    serde_json::to_vec(e).unwrap()
}

fn live_minute(seed: u64) -> Vec<Event> {
    let mut live = LiveGenerator::new(seed);
    let start = until().millis();
    (0..=240)
        .flat_map(|i| live.tick(Timestamp::from_millis(start + i * 250).unwrap()))
        .collect()
}

#[test]
fn the_same_spec_gives_the_same_events_byte_for_byte() {
    let a: Vec<Vec<u8>> = history(&spec(42, 3_000)).map(|e| bytes(&e)).collect();
    let b: Vec<Vec<u8>> = history(&spec(42, 3_000)).map(|e| bytes(&e)).collect();
    assert!(a == b);
}

#[test]
fn different_seeds_give_different_histories() {
    let a: Vec<String> = history(&spec(1, 50)).map(|e| e.event_id).collect();
    let b: Vec<String> = history(&spec(2, 50)).map(|e| e.event_id).collect();
    assert_ne!(a, b);
}

#[test]
fn the_history_yields_exactly_the_requested_count() {
    let sizes = [0, 1, 7, 333, 2_500];
    let counts: Vec<usize> = sizes
        .iter()
        .map(|n| history(&spec(3, *n)).count())
        .collect();
    assert_eq!(counts, sizes);
}

#[test]
fn events_come_in_time_order() {
    let out_of_order = week().windows(2).filter(|w| w[0].time > w[1].time).count();
    assert_eq!(out_of_order, 0);
}

#[test]
fn the_history_ends_at_or_just_before_until() {
    let last = week().last().unwrap().time.millis();
    let gap = until().millis() - last;
    assert!(
        (0..=30 * 60_000).contains(&gap),
        "last event {gap} ms before until"
    );
}

#[test]
fn the_history_spans_the_requested_days() {
    let first = week()[0].time.millis();
    let span_days = (until().millis() - first) as f64 / 86_400_000.0;
    assert!((6.5..=7.0).contains(&span_days), "spans {span_days} days");
}

#[test]
fn working_hours_are_busier_than_nights() {
    use chrono::Timelike;
    let day = week()
        .iter()
        .filter(|e| (9..17).contains(&e.time.0.hour()))
        .count();
    let night = week()
        .iter()
        .filter(|e| e.time.0.hour() < 5 || e.time.0.hour() >= 22)
        .count();
    assert!(day > 3 * night, "day {day}, night {night}");
}

#[test]
fn every_generated_event_passes_validation() {
    let rejects: Vec<String> = history(&spec(11, 4_000))
        .chain(live_minute(11))
        .filter_map(|e| {
            parse_line(&bytes(&e))
                .err()
                .map(|err| format!("{}: {err}", e.kind))
        })
        .collect();
    assert!(rejects.is_empty(), "{rejects:?}");
}

#[test]
fn the_incidents_and_drill_survive_validation_too() {
    let mut events = Vec::new();
    for script in incidents::Script::ALL {
        let mut forge = forge::Forge::new(5);
        script.tell(&mut forge, until().millis(), None, "", &mut events);
    }
    let rejects = events
        .iter()
        .filter(|e| parse_line(&bytes(e)).is_err())
        .count();
    assert_eq!(rejects, 0);
}

#[test]
fn event_ids_are_uuid_v7_carrying_the_event_time() {
    let wrong = week()
        .iter()
        .take(2_000)
        .filter(|e| {
            let id = uuid::Uuid::parse_str(&e.event_id).unwrap();
            let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
            id.get_version_num() != 7
                || (secs * 1_000 + u64::from(nanos / 1_000_000)) as i64 != e.time.millis()
        })
        .count();
    assert_eq!(wrong, 0);
}

#[test]
fn event_ids_are_unique() {
    let ids: BTreeSet<&str> = week().iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), week().len());
}

#[test]
fn twenty_thousand_events_cover_every_tier() {
    let tiers: BTreeSet<Tier> = week().iter().filter_map(|e| e.tier).collect();
    assert_eq!(tiers.into_iter().collect::<Vec<_>>(), Tier::ALL.to_vec());
}

#[test]
fn twenty_thousand_events_cover_every_default_reason_code() {
    let seen: BTreeSet<&str> = week()
        .iter()
        .filter_map(|e| e.reason_code.as_deref())
        .collect();
    let missing: Vec<&&str> = DEFAULT_REASON_CODES
        .iter()
        .filter(|c| !seen.contains(**c))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?}");
}

#[test]
fn an_unregistered_reason_code_appears_but_rarely() {
    let n = week()
        .iter()
        .filter(|e| e.reason_code.as_deref() == Some(UNREGISTERED_REASON))
        .count();
    assert!(
        (1..100).contains(&n),
        "{n} events with {UNREGISTERED_REASON}"
    );
}

#[test]
fn a_few_actions_are_incomplete() {
    let actions: Vec<&Event> = week().iter().filter(|e| e.kind == "ai.action").collect();
    let incomplete = actions
        .iter()
        .filter(|e| !missing_fields(e).is_empty())
        .count();
    let share = incomplete as f64 / actions.len() as f64;
    assert!(
        (0.01..=0.05).contains(&share),
        "{incomplete} of {} incomplete",
        actions.len()
    );
}

#[test]
fn autonomous_low_tier_actions_record_approval_none_explicitly() {
    let explicit_none = week().iter().any(|e| {
        e.kind == "ai.action"
            && matches!(e.tier, Some(Tier::T0 | Tier::T1))
            && e.approval
                .as_ref()
                .is_some_and(|a| a.mode == ApprovalMode::None)
    });
    assert!(explicit_none);
}

#[test]
fn approvals_come_from_people_with_roles_and_from_threshold_rules() {
    let decisions: Vec<_> = week()
        .iter()
        .filter(|e| e.kind == "approval.decision")
        .filter_map(|e| e.approval.as_ref())
        .collect();
    let human = decisions
        .iter()
        .any(|a| a.mode == ApprovalMode::Human && a.role.is_some());
    let rule = decisions
        .iter()
        .any(|a| a.mode == ApprovalMode::Rule && a.rule_id.is_some());
    assert!(human && rule);
}

#[test]
fn gated_traces_share_a_correlation_id_from_proposal_to_action() {
    let proposal = week().iter().find(|e| e.kind == "ai.proposal").unwrap();
    let corr = proposal.correlation_id().unwrap();
    let kinds: Vec<&str> = week()
        .iter()
        .filter(|e| e.correlation_id() == Some(corr))
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"ai.proposal"), "{kinds:?}");
    assert!(kinds.contains(&"approval.decision"), "{kinds:?}");
}

#[test]
fn every_incident_correlation_id_appears_in_the_history() {
    let seen: BTreeSet<&str> = week().iter().filter_map(|e| e.correlation_id()).collect();
    let all = incidents().into_iter().chain([game_day()]);
    let missing: Vec<&str> = all
        .flat_map(|i| i.correlation_ids.iter().copied())
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?}");
}

#[test]
fn each_incident_is_caused_by_its_named_culprit() {
    for incident in incidents() {
        let cause = incident.correlation_ids[0];
        let culprit_acts = week().iter().any(|e| {
            e.correlation_id() == Some(cause)
                && e.kind == "ai.action"
                && e.agent_id() == Some(incident.culprit)
        });
        assert!(
            culprit_acts,
            "{} has no ai.action by {}",
            incident.id, incident.culprit
        );
    }
}

#[test]
fn incidents_are_contained_with_pause_and_token_revocation() {
    let kinds: BTreeSet<&str> = week()
        .iter()
        .filter(|e| e.correlation_id().is_some_and(|c| c.starts_with("cor-inc")))
        .map(|e| e.kind.as_str())
        .collect();
    let needed = [
        "control.pause",
        "control.revoke_token",
        "control.rollback",
        "incident.open",
        "incident.step",
        "incident.close",
        "human.intervention",
    ];
    assert!(needed.iter().all(|k| kinds.contains(k)), "{kinds:?}");
}

#[test]
fn one_incident_carries_hostile_terminal_text_in_its_reasoning() {
    let hostile = week().iter().any(|e| {
        let r = e
            .ai_output
            .as_ref()
            .and_then(|o| o.reasoning.as_deref())
            .unwrap_or("");
        [
            "\u{1b}]0;pwned\u{7}",
            "\u{1b}[2J",
            "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}",
            "\u{202e}",
        ]
        .iter()
        .all(|s| r.contains(s))
    });
    assert!(hostile);
}

#[test]
fn exercise_events_are_all_drill_events_with_the_exercise_reason() {
    let drill: Vec<&Event> = week().iter().filter(|e| e.exercise).collect();
    let stray = drill
        .iter()
        .filter(|e| {
            e.reason_code.as_deref() != Some("exercise")
                || e.correlation_id() != Some(game_day().correlation_ids[0])
        })
        .count();
    assert!(
        drill.len() >= 5 && stray == 0,
        "{} drill events, {stray} stray",
        drill.len()
    );
}

#[test]
fn a_typical_action_is_one_to_two_kilobytes() {
    let mut sizes: Vec<usize> = week()
        .iter()
        .filter(|e| e.kind == "ai.action")
        .map(|e| bytes(e).len())
        .collect();
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    assert!(
        (1_000..=2_000).contains(&median),
        "median ai.action is {median} bytes"
    );
}

#[test]
fn there_are_at_least_eight_agents_on_different_models() {
    let models: BTreeSet<(&str, &str)> = agents()
        .iter()
        .map(|a| (a.model_name, a.model_version))
        .collect();
    assert!(
        agents().len() >= 8 && models.len() >= 8,
        "{} agents, {} models",
        agents().len(),
        models.len()
    );
}

#[test]
fn every_agent_acts_in_the_history() {
    let acting: BTreeSet<&str> = week()
        .iter()
        .filter(|e| e.kind == "ai.action")
        .filter_map(|e| e.agent_id())
        .collect();
    let idle: Vec<&str> = agents()
        .iter()
        .map(|a| a.id)
        .filter(|id| !acting.contains(id))
        .collect();
    assert!(idle.is_empty(), "idle: {idle:?}");
}

#[test]
fn the_history_keeps_only_stories_in_flight_in_memory() {
    let mut h = history(&DemoSpec {
        seed: 9,
        events: 60_000,
        days: 2,
        until: until(),
    });
    let mut most = 0;
    while h.next().is_some() {
        most = most.max(h.in_flight());
    }
    assert!(most < 5_000, "{most} events held at once");
}

#[test]
fn the_live_generator_yields_a_few_events_per_second() {
    let n = live_minute(1).len();
    assert!((60..=600).contains(&n), "{n} events in a minute");
}

#[test]
fn the_live_generator_is_deterministic() {
    let a: Vec<Vec<u8>> = live_minute(5).iter().map(bytes).collect();
    let b: Vec<Vec<u8>> = live_minute(5).iter().map(bytes).collect();
    assert!(a == b);
}

#[test]
fn live_events_do_not_depend_on_the_tick_rate() {
    let mut coarse = LiveGenerator::new(5);
    let start = until().millis();
    let mut events: Vec<Event> = Vec::new();
    for i in 0..=12 {
        events.extend(coarse.tick(Timestamp::from_millis(start + i * 5_000).unwrap()));
    }
    assert!(events == live_minute(5));
}

#[test]
fn live_events_are_in_order_and_never_in_the_future() {
    let mut live = LiveGenerator::new(3);
    let start = until().millis();
    let mut last = i64::MIN;
    let mut bad = 0;
    for i in 0..=1_200 {
        let now = start + i * 250;
        for e in live.tick(Timestamp::from_millis(now).unwrap()) {
            bad += usize::from(e.time.millis() < last || e.time.millis() > now);
            last = e.time.millis();
        }
    }
    assert_eq!(bad, 0);
}

#[test]
fn live_traffic_bursts_with_an_incident_replay_within_five_minutes() {
    let mut live = LiveGenerator::new(8);
    let start = until().millis();
    let replayed = (0..=1_200)
        .flat_map(|i| live.tick(Timestamp::from_millis(start + i * 250).unwrap()))
        .any(|e| {
            e.correlation_id()
                .is_some_and(|c| c.starts_with("cor-inc") && c.contains("-replay-"))
        });
    assert!(replayed);
}

#[test]
#[ignore]
fn probe_dump() {
    for e in history(&spec(7, 3_000)) {
        println!("{}", serde_json::to_string(&e).unwrap());
    }
}
