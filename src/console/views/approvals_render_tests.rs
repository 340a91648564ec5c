//! What the Approvals view looks like: the queue with countdowns, the selected request's
//! exact parameters, the header's pending count and flash, the vote dialog — with
//! hostile event text escaped everywhere.
#![allow(clippy::unwrap_used)]

use super::fixtures::{app, find, has_style, render, screen_text, HOSTILE};
use crate::console::app::{App, View};
use crate::console::approvals::fixtures::{pending, proposal};
use crate::console::approvals::{on_loaded, open_vote, AgentRecord, Pending};
use crate::console::theme::Theme;
use crate::gate::Verdict;
use crate::respond::{Role, Roles};

fn approvals_app(list: Vec<Pending>) -> App {
    let mut app = app();
    app.view = View::Approvals;
    let now = app.now;
    on_loaded(&mut app, list, now);
    app
}

fn hostile() -> Pending {
    let all: String = HOSTILE.concat();
    let mut p = pending("r-evil", &format!("evil{all}"), app().now, 60_000, 240_000);
    p.request.summary = format!("db.drop on {all}");
    p.proposal = Some(proposal("r-evil", "evil", &format!("x{all}y")));
    p
}

fn assert_nothing_raw(text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!text.contains(bad), "raw {bad:?} on screen:\n{text}");
    }
}

#[test]
fn hostile_params_agent_and_summary_are_drawn_escaped() {
    let app = approvals_app(vec![hostile()]);
    let text = screen_text(&render(&app, &Theme::default(), 140, 40));
    assert_nothing_raw(&text);
    assert!(
        text.contains("\"note\": \"x\\u001b]0;pwned\\u0007") && text.contains("evil\\u{1b}"),
        "{text}"
    );
}

#[test]
fn the_vote_dialog_shows_hostile_params_escaped() {
    let mut app = approvals_app(vec![hostile()]);
    app.response.roles = Roles {
        default: Role::Approver,
        by_operator: Default::default(),
    };
    open_vote(&mut app, Verdict::Approve);
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert_nothing_raw(&text);
    assert!(
        text.contains("params") && text.contains("[ Cancel ]"),
        "{text}"
    );
}

#[test]
fn a_row_shows_countdown_tier_agent_votes_risk_reversibility_and_action() {
    let app = approvals_app(vec![pending("r-1", "exporter", app().now, 60_000, 252_000)]);
    let text = screen_text(&render(&app, &Theme::default(), 120, 30));
    let line = text.lines().find(|l| l.contains("exporter")).unwrap();
    assert!(
        line.contains("4m 12s")
            && line.contains("▲ T3")
            && line.contains("0/2")
            && line.contains("0.91")
            && line.contains("none")
            && line.contains("db.drop on orders"),
        "{line}"
    );
}

#[test]
fn under_a_minute_the_countdown_is_a_danger_and_past_it_reads_expired() {
    let now = app().now;
    let app = approvals_app(vec![
        pending("soon", "a", now, 90_000, 42_000),
        pending("gone", "b", now, 60_000, -1_000),
    ]);
    let buf = render(&app, &Theme::default(), 120, 30);
    let at = find(&buf, "42s").unwrap();
    assert!(has_style(&buf, at, Theme::default().danger));
    assert!(screen_text(&buf).contains("expired"));
}

#[test]
fn the_detail_names_who_it_is_for_the_policy_and_the_agents_record() {
    let mut app = approvals_app(vec![pending("r-1", "exporter", app().now, 60_000, 240_000)]);
    app.approvals.record_asked = Some("exporter".into());
    let mut record = AgentRecord {
        agent: "exporter".into(),
        ..AgentRecord::default()
    };
    record.outcomes.allowed = 3;
    record.outcomes.expired = 2;
    crate::console::approvals::on_record(&mut app, record);
    let text = screen_text(&render(&app, &Theme::default(), 120, 40));
    assert!(
        text.contains("for lee")
            && text.contains("t3-two-approvers (version v7)")
            && text.contains("3 allowed · 0 denied · 2 expired"),
        "{text}"
    );
}

#[test]
fn the_header_counts_pending_requests_and_a_new_t3_reads_without_colour() {
    let mut app = approvals_app(vec![pending("r-1", "a", app().now, 60_000, 240_000)]);
    let header = |app: &App| {
        let text = screen_text(&render(app, &Theme::monochrome(), 120, 24));
        text.lines().nth(1).unwrap().to_string()
    };
    assert!(header(&app).contains("⚖ 1 pending"), "{}", header(&app));
    let now = app.now;
    let two = vec![
        pending("r-1", "a", now, 60_000, 240_000),
        pending("r-2", "b", now, 0, 300_000),
    ];
    on_loaded(&mut app, two, now);
    assert!(
        header(&app).contains("⚖ 2 pending · NEW T3"),
        "{}",
        header(&app)
    );
}

#[test]
fn the_footer_lists_the_vote_keys() {
    let app = approvals_app(vec![pending("r-1", "a", app().now, 60_000, 240_000)]);
    let text = screen_text(&render(&app, &Theme::default(), 120, 24));
    let footer = text.lines().last().unwrap();
    assert!(
        footer.contains("A approve  D deny  Space mark  B deny stale"),
        "{footer}"
    );
}
