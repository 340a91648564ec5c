//! The load rules, each refused with its file, line and field.
#![allow(clippy::unwrap_used)]

use super::*;

const SHIPPED: &str = include_str!("../../assets/scenarios/looping-remediation.toml");

/// A small good scenario; tests replace one piece of it.
const BASE: &str = r#"id = "t"
title = "T"
version = "1"
expected_duration = "+10:00"
[safety]
sandbox = true
wall_clock_cap = "+20:00"
[[agents]]
id = "bot"
interval = "+00:30"
stop_when = ["paused"]
[agents.action]
type = "k8s.restart"
[[injects]]
id = "start"
at = "+00:30"
synopsis = "s"
delivery = "ledger"
malicious = true
starts = ["bot"]
[[injects]]
id = "next"
after = "start"
delay = "+01:00"
synopsis = "n"
delivery = "facilitator"
[[expectations]]
id = "paused"
description = "d"
inject = "start"
deadline = "+05:00"
match = { kind = "control.pause", agent = "bot" }
"#;

fn errors(text: &str) -> Vec<ScenarioError> {
    parse(text, "bad.toml").unwrap_err()
}

/// The line of the first occurrence of `needle` in `text`.
fn line(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_base_and_the_shipped_scenario_load() {
    let s = parse(BASE, "base.toml").unwrap();
    assert_eq!(s.injects.len(), 2);
    let shipped = parse(SHIPPED, "looping-remediation.toml").unwrap();
    assert_eq!(shipped.id, "looping-remediation");
    assert!(shipped.expectations.iter().any(|e| e.negative));
}

#[test]
fn an_unknown_inject_reference_is_refused_at_its_line_and_field() {
    let text = BASE.replace(r#"after = "start""#, r#"after = "nowhere""#);
    let e = &errors(&text)[0];
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_str()),
        ("bad.toml", Some(line(&text, "nowhere")), "injects[1].after")
    );
    assert!(e.message.contains("unknown inject `nowhere`"), "{e}");
}

#[test]
fn a_cycle_in_after_is_refused_naming_the_path() {
    let text = BASE.replace(
        "at = \"+00:30\"\nsynopsis = \"s\"",
        "after = \"next\"\nsynopsis = \"s\"",
    );
    let errs = errors(&text);
    let e = errs.iter().find(|e| e.field == "injects[0].after").unwrap();
    assert_eq!(e.line, Some(line(&text, r#"after = "next""#)));
    assert!(
        e.message
            .contains("cycle in the firing order: start → next → start"),
        "{e}"
    );
}

#[test]
fn a_matcher_on_an_unknown_field_is_refused_naming_the_field() {
    let text = BASE.replace(r#"agent = "bot" }"#, r#"agent = "bot", colour = "red" }"#);
    let e = &errors(&text)[0];
    assert_eq!(e.field, "expectations[0].match.colour");
    assert_eq!(e.line, Some(line(&text, "colour")));
    assert!(
        e.message.contains("a matcher may name only kind, actor"),
        "{e}"
    );
}

#[test]
fn a_deadline_before_its_inject_is_refused() {
    let text = BASE.replace(r#"deadline = "+05:00""#, r#"deadline = "+00:10""#);
    let e = &errors(&text)[0];
    assert_eq!(
        (e.line, e.field.as_str()),
        (Some(line(&text, "+00:10")), "expectations[0].deadline")
    );
    assert!(
        e.message
            .contains("before its inject `start` can fire (+00:30)"),
        "{e}"
    );
}

#[test]
fn a_deadline_before_an_after_inject_counts_the_delay() {
    let text = BASE
        .replace(r#"inject = "start""#, r#"inject = "next""#)
        .replace(r#"deadline = "+05:00""#, r#"deadline = "+01:00""#);
    let e = &errors(&text)[0];
    assert!(e.message.contains("can fire (+01:30)"), "{e}");
}

#[test]
fn an_inject_with_two_triggers_is_refused() {
    let text = BASE.replace("after = \"start\"", "after = \"start\"\nat = \"+01:00\"");
    let e = &errors(&text)[0];
    assert_eq!(e.field, "injects[1]");
    assert!(e.message.contains("exactly one of"), "{e}");
}

#[test]
fn a_contingency_on_an_unknown_expectation_is_refused() {
    let text = BASE.replace("after = \"start\"", "contingency = \"ghost\"");
    let e = &errors(&text)[0];
    assert_eq!(e.field, "injects[1].contingency");
    assert!(e.message.contains("unknown expectation `ghost`"), "{e}");
}

#[test]
fn a_contingency_that_feeds_its_own_expectation_is_a_cycle() {
    let text = BASE
        .replace("after = \"start\"", "contingency = \"paused\"")
        .replace(r#"inject = "start""#, r#"inject = "next""#);
    let errs = errors(&text);
    assert!(
        errs.iter()
            .any(|e| e.field == "injects[1].contingency" && e.message.contains("cycle")),
        "{errs:?}"
    );
}

#[test]
fn a_scripted_agent_without_stop_when_is_refused() {
    let text = BASE.replace(r#"stop_when = ["paused"]"#, "stop_when = []");
    let e = &errors(&text)[0];
    assert_eq!(
        (e.field.as_str(), e.line),
        ("agents[0].stop_when", Some(line(&text, "stop_when")))
    );
}

#[test]
fn an_unknown_stop_when_and_condition_are_refused() {
    let text = BASE
        .replace(r#"stop_when = ["paused"]"#, r#"stop_when = ["tired"]"#)
        .replace(
            "delay = \"+01:00\"",
            "delay = \"+01:00\"\nwhen = \"agent-active:ghost\"",
        );
    let fields: Vec<String> = errors(&text).into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["agents[0].stop_when[0]", "injects[1].when"]);
}

#[test]
fn a_bad_time_is_refused_at_its_line() {
    let text = BASE.replace(r#"at = "+00:30""#, r#"at = "half past""#);
    let e = &errors(&text)[0];
    assert_eq!(
        (e.field.as_str(), e.line),
        ("injects[0].at", Some(line(&text, "half past")))
    );
}

#[test]
fn an_inject_emitting_a_custody_kind_is_refused() {
    let text = format!("{BASE}[[injects.events]]\nkind = \"control.resume\"\ntype = \"x\"\n")
        .replace(
            "[[expectations]]",
            "[[injects.events]]\nkind = \"control.resume\"\ntype = \"x\"\n[[expectations]]",
        );
    let errs = errors(&text);
    assert!(
        errs.iter().any(|e| e.field == "injects[1].events[0].kind"),
        "{errs:?}"
    );
}

#[test]
fn offsets_read_and_print_as_mm_ss() {
    assert_eq!(Offset::parse("+01:30"), Some(Offset(90)));
    assert_eq!(Offset::parse("1:00:05"), Some(Offset(3605)));
    assert_eq!(Offset::parse("01:75"), None);
    assert_eq!(Offset(90).to_string(), "+01:30");
}
