//! Keys while an overlay has the keyboard: the help screen, the tier and reason
//! pickers, the `:` command line (with history) and `/` search. Part of the pure update:
//! no IO, only state changes and effects.

use super::app::{App, Hit, LineEdit, Overlay, Picker, PickerKind, View};
use super::command::{self, Command};
use super::keymap::Action;
use super::msg::{Effect, Status};
use super::response;
use super::update::{open_trace, show_agents};
use super::window::{next_request, reload, toggle_freeze};
use crate::event::Timestamp;
use crate::query::Filter;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(super) fn help_key(app: &mut App, key: KeyEvent, scroll: u16) -> Vec<Effect> {
    match app.keymap.action(&key) {
        Some(Action::Help | Action::Back | Action::Quit) => {}
        Some(Action::Down) => {
            app.overlay = Some(Overlay::Help {
                scroll: scroll.saturating_add(1),
            })
        }
        Some(Action::Up) => {
            app.overlay = Some(Overlay::Help {
                scroll: scroll.saturating_sub(1),
            })
        }
        _ => app.overlay = Some(Overlay::Help { scroll }),
    }
    vec![]
}

pub(super) fn picker_key(
    app: &mut App,
    key: KeyEvent,
    kind: PickerKind,
    mut p: Picker,
) -> Vec<Effect> {
    let len = p.options.len();
    match key.code {
        KeyCode::Esc => return vec![],
        KeyCode::Enter => return apply_picker(app, kind, &p),
        KeyCode::Up | KeyCode::Char('k') => p.cursor = p.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => p.cursor = (p.cursor + 1).min(len.saturating_sub(1)),
        KeyCode::Char(' ') | KeyCode::Char('x') => {
            if let Some(o) = p.options.get_mut(p.cursor) {
                o.1 = !o.1;
            }
        }
        KeyCode::Char('a') => p.options.iter_mut().for_each(|o| o.1 = true),
        KeyCode::Char('n') => p.options.iter_mut().for_each(|o| o.1 = false),
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return vec![],
        _ => {}
    }
    app.overlay = Some(Overlay::Picker(kind, p));
    vec![]
}

fn apply_picker(app: &mut App, kind: PickerKind, p: &Picker) -> Vec<Effect> {
    let chosen = p.chosen();
    match kind {
        PickerKind::Tier => {
            app.filter.tiers = chosen
                .iter()
                .filter_map(|l| l.split_whitespace().next()?.parse().ok())
                .collect();
        }
        PickerKind::Reason => app.filter.reasons = chosen,
    }
    vec![reload(app)]
}

/// Applies an edit key to a line; returns false if the key is not an edit.
pub(super) fn edit_line(edit: &mut LineEdit, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => {
            edit.text.clear();
            edit.cursor = 0;
        }
        KeyCode::Char('w') if ctrl => {
            let head = edit.text[..edit.cursor].trim_end();
            let cut = head.rfind(char::is_whitespace).map_or(0, |i| i + 1);
            edit.text.replace_range(cut..edit.cursor, "");
            edit.cursor = cut;
        }
        KeyCode::Char(c) if !ctrl => {
            edit.text.insert(edit.cursor, c);
            edit.cursor += c.len_utf8();
        }
        KeyCode::Backspace => {
            if let Some(c) = edit.text[..edit.cursor].chars().next_back() {
                edit.cursor -= c.len_utf8();
                edit.text.remove(edit.cursor);
            }
        }
        KeyCode::Delete if edit.cursor < edit.text.len() => {
            edit.text.remove(edit.cursor);
        }
        KeyCode::Left => {
            if let Some(c) = edit.text[..edit.cursor].chars().next_back() {
                edit.cursor -= c.len_utf8();
            }
        }
        KeyCode::Right => {
            if let Some(c) = edit.text[edit.cursor..].chars().next() {
                edit.cursor += c.len_utf8();
            }
        }
        KeyCode::Home => edit.cursor = 0,
        KeyCode::End => edit.cursor = edit.text.len(),
        _ => return false,
    }
    true
}

pub(super) fn command_key(
    app: &mut App,
    key: KeyEvent,
    mut edit: LineEdit,
    now: Timestamp,
) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => return vec![],
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return vec![],
        KeyCode::Enter => {
            let line = edit.text.trim().to_string();
            if !line.is_empty() && app.command_history.front() != Some(&line) {
                app.command_history.push_front(line.clone());
                app.command_history.truncate(100);
            }
            return match command::parse(&line, now) {
                Ok(cmd) => run_command(app, cmd, now),
                Err(e) => {
                    app.status = Some(Status::warning(e));
                    vec![]
                }
            };
        }
        KeyCode::Up | KeyCode::Down => {
            let len = app.command_history.len();
            let pos = match (key.code, app.history_pos) {
                (KeyCode::Up, None) if len > 0 => Some(0),
                (KeyCode::Up, Some(p)) => Some((p + 1).min(len.saturating_sub(1))),
                (KeyCode::Down, Some(0)) | (KeyCode::Down, None) => None,
                (KeyCode::Down, Some(p)) => Some(p - 1),
                _ => None,
            };
            app.history_pos = pos;
            edit.text = pos
                .and_then(|p| app.command_history.get(p).cloned())
                .unwrap_or_default();
            edit.cursor = edit.text.len();
        }
        _ => {
            edit_line(&mut edit, &key);
        }
    }
    app.overlay = Some(Overlay::Command(edit));
    vec![]
}

