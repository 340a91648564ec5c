//! The sealed record of issuing and revoking credentials (`credential.issue`,
//! `credential.revoke`): the token_ref, subject, role, expiry and the operator — never the
//! token or its hash.

use super::token::Credential;
use crate::event::{Action, Actor, ActorType, Agent, Context, Event, Tier, Timestamp};
use serde_json::{json, Map, Value};

/// `credential.issue` for `c`, issued by `operator`.
pub fn issued(c: &Credential, operator: &str, event_id: String, time: Timestamp) -> Event {
    let mut params = Map::new();
    params.insert("token_ref".into(), json!(c.token_ref));
    params.insert("kind".into(), json!(c.kind.as_str()));
    params.insert("subject".into(), json!(c.subject));
    if let Some(r) = c.role {
        params.insert("role".into(), json!(r.as_str()));
    }
    if let Some(t) = c.expires_at {
        params.insert("expires_at".into(), json!(t.to_rfc3339()));
    }
    base(
        "credential.issue",
        c,
        operator,
        params,
        format!("issued a {} token to {}", c.kind, c.subject),
        event_id,
        time,
    )
}

/// `credential.revoke` for the credentials `revoked` (all of one subject), by `operator`.
pub fn revoked(
    revoked: &[Credential],
    asked: &str,
    operator: &str,
    justification: &str,
    event_id: String,
    time: Timestamp,
) -> Option<Event> {
    let first = revoked.first()?;
    let mut params = Map::new();
    params.insert("asked".into(), json!(asked));
    params.insert(
        "token_refs".into(),
        json!(revoked.iter().map(|c| &c.token_ref).collect::<Vec<_>>()),
    );
    params.insert("kind".into(), json!(first.kind.as_str()));
    params.insert("subject".into(), json!(first.subject));
    Some(base(
        "credential.revoke",
        first,
        operator,
        params,
        justification.to_string(),
        event_id,
        time,
    ))
}

fn base(
    kind: &str,
    c: &Credential,
    operator: &str,
    params: Map<String, Value>,
    justification: String,
    event_id: String,
    time: Timestamp,
) -> Event {
    let mut e = Event::custody(kind, event_id, time, Actor::new(ActorType::Human, operator));
    e.agent = (c.kind == super::CredentialKind::Agent).then(|| Agent::new(c.subject.clone()));
    e.action = Some(Action {
        kind: kind.into(),
        target_system: Some("custody".into()),
        resource: Some(format!("credential://{}", c.token_ref)),
        environment: None,
        params: Some(Value::Object(params)),
        before: None,
        after: None,
    });
    e.reason_code = Some("access_change".into());
    e.tier = Some(Tier::T1);
    e.context = Some(Context::default());
    e.justification = Some(justification);
    e
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::identity::{new_token, CredentialKind};

    #[test]
    fn the_issue_event_names_the_ref_but_never_the_token_or_its_hash() {
        let (token, token_ref, hash) = new_token(CredentialKind::Agent);
        let c = Credential {
            token_ref: token_ref.clone(),
            kind: CredentialKind::Agent,
            subject: "autoscaler".into(),
            role: None,
            created_at: Timestamp::from_millis(0).unwrap(),
            expires_at: None,
            revoked_at: None,
            revoked_by: None,
        };
        let e = issued(&c, "ana", "e1".into(), Timestamp::from_millis(0).unwrap());
        let text = serde_json::to_string(&e).unwrap();
        assert!(text.contains(&token_ref));
        assert!(!text.contains(&token) && !text.contains(&hash));
        assert!(crate::event::check_own(&e).is_ok());
    }
}
