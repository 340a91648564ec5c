//! The `credentials` table on both engines: issued tokens by their public `token_ref`,
//! looked up by the SHA-256 of the token. A token's hash goes in and is matched on, but
//! never comes back out: every read returns `Credential`, which has no hash.

use super::{query_err, Store, StoreError};
use crate::event::Timestamp;
use crate::identity::{Credential, CredentialKind};

const COLUMNS: &str =
    "token_ref, kind, subject, role, created_at, expires_at, revoked_at, revoked_by";

type CredentialRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn credential(row: CredentialRow) -> Result<Credential, StoreError> {
    let (token_ref, kind, subject, role, created_at, expires_at, revoked_at, revoked_by) = row;
    let bad = |what: &str, value: &str| {
        StoreError::Corrupt(format!(
            "credential {token_ref}: {what} `{value}` is not one custody writes"
        ))
    };
    let time = |what: &str, text: &str| text.parse::<Timestamp>().map_err(|_| bad(what, text));
    let opt_time = |what: &str, text: Option<String>| text.map(|t| time(what, &t)).transpose();
    Ok(Credential {
        kind: CredentialKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        role: role
            .map(|r| r.parse().map_err(|_| bad("role", &r)))
            .transpose()?,
        created_at: time("created_at", &created_at)?,
        expires_at: opt_time("expires_at", expires_at)?,
        revoked_at: opt_time("revoked_at", revoked_at)?,
        revoked_by,
        subject,
        token_ref,
    })
}

/// The PostgreSQL role `url` connects as (`session_user`), or `None` for an SQLite URL.
pub async fn database_role(url: &str) -> Result<Option<String>, StoreError> {
    match super::Location::parse(url)? {
        super::Location::Postgres(url) => Ok(Some(super::postgres::session_user(&url).await?)),
        super::Location::Sqlite(_) => Ok(None),
    }
}

impl Store {
    /// Stores a newly issued credential with the hash of its token.
    pub async fn insert_credential(&self, c: &Credential, hash: &str) -> Result<(), StoreError> {
        let values = (
            c.token_ref.as_str(),
            hash,
            c.kind.as_str(),
            c.subject.as_str(),
            c.role.map(|r| r.as_str()),
            c.created_at.to_rfc3339(),
            c.expires_at.map(|t| t.to_rfc3339()),
        );
        const INSERT: &str = "INSERT INTO credentials \
             (token_ref, token_hash, kind, subject, role, created_at, expires_at)";
        let what = "storing the credential";
        match self {
            Store::Sqlite(s) => {
                sqlx::query(&format!("{INSERT} VALUES (?, ?, ?, ?, ?, ?, ?)"))
                    .bind(values.0)
                    .bind(values.1)
                    .bind(values.2)
                    .bind(values.3)
                    .bind(values.4)
                    .bind(values.5)
                    .bind(values.6)
                    .execute(&s.pool)
                    .await
                    .map_err(query_err(what))?;
            }
            Store::Postgres(s) => {
                sqlx::query(&format!("{INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7)"))
                    .bind(values.0)
                    .bind(values.1)
                    .bind(values.2)
                    .bind(values.3)
                    .bind(values.4)
                    .bind(values.5)
                    .bind(values.6)
                    .execute(&s.pool)
                    .await
                    .map_err(query_err(what))?;
            }
        }
        Ok(())
    }

