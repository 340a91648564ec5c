//! Whole-frame tests: hostile text never reaches a cell, the detail pane calls out
//! what is missing, and the console reads correctly without colour, at 80×24 and
//! 120×40.

#![allow(clippy::unwrap_used)]

use super::fixtures::{
    app, app_with_rows, find, has_style, hostile_action, render, row, screen_text, FULL_ACTION,
    HOSTILE, HUMAN_STEP, INCOMPLETE_ACTION,
};
use crate::console::app::{App, Overlay, View};
use crate::console::theme::Theme;
use ratatui::buffer::Buffer;

fn no_raw_control_characters(buf: &Buffer) -> bool {
    buf.content()
        .iter()
        .all(|c| !c.symbol().contains(['\u{1b}', '\u{7}', '\u{202e}']))
}

fn hostile_stream_app() -> App {
    let hostile = hostile_action();
    let mut app = app_with_rows(&[&hostile, FULL_ACTION]);
    app.detail = true;
    app
}

#[test]
fn hostile_text_in_the_stream_and_detail_reaches_no_cell() {
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let buf = render(&hostile_stream_app(), &Theme::default(), w, h);
        assert!(
            no_raw_control_characters(&buf),
            "{w}×{h}:\n{}",
            screen_text(&buf)
        );
    }
}

#[test]
fn hostile_text_in_the_trace_reaches_no_cell() {
    let mut app = app();
    app.view = View::Trace;
    app.detail = true;
    app.trace.correlation_id = format!("inc{}", HOSTILE.concat());
    app.trace.rows = vec![row(1, &hostile_action()), row(2, HUMAN_STEP)];
    let buf = render(&app, &Theme::default(), 120, 40);
    assert!(no_raw_control_characters(&buf), "{}", screen_text(&buf));
}

#[test]
fn hostile_text_in_search_hits_reaches_no_cell() {
    let mut app = hostile_stream_app();
    app.overlay = Some(Overlay::Search);
    app.search.hits = vec![crate::console::app::Hit {
        row: row(1, &hostile_action()),
        score: 1,
        text: format!("evil{}", HOSTILE.concat()),
        indices: vec![0, 1, 5, 9],
    }];
    let buf = render(&app, &Theme::default(), 120, 40);
    assert!(no_raw_control_characters(&buf), "{}", screen_text(&buf));
}

#[test]
fn hostile_text_is_shown_escaped_not_dropped() {
    let buf = render(&hostile_stream_app(), &Theme::default(), 200, 60);
    assert!(screen_text(&buf).contains("\\u{1b}]0;pwned\\u{7}"));
}

#[test]
fn the_detail_calls_out_missing_fields() {
    let mut app = app_with_rows(&[INCOMPLETE_ACTION]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 200, 60));
    assert!(
        text.contains("⚠ incomplete: missing trigger, ai_output, outcome"),
        "{text}"
    );
}

#[test]
fn a_missing_audit_field_is_marked_in_incomplete_style() {
    let mut app = app_with_rows(&[INCOMPLETE_ACTION]);
    app.detail = true;
    let buf = render(&app, &Theme::default(), 120, 40);
    let (x, y) = find(&buf, "3 ai output").unwrap();
    let value = (x + 14, y);
    assert!(buf[value].symbol() == "⚠" && has_style(&buf, value, Theme::default().incomplete));
}

