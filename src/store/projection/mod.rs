//! The projection: incidents, agent control state, "already rolled back" marks and
//! unresolved intents, kept in tables beside the ledger so that opening the console reads
//! them instead of folding the whole history.
//!
//! It owns those tables and nothing else. It never decides what an incident or a control
//! state is: `crate::incident`'s fold does (`incident::Fold`, `incident::apply_control`),
//! and the tables hold the fold's own serialised output, advanced by feeding the newly
//! sealed events through the same fold. `advance` runs inside the transaction that seals
//! those events, on both engines, so the ledger and the projection commit together or
//! not at all. The projection is derived data, never trusted on its own:
//! `crate::respond::derived` re-derives it from the ledger and reports any difference,
//! and `Store::rebuild_projection` rebuilds it from the ledger when it is missing
//! (`projection_meta.through` not NULL) or damaged.

mod controls;
pub(in crate::store) mod db;
mod read;
mod write;

pub use read::{Incidents as ProjectedIncidents, Projected, ProjectionState};
pub use write::RebuildStep;
pub(in crate::store) use write::{advance, rebuild_step};

use crate::event::Event;

/// Whether an event can change anything the projection holds: custody sealed it, and
/// it is an `incident.*`, `control.*`, `human.intervention` or `detection.violation` event.
pub fn is_projected(e: &Event) -> bool {
    e.is_trusted() && is_response_kind(&e.kind)
}

/// The kinds incidents, control state, marks and intents are folded from.
pub fn is_response_kind(kind: &str) -> bool {
    kind.starts_with("incident.")
        || kind.starts_with("control.")
        || kind == "human.intervention"
        || kind == "detection.violation"
}

/// The same kinds as an SQL condition on `events.kind`, index-friendly on both engines.
pub(in crate::store) const RESPONSE_KINDS_SQL: &str =
    "((kind >= 'incident.' AND kind < 'incident/') \
     OR (kind >= 'control.' AND kind < 'control/') OR kind = 'human.intervention' \
     OR kind = 'detection.violation')";
