//! The stream table: newest first, one line per event, only the visible slice built.
//!
//! ```text
//! time     tier reason          agent        action                  outcome appr  ✓
//! 01:13:45 ▲ T3 incident_rem…   remediator   sql.drop_table pg-ma…   failure none  ✓
//! 01:10:00 ○ T1 vibes?          scaler       k8s.scale k8s-prod/…    —       rule  ⚠3
//! ```
//!
//! Columns shrink and drop with the table's width: `kind` is shown whole from 100
//! columns and by its last word (`proposal`, `request`, `decision`) from 72, so those
//! rows still differ at 80; the approval mode needs 78; reason and agent narrow first. Times come without a date only when
//! every visible row falls on the console's UTC day (`App::now`, state like any other,
//! so a render is a function of the state alone).

use super::super::app::{App, Row};
use super::super::keymap::Action;
use super::super::theme::Theme;
use super::cells::{columns, own, row_rect, tier_badge, untrusted, Clock, Col};
use super::footer::key_label;
use super::scroll::visible;
use crate::event::{is_registered_reason, ActorType, ApprovalMode, Event, OutcomeStatus};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// Column widths for a table `total` columns wide; 0 drops a column.
struct Widths {
    time: u16,
    tier: u16,
    reason: u16,
    agent: u16,
    kind: u16,
    action: u16,
    outcome: u16,
    approval: u16,
    mark: u16,
}

impl Widths {
    fn new(total: u16, time: u16) -> Widths {
        let step = |wide, mid, narrow, tiny| match total {
            110.. => wide,
            90..=109 => mid,
            72..=89 => narrow,
            _ => tiny,
        };
        let mut w = Widths {
            time,
            tier: 4,
            reason: step(21, 16, 11, 10),
            agent: step(16, 14, 11, 10),
            kind: step(18, 8, 8, 0),
            action: 0,
            outcome: 7,
            approval: if total >= 78 { 5 } else { 0 },
            mark: 3,
        };
        let fixed = [
            w.time, w.tier, w.reason, w.agent, w.kind, w.outcome, w.approval, w.mark,
        ];
        let used: u16 = fixed.iter().sum::<u16>() + fixed.iter().filter(|c| **c > 0).count() as u16;
        w.action = total.saturating_sub(used);
        w
    }
}

fn list_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1))
}

/// The stream row drawn at screen row `y` of `area`, if any (row 0 is the headings).
pub fn row_at(area: Rect, app: &App, y: u16) -> Option<usize> {
    if y <= area.y || y >= area.bottom() {
        return None;
    }
    let s = &app.stream;
    let range = visible(s.selected, s.offset, list_height(area), s.rows.len());
    let i = range.start + usize::from(y - area.y - 1);
    (i < range.end).then_some(i)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let s = &app.stream;
    let height = list_height(area);
    let range = visible(s.selected, s.offset, height, s.rows.len());
    let slice = &s.rows[range.clone()];
    let clock = Clock::for_rows(slice.iter().map(|r| &r.event.time), &app.now);
    let w = Widths::new(area.width, clock.width());

    frame.render_widget(headings(&w, theme), row_rect(area, 0));
    if s.loading && !s.rows.is_empty() {
        let busy = Line::from(own("⟳ loading… ", theme.muted)).right_aligned();
        frame.render_widget(busy, row_rect(area, 0));
    }
    if s.rows.is_empty() {
        draw_empty(frame, area, app, theme);
        return;
    }
    for (i, row) in slice.iter().enumerate() {
        let index = range.start + i;
        let mut line = row_line(row, &w, app, theme, clock);
        if index == s.selected {
            line = super::cells::selected(line, theme);
        }
        frame.render_widget(line, row_rect(area, 1 + i as u16));
    }
    if s.at_oldest && slice.len() < height {
        let end = Line::from(own("── oldest matching event ──", theme.muted)).centered();
        frame.render_widget(end, row_rect(area, 1 + slice.len() as u16));
    }
}

