//! Who may do what. Roles come from the config file:
//!
//! ```toml
//! default_role = "responder"   # operators not listed below (default: responder)
//! [roles]
//! ana = "approver"
//! guest = "viewer"
//! ```
//!
//! | role | may |
//! |---|---|
//! | `viewer` | browse, search, trace, verify, export; nothing that writes an incident or control event |
//! | `responder` | open incidents, pick playbooks, walk checklists, pause, revoke tokens, roll back, notify, sign checkpoints |
//! | `approver` | all of that, and resume agents and close incidents |
//! | `admin` | everything |
//!
//! The check runs before a dialog opens, so a viewer is told at once instead of after
//! typing a justification.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Responder,
    Approver,
    Admin,
}

impl Role {
    /// `a` or `an`, for messages: "an approver".
    pub fn article(self) -> &'static str {
        match self {
            Role::Approver | Role::Admin => "an",
            Role::Viewer | Role::Responder => "a",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "responder" => Ok(Role::Responder),
            "approver" => Ok(Role::Approver),
            "admin" => Ok(Role::Admin),
            _ => Err(format!(
                "`{s}` is not a role: viewer, responder, approver or admin"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something an operator asks to do that a role may forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Open an incident, pick a playbook, walk a checklist.
    Respond,
    /// Pause, revoke a token, roll back, notify.
    Contain,
    /// Let a paused or revoked agent act again.
    Resume,
    /// Close an incident.
    Close,
    /// Issue or revoke an agent's token.
    AgentTokens,
    /// Change the agent registry: owner, autonomy, public key.
    RegisterAgent,
    /// Issue or revoke an operator's token.
    OperatorTokens,
}

impl Permission {
    fn needs(self) -> Role {
        match self {
            Permission::Respond | Permission::Contain | Permission::AgentTokens => Role::Responder,
            Permission::Resume | Permission::Close | Permission::RegisterAgent => Role::Approver,
            Permission::OperatorTokens => Role::Admin,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Permission::Respond => "work on incidents",
            Permission::Contain => "run containment actions",
            Permission::Resume => "resume an agent",
            Permission::Close => "close an incident",
            Permission::AgentTokens => "issue or revoke agent tokens",
            Permission::RegisterAgent => "change the agent registry",
            Permission::OperatorTokens => "issue or revoke operator tokens",
        }
    }
}

/// The operator's role does not allow the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operator} is {} {role}; only {} {needed} or above may {what}", .role.article(), .needed.article())]
pub struct Forbidden {
    pub operator: String,
    pub role: Role,
    pub needed: Role,
    pub what: &'static str,
}

/// The role table from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles {
    pub default: Role,
    pub by_operator: BTreeMap<String, Role>,
}

impl Default for Roles {
    fn default() -> Self {
        Roles {
            default: Role::Responder,
            by_operator: BTreeMap::new(),
        }
    }
}

impl Roles {
    pub fn role_of(&self, operator: &str) -> Role {
        self.by_operator
            .get(operator)
            .copied()
            .unwrap_or(self.default)
    }

    pub fn check(&self, operator: &str, permission: Permission) -> Result<Role, Forbidden> {
        let role = self.role_of(operator);
        let needed = permission.needs();
        if role >= needed {
            Ok(role)
        } else {
            Err(Forbidden {
                operator: operator.into(),
                role,
                needed,
                what: permission.describe(),
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn roles() -> Roles {
        Roles {
            default: Role::Viewer,
            by_operator: [
                ("ana".to_string(), Role::Approver),
                ("raj".into(), Role::Responder),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn a_viewer_may_not_contain_and_the_refusal_says_who_may() {
        let err = roles().check("guest", Permission::Contain).unwrap_err();
        assert_eq!(
            err.to_string(),
            "guest is a viewer; only a responder or above may run containment actions"
        );
    }

    #[test]
    fn resume_and_close_need_an_approver() {
        let r = roles();
        assert!(r.check("raj", Permission::Contain).is_ok());
        assert!(r.check("raj", Permission::Resume).is_err());
        assert!(r.check("raj", Permission::Close).is_err());
        assert_eq!(r.check("ana", Permission::Close).unwrap(), Role::Approver);
    }

    #[test]
    fn unlisted_operators_get_the_default_role() {
        assert_eq!(Roles::default().role_of("anyone"), Role::Responder);
    }
}
