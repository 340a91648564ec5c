//! The command line: one binary, `custody`, with `--help` on everything. This module
//! parses arguments, resolves the config, store and key, and hands each command to its
//! own file. It is the edge where errors become messages and exit codes.

mod act;
mod act_report;
mod act_step;
mod agent;
mod approvals;
mod authn;
mod completions;
mod console;
mod demo_live;
mod evidence;
mod export;
mod gameday;
mod gameday_report;
mod incident;
mod incident_show;
mod ingest;
mod mcp;
mod operator;
mod output;
mod policy;
mod projection;
mod response;
mod rollback;
mod seed;
mod serve;
mod tail;
mod tokens;
mod verify;

use crate::config::keyfile;
use crate::config::{Config, Dirs};
use crate::exec::Action;
use crate::ledger::note::NoteSigner;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "custody",
    version,
    about = "Tamper-evident audit store and incident console for the actions AI agents take",
    long_about = "custody records every action an AI agent takes in an append-only, hash-chained, \
                  Merkle-tree ledger with signed checkpoints, and lets you watch, filter, verify and \
                  export it.\n\nWith no command it opens the console on the configured store.",
    after_help = "Store URL precedence: --store, then CUSTODY_STORE, then `store` in the config file, \
                  then the default SQLite file in the XDG data directory."
)]
pub struct Cli {
    /// Store URL: postgres://user@host/db, sqlite:PATH, or a file path.
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    /// Config file (TOML). Default: custody/config.toml in the XDG config directory.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Who is at the keyboard. The operator is established from a credential: the OS user
    /// on a local SQLite store, the database role on PostgreSQL. Naming someone else is
    /// refused unless the config sets `allow_operator_override = true` (SQLite only).
    #[arg(long, global = true, value_name = "ID")]
    pub operator: Option<String>,
    #[command(flatten)]
    pub console: console::ConsoleArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill a fresh store with realistic demo history, keep a live generator running, and show it.
    Demo(seed::DemoArgs),
    /// Generate the demo history without the console (for scripts and benchmarks).
    Seed(seed::SeedArgs),
    /// Append JSONL events from FILE (or standard input); exit 1 if any line was rejected.
    Ingest(ingest::IngestArgs),
    /// Recompute every hash, link, Merkle root and checkpoint signature; exit 0 intact, 1 tampered, 2 could not check.
    Verify(verify::VerifyArgs),
    /// Evidence bundles that verify offline: `evidence export`, `evidence verify`.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// Write the sealed records as JSONL: exactly the objects whose RFC 8785 bytes were hashed, plus `hash`.
    Export(export::ExportArgs),
    /// Print the latest signed checkpoint (a C2SP signed note).
    Checkpoint,
    /// Print the verifier key for checkpoints (creating the signing key on first use).
    Key,
    /// Print the live stream as plain text, for pipes and grep.
    Tail(tail::TailArgs),
    /// Pause an agent: the gateway holds its actions. Intent sealed before, result after.
    Pause(act::AgentArgs),
    /// Let a paused agent act again (approver or above).
    Resume(act::AgentArgs),
    /// Revoke an agent's credential, or the one named by --token-ref.
    RevokeToken(act::RevokeArgs),
    /// Undo one reversible action (--event), or every reversible action of an agent since a time (--since).
    Rollback(act::RollbackArgs),
    /// Tell people through the configured notify executor (a playbook's notify steps).
    Notify(act::AgentArgs),
    /// Run the gate: the HTTP service agents propose through and operators vote in.
    Serve(serve::ServeArgs),
    /// An MCP gateway: proposes each tools/call to `custody serve`, forwards the rest.
    McpProxy(mcp::McpProxyArgs),
    /// List pending approval requests.
    #[command(subcommand)]
    Approvals(approvals::ApprovalsCommand),
    /// Approve a pending request (four-eyes: never your own or one made on your behalf).
    Approve(approvals::DecideArgs),
    /// Deny a pending request; a single deny decides it.
    Deny(approvals::DecideArgs),
    /// Agent tokens and the agent registry (owner, autonomy, public key).
    #[command(subcommand)]
    Agent(agent::AgentCommand),
    /// Operator tokens for the gate's API (admin only to issue).
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// Open, list, show and walk incidents: playbooks, checklist steps, contain, resolve, close.
    #[command(subcommand)]
    Incident(incident::IncidentCommand),
    /// Check the gate's Cedar policy offline: `policy test PROPOSALS.jsonl` prints each decision.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// The incident and control state derived beside the ledger: `projection verify`, `projection rebuild`.
    #[command(subcommand)]
    Projection(projection::ProjectionCommand),
    /// Game days: run a scenario in a sandbox store, notes and validation, the after-action report.
    #[command(subcommand)]
    Gameday(gameday::GamedayCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) for custody.
    Man,
}

