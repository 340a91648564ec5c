//! The operator at the keyboard, established from a credential, never from a typed name.
//!
//! - On a local SQLite store the credential is the OS user custody runs as. A claimed
//!   name (`--operator`, config `operator`) that differs is honoured only when config sets
//!   `allow_operator_override` (the demo does); the events then record both names.
//! - On PostgreSQL it is the session's authenticated role (`session_user`); a claimed
//!   name may only be the same one.
//! - At the gate it is an operator token (`Operator::from_credential`).
//!
//! `authenticate` decides; finding the OS user or the session role is the edge's job.

use super::token::{Credential, CredentialKind};
use crate::event::{Authn, AuthnMethod as Method};
use crate::respond::Role;

/// An operator whose identity custody established, with the role it acts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    pub role: Role,
    pub authn: Authn,
}

/// What the credential proved, before any claim is considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Established {
    /// The OS user custody runs as (local SQLite store).
    OsUser(String),
    /// The PostgreSQL session role (`session_user`).
    DatabaseRole(String),
}

/// A name the operator typed or configured, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim<'a> {
    pub name: &'a str,
    /// `--operator`, or `operator` in the config file.
    pub from: &'static str,
}

/// A claimed identity that the credential does not back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRefused {
    #[error("{from} names `{claimed}`, but you are the OS user `{actual}`; a claimed operator is honoured only when the config sets `allow_operator_override = true` (the demo does); nothing was done")]
    NotAllowed {
        claimed: String,
        actual: String,
        from: &'static str,
    },
    #[error("{from} names `{claimed}`, but you are connected to PostgreSQL as `{actual}`; on PostgreSQL the operator is the database role, and {from} may only name that same role; nothing was done")]
    NotTheSessionRole {
        claimed: String,
        actual: String,
        from: &'static str,
    },
}

/// The operator's name and how it was established, from the credential and any claim.
/// The role is the caller's to look up for the returned name.
pub fn authenticate(
    established: &Established,
    claim: Option<Claim<'_>>,
    allow_override: bool,
) -> Result<(String, Authn), ClaimRefused> {
    let claim = claim.filter(|c| !c.name.is_empty());
    match established {
        Established::OsUser(actual) => {
            let mut authn = Authn::new(Method::OsUser);
            authn.os_user = Some(actual.clone());
            match claim {
                Some(c) if c.name != actual => {
                    if !allow_override {
                        return Err(ClaimRefused::NotAllowed {
                            claimed: c.name.to_string(),
                            actual: actual.clone(),
                            from: c.from,
                        });
                    }
                    authn.claimed = Some(c.name.to_string());
                    Ok((c.name.to_string(), authn))
                }
                _ => Ok((actual.clone(), authn)),
            }
        }
        Established::DatabaseRole(actual) => match claim {
            Some(c) if c.name != actual => Err(ClaimRefused::NotTheSessionRole {
                claimed: c.name.to_string(),
                actual: actual.clone(),
                from: c.from,
            }),
            _ => Ok((actual.clone(), Authn::new(Method::DatabaseRole))),
        },
    }
}

impl Operator {
    /// The operator an operator token stands for; `None` for an agent's token or one
    /// without a role.
    pub fn from_credential(c: &Credential) -> Option<Operator> {
        if c.kind != CredentialKind::Operator {
            return None;
        }
        let mut authn = Authn::new(Method::Token);
        authn.token_ref = Some(c.token_ref.clone());
        Some(Operator {
            name: c.subject.clone(),
            role: c.role?,
            authn,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::Timestamp;

    fn os(name: &str) -> Established {
        Established::OsUser(name.into())
    }

    fn flag(name: &str) -> Option<Claim<'_>> {
        Some(Claim {
            name,
            from: "--operator",
        })
    }

    #[test]
    fn without_a_claim_the_operator_is_the_os_user() {
        let (name, authn) = authenticate(&os("raj"), None, false).unwrap();
        assert_eq!(name, "raj");
        assert_eq!(authn.method, Method::OsUser);
        assert_eq!(authn.os_user.as_deref(), Some("raj"));
        assert_eq!(authn.claimed, None);
    }

    #[test]
    fn claiming_someone_else_without_the_override_is_refused_naming_both() {
        let err = authenticate(&os("raj"), flag("ana"), false).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`ana`")
                && text.contains("`raj`")
                && text.contains("allow_operator_override"),
            "{text}"
        );
    }

    #[test]
    fn claiming_oneself_is_no_claim_at_all() {
        let (name, authn) = authenticate(&os("raj"), flag("raj"), false).unwrap();
        assert_eq!((name.as_str(), authn.claimed), ("raj", None));
    }

    #[test]
    fn with_the_override_the_claim_is_honoured_and_the_os_user_kept_beside_it() {
        let (name, authn) = authenticate(&os("raj"), flag("ana"), true).unwrap();
        assert_eq!(name, "ana");
        assert_eq!(authn.os_user.as_deref(), Some("raj"));
        assert_eq!(authn.claimed.as_deref(), Some("ana"));
    }

    #[test]
    fn on_postgres_only_the_session_role_may_be_named_even_with_the_override() {
        let pg = Established::DatabaseRole("ana".into());
        assert!(authenticate(&pg, flag("bob"), true).is_err());
        let (name, authn) = authenticate(&pg, flag("ana"), false).unwrap();
        assert_eq!((name.as_str(), authn.method), ("ana", Method::DatabaseRole));
    }

    #[test]
    fn an_operator_token_stands_for_its_operator_and_an_agent_token_for_none() {
        let mut c = Credential {
            token_ref: "0123456789ab".into(),
            kind: CredentialKind::Operator,
            subject: "ana".into(),
            role: Some(Role::Approver),
            created_at: Timestamp::from_millis(0).unwrap(),
            expires_at: None,
            revoked_at: None,
            revoked_by: None,
        };
        let op = Operator::from_credential(&c).unwrap();
        assert_eq!((op.name.as_str(), op.role), ("ana", Role::Approver));
        assert_eq!(op.authn.method, Method::Token);
        assert_eq!(op.authn.token_ref.as_deref(), Some("0123456789ab"));
        c.kind = CredentialKind::Agent;
        assert_eq!(Operator::from_credential(&c), None);
    }
}
