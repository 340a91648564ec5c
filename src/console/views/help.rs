//! The `?` help: a popup generated from the keymap (so rebound keys are what it shows),
//! followed by the `:` commands and the tier legend. Scrolls with `Overlay::Help`.
//!
//! ```text
//! ┌ help ───────────────────────────────────────────┐
//! │ Keys                                            │
//! │ q Ctrl-c          quit                          │
//! │ ↑ k               up one row                    │
//! │ …                                               │
//! │ Commands                                        │
//! │ :agent NAME       only this agent's events      │
//! │ …                                               │
//! │ Tiers                                           │
//! │ ▲ T3  destructive, irreversible, …              │
//! └ Esc close · ↑↓ scroll ──────────────────────────┘
//! ```

use super::super::app::App;
use super::super::keymap::Action;
use super::super::theme::{tier_glyph, Theme};
use super::cells::{centered, own};
use super::footer::key_label;
use crate::event::Tier;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// The `:` commands, as the help lists them.
pub const COMMANDS: [(&str, &str); 16] = [
    (":agent NAME", "only this agent's events (repeat for more)"),
    (":kind KIND", "only this kind, e.g. human.intervention"),
    (":env ENV", "only this environment"),
    (":reason CODE", "only this reason code"),
    (":tier T2..T3", "a tier or a range of tiers"),
    (
        ":since 2h",
        "from an age ago, a clock time or a date (30m, 2h, 7d, 14:30, RFC 3339)",
    ),
    (":until TIME", "up to a time or an age ago"),
    (":trace ID", "open the trace of a correlation id"),
    (
        ":approvals",
        "the Approvals view: pending requests, oldest first",
    ),
    (
        ":incident [ID]",
        "the Incident view (the newest open one, or ID)",
    ),
    (":incident open", "open an incident from the selected event"),
    (
        ":playbook NAME",
        "pick the incident's playbook (p lists them)",
    ),
    (
        ":rollback since 2h",
        "roll back the agent's reversible actions since then",
    ),
    (":clear", "clear every filter"),
    (":help", "this help"),
    (":q", "quit"),
];

const KEY_COLUMN: usize = 18;

/// How a second-person step gets its second person: a console acts as the one operator
/// its credential names, so the other completes it from their own login.
pub const SECOND_PERSON: &str = "one operator starts it (x); another, logged in as \
themselves, completes it in their own console or with `custody incident step ID STEP --done NOTE`";

/// Every line of the help, for drawing and for clamping the scroll.
pub fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(own("Keys", theme.title))];
    for (keys, what) in app.keymap.help() {
        out.push(Line::from(vec![
            own(&format!("{keys:<KEY_COLUMN$}"), theme.key),
            own(what, theme.base),
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(own("In a view or a dialog", theme.title)));
    let enter = key_label(&app.keymap, Action::Open).unwrap_or_else(|| "Enter".into());
    let step = key_label(&app.keymap, Action::StepDo).unwrap_or_else(|| "x".into());
    for (keys, what) in [
        (
            format!("{enter} (Agents)"),
            "that agent's events in the Stream view".to_string(),
        ),
        (
            format!("{enter} {step} (Incident)"),
            "run, start or check off the selected step".to_string(),
        ),
        ("second person".to_string(), SECOND_PERSON.to_string()),
        (
            "Ctrl-s Alt-Enter".to_string(),
            "submit a dialog once its required fields are filled".to_string(),
        ),
    ] {
        out.push(Line::from(vec![
            own(&format!("{keys:<KEY_COLUMN$}"), theme.key),
            own(&what, theme.base),
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(own("Commands", theme.title)));
    for (cmd, what) in COMMANDS {
        out.push(Line::from(vec![
            own(&format!("{cmd:<KEY_COLUMN$}"), theme.key),
            own(what, theme.base),
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(own("Tiers (blast radius)", theme.title)));
    for tier in [Tier::T3, Tier::T2, Tier::T1, Tier::T0] {
        out.push(Line::from(vec![
            own(
                &format!("{} {}  ", tier_glyph(tier), tier.as_str()),
                theme.tier(tier),
            ),
            own(tier.describe(), theme.base),
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(own(
        "7/7: ✓ complete · ⚠n n audit fields missing   reason?: unregistered code",
        theme.muted,
    )));
    out
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, scroll: u16, theme: &Theme) {
    let popup = centered(area, 76, area.height.saturating_sub(4));
    let content = lines(app, theme);
    let inner_height = popup.height.saturating_sub(2);
    let max_scroll = (content.len() as u16).saturating_sub(inner_height);
    let close = key_label(&app.keymap, Action::Back).unwrap_or_else(|| "Esc".into());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(own(" help ", theme.title))
        .title_bottom(own(&format!(" {close} close · ↑↓ scroll "), theme.muted));
    let p = Paragraph::new(content)
        .block(block)
        .style(theme.base)
        .scroll((scroll.min(max_scroll), 0));
    frame.render_widget(Clear, popup);
    frame.render_widget(p, popup);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app, render, screen_text};
    use super::*;
    use crate::console::app::Overlay;
    use crate::console::keymap::Keymap;
    use std::collections::BTreeMap;

    fn help_screen(app: &App) -> String {
        screen_text(&render(app, &Theme::default(), 120, 40))
    }

    #[test]
    fn help_lists_keys_from_the_keymap() {
        let mut app = app();
        app.overlay = Some(Overlay::Help { scroll: 0 });
        let first = app.keymap.help()[0].clone();
        let text = help_screen(&app);
        assert!(
            text.contains(&format!("{:<18}{}", first.0, first.1)),
            "{text}"
        );
    }

    #[test]
    fn a_rebound_key_is_what_help_shows() {
        let mut o = BTreeMap::new();
        o.insert("ctrl-y".to_string(), "copy".to_string());
        o.insert("y".to_string(), "none".to_string());
        let mut app = app();
        app.keymap = Keymap::with_overrides(&o).unwrap();
        app.overlay = Some(Overlay::Help { scroll: 0 });
        let text = help_screen(&app);
        assert!(
            text.contains("Ctrl-y            copy the selected event as JSON"),
            "{text}"
        );
    }

    #[test]
    fn help_lists_incident_and_playbook_commands_and_enter_in_the_agents_view() {
        let mut app = app();
        app.overlay = Some(Overlay::Help { scroll: 0 });
        let text: Vec<String> = lines(&app, &Theme::default())
            .iter()
            .map(|l| l.to_string())
            .collect();
        let has = |prefix: &str| text.iter().any(|l| l.starts_with(prefix));
        assert!(
            has(":incident [ID]") && has(":playbook NAME") && has("Enter (Agents)"),
            "{text:#?}"
        );
    }

    #[test]
    fn scrolling_far_down_still_shows_the_last_lines() {
        let mut app = app();
        app.overlay = Some(Overlay::Help { scroll: 999 });
        let text = screen_text(&render(&app, &Theme::default(), 80, 24));
        assert!(text.contains("unregistered code"), "{text}");
    }
}
