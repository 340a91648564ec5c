//! `/` search on the pure update: reopening it on an old query.
#![allow(clippy::unwrap_used)]

use super::app::{App, Overlay};
use super::keymap::Keymap;
use super::msg::Effect;
use super::test_keys::{key, now, type_text};
use crossterm::event::KeyCode;

fn console() -> App {
    App::new(
        "sqlite:test".into(),
        "ana".into(),
        Keymap::default(),
        vec![],
        now(),
    )
}

fn searched(app: &App) -> Vec<String> {
    vec![app.search.input.text.clone()]
}

fn last_query(effects: &[Effect]) -> Option<String> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Search { query, .. } => Some(query.clone()),
        _ => None,
    })
}

#[test]
fn typing_after_reopening_search_replaces_the_old_query() {
    let mut app = console();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "export");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    assert!(app.search.replace, "the old query is selected");
    let effects = type_text(&mut app, "restart");
    assert_eq!(searched(&app), ["restart"]);
    assert_eq!(last_query(&effects).as_deref(), Some("restart"));
}

#[test]
fn moving_the_cursor_after_reopening_keeps_the_old_query_to_edit() {
    let mut app = console();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "export");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Left);
    type_text(&mut app, "x");
    assert_eq!(searched(&app), ["exporxt"]);
    assert!(matches!(app.overlay, Some(Overlay::Search)));
}
