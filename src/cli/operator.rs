//! `custody operator token issue|list|revoke`: the tokens operators present to the gate's
//! API. Only an admin issues or revokes them; the role is fixed in the credential.

use super::response;
use super::tokens::{self, Issue};
use super::Env;
use crate::identity::CredentialKind;
use crate::respond::{Permission, Role};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Operator tokens: issue (admin only), list, revoke (admin only).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for NAME with a role; it is printed once and only its hash is kept.
    Issue {
        /// The operator's name (as in `[roles]`).
        name: String,
        /// The role the token acts in.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["viewer", "responder", "approver", "admin"]))]
        role: String,
        /// Lifetime: 90s, 30m, 12h, 90d, 8w.
        #[arg(long, default_value = "90d", value_parser = tokens::ttl)]
        ttl: u64,
    },
    /// List operator tokens (refs, never the tokens), optionally of one operator.
    List { name: Option<String> },
    /// Revoke one token (by TOKEN_REF) or every active token of an operator.
    Revoke {
        /// A token_ref, or an operator's name.
        target: String,
        /// Why, for the record (required).
        #[arg(long, value_name = "TEXT")]
        justification: Option<String>,
    },
}

pub async fn run(env: &Env, cmd: OperatorCommand, read_only: bool) -> anyhow::Result<ExitCode> {
    let OperatorCommand::Token(cmd) = cmd;
    let outcome = match cmd {
        TokenCommand::Issue { name, role, ttl } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let ask = Issue {
                kind: CredentialKind::Operator,
                subject: &name,
                role: Some(role),
                ttl_s: Some(ttl),
                permission: Permission::OperatorTokens,
            };
            tokens::issue(env, ask, read_only).await
        }
        TokenCommand::List { name } => {
            tokens::list(env, CredentialKind::Operator, name.as_deref()).await
        }
        TokenCommand::Revoke {
            target,
            justification,
        } => {
            tokens::revoke(
                env,
                CredentialKind::Operator,
                &target,
                justification.as_deref().unwrap_or(""),
                Permission::OperatorTokens,
                read_only,
            )
            .await
        }
    };
    Ok(response::exit(outcome))
}
