//! The console's state: everything a frame is drawn from, and nothing that performs IO.
//! `update` changes it in response to messages; the views only read it.

use super::keymap::Keymap;
use crate::event::{missing_fields, AuditField, Event, Timestamp};
use crate::ledger::seal::event_from_record;
use crate::query::Filter;
use std::collections::VecDeque;

/// One sealed event as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub seq: u64,
    pub hash: String,
    pub recorded_at: Option<Timestamp>,
    pub event: Event,
    /// The audit fields an `ai.action` lacks (empty when complete or not an action).
    pub missing: Vec<AuditField>,
}

impl Row {
    /// Decodes a sealed record as stored at `seq` with `hash`; `None` when it does not
    /// decode (verification reports it).
    pub fn from_record(seq: u64, hash: &str, record: &str) -> Option<Row> {
        let event = event_from_record(record).ok()?;
        let recorded_at = serde_json::from_str::<SealTime>(record)
            .ok()
            .and_then(|s| s.recorded_at);
        let missing = missing_fields(&event);
        Some(Row {
            seq,
            hash: hash.to_string(),
            recorded_at,
            event,
            missing,
        })
    }
}

/// A record's seal time, read without building the whole document.
#[derive(serde::Deserialize)]
struct SealTime {
    recorded_at: Option<Timestamp>,
}

/// The main views, switched with number keys or commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// What looks wrong now: detection's flags, ranked (see `crate::detect`).
    Now,
    Stream,
    Trace,
    Agents,
    /// The active incident: its timers and its playbook's checklist.
    Incident,
    /// Pending approval requests, oldest first, and the selected one in full.
    Approvals,
}

/// The Now view: the cursor over the ranked flags, and how far the start read got.
#[derive(Debug, Clone, Default)]
pub struct NowState {
    pub selected: usize,
    pub offset: usize,
    /// Recent history is still being read to learn baselines.
    pub learning: bool,
    /// Events folded in so far, from history and the tail.
    pub learned: u64,
    /// The operator has pressed a key: the console no longer picks the view for them.
    pub touched: bool,
}

/// Where the ledger stands, as far as this console has checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerStatus {
    /// Verification is running: `done` of `total` records checked.
    Verifying { done: u64, total: u64 },
    /// Every record up to `head` verified; `signed` is covered by a signed checkpoint.
    Verified { head: u64, signed: u64 },
    /// Tampering found; the first verdict's class and seq.
    Broken {
        seq: u64,
        class: String,
        verdicts: usize,
    },
    /// Verification could not run.
    Unknown(String),
}

/// The live stream: a window of rows, newest first, paged from the store on demand.
#[derive(Debug, Clone, Default)]
pub struct StreamState {
    /// Newest first. Only a window of the log is ever held.
    pub rows: Vec<Row>,
    pub selected: usize,
    /// First visible row (kept by the table widget's scroll arithmetic).
    pub offset: usize,
    /// When frozen, new rows are counted but not inserted, so the cursor stays put.
    pub frozen: bool,
    pub arrived_while_frozen: u64,
    /// New rows held back while frozen, inserted on unfreeze.
    pub held: Vec<Row>,
    /// A page request is in flight.
    pub loading: bool,
    /// The oldest matching record is loaded.
    pub at_oldest: bool,
    /// Newer rows were dropped to keep the window bounded while browsing deep history;
    /// jumping to the top reloads them.
    pub trimmed_newer: bool,
    /// The request id whose answer is current; older answers are dropped.
    pub request: u64,
    /// Rows inserted above a cursor that had left the top, since it left: the header
    /// shows them as `+N new`, as it does while frozen. Zero again at the top.
    pub unseen: u64,
}

/// A multi-select picker (tiers, reason codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub title: String,
    /// (label, chosen)
    pub options: Vec<(String, bool)>,
    pub cursor: usize,
}

