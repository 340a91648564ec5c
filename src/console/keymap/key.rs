//! `Key`: a key with its modifiers, parsed from the names the config file uses
//! (`ctrl-c`, `pgdn`, `F`) and labelled for the help and footer (`Ctrl-c`, `PgDn`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key name the config file used that is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key `{0}`")]
pub struct UnknownKey(pub String);

/// A key with its modifiers. Shift is not a modifier here: a shifted letter is its
/// capital (`G`), which is how terminals report it.
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
    pub fn parse(s: &str) -> Result<Key, UnknownKey> {
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
                    _ => return Err(UnknownKey(s.to_string())),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_modifiers_and_capitals_parse_to_the_keys_terminals_report() {
        let parsed: Vec<Key> = ["pgdn", "C-X", "alt-enter", "G", "f5"]
            .into_iter()
            .map(|s| Key::parse(s).unwrap())
            .collect();
        let key = |code, ctrl, alt| Key { code, ctrl, alt };
        assert_eq!(
            parsed,
            vec![
                key(KeyCode::PageDown, false, false),
                key(KeyCode::Char('x'), true, false),
                key(KeyCode::Enter, false, true),
                key(KeyCode::Char('G'), false, false),
                key(KeyCode::F(5), false, false),
            ]
        );
    }

    #[test]
    fn a_word_that_is_not_a_key_is_refused_by_name() {
        assert_eq!(
            Key::parse("ctrl-banana").unwrap_err().to_string(),
            "unknown key `ctrl-banana`"
        );
    }

    #[test]
    fn a_shifted_letter_is_matched_by_its_capital() {
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shift_g), Key::parse("G").unwrap());
    }
}
