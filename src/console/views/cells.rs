//! The small pieces every view builds rows from: untrusted text made safe, fitting
//! spans into a column, tier badges, clock times, counts and durations.
//!
//! `untrusted` is the only way event text becomes a `Span`: it runs the text through
//! `escape_untrusted` first, so nothing an agent wrote reaches the terminal as a control
//! sequence. A row is a list of `Col`s laid out at fixed widths by `columns`.

use super::super::theme::{tier_glyph, Theme};
use crate::event::{Tier, Timestamp};
use crate::untrusted::escape_untrusted;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A span of event text (or anything of unknown origin), escaped.
pub fn untrusted(text: &str, style: Style) -> Span<'static> {
    Span::styled(escape_untrusted(text).into_owned(), style)
}

/// A span of our own text (labels, glyphs): never event content.
pub fn own(text: &str, style: Style) -> Span<'static> {
    Span::styled(text.to_string(), style)
}

/// Display width of one character (0 for combining marks, 2 for wide ones).
pub fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// The spans cut to `width` columns, ending in `…` when something was cut, and padded
/// with spaces to exactly `width`.
pub fn fit(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(Span::width).sum();
    let mut out = Vec::with_capacity(spans.len() + 1);
    if total <= width {
        out.extend(spans);
        if total < width {
            out.push(Span::raw(" ".repeat(width - total)));
        }
        return out;
    }
    let budget = width.saturating_sub(1);
    let mut used = 0;
    let mut last_style = Style::default();
    let mut full = false;
    for span in spans {
        last_style = span.style;
        let mut text = String::new();
        for c in span.content.chars() {
            let w = char_width(c);
            if used + w > budget {
                full = true;
                break;
            }
            used += w;
            text.push(c);
        }
        if !text.is_empty() {
            out.push(Span::styled(text, span.style));
        }
        if full {
            break;
        }
    }
    if width > 0 {
        out.push(Span::styled("…", last_style));
        used += 1;
    }
    if used < width {
        out.push(Span::raw(" ".repeat(width - used)));
    }
    out
}

/// Splits `spans` into lines at most `width` columns wide, breaking after the last space
/// that fits when there is one, else mid-word. Styles are kept.
pub fn wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut lines: Vec<Vec<(char, Style)>> = vec![Vec::new()];
    let mut used = 0;
    for span in &spans {
        for c in span.content.chars() {
            let w = char_width(c);
            if used + w > width {
                let Some(line) = lines.last_mut() else { break };
                let brk = line
                    .iter()
                    .rposition(|(ch, _)| *ch == ' ')
                    .map_or(line.len(), |i| i + 1);
                let carried: Vec<(char, Style)> = line.split_off(brk);
                used = carried.iter().map(|(ch, _)| char_width(*ch)).sum();
                lines.push(carried);
            }
            let wrapped = lines.len() > 1;
            if let Some(line) = lines.last_mut() {
                // A space that would start a wrapped line is dropped.
                if !(c == ' ' && line.is_empty() && wrapped) {
                    line.push((c, span.style));
                    used += w;
                }
            }
        }
    }
    lines.into_iter().map(runs).collect()
}

/// Groups consecutive characters of the same style back into spans.
fn runs(chars: Vec<(char, Style)>) -> Vec<Span<'static>> {
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for (c, s) in chars {
        if style.is_some_and(|st| st != s) {
            out.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if !text.is_empty() {
        out.push(Span::styled(text, style.unwrap_or_default()));
    }
    out
}

/// One cell of a row: the spans and the column width they are fitted into.
pub struct Col {
    pub spans: Vec<Span<'static>>,
    pub width: u16,
}

impl Col {
    pub fn new(width: u16, spans: Vec<Span<'static>>) -> Col {
        Col { spans, width }
    }
}

/// Lays `cols` out left to right with one space between them; zero-width columns are
/// left out (that is how narrow layouts drop a column).
pub fn columns(cols: Vec<Col>) -> Line<'static> {
    let mut spans = Vec::new();
    for col in cols.into_iter().filter(|c| c.width > 0) {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.extend(fit(col.spans, usize::from(col.width)));
    }
    Line::from(spans)
}

/// A selected row: the selection style over every span and the gaps between them, so
/// a span with its own background (the base style's `reset`, a badge) cannot punch a
/// hole in the highlight. Foregrounds the selection leaves unset are kept.
pub fn selected(line: Line<'static>, theme: &Theme) -> Line<'static> {
    let sel = theme.selection;
    let alignment = line.alignment;
    let spans: Vec<Span<'static>> = line
        .spans
        .into_iter()
        .map(|mut s| {
            s.style = s.style.patch(sel);
            s
        })
        .collect();
    let mut out = Line::from(spans).style(line.style.patch(sel));
    out.alignment = alignment;
    out
}

/// `▲ T3`: glyph and label, so a tier reads without colour; `  —` when absent.
pub fn tier_badge(tier: Option<Tier>, theme: &Theme) -> Span<'static> {
    match tier {
        Some(t) => Span::styled(format!("{} {}", tier_glyph(t), t.as_str()), theme.tier(t)),
        None => Span::styled("  —", theme.muted),
    }
}

