//! The footer: one line with the status message (when there is one) and the keys that
//! apply right now, taken from the keymap so rebinding a key changes what is shown.
//!
//! ```text
//!  copied event 812 as JSON │ ? help  / search  : cmd  t tier  r reason  f freeze  q quit
//! ```
//!
//! Overlays that take text input (search, pickers) show their own fixed hints, since
//! there the letters are typed, not bound.

use super::super::app::{App, Overlay, View};
use super::super::keymap::{Action, Keymap};
use super::super::msg::Level;
use super::super::theme::Theme;
use super::cells::{own, untrusted};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// The hint of a picker popup; also drawn inside the popup.
pub const PICKER_HINT: &str = "space toggle · enter apply · esc cancel · a all · n none";
const FORM_HINT: &str =
    "tab/↓ next field · → to the buttons · enter presses · ctrl-s submits · esc cancels";
const SEARCH_HINT: &str = "type to search · ↑↓ select · enter trace · esc close";

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans: Vec<Span<'static>> = vec![Span::raw(" ")];
    if let Some(status) = &app.status {
        let style = match status.level {
            Level::Info => theme.accent,
            Level::Warning => theme.warning,
            Level::Error => theme.danger,
        };
        spans.push(untrusted(&status.to_string(), style));
        spans.push(own(" │ ", theme.border));
    }
    match &app.overlay {
        Some(Overlay::Picker(..)) => spans.push(own(PICKER_HINT, theme.muted)),
        Some(Overlay::Search) => spans.push(own(SEARCH_HINT, theme.muted)),
        Some(Overlay::Form(_)) => spans.push(own(FORM_HINT, theme.muted)),
        Some(Overlay::Playbooks { .. }) => {
            spans.push(own("↑↓ choose · enter pick · esc cancel", theme.muted))
        }
        Some(Overlay::Help { .. }) => {
            push_keys(&mut spans, &app.keymap, &[(Action::Back, "close")], theme);
            spans.push(own("  ↑↓ scroll", theme.muted));
        }
        _ => {
            let room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
            let keys = fit_keys(&app.keymap, view_keys(app), room);
            push_keys(&mut spans, &app.keymap, &keys, theme);
        }
    }
    frame.render_widget(Line::from(spans), area);
}

