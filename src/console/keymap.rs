//! Keys and what they do. `Action` is the list of everything a user can do from the
//! keyboard; the keymap binds keys to actions, can be rebound from the config file
//! (`[keys]` with `"ctrl-y" = "copy"`), and the `?` help is generated from it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Quit custody.
    Quit,
    /// Show or hide this help.
    Help,
    /// Move the cursor up one row.
    Up,
    /// Move the cursor down one row.
    Down,
    /// Move up a page.
    PageUp,
    /// Move down a page.
    PageDown,
    /// Jump to the newest event.
    Top,
    /// Jump to the oldest loaded event (loads more).
    Bottom,
    /// Open the selected event's trace (its correlation id as a timeline).
    Open,
    /// Close the current layer or go back.
    Back,
    /// Fuzzy search agent, action, target, reason and AI summary.
    Search,
    /// Open the command line (`:agent NAME`, `:since 2h`, `:tier T2..T3`, `:clear`…).
    Command,
    /// Pick the tiers to show.
    TierFilter,
    /// Pick the reason codes to show.
    ReasonFilter,
    /// Freeze the live view (new events are counted, not inserted); again to resume.
    Freeze,
    /// Clear every filter.
    ClearFilters,
    /// Show or hide the detail pane.
    ToggleDetail,
    /// Scroll the detail pane down half its height.
    DetailDown,
    /// Scroll the detail pane up half its height.
    DetailUp,
    /// Copy the selected event as JSON (OSC 52, and a file as fallback).
    Copy,
    /// Switch to the Stream view.
    ViewStream,
    /// Switch to the Trace view.
    ViewTrace,
    /// Switch to the Agents view.
    ViewAgents,
    /// Cycle through the views.
    NextView,
    /// Switch to the Incident view (the active incident's checklist).
    ViewIncident,
    /// Open an incident from the selected event.
    OpenIncident,
    /// Pause the selected agent (confirm dialog).
    Pause,
    /// Resume the selected agent (confirm dialog).
    Resume,
    /// Revoke the selected agent's token (confirm dialog).
    RevokeToken,
    /// Roll back the selected action (confirm dialog).
    Rollback,
    /// Incident view: run the selected step, or check it off with a note.
    StepDo,
    /// Incident view: skip the selected step, with a reason.
    StepSkip,
    /// Incident view: mark the selected step failed, with a reason.
    StepFail,
    /// Incident view: pick the playbook.
    PickPlaybook,
    /// Incident view: close the incident, with a summary.
    CloseIncident,
}

impl Action {
    pub const ALL: [Action; 35] = [
        Action::Quit,
        Action::Help,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Open,
        Action::Back,
        Action::Search,
        Action::Command,
        Action::TierFilter,
        Action::ReasonFilter,
        Action::Freeze,
        Action::ClearFilters,
        Action::ToggleDetail,
        Action::DetailDown,
        Action::DetailUp,
        Action::Copy,
        Action::ViewStream,
        Action::ViewTrace,
        Action::ViewAgents,
        Action::NextView,
        Action::ViewIncident,
        Action::OpenIncident,
        Action::Pause,
        Action::Resume,
        Action::RevokeToken,
        Action::Rollback,
        Action::StepDo,
        Action::StepSkip,
        Action::StepFail,
        Action::PickPlaybook,
        Action::CloseIncident,
    ];

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show or hide this help",
            Action::Up => "up one row",
            Action::Down => "down one row",
            Action::PageUp => "up a page",
            Action::PageDown => "down a page",
            Action::Top => "newest event",
            Action::Bottom => "oldest loaded event (loads more)",
            Action::Open => "open the trace of the selected event",
            Action::Back => "close / go back",
            Action::Search => "fuzzy search (agent, action, target, reason, summary)",
            Action::Command => "command line (:help lists commands)",
            Action::TierFilter => "pick tiers",
            Action::ReasonFilter => "pick reason codes",
            Action::Freeze => "freeze / resume the live view",
            Action::ClearFilters => "clear all filters",
            Action::ToggleDetail => "show / hide the detail pane",
            Action::DetailDown => "scroll the detail pane down",
            Action::DetailUp => "scroll the detail pane up",
            Action::Copy => "copy the selected event as JSON",
            Action::ViewStream => "Stream view",
            Action::ViewTrace => "Trace view",
            Action::ViewAgents => "Agents view",
            Action::NextView => "next view",
            Action::ViewIncident => "Incident view (checklist of the active incident)",
            Action::OpenIncident => "open an incident from the selected event",
            Action::Pause => "pause the selected agent",
            Action::Resume => "resume the selected agent",
            Action::RevokeToken => "revoke the selected agent's token",
            Action::Rollback => "roll back the selected action",
            Action::StepDo => "run the selected step, or check it off",
            Action::StepSkip => "skip the selected step (with a reason)",
            Action::StepFail => "mark the selected step failed (with a reason)",
            Action::PickPlaybook => "pick the incident's playbook",
            Action::CloseIncident => "close the incident (with a summary)",
        }
    }

    /// A word or two for the footer.
    pub fn short(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Open => "trace",
            Action::Back => "back",
            Action::Search => "search",
            Action::Command => "cmd",
            Action::TierFilter => "tier",
            Action::ReasonFilter => "reason",
            Action::Freeze => "freeze",
            Action::ClearFilters => "clear",
            Action::ToggleDetail => "detail",
            Action::Copy => "copy",
            Action::ViewAgents => "agents",
            Action::NextView => "view",
            Action::ViewIncident => "incident",
            Action::OpenIncident => "open incident",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::RevokeToken => "revoke",
            Action::Rollback => "rollback",
            Action::StepDo => "do step",
            Action::StepSkip => "skip",
            Action::StepFail => "fail",
            Action::PickPlaybook => "playbook",
            Action::CloseIncident => "close",
            _ => "",
        }
    }
}

