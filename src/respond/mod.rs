//! Containment actions and incident work, end to end: who may act (`roles`), what will
//! run (`plan`), the write-ahead `control.*` events (`events`), and the edge that seals
//! the intent, runs the executor and seals the result (`act`). The console and the
//! command line both go through here, so they refuse the same things with the same words.
//!
//! `roles`, `plan` and `events` are pure; `act`, `load` and `seal` do the IO. Everything
//! custody seals of its own goes through `seal::seal`, with the one `store::SealContext`.

pub mod act;
pub mod closing;
pub mod derived;
pub mod events;
pub mod load;
pub mod plan;
pub mod roles;
pub mod seal;
pub mod work;

pub use act::{derived_id, execute, execute_all, new_id, record, Batch, Done, StepRun};
pub use events::{unresolved_intents, CONTROL_KINDS};
pub use plan::{
    check_confirmation, plan, split_rollback, undoable, Confirmation, NotUndoable, Plan, Request,
};
pub use roles::{Forbidden, Permission, Role, Roles};
pub use seal::{seal, seal_with, SealError};

/// Why an action or incident change was refused. Every refusal happens before anything
/// runs or is sealed, except `ResultNotSealed`, which reports the one thing that can go
/// wrong after: the executor ran but its result could not be recorded (`ResultNotSealed`,
/// `ExecutorLost`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refused {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("read-only (--read-only): actions and incident changes are disabled")]
    ReadOnly,
    #[error("no agent given")]
    NoAgent,
    #[error("a reason code is required")]
    NoReasonCode,
    #[error("a justification is required: say why, for the record")]
    NoJustification,
    #[error("this is a T3 target: type the agent id `{agent}` to confirm")]
    AgentNotTyped { agent: String },
    #[error("{executor} needs {} but nothing supplies it here", .missing.join(", "))]
    MissingVars {
        executor: String,
        missing: Vec<String>,
    },
    #[error("nothing to roll back: {0}")]
    NothingToRollBack(String),
    #[error("nothing to roll back: {event_id} cannot be undone: {why}")]
    CannotUndo {
        event_id: String,
        #[source]
        why: NotUndoable,
    },
    #[error(transparent)]
    Step(#[from] crate::playbook::Refusal),
    #[error("{0}")]
    Incident(String),
    #[error("nothing ran: the intent could not be sealed: {0}")]
    CannotSeal(#[source] SealError),
    #[error("the executor ran but its result could not be sealed ({0}); the ledger shows an intent without a result")]
    ResultNotSealed(#[source] SealError),
    #[error("the token revocation is sealed ({event_id}) but custody's credentials could not be marked revoked: {why}; run `custody agent token revoke` to retry")]
    CredentialsNotRevoked { event_id: String, why: String },
    #[error("the executor's task failed ({0}); the ledger shows an intent without a result")]
    ExecutorLost(#[source] std::sync::Arc<tokio::task::JoinError>),
}
