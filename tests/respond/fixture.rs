//! A seeded demo store with a real response setup: roles, a `command` pause executor (a
//! script that writes a file), an `http` rollback executor pointing at a real local HTTP
//! server, and helpers to read the ledger back through `custody export`.

use crate::common::Sandbox;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A local HTTP server that records every request and answers with one fixed status.
pub struct Server {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

#[derive(Debug, Clone)]
pub struct Request {
    /// `POST /rollback/019a…`
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Server {
    pub fn start(status: u16) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(req) = answer(stream, status) {
                    log.lock().unwrap().push(req);
                }
            }
        });
        Server { url, requests }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(mut stream: TcpStream, status: u16) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let reply = if status == 200 {
        "{\"reverted\":true}"
    } else {
        "{\"error\":\"conflict\"}"
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    Some(Request {
        line: line.trim_end().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A seeded demo ledger configured for incident response.
pub struct Desk {
    pub sb: Sandbox,
    pub server: Server,
    /// Where the pause executor's script writes.
    pub paused: PathBuf,
    /// The ledger as seeded, one parsed record per line.
    pub seeded: Vec<Value>,
}

impl Desk {
    /// The demo store, roles ana = approver, raj = responder, vic = viewer, a command
    /// pause executor and an http rollback executor answering `status`.
    pub fn new(status: u16) -> Desk {
        let sb = Sandbox::sqlite();
        sb.seed(3000);
        let server = Server::start(status);
        let paused = sb.path("paused.txt");
        let script = sb.path("pause-agent.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\n# A stand-in for `kubectl scale`: records who paused which agent.\nprintf 'paused %s by %s\\n' \"$1\" \"$2\" >> \"$3\"\necho \"scaled deploy/$1 to 0\"\n",
        )
        .unwrap();
        make_executable(&script);
        let config = format!(
            r#"allow_operator_override = true

[roles]
ana = "approver"
raj = "responder"
vic = "viewer"

[[executors]]
action = "pause"
agents = "*"
type = "command"
argv = ["{script}", "{{agent}}", "{{operator}}", "{paused}"]
timeout_s = 10

[[executors]]
action = "rollback"
agents = "*"
type = "http"
method = "POST"
url = "{url}/rollback/{{action_id}}"
body = {{ resource = "{{resource}}", ref = "{{rollback_ref}}" }}
expect_status = [200]
idempotency_key = "custody-{{action_id}}"
timeout_s = 10
"#,
            script = script.display(),
            paused = paused.display(),
            url = server.url,
        );
        let dir = sb.path("config").join("custody");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), config).unwrap();
        let seeded = export(&sb);
        Desk {
            sb,
            server,
            paused,
            seeded,
        }
    }

    /// `custody --operator OP ARGS…`, with no proxy in the way of the local server.
    pub fn run(&self, operator: &str, args: &[&str]) -> Output {
        let mut c = self.sb.cmd();
        for proxy in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            c.env_remove(proxy);
        }
        c.arg("--operator")
            .arg(operator)
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs and insists on exit 0; returns stdout.
    pub fn ok(&self, operator: &str, args: &[&str]) -> String {
        let out = self.run(operator, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "custody {args:?} as {operator}\n{}",
            show(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Every sealed record, in `seq` order.
    pub fn ledger(&self) -> Vec<Value> {
        export(&self.sb)
    }

    /// The records sealed since the desk was set up.
    pub fn sealed_since_seed(&self) -> Vec<Value> {
        self.ledger().split_off(self.seeded.len())
    }

    /// What the pause script wrote, or nothing.
    pub fn paused_text(&self) -> String {
        std::fs::read_to_string(&self.paused).unwrap_or_default()
    }

    /// The newest seeded `ai.action` matching `pick`.
    pub fn seeded_action(&self, pick: impl Fn(&Value) -> bool) -> Value {
        self.seeded
            .iter()
            .rev()
            .filter(|e| e["kind"] == "ai.action" && e["exercise"] != true)
            .find(|e| pick(e))
            .cloned()
            .expect("the demo holds such an action")
    }

    /// Opens an incident from `event` as raj and returns its id.
    pub fn open_incident(&self, event: &str, playbook: Option<&str>) -> String {
        let mut args = vec![
            "incident",
            "open",
            "--event",
            event,
            "--justification",
            "it is misbehaving",
        ];
        if let Some(p) = playbook {
            args.extend(["--playbook", p]);
        }
        let out = self.ok("raj", &args);
        out.split_whitespace()
            .nth(1)
            .expect("`opened ID …`")
            .to_string()
    }
}

fn export(sb: &Sandbox) -> Vec<Value> {
    sb.ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A reversible action (`full` or `partial`, with an action recorded).
pub fn undoable(e: &Value) -> bool {
    e["action"].is_object()
        && matches!(
            e["reversibility"]["class"].as_str(),
            Some("full" | "partial")
        )
}

/// The justification the tests give.
pub const JUSTIFY: &str = "looping: 40 identical actions in 10 minutes";

pub fn pause_args<'a>(agent: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "pause",
        agent,
        "--reason",
        "containment",
        "--justification",
        JUSTIFY,
        "--yes",
    ];
    args.extend_from_slice(extra);
    args
}

/// `rollback AGENT --reason rollback --justification … --yes` and then `extra`
/// (`--event ID` or `--since TIME`, and any more flags).
pub fn rollback_args<'a>(agent: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "rollback",
        agent,
        "--reason",
        "rollback",
        "--justification",
        JUSTIFY,
        "--yes",
    ];
    args.extend_from_slice(extra);
    args
}

pub fn id(e: &Value) -> &str {
    e["event_id"].as_str().unwrap()
}

pub fn agent(e: &Value) -> &str {
    e["agent"]["id"].as_str().unwrap()
}