/// A key with its modifiers (Shift is folded into the character for letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses `q`, `?`, `ctrl-c`, `alt-x`, `enter`, `esc`, `up`, `pgdn`, `f5`, `space`, `tab`…
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                    _ => return Err(format!("unknown key `{s}`")),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "S-Tab".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("Ctrl-{base}"),
            (_, true) => format!("Alt-{base}"),
            _ => base,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        let pairs: &[(&str, Action)] = &[
            ("q", Action::Quit),
            ("ctrl-c", Action::Quit),
            ("?", Action::Help),
            ("up", Action::Up),
            ("k", Action::Up),
            ("down", Action::Down),
            ("j", Action::Down),
            ("pgup", Action::PageUp),
            ("ctrl-b", Action::PageUp),
            ("pgdn", Action::PageDown),
            ("ctrl-f", Action::PageDown),
            ("home", Action::Top),
            ("g", Action::Top),
            ("end", Action::Bottom),
            ("G", Action::Bottom),
            ("enter", Action::Open),
            ("l", Action::Open),
            ("right", Action::Open),
            ("esc", Action::Back),
            ("h", Action::Back),
            ("left", Action::Back),
            ("/", Action::Search),
            (":", Action::Command),
            ("t", Action::TierFilter),
            ("r", Action::ReasonFilter),
            ("f", Action::Freeze),
            ("c", Action::ClearFilters),
            ("d", Action::ToggleDetail),
            ("J", Action::DetailDown),
            ("ctrl-d", Action::DetailDown),
            ("K", Action::DetailUp),
            ("ctrl-u", Action::DetailUp),
            ("y", Action::Copy),
            ("1", Action::ViewStream),
            ("2", Action::ViewTrace),
            ("3", Action::ViewAgents),
            ("a", Action::ViewAgents),
            ("tab", Action::NextView),
            ("4", Action::ViewIncident),
            ("i", Action::ViewIncident),
            ("O", Action::OpenIncident),
            ("P", Action::Pause),
            ("R", Action::Resume),
            ("T", Action::RevokeToken),
            ("U", Action::Rollback),
            ("x", Action::StepDo),
            ("s", Action::StepSkip),
            ("F", Action::StepFail),
            ("p", Action::PickPlaybook),
            ("C", Action::CloseIncident),
        ];
        let bindings = pairs
            .iter()
            .filter_map(|(k, a)| Key::parse(k).ok().map(|k| (k, *a)))
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `overrides` (key → action name) applied. A key bound to
    /// `"none"` is unbound.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (key, action) in overrides {
            let k = Key::parse(key).map_err(|e| format!("[keys] {e}"))?;
            if action == "none" {
                map.bindings.remove(&k);
                continue;
            }
            let a: Action = serde_json::from_value(serde_json::Value::String(action.clone())).map_err(|_| {
                format!("[keys] `{key}` = `{action}`: unknown action (see `?` in the console for the list)")
            })?;
            map.bindings.insert(k, a);
        }
        Ok(map)
    }

    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(e);
        self.bindings.get(&key).copied().or_else(|| {
            // Terminals report Shift-G as 'G' with SHIFT; match without the modifier.
            let plain = Key {
                ctrl: key.ctrl,
                alt: key.alt,
                code: key.code,
            };
            self.bindings.get(&plain).copied()
        })
    }

    /// Every key bound to `action`, labelled.
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        let mut keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| k.label())
            .collect();
        // Single characters (the vim-style keys) first, then named keys, stably.
        keys.sort_by_key(|k| (k.chars().count() > 1, k.clone()));
        keys
    }

    /// The help lines, generated from the bindings: (keys, description).
    pub fn help(&self) -> Vec<(String, &'static str)> {
        Action::ALL
            .iter()
            .map(|a| (self.keys_for(*a).join(" "), a.describe()))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn config_overrides_rebind_and_unbind() {
        let mut o = BTreeMap::new();
        o.insert("ctrl-y".to_string(), "copy".to_string());
        o.insert("y".to_string(), "none".to_string());
        let map = Keymap::with_overrides(&o).unwrap();
        let ctrl_y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL);
        let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(
            (map.action(&ctrl_y), map.action(&y)),
            (Some(Action::Copy), None)
        );
    }

    #[test]
    fn an_unknown_action_is_a_clear_error() {
        let mut o = BTreeMap::new();
        o.insert("x".to_string(), "explode".to_string());
        assert!(Keymap::with_overrides(&o)
            .unwrap_err()
            .contains("unknown action"));
    }

    #[test]
    fn help_lists_every_bound_action_with_its_keys() {
        let help = Keymap::default().help();
        assert!(help
            .iter()
            .any(|(k, d)| k.contains('k') && k.contains('↑') && *d == "up one row"));
    }
}
