//! The stdio transport: the proxy spawns the MCP server as its child and sits between its
//! own stdin/stdout (the client's) and the child's. Messages are newline-delimited JSON;
//! each is handed to the session whole, and lines longer than `MAX_LINE` are answered
//! with a parse error without being buffered.

use super::session::{warn, Session};
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{self, UnboundedReceiver};

/// The longest message the proxy accepts, in bytes.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// One line without its newline; `Err(len)` for a line longer than `max` (discarded).
async fn next_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    max: usize,
) -> std::io::Result<Option<Result<Vec<u8>, usize>>> {
    let mut line = Vec::new();
    let mut seen = 0usize;
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok((seen > 0).then_some(if seen > max { Err(seen) } else { Ok(line) }));
        }
        let (chunk, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(at) => (&buf[..at], at + 1),
            None => (buf, buf.len()),
        };
        seen += chunk.len();
        if seen <= max {
            line.extend_from_slice(chunk);
        } else {
            line = Vec::new();
        }
        let ended = done > chunk.len();
        r.consume(done);
        if ended {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(Some(if seen > max { Err(seen) } else { Ok(line) }));
        }
    }
}

/// Writes each message with its newline; an empty message ends the writer (after the
/// ones before it), closing the stream.
async fn write_all<W: AsyncWrite + Unpin>(mut w: W, mut rx: UnboundedReceiver<Vec<u8>>) {
    while let Some(mut msg) = rx.recv().await {
        if msg.is_empty() {
            break;
        }
        if msg.last() != Some(&b'\n') {
            msg.push(b'\n');
        }
        if w.write_all(&msg).await.is_err() || w.flush().await.is_err() {
            break;
        }
    }
    let _ = w.shutdown().await;
}

/// Runs `command` as the server and proxies until either side closes; the server's exit
/// code (or 1 when it was killed).
pub async fn run(
    make: impl FnOnce(mpsc::UnboundedSender<Vec<u8>>, mpsc::UnboundedSender<Vec<u8>>) -> Arc<Session>,
    command: &[String],
) -> anyhow::Result<i32> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("no server command after `--`"))?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the MCP server {program:?}: {e}"))?;
    let (Some(child_in), Some(child_out)) = (child.stdin.take(), child.stdout.take()) else {
        anyhow::bail!("the MCP server's stdin or stdout was not piped");
    };
    let (to_client, client_rx) = mpsc::unbounded_channel();
    let (to_server, server_rx) = mpsc::unbounded_channel();
    let session = make(to_client.clone(), to_server.clone());
    let client_writer = tokio::spawn(write_all(tokio::io::stdout(), client_rx));
    let server_writer = tokio::spawn(write_all(child_in, server_rx));
    session
        .start("stdio", &command.join(" "))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;

    let from_client = {
        let session = Arc::clone(&session);
        let to_client = to_client.clone();
        async move {
            let mut stdin = BufReader::new(tokio::io::stdin());
            loop {
                match next_line(&mut stdin, MAX_LINE).await {
                    Ok(Some(Ok(line))) if line.iter().all(u8::is_ascii_whitespace) => {}
                    Ok(Some(Ok(line))) => session.from_client(line),
                    Ok(Some(Err(len))) => {
                        let text = format!("parse error: the message is {len} bytes, more than the {MAX_LINE} accepted");
                        warn(&text);
                        let _ = to_client.send(super::message::error_response(
                            &serde_json::Value::Null,
                            rmcp::model::ErrorCode::PARSE_ERROR,
                            &text,
                        ));
                    }
                    Ok(None) | Err(_) => return,
                }
            }
        }
    };
    let from_server = {
        let session = Arc::clone(&session);
        async move {
            let mut out = BufReader::new(child_out);
            loop {
                match next_line(&mut out, MAX_LINE).await {
                    Ok(Some(Ok(line))) if line.iter().all(u8::is_ascii_whitespace) => {}
                    Ok(Some(Ok(line))) => session.from_server(line),
                    Ok(Some(Err(len))) => {
                        warn(&format!("dropped a {len}-byte message from the server"))
                    }
                    Ok(None) | Err(_) => return,
                }
            }
        }
    };
    let mut from_server = tokio::spawn(from_server);
    tokio::select! {
        _ = from_client => {
            // The client is gone: close the server's stdin and let it finish its answers.
            let _ = to_server.send(Vec::new());
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), &mut from_server).await;
        }
        _ = &mut from_server => {}
    }
    session.finish().await;
    let _ = to_client.send(Vec::new());
    let _ = client_writer.await;
    server_writer.abort();
    let status = match tokio::time::timeout(std::time::Duration::from_secs(5), child.wait()).await {
        Ok(Ok(s)) => s.code().unwrap_or(1),
        _ => {
            let _ = child.kill().await;
            1
        }
    };
    Ok(status)
}
