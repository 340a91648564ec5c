//! The history stream. Stories (ordinary traces and the scripted incidents) start one
//! after another along a clock warped by the team's daily rhythm; their events, which
//! stretch minutes or hours past the start, wait in a small min-heap until no story that
//! starts later could precede them. So the stream is in time order, yields exactly the
//! requested count, and holds only the stories still in flight, never the whole history.

use super::forge::Forge;
use super::incidents::Script;
use super::story;
use super::DemoSpec;
use crate::event::Event;
use chrono::{DateTime, Datelike, Timelike, Weekday};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Stories start this long before `until` at the latest, so most of their steps fit.
const TAIL_MS: i64 = 10 * 60_000;
/// Smaller histories are all ordinary traffic: an incident of dozens of events would
/// crowd out the rest and end the history early.
const MIN_EVENTS_FOR_SCRIPTS: usize = 1_000;
/// How far (in events) the jittered story clock may drift from the planned count; it
/// keeps arrivals bursty like real traffic while the history still ends at `until`.
const MAX_DRIFT: f64 = 25.0;
/// …and at most this share of the history, so small histories still end near `until`.
const MAX_DRIFT_SHARE: f64 = 0.002;

/// The demo history; see [`super::history`].
pub struct History {
    forge: Forge,
    rhythm: Rhythm,
    until: i64,
    total: usize,
    planned: usize,
    emitted: usize,
    next_start: Option<i64>,
    /// The story clock, in events: the planned count plus bounded random drift.
    clock: f64,
    /// Scripts not told yet, with the planned-event count at which each starts.
    scripts: Vec<(usize, Script)>,
    pending: BinaryHeap<Pending>,
    seq: u64,
    scratch: Vec<Event>,
}

impl History {
    pub(crate) fn new(spec: &DemoSpec) -> Self {
        let until = spec.until.millis();
        let span = i64::from(spec.days.max(1)) * DAY_MS;
        let from = until - span;
        let rhythm = Rhythm::new(from, until - TAIL_MS.min(span / 20));
        let mut scripts: Vec<(usize, Script)> = Script::ALL
            .iter()
            .filter(|_| spec.events >= MIN_EVENTS_FOR_SCRIPTS)
            .map(|s| ((s.describe().position * spec.events as f64) as usize, *s))
            .collect();
        scripts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        let mut forge = Forge::new(spec.seed);
        History {
            clock: forge.exp(1.0),
            forge,
            rhythm,
            until,
            total: spec.events,
            planned: 0,
            emitted: 0,
            next_start: None,
            scripts,
            pending: BinaryHeap::new(),
            seq: 0,
            scratch: Vec::new(),
        }
    }

    /// How many events are queued, waiting for their turn (the memory the stream holds).
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Starts the next story at `start` and queues its events.
    fn plan(&mut self, start: i64) {
        self.scratch.clear();
        match self.scripts.last() {
            Some((at, script)) if *at <= self.planned => {
                script.tell(&mut self.forge, start, "", &mut self.scratch);
                self.scripts.pop();
            }
            _ => story::routine(&mut self.forge, start, &mut self.scratch),
        }
        // Steps after `until` have not happened yet: the history ends with traces in
        // flight (an approval pending, a retry to come), as a real log does.
        let until = self.until;
        self.scratch.retain(|e| e.time.millis() <= until);
        let len = self.scratch.len();
        self.planned += len;
        // Exponential gaps make arrivals Poisson-like instead of evenly spaced.
        let planned = self.planned as f64;
        let drift = (self.total as f64 * MAX_DRIFT_SHARE).min(MAX_DRIFT);
        let step = self.forge.exp(len as f64);
        self.clock = (self.clock + step)
            .clamp(planned - drift, planned + drift)
            .max(self.clock);
        for event in self.scratch.drain(..) {
            self.seq += 1;
            self.pending.push(Pending::new(self.seq, event));
        }
        self.next_start = None;
    }
}

impl Iterator for History {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.emitted >= self.total {
            return None;
        }
        while self.planned < self.total {
            let share = self.clock / self.total as f64;
            let start = *self.next_start.get_or_insert_with(|| self.rhythm.at(share));
            match self.pending.peek() {
                Some(p) if p.time <= start => break,
                _ => self.plan(start),
            }
        }
        let next = self.pending.pop()?;
        self.emitted += 1;
        Some(*next.event)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.total - self.emitted;
        (left, Some(left))
    }
}

impl ExactSizeIterator for History {}

/// An event waiting for its turn; the heap pops the earliest (then first queued).
pub(crate) struct Pending {
    pub time: i64,
    pub seq: u64,
    /// Boxed: the heap moves entries as it sifts, and an event is large.
    pub event: Box<Event>,
}

impl Pending {
    pub(crate) fn new(seq: u64, event: Event) -> Self {
        Pending {
            time: event.time.millis(),
            seq,
            event: Box::new(event),
        }
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl Eq for Pending {}

/// The team's week as a clock: maps a share of the stories (0.0–1.0) to a time so that
/// working hours on weekdays get most of them, nights and weekends few.
struct Rhythm {
    from: i64,
    to: i64,
    /// Cumulative weight at the start of each hour, plus the total at the end.
    cumulative: Vec<f64>,
}

impl Rhythm {
    fn new(from: i64, to: i64) -> Self {
        let to = to.max(from + 1);
        let hours = usize::try_from((to - from + HOUR_MS - 1) / HOUR_MS).unwrap_or(1);
        let mut cumulative = Vec::with_capacity(hours + 1);
        let mut sum = 0.0;
        cumulative.push(sum);
        for h in 0..hours {
            let start = from + h as i64 * HOUR_MS;
            let width = (to - start).min(HOUR_MS) as f64 / HOUR_MS as f64;
            sum += busyness(start + HOUR_MS / 2) * width;
            cumulative.push(sum);
        }
        Rhythm {
            from,
            to,
            cumulative,
        }
    }

    fn at(&self, share: f64) -> i64 {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = share.clamp(0.0, 1.0) * total;
        // The hour whose cumulative range holds the target.
        let h = self
            .cumulative
            .partition_point(|c| *c <= target)
            .saturating_sub(1);
        let (lo, hi) = (
            self.cumulative[h],
            self.cumulative.get(h + 1).copied().unwrap_or(total),
        );
        let within = if hi > lo {
            (target - lo) / (hi - lo)
        } else {
            0.0
        };
        let start = self.from + h as i64 * HOUR_MS;
        let width = (self.to - start).min(HOUR_MS);
        (start + (within * width as f64) as i64).min(self.to)
    }
}

/// How busy the team is at a moment (UTC; the team sits in Europe).
fn busyness(millis: i64) -> f64 {
    let Some(t) = DateTime::from_timestamp_millis(millis) else {
        return 1.0;
    };
    let by_hour = match t.hour() {
        0..=5 => 0.18,
        6 | 7 => 0.45,
        8..=11 => 1.0,
        12 => 0.8,
        13..=16 => 1.0,
        17 | 18 => 0.65,
        19..=21 => 0.35,
        _ => 0.22,
    };
    let weekend = matches!(t.weekday(), Weekday::Sat | Weekday::Sun);
    if weekend {
        by_hour * 0.3
    } else {
        by_hour
    }
}