    /// The credential whose token hashes to `hash`, usable or not (see
    /// `Credential::usable_at`); `None` for a token custody never issued.
    pub async fn credential_by_hash(&self, hash: &str) -> Result<Option<Credential>, StoreError> {
        let what = "looking up a credential";
        let row: Option<CredentialRow> = match self {
            Store::Sqlite(s) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM credentials WHERE token_hash = ?"
                ))
                .bind(hash)
                .fetch_optional(&s.pool)
                .await
            }
            Store::Postgres(s) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM credentials WHERE token_hash = $1"
                ))
                .bind(hash)
                .fetch_optional(&s.pool)
                .await
            }
        }
        .map_err(query_err(what))?;
        row.map(credential).transpose()
    }

    /// The credential a presented bearer token stands for, if it may be used at `now`:
    /// the shape is checked before any lookup, then the hash is looked up. Store errors
    /// are the outer `Err`; a refused token the inner one.
    pub async fn credential_for_token(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Result<Credential, crate::identity::TokenRefused>, StoreError> {
        use crate::identity::TokenRefused;
        if crate::identity::parse_token(token).is_none() {
            return Ok(Err(TokenRefused::Malformed));
        }
        let Some(c) = self
            .credential_by_hash(&crate::identity::hash_token(token))
            .await?
        else {
            return Ok(Err(TokenRefused::Unknown));
        };
        Ok(c.usable_at(now).map(|()| c).map_err(TokenRefused::from))
    }

    /// Every credential (of `kind`, when given), oldest first. Never the hashes.
    pub async fn credentials(
        &self,
        kind: Option<CredentialKind>,
    ) -> Result<Vec<Credential>, StoreError> {
        let what = "listing credentials";
        let kind = kind.map(CredentialKind::as_str);
        let rows: Vec<CredentialRow> = match self {
            Store::Sqlite(s) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM credentials WHERE (? IS NULL OR kind = ?) \
                     ORDER BY created_at, token_ref"
                ))
                .bind(kind)
                .bind(kind)
                .fetch_all(&s.pool)
                .await
            }
            Store::Postgres(s) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM credentials WHERE ($1::text IS NULL OR kind = $1) \
                     ORDER BY created_at, token_ref"
                ))
                .bind(kind)
                .fetch_all(&s.pool)
                .await
            }
        }
        .map_err(query_err(what))?;
        rows.into_iter().map(credential).collect()
    }

    /// Marks revoked, at `at` by the event `by_event`, every credential (of `kind`, when
    /// given) not yet revoked whose `token_ref` or subject is `subject_or_ref`. Returns
    /// how many were revoked; one already revoked keeps its first revocation.
    pub async fn revoke_credentials(
        &self,
        kind: Option<CredentialKind>,
        subject_or_ref: &str,
        at: Timestamp,
        by_event: &str,
    ) -> Result<usize, StoreError> {
        let what = "revoking credentials";
        let kind = kind.map(CredentialKind::as_str);
        let at = at.to_rfc3339();
        let done = match self {
            Store::Sqlite(s) => sqlx::query(
                "UPDATE credentials SET revoked_at = ?, revoked_by = ? \
                 WHERE revoked_at IS NULL AND (? IS NULL OR kind = ?) \
                 AND (token_ref = ? OR subject = ?)",
            )
            .bind(&at)
            .bind(by_event)
            .bind(kind)
            .bind(kind)
            .bind(subject_or_ref)
            .bind(subject_or_ref)
            .execute(&s.pool)
            .await
            .map(|r| r.rows_affected()),
            Store::Postgres(s) => sqlx::query(
                "UPDATE credentials SET revoked_at = $1, revoked_by = $2 \
                 WHERE revoked_at IS NULL AND ($3::text IS NULL OR kind = $3) \
                 AND (token_ref = $4 OR subject = $4)",
            )
            .bind(&at)
            .bind(by_event)
            .bind(kind)
            .bind(subject_or_ref)
            .execute(&s.pool)
            .await
            .map(|r| r.rows_affected()),
        }
        .map_err(query_err(what))?;
        Ok(usize::try_from(done).unwrap_or(usize::MAX))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::identity::{hash_token, new_token};
    use crate::respond::Role;

    async fn store(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("ledger.db").display().to_string(), None)
            .await
            .unwrap()
    }

    fn issued(kind: CredentialKind, subject: &str) -> (String, Credential, String) {
        let (token, token_ref, hash) = new_token(kind);
        let c = Credential {
            token_ref,
            kind,
            subject: subject.into(),
            role: (kind == CredentialKind::Operator).then_some(Role::Approver),
            created_at: Timestamp::now(),
            expires_at: None,
            revoked_at: None,
            revoked_by: None,
        };
        (token, c, hash)
    }

    #[tokio::test]
    async fn a_stored_token_is_found_by_its_hash_and_a_revoked_one_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let (token, c, hash) = issued(CredentialKind::Agent, "autoscaler");
        store.insert_credential(&c, &hash).await.unwrap();
        let found = store
            .credential_by_hash(&hash_token(&token))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, c);
        let n = store
            .revoke_credentials(
                Some(CredentialKind::Agent),
                "autoscaler",
                Timestamp::now(),
                "ev-1",
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        let found = store.credential_by_hash(&hash).await.unwrap().unwrap();
        assert_eq!(
            found.usable_at(Timestamp::now()),
            Err(crate::identity::Unusable::Revoked)
        );
        assert_eq!(found.revoked_by.as_deref(), Some("ev-1"));
        assert_eq!(store.credential_by_hash("00").await.unwrap(), None);
        let now = Timestamp::now();
        assert_eq!(
            store.credential_for_token(&token, now).await.unwrap(),
            Err(crate::identity::TokenRefused::Unusable(
                crate::identity::Unusable::Revoked
            ))
        );
        assert_eq!(
            store.credential_for_token("cst_junk", now).await.unwrap(),
            Err(crate::identity::TokenRefused::Malformed)
        );
        let (unknown, _, _) = new_token(CredentialKind::Agent);
        assert_eq!(
            store.credential_for_token(&unknown, now).await.unwrap(),
            Err(crate::identity::TokenRefused::Unknown)
        );
    }

    #[tokio::test]
    async fn revoking_by_ref_touches_only_that_token_and_never_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let (_, a, ha) = issued(CredentialKind::Agent, "autoscaler");
        let (_, b, hb) = issued(CredentialKind::Agent, "autoscaler");
        let (_, op, hop) = issued(CredentialKind::Operator, "autoscaler");
        for (c, h) in [(&a, &ha), (&b, &hb), (&op, &hop)] {
            store.insert_credential(c, h).await.unwrap();
        }
        let at = Timestamp::now();
        assert_eq!(
            store
                .revoke_credentials(None, &a.token_ref, at, "ev-1")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .revoke_credentials(None, &a.token_ref, at, "ev-2")
                .await
                .unwrap(),
            0
        );
        // The agent's other token goes; the operator of the same name keeps theirs.
        assert_eq!(
            store
                .revoke_credentials(Some(CredentialKind::Agent), "autoscaler", at, "ev-3")
                .await
                .unwrap(),
            1
        );
        let ops = store
            .credentials(Some(CredentialKind::Operator))
            .await
            .unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].revoked_at, None);
        let all = store.credentials(None).await.unwrap();
        assert_eq!(all.len(), 3);
        let first = all.iter().find(|c| c.token_ref == a.token_ref).unwrap();
        assert_eq!(first.revoked_by.as_deref(), Some("ev-1"));
    }
}
