//! What the Approvals view holds: the pending requests with their proposals, the
//! cursor and marks, the selected agent's record, and the header's flash. Plain data;
//! `approvals` changes it, the views read it.

use super::super::app::Row;
use crate::event::{Event, Timestamp};
use crate::gate::Request;
use std::collections::BTreeSet;

/// A pending request and the proposal it asks about (the exact action and params).
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub request: Request,
    /// `None` when the proposal could not be read: the view says so, and no dialog
    /// opens without the parameters on screen.
    pub proposal: Option<Event>,
}

/// How the agent's earlier approval requests ended (its `approval.decision` events).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub allowed: u64,
    pub denied: u64,
    pub expired: u64,
    pub refused: u64,
    /// Approved by an admin alone.
    pub break_glass: u64,
}

impl Outcomes {
    /// Counts one decision event by its recorded verdict.
    pub fn count(&mut self, decision: &Event) {
        let response = decision.outcome.as_ref().and_then(|o| o.response.as_ref());
        let verdict = response.and_then(|r| r.get("verdict")?.as_str());
        match verdict {
            Some("allow") => self.allowed += 1,
            Some("deny") => self.denied += 1,
            Some("expired") => self.expired += 1,
            Some("refused") => self.refused += 1,
            _ => {}
        }
        if response.and_then(|r| r.get("break_glass")?.as_bool()) == Some(true) {
            self.break_glass += 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.allowed + self.denied + self.expired + self.refused
    }
}

/// An agent's record as the detail pane shows it beside a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentRecord {
    pub agent: String,
    /// Its newest actions, newest first.
    pub recent: Vec<Row>,
    /// Its newest decisions, newest first (a few, for their wording).
    pub decisions: Vec<Row>,
    pub outcomes: Outcomes,
}

#[derive(Debug, Clone, Default)]
pub struct ApprovalsState {
    /// Oldest first: the request that has waited longest is on top.
    pub pending: Vec<Pending>,
    pub selected: usize,
    /// First request on screen (see `views::scroll`).
    pub offset: usize,
    /// Requests marked for a bulk deny (by id).
    pub marked: BTreeSet<String>,
    /// A load is in flight; `again` asks for another when it lands (the tail moved on).
    pub loading: bool,
    pub again: bool,
    /// The first answer arrived (requests in it are not "new").
    pub loaded: bool,
    /// Every request id seen, to tell a new T3 request from one already shown.
    pub seen: BTreeSet<String>,
    /// The header flashes until then: a new T3 request arrived.
    pub flash_until: Option<Timestamp>,
    /// The selected request's agent record, and the agent it was asked for.
    pub record: Option<AgentRecord>,
    pub record_asked: Option<String>,
    /// Votes running in the background, by what they are.
    pub voting: Option<String>,
}

impl ApprovalsState {
    pub fn current(&self) -> Option<&Pending> {
        self.pending.get(self.selected)
    }

    /// Whether the header flashes at `now`.
    pub fn flashing(&self, now: Timestamp) -> bool {
        self.flash_until.is_some_and(|t| now.millis() < t.millis())
    }
}
