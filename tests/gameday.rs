//! Game days end to end, with the real binary: a shipped scenario in a fresh sandbox
//! store, a responder pausing the rogue agent from the command line while a command
//! executor is configured (it must not run), the report read against the sealed events,
//! a missed expectation firing its contingency, live stores refused, bad files named.
#![allow(clippy::unwrap_used)]

mod common;

use common::Sandbox;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `custody gameday run SCENARIO` with the sandbox's directories and no --store.
/// The timed drills run one at a time: their expectations have deadlines in exercise
/// seconds, and two drills sharing two cores with the build can miss them.
static TIMED: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn timed() -> std::sync::MutexGuard<'static, ()> {
    TIMED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn run_cmd(sb: &Sandbox, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custody"));
    c.env("XDG_CONFIG_HOME", sb.path("config"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("HOME", sb.dir.path())
        .env_remove("CUSTODY_STORE")
        .env("NO_COLOR", "1")
        .args(["gameday", "run"])
        .args(args)
        .arg("--sandbox-dir")
        .arg(sb.path("drills"));
    c
}

/// The one sandbox store a run created, once it exists.
fn wait_for_store(sb: &Sandbox) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // Any order: the store's `-wal` and `-shm` files may be listed first.
        if let Some(p) = std::fs::read_dir(sb.path("drills")).ok().and_then(|mut d| {
            d.find_map(|e| {
                let p = e.ok()?.path();
                p.extension().is_some_and(|x| x == "db").then_some(p)
            })
        }) {
            return p;
        }
        assert!(Instant::now() < deadline, "no sandbox store appeared");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn export(sb: &Sandbox, store: &Path) -> Vec<Value> {
    try_export(sb, store).expect("custody export failed")
}

/// The store's records, or `None` while the run is still creating it.
fn try_export(sb: &Sandbox, store: &Path) -> Option<Vec<Value>> {
    let out = sb
        .cmd_on(&store.display().to_string())
        .arg("export")
        .output()
        .unwrap();
    out.status.success().then(|| {
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    })
}

fn wait_for_event(sb: &Sandbox, store: &Path, what: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let events = try_export(sb, store).unwrap_or_default();
        if events.iter().any(&what) {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "waited for an event; have {}",
            events.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn ok_on(sb: &Sandbox, store: &Path, args: &[&str]) -> String {
    let out = sb
        .cmd_on(&store.display().to_string())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "custody {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn finish(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "gameday run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn run_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("run: "))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn a_responder_pauses_the_rogue_agent_nothing_real_runs_and_the_report_shows_the_sealed_time_to_contain(
) {
    let _one_at_a_time = timed();
    let sb = Sandbox::sqlite();
    let marker = sb.path("executor-ran");
    std::fs::create_dir_all(sb.path("config/custody")).unwrap();
    std::fs::write(
        sb.path("config/custody/config.toml"),
        format!(
            "[[executors]]\naction = \"pause\"\nagents = \"*\"\ntype = \"command\"\nargv = [\"touch\", \"{}\"]\n",
            marker.display()
        ),
    )
    .unwrap();
    let child = run_cmd(&sb, &["looping-remediation", "--speed", "5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let store = wait_for_store(&sb);
    wait_for_event(&sb, &store, |e| {
        e["agent"]["id"] == "remedy-bot" && e["kind"] == "ai.action"
    });
    let paused = sb
        .cmd_on(&store.display().to_string())
        .args([
            "pause",
            "remedy-bot",
            "--reason",
            "containment",
            "--justification",
            "restart loop",
            "--yes",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&paused.stdout).into_owned()
        + &String::from_utf8_lossy(&paused.stderr);
    assert!(paused.status.success(), "{said}");
    assert!(said.contains("dry run: nothing ran"), "{said}");
    // Enough seen: end the run now rather than wait out its fifteen scenario minutes.
    let run = store.file_stem().unwrap().to_str().unwrap().to_string();
    ok_on(
        &sb,
        &store,
        &["gameday", "abort", &run, "--justification", "test done"],
    );
    let stdout = finish(child);
    assert!(stdout.contains("aborted by the facilitator"), "{stdout}");
    assert!(
        !marker.exists(),
        "the configured command ran during a drill"
    );

    let events = export(&sb, &store);
    let real: Vec<&Value> = events.iter().filter(|e| e["exercise"] != true).collect();
    assert!(
        real.is_empty(),
        "non-exercise events in the drill: {real:?}"
    );
    let intent = events
        .iter()
        .find(|e| e["kind"] == "control.pause" && e["outcome"]["status"] == "pending")
        .unwrap();
    let run_line = intent["action"]["params"]["executor"].as_str().unwrap();
    assert!(
        run_line.contains("would have run") && run_line.contains("touch"),
        "{run_line}"
    );

    // Time to contain, by hand from the export: the pause result's time minus T0's.
    let millis = |e: &Value| {
        chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let t0 = events
        .iter()
        .find(|e| e["kind"] == "exercise.inject" && e["action"]["params"]["malicious"] == true)
        .unwrap();
    let result = events
        .iter()
        .find(|e| e["kind"] == "control.pause" && e["outcome"]["status"] == "success")
        .unwrap();
    let secs = (millis(result) - millis(t0)) / 1000;
    let report = ok_on(&sb, &store, &["gameday", "report", &run]);
    let row = report
        .lines()
        .find(|l| l.starts_with("| Time to contain"))
        .unwrap();
    let expected = format!(
        "| seq {} | {:02}:{:02} |",
        result["seq"],
        secs / 60,
        secs % 60
    );
    assert!(
        row.starts_with(&format!("| Time to contain {expected}")),
        "{row}\nexpected {expected}"
    );
    assert!(report.contains("contain-in-5: remedy-bot is paused (or its token revoked) within five minutes | +05:00 | automatic | PASS"), "{report}");
    assert!(report.contains("Verify | intact"), "{report}");
}

#[test]
fn a_missed_expectation_reads_as_missed_and_its_contingency_fires() {
    let _one_at_a_time = timed();
    let sb = Sandbox::sqlite();
    let child = run_cmd(&sb, &["looping-remediation", "--speed", "120"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let store = wait_for_store(&sb);
    let stdout = finish(child);
    assert!(
        stdout.contains("inject hint-pause (contingency: contain-in-5 missed)"),
        "{stdout}"
    );
    let report = ok_on(&sb, &store, &["gameday", "report", &run_id(&stdout)]);
    assert!(
        report.contains("+05:00 | automatic | FAIL: missed"),
        "{report}"
    );
    assert!(
        report.contains("contingency: fired because contain-in-5 was missed"),
        "{report}"
    );
    let page = sb.path("report.html");
    let run = run_id(&stdout);
    ok_on(
        &sb,
        &store,
        &[
            "gameday",
            "report",
            &run,
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    let (dom, log) = open_in_chromium(&sb, &page);
    assert!(
        dom.contains("FAIL: missed") && dom.contains("After-action report"),
        "{dom}"
    );
    for bad in ["Uncaught", "Refused to", "Failed to load", "ERR_"] {
        assert!(!log.contains(bad), "the browser reported `{bad}`:\n{log}");
    }
}

/// The page's DOM after headless Chromium loaded it, and what the browser logged.
fn open_in_chromium(sb: &Sandbox, page: &Path) -> (String, String) {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", sb.path("chromium").display()))
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium must be installed (.ci/run installs it)");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "chromium failed:\n{log}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), log)
}

#[test]
fn a_store_holding_real_events_is_refused_unless_into_live_store_is_justified() {
    let sb = Sandbox::sqlite();
    sb.seed(20);
    let refused = sb.run(&["gameday", "run", "looping-remediation", "--speed", "600"]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("holds real (non-exercise) events, first at seq 1"),
        "{err}"
    );
    let unjustified = sb.run(&["gameday", "run", "looping-remediation", "--into-live-store"]);
    assert_eq!(
        unjustified.status.code(),
        Some(2),
        "clap requires --justification"
    );
    sb.ok(&[
        "gameday",
        "run",
        "looping-remediation",
        "--speed",
        "600",
        "--into-live-store",
        "--justification",
        "staging drill",
    ]);
    let events = export(&sb, Path::new(&sb.store));
    let after: Vec<&Value> = events
        .iter()
        .skip_while(|e| e["kind"] != "exercise.start")
        .collect();
    assert!(after.len() > 5);
    assert!(
        after.iter().all(|e| e["exercise"] == true),
        "an exercise event without the flag"
    );
}

#[test]
fn a_bad_scenario_is_refused_with_file_line_and_field() {
    let sb = Sandbox::sqlite();
    let text = include_str!("../assets/scenarios/looping-remediation.toml")
        .replace("after = \"loop-begins\"", "after = \"loop-began\"");
    let path = sb.path("bad.toml");
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l.contains("loop-began")).unwrap() + 1;
    let out = sb.run(&["gameday", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "{}:{line}: injects[2].after: unknown inject `loop-began`",
        path.display()
    );
    assert!(err.contains(&want), "{err}\nwanted {want}");
}

#[test]
#[ignore = "timing-flaky on a loaded 2-core machine: the pause after recovery can land in the same exercise second as the store-back inject; run with --ignored"]
fn the_degraded_pipeline_refuses_containment_while_the_store_cannot_seal_and_takes_it_after() {
    let _one_at_a_time = timed();
    let sb = Sandbox::sqlite();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/degraded-pipeline.toml"
    );
    let child = run_cmd(&sb, &[scenario, "--speed", "5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let store = wait_for_store(&sb);
    let injected = |id: &'static str| {
        move |e: &Value| e["kind"] == "exercise.inject" && e["action"]["params"]["inject"] == id
    };
    wait_for_event(&sb, &store, injected("store-down"));
    // The marker is sealed just before the file is made read-only: wait for the outage.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::metadata(&store).unwrap().permissions().readonly() {
        assert!(
            Instant::now() < deadline,
            "the store never became read-only"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pause = |why: &str| {
        sb.cmd_on(&store.display().to_string())
            .args([
                "pause",
                "sync-bot",
                "--reason",
                "containment",
                "--justification",
                why,
                "--yes",
            ])
            .output()
            .unwrap()
    };
    let refused = pause("T3 deletions");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nothing ran: the intent could not be sealed"),
        "{err}"
    );
    wait_for_event(&sb, &store, injected("store-back"));
    let taken = pause("T3 deletions, store back");
    assert!(
        taken.status.success(),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    let stdout = finish(child);
    assert!(stdout.contains("the action fails closed"), "{stdout}");
    let report = ok_on(&sb, &store, &["gameday", "report", &run_id(&stdout)]);
    assert!(report.contains("paused-after-recovery: sync-bot is paused once the store recovers | +08:00 | automatic | PASS"), "{report}");
    assert!(report.contains("nothing-unrecorded: No containment result is sealed while the store is down | +05:00 | must not happen | PASS"), "{report}");
}
