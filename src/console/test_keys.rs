//! What the update tests share: a fixed clock and key presses through `update`.
#![allow(clippy::unwrap_used)]

use super::app::App;
use super::msg::{Effect, Msg};
use super::update::update;
use crate::event::Timestamp;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

/// One key press, unmodified; the effects it asks for.
pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(
        app,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        now(),
    )
}

/// `text` typed a character at a time; the effects it asks for.
pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(app, KeyCode::Char(c)))
        .collect()
}
