//! Bearer tokens and the credential record kept for each. A token reads
//! `cst_<token_ref>_<secret>`: `token_ref` is a public 12-character id that names the
//! credential in lists, events and revocations; the secret is 32 random bytes in
//! base64url. Only the SHA-256 of the whole token is stored, and the token is shown once.

use crate::event::Timestamp;
use crate::respond::Role;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

const PREFIX: &str = "cst_";
/// Length of `token_ref`: 6 random bytes in lowercase hex.
const REF_LEN: usize = 12;
/// Length of the secret: 32 bytes in unpadded base64url.
const SECRET_LEN: usize = 43;

/// Whose credential it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredentialKind {
    Agent,
    Operator,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Agent => "agent",
            CredentialKind::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<CredentialKind> {
        match s {
            "agent" => Some(CredentialKind::Agent),
            "operator" => Some(CredentialKind::Operator),
            _ => None,
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One issued token, as stored: everything but the token and its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub token_ref: String,
    pub kind: CredentialKind,
    /// The agent id, or the operator's name.
    pub subject: String,
    /// The operator's role (operators only).
    pub role: Option<Role>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The event that revoked it: a `control.revoke_token` result or a `credential.revoke`.
    pub revoked_by: Option<String>,
}

/// Why a credential may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("the token has expired")]
    Expired,
    #[error("the token was revoked")]
    Revoked,
}

/// Why a presented bearer token is refused (the gate answers 401 to each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    #[error("the token is not a custody token")]
    Malformed,
    #[error("the token is unknown")]
    Unknown,
    #[error(transparent)]
    Unusable(#[from] Unusable),
}

impl Credential {
    /// Whether the credential may be used at `now`: revoked wins over expired.
    pub fn usable_at(&self, now: Timestamp) -> Result<(), Unusable> {
        if self.revoked_at.is_some() {
            return Err(Unusable::Revoked);
        }
        match self.expires_at {
            Some(end) if end.millis() <= now.millis() => Err(Unusable::Expired),
            _ => Ok(()),
        }
    }

    /// `active`, `revoked` or `expired` at `now`, for lists.
    pub fn state_at(&self, now: Timestamp) -> &'static str {
        match self.usable_at(now) {
            Ok(()) => "active",
            Err(Unusable::Revoked) => "revoked",
            Err(Unusable::Expired) => "expired",
        }
    }
}

/// A fresh token for a credential of `kind`: (token, token_ref, hash). The kind is not
/// written into the token: a token proves possession, the stored record says whose it is.
pub fn new_token(kind: CredentialKind) -> (String, String, String) {
    let _ = kind;
    let mut rng = rand::rngs::OsRng;
    let mut id = [0u8; REF_LEN / 2];
    rng.fill_bytes(&mut id);
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let token_ref = hex::encode(id);
    let token = format!(
        "{PREFIX}{token_ref}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    );
    let hash = hash_token(&token);
    (token, token_ref, hash)
}

/// Hex SHA-256 of the whole token: what the store keeps and looks tokens up by.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The `token_ref` of a well-formed token, or `None`: a cheap shape check made before
/// any lookup, so junk never reaches the store.
pub fn parse_token(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(PREFIX)?;
    if rest.len() != REF_LEN + 1 + SECRET_LEN || !rest.is_char_boundary(REF_LEN) {
        return None;
    }
    let (token_ref, secret) = rest.split_at(REF_LEN);
    let secret = secret.strip_prefix('_')?;
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    (token_ref.chars().all(hex) && secret.chars().all(b64)).then_some(token_ref)
}

/// Whether `s` has the shape of a `token_ref` (to tell `revoke REF` from `revoke AGENT`).
pub fn is_token_ref(s: &str) -> bool {
    s.len() == REF_LEN
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// A lifetime such as `90s`, `30m`, `12h`, `30d` or `8w`, in seconds.
pub fn parse_ttl(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let secs: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => 0,
    };
    match n.parse::<u64>() {
        Ok(n) if secs > 0 && n > 0 => n
            .checked_mul(secs)
            .filter(|t| *t <= 10 * 366 * 86_400)
            .ok_or_else(|| format!("`{s}` is longer than ten years")),
        _ => Err(format!(
            "`{s}` is not a lifetime such as 90s, 30m, 12h, 30d or 8w"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn credential() -> Credential {
        Credential {
            token_ref: "0123456789ab".into(),
            kind: CredentialKind::Agent,
            subject: "autoscaler".into(),
            role: None,
            created_at: Timestamp::from_millis(1_000).unwrap(),
            expires_at: Timestamp::from_millis(10_000),
            revoked_at: None,
            revoked_by: None,
        }
    }

    #[test]
    fn a_new_token_parses_back_to_its_ref_and_hashes_to_what_is_stored() {
        let (token, token_ref, hash) = new_token(CredentialKind::Agent);
        assert_eq!(parse_token(&token), Some(token_ref.as_str()));
        assert_eq!(hash_token(&token), hash);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token_ref) && !token.contains(&hash));
    }

    #[test]
    fn two_tokens_never_share_a_ref_or_a_hash() {
        let (a, ra, _) = new_token(CredentialKind::Operator);
        let (b, rb, _) = new_token(CredentialKind::Operator);
        assert_ne!(a, b);
        assert_ne!(ra, rb);
    }

    #[test]
    fn junk_is_not_a_token() {
        let (token, _, _) = new_token(CredentialKind::Agent);
        for junk in [
            "",
            "cst_",
            "Bearer x",
            &token[..token.len() - 1],
            &format!("{token}A"),
            &token.replacen("cst_", "cs_", 1),
            &token.replacen('_', "-", 2),
            "cst_0123456789AB_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "cst_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\u{e9}",
        ] {
            assert_eq!(parse_token(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn a_credential_is_usable_until_it_expires_and_never_after_revocation() {
        let c = credential();
        assert_eq!(c.usable_at(Timestamp::from_millis(9_999).unwrap()), Ok(()));
        assert_eq!(
            c.usable_at(Timestamp::from_millis(10_000).unwrap()),
            Err(Unusable::Expired)
        );
        let revoked = Credential {
            revoked_at: Timestamp::from_millis(2_000),
            ..c
        };
        assert_eq!(
            revoked.usable_at(Timestamp::from_millis(20_000).unwrap()),
            Err(Unusable::Revoked)
        );
    }

    #[test]
    fn lifetimes_are_read_in_their_unit_and_nonsense_is_refused() {
        assert_eq!(parse_ttl("30d"), Ok(30 * 86_400));
        assert_eq!(parse_ttl("90s"), Ok(90));
        assert!(parse_ttl("0d").is_err());
        assert!(parse_ttl("30").is_err());
        assert!(parse_ttl("forever").is_err());
        assert!(parse_ttl("99999w").is_err());
    }
}
