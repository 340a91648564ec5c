//! Game days: scenario files (`scenario`, loaded and checked by `load`), the pure engine
//! that decides what an exercise does next (`engine`), the exercise's own sealed events
//! (`events`), the scores computed from sealed events only (`score`) and the after-action
//! report (`report`). Pure domain code: it never touches a store, a terminal or a file,
//! and never runs an executor; the edge (`crate::exercise`) does the IO and forces every
//! executor of a drill to dry-run.

pub mod engine;
pub mod events;
pub mod load;
mod matcher;
mod raw;
pub mod report;
pub mod scenario;
pub mod score;
pub mod shipped;

pub use load::{parse, ScenarioError};
pub use scenario::*;

/// Scenario time between `start` and `t` at `speed` (scenario seconds per real second).
pub fn offset(start: crate::event::Timestamp, t: crate::event::Timestamp, speed: u32) -> Offset {
    let ms = u64::try_from(t.millis() - start.millis()).unwrap_or(0);
    Offset(ms * u64::from(speed) / 1000)
}

#[cfg(test)]
mod load_tests;
