//! The three payloads, checked on their key fields and on what hostile text becomes.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::event::{Tier, Timestamp};
use crate::webhook::Trigger;

fn notice() -> Notice {
    Notice {
        trigger: Trigger::ApprovalRequest,
        title: "Approval needed: db.drop_table on prod/orders".into(),
        summary: "Drop the orders_archive table to free space".into(),
        agent: Some("dba-agent".into()),
        tier: Some(Tier::T3),
        request_id: Some("0193a1b2-req".into()),
        event_id: "0193a1b2-evt".into(),
        decide: Some("custody approve 0193a1b2-req --justification '…'".into()),
        expires_at: Timestamp::from_millis(1_795_000_000_000),
    }
}

fn hostile() -> Notice {
    Notice {
        agent: Some("<!channel> evil&co\n*boss*".into()),
        summary: "click <https://evil.example|here> [approve](https://evil.example) \u{1b}[31m"
            .into(),
        ..notice()
    }
}

/// Every string anywhere in `v`, joined.
fn all_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(all_text).collect::<Vec<_>>().join("\n"),
        Value::Object(o) => o.values().map(all_text).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

#[test]
fn slack_has_a_text_fallback_and_blocks_carrying_the_request_and_the_command() {
    let p = payload(Format::Slack, &notice());
    assert!(p["text"].as_str().unwrap().contains("0193a1b2-req"));
    let blocks = p["blocks"].as_array().unwrap();
    let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert!(
        types.contains(&"section") && types.contains(&"context"),
        "{types:?}"
    );
    let text = all_text(&p);
    assert!(text.contains("custody approve 0193a1b2-req"), "{text}");
    assert!(text.contains(DECIDED_IN_CUSTODY));
    assert!(text.contains("T3"));
    assert!(!types.contains(&"actions"), "no button may decide in chat");
}

#[test]
fn slack_escapes_its_control_characters_so_an_agent_cannot_mention_or_link() {
    let text = all_text(&payload(Format::Slack, &hostile()));
    assert!(
        text.contains("&lt;!channel&gt; evil&amp;co *boss*"),
        "{text}"
    );
    assert!(!text.contains("<!channel>") && !text.contains("<https://"));
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn teams_is_a_message_with_one_adaptive_card_and_no_actions() {
    let p = payload(Format::Teams, &notice());
    assert_eq!(p["type"], "message");
    let att = &p["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &att["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert!(card.get("actions").is_none());
    let facts = all_text(&card["body"][2]["facts"]);
    assert!(
        facts.contains("0193a1b2-req") && facts.contains("dba-agent"),
        "{facts}"
    );
    let text = all_text(card);
    assert!(text.contains("custody approve 0193a1b2-req"), "{text}");
    assert!(text.contains(DECIDED_IN_CUSTODY));
}

#[test]
fn teams_escapes_markdown_so_a_summary_cannot_become_a_link() {
    let text = all_text(&payload(Format::Teams, &hostile()));
    assert!(
        text.contains(r"\[approve\]\(https://evil.example\)"),
        "{text}"
    );
    assert!(text.contains(r"\*boss\*"), "{text}");
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn plain_json_carries_the_notice_fields() {
    let p = payload(Format::Json, &notice());
    assert_eq!(p["trigger"], "approval_request");
    assert_eq!(p["request_id"], "0193a1b2-req");
    assert_eq!(p["event_id"], "0193a1b2-evt");
    assert_eq!(p["tier"], "T3");
    assert_eq!(
        p["decide"],
        "custody approve 0193a1b2-req --justification '…'"
    );
    assert_eq!(p["expires_at"], "2026-11-18T11:06:40.000Z");
    assert_eq!(p["decided_in"], DECIDED_IN_CUSTODY);
}

#[test]
fn plain_json_keeps_text_as_written_but_on_one_line_without_controls() {
    let p = payload(Format::Json, &hostile());
    assert_eq!(p["agent"], "<!channel> evil&co *boss*");
    assert!(p["summary"].as_str().unwrap().ends_with("\u{fffd}[31m"));
}

#[test]
fn a_huge_summary_is_cut_within_the_section_limit_without_splitting_an_escape() {
    let n = Notice {
        summary: "<".repeat(10_000),
        ..notice()
    };
    let p = payload(Format::Slack, &n);
    let summary = p["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(summary.chars().count() <= SUMMARY_MAX, "{}", summary.len());
    assert!(
        summary.ends_with("&lt;…"),
        "{}",
        &summary[summary.len() - 20..]
    );
}

#[test]
fn bounded_keeps_text_that_fits_exactly() {
    assert_eq!(bounded("abcde", 5, plain_char), "abcde");
    assert_eq!(bounded("abcdef", 5, plain_char), "abcd…");
    assert_eq!(bounded("abcd&", 5, slack_char), "abcd…");
}