/// Drops the least useful keys (listed last, before quit) until the rest fit in `room`
/// columns, so `q quit` and `? help` are never cut off.
fn fit_keys(
    keymap: &Keymap,
    mut keys: Vec<(Action, &'static str)>,
    room: usize,
) -> Vec<(Action, &'static str)> {
    let width = |keys: &[(Action, &str)]| -> usize {
        keys.iter()
            .filter_map(|(a, word)| {
                Some(key_label(keymap, *a)?.chars().count() + 1 + word.chars().count() + 2)
            })
            .sum()
    };
    while keys.len() > 2 && width(&keys) > room {
        let quit = keys.pop();
        keys.pop();
        keys.extend(quit);
    }
    keys
}

/// The actions worth a place in the footer for the current view, most useful first.
fn view_keys(app: &App) -> Vec<(Action, &'static str)> {
    let s = |a: Action| (a, a.short());
    let mut keys = vec![s(Action::Help)];
    match app.view {
        View::Stream => {
            keys.extend([s(Action::Search), s(Action::Command)]);
            keys.extend([s(Action::TierFilter), s(Action::ReasonFilter)]);
            if !app.filter.is_empty() {
                keys.push(s(Action::ClearFilters));
            }
            let freeze = if app.is_live() { "freeze" } else { "resume" };
            keys.push((Action::Freeze, freeze));
            let has_trace = app
                .selected_row()
                .is_some_and(|r| r.event.correlation_id().is_some());
            if has_trace {
                keys.push(s(Action::Open));
            }
            keys.extend([s(Action::ToggleDetail), s(Action::Copy)]);
            push_response_keys(&mut keys, app);
            keys.push(s(Action::ViewAgents));
        }
        View::Trace => {
            keys.extend([s(Action::ToggleDetail), s(Action::Copy)]);
            push_response_keys(&mut keys, app);
            keys.push(s(Action::Back));
        }
        View::Agents => {
            keys.push(s(Action::Command));
            if !app.read_only {
                keys.extend([s(Action::Pause), s(Action::Resume), s(Action::RevokeToken)]);
            }
            keys.push((Action::ViewStream, "stream"));
        }
        View::Incident => {
            if !app.read_only {
                keys.push((Action::StepDo, "do step"));
                keys.extend([
                    s(Action::StepSkip),
                    s(Action::StepFail),
                    s(Action::PickPlaybook),
                ]);
                keys.extend([s(Action::Pause), s(Action::CloseIncident)]);
            }
            keys.push(s(Action::Command));
            keys.push((Action::ViewStream, "stream"));
        }
        View::Now => {
            keys.push((Action::Open, "events"));
            if !app.read_only {
                keys.extend([s(Action::Pause), s(Action::RevokeToken)]);
                keys.push(s(Action::OpenIncident));
            }
            keys.push((Action::ViewStream, "stream"));
        }
        View::Approvals => {
            if !app.read_only {
                keys.extend([s(Action::Approve), s(Action::Deny)]);
                keys.extend([s(Action::Mark), s(Action::BulkDeny)]);
                keys.push(s(Action::Pause));
            }
            keys.push((Action::ViewStream, "stream"));
        }
    }
    keys.push(s(Action::Quit));
    keys
}

/// The containment keys that apply to the selected event: only when an agent did it, and
/// rollback only when it can be undone.
fn push_response_keys(keys: &mut Vec<(Action, &'static str)>, app: &App) {
    if app.read_only {
        return;
    }
    let Some(row) = app.selected_row() else {
        return;
    };
    keys.push((Action::OpenIncident, "incident"));
    if row.event.agent_id().is_some() {
        keys.push((Action::Pause, "pause"));
        keys.push((Action::RevokeToken, "revoke"));
        if crate::respond::undoable(&row.event).is_ok() {
            keys.push((Action::Rollback, "rollback"));
        }
    }
}

fn push_keys(
    spans: &mut Vec<Span<'static>>,
    keymap: &Keymap,
    actions: &[(Action, &str)],
    theme: &Theme,
) {
    let mut first = true;
    for (action, word) in actions {
        let Some(key) = key_label(keymap, *action) else {
            continue;
        };
        if !first {
            spans.push(Span::raw("  "));
        }
        first = false;
        spans.push(own(&key, theme.key));
        spans.push(own(&format!(" {word}"), theme.muted));
    }
}

/// The label of the key to advertise for `action`: `Esc` and `Enter` when bound (what
/// people reach for), else the first single printable key, else the first binding.
pub fn key_label(keymap: &Keymap, action: Action) -> Option<String> {
    let keys = keymap.keys_for(action);
    keys.iter()
        .find(|k| *k == "Esc" || *k == "Enter")
        .or_else(|| keys.iter().find(|k| k.chars().count() == 1 && k.is_ascii()))
        .or_else(|| keys.first())
        .cloned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app_with_rows, render, screen_text, FULL_ACTION};
    use super::*;
    use crate::console::msg::Status;
    use std::collections::BTreeMap;

    fn footer_text(app: &App) -> String {
        let text = screen_text(&render(app, &Theme::default(), 120, 24));
        text.lines().last().unwrap_or("").to_string()
    }

    #[test]
    fn the_stream_footer_lists_its_keys() {
        let app = app_with_rows(&[FULL_ACTION]);
        assert!(footer_text(&app).contains("? help  / search  : cmd  t tier  r reason"));
    }

    #[test]
    fn a_rebound_key_shows_in_the_footer() {
        let mut o = BTreeMap::new();
        o.insert("F".to_string(), "freeze".to_string());
        o.insert("f".to_string(), "none".to_string());
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.keymap = Keymap::with_overrides(&o).unwrap();
        assert!(footer_text(&app).contains("F freeze"));
    }

    #[test]
    fn the_status_message_comes_first() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.status = Some(Status::info("copied event 1 as JSON"));
        assert!(footer_text(&app).starts_with(" copied event 1 as JSON │ ? help"));
    }

    #[test]
    fn a_narrow_footer_drops_minor_keys_but_keeps_quit() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.status = Some(Status::info("opened INC-1000 (sealed at seq 3002)"));
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        let footer = text.lines().last().unwrap_or("").trim_end().to_string();
        assert!(
            footer.ends_with("q quit") && footer.contains("? help"),
            "{footer}"
        );
    }

    #[test]
    fn quit_is_advertised_as_q_not_ctrl_c() {
        assert_eq!(
            key_label(&Keymap::default(), Action::Quit).as_deref(),
            Some("q")
        );
    }
}