/// `HH:MM:SS` when `t` falls on the same UTC day as `now`, else `MM-DD HH:MM`.
pub fn clock(t: &Timestamp, now: &Timestamp) -> String {
    if t.0.date_naive() == now.0.date_naive() {
        t.0.format("%H:%M:%S").to_string()
    } else {
        t.0.format("%m-%d %H:%M").to_string()
    }
}

/// How a list shows its times: with the date on every row as soon as one of the rows it
/// shows is not from today (the console's clock), so no bare time is taken for today's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub dated: bool,
}

impl Clock {
    pub fn for_rows<'a>(
        times: impl IntoIterator<Item = &'a Timestamp>,
        today: &Timestamp,
    ) -> Clock {
        let day = today.0.date_naive();
        Clock {
            dated: times.into_iter().any(|t| t.0.date_naive() != day),
        }
    }

    /// `HH:MM:SS`, or `MM-DD HH:MM` when dated.
    pub fn show(self, t: &Timestamp) -> String {
        if self.dated {
            t.0.format("%m-%d %H:%M").to_string()
        } else {
            t.0.format("%H:%M:%S").to_string()
        }
    }

    pub fn width(self) -> u16 {
        if self.dated {
            11
        } else {
            8
        }
    }
}

/// `987`, `1.2k`, `34k`, `1.2M`: counts that fit a narrow column.
pub fn count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{:.1}k", n as f64 / 1e3),
        10_000..=999_999 => format!("{}k", n / 1_000),
        1_000_000..=9_999_999 => format!("{:.1}M", n as f64 / 1e6),
        _ => format!("{}M", n / 1_000_000),
    }
}

/// `4m 12s`, `2h 5m`, `3d 4h`, `850ms`.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..=59 => format!("{s}s"),
        60..=3_599 => format!("{}m {}s", s / 60, s % 60),
        3_600..=86_399 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A `width`×`height` rectangle centred in `area` (clamped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The row `i` (0-based) of `area`, one line high.
pub fn row_rect(area: Rect, i: u16) -> Rect {
    Rect {
        x: area.x,
        y: area.y + i,
        width: area.width,
        height: 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn untrusted_text_is_escaped() {
        assert_eq!(
            untrusted("a\u{1b}[2Jb", Style::default()).content,
            "a\\u{1b}[2Jb"
        );
    }

    #[test]
    fn fit_pads_short_text_to_the_width() {
        assert_eq!(text(&fit(vec![Span::raw("ab")], 5)), "ab   ");
    }

    #[test]
    fn fit_cuts_long_text_with_an_ellipsis() {
        assert_eq!(
            text(&fit(vec![Span::raw("abc"), Span::raw("defg")], 5)),
            "abcd…"
        );
    }

    #[test]
    fn fit_counts_wide_characters_as_two_columns() {
        assert_eq!(text(&fit(vec![Span::raw("日本語")], 4)), "日… ");
    }

    #[test]
    fn clock_shows_the_date_only_for_other_days() {
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let earlier: Timestamp = "2026-11-23T01:02:03Z".parse().unwrap();
        let yesterday: Timestamp = "2026-11-22T23:59:00Z".parse().unwrap();
        assert_eq!(
            (clock(&earlier, &now), clock(&yesterday, &now)),
            ("01:02:03".into(), "11-22 23:59".into())
        );
    }

    #[test]
    fn counts_and_durations_are_compact() {
        assert_eq!(
            (count(1234), count(34_000), duration(252_000)),
            ("1.2k".into(), "34k".into(), "4m 12s".into())
        );
    }

    #[test]
    fn wrap_breaks_after_the_last_space_that_fits() {
        let lines = wrap(vec![Span::raw("alpha beta gamma")], 12);
        let texts: Vec<String> = lines.iter().map(|l| text(l)).collect();
        assert_eq!(texts, vec!["alpha beta ", "gamma"]);
    }

    #[test]
    fn wrap_cuts_a_word_longer_than_the_line() {
        let lines = wrap(vec![Span::raw("0123456789abc")], 5);
        let texts: Vec<String> = lines.iter().map(|l| text(l)).collect();
        assert_eq!(texts, vec!["01234", "56789", "abc"]);
    }
}