#[test]
fn the_detail_numbers_all_seven_audit_fields() {
    let mut app = app_with_rows(&[FULL_ACTION]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    let labels = [
        "1 trigger",
        "2 model",
        "3 ai output",
        "4 action",
        "5 approval",
        "6 time",
        "7 outcome",
    ];
    let absent: Vec<_> = labels.iter().filter(|l| !text.contains(**l)).collect();
    assert!(absent.is_empty(), "{absent:?}\n{text}");
}

#[test]
fn the_detail_shows_before_and_after() {
    let mut app = app_with_rows(&[FULL_ACTION]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert!(text.contains("{rows: 1200000} → —"), "{text}");
}

#[test]
fn approval_none_is_explicit_in_the_detail() {
    let mut app = app_with_rows(&[FULL_ACTION]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert!(
        text.contains("5 approval    none — nobody approved this"),
        "{text}"
    );
}

#[test]
fn the_detail_gives_the_full_hash() {
    let mut app = app_with_rows(&[FULL_ACTION]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 200, 60));
    assert!(text.contains(&format!("{:064x}", 1)), "{text}");
}

#[test]
fn a_record_beyond_the_last_checkpoint_is_not_yet_covered() {
    let mut app = app_with_rows(&[FULL_ACTION, FULL_ACTION]);
    app.detail = true;
    app.header.checkpoint_size = 1;
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert!(text.contains("◌ not yet covered"), "{text}");
}

#[test]
fn a_record_under_the_last_checkpoint_is_covered() {
    let mut app = app_with_rows(&[FULL_ACTION]);
    app.detail = true;
    app.header.checkpoint_size = 5;
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert!(text.contains("✓ covered by signed checkpoint 5"), "{text}");
}

#[test]
fn the_detail_wraps_long_text_below_the_table_at_80_columns() {
    let long = FULL_ACTION.replace("disk at 97%", &"very long reasoning ".repeat(10));
    let mut app = app_with_rows(&[&long]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 80, 40));
    let lines = text
        .lines()
        .filter(|l| l.contains("very long reasoning"))
        .count();
    assert!(lines >= 2, "{text}");
}

#[test]
fn a_monochrome_render_has_no_colour_and_still_shows_tiers() {
    let mut app = app_with_rows(&[FULL_ACTION, HUMAN_STEP, INCOMPLETE_ACTION]);
    app.detail = true;
    let buf = render(&app, &Theme::monochrome(), 80, 24);
    let text = screen_text(&buf);
    let colourless = buf
        .content()
        .iter()
        .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset);
    assert!(
        colourless && text.contains("▲ T3") && text.contains("● T2"),
        "{text}"
    );
}

#[test]
fn a_monochrome_selection_is_reversed() {
    let app = app_with_rows(&[FULL_ACTION]);
    let buf = render(&app, &Theme::monochrome(), 80, 24);
    let (_, y) = find(&buf, "remediator").unwrap();
    assert!(buf[(0, y)]
        .modifier
        .contains(ratatui::style::Modifier::REVERSED));
}

#[test]
fn every_builtin_theme_renders_the_stream_at_both_sizes() {
    for name in ["dark", "light", "colorblind"] {
        let theme = Theme::builtin(name).unwrap();
        let app = app_with_rows(&[FULL_ACTION, HUMAN_STEP]);
        for (w, h) in [(80, 24), (120, 40)] {
            let text = screen_text(&render(&app, &theme, w, h));
            assert!(text.contains("▲ T3"), "{name} {w}×{h}");
        }
    }
}

#[test]
fn the_detail_scrolls_to_its_last_line_and_back() {
    use crate::console::test_keys::key;
    use crossterm::event::KeyCode;
    let long = FULL_ACTION.replace("disk at 97%", &"long reasoning ".repeat(40));
    let mut app = app_with_rows(&[&long]);
    app.detail = true;
    app.size = (80, 24);
    let press = |app: &mut crate::console::app::App, c: char, times: usize| {
        for _ in 0..times {
            key(app, KeyCode::Char(c));
        }
    };
    let top = screen_text(&render(&app, &Theme::default(), 80, 24));
    assert!(
        top.contains("more lines (J)") && !top.contains("(K)"),
        "{top}"
    );
    // Far past the end: the last line (the checkpoint) is on screen, nothing below.
    press(&mut app, 'J', 30);
    let end = screen_text(&render(&app, &Theme::default(), 80, 24));
    assert!(
        end.contains("checkpoint") && end.contains("more lines (K)"),
        "{end}"
    );
    assert!(!end.contains("(J)"), "{end}");
    // One step up leaves the end at once (the overshoot was not kept).
    press(&mut app, 'K', 1);
    let up = screen_text(&render(&app, &Theme::default(), 80, 24));
    assert!(up.contains("(J)"), "{up}");
    press(&mut app, 'K', 30);
    assert_eq!(
        screen_text(&render(&app, &Theme::default(), 80, 24)),
        top,
        "back at the top"
    );
}

#[test]
fn a_version_that_already_starts_with_v_is_not_given_another() {
    let event = FULL_ACTION.replace(r#""version":"7""#, r#""version":"v14""#);
    let mut app = app_with_rows(&[&event]);
    app.detail = true;
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert!(text.contains("db-guard · v14 ·"), "{text}");
    assert!(!text.contains("vv14"), "{text}");
    // The plain one still gets its v.
    assert!(text.contains("v2.4.1"), "{text}");
}
