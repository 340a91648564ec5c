//! `custody approvals list`, `custody approve ID`, `custody deny ID`: deciding pending
//! requests from a shell, as the authenticated operator, through the same rules as the
//! console and the API (`crate::approvals`).

use super::response::untrusted;
use super::Env;
use crate::approvals::{vote, VoteError};
use crate::event::Timestamp;
use crate::gate::{Ballot, Verdict, Voter};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// Pending approval requests, oldest first, with what each waits for.
    List {
        /// One JSON object per line instead of the table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The request id (the proposal's id, as `approvals list` shows it).
    pub id: String,
    /// Why, for the record (mandatory).
    #[arg(long)]
    pub justification: String,
    /// Admins only: approve alone, on the record as break-glass.
    #[arg(long)]
    pub break_glass: bool,
}

pub async fn list(env: &Env, cmd: ApprovalsCommand) -> anyhow::Result<ExitCode> {
    let ApprovalsCommand::List { json } = cmd;
    let store = env.open_store_read_only().await?;
    let pending = store.pending_requests().await?;
    let now = Timestamp::now();
    if json {
        for r in &pending {
            println!("{}", crate::approvals::request_json(r));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if pending.is_empty() {
        println!("no pending approval requests");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<36}  {:<4} {:<18} {:>5}  {:>9}  SUMMARY",
        "ID", "TIER", "AGENT", "VOTES", "EXPIRES"
    );
    for r in &pending {
        let left = (r.expires_at.millis() - now.millis()) / 1000;
        println!(
            "{:<36}  {:<4} {:<18} {:>2}/{:<2}  {:>9}  {}",
            untrusted(&r.id),
            r.tier.map_or("-".into(), |t| t.to_string()),
            untrusted(&r.agent),
            r.approvals(),
            r.needs,
            if left > 0 {
                format!("{}m{:02}s", left / 60, left % 60)
            } else {
                "expired".into()
            },
            untrusted(&r.summary),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The operator at the keyboard, as a voter (the console votes as this one too).
pub(super) fn voter(env: &Env) -> Voter {
    Voter {
        name: env.operator.name.clone(),
        role: env.operator.role,
        authn: env.operator.authn.clone(),
    }
}

pub async fn decide(
    env: &Env,
    args: DecideArgs,
    verdict: Verdict,
    read_only: bool,
) -> anyhow::Result<ExitCode> {
    if read_only {
        eprintln!("custody: refused: read-only (--read-only): votes are disabled");
        return Ok(ExitCode::from(2));
    }
    let store = env.open_existing_store().await?;
    let ctx = crate::store::SealContext::new(env.signer()?, env.anchor(None));
    let voter = voter(env);
    let ballot = Ballot {
        verdict,
        justification: args.justification,
        break_glass: args.break_glass,
    };
    let out = vote(&store, &ctx, &args.id, &voter, &ballot).await;
    store.close().await;
    match out {
        Ok(done) => {
            let word = crate::approvals::verdict_word(verdict);
            match (done.tally, &done.grant) {
                (crate::gate::Tally::Counted { approvals, needs }, _) => println!(
                    "{word} request {}: {approvals} of {needs} approvals; waiting for {} more (seq {})",
                    untrusted(&args.id),
                    needs - approvals,
                    done.seqs.first().copied().unwrap_or(0)
                ),
                (crate::gate::Tally::Approved, Some(grant)) => println!(
                    "{word} request {}: APPROVED{}; grant {grant} (seqs {:?})",
                    untrusted(&args.id),
                    if ballot.break_glass { " by BREAK-GLASS" } else { "" },
                    done.seqs
                ),
                _ => println!("{word} request {}: DENIED (seqs {:?})", untrusted(&args.id), done.seqs),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(VoteError::Refused { refusal, sealed }) => {
            eprintln!(
                "custody: refused: {}{}",
                untrusted(&refusal.to_string()),
                sealed.map_or(String::new(), |s| format!(" (sealed as seq {s})"))
            );
            Ok(ExitCode::from(2))
        }
        Err(VoteError::NotFound(id)) => {
            eprintln!("custody: refused: no approval request {}", untrusted(&id));
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

/// Seals the refusal of a vote whose operator was only claimed (`--operator` naming
/// someone else without `allow_operator_override`). Best effort: the refusal stands even
/// when the store cannot take it.
pub async fn seal_claim_refusal(
    (store_url, key, key_name): (&str, &std::path::Path, String),
    request_id: &str,
    refused: &crate::identity::ClaimRefused,
) {
    let (claimed, actual) = match refused {
        crate::identity::ClaimRefused::NotAllowed {
            claimed, actual, ..
        }
        | crate::identity::ClaimRefused::NotTheSessionRole {
            claimed, actual, ..
        } => (claimed.clone(), actual.clone()),
    };
    let Ok(store) = crate::store::Store::open_existing(store_url, None).await else {
        return;
    };
    let Ok(signer) = crate::config::keyfile::load_or_create(key, &key_name) else {
        return;
    };
    let ctx = crate::store::SealContext::new(signer, None);
    let event = crate::gate::refusal_event(
        &crate::gate::Refusal {
            code: "claimed_identity".into(),
            message: format!("a vote claimed to be by {claimed}, from {actual}: {refused}"),
            actor: Some((crate::event::ActorType::Human, actual)),
            agent: None,
            about: Some(request_id.to_string()),
        },
        false,
        crate::respond::new_id(),
        Timestamp::now(),
    );
    let _ = crate::respond::seal(&store, &ctx, vec![event], false).await;
    store.close().await;
}