fn headings(w: &Widths, theme: &Theme) -> Line<'static> {
    let h = |width: u16, text: &str| Col::new(width, vec![own(text, theme.title)]);
    let time = if w.time > 8 { "time (UTC)" } else { "time" };
    columns(vec![
        h(w.time, time),
        h(w.tier, "tier"),
        h(w.reason, "reason"),
        h(w.agent, "agent"),
        h(w.kind, "kind"),
        h(w.action, "action"),
        h(w.outcome, "outcome"),
        h(w.approval, "appr"),
        h(w.mark, "7/7"),
    ])
}

fn row_line(row: &Row, w: &Widths, app: &App, theme: &Theme, clock: Clock) -> Line<'static> {
    let e = &row.event;
    let time = clock.show(&e.time);
    columns(vec![
        Col::new(w.time, vec![own(&time, theme.muted)]),
        Col::new(w.tier, vec![tier_badge(e.tier, theme)]),
        Col::new(w.reason, reason(e, w.reason, app, theme)),
        Col::new(w.agent, vec![who(e, theme)]),
        Col::new(
            w.kind,
            vec![untrusted(kind_text(&e.kind, w.kind), theme.base)],
        ),
        Col::new(w.action, action(e, theme)),
        Col::new(w.outcome, vec![outcome(e, theme)]),
        Col::new(w.approval, vec![approval(e, theme)]),
        Col::new(w.mark, vec![completeness(row, theme)]),
    ])
}

/// The kind whole when it fits, else its last word (`approval.request` → `request`).
fn kind_text(kind: &str, width: u16) -> &str {
    if kind.chars().count() <= usize::from(width) {
        return kind;
    }
    kind.rsplit('.').next().unwrap_or(kind)
}

/// The reason code; an unregistered one keeps a trailing `?` even when cut.
pub fn reason(e: &Event, width: u16, app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let Some(code) = &e.reason_code else {
        return vec![own("—", theme.muted)];
    };
    if is_registered_reason(code, &app.reason_codes) {
        return vec![untrusted(code, theme.base)];
    }
    let cut = super::cells::fit(
        vec![untrusted(code, theme.base)],
        usize::from(width.saturating_sub(1)),
    );
    let mut spans: Vec<Span<'static>> = cut
        .into_iter()
        .filter(|s| !s.content.trim().is_empty())
        .collect();
    spans.push(own("?", theme.warning));
    spans
}

/// The agent, or the actor when no agent is named (`@alice` for a human).
pub fn who(e: &Event, theme: &Theme) -> Span<'static> {
    match (&e.agent, &e.actor) {
        (Some(agent), _) => untrusted(&agent.id, theme.base),
        (None, Some(actor)) if actor.kind == ActorType::Human => {
            untrusted(&format!("@{}", actor.id), theme.accent)
        }
        (None, Some(actor)) => untrusted(&actor.id, theme.base),
        (None, None) => own("—", theme.muted),
    }
}

/// `type target/resource`, with an `EX` mark on exercise events.
pub fn action(e: &Event, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    if e.exercise {
        spans.push(own("EX ", theme.warning));
    }
    let Some(a) = &e.action else {
        spans.push(own("—", theme.muted));
        return spans;
    };
    spans.push(untrusted(&a.kind, theme.base));
    let place = match (&a.target_system, &a.resource) {
        (Some(t), Some(r)) => format!("{t}/{r}"),
        (Some(x), None) | (None, Some(x)) => x.clone(),
        (None, None) => String::new(),
    };
    if !place.is_empty() {
        spans.push(Span::raw(" "));
        spans.push(untrusted(&place, theme.muted));
    }
    spans
}