fn run_command(app: &mut App, cmd: Command, now: Timestamp) -> Vec<Effect> {
    let f = &mut app.filter;
    match cmd {
        Command::Quit => {
            app.quit = true;
            return vec![];
        }
        Command::Help => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            return vec![];
        }
        Command::Agents(v) => f.agents = v,
        Command::Kinds(v) => f.kinds = v,
        Command::Environments(v) => f.environments = v,
        Command::Reasons(v) => f.reasons = v,
        Command::Tiers(v) => f.tiers = v,
        Command::Since(t) => f.since = t,
        Command::Until(t) => f.until = t,
        Command::Trace(id) => return open_trace(app, id),
        Command::Clear(None) => *f = Filter::default(),
        Command::Clear(Some(what)) => match what.as_str() {
            "agent" | "agents" => f.agents.clear(),
            "kind" => f.kinds.clear(),
            "env" | "environment" => f.environments.clear(),
            "reason" => f.reasons.clear(),
            "tier" | "tiers" => f.tiers.clear(),
            "since" => f.since = None,
            "until" => f.until = None,
            other => {
                app.status = Some(Status::warning(format!(
                    "cannot clear `{other}`: try agent, kind, env, reason, tier, since, until"
                )));
                return vec![];
            }
        },
        Command::Stream => {
            app.view = View::Stream;
            return vec![];
        }
        Command::AgentsView => return show_agents(app),
        Command::Freeze(on) => return toggle_freeze(app, on),
        Command::IncidentView(id) => {
            if let Some(id) = &id {
                if app.response.situation.incident(id).is_none() {
                    // Closed long ago, or no such incident: read it by id.
                    return vec![Effect::LoadIncident { id: id.clone() }];
                }
            }
            app.response.focus = id;
            app.response.selected_step = 0;
            app.view = View::Incident;
            return vec![Effect::LoadSituation];
        }
        Command::IncidentOpen => return response::open_incident(app),
        Command::Playbook(name) => return response::choose_playbook(app, &name, now),
        Command::Contain(action) => return response::contain(app, action),
        Command::RollbackSince(t) => return response::bulk::since(app, t),
        Command::ApprovalsView => return super::approvals::show(app),
    }
    app.view = View::Stream;
    vec![reload(app)]
}

pub(super) fn search_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => return vec![],
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return vec![],
        KeyCode::Up => app.search.selected = app.search.selected.saturating_sub(1),
        KeyCode::Down => {
            app.search.selected =
                (app.search.selected + 1).min(app.search.hits.len().saturating_sub(1))
        }
        KeyCode::Enter => {
            let Some(hit) = app.search.hits.get(app.search.selected).cloned() else {
                app.overlay = Some(Overlay::Search);
                return vec![];
            };
            return reveal(app, hit);
        }
        _ => {
            let mut edit = std::mem::take(&mut app.search.input);
            let typed = matches!(
                key.code,
                KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Delete
            ) && !key.modifiers.contains(KeyModifiers::CONTROL);
            if std::mem::take(&mut app.search.replace) && typed {
                // The old query was selected: typing replaces it.
                edit = LineEdit::default();
                if matches!(key.code, KeyCode::Backspace | KeyCode::Delete) {
                    app.search.input = edit;
                    app.overlay = Some(Overlay::Search);
                    return vec![start_search(app)];
                }
            }
            let changed = edit_line(&mut edit, &key);
            app.search.input = edit;
            app.overlay = Some(Overlay::Search);
            if changed {
                return vec![start_search(app)];
            }
            return vec![];
        }
    }
    app.overlay = Some(Overlay::Search);
    vec![]
}

fn start_search(app: &mut App) -> Effect {
    let request = next_request(app);
    app.search.request = request;
    app.search.scanning = !app.search.input.text.trim().is_empty();
    app.search.scanned = 0;
    app.search.selected = 0;
    if !app.search.scanning {
        app.search.hits.clear();
    }
    Effect::Search {
        request,
        query: app.search.input.text.clone(),
        filter: app.filter.clone(),
    }
}

/// Enter on a search hit: its trace when it has a correlation id, else its detail.
fn reveal(app: &mut App, hit: Hit) -> Vec<Effect> {
    match hit.row.event.correlation_id().map(str::to_string) {
        Some(id) => {
            app.trace.selected = 0;
            let effects = open_trace(app, id);
            app.trace.rows = vec![hit.row];
            app.detail = true;
            effects
        }
        None => {
            app.view = View::Stream;
            app.detail = true;
            match app.stream.rows.iter().position(|r| r.seq == hit.row.seq) {
                Some(i) => app.stream.selected = i,
                None => {
                    app.stream.rows.insert(0, hit.row);
                    app.stream.selected = 0;
                    app.stream.frozen = true;
                }
            }
            vec![]
        }
    }
}
