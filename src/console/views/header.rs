//! The header: two lines that say where you are and what you are looking at.
//!
//! ```text
//!  custody  sqlite:///var/lib/custody.db  ✓ verified to seq 9120  ● LIVE  op alice  READ-ONLY
//!  ▲ T3 12  ● T2 340  ○ T1 1.2k  · T0 4.1k  last 1h   [tier T2,T3] [reason data_export]  c clears   ⚖ 3 pending
//! ```
//!
//! It compacts instead of wrapping: the store gets whatever width the other items leave
//! (cut in the middle), and when the terminal is narrow and filters are active, the
//! filter chips come before the tier counts so the filters stay visible.

use super::super::app::{App, LedgerStatus};
use super::super::keymap::Action;
use super::super::theme::{tier_glyph, Theme};
use super::cells::{count, own, untrusted};
use super::footer::key_label;
use crate::event::Tier;
use crate::untrusted::escape_untrusted;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let first = Line::from(status_line(app, theme, width)).style(theme.header);
    let second = Line::from(filter_line(app, theme, width)).style(theme.header);
    frame.render_widget(first, Rect { height: 1, ..area });
    frame.render_widget(
        second,
        Rect {
            y: area.y + 1,
            height: 1,
            ..area
        },
    );
}

fn status_line(app: &App, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    let h = &app.header;
    let mut rest: Vec<Span<'static>> = vec![Span::raw("  "), ledger(&h.ledger, theme)];
    rest.push(Span::raw("  "));
    if app.is_live() {
        rest.push(own("● LIVE", theme.live));
        let unseen = app.stream.unseen;
        if unseen > 0 {
            rest.push(own(&format!(" +{unseen} new ↑"), theme.frozen));
        }
    } else {
        let held = app.stream.arrived_while_frozen;
        rest.push(own(&format!("❚❚ FROZEN +{held} new"), theme.frozen));
    }
    rest.push(Span::raw("  "));
    rest.push(own("op ", theme.muted));
    rest.push(untrusted(&h.operator, theme.header));
    if app.read_only {
        rest.push(Span::raw("  "));
        rest.push(own("READ-ONLY", theme.warning));
    }
    if app.response.situation.exercise_running() {
        rest.push(Span::raw("  "));
        rest.push(own("█ EXERCISE █", theme.danger));
    }
    let name = own(" custody  ", theme.title);
    let used: usize = rest.iter().map(Span::width).sum::<usize>() + name.width();
    let store = middle_cut(
        &escape_untrusted(&h.store),
        width.saturating_sub(used).max(12),
    );
    let mut out = vec![name, Span::styled(store, theme.header)];
    out.extend(rest);
    out
}

fn ledger(status: &LedgerStatus, theme: &Theme) -> Span<'static> {
    match status {
        LedgerStatus::Verified { head, .. } => own(&format!("✓ verified to seq {head}"), theme.ok),
        LedgerStatus::Verifying { done, total } if *total > 0 => {
            let pct = (done.saturating_mul(100) / total).min(100);
            own(&format!("⧗ verifying {pct}%"), theme.muted)
        }
        LedgerStatus::Verifying { .. } => own("⧗ verifying…", theme.muted),
        LedgerStatus::Broken {
            seq,
            class,
            verdicts,
        } => {
            let more = if *verdicts > 1 {
                format!(" +{} more", verdicts - 1)
            } else {
                String::new()
            };
            let class = escape_untrusted(class);
            own(
                &format!("✗ BROKEN at seq {seq} ({class}){more}"),
                theme.danger,
            )
        }
        LedgerStatus::Unknown(_) => own("? ledger not checked", theme.warning),
    }
}

fn filter_line(app: &App, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    let counts = tier_counts(app, theme);
    let chips = filter_chips(app, theme);
    let mut out = vec![Span::raw(" ")];
    if chips.is_empty() {
        out.extend(counts);
        out.push(own("   no filters", theme.muted));
    } else if width < 100 {
        out.extend(chips);
        out.push(Span::raw("   "));
        out.extend(counts);
    } else {
        out.extend(counts);
        out.push(Span::raw("   "));
        out.extend(chips);
    }
    out.extend(flag_chip(app, theme));
    out.extend(approval_chip(app, theme));
    out.extend(response_chips(app, theme));
    out
}

/// `⚑ 2 flagged · 0 Now`: what detection flags, so it is seen from every view; reversed
/// when one is a violation (an agent acting after its pause).
fn flag_chip(app: &App, theme: &Theme) -> Vec<Span<'static>> {
    if app.view == crate::console::app::View::Now {
        return Vec::new();
    }
    let flags = app.detect.flags(app.now);
    if flags.is_empty() {
        return Vec::new();
    }
    let n = flags.len();
    let violation = flags
        .iter()
        .any(|f| f.rule == crate::detect::Rule::Violation);
    let mut out = vec![Span::raw("   ")];
    if violation {
        let style = theme
            .danger
            .add_modifier(ratatui::style::Modifier::REVERSED);
        out.push(own(&format!(" ‼ {n} flagged · VIOLATION · 0 "), style));
    } else {
        out.push(own(&format!("⚑ {n} flagged · 0"), theme.danger));
    }
    out
}

/// `⚖ 3 pending`: approval requests waiting for a human. For a few seconds after a new
/// T3 request arrives it reads `⚖ 3 pending · NEW T3`, reversed, so it is seen without
/// colour too.
fn approval_chip(app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let n = app.approvals.pending.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = vec![Span::raw("   ")];
    if app.approvals.flashing(app.now) {
        let flash = theme
            .danger
            .add_modifier(ratatui::style::Modifier::REVERSED);
        out.push(own(&format!(" ⚖ {n} pending · NEW T3 "), flash));
    } else {
        out.push(own(&format!("⚖ {n} pending"), theme.warning));
    }
    out
}