impl Picker {
    pub fn chosen(&self) -> Vec<String> {
        self.options
            .iter()
            .filter(|(_, on)| *on)
            .map(|(l, _)| l.clone())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerKind {
    Tier,
    Reason,
}

/// A single-line text input with a cursor (byte offset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    pub text: String,
    pub cursor: usize,
}

/// One search hit: the row and the character positions of the match in its search text.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub row: Row,
    pub score: i64,
    /// What was matched (agent, action, target, reason, summary) and where.
    pub text: String,
    pub indices: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct SearchState {
    pub input: LineEdit,
    /// Ranked, best first.
    pub hits: Vec<Hit>,
    pub selected: usize,
    /// First hit on screen (see `views::scroll`).
    pub offset: usize,
    /// The newest request; answers to older ones are ignored (newest wins).
    pub request: u64,
    pub scanning: bool,
    pub scanned: u64,
    /// `/` reopened on an old query: it is shown selected, and the first character typed
    /// replaces it (arrows and Enter keep it).
    pub replace: bool,
}

/// Everything about one correlation id, oldest first.
#[derive(Debug, Clone, Default)]
pub struct TraceState {
    pub correlation_id: String,
    pub rows: Vec<Row>,
    pub selected: usize,
    /// First timeline line on screen, gap markers included (see `views::scroll`).
    pub offset: usize,
    pub loading: bool,
}

/// One agent's line in the Agents view.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSummary {
    pub id: String,
    pub name: Option<String>,
    pub version: Option<String>,
    pub model: Option<String>,
    pub last_seq: u64,
    pub last_time: Option<Timestamp>,
    pub last_action: Option<String>,
    pub by_tier: [u64; 4],
    pub events: u64,
    pub failures: u64,
}

impl AgentSummary {
    pub fn failure_rate(&self) -> f64 {
        if self.events == 0 {
            0.0
        } else {
            self.failures as f64 / self.events as f64
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AgentsState {
    pub agents: Vec<AgentSummary>,
    pub selected: usize,
    /// First agent on screen (see `views::scroll`).
    pub offset: usize,
    pub loading: bool,
}

/// A layer drawn over the current view that takes the keyboard while open.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Picker(PickerKind, Picker),
    Command(LineEdit),
    Search,
    /// A dialog that asks for text before something is sealed or run.
    Form(super::form::Form),
    /// Choose the incident's playbook (applicable ones first).
    Playbooks {
        options: Vec<String>,
        cursor: usize,
    },
}

/// What the header shows.
#[derive(Debug, Clone)]
pub struct Header {
    pub store: String,
    pub operator: String,
    pub ledger: LedgerStatus,
    /// Counts by tier over the recent window.
    pub tier_counts: [u64; 4],
    pub window: &'static str,
    /// Latest signed checkpoint size (records at or below it are covered).
    pub checkpoint_size: u64,
    pub head_seq: u64,
}

impl Header {
    /// The tier-count window in milliseconds.
    pub fn window_ms(&self) -> i64 {
        match self.window {
            "15m" => 15 * 60_000,
            "24h" => 24 * 3_600_000,
            _ => 3_600_000,
        }
    }
}

/// How many lines the detail pane is scrolled down, and for which event: another
/// selected event starts at its top.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailScroll {
    pub seq: u64,
    pub lines: usize,
}

/// The whole console state.
#[derive(Debug, Clone)]
pub struct App {
    pub view: View,
    pub overlay: Option<Overlay>,
    pub detail: bool,
    /// How far the detail pane is scrolled; see `detail_offset`.
    pub detail_at: DetailScroll,
    pub stream: StreamState,
    pub trace: TraceState,
    pub agents: AgentsState,
    pub search: SearchState,
    /// Incidents, control state, playbooks, roles: everything responding needs.
    pub response: super::response::ResponseState,
    /// The Approvals view and the header's pending count.
    pub approvals: super::approvals::ApprovalsState,
    /// Detection, folded from the start read and the live tail.
    pub detect: crate::detect::Detector,
    pub now_view: NowState,
    pub filter: Filter,
    pub header: Header,
    pub keymap: Keymap,
    pub read_only: bool,
    pub mouse: bool,
    /// (width, height) of the terminal.
    pub size: (u16, u16),
    /// A one-line message in the footer (errors, confirmations).
    pub status: Option<super::msg::Status>,
    pub command_history: VecDeque<String>,
    /// Position while browsing history with Up/Down in the command line.
    pub history_pos: Option<usize>,
    /// Reason codes known to the pickers: the defaults plus configured ones.
    pub reason_codes: Vec<String>,
    /// Request counter shared by every async request this console makes.
    pub next_request: u64,
    /// The time of the last message, for clocks and timers in the views (which never
    /// read the wall clock themselves).
    pub now: Timestamp,
    pub quit: bool,
}

/// Rows requested per page; the visible slice is far smaller.
pub const PAGE_ROWS: u32 = 200;
/// Rows kept in the stream window before the oldest are dropped.
pub const WINDOW_ROWS: usize = 2000;

impl App {
    /// A console opened at `now`.
    pub fn new(
        store: String,
        operator: String,
        keymap: Keymap,
        reason_codes: Vec<String>,
        now: Timestamp,
    ) -> Self {
        App {
            view: View::Stream,
            overlay: None,
            detail: false,
            detail_at: DetailScroll::default(),
            stream: StreamState::default(),
            trace: TraceState::default(),
            agents: AgentsState::default(),
            search: SearchState::default(),
            response: super::response::ResponseState::default(),
            approvals: super::approvals::ApprovalsState::default(),
            detect: crate::detect::Detector::default(),
            now_view: NowState::default(),
            filter: Filter::default(),
            header: Header {
                store,
                operator,
                ledger: LedgerStatus::Verifying { done: 0, total: 0 },
                tier_counts: [0; 4],
                window: "1h",
                checkpoint_size: 0,
                head_seq: 0,
            },
            keymap,
            read_only: false,
            mouse: true,
            size: (80, 24),
            status: None,
            command_history: VecDeque::new(),
            history_pos: None,
            reason_codes,
            next_request: 1,
            now,
            quit: false,
        }
    }