/// Everything a command needs from the environment, resolved once.
pub struct Env {
    pub dirs: Dirs,
    pub config: Config,
    pub store_url: String,
    /// Who is at the keyboard, established from a credential (see `authn`).
    pub operator: crate::identity::Operator,
}

impl Env {
    async fn resolve(cli: &Cli) -> anyhow::Result<Env> {
        let dirs = Dirs::discover()?;
        let config = Config::load(cli.config.as_deref(), &dirs)?;
        let store_url = config.store_url(cli.store.as_deref(), &dirs);
        let need = match &cli.command {
            Some(
                Command::Verify(_)
                | Command::Export(_)
                | Command::Evidence(_)
                | Command::Checkpoint
                | Command::Key
                | Command::Tail(_)
                | Command::Ingest(_)
                | Command::Seed(_)
                | Command::Serve(_)
                | Command::McpProxy(_)
                | Command::Policy(_)
                | Command::Projection(_)
                | Command::Approvals(_),
            ) => authn::Need::Nothing,
            _ => authn::Need::Operator,
        };
        let demo = matches!(cli.command, Some(Command::Demo(_)));
        let operator =
            match authn::operator(&config, cli.operator.as_deref(), &store_url, need, demo).await {
                Ok(o) => o,
                Err(authn::AuthnError::Claim(refused)) => {
                    if let Some(Command::Approve(vote) | Command::Deny(vote)) = &cli.command {
                        // A vote by a claimed identity is a refusal the record keeps.
                        let key = config.key_file(&dirs);
                        let at = (store_url.as_str(), key.as_path(), config.key_name());
                        approvals::seal_claim_refusal(at, &vote.id, &refused).await;
                    }
                    return Err(authn::AuthnError::Claim(refused).into());
                }
                Err(e) => return Err(e.into()),
            };
        Ok(Env {
            dirs,
            config,
            store_url,
            operator,
        })
    }

    /// Opens the store for a command that seals and may start a new ledger (ingest,
    /// seed, the console).
    pub async fn open_store(&self) -> anyhow::Result<Store> {
        Store::open(&self.store_url, self.config.origin.as_deref())
            .await
            .with_context(|| format!("opening the store ({})", self.store_url))
    }

    /// Opens an existing store for a command that only reads: never created, migrated
    /// or written (see `Store::open_read_only`).
    pub async fn open_store_read_only(&self) -> Result<Store, crate::store::StoreError> {
        Store::open_read_only(&self.store_url).await
    }

    /// Opens an existing store for a command that seals but must not start a new ledger.
    pub async fn open_existing_store(&self) -> Result<Store, crate::store::StoreError> {
        Store::open_existing(&self.store_url, self.config.origin.as_deref()).await
    }

    /// The checkpoint signing key, created (mode 0600) on first use.
    pub fn signer(&self) -> anyhow::Result<NoteSigner> {
        let path = self.config.key_file(&self.dirs);
        keyfile::load_or_create(&path, &self.config.key_name())
            .with_context(|| format!("loading the signing key {}", path.display()))
    }

    pub fn anchor(&self, flag: Option<&PathBuf>) -> Option<PathBuf> {
        flag.cloned().or_else(|| self.config.anchor.clone())
    }

