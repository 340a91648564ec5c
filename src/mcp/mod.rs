//! `custody mcp-proxy`: an MCP gateway between an agent's MCP client and an MCP server.
//! Every `tools/call` is proposed to a running `custody serve` first (as the agent its
//! token names) and forwarded only when the gate allows it; its outcome (the SHA-256 of
//! the result's bytes, `isError`, a bounded excerpt) is reported after the client has the
//! answer. Everything else passes both ways as the same bytes.
//!
//! Why raw JSON-RPC: the MCP SDK's typed layer (`rmcp`'s service and transports) parses
//! every message into its model and serialises it again, which reorders keys and drops
//! what the model does not know, so results would not reach the client byte-identical.
//! The proxy reads borrowed raw values instead (`message`) and uses `rmcp::model` for what
//! it says itself: the `tools/call` parameters, tool errors, progress notifications and
//! JSON-RPC error codes.
//!
//! This is an edge. It must never forward a `tools/call` the gate did not allow (the one
//! exception: T0/T1 calls when the gate cannot decide and `[mcp] fail_open_low_tiers` is
//! on, each logged), never rebuild a message it forwards, and never take a token from the
//! command line.

mod gate;
mod message;
mod outcome;
mod record;
mod session;
mod stdio;

pub use gate::{Answer, GateClient};
pub use record::tools_digest;
pub use session::Options;

use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The `[mcp]` config section.
///
/// ```toml
/// [mcp]
/// gate = "http://127.0.0.1:7807"   # the `custody serve` to propose to
/// fail_open_low_tiers = false      # forward T0/T1 calls when the gate cannot decide
/// ask_wait_s = 300                 # how long a call the policy asks about is held
/// excerpt_chars = 500              # characters of a result kept in its outcome
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    pub gate: Option<String>,
    pub fail_open_low_tiers: Option<bool>,
    pub ask_wait_s: Option<u64>,
    pub excerpt_chars: Option<usize>,
}

/// The gate's address when neither `--gate` nor `[mcp] gate` says.
pub const DEFAULT_GATE: &str = "http://127.0.0.1:7807";

impl McpConfig {
    pub fn options(&self, agent: &str, ask_wait: Option<Duration>) -> Options {
        Options {
            agent: agent.to_string(),
            fail_open_low_tiers: self.fail_open_low_tiers.unwrap_or(false),
            ask_wait: ask_wait
                .unwrap_or_else(|| Duration::from_secs(self.ask_wait_s.unwrap_or(300))),
            excerpt_chars: self.excerpt_chars.unwrap_or(500).min(4000),
        }
    }
}

/// What a proxy needs, resolved by the command line.
pub struct Proxy {
    pub gate: String,
    pub token: String,
    pub options: Options,
    pub tool_map: crate::toolmap::ToolMap,
}

/// Proxies stdio between this process's client and `command`, spawned as the server.
/// Returns the server's exit code.
pub async fn stdio(proxy: Proxy, command: &[String]) -> anyhow::Result<i32> {
    let gate = Arc::new(GateClient::new(&proxy.gate, proxy.token));
    stdio::run(
        move |to_client, to_server| {
            session::Session::new(gate, proxy.tool_map, proxy.options, to_client, to_server)
        },
        command,
    )
    .await
}
