//! Keys and what they do: the keymap binds keys to actions, can be rebound from the
//! config file (`[keys]` with `"ctrl-y" = "copy"`), and the `?` help is generated from
//! it. The actions are listed in `action`, the key names in `key`.

mod action;
mod key;

pub use action::Action;
pub use key::{Key, UnknownKey};

use crossterm::event::KeyEvent;
use std::collections::{BTreeMap, HashMap};

/// A `[keys]` entry in the config file that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// The message already names the key; no separate cause to print again.
    #[error("[keys] {0}")]
    Key(UnknownKey),
    #[error("[keys] `{key}` = `{action}`: unknown action (see `?` in the console for the list)")]
    UnknownAction { key: String, action: String },
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
            ("0", Action::ViewNow),
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
            ("5", Action::ViewApprovals),
            ("A", Action::Approve),
            ("D", Action::Deny),
            ("B", Action::BulkDeny),
            ("space", Action::Mark),
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
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        for (key, action) in overrides {
            let k = Key::parse(key).map_err(KeymapError::Key)?;
            if action == "none" {
                map.bindings.remove(&k);
                continue;
            }
            let a: Action = serde_json::from_value(serde_json::Value::String(action.clone()))
                .map_err(|_| KeymapError::UnknownAction {
                    key: key.clone(),
                    action: action.clone(),
                })?;
            map.bindings.insert(k, a);
        }
        Ok(map)
    }

    /// The action bound to a key press. A shifted letter arrives as its capital (Shift-G
    /// is `G`), which is how the defaults name it.
    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        self.bindings.get(&Key::from_event(e)).copied()
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
        Action::all()
            .map(|a| (self.keys_for(a).join(" "), a.describe()))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

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
        assert_eq!(
            Keymap::with_overrides(&o).unwrap_err().to_string(),
            "[keys] `x` = `explode`: unknown action (see `?` in the console for the list)"
        );
    }

    #[test]
    fn help_lists_every_bound_action_with_its_keys() {
        let help = Keymap::default().help();
        assert!(help
            .iter()
            .any(|(k, d)| k.contains('k') && k.contains('↑') && *d == "up one row"));
    }

    #[test]
    fn an_unknown_key_name_is_named_in_the_error() {
        let mut o = BTreeMap::new();
        o.insert("hyper-q".to_string(), "quit".to_string());
        assert_eq!(
            Keymap::with_overrides(&o).unwrap_err().to_string(),
            "[keys] unknown key `hyper-q`"
        );
    }

    #[test]
    fn shift_g_reaches_the_action_bound_to_capital_g() {
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Keymap::default().action(&shift_g), Some(Action::Bottom));
    }
}
