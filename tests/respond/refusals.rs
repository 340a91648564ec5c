//! Every refusal exits 2 with one `custody: refused: …` line naming why, before anything
//! runs or is sealed: a viewer, a missing justification, no confirmation, a T3 target
//! without its typed agent id, an unsatisfied prerequisite, the second-person rule, a
//! store that cannot seal, a bad playbook, a reason code that ingest would reject.

use crate::fixture::{agent, id, pause_args, show, Desk, JUSTIFY};

/// Runs `args` as `operator`, insists it was refused with every phrase of `says`, and that
/// nothing was sealed, no script ran and no request was sent.
pub fn refused(desk: &Desk, operator: &str, args: &[&str], says: &[&str]) -> String {
    let (before, paused, requests) = (
        desk.ledger().len(),
        desk.paused_text(),
        desk.server.requests().len(),
    );
    let out = desk.run(operator, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(last.starts_with("custody: refused: "), "{}", show(&out));
    for s in says {
        assert!(
            err.contains(s),
            "expected {s:?} in the refusal\n{}",
            show(&out)
        );
    }
    assert_eq!(desk.ledger().len(), before, "a refusal seals nothing");
    assert_eq!(desk.paused_text(), paused, "a refusal runs nothing");
    assert_eq!(
        desk.server.requests().len(),
        requests,
        "a refusal sends nothing"
    );
    err
}

#[test]
fn a_viewer_is_refused_by_role_before_anything_else() {
    let desk = Desk::new(200);
    refused(
        &desk,
        "vic",
        &pause_args("deploy-bot", &[]),
        &["vic is a viewer", "only a responder or above"],
    );
}

#[test]
fn a_missing_or_blank_justification_is_refused() {
    let desk = Desk::new(200);
    let says = ["a justification is required"];
    refused(
        &desk,
        "raj",
        &["pause", "deploy-bot", "--reason", "containment", "--yes"],
        &says,
    );
    refused(
        &desk,
        "raj",
        &[
            "pause",
            "deploy-bot",
            "--reason",
            "containment",
            "--justification",
            "  ",
            "--yes",
        ],
        &says,
    );
}

#[test]
fn without_a_terminal_an_action_needs_yes() {
    let desk = Desk::new(200);
    refused(
        &desk,
        "raj",
        &[
            "pause",
            "deploy-bot",
            "--reason",
            "containment",
            "--justification",
            JUSTIFY,
        ],
        &["pass --yes"],
    );
}

#[test]
fn a_t3_target_without_the_typed_agent_id_is_refused() {
    let desk = Desk::new(200);
    let t3 = desk.seeded_action(|e| e["tier"] == "T3");
    let args = pause_args(agent(&t3), &["--event", id(&t3)]);
    refused(
        &desk,
        "raj",
        &args,
        &["T3", &format!("--confirm-agent {}", agent(&t3))],
    );
    let wrong = pause_args(
        agent(&t3),
        &["--event", id(&t3), "--confirm-agent", "someone-else"],
    );
    refused(&desk, "raj", &wrong, &["type the agent id"]);
}

#[test]
fn a_step_whose_prerequisites_are_pending_is_refused() {
    let desk = Desk::new(200);
    let t3 = desk.seeded_action(|e| e["tier"] == "T3");
    let inc = desk.open_incident(id(&t3), Some("rogue-agent"));
    let args = pause_args(
        agent(&t3),
        &[
            "--incident",
            &inc,
            "--step",
            "pause-agent",
            "--confirm-agent",
            agent(&t3),
        ],
    );
    refused(
        &desk,
        "raj",
        &args,
        &["step `pause-agent` cannot start yet", "`triage`"],
    );
}

#[test]
fn a_second_person_step_cannot_be_completed_by_the_operator_who_started_it() {
    let desk = Desk::new(200);
    let t3 = desk.seeded_action(|e| e["tier"] == "T3");
    let inc = desk.open_incident(id(&t3), Some("rogue-agent"));
    desk.ok(
        "raj",
        &[
            "incident",
            "step",
            &inc,
            "triage",
            "--done",
            "loop confirmed",
        ],
    );
    desk.ok(
        "raj",
        &pause_args(
            agent(&t3),
            &[
                "--incident",
                &inc,
                "--step",
                "pause-agent",
                "--confirm-agent",
                agent(&t3),
            ],
        ),
    );
    desk.ok(
        "raj",
        &["incident", "step", &inc, "verify-paused", "--start"],
    );
    refused(
        &desk,
        "raj",
        &[
            "incident",
            "step",
            &inc,
            "verify-paused",
            "--done",
            "it is quiet",
        ],
        &["needs a second person", "raj started it"],
    );
}

#[test]
fn a_read_only_store_file_refuses_and_nothing_runs() {
    use std::os::unix::fs::PermissionsExt;
    let desk = Desk::new(200);
    let file = std::path::Path::new(&desk.sb.store);
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o444)).unwrap();
    refused(
        &desk,
        "raj",
        &pause_args("deploy-bot", &[]),
        &["nothing ran", "could not be sealed", "read-only"],
    );
    let t2 = desk.seeded_action(|e| e["tier"] == "T2");
    refused(
        &desk,
        "raj",
        &[
            "incident",
            "open",
            "--event",
            id(&t2),
            "--justification",
            JUSTIFY,
        ],
        &["nothing was recorded", "read-only"],
    );
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(desk.sb.verify(&[]).0, 0);
}

