//! Scroll arithmetic for every list the console draws (stream, search hits, trace,
//! agents, pickers). Views cannot change state, so the first visible row is computed
//! from the cursor, the previous first row and the visible height on every frame; the
//! update logic calls the same function to store it back, so what is drawn and what a
//! mouse click hits always agree.
//!
//! In prose: start from the previous first row (`offset`). If the cursor is above it,
//! the cursor's row becomes the first row (scrolling up one line at a time as the cursor
//! climbs). If the cursor is at or below the last visible row, the list scrolls just far
//! enough that the cursor sits on the last visible row. Otherwise nothing moves, so the
//! cursor travels freely inside the window without the list jumping. Finally, the first
//! row is never so far down that the window shows empty space below the last row while
//! earlier rows exist (that happens when the list shrinks, e.g. after a filter), and an
//! empty list or a zero height always gives 0. Only rows `offset..offset + height` are
//! ever built, so a million-row window costs what a screenful does.

/// The first visible row for a list of `len` rows shown `height` rows at a time, with
/// the cursor on `selected`, given that the previous frame started at `offset`.
pub fn scroll_offset(selected: usize, offset: usize, height: usize, len: usize) -> usize {
    if len == 0 || height == 0 {
        return 0;
    }
    let selected = selected.min(len - 1);
    let mut first = offset;
    if selected < first {
        first = selected;
    } else if selected >= first + height {
        first = selected + 1 - height;
    }
    first.min(len.saturating_sub(height))
}

/// The visible index range for the same inputs.
pub fn visible(
    selected: usize,
    offset: usize,
    height: usize,
    len: usize,
) -> std::ops::Range<usize> {
    let first = scroll_offset(selected, offset, height, len);
    first..(first + height).min(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_freely_inside_the_window() {
        assert_eq!(scroll_offset(12, 10, 5, 100), 10);
    }

    #[test]
    fn moving_below_the_window_scrolls_just_enough() {
        assert_eq!(scroll_offset(15, 10, 5, 100), 11);
    }

    #[test]
    fn moving_above_the_window_puts_the_cursor_on_top() {
        assert_eq!(scroll_offset(3, 10, 5, 100), 3);
    }

    #[test]
    fn a_shrunken_list_does_not_leave_empty_space() {
        assert_eq!(scroll_offset(7, 50, 5, 8), 3);
    }

    #[test]
    fn only_the_visible_slice_is_built() {
        assert_eq!(visible(999_999, 0, 40, 1_000_000), 999_960..1_000_000);
    }
}
