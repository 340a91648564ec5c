//! What `custody agent token …` and `custody operator token …` share: issuing a token
//! (sealed as `credential.issue` first, stored hashed after, printed once), listing
//! credentials (refs, never tokens or hashes) and revoking them (sealed as
//! `credential.revoke` first, then marked revoked with that event's id).

use super::response::{self, refuse, untrusted, Stop};
use super::Env;
use crate::event::Timestamp;
use crate::identity::{self, events, Credential, CredentialKind};
use crate::respond::{self, Permission, Role};
use std::process::ExitCode;

/// What to issue.
pub struct Issue<'a> {
    pub kind: CredentialKind,
    pub subject: &'a str,
    pub role: Option<Role>,
    pub ttl_s: Option<u64>,
    pub permission: Permission,
}

/// Refuses a viewer (or whoever the permission excludes) and a read-only run first.
fn allowed(env: &Env, permission: Permission, read_only: bool) -> Result<(), Stop> {
    if read_only {
        return Err(respond::Refused::ReadOnly.into());
    }
    env.config
        .roles()
        .check(&env.operator.name, permission)
        .map_err(respond::Refused::from)?;
    Ok(())
}

pub async fn issue(env: &Env, ask: Issue<'_>, read_only: bool) -> Result<ExitCode, Stop> {
    allowed(env, ask.permission, read_only)?;
    if ask.subject.trim().is_empty() || ask.subject.chars().any(char::is_control) {
        return refuse("the subject must be a non-empty name without control characters");
    }
    let store = response::open_existing(env).await?;
    let done = async {
        let (token, token_ref, hash) = identity::new_token(ask.kind);
        let now = Timestamp::now();
        let expires_at = ask
            .ttl_s
            .and_then(|s| i64::try_from(s.saturating_mul(1000)).ok())
            .and_then(|ms| Timestamp::from_millis(now.millis().saturating_add(ms)));
        let credential = Credential {
            token_ref,
            kind: ask.kind,
            subject: ask.subject.to_string(),
            role: ask.role,
            created_at: now,
            expires_at,
            revoked_at: None,
            revoked_by: None,
        };
        let sealing = response::sealing(env)?;
        let event = events::issued(&credential, &env.operator.name, respond::new_id(), now);
        respond::seal(&store, &sealing, vec![event], false)
            .await
            .map_err(respond::Refused::CannotSeal)?;
        store.insert_credential(&credential, &hash).await?;
        eprintln!(
            "issued {} token {} for {}{}{}",
            credential.kind,
            credential.token_ref,
            untrusted(&credential.subject),
            credential
                .role
                .map(|r| format!(" as {r}"))
                .unwrap_or_default(),
            credential
                .expires_at
                .map(|t| format!(", expires {t}"))
                .unwrap_or_else(|| ", no expiry".into()),
        );
        eprintln!("custody stores only its SHA-256 and will never show it again: keep it secret.");
        println!("{token}");
        Ok(ExitCode::SUCCESS)
    }
    .await;
    store.close().await;
    done
}

pub async fn list(
    env: &Env,
    kind: CredentialKind,
    subject: Option<&str>,
) -> Result<ExitCode, Stop> {
    let store = response::open_for_reading(env).await?;
    let found = store.credentials(Some(kind)).await;
    store.close().await;
    let now = Timestamp::now();
    let rows: Vec<Credential> = found?
        .into_iter()
        .filter(|c| subject.is_none_or(|s| c.subject == s))
        .collect();
    if rows.is_empty() {
        eprintln!("no {kind} tokens");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<12}  {:<20}  {:<9}  {:<7}  {:<24}  {:<24}  REVOKED BY",
        "TOKEN_REF", "SUBJECT", "ROLE", "STATE", "CREATED", "EXPIRES"
    );
    for c in rows {
        println!(
            "{:<12}  {:<20}  {:<9}  {:<7}  {:<24}  {:<24}  {}",
            c.token_ref,
            untrusted(&c.subject),
            c.role.map_or("-", Role::as_str),
            c.state_at(now),
            c.created_at.to_rfc3339(),
            c.expires_at.map_or("-".into(), |t| t.to_rfc3339()),
            c.revoked_by.as_deref().map_or("-".into(), untrusted),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Revokes the token `target` names (a token_ref), or every active token of the subject
/// `target`, sealing `credential.revoke` first.
pub async fn revoke(
    env: &Env,
    kind: CredentialKind,
    target: &str,
    justification: &str,
    permission: Permission,
    read_only: bool,
) -> Result<ExitCode, Stop> {
    allowed(env, permission, read_only)?;
    if justification.trim().is_empty() {
        return Err(respond::Refused::NoJustification.into());
    }
    let store = response::open_existing(env).await?;
    let done = async {
        let active: Vec<Credential> = store
            .credentials(Some(kind))
            .await?
            .into_iter()
            .filter(|c| c.revoked_at.is_none())
            .collect();
        let by_ref: Vec<Credential> = active
            .iter()
            .filter(|c| c.token_ref == target)
            .cloned()
            .collect();
        let chosen = if by_ref.is_empty() {
            active.into_iter().filter(|c| c.subject == target).collect()
        } else {
            by_ref
        };
        let now = Timestamp::now();
        let id = respond::new_id();
        let Some(event) =
            events::revoked(&chosen, target, &env.operator.name, justification, id.clone(), now)
        else {
            return refuse(format!(
                "no active {kind} token is named `{target}` or belongs to it; `custody {kind} token list` shows them"
            ));
        };
        let sealing = response::sealing(env)?;
        respond::seal(&store, &sealing, vec![event], false)
            .await
            .map_err(respond::Refused::CannotSeal)?;
        let mut n = 0;
        for c in &chosen {
            n += store
                .revoke_credentials(Some(kind), &c.token_ref, now, &id)
                .await?;
        }
        let refs: Vec<&str> = chosen.iter().map(|c| c.token_ref.as_str()).collect();
        println!("revoked {n} {kind} token(s): {} (event {id})", refs.join(", "));
        Ok(ExitCode::SUCCESS)
    }
    .await;
    store.close().await;
    done
}

/// `--ttl` for clap.
pub fn ttl(s: &str) -> Result<u64, String> {
    identity::parse_ttl(s)
}
