//! Establishing who is at the keyboard, from a credential: the OS user custody runs as
//! (read from the kernel and the password database, never from `$USER`, which anyone can
//! set) on a local SQLite store, or the PostgreSQL session role on PostgreSQL. A claimed
//! name (`--operator`, config `operator`) is weighed by `identity::authenticate`; one the
//! credential does not back is refused before anything is read or written.

use crate::config::Config;
use crate::identity::{self, Authn, Claim, Established, Method, Operator};
use crate::respond::Role;
use crate::store::Location;

/// Why the operator could not be established. Shown as `custody: refused: …`, exit 2.
#[derive(Debug, thiserror::Error)]
pub enum AuthnError {
    #[error("refused: {0}")]
    Claim(#[from] identity::ClaimRefused),
    #[error("cannot establish who the operator is: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// How much identity a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// It seals or decides: the operator must be established (on PostgreSQL this asks
    /// the server for `session_user`).
    Operator,
    /// It records nothing of a human (verify, export, tail, ingest, seed): nobody is
    /// authenticated, no round trip to the server is made, and a claim is ignored.
    Nothing,
}

/// The operator for this run: the credential's identity, a claim where allowed, and the
/// role `[roles]` gives that name. `demo` allows an override as the config setting does.
pub async fn operator(
    config: &Config,
    flag: Option<&str>,
    store_url: &str,
    need: Need,
    demo: bool,
) -> Result<Operator, AuthnError> {
    let claim = match (flag, config.operator.as_deref()) {
        (Some(name), _) => Some(Claim {
            name,
            from: "--operator",
        }),
        (None, Some(name)) => Some(Claim {
            name,
            from: "config `operator`",
        }),
        (None, None) => None,
    };
    if need == Need::Nothing {
        return Ok(reader(claim));
    }
    let allow_override = demo || config.allow_operator_override.unwrap_or(false);
    let established = match Location::parse(store_url) {
        Ok(Location::Postgres(url)) => {
            Established::DatabaseRole(crate::store::database_role(&url).await?.unwrap_or_default())
        }
        // A bad URL is reported by the command when it opens the store.
        Ok(Location::Sqlite(_)) | Err(_) => Established::OsUser(os_user()),
    };
    let (name, authn) = identity::authenticate(&established, claim, allow_override)?;
    let role = config.roles().role_of(&name);
    Ok(Operator { name, role, authn })
}

/// A command that records no human: nobody was authenticated, so nobody may act.
fn reader(claim: Option<Claim<'_>>) -> Operator {
    let mut authn = Authn::new(Method::OsUser);
    authn.claimed = claim.map(|c| c.name.to_string());
    Operator {
        name: "(not authenticated)".into(),
        role: Role::Viewer,
        authn,
    }
}

/// The OS user this process runs as: the password database's name for the real uid,
/// else `id -un` (which also asks NSS), else `uid-N`.
pub fn os_user() -> String {
    let uid = rustix::process::getuid().as_raw();
    passwd_name(uid)
        .or_else(id_un)
        .unwrap_or_else(|| format!("uid-{uid}"))
}

fn passwd_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let entry_uid: u32 = fields.nth(1)?.parse().ok()?;
        (entry_uid == uid && !name.is_empty()).then(|| name.to_string())
    })
}

fn id_un() -> Option<String> {
    let out = std::process::Command::new("/usr/bin/id")
        .arg("-un")
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_os_user_does_not_come_from_the_environment() {
        // $USER is whatever the caller set; the kernel's uid is not.
        let expected = os_user();
        assert!(!expected.is_empty());
        assert_eq!(
            passwd_name(rustix::process::getuid().as_raw()).or_else(id_un),
            Some(expected)
        );
    }

    #[tokio::test]
    async fn a_claim_is_refused_on_sqlite_without_the_override_and_kept_with_it() {
        let claimed = format!("{}-not-me", os_user());
        let mut config = Config::default();
        let err = operator(&config, Some(&claimed), "x.db", Need::Operator, false)
            .await
            .unwrap_err();
        assert!(
            err.to_string().starts_with("refused: --operator names"),
            "{err}"
        );
        config.allow_operator_override = Some(true);
        let op = operator(&config, Some(&claimed), "x.db", Need::Operator, false)
            .await
            .unwrap();
        assert_eq!(op.name, claimed);
        assert_eq!(op.authn.os_user, Some(os_user()));
        assert_eq!(op.authn.claimed, Some(claimed));
    }
}
