//! How stores are opened, against the built binary: reading commands never create,
//! migrate or write a store (a missing, emptied or mistyped one is exit 2 naming it), a
//! read-only evidence copy verifies and exports without a byte changing, and several
//! processes creating one new store at once all succeed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{event_line, Sandbox};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};

/// A sandbox with a signing key (so `verify` gets as far as opening the store).
fn with_key() -> Sandbox {
    let sb = Sandbox::sqlite();
    sb.ok(&["key"]);
    sb
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn on_store(sb: &Sandbox, store: &str, args: &[&str]) -> Output {
    sb.cmd_on(store)
        .current_dir(sb.dir.path())
        .args(args)
        .output()
        .unwrap()
}

const READING: [&[&str]; 5] = [
    &["verify"],
    &["export"],
    &["tail", "--no-follow"],
    &["checkpoint"],
    &["incident", "list"],
];

#[test]
fn reading_commands_on_a_missing_store_exit_2_naming_it_and_create_nothing() {
    let sb = with_key();
    let missing = sb.path("nowhere/ledger.db");
    for args in READING {
        let out = on_store(&sb, missing.to_str().unwrap(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("nowhere/ledger.db") && stderr(&out).contains("does not exist"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!sb.path("nowhere").exists(), "a directory was created");
}

#[test]
fn an_emptied_store_file_is_refused_by_reading_commands_and_stays_empty() {
    let sb = with_key();
    let emptied = sb.path("emptied.db");
    std::fs::write(&emptied, "").unwrap();
    for args in READING {
        let out = on_store(&sb, emptied.to_str().unwrap(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("empty file (0 bytes)"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::metadata(&emptied).unwrap().len(), 0);
}

#[test]
fn an_unknown_url_scheme_is_refused_for_every_command_and_creates_nothing() {
    let sb = with_key();
    let url = "mysql://root@db/custody";
    for args in [
        &["verify"][..],
        &["ingest", "/dev/null"][..],
        &["export"][..],
    ] {
        let out = on_store(&sb, url, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("unknown store URL scheme `mysql:`"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!sb.path("mysql:").exists());
}

#[test]
fn a_sqlite_url_with_options_is_refused_not_made_into_a_file() {
    let sb = with_key();
    let url = format!("sqlite:{}?mode=ro", sb.path("ledger.db").display());
    let out = on_store(&sb, &url, &["verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no `?…` options"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(sb.dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("ledger"))
            .count(),
        0
    );
}

#[test]
fn an_empty_store_url_is_refused() {
    let sb = with_key();
    let out = on_store(&sb, "", &["export"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("store URL is empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_directory_given_as_a_store_is_named_as_a_directory() {
    let sb = with_key();
    let dir = sb.path("somedir");
    std::fs::create_dir(&dir).unwrap();
    for args in [&["verify"][..], &["ingest", "/dev/null"][..]] {
        let out = on_store(&sb, dir.to_str().unwrap(), args);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    }
}

/// Everything about a file that a write would change.
fn fingerprint(path: &Path) -> (Vec<u8>, std::time::SystemTime) {
    (
        std::fs::read(path).unwrap(),
        std::fs::metadata(path).unwrap().modified().unwrap(),
    )
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Tests run as root, which ignores file modes; custody must not rely on the kernel
/// refusing its writes. The copy is 0444 in a 0555 directory (an evidence copy), and
/// afterwards its bytes, its mtime and the directory's contents are what they were.
#[test]
fn a_read_only_copy_verifies_and_exports_without_a_byte_changing() {
    let sb = Sandbox::sqlite();
    sb.seed(300);
    let evidence = sb.path("evidence");
    std::fs::create_dir(&evidence).unwrap();
    let copy = evidence.join("ledger.db");
    std::fs::copy(&sb.store, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&evidence, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = (fingerprint(&copy), names_in(&evidence));
    let store = copy.to_str().unwrap();

    let verify = on_store(&sb, store, &["verify", "--json"]);
    let export = on_store(&sb, store, &["export"]);
    let tail = on_store(&sb, store, &["tail", "--no-follow", "-n", "3"]);

    std::fs::set_permissions(&evidence, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    let report: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["records"], 300);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    assert_eq!(export.stdout.iter().filter(|b| **b == b'\n').count(), 300);
    assert_eq!(tail.status.code(), Some(0), "{}", stderr(&tail));
    assert_eq!((fingerprint(&copy), names_in(&evidence)), before);
}

#[test]
fn verify_leaves_a_writable_store_file_byte_for_byte_unchanged() {
    let sb = Sandbox::sqlite();
    sb.seed(200);
    let before = fingerprint(Path::new(&sb.store));
    let (code, _) = sb.verify(&[]);
    assert_eq!(code, 0);
    assert_eq!(fingerprint(Path::new(&sb.store)), before);
}

#[test]
fn three_concurrent_ingests_into_a_new_store_all_succeed() {
    let sb = Sandbox::sqlite();
    sb.ok(&["key"]);
    let children: Vec<_> = (0..3)
        .map(|n| {
            let file = sb.path(&format!("in{n}.jsonl"));
            let lines: Vec<String> = (0..50)
                .map(|i| event_line(&format!("ev-{n}-{i}"), "T1", "scale"))
                .collect();
            std::fs::write(&file, lines.join("\n")).unwrap();
            sb.cmd()
                .arg("ingest")
                .arg(&file)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let (code, report) = sb.verify(&[]);
    assert_eq!(
        (code, report["records"].as_u64()),
        (0, Some(150)),
        "{report}"
    );
}

#[test]
fn an_interrupted_export_leaves_no_file_under_the_name_asked_for() {
    let sb = Sandbox::sqlite();
    sb.seed(20_000);
    let target = sb.path("out.jsonl");
    let mut child = sb
        .cmd()
        .args(["export", "-o", target.to_str().unwrap()])
        .spawn()
        .unwrap();
    // Kill it as soon as it has started writing its temporary file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !names_in(sb.dir.path())
        .iter()
        .any(|n| n.contains(".partial-"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no temporary file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!target.exists(), "a partial export was left as out.jsonl");

    sb.ok(&["export", "-o", target.to_str().unwrap()]);
    let lines = std::fs::read_to_string(&target).unwrap().lines().count();
    assert_eq!(lines, 20_000);
    // Only the killed export's temporary file is left; the finished one was renamed.
    let partial = names_in(sb.dir.path())
        .iter()
        .filter(|n| n.contains(".partial-"))
        .count();
    assert_eq!(partial, 1);
}
