//! Who is calling: an agent or an operator, from the bearer token alone. Never from the
//! body. An unknown, expired or revoked token is a 401, sealed as a refusal.

use super::error::ApiError;
use super::state::Gate;
use crate::event::{ActorType, Timestamp};
use crate::gate::{Refusal, Voter};
use crate::identity::{hash_token, parse_token, CredentialKind};
use axum::http::{HeaderMap, StatusCode};

/// An authenticated agent.
#[derive(Debug, Clone)]
pub struct AgentCaller {
    pub agent: String,
    pub token_ref: String,
    pub created_ms: i64,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn refuse(
    gate: &Gate,
    code: &'static str,
    message: String,
    agent: Option<String>,
) -> ApiError {
    let id = super::seal_refusal(
        gate,
        Refusal {
            code: code.into(),
            message: message.clone(),
            actor: agent.clone().map(|a| (ActorType::Agent, a)),
            agent,
            about: None,
        },
        false,
    )
    .await;
    ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_event(id)
}

async fn credential(
    gate: &Gate,
    headers: &HeaderMap,
    want: CredentialKind,
) -> Result<crate::identity::Credential, ApiError> {
    let Some(token) = bearer(headers) else {
        return Err(refuse(
            gate,
            "no_token",
            "an Authorization: Bearer token is required".into(),
            None,
        )
        .await);
    };
    let Some(token_ref) = parse_token(token) else {
        return Err(refuse(
            gate,
            "unknown_token",
            "the token is not a custody token".into(),
            None,
        )
        .await);
    };
    let token_ref = token_ref.to_string();
    let found = gate
        .store
        .credential_by_hash(&hash_token(token))
        .await
        .map_err(ApiError::internal)?;
    let Some(cred) = found.filter(|c| c.kind == want) else {
        return Err(refuse(
            gate,
            "unknown_token",
            format!("token {token_ref} is not known"),
            None,
        )
        .await);
    };
    if let Err(why) = cred.usable_at(Timestamp::now()) {
        let agent = (cred.kind == CredentialKind::Agent).then(|| cred.subject.clone());
        return Err(refuse(
            gate,
            "token_unusable",
            format!("token {token_ref}: {why}"),
            agent,
        )
        .await);
    }
    Ok(cred)
}

/// The agent behind the request's token.
pub async fn agent(gate: &Gate, headers: &HeaderMap) -> Result<AgentCaller, ApiError> {
    let cred = credential(gate, headers, CredentialKind::Agent).await?;
    let caller = AgentCaller {
        agent: cred.subject.clone(),
        token_ref: cred.token_ref.clone(),
        created_ms: cred.created_at.millis(),
    };
    // A revocation sealed by the console or CLI binds at once, before the credential
    // table is marked.
    if let Some(b) = gate.blocked(&caller.agent, caller.created_ms) {
        if b.state == crate::incident::ControlState::TokenRevoked {
            return Err(refuse(
                gate,
                "token_revoked",
                format!(
                    "token {} of {} was revoked ({}, event {})",
                    caller.token_ref, caller.agent, b.reason, b.event_id
                ),
                Some(caller.agent.clone()),
            )
            .await);
        }
    }
    Ok(caller)
}

/// The operator behind the request's token, as a voter.
pub async fn operator(gate: &Gate, headers: &HeaderMap) -> Result<Voter, ApiError> {
    let cred = credential(gate, headers, CredentialKind::Operator).await?;
    Ok(Voter {
        role: cred.role.unwrap_or(crate::respond::Role::Viewer),
        authn: crate::event::Authn {
            method: crate::event::AuthnMethod::Token,
            os_user: None,
            token_ref: Some(cred.token_ref.clone()),
            claimed: None,
        },
        name: cred.subject,
    })
}
