//! The checklist of one incident: each step of its playbook as pending, in progress, done,
//! skipped or failed, with who and when. Two halves, kept apart on purpose:
//!
//! - `may_*` / `decide` answer whether an operator may make a change now, with a refusal
//!   the console and CLI show as is. They never change anything.
//! - `apply` / `replay` record what the ledger says happened, without re-judging it: the
//!   ledger is the truth, and a checklist is rebuilt from its `incident.step` events.
//!
//! So the console decides, seals the event, then replays; nothing here does IO.

use super::{Playbook, Step, StepKind};
use crate::event::Timestamp;

/// A change an operator asks for on one step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StepChange {
    /// Begin the step (for an action step: its executor is about to run).
    Start,
    /// Check it off; manual steps need a note saying what was done.
    Complete { note: String },
    /// Leave it out, for a stated reason.
    Skip { reason: String },
    /// It was tried and did not work; it may be started again.
    Fail { reason: String },
}

/// One change as recorded in the ledger: what, to which step, by whom, when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepRecord {
    pub step: String,
    pub change: StepChange,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    Pending,
    InProgress {
        by: String,
        at: Timestamp,
    },
    Done {
        by: String,
        at: Timestamp,
        note: String,
    },
    Skipped {
        by: String,
        at: Timestamp,
        reason: String,
    },
    Failed {
        by: String,
        at: Timestamp,
        reason: String,
    },
}

impl StepStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::InProgress { .. } => "in progress",
            StepStatus::Done { .. } => "done",
            StepStatus::Skipped { .. } => "skipped",
            StepStatus::Failed { .. } => "failed",
        }
    }

    /// Done or skipped: what a later step's prerequisite needs.
    pub fn is_settled(&self) -> bool {
        matches!(self, StepStatus::Done { .. } | StepStatus::Skipped { .. })
    }
}

/// One step and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub step: Step,
    pub status: StepStatus,
    /// Who started it last; kept after completion so "started by / completed by" shows.
    pub started_by: Option<String>,
}

/// Why a change is refused, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("there is no step `{step}` in this playbook")]
    UnknownStep { step: String },
    #[error("step `{step}` is already {status}")]
    Finished { step: String, status: &'static str },
    #[error("step `{step}` is already in progress (started by {by})")]
    AlreadyStarted { step: String, by: String },
    #[error("step `{step}` cannot start yet: it needs {} done or skipped first", quoted(.pending))]
    Prerequisites { step: String, pending: Vec<String> },
    #[error(
        "step `{step}` needs a second person: start it first, then another operator completes it"
    )]
    NotStartedBySomeoneElse { step: String },
    #[error("step `{step}` needs a second person: {operator} started it, so someone else must {verb} it")]
    SamePerson {
        step: String,
        operator: String,
        verb: &'static str,
    },
    #[error("checking off `{step}` needs a note saying what was done")]
    NoteRequired { step: String },
    #[error("{verb} `{step}` needs a reason")]
    ReasonRequired { step: String, verb: &'static str },
    #[error("step `{step}` is not in progress, so it cannot fail")]
    NotInProgress { step: String },
}

fn quoted(ids: &[String]) -> String {
    let ids: Vec<String> = ids.iter().map(|s| format!("`{s}`")).collect();
    ids.join(", ")
}

/// The checklist of one playbook, in the playbook's step order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub playbook: String,
    pub steps: Vec<StepState>,
}

impl Checklist {
    /// Every step pending.
    pub fn new(playbook: &Playbook) -> Self {
        Checklist {
            playbook: playbook.id.clone(),
            steps: playbook
                .steps
                .iter()
                .map(|s| StepState {
                    step: s.clone(),
                    status: StepStatus::Pending,
                    started_by: None,
                })
                .collect(),
        }
    }

