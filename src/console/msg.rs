//! What flows into `update`: messages. The driver turns terminal input and store
//! answers into messages; what flows out, the effects, is in `effect`.

use super::app::{AgentSummary, Hit, LedgerStatus, Row};
use crossterm::event::{KeyEvent, MouseEvent};

/// Re-exported so that the modules that take messages and return effects import both
/// from one place.
pub use super::effect::Effect;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A page of the stream for request `request`, newest first. `replace` starts a new
    /// window (filter change); otherwise the rows are older than those already loaded.
    Page {
        request: u64,
        rows: Vec<Row>,
        replace: bool,
        at_oldest: bool,
    },
    /// Rows sealed since the last tail poll, oldest first, unfiltered.
    Appended {
        rows: Vec<Row>,
        head_seq: u64,
    },
    /// Search results so far for request `request`.
    SearchHits {
        request: u64,
        hits: Vec<Hit>,
        scanned: u64,
        done: bool,
    },
    /// Every event of one correlation id, oldest first.
    Trace {
        correlation_id: String,
        rows: Vec<Row>,
    },
    Agents(Vec<AgentSummary>),
    /// A chunk of the start read for detection, oldest first; `done` on the last.
    Learned {
        rows: Vec<Row>,
        done: bool,
    },
    TierCounts([u64; 4]),
    Ledger(LedgerStatus),
    CheckpointSize(u64),
    /// Something the user should read in the footer.
    Status(Status),
    /// A second passed: clocks and incident timers move on.
    Tick,
    /// Incidents, control state and open intents, freshly derived from the ledger.
    Situation(Box<crate::respond::load::Situation>),
    /// One incident read by id (`Effect::LoadIncident`); `None` when there is none.
    Incident {
        id: String,
        incident: Option<Box<crate::incident::Incident>>,
    },
    /// Incident events were sealed (`Ok(seqs)`) or refused.
    Sealed {
        what: String,
        result: Result<Vec<u64>, String>,
    },
    /// The agent's actions a bulk rollback considers (`Effect::LoadRollback`).
    RollbackCandidates {
        request: Box<crate::respond::Request>,
        since: crate::event::Timestamp,
        actions: Vec<crate::event::Event>,
        step: Option<(String, bool)>,
    },
    /// A containment action finished: a one-line report, or why nothing ran.
    Executed {
        what: String,
        result: Result<String, String>,
    },
    /// The pending approval requests with their proposals (`Effect::LoadApprovals`),
    /// or why they could not be read.
    Approvals(Result<Vec<super::approvals::Pending>, String>),
    /// An agent's recent actions and approval outcomes (`Effect::LoadAgentRecord`).
    AgentRecord(Box<super::approvals::AgentRecord>),
    /// Votes were cast: the footer line saying how they counted, or why not.
    Voted {
        what: String,
        result: Result<String, String>,
    },
}

/// How much a footer message matters. The footer shows it in words and style, and the
/// driver logs errors; no code looks at a message's text to find out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Done, or under way.
    Info,
    /// Refused, or not understood: nothing happened, and the operator can fix it.
    Warning,
    /// Something failed: a store that could not be read, an action that did not finish.
    Error,
}

/// A one-line message for the footer, with its level. Shown as `error: …` for errors, so
/// the level never rests on colour alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub level: Level,
    pub text: String,
}

impl Status {
    pub fn info(text: impl Into<String>) -> Status {
        Status {
            level: Level::Info,
            text: text.into(),
        }
    }

    pub fn warning(text: impl Into<String>) -> Status {
        Status {
            level: Level::Warning,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Status {
        Status {
            level: Level::Error,
            text: text.into(),
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.level {
            Level::Error => write!(f, "error: {}", self.text),
            Level::Info | Level::Warning => f.write_str(&self.text),
        }
    }
}
