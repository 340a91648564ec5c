//! Running an argv: `argv[0]` is the program, the rest its arguments, never a shell.
//! stdin is empty; stdout and stderr are read on their own threads so a chatty child
//! never blocks on a full pipe, hashed in full and kept only as far as the excerpt needs.
//!
//! The child runs in its own process group (Unix), so a terminal's Ctrl-C does not reach
//! it, and on timeout the whole group is killed: the child and everything it started
//! (a shell's background jobs too), unless a descendant left the group on purpose
//! (`setsid`). A command that ends on its own leaves its background processes running;
//! if one keeps the output pipes open, the runner waits `OUTPUT_GRACE` for them to close,
//! then reports the output read so far and leaves the reader threads to finish when the
//! pipes close.

use super::output::{self, Head};
use super::{elapsed_ms, human_duration, RunReport, RunStatus};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// How long to wait for the output pipes to close once the child has ended.
pub(super) const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// stderr written while stdout is still open waits here to be hashed after stdout.
/// Past this much, further stderr is counted and shown but not hashed (noted in detail).
const STDERR_PENDING_MAX: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// Everything read from the child so far, shared by the two reader threads.
#[derive(Default)]
struct Capture {
    /// stdout, then stderr once stdout has closed.
    hasher: Sha256,
    stdout_closed: bool,
    stderr_pending: Vec<u8>,
    /// stderr bytes that did not fit in `stderr_pending`.
    stderr_unhashed: u64,
    out: Head,
    err: Head,
}

impl Capture {
    fn take(&mut self, stream: Stream, chunk: &[u8]) {
        match stream {
            Stream::Stdout => {
                self.hasher.update(chunk);
                self.out.take(chunk);
            }
            Stream::Stderr => {
                if self.stdout_closed {
                    self.hasher.update(chunk);
                } else {
                    let room = STDERR_PENDING_MAX - self.stderr_pending.len();
                    let fits = room.min(chunk.len());
                    self.stderr_pending.extend_from_slice(&chunk[..fits]);
                    self.stderr_unhashed += (chunk.len() - fits) as u64;
                }
                self.err.take(chunk);
            }
        }
    }

    fn close(&mut self, stream: Stream) {
        if stream == Stream::Stdout && !self.stdout_closed {
            self.stdout_closed = true;
            let pending = std::mem::take(&mut self.stderr_pending);
            self.hasher.update(&pending);
        }
    }

    /// The hash of stdout then stderr as read so far.
    fn digest(&self) -> String {
        let mut hasher = self.hasher.clone();
        hasher.update(&self.stderr_pending);
        hex::encode(hasher.finalize())
    }
}

pub(super) fn run_command(argv: &[String], timeout: Duration) -> RunReport {
    let started = Instant::now();
    let Some((program, args)) = argv.split_first() else {
        return RunReport::nothing(RunStatus::Error, started, "empty argv: nothing to run");
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return RunReport::nothing(
                RunStatus::Error,
                started,
                format!("program not found: {program}"),
            )
        }
        Err(e) => {
            return RunReport::nothing(
                RunStatus::Error,
                started,
                format!("could not start {program}: {e}"),
            )
        }
    };

    let capture = Arc::new(Mutex::new(Capture::default()));
    let readers_done = start_readers(&mut child, &capture);
    let ended = wait_until(&mut child, started + timeout);
    let pipes_closed = wait_readers(&readers_done, Instant::now() + OUTPUT_GRACE);

    let capture = capture.lock().unwrap_or_else(PoisonError::into_inner);
    let (status, exit_code, mut detail) = match ended {
        Ok(Some(exit)) => judge(exit),
        Ok(None) => (
            RunStatus::Timeout,
            None,
            format!("timed out after {} (killed)", human_duration(timeout)),
        ),
        Err(e) => (
            RunStatus::Error,
            None,
            format!("lost track of {program}: {e}"),
        ),
    };
    if !pipes_closed {
        detail.push_str("; output still open (a background process holds it), cut here");
    }
    if capture.stderr_unhashed > 0 {
        detail.push_str(&format!(
            "; last {} bytes of stderr not hashed",
            capture.stderr_unhashed
        ));
    }
    RunReport {
        status,
        exit_code,
        http_status: None,
        duration_ms: elapsed_ms(started),
        output_sha256: capture.digest(),
        excerpt: output::excerpt_two(&capture.out, &capture.err),
        output_bytes: capture.out.total + capture.err.total,
        detail,
    }
}

/// Starts one reader thread per pipe; each sends on the returned channel when its pipe
/// has closed (or failed).
fn start_readers(child: &mut Child, capture: &Arc<Mutex<Capture>>) -> Receiver<()> {
    let (done, readers_done) = mpsc::channel();
    let pipes: [(Stream, Option<Box<dyn Read + Send>>); 2] = [
        (
            Stream::Stdout,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            Stream::Stderr,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ];
    for (stream, pipe) in pipes {
        let (capture, done) = (Arc::clone(capture), done.clone());
        thread::spawn(move || {
            if let Some(mut pipe) = pipe {
                let mut buf = vec![0u8; 64 * 1024];
                // A read error ends the stream like EOF: what was read is still reported.
                while let Ok(n @ 1..) = pipe.read(&mut buf) {
                    lock(&capture).take(stream, &buf[..n]);
                }
            }
            lock(&capture).close(stream);
            let _ = done.send(());
        });
    }
    readers_done
}

fn lock(capture: &Mutex<Capture>) -> std::sync::MutexGuard<'_, Capture> {
    capture.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits for the child to exit until `deadline`; past it, kills and reaps the child and
/// returns `Ok(None)`.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    // Poll, starting fast so quick commands return quickly, backing off to 20 ms.
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(exit) = child.try_wait()? {
            return Ok(Some(exit));
        }
        let now = Instant::now();
        if now >= deadline {
            kill_group(child);
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Kills the child's process group with SIGKILL, then the child itself.
///
/// The group is killed before the child is reaped: until then the child's pid (which is
/// the group id) cannot be reused, so the signal cannot reach an unrelated group. If the
/// child exited between `try_wait` and here, the group kill still reaches whatever it
/// left behind, the child kill is a no-op, and `wait` reaps it.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        use rustix::process::{kill_process_group, Pid, Signal};
        let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    }
    let _ = child.kill();
}

/// Waits for both readers to finish until `deadline`; false if a pipe is still open.
fn wait_readers(readers_done: &Receiver<()>, deadline: Instant) -> bool {
    (0..2).all(|_| {
        let left = deadline.saturating_duration_since(Instant::now());
        readers_done.recv_timeout(left).is_ok()
    })
}

fn judge(exit: ExitStatus) -> (RunStatus, Option<i32>, String) {
    match exit.code() {
        Some(0) => (RunStatus::Success, Some(0), "exit 0".into()),
        Some(code) => (RunStatus::Failure, Some(code), format!("exit {code}")),
        None => (RunStatus::Failure, None, killed_by(exit)),
    }
}

#[cfg(unix)]
fn killed_by(exit: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match exit.signal() {
        Some(signal) => format!("killed by signal {signal}"),
        None => format!("ended without an exit code ({exit})"),
    }
}

#[cfg(not(unix))]
fn killed_by(exit: ExitStatus) -> String {
    format!("ended without an exit code ({exit})")
}
