//! How custody established who a human is: the credential behind an operator's name.
//! Custody writes it on the actor of every human event it seals (`actor.authn`); a
//! producer may not send it (`trust::check_producer_event`), because an identity a
//! producer asserts about itself proves nothing.

use serde::{Deserialize, Serialize};

/// The credential that proved the operator's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// An operator token presented to the gate (`custody operator token issue`).
    Token,
    /// The authenticated PostgreSQL role of the session (`session_user`).
    DatabaseRole,
    /// The OS user running custody on a local SQLite store.
    OsUser,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Token => "token",
            Method::DatabaseRole => "database_role",
            Method::OsUser => "os_user",
        }
    }
}

/// How an operator's identity was established, as sealed in `actor.authn`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authn {
    pub method: Method,
    /// The OS user custody ran as (method `os_user`), beside any claimed name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_user: Option<String>,
    /// The public reference of the token presented (method `token`), never the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_ref: Option<String>,
    /// The name the operator claimed (`--operator`, config `operator`) when config allowed
    /// an override and it differs from the authenticated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<String>,
}

impl Authn {
    pub fn new(method: Method) -> Authn {
        Authn {
            method,
            os_user: None,
            token_ref: None,
            claimed: None,
        }
    }
}
