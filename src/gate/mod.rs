//! The gate, as rules: what an agent's proposal is, what an approval binds to, and who
//! may vote on a request. Agents propose before they act; the policy answers allow, ask
//! or deny; humans vote on asks; the agent reports the outcome against a single-use grant.
//!
//! Everything here is pure: it turns request bodies into events and decides votes, and
//! never touches HTTP, SQL or a terminal. `store` keeps the queue and grants, `approvals`
//! (the edge the console, the command line and `serve` share) seals what is decided here.

mod approval;
mod binding;
mod events;
mod outcome;
mod proposal;
pub mod signature;

pub use approval::{Ballot, Request, RequestState, Tally, Verdict, Vote, VoteRefusal, Voter};
pub use binding::binding;
pub use events::{
    decision_event, policy_field, refusal_event, request_event, vote_event, DecisionKind, Refusal,
    GATE_ACTOR,
};
pub use outcome::{outcome_event, OutcomeBody, OutcomeStatusBody};
pub use proposal::{
    parse_body, parse_json, proposal_event, BodyError, ProposalBody, MAX_BODY_BYTES,
};

/// The kinds the gate seals. All but `ai.proposal` and `ai.action` are custody kinds.
pub const PROPOSAL: &str = "ai.proposal";
pub const ACTION: &str = "ai.action";
pub const REQUEST: &str = "approval.request";
pub const VOTE: &str = "approval.vote";
pub const DECISION: &str = "approval.decision";
pub const REFUSAL: &str = "gate.refusal";
pub const VIOLATION: &str = "gate.violation";
