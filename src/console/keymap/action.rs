//! `Action`: everything a user can do from the keyboard, one variant each. The variant
//! is the single place its words live: the doc comment for readers of the code, the
//! `detailed_message` for the `?` help line, the `message` for the footer; the help's
//! order is the declaration order. Config files name actions in snake_case
//! (`"ctrl-y" = "copy"`).

use serde::Deserialize;
use strum::{EnumIter, EnumMessage, IntoEnumIterator};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, EnumIter, EnumMessage,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Quit custody.
    #[strum(message = "quit", detailed_message = "quit")]
    Quit,
    /// Show or hide this help.
    #[strum(message = "help", detailed_message = "show or hide this help")]
    Help,
    /// Move the cursor up one row.
    #[strum(message = "up", detailed_message = "up one row")]
    Up,
    /// Move the cursor down one row.
    #[strum(message = "down", detailed_message = "down one row")]
    Down,
    /// Move up a page.
    #[strum(message = "page up", detailed_message = "up a page")]
    PageUp,
    /// Move down a page.
    #[strum(message = "page down", detailed_message = "down a page")]
    PageDown,
    /// Jump to the newest event.
    #[strum(message = "newest", detailed_message = "newest event")]
    Top,
    /// Jump to the oldest loaded event (loads more).
    #[strum(
        message = "oldest",
        detailed_message = "oldest loaded event (loads more)"
    )]
    Bottom,
    /// Open the selected event's trace (its correlation id as a timeline).
    #[strum(
        message = "trace",
        detailed_message = "open the trace of the selected event"
    )]
    Open,
    /// Close the current layer or go back.
    #[strum(message = "back", detailed_message = "close / go back")]
    Back,
    /// Fuzzy search agent, action, target, reason and AI summary.
    #[strum(
        message = "search",
        detailed_message = "fuzzy search (agent, action, target, reason, summary)"
    )]
    Search,
    /// Open the command line (`:agent NAME`, `:since 2h`, `:tier T2..T3`, `:clear`…).
    #[strum(
        message = "cmd",
        detailed_message = "command line (:help lists commands)"
    )]
    Command,
    /// Pick the tiers to show.
    #[strum(message = "tier", detailed_message = "pick tiers")]
    TierFilter,
    /// Pick the reason codes to show.
    #[strum(message = "reason", detailed_message = "pick reason codes")]
    ReasonFilter,
    /// Freeze the live view (new events are counted, not inserted); again to resume.
    #[strum(message = "freeze", detailed_message = "freeze / resume the live view")]
    Freeze,
    /// Clear every filter.
    #[strum(message = "clear", detailed_message = "clear all filters")]
    ClearFilters,
    /// Show or hide the detail pane.
    #[strum(message = "detail", detailed_message = "show / hide the detail pane")]
    ToggleDetail,
    /// Scroll the detail pane down half its height.
    #[strum(
        message = "detail down",
        detailed_message = "scroll the detail pane down"
    )]
    DetailDown,
    /// Scroll the detail pane up half its height.
    #[strum(message = "detail up", detailed_message = "scroll the detail pane up")]
    DetailUp,
    /// Copy the selected event as JSON (OSC 52, and a file as fallback).
    #[strum(message = "copy", detailed_message = "copy the selected event as JSON")]
    Copy,
    /// Switch to the Now view: what detection flags, ranked.
    #[strum(
        message = "now",
        detailed_message = "Now view (what looks wrong: loops, spikes, violations…)"
    )]
    ViewNow,
    /// Switch to the Stream view.
    #[strum(message = "stream", detailed_message = "Stream view")]
    ViewStream,
    /// Switch to the Trace view.
    #[strum(message = "trace", detailed_message = "Trace view")]
    ViewTrace,
    /// Switch to the Agents view.
    #[strum(message = "agents", detailed_message = "Agents view")]
    ViewAgents,
    /// Cycle through the views.
    #[strum(message = "view", detailed_message = "next view")]
    NextView,
    /// Switch to the Incident view (the active incident's checklist).
    #[strum(
        message = "incident",
        detailed_message = "Incident view (checklist of the active incident)"
    )]
    ViewIncident,
    /// Open an incident from the selected event.
    #[strum(
        message = "open incident",
        detailed_message = "open an incident from the selected event"
    )]
    OpenIncident,
    /// Pause the selected agent (confirm dialog).
    #[strum(message = "pause", detailed_message = "pause the selected agent")]
    Pause,
    /// Resume the selected agent (confirm dialog).
    #[strum(message = "resume", detailed_message = "resume the selected agent")]
    Resume,
    /// Revoke the selected agent's token (confirm dialog).
    #[strum(
        message = "revoke",
        detailed_message = "revoke the selected agent's token"
    )]
    RevokeToken,
    /// Roll back the selected action (confirm dialog).
    #[strum(
        message = "rollback",
        detailed_message = "roll back the selected action"
    )]
    Rollback,
    /// Incident view: run the selected step, or check it off with a note.
    #[strum(
        message = "do step",
        detailed_message = "run the selected step, or check it off"
    )]
    StepDo,
    /// Incident view: skip the selected step, with a reason.
    #[strum(
        message = "skip",
        detailed_message = "skip the selected step (with a reason)"
    )]
    StepSkip,
    /// Incident view: mark the selected step failed, with a reason.
    #[strum(
        message = "fail",
        detailed_message = "mark the selected step failed (with a reason)"
    )]
    StepFail,
    /// Incident view: pick the playbook.
    #[strum(
        message = "playbook",
        detailed_message = "pick the incident's playbook"
    )]
    PickPlaybook,
    /// Incident view: close the incident, with a summary.
    #[strum(
        message = "close",
        detailed_message = "close the incident (with a summary)"
    )]
    CloseIncident,
    /// Switch to the Approvals view (pending approval requests, oldest first).
    #[strum(
        message = "approvals",
        detailed_message = "Approvals view (pending requests, oldest first)"
    )]
    ViewApprovals,
    /// Approvals view: approve the selected request, with a justification.
    #[strum(
        message = "approve",
        detailed_message = "approve the selected request (with a justification)"
    )]
    Approve,
    /// Approvals view: deny the selected request, with a justification.
    #[strum(
        message = "deny",
        detailed_message = "deny the selected request (with a justification)"
    )]
    Deny,
    /// Approvals view: deny the marked requests, or else every stale one.
    #[strum(
        message = "deny stale",
        detailed_message = "deny the marked requests, or every stale one (one vote each)"
    )]
    BulkDeny,
    /// Approvals view: mark or unmark the selected request for a bulk deny.
    #[strum(
        message = "mark",
        detailed_message = "mark / unmark the selected request for a bulk deny"
    )]
    Mark,
}

impl Action {
    /// Every action, in the order the help lists them.
    pub fn all() -> impl Iterator<Item = Action> {
        Action::iter()
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        self.get_detailed_message().unwrap_or_default()
    }

    /// A word or two for the footer.
    pub fn short(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_footer_word_and_a_help_line_of_its_own() {
        // A missing `detailed_message` would fall back to the footer word.
        let bare: Vec<Action> = Action::all()
            .filter(|a| a.short().is_empty() || a.describe().is_empty())
            .chain(Action::all().filter(|a| a.describe() == a.short() && *a != Action::Quit))
            .collect();
        assert_eq!(bare, vec![]);
    }

    #[test]
    fn actions_are_listed_in_declaration_order() {
        let all: Vec<Action> = Action::all().collect();
        let sorted = all.windows(2).all(|w| w[0] < w[1]);
        assert_eq!(
            (all.first(), all.last(), sorted),
            (Some(&Action::Quit), Some(&Action::Mark), true)
        );
    }
}
