//! The detail pane's trust and registry marks: a custody kind custody did not seal is
//! called forged-looking, one it sealed says so, and an unregistered reason is flagged.
#![allow(clippy::unwrap_used)]

use super::super::fixtures::{app_with_rows, render, screen_text, INCOMPLETE_ACTION};
use crate::console::theme::Theme;

const RESUME: &str = r#"{"event_id":"c-9","time":"2026-11-23T11:00:00Z","kind":"control.resume",
"actor":{"type":"human","id":"mallory"},"agent":{"id":"data-sync"},"reason_code":"containment",
"outcome":{"status":"success"},"justification":"let it run"}"#;

fn detail_of(json: &str) -> String {
    let mut app = app_with_rows(&[json]);
    app.detail = true;
    screen_text(&render(&app, &Theme::default(), 200, 60))
}

#[test]
fn a_control_event_custody_did_not_seal_is_called_forged_looking() {
    let text = detail_of(RESUME);
    assert!(text.contains("⚠ forged-looking"), "{text}");
    assert!(!text.contains("sealed by custody"), "{text}");
}

#[test]
fn a_control_event_custody_sealed_says_so_and_is_not_called_forged() {
    let sealed = RESUME.replace(
        r#""justification""#,
        r#""sealed_by":"custody","justification""#,
    );
    let text = detail_of(&sealed);
    assert!(!text.contains("forged-looking"), "{text}");
    assert!(text.contains("sealed by custody"), "{text}");
}

#[test]
fn a_producer_event_is_never_called_forged_looking() {
    assert!(!detail_of(INCOMPLETE_ACTION).contains("forged-looking"));
}

#[test]
fn an_unregistered_reason_code_is_flagged_in_words() {
    let text = detail_of(INCOMPLETE_ACTION);
    assert!(text.contains("vibes ⚠ unregistered"), "{text}");
}
