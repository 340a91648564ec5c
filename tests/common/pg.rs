//! A real PostgreSQL server for the tests, started once per test binary from the
//! PostgreSQL binaries on the machine (initdb + postgres on a loopback port), or taken
//! from `CUSTODY_TEST_PG_URL` when `.ci/run` or a developer provides one. A watchdog
//! stops the server and removes its directory when the test process exits. If neither
//! works the tests fail loudly: they are never skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static SERVER: OnceLock<String> = OnceLock::new();

/// `postgres://…` of the server's maintenance database, with no database name.
fn server() -> &'static str {
    SERVER.get_or_init(|| match std::env::var("CUSTODY_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_string(),
        _ => launch("").url,
    })
}

/// A server of the test's own, for a test that stops it (the shared one must stay up).
pub struct PrivateServer {
    /// `postgres://…` with no database name.
    pub url: String,
    data: PathBuf,
    bin: PathBuf,
}

impl PrivateServer {
    pub fn start(tag: &str) -> PrivateServer {
        launch(tag)
    }

    /// Stops the server as `pg_ctl stop -m fast` does: clients are disconnected.
    pub fn stop(&self) {
        let ok = as_server_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["stop", "-m", "fast", "-w"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "pg_ctl stop failed");
    }

    /// Creates a database on this server and returns its URL.
    pub fn database(&self, name: &str) -> String {
        create_database(&self.url, name)
    }
}

/// Runs `statements` in order on the database at `url` (as the server's superuser).
pub fn admin(url: &str, statements: &[String]) {
    let url = url.to_string();
    let statements = statements.to_vec();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            for sql in statements {
                sqlx::query(&sql)
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        })
    })
    .join()
    .unwrap();
}

/// The same database URL, connecting as `role` (the test server trusts local roles).
pub fn as_role(url: &str, role: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{role}@{host}")
}

/// Creates a new empty database and returns its URL.
pub fn fresh_database(name: &str) -> String {
    create_database(server(), name)
}

fn create_database(base: &str, name: &str) -> String {
    let db = format!("custody_{}_{}", name, std::process::id());
    let admin = format!("{base}/postgres");
    // A thread of its own, so this also works from inside a #[tokio::test] runtime.
    let db_for_thread = db.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            let db = db_for_thread;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {db}"))
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {db}"))
                .execute(&mut conn)
                .await
                .unwrap();
        })
    })
    .join()
    .unwrap();
    format!("{base}/{db}")
}

fn bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries (initdb, postgres) not found: install postgresql-15 (`.ci/run` does) or set CUSTODY_TEST_PG_URL")
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// initdb refuses to run as root, so as root the server runs as `postgres`.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

// The server and its watchdog are deliberately left running when this function returns:
// the watchdog outlives the test process and stops the server after it.
#[allow(clippy::zombie_processes)]
fn launch(tag: &str) -> PrivateServer {
    let bin = bindir();
    let dir = std::env::temp_dir().join(format!("custody-pg-{}{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if is_root() {
        let ok = Command::new("chown")
            .arg("postgres:postgres")
            .arg(&dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "cannot hand {} to the postgres user", dir.display());
    }
    let data = dir.join("data");
    let out = as_server_user(&bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "-D",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(
        std::env::temp_dir().join(format!("custody-pg-{}{tag}.log", std::process::id())),
    )
    .unwrap();
    as_server_user(&bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-k",
        ])
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    // The watchdog outlives nothing: when this test process ends it stops the server.
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         kill -INT $(head -1 {data}/postmaster.pid) 2>/dev/null; sleep 2; rm -rf {dir}",
        pid = std::process::id(),
        data = data.display(),
        dir = dir.display()
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Accepting TCP is not the same as accepting queries; wait for pg_isready.
    while !Command::new(bin.join("pg_isready"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
    {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL on port {port} never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    PrivateServer {
        url: format!("postgres://postgres@127.0.0.1:{port}"),
        data,
        bin,
    }
}
