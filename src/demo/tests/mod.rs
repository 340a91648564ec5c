//! The demo generator's contract, as specifications: the stream (count, order, time,
//! determinism, memory), its content (coverage, validity, realism), the incidents, and
//! the live generator. Shared fixtures live here.

#![allow(clippy::unwrap_used)]

mod content;
mod incidents;
mod live;
mod stream;

use super::*;
use crate::event::Event;
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