    /// The built-in playbooks and the user's (`playbooks/` in the config directory).
    pub fn playbooks(&self) -> crate::playbook::PlaybookSet {
        crate::playbook::load_all(Some(&self.dirs.config.join("playbooks")))
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    crate::timing::start();
    quiet_broken_pipe();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("custody: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::from(141),
        Err(e) => {
            eprintln!(
                "custody: {}",
                crate::untrusted::escape_untrusted(&output::error_chain(&e))
            );
            ExitCode::from(2)
        }
    }
}

/// Standard output's reader went away (`custody export | head`). This, and only this,
/// exits quietly with 141 as a process killed by SIGPIPE would: a broken pipe anywhere
/// else (the socket to PostgreSQL) is a failure to report. Anything sealed is already
/// committed: writes to the store never go through stdout.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed by its reader")]
pub struct StdoutClosed;

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<StdoutClosed>().is_some()
}

fn quiet_broken_pipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        // Rust ignores SIGPIPE, so `println!` to a closed pipe panics with this message.
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        previous(info);
    }));
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // These describe the command line itself: no config, no store.
    match &cli.command {
        Some(Command::Completions(args)) => return completions::completions(args),
        Some(Command::Man) => return completions::man(),
        _ => {}
    }
    let env = Env::resolve(&cli).await?;
    let read_only = cli.console.read_only;
    let explicit_store = cli.store.clone();
    match cli.command {
        None => {
            let store = env.open_store().await?;
            if !read_only && store.check_writable().is_ok() {
                projection::catch_up(&store).await?;
            }
            let shown = console::open(&env, &cli.console, store.clone()).await;
            store.close().await;
            shown?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo(args)) => seed::demo(&env, args, &cli.console).await,
        Some(Command::Seed(args)) => seed::seed(&env, args).await,
        Some(Command::Ingest(args)) => ingest::run(&env, args).await,
        Some(Command::Verify(args)) => verify::run(&env, args).await,
        Some(Command::Export(args)) => export::export(&env, args).await,
        Some(Command::Evidence(cmd)) => evidence::run(&env, cmd).await,
        Some(Command::Checkpoint) => export::checkpoint(&env).await,
        Some(Command::Key) => export::key(&env),
        Some(Command::Tail(args)) => tail::run(&env, args).await,
        Some(Command::Pause(args)) => act::agent(&env, Action::Pause, args, read_only).await,
        Some(Command::Resume(args)) => act::agent(&env, Action::Resume, args, read_only).await,
        Some(Command::RevokeToken(args)) => act::revoke(&env, args, read_only).await,
        Some(Command::Rollback(args)) => act::rollback(&env, args, read_only).await,
        Some(Command::Notify(args)) => act::agent(&env, Action::Notify, args, read_only).await,
        Some(Command::Incident(cmd)) => incident::run(&env, cmd, read_only).await,
        Some(Command::Serve(args)) => serve::run(&env, args).await,
        Some(Command::McpProxy(args)) => mcp::run(&env, args).await,
        Some(Command::Approvals(cmd)) => approvals::list(&env, cmd).await,
        Some(Command::Approve(args)) => {
            approvals::decide(&env, args, crate::gate::Verdict::Approve, read_only).await
        }
        Some(Command::Deny(args)) => {
            approvals::decide(&env, args, crate::gate::Verdict::Deny, read_only).await
        }
        Some(Command::Policy(cmd)) => policy::run(&env, cmd),
        Some(Command::Projection(cmd)) => projection::run(&env, cmd).await,
        Some(Command::Agent(cmd)) => agent::run(&env, cmd, read_only).await,
        Some(Command::Operator(cmd)) => operator::run(&env, cmd, read_only).await,
        Some(Command::Gameday(cmd)) => gameday::run(&env, cmd, explicit_store.as_deref()).await,
        Some(Command::Completions(_) | Command::Man) => Ok(ExitCode::SUCCESS), // answered above
    }
}
