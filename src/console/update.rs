//! The console's update: a pure function from state and message to new state and
//! effects. It never performs IO; the driver runs the effects and feeds the answers
//! back as messages. Tests drive it with key events and no terminal or database.

use super::app::{App, LedgerStatus, LineEdit, Overlay, Picker, PickerKind, View};
use super::approvals;
use super::input;
use super::keymap::Action;
use super::msg::{Effect, Msg, Status};
use super::navigate::{move_cursor, on_mouse, page_rows, scroll_detail, settle_scroll};
use super::response;
use super::window::{on_appended, on_page, reload, toggle_freeze};
use crate::event::{Tier, Timestamp};
use crate::query::Filter;
use crossterm::event::KeyEvent;

/// Effects to run when the console opens.
pub fn init(app: &mut App) -> Vec<Effect> {
    let mut effects = vec![
        reload(app),
        Effect::CountTiers,
        Effect::LoadSituation,
        super::now::init(app),
    ];
    effects.extend(approvals::load(app));
    effects
}

pub fn update(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    app.now = now;
    let mut effects = route(app, msg, now);
    effects.extend(approvals::follow(app));
    settle_scroll(app);
    if app.stream.selected == 0 {
        app.stream.unseen = 0;
    }
    effects
}

fn route(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key, now),
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            vec![]
        }
        Msg::Page {
            request,
            rows,
            replace,
            at_oldest,
        } => {
            on_page(app, request, rows, replace, at_oldest);
            vec![]
        }
        Msg::Appended { rows, head_seq } => {
            let mut effects = response::absorb(app, &rows);
            effects.extend(approvals::on_appended(app, &rows));
            effects.extend(super::now::on_appended(app, &rows));
            on_appended(app, rows, head_seq);
            effects
        }
        Msg::Approvals(Ok(pending)) => approvals::on_loaded(app, pending, now),
        Msg::Approvals(Err(e)) => approvals::on_failed(app, e),
        Msg::AgentRecord(record) => {
            approvals::on_record(app, *record);
            vec![]
        }
        Msg::Voted { what, result } => approvals::on_voted(app, what, result),
        Msg::SearchHits {
            request,
            hits,
            scanned,
            done,
        } => {
            if request == app.search.request {
                app.search.hits = hits;
                app.search.scanned = scanned;
                app.search.scanning = !done;
                app.search.selected = app
                    .search
                    .selected
                    .min(app.search.hits.len().saturating_sub(1));
            }
            vec![]
        }
        Msg::Trace {
            correlation_id,
            rows,
        } => {
            if correlation_id == app.trace.correlation_id {
                let keep = app.selected_row().map(|r| r.seq);
                app.trace.selected = keep
                    .and_then(|s| rows.iter().position(|r| r.seq == s))
                    .unwrap_or(0);
                app.trace.rows = rows;
                app.trace.loading = false;
            }
            vec![]
        }
        Msg::Agents(agents) => {
            app.agents.agents = agents;
            response::list_controlled_agents(app);
            app.agents.loading = false;
            app.agents.selected = app
                .agents
                .selected
                .min(app.agents.agents.len().saturating_sub(1));
            vec![]
        }
        Msg::Learned { rows, done } => super::now::on_learned(app, rows, done),
        Msg::TierCounts(c) => {
            app.header.tier_counts = c;
            vec![]
        }
        Msg::Ledger(status) => {
            app.header.ledger = status;
            vec![]
        }
        Msg::CheckpointSize(size) => {
            app.header.checkpoint_size = size;
            vec![]
        }
        Msg::Status(s) => {
            app.status = Some(s);
            vec![]
        }
        Msg::Tick => vec![],
        Msg::Situation(situation) => {
            response::on_loaded(app, *situation);
            vec![]
        }
        Msg::Incident { id, incident } => response::on_incident(app, id, incident.map(|i| *i)),
        Msg::Sealed { what, result } => response::on_sealed(app, what, result),
        Msg::Executed { what, result } => response::on_executed(app, what, result),
        Msg::RollbackCandidates {
            request,
            since,
            actions,
            step,
        } => {
            response::bulk::candidates(app, *request, since, actions, step);
            vec![]
        }
    }
}

