//! What `update` asks the IO edge to do: every piece of IO the console performs, as a
//! value. The pure code only returns these; `perform` is the one place that runs them,
//! and it matches every variant, so a new effect cannot be left unhandled.

use crate::event::{Event, Timestamp};
use crate::gate::Ballot;
use crate::query::Filter;
use crate::respond::{Plan, Request};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load a page of the stream: newest first, strictly older than `before`.
    LoadPage {
        request: u64,
        filter: Filter,
        before: Option<u64>,
        replace: bool,
    },
    /// Search the log (newest wins: a newer request cancels this one).
    Search {
        request: u64,
        query: String,
        filter: Filter,
    },
    /// Load every event of one correlation id, oldest first, for the Trace view.
    LoadTrace { correlation_id: String },
    /// Load the Agents view: each agent's totals and last action over the last week.
    LoadAgents,
    /// Copy text to the clipboard (OSC 52, with a file fallback).
    Copy { text: String, what: String },
    /// Recount tiers over the header's window.
    CountTiers,
    /// Re-derive incidents and control state from the ledger.
    LoadSituation,
    /// Read one incident by id (one the situation does not carry: closed long ago).
    LoadIncident { id: String },
    /// Seal incident events in one transaction (`respond_io` stamps ids and the session).
    Seal {
        events: Vec<Event>,
        checkpoint: bool,
        what: String,
    },
    /// Load the agent's actions since a time, for a bulk rollback of `request`.
    LoadRollback {
        request: Box<Request>,
        since: Timestamp,
        step: Option<(String, bool)>,
    },
    /// Run confirmed plans in order, stopping at the first failure (a bulk rollback).
    ExecuteMany {
        plans: Vec<Plan>,
        step: Option<(String, bool)>,
        what: String,
    },
    /// Run a confirmed containment action write-ahead.
    Execute {
        plan: Box<Plan>,
        /// The incident id and whether the playbook step needs a second person.
        step: Option<(String, bool)>,
        what: String,
    },
    /// Read the events since `since`, oldest first, in chunks, for detection to learn
    /// from (`Msg::Learned`).
    Learn { since: Timestamp },
    /// Seal `detection.*` events, each on its own: one another console sealed already
    /// is a duplicate and is let go quietly.
    SealDetections { events: Vec<Event> },
    /// Load the pending approval requests and their proposals.
    LoadApprovals,
    /// Load an agent's newest actions and how its earlier approval requests ended.
    LoadAgentRecord { agent: String },
    /// Cast one vote per request, in order, as the console's operator, through
    /// `crate::approvals::vote` (which enforces the rules and seals each vote).
    Vote {
        requests: Vec<String>,
        ballot: Ballot,
        what: String,
    },
}