/// The active incident and any control intent left without a result.
fn response_chips(app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let r = &app.response;
    let mut out = Vec::new();
    let unresolved = r.situation.unresolved.len();
    if unresolved > 0 {
        out.push(Span::raw("   "));
        out.push(own(
            &format!("⚠ {unresolved} intent without result"),
            theme.danger,
        ));
    }
    if let Some(inc) = r
        .incident()
        .filter(|i| i.state != crate::incident::IncidentState::Closed)
    {
        let open = super::cells::duration(inc.timers(app.now).open_for.num_milliseconds());
        out.push(Span::raw("   "));
        out.push(own("⚑ ", theme.danger));
        out.push(untrusted(&inc.id, theme.danger));
        out.push(own(
            &format!(" {} {} {open}", inc.severity, inc.state_word()),
            theme.danger,
        ));
    }
    out
}

fn tier_counts(app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for tier in [Tier::T3, Tier::T2, Tier::T1, Tier::T0] {
        let n = app.header.tier_counts[tier as usize];
        let text = format!("{} {} {}", tier_glyph(tier), tier.as_str(), count(n));
        out.push(Span::styled(text, theme.tier(tier)));
        out.push(Span::raw("  "));
    }
    out.push(own(&format!("last {}", app.header.window), theme.muted));
    out
}

fn filter_chips(app: &App, theme: &Theme) -> Vec<Span<'static>> {
    let summary = app.filter_summary();
    if summary.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, value) in summary {
        out.push(own("[", theme.accent));
        out.push(own(&name, theme.accent));
        out.push(own(" ", theme.accent));
        out.push(untrusted(&value, theme.accent));
        out.push(own("] ", theme.accent));
    }
    if let Some(key) = key_label(&app.keymap, Action::ClearFilters) {
        out.push(Span::raw(" "));
        out.push(own(&key, theme.key));
        out.push(own(" clears", theme.muted));
    }
    out
}

/// `text` cut to `max` characters by removing its middle (`sqlite:///…/custody.db`):
/// both the scheme and the file name of a store are worth keeping.
fn middle_cut(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(1);
    let head = keep / 2;
    let tail = keep - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::fixtures::{app_with_rows, render, screen_text, FULL_ACTION};
    use super::*;
    use crate::event::Tier;

    fn header_text(app: &App, width: u16) -> String {
        let text = screen_text(&render(app, &Theme::default(), width, 24));
        text.lines().take(2).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn the_header_names_the_store_and_says_live() {
        let app = app_with_rows(&[FULL_ACTION]);
        let text = header_text(&app, 120);
        assert!(
            text.contains("sqlite:///var/lib/custody/custody.db") && text.contains("● LIVE"),
            "{text}"
        );
    }

    #[test]
    fn a_frozen_view_counts_what_arrived() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.stream.frozen = true;
        app.stream.arrived_while_frozen = 7;
        assert!(header_text(&app, 80).contains("FROZEN +7 new"));
    }

    #[test]
    fn rows_arriving_above_a_cursor_away_from_the_top_are_counted() {
        use super::super::fixtures::{row, HUMAN_STEP, INCOMPLETE_ACTION};
        let mut app = app_with_rows(&[FULL_ACTION, HUMAN_STEP]);
        app.stream.selected = 1;
        let fresh = vec![row(3, INCOMPLETE_ACTION), row(4, INCOMPLETE_ACTION)];
        crate::console::window::on_appended(&mut app, fresh, 4);
        assert!(
            header_text(&app, 100).contains("+2 new"),
            "{}",
            header_text(&app, 100)
        );
    }

    #[test]
    fn a_broken_ledger_names_the_seq_and_class() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.header.ledger = LedgerStatus::Broken {
            seq: 42,
            class: "modified record".into(),
            verdicts: 1,
        };
        assert!(header_text(&app, 120).contains("✗ BROKEN at seq 42 (modified record)"));
    }

    #[test]
    fn verification_progress_is_a_percentage() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.header.ledger = LedgerStatus::Verifying {
            done: 42,
            total: 100,
        };
        assert!(header_text(&app, 120).contains("verifying 42%"));
    }

    #[test]
    fn tier_counts_carry_glyphs_and_labels() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.header.tier_counts = [4100, 1234, 340, 12];
        assert!(header_text(&app, 120).contains("▲ T3 12  ● T2 340  ○ T1 1.2k  · T0 4.1k"));
    }

    #[test]
    fn at_80_columns_active_filters_stay_visible_with_the_clear_hint() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.filter.tiers = vec![Tier::T2, Tier::T3];
        app.filter.reasons = vec!["data_export".into()];
        let text = header_text(&app, 80);
        assert!(
            text.contains("[tier T2,T3] [reason data_export]  c clears"),
            "{text}"
        );
    }

    #[test]
    fn read_only_is_announced() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.read_only = true;
        assert!(header_text(&app, 120).contains("READ-ONLY"));
    }

    #[test]
    fn a_long_store_is_cut_in_the_middle_at_80_columns() {
        let mut app = app_with_rows(&[FULL_ACTION]);
        app.header.store = format!("sqlite:///{}/custody.db", "very-long-dir/".repeat(8));
        let text = header_text(&app, 80);
        assert!(
            text.contains("sqlite://") && text.contains("…") && text.contains("op alice"),
            "{text}"
        );
    }

    #[test]
    fn middle_cut_keeps_both_ends() {
        assert_eq!(middle_cut("abcdefghij", 7), "abc…hij");
    }
}
