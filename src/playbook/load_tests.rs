//! Loading rejects every bad playbook at load, naming file, line and field.
#![allow(clippy::unwrap_used)]

use super::*;

/// A valid playbook; tests change one thing in it.
const GOOD: &str = r#"id = "demo"
title = "Demo"
description = "A playbook for tests."

[applies]
tiers = ["T2", "T3"]

[[steps]]
id = "triage"
title = "Triage"
kind = "manual"

[[steps]]
id = "pause"
title = "Pause the agent"
kind = "pause"
needs = ["triage"]
"#;

fn first_error(text: &str) -> PlaybookError {
    parse(text, "t.toml").unwrap_err().remove(0)
}

fn place(e: &PlaybookError) -> (&str, Option<usize>, &str) {
    (e.file.as_str(), e.line, e.field.as_str())
}

#[test]
fn the_good_playbook_loads() {
    assert_eq!(parse(GOOD, "t.toml").unwrap().steps.len(), 2);
}

#[test]
fn an_unknown_key_is_named_with_file_line_and_field() {
    let e = first_error(&GOOD.replace("needs =", "nedes ="));
    assert_eq!(place(&e), ("t.toml", Some(17), "steps[1].nedes"));
}

#[test]
fn an_unknown_top_level_key_is_named() {
    let e = first_error(&format!("owner = \"sre\"\n{GOOD}"));
    assert_eq!(place(&e), ("t.toml", Some(1), "owner"));
}

#[test]
fn an_unknown_step_kind_is_rejected_at_its_line() {
    let e = first_error(&GOOD.replace("kind = \"pause\"", "kind = \"pasue\""));
    assert_eq!(place(&e), ("t.toml", Some(16), "steps[1].kind"));
}

#[test]
fn an_unknown_step_kind_message_names_the_value() {
    let e = first_error(&GOOD.replace("kind = \"pause\"", "kind = \"pasue\""));
    assert!(e.message.starts_with("unknown value `pasue`"), "{e}");
}

#[test]
fn a_step_without_an_id_is_named_at_its_table() {
    let e = first_error(&GOOD.replace("id = \"pause\"\n", ""));
    assert_eq!(place(&e), ("t.toml", Some(13), "steps[1].id"));
}

#[test]
fn a_duplicate_step_id_is_named_at_the_second_one() {
    let e = first_error(&GOOD.replace("id = \"pause\"", "id = \"triage\""));
    assert_eq!(place(&e), ("t.toml", Some(14), "steps[1].id"));
}

#[test]
fn a_duplicate_step_id_points_back_to_the_first() {
    let e = first_error(&GOOD.replace("id = \"pause\"", "id = \"triage\""));
    assert_eq!(e.message, "duplicate step id `triage` (first at line 9)");
}

#[test]
fn needs_naming_a_missing_step_is_rejected() {
    let e = first_error(&GOOD.replace("needs = [\"triage\"]", "needs = [\"traige\"]"));
    assert_eq!(place(&e), ("t.toml", Some(17), "steps[1].needs[0]"));
}

#[test]
fn a_dependency_cycle_is_named_step_by_step() {
    let text = GOOD.replace(
        "kind = \"manual\"",
        "kind = \"manual\"\nneeds = [\"pause\"]",
    );
    let e = first_error(&text);
    assert_eq!(
        e.message,
        "dependency cycle: triage → pause → triage (each step needs the next)"
    );
}

#[test]
fn a_dependency_cycle_is_reported_where_it_closes() {
    let text = GOOD.replace(
        "kind = \"manual\"",
        "kind = \"manual\"\nneeds = [\"pause\"]",
    );
    let e = first_error(&text);
    assert_eq!(place(&e), ("t.toml", Some(18), "steps[1].needs[0]"));
}

#[test]
fn a_step_needing_itself_is_a_cycle() {
    let e = first_error(&GOOD.replace("needs = [\"triage\"]", "needs = [\"pause\"]"));
    assert!(
        e.message.starts_with("dependency cycle: pause → pause"),
        "{e}"
    );
}

#[test]
fn a_prerequisite_listed_after_its_step_is_rejected() {
    let text = GOOD.replace("needs = [\"triage\"]", "").replace(
        "kind = \"manual\"",
        "kind = \"manual\"\nneeds = [\"pause\"]",
    );
    let e = first_error(&text);
    assert!(e.message.contains("which comes after it"), "{e}");
}

#[test]
fn an_unknown_tier_is_named_with_its_position() {
    let e = first_error(&GOOD.replace("\"T3\"", "\"T4\""));
    assert_eq!(place(&e), ("t.toml", Some(6), "applies.tiers[1]"));
}

#[test]
fn a_playbook_with_no_steps_is_rejected() {
    let text = "id = \"demo\"\ntitle = \"Demo\"\ndescription = \"d\"\nsteps = []\n";
    let e = first_error(text);
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        ("steps", "a playbook needs at least one step")
    );
}

#[test]
fn a_playbook_missing_its_steps_is_rejected() {
    let text = GOOD.split("[[steps]]").next().unwrap();
    assert_eq!(first_error(text).field, "steps");
}

#[test]
fn a_step_id_with_spaces_is_rejected() {
    let e = first_error(&GOOD.replace("id = \"pause\"", "id = \"pause agent\""));
    assert_eq!(place(&e), ("t.toml", Some(14), "steps[1].id"));
}

#[test]
fn every_problem_after_parsing_is_reported_at_once() {
    let text = GOOD
        .replace("id = \"pause\"", "id = \"triage\"")
        .replace("needs = [\"triage\"]", "needs = [\"nope\"]");
    assert_eq!(parse(&text, "t.toml").unwrap_err().len(), 2);
}

#[test]
fn an_error_reads_file_line_field_message() {
    let e = first_error(&GOOD.replace("kind = \"pause\"", "kind = 3"));
    assert!(
        e.to_string().starts_with("t.toml:16: steps[1].kind: "),
        "{e}"
    );
}

#[test]
fn a_bad_file_in_the_directory_does_not_hide_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), GOOD).unwrap();
    std::fs::write(dir.path().join("b.toml"), "id = \"broken\"\n").unwrap();
    let set = load_dir(dir.path());
    let loaded: Vec<&str> = set.playbooks.iter().map(|p| p.id.as_str()).collect();
    let failed: Vec<bool> = set
        .errors
        .iter()
        .map(|e| e.file.ends_with("b.toml"))
        .collect();
    assert_eq!((loaded, failed), (vec!["demo"], vec![true]));
}

#[test]
fn two_files_with_the_same_playbook_id_are_an_error_on_the_second() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), GOOD).unwrap();
    std::fs::write(dir.path().join("b.toml"), GOOD).unwrap();
    let set = load_dir(dir.path());
    assert!(
        set.errors[0].message.contains("already used by"),
        "{:?}",
        set.errors
    );
}

#[test]
fn a_missing_user_directory_holds_no_playbooks_and_no_errors() {
    let set = load_dir(std::path::Path::new("/nonexistent/custody/playbooks"));
    assert_eq!(set, PlaybookSet::default());
}

#[test]
fn a_user_playbook_replaces_the_builtin_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let mine = GOOD.replace("id = \"demo\"", "id = \"rogue-agent\"");
    std::fs::write(dir.path().join("rogue.toml"), mine).unwrap();
    let set = load_all(Some(dir.path()));
    assert_eq!(set.get("rogue-agent").unwrap().steps.len(), 2);
}
