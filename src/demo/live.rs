//! The live generator behind `custody demo`: ordinary traffic at a few events per second
//! and, every few minutes, a replay of one embedded incident as a burst. It keeps its
//! own schedule, anchored at the first tick, so what it produces depends only on the
//! seed and the clock it is given, not on how often it is ticked.

use super::forge::Forge;
use super::history::Pending;
use super::incidents::Script;
use super::story;
use crate::event::{Event, Timestamp};
use std::collections::BinaryHeap;

/// Mean gap between ordinary stories; with about two events a story this is 2–3 events/s.
const MEAN_GAP_MS: f64 = 800.0;
/// The first incident replay comes soon, so a new user sees a burst within minutes.
const FIRST_REPLAY_MS: i64 = 90_000;
const REPLAY_EVERY_MS: i64 = 8 * 60_000;
/// After a long pause (a suspended laptop) the generator skips ahead instead of
/// producing hours of backlog at once.
const MAX_CATCH_UP_MS: i64 = 60_000;
const REPLAYED: [Script; 3] = [Script::RestartLoop, Script::SecretLeak, Script::Export];

/// Keeps a demo store alive; see the module comment.
pub struct LiveGenerator {
    forge: Forge,
    last_tick: Option<i64>,
    next_story: i64,
    next_replay: i64,
    replays: u32,
    pending: BinaryHeap<Pending>,
    seq: u64,
    scratch: Vec<Event>,
    /// When the first replay starts, after the first tick.
    first_replay_ms: i64,
    /// Which replay comes first (an index into `REPLAYED`).
    first_script: usize,
}

/// The incidents a live demo can start with, by the names `--incident` takes.
pub const LIVE_INCIDENTS: [(&str, &str); 3] = [
    ("restart-loop", "INC-4502"),
    ("secret-leak", "INC-4519"),
    ("export", "INC-4471"),
];

impl LiveGenerator {
    pub fn new(seed: u64) -> Self {
        LiveGenerator {
            // A different stream from `history` with the same seed, so live ids never
            // repeat the history's.
            forge: Forge::new(seed ^ 0x6c69_7665_5f67_656e),
            last_tick: None,
            next_story: 0,
            next_replay: 0,
            replays: 0,
            pending: BinaryHeap::new(),
            seq: 0,
            scratch: Vec::new(),
            first_replay_ms: FIRST_REPLAY_MS,
            first_script: 0,
        }
    }

    /// A generator whose first replay is `incident` (a name from `LIVE_INCIDENTS`, or
    /// its incident id), starting `in_ms` after the first tick; the others follow in
    /// turn every few minutes.
    pub fn starting_with(seed: u64, incident: &str, in_ms: i64) -> Result<Self, String> {
        let Some(i) = LIVE_INCIDENTS
            .iter()
            .position(|(name, id)| *name == incident || *id == incident)
        else {
            let names: Vec<&str> = LIVE_INCIDENTS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "no incident `{incident}` to replay (choose one of {})",
                names.join(", ")
            ));
        };
        let mut g = LiveGenerator::new(seed);
        g.first_script = i;
        g.first_replay_ms = in_ms.max(0);
        Ok(g)
    }

    /// The events that happened since the previous tick, in time order (possibly none).
    pub fn tick(&mut self, now: Timestamp) -> Vec<Event> {
        let now = now.millis();
        match self.last_tick {
            None => {
                self.next_story = now;
                self.next_replay = now + self.first_replay_ms;
            }
            Some(prev) if now - prev > MAX_CATCH_UP_MS => {
                self.next_story = self.next_story.max(now - MAX_CATCH_UP_MS);
                self.next_replay = self.next_replay.max(now - MAX_CATCH_UP_MS);
            }
            Some(_) => {}
        }
        self.last_tick = Some(now);

        while self.next_story <= now {
            self.scratch.clear();
            story::routine(&mut self.forge, self.next_story, &mut self.scratch);
            self.queue();
            self.next_story += 1 + self.forge.exp_ms(MEAN_GAP_MS);
        }
        if self.next_replay <= now {
            let script = REPLAYED[(self.first_script + self.replays as usize) % REPLAYED.len()];
            self.replays += 1;
            let suffix = format!("-replay-{}", self.replays);
            self.scratch.clear();
            script.tell(
                &mut self.forge,
                self.next_replay,
                &suffix,
                &mut self.scratch,
            );
            self.queue();
            self.next_replay += REPLAY_EVERY_MS;
        }

        let mut due = Vec::new();
        while self.pending.peek().is_some_and(|p| p.time <= now) {
            if let Some(p) = self.pending.pop() {
                due.push(*p.event);
            }
        }
        due
    }

    fn queue(&mut self) {
        for event in self.scratch.drain(..) {
            self.seq += 1;
            self.pending.push(Pending::new(self.seq, event));
        }
    }
}
