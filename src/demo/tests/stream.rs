//! The stream: exact count, time order, span and rhythm, determinism, ids, memory.

use super::*;
use crate::demo::{history, DemoSpec};
use std::collections::BTreeSet;

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