    /// The checklist as the ledger's records leave it (records for unknown steps are
    /// ignored: they belong to another playbook picked earlier).
    pub fn replay<'a>(
        playbook: &Playbook,
        records: impl IntoIterator<Item = &'a StepRecord>,
    ) -> Self {
        let mut list = Checklist::new(playbook);
        for r in records {
            list.apply(r);
        }
        list
    }

    pub fn step(&self, id: &str) -> Option<&StepState> {
        self.steps.iter().find(|s| s.step.id == id)
    }

    /// Records a change as it happened, without judging it. False if the step is unknown.
    pub fn apply(&mut self, record: &StepRecord) -> bool {
        let Some(state) = self.steps.iter_mut().find(|s| s.step.id == record.step) else {
            return false;
        };
        let (by, at) = (record.by.clone(), record.at);
        state.status = match &record.change {
            StepChange::Start => {
                state.started_by = Some(by.clone());
                StepStatus::InProgress { by, at }
            }
            StepChange::Complete { note } => StepStatus::Done {
                by,
                at,
                note: note.clone(),
            },
            StepChange::Skip { reason } => StepStatus::Skipped {
                by,
                at,
                reason: reason.clone(),
            },
            StepChange::Fail { reason } => StepStatus::Failed {
                by,
                at,
                reason: reason.clone(),
            },
        };
        true
    }

    /// Whether `operator` may make `change` to `step` now.
    pub fn decide(&self, step: &str, change: &StepChange, operator: &str) -> Result<(), Refusal> {
        match change {
            StepChange::Start => self.may_start(step),
            StepChange::Complete { note } => self.may_complete(step, operator, note),
            StepChange::Skip { reason } => self.may_skip(step, operator, reason),
            StepChange::Fail { reason } => self.may_fail(step, reason),
        }
    }

    /// A pending or failed step may start once every prerequisite is done or skipped.
    pub fn may_start(&self, step: &str) -> Result<(), Refusal> {
        let state = self.open_step(step)?;
        if let StepStatus::InProgress { by, .. } = &state.status {
            return Err(Refusal::AlreadyStarted {
                step: step.into(),
                by: by.clone(),
            });
        }
        self.prerequisites_settled(state)
    }

    /// Checking off a step that was never started starts it too, so its prerequisites
    /// must be settled; a second-person step must have been started by someone else.
    pub fn may_complete(&self, step: &str, operator: &str, note: &str) -> Result<(), Refusal> {
        let state = self.open_step(step)?;
        match &state.status {
            StepStatus::InProgress { by, .. } if state.step.second_person && by == operator => {
                return Err(Refusal::SamePerson {
                    step: step.into(),
                    operator: operator.into(),
                    verb: "complete",
                })
            }
            StepStatus::InProgress { .. } => {}
            _ if state.step.second_person => {
                return Err(Refusal::NotStartedBySomeoneElse { step: step.into() })
            }
            _ => self.prerequisites_settled(state)?,
        }
        if state.step.kind == StepKind::Manual && note.trim().is_empty() {
            return Err(Refusal::NoteRequired { step: step.into() });
        }
        Ok(())
    }

    /// Any unfinished step may be skipped with a reason, except a second-person step by
    /// the operator who started it (skipping would bypass the second pair of eyes).
    pub fn may_skip(&self, step: &str, operator: &str, reason: &str) -> Result<(), Refusal> {
        let state = self.open_step(step)?;
        if reason.trim().is_empty() {
            return Err(Refusal::ReasonRequired {
                step: step.into(),
                verb: "skipping",
            });
        }
        match &state.status {
            StepStatus::InProgress { by, .. } if state.step.second_person && by == operator => {
                Err(Refusal::SamePerson {
                    step: step.into(),
                    operator: operator.into(),
                    verb: "skip",
                })
            }
            _ => Ok(()),
        }
    }

    /// Only a step in progress can fail, and the failure needs a reason.
    pub fn may_fail(&self, step: &str, reason: &str) -> Result<(), Refusal> {
        let state = self.open_step(step)?;
        if !matches!(state.status, StepStatus::InProgress { .. }) {
            return Err(Refusal::NotInProgress { step: step.into() });
        }
        if reason.trim().is_empty() {
            return Err(Refusal::ReasonRequired {
                step: step.into(),
                verb: "failing",
            });
        }
        Ok(())
    }

    /// Steps that may start now, in order: what the console suggests next.
    pub fn ready(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Pending | StepStatus::Failed { .. }))
            .filter(|s| self.prerequisites_settled(s).is_ok())
            .map(|s| s.step.id.as_str())
            .collect()
    }

    /// Every step done or skipped.
    pub fn is_finished(&self) -> bool {
        self.steps.iter().all(|s| s.status.is_settled())
    }

    /// The step, unless it is unknown or already done or skipped.
    fn open_step(&self, step: &str) -> Result<&StepState, Refusal> {
        let state = self
            .step(step)
            .ok_or_else(|| Refusal::UnknownStep { step: step.into() })?;
        if state.status.is_settled() {
            return Err(Refusal::Finished {
                step: step.into(),
                status: state.status.as_str(),
            });
        }
        Ok(state)
    }

    fn prerequisites_settled(&self, state: &StepState) -> Result<(), Refusal> {
        let pending: Vec<String> = state
            .step
            .needs
            .iter()
            .filter(|n| !self.step(n).is_some_and(|s| s.status.is_settled()))
            .cloned()
            .collect();
        if pending.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Prerequisites {
                step: state.step.id.clone(),
                pending,
            })
        }
    }
}