    /// The row under the cursor in the current view.
    pub fn selected_row(&self) -> Option<&Row> {
        match self.view {
            View::Stream => match self.overlay {
                Some(Overlay::Search) => self.search.hits.get(self.search.selected).map(|h| &h.row),
                _ => self.stream.rows.get(self.stream.selected),
            },
            View::Trace => self.trace.rows.get(self.trace.selected),
            View::Now | View::Agents | View::Incident | View::Approvals => None,
        }
    }

    /// Lines the detail pane is scrolled down for the selected event.
    pub fn detail_offset(&self) -> usize {
        match self.selected_row() {
            Some(row) if row.seq == self.detail_at.seq => self.detail_at.lines,
            _ => 0,
        }
    }

    /// Whether the live view is following new events.
    pub fn is_live(&self) -> bool {
        !self.stream.frozen
    }

    /// Human description of the active filters, e.g. `tier T2,T3 · reason data_export`.
    pub fn filter_summary(&self) -> Vec<(String, String)> {
        let f = &self.filter;
        let mut out = Vec::new();
        if !f.tiers.is_empty() {
            out.push((
                "tier".into(),
                f.tiers
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        for (name, values) in [
            ("reason", &f.reasons),
            ("agent", &f.agents),
            ("kind", &f.kinds),
            ("env", &f.environments),
        ] {
            if !values.is_empty() {
                out.push((name.into(), values.join(",")));
            }
        }
        if let Some(c) = &f.correlation_id {
            out.push(("trace".into(), c.clone()));
        }
        if let Some(t) = f.since {
            out.push(("since".into(), t.to_rfc3339()));
        }
        if let Some(t) = f.until {
            out.push(("until".into(), t.to_rfc3339()));
        }
        out
    }
}
