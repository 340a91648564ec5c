//! The live generator: rate, determinism, order, and incident replays.

use super::*;
use crate::demo::LiveGenerator;
use crate::event::Timestamp;

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
