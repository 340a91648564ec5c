//! `custody agent token issue|list|revoke` and `custody agent set|list|show`: the tokens
//! an agent presents to the gate (its id comes from the token, never from a request
//! body), and the agent registry (owner, autonomy 0–3, Ed25519 public key), whose every
//! change is a sealed `agent.registry` event.

use super::response::{self, refuse, untrusted, Stop};
use super::tokens::{self, Issue};
use super::Env;
use crate::event::Timestamp;
use crate::identity::registry::{self, Change};
use crate::identity::{Credential, CredentialKind};
use crate::respond::{self, load, Permission};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Agent tokens: issue, list, revoke (responder or above to issue and revoke).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Register or change an agent: owner, autonomy level, public key (approver or above).
    Set(SetArgs),
    /// The agent registry.
    List,
    /// One agent: its registry entry, its tokens (refs only) and its control state.
    Show {
        /// The agent id.
        agent: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a bearer token for AGENT; it is printed once and only its hash is kept.
    Issue {
        /// The agent id the token stands for.
        agent: String,
        /// Lifetime: 90s, 30m, 12h, 30d, 8w.
        #[arg(long, default_value = "30d", value_parser = tokens::ttl)]
        ttl: u64,
    },
    /// List agent tokens (refs, never the tokens), optionally of one agent.
    List { agent: Option<String> },
    /// Revoke one token (by TOKEN_REF) or every active token of an agent.
    Revoke {
        /// A token_ref, or an agent id.
        target: String,
        /// Why, for the record (required).
        #[arg(long, value_name = "TEXT")]
        justification: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The agent id.
    pub agent: String,
    /// Who answers for the agent (a person or team).
    #[arg(long)]
    pub owner: Option<String>,
    /// Autonomy level 0–3, which the policy reads: earned one level at a time.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub autonomy: Option<u8>,
    /// The agent's Ed25519 public key (32 bytes, base64) that its proposals are signed with.
    #[arg(long, value_name = "BASE64_ED25519")]
    pub public_key: Option<String>,
    /// Why, for the record (required).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
}

pub async fn run(env: &Env, cmd: AgentCommand, read_only: bool) -> anyhow::Result<ExitCode> {
    let outcome = match cmd {
        AgentCommand::Token(TokenCommand::Issue { agent, ttl }) => {
            let ask = Issue {
                kind: CredentialKind::Agent,
                subject: &agent,
                role: None,
                ttl_s: Some(ttl),
                permission: Permission::AgentTokens,
            };
            tokens::issue(env, ask, read_only).await
        }
        AgentCommand::Token(TokenCommand::List { agent }) => {
            tokens::list(env, CredentialKind::Agent, agent.as_deref()).await
        }
        AgentCommand::Token(TokenCommand::Revoke {
            target,
            justification,
        }) => {
            tokens::revoke(
                env,
                CredentialKind::Agent,
                &target,
                justification.as_deref().unwrap_or(""),
                Permission::AgentTokens,
                read_only,
            )
            .await
        }
        AgentCommand::Set(args) => set(env, args, read_only).await,
        AgentCommand::List => list(env).await,
        AgentCommand::Show { agent } => show(env, &agent).await,
    };
    Ok(response::exit(outcome))
}

async fn set(env: &Env, args: SetArgs, read_only: bool) -> Result<ExitCode, Stop> {
    if read_only {
        return Err(respond::Refused::ReadOnly.into());
    }
    env.config
        .roles()
        .check(&env.operator.name, Permission::RegisterAgent)
        .map_err(respond::Refused::from)?;
    let justification = args.justification.unwrap_or_default();
    if justification.trim().is_empty() {
        return Err(respond::Refused::NoJustification.into());
    }
    let change = Change {
        owner: args.owner,
        autonomy: args.autonomy,
        public_key: args.public_key,
    };
    if let Err(bad) = change.check() {
        return refuse(bad.to_string());
    }
    let event = registry::event(
        &args.agent,
        &change,
        &env.operator.name,
        &justification,
        respond::new_id(),
        Timestamp::now(),
    );
    let sealing = response::sealing(env)?;
    let store = response::open_existing(env).await?;
    let sealed = respond::seal(&store, &sealing, vec![event], false).await;
    store.close().await;
    let seqs = sealed.map_err(respond::Refused::CannotSeal)?;
    println!(
        "registered {} (seq {})",
        untrusted(&args.agent),
        seqs.first().copied().unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

async fn list(env: &Env) -> Result<ExitCode, Stop> {
    let store = response::open_for_reading(env).await?;
    let registry = load::load_registry(&store).await;
    store.close().await;
    let registry = registry?;
    if registry.is_empty() {
        eprintln!(
            "no agents registered; `custody agent set AGENT --owner … --autonomy …` registers one"
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<24}  {:<20}  {:<8}  {:<6}  {:<24}  SET BY",
        "AGENT", "OWNER", "AUTONOMY", "SIGNS", "SINCE"
    );
    for (agent, e) in &registry {
        println!(
            "{:<24}  {:<20}  {:<8}  {:<6}  {:<24}  {}",
            untrusted(agent),
            e.owner.as_deref().map_or("-".into(), untrusted),
            e.autonomy.map_or("-".into(), |a| a.to_string()),
            if e.public_key.is_some() { "yes" } else { "no" },
            e.at.to_rfc3339(),
            untrusted(&e.set_by),
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(env: &Env, agent: &str) -> Result<ExitCode, Stop> {
    let store = response::open_for_reading(env).await?;
    let read = async {
        let registry = load::load_registry(&store).await?;
        let tokens = store.credentials(Some(CredentialKind::Agent)).await?;
        let situation = load::situation(&store).await?;
        Ok::<_, crate::store::StoreError>((registry, tokens, situation))
    }
    .await;
    store.close().await;
    let (registry, tokens, situation) = read?;
    let now = Timestamp::now();
    let tokens: Vec<&Credential> = tokens.iter().filter(|c| c.subject == agent).collect();
    println!("agent      {}", untrusted(agent));
    match registry.get(agent) {
        Some(e) => {
            println!(
                "owner      {}",
                e.owner.as_deref().map_or("-".into(), untrusted)
            );
            println!(
                "autonomy   {}",
                e.autonomy.map_or("-".into(), |a| a.to_string())
            );
            println!("public key {}", e.public_key.as_deref().unwrap_or("-"));
            println!("set by     {} at {}", untrusted(&e.set_by), e.at);
        }
        None => println!("registry   not registered"),
    }
    let state = situation
        .agents
        .get(agent)
        .map_or("active", |a| a.state().as_str());
    println!("control    {state}");
    if tokens.is_empty() {
        println!("tokens     none");
    }
    for c in tokens {
        println!(
            "token      {}  {}  created {}  expires {}",
            c.token_ref,
            c.state_at(now),
            c.created_at,
            c.expires_at.map_or("never".into(), |t| t.to_rfc3339())
        );
    }
    Ok(ExitCode::SUCCESS)
}