pub fn outcome(e: &Event, theme: &Theme) -> Span<'static> {
    match e.outcome_status() {
        Some(s @ (OutcomeStatus::Failure | OutcomeStatus::Error)) => own(s.as_str(), theme.danger),
        Some(OutcomeStatus::Success) => own("success", theme.ok),
        Some(OutcomeStatus::Pending) => own("pending", theme.warning),
        None => own("—", theme.muted),
    }
}

fn approval(e: &Event, theme: &Theme) -> Span<'static> {
    match e.approval.as_ref().map(|a| a.mode) {
        Some(ApprovalMode::None) => own("none", theme.warning),
        Some(ApprovalMode::Human) => own("human", theme.base),
        Some(ApprovalMode::Rule) => own("rule", theme.base),
        None => own("—", theme.muted),
    }
}

/// `✓` for a complete `ai.action`, `⚠n` with n missing audit fields, blank otherwise.
pub fn completeness(row: &Row, theme: &Theme) -> Span<'static> {
    if !row.missing.is_empty() {
        own(&format!("⚠{}", row.missing.len()), theme.incomplete)
    } else if row.event.kind == "ai.action" {
        own("✓", theme.ok)
    } else {
        Span::raw("")
    }
}

fn draw_empty(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let text = if app.stream.loading {
        "loading…".to_string()
    } else if !app.filter.is_empty() {
        let key = key_label(&app.keymap, Action::ClearFilters).unwrap_or_else(|| ":clear".into());
        format!("no events match: {key} clears filters")
    } else {
        "no events yet: new ones appear here as they are sealed".to_string()
    };
    let y = area.height / 2;
    frame.render_widget(
        Line::from(own(&text, theme.muted)).centered(),
        row_rect(area, y),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{
        app_with_rows, find, has_style, render, screen_text, FULL_ACTION, HUMAN_STEP,
        INCOMPLETE_ACTION,
    };
    use super::*;
    use crate::event::Tier;

    fn screen(app: &App, width: u16, height: u16) -> String {
        screen_text(&render(app, &Theme::default(), width, height))
    }

    #[test]
    fn a_t3_row_shows_its_glyph_and_label() {
        let app = app_with_rows(&[FULL_ACTION]);
        assert!(screen(&app, 80, 24).contains("▲ T3"));
    }

    #[test]
    fn tiers_read_without_colour() {
        let app = app_with_rows(&[FULL_ACTION, HUMAN_STEP, INCOMPLETE_ACTION]);
        let text = screen_text(&render(&app, &Theme::monochrome(), 80, 24));
        assert!(
            text.contains("▲ T3") && text.contains("● T2") && text.contains("○ T1"),
            "{text}"
        );
    }

    #[test]
    fn an_unregistered_reason_is_flagged_in_warning_style() {
        let app = app_with_rows(&[INCOMPLETE_ACTION]);
        let buf = render(&app, &Theme::default(), 120, 40);
        let (x, y) = find(&buf, "vibes?").unwrap();
        assert!(has_style(&buf, (x + 5, y), Theme::default().warning));
    }

    #[test]
    fn a_failure_is_drawn_in_danger_style() {
        let app = app_with_rows(&[FULL_ACTION]);
        let buf = render(&app, &Theme::default(), 80, 24);
        let at = find(&buf, "failure").unwrap();
        assert!(has_style(&buf, at, Theme::default().danger));
    }

    #[test]
    fn approval_mode_none_is_shown_not_blank() {
        let app = app_with_rows(&[FULL_ACTION]);
        let buf = render(&app, &Theme::default(), 80, 24);
        assert!(find(&buf, "none").is_some());
    }

    #[test]
    fn missing_fields_are_counted_in_the_mark() {
        let app = app_with_rows(&[INCOMPLETE_ACTION]);
        let buf = render(&app, &Theme::default(), 80, 24);
        let at = find(&buf, "⚠3").unwrap();
        assert!(has_style(&buf, at, Theme::default().incomplete));
    }

    #[test]
    fn at_80_columns_the_kind_column_stays_shortened() {
        let proposal = FULL_ACTION.replace("\"ai.action\"", "\"ai.proposal\"");
        let request = FULL_ACTION.replace("\"ai.action\"", "\"approval.request\"");
        let decision = FULL_ACTION.replace("\"ai.action\"", "\"approval.decision\"");
        let app = app_with_rows(&[&proposal, &request, &decision]);
        let text = screen(&app, 80, 24);
        for kind in ["proposal", "request", "decision"] {
            assert!(text.contains(kind), "{kind}: {text}");
        }
    }

    #[test]
    fn the_kind_column_is_whole_only_when_wide() {
        let app = app_with_rows(&[FULL_ACTION]);
        assert_eq!(
            (
                screen(&app, 80, 24).contains("ai.action"),
                screen(&app, 120, 40).contains("ai.action")
            ),
            (false, true)
        );
    }

    #[test]
    fn the_selected_row_is_in_selection_style() {
        let mut app = app_with_rows(&[FULL_ACTION, HUMAN_STEP]);
        app.stream.selected = 1;
        let buf = render(&app, &Theme::default(), 80, 24);
        let (_, y) = find(&buf, "@alice").unwrap();
        assert!(has_style(&buf, (0, y), Theme::default().selection));
    }

    #[test]
    fn the_selection_covers_the_whole_row_in_every_shipped_theme() {
        let mut app = app_with_rows(&[FULL_ACTION, HUMAN_STEP, INCOMPLETE_ACTION]);
        app.stream.selected = 1;
        for name in crate::console::theme::BUILTIN {
            let theme = Theme::builtin(name).unwrap();
            let buf = render(&app, &theme, 120, 40);
            let (_, y) = find(&buf, "@alice").unwrap();
            let holes: Vec<u16> = (0..120)
                .filter(|x| !has_style(&buf, (*x, y), theme.selection))
                .collect();
            assert!(
                holes.is_empty(),
                "{name}: columns {holes:?} not highlighted"
            );
        }
    }

    #[test]
    fn an_empty_filtered_stream_says_how_to_clear() {
        let mut app = app_with_rows(&[]);
        app.filter.tiers = vec![Tier::T3];
        assert!(screen(&app, 80, 24).contains("no events match: c clears filters"));
    }

    #[test]
    fn loading_is_visible() {
        let mut app = app_with_rows(&[]);
        app.stream.loading = true;
        assert!(screen(&app, 80, 24).contains("loading…"));
    }

    #[test]
    fn rows_from_another_day_show_their_date() {
        let older = FULL_ACTION.replace("2026-11-23T01:13:45", "2026-11-20T09:00:00");
        let app = app_with_rows(&[HUMAN_STEP, &older]);
        assert!(screen(&app, 80, 24).contains("11-20 09:00"));
    }

    #[test]
    fn todays_rows_show_the_date_too_when_the_visible_rows_are_not_all_from_today() {
        let older = FULL_ACTION.replace("2026-11-23T01:13:45", "2026-11-20T09:00:00");
        let app = app_with_rows(&[HUMAN_STEP, &older]);
        assert!(screen(&app, 80, 24).contains("11-23 01:17"));
    }

    #[test]
    fn rows_all_from_yesterday_show_the_date() {
        let mut app = app_with_rows(&[HUMAN_STEP, FULL_ACTION]);
        app.now = "2026-11-24T08:00:00Z".parse().unwrap();
        let text = screen(&app, 80, 24);
        assert!(
            text.contains("11-23 01:17") && text.contains("11-23 01:13"),
            "{text}"
        );
    }

    #[test]
    fn rows_all_from_today_show_only_the_time() {
        let app = app_with_rows(&[HUMAN_STEP, FULL_ACTION]);
        let text = screen(&app, 80, 24);
        assert!(
            text.contains("01:17:57") && !text.contains("11-23"),
            "{text}"
        );
    }
}
