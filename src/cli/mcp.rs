//! `custody mcp-proxy`: the command-line face of the MCP gateway (see `crate::mcp`).
//! The token comes from `CUSTODY_TOKEN` or `--token-file`, never from an argument.

use super::Env;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "Put it where the MCP client would start the server: \
    `custody mcp-proxy --agent NAME -- npx some-mcp-server`. Every tools/call is proposed to \
    `custody serve` first (POST /v1/actions) and forwarded only when allowed; everything else \
    passes unchanged. The agent token (`custody agent token issue NAME`) is read from \
    CUSTODY_TOKEN or --token-file. Tool tiers come from the [tools] config section; [mcp] \
    sets the gate address, fail_open_low_tiers and ask_wait_s.")]
pub struct McpProxyArgs {
    /// The agent this proxy acts for; must be the agent the token was issued to.
    #[arg(long, value_name = "NAME")]
    pub agent: String,
    /// The gate (`custody serve`) base URL. Default: `[mcp] gate`, else http://127.0.0.1:7807.
    #[arg(long, value_name = "URL")]
    pub gate: Option<String>,
    /// File holding the agent token (first line). Default: the CUSTODY_TOKEN variable.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// How long a call the policy asks about is held for approval, in seconds
    /// (default: `[mcp] ask_wait_s`, else 300).
    #[arg(long, value_name = "SECONDS")]
    pub ask_wait: Option<u64>,
    /// The MCP server to start, and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "SERVER-COMMAND")]
    pub command: Vec<String>,
}

fn token(args: &McpProxyArgs) -> anyhow::Result<String> {
    let token = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the token file {}: {e}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => std::env::var("CUSTODY_TOKEN")
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    if token.is_empty() {
        anyhow::bail!(
            "no agent token: set CUSTODY_TOKEN or pass --token-file (issue one with `custody agent token issue {}`)",
            args.agent
        );
    }
    Ok(token)
}

pub async fn run(env: &Env, args: McpProxyArgs) -> anyhow::Result<ExitCode> {
    let token = token(&args)?;
    let config = &env.config.mcp;
    let gate = args
        .gate
        .clone()
        .or_else(|| config.gate.clone())
        .unwrap_or_else(|| crate::mcp::DEFAULT_GATE.to_string());
    let proxy = crate::mcp::Proxy {
        gate,
        token,
        options: config.options(&args.agent, args.ask_wait.map(Duration::from_secs)),
        tool_map: env.config.tool_map.clone(),
    };
    let code = crate::mcp::stdio(proxy, &args.command).await?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
