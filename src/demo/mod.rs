//! The demo world: a platform team's week of AI-agent activity, generated from a seed.
//! Ten agents with their own models and habits scale, restart, deploy, refund, export,
//! rotate and review; people approve, override and roll back; three incidents and a
//! game-day drill are embedded with fixed ids so docs and tests can point at them.
//!
//! It owns nothing but generation: it never reads the clock or the OS's entropy (the
//! caller passes `until`/`now`), never touches a store, and every event it yields is a
//! valid `custody.event/v1` producer event.
//!
//! ```text
//! agents ─► moves ─► story ─────┐  (ordinary traces)
//!                    incidents ─┤  (scripted bursts)
//!                               ├─► history: rhythm-warped clock, min-heap merge ─► Event…
//!                               └─► live: real-time schedule, incident replays   ─► Vec<Event>
//! ```

mod agents;
mod forge;
mod history;
mod incidents;
mod live;
mod moves;
mod story;
mod text;
mod trace;

#[cfg(test)]
mod tests;

pub use agents::DemoAgent;
pub use history::History;
pub use incidents::DemoIncident;
pub use live::{LiveGenerator, LIVE_INCIDENTS};

use crate::event::Timestamp;

/// What history to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSpec {
    pub seed: u64,
    /// Exact number of events the history yields. From 1,000 on, the three incidents
    /// and the drill are embedded; smaller histories are ordinary traffic only.
    pub events: usize,
    /// Span of the history in days, ending at `until` (0 is taken as 1).
    pub days: u32,
    /// The last event's time at the latest (callers pass now; tests pin it).
    pub until: Timestamp,
}

/// Streams the history in time order. Deterministic: the same spec gives the same
/// events byte for byte, ids included. Memory stays bounded by the stories in flight.
pub fn history(spec: &DemoSpec) -> History {
    History::new(spec)
}

/// The agents of the demo world.
pub fn agents() -> &'static [DemoAgent] {
    &agents::AGENTS
}

/// The three embedded incidents: ids, culprits, what happened, correlation ids.
pub fn incidents() -> Vec<DemoIncident> {
    incidents::all()
}

/// The embedded game-day drill, whose events all carry `exercise: true`.
pub fn game_day() -> DemoIncident {
    incidents::Script::Drill.describe()
}

/// The reason code outside the default registry that the demo uses (rarely), so the
/// console's flag for unregistered codes has something to show.
pub const UNREGISTERED_REASON: &str = moves::UNREGISTERED_REASON;