#[test]
fn a_removed_store_file_refuses_and_is_not_recreated() {
    let desk = Desk::new(200);
    let before = desk.ledger().len();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", desk.sb.store));
    }
    let out = desk.run("raj", &pause_args("deploy-bot", &[]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        err.starts_with("custody: refused: nothing ran: the store file")
            && err.contains("does not exist"),
        "{err}"
    );
    assert!(
        !std::path::Path::new(&desk.sb.store).exists(),
        "no fresh, empty ledger was started"
    );
    assert_eq!(desk.paused_text(), "");
    assert!(before > 0);
}

#[test]
fn a_bad_user_playbook_is_rejected_at_load_naming_file_line_and_field() {
    let desk = Desk::new(200);
    let dir = desk.sb.path("config").join("custody").join("playbooks");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.toml");
    std::fs::write(
        &file,
        "id = \"broken\"\ntitle = \"Broken\"\ndescription = \"d\"\n\n[[steps]]\nid = \"first\"\ntitle = \"First\"\nkind = \"manual\"\nneeds = [\"nowhere\"]\n",
    )
    .unwrap();
    let at = format!("{}:9: steps[0].needs[0]", file.display());
    refused(
        &desk,
        "raj",
        &pause_args("deploy-bot", &[]),
        &[&at, "nowhere"],
    );
    let t2 = desk.seeded_action(|e| e["tier"] == "T2");
    refused(
        &desk,
        "raj",
        &[
            "incident",
            "open",
            "--event",
            id(&t2),
            "--justification",
            JUSTIFY,
        ],
        &[&at],
    );
}

/// `pause deploy-bot` with `reason` as its reason code, justified and confirmed.
fn pause_with_reason(reason: &str) -> Vec<&str> {
    vec![
        "pause",
        "deploy-bot",
        "--reason",
        reason,
        "--justification",
        JUSTIFY,
        "--yes",
    ]
}

#[test]
fn a_reason_code_with_an_escape_sequence_is_refused_naming_the_field() {
    let desk = Desk::new(200);
    let err = refused(
        &desk,
        "raj",
        &pause_with_reason("\u{1b}[31m"),
        &["nothing ran", "field `reason_code`"],
    );
    assert!(
        !err.contains('\u{1b}'),
        "the escape is not echoed raw: {err:?}"
    );
}

#[test]
fn a_reason_code_of_5000_characters_is_refused_naming_the_field() {
    let desk = Desk::new(200);
    let long = "x".repeat(5000);
    refused(
        &desk,
        "raj",
        &pause_with_reason(&long),
        &["nothing ran", "field `reason_code`"],
    );
}

#[test]
fn a_reason_code_ingest_would_reject_is_refused_before_confirmation_is_asked() {
    let desk = Desk::new(200);
    let mut args = pause_with_reason("bad\tcode");
    args.retain(|a| *a != "--yes");
    let err = refused(&desk, "raj", &args, &["field `reason_code`"]);
    assert!(!err.contains("--yes"), "{err}");
}