fn on_key(app: &mut App, key: KeyEvent, now: Timestamp) -> Vec<Effect> {
    app.status = None;
    app.now_view.touched = true;
    match app.overlay.take() {
        Some(Overlay::Help { scroll }) => input::help_key(app, key, scroll),
        Some(Overlay::Picker(kind, picker)) => input::picker_key(app, key, kind, picker),
        Some(Overlay::Command(edit)) => input::command_key(app, key, edit, now),
        Some(Overlay::Search) => input::search_key(app, key),
        Some(Overlay::Form(form)) => response::form_key(app, key, form, now),
        Some(Overlay::Playbooks { options, cursor }) => {
            response::playbooks_key(app, key, options, cursor, now)
        }
        None => match app.keymap.action(&key) {
            Some(action) => super::now::act(app, action)
                .or_else(|| approvals::act(app, action))
                .or_else(|| response::act(app, action))
                .unwrap_or_else(|| act(app, action)),
            None => vec![],
        },
    }
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        Action::Help => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            vec![]
        }
        Action::Up => move_cursor(app, -1),
        Action::Down => move_cursor(app, 1),
        Action::PageUp => move_cursor(app, -(page_rows(app) as i64)),
        Action::PageDown => move_cursor(app, page_rows(app) as i64),
        Action::Top => {
            if app.view == View::Stream && app.stream.trimmed_newer {
                app.stream.frozen = false;
                return vec![reload(app)];
            }
            move_cursor(app, i64::MIN / 2)
        }
        Action::Bottom => move_cursor(app, i64::MAX / 2),
        Action::Open => open(app),
        Action::Back => {
            if app.detail {
                app.detail = false;
            } else if app.view != View::Stream {
                app.view = View::Stream;
            }
            vec![]
        }
        Action::Search => {
            app.overlay = Some(Overlay::Search);
            let input = &mut app.search.input;
            input.cursor = input.text.len();
            app.search.replace = !input.text.is_empty();
            vec![]
        }
        Action::Command => {
            app.overlay = Some(Overlay::Command(LineEdit::default()));
            app.history_pos = None;
            vec![]
        }
        Action::TierFilter => {
            let options = Tier::ALL
                .iter()
                .map(|t| {
                    (
                        format!("{t}  {}", t.describe()),
                        app.filter.tiers.contains(t),
                    )
                })
                .collect();
            app.overlay = Some(Overlay::Picker(
                PickerKind::Tier,
                Picker {
                    title: "tiers".into(),
                    options,
                    cursor: 0,
                },
            ));
            vec![]
        }
        Action::ReasonFilter => {
            let mut codes = app.reason_codes.clone();
            codes.extend(
                app.filter
                    .reasons
                    .iter()
                    .filter(|r| !app.reason_codes.contains(r))
                    .cloned(),
            );
            let options = codes
                .into_iter()
                .map(|c| {
                    let on = app.filter.reasons.contains(&c);
                    (c, on)
                })
                .collect();
            app.overlay = Some(Overlay::Picker(
                PickerKind::Reason,
                Picker {
                    title: "reason codes".into(),
                    options,
                    cursor: 0,
                },
            ));
            vec![]
        }
        Action::Freeze => {
            let frozen = !app.stream.frozen;
            toggle_freeze(app, frozen)
        }
        Action::ClearFilters => {
            if app.filter.is_empty() {
                app.status = Some(Status::info("no filters to clear"));
                return vec![];
            }
            app.filter = Filter::default();
            vec![reload(app), Effect::CountTiers]
        }
        Action::ToggleDetail => {
            app.detail = !app.detail;
            vec![]
        }
        Action::DetailDown => scroll_detail(app, 1),
        Action::DetailUp => scroll_detail(app, -1),
        Action::Copy => match app.selected_row() {
            Some(row) => {
                let mut value = serde_json::to_value(&row.event).unwrap_or_default();
                if let Some(map) = value.as_object_mut() {
                    map.insert("seq".into(), row.seq.into());
                    map.insert("hash".into(), row.hash.clone().into());
                }
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                vec![Effect::Copy {
                    text,
                    what: format!("event seq {}", row.seq),
                }]
            }
            None => vec![],
        },
        Action::ViewStream => {
            app.view = View::Stream;
            vec![]
        }
        // Handled by `now::act`.
        Action::ViewNow => vec![],
        Action::ViewTrace => {
            if app.trace.correlation_id.is_empty() {
                return open(app);
            }
            app.view = View::Trace;
            vec![]
        }
        Action::ViewAgents => show_agents(app),
        Action::NextView => match app.view {
            View::Now => {
                app.view = View::Stream;
                vec![]
            }
            View::Stream if !app.trace.correlation_id.is_empty() => {
                app.view = View::Trace;
                vec![]
            }
            View::Stream | View::Trace => show_agents(app),
            View::Agents => {
                app.view = View::Incident;
                vec![Effect::LoadSituation]
            }
            View::Incident => approvals::show(app),
            View::Approvals => super::now::show(app),
        },
        // Handled by `response::act`.
        Action::ViewIncident
        | Action::OpenIncident
        | Action::Pause
        | Action::Resume
        | Action::RevokeToken
        | Action::Rollback
        | Action::StepDo
        | Action::StepSkip
        | Action::StepFail
        | Action::PickPlaybook
        | Action::CloseIncident => vec![],
        // Handled by `approvals::act` (Mark only in its view).
        Action::ViewApprovals
        | Action::Approve
        | Action::Deny
        | Action::BulkDeny
        | Action::Mark => vec![],
    }
}

pub(super) fn show_agents(app: &mut App) -> Vec<Effect> {
    app.view = View::Agents;
    app.agents.loading = true;
    vec![Effect::LoadAgents]
}

fn open(app: &mut App) -> Vec<Effect> {
    match app.view {
        View::Agents => {
            let Some(agent) = app.agents.agents.get(app.agents.selected) else {
                return vec![];
            };
            app.filter.agents = vec![agent.id.clone()];
            app.view = View::Stream;
            vec![reload(app)]
        }
        View::Trace => {
            app.detail = !app.detail;
            vec![]
        }
        View::Now | View::Incident | View::Approvals => vec![],
        View::Stream => match app
            .selected_row()
            .and_then(|r| r.event.correlation_id().map(str::to_string))
        {
            Some(id) => open_trace(app, id),
            None => {
                app.detail = !app.detail;
                if app.selected_row().is_some() {
                    app.status = Some(Status::info(
                        "no correlation id on this event: showing its detail",
                    ));
                }
                vec![]
            }
        },
    }
}

pub(super) fn open_trace(app: &mut App, correlation_id: String) -> Vec<Effect> {
    app.view = View::Trace;
    app.trace.correlation_id = correlation_id.clone();
    app.trace.rows.clear();
    app.trace.loading = true;
    vec![Effect::LoadTrace { correlation_id }]
}

/// Marks the ledger state after a verification pass (used by tests and the driver).
pub fn ledger_from_report(report: &crate::ledger::verify::Report) -> LedgerStatus {
    match report.verdicts.first() {
        None => LedgerStatus::Verified {
            head: report.head_seq,
            signed: report.signed_size,
        },
        Some(v) => LedgerStatus::Broken {
            seq: v.first_seq(),
            class: v.class().to_string(),
            verdicts: report.verdicts.len(),
        },
    }
}
