-- Bearer tokens of agents and operators. Only the SHA-256 of a token is kept; the token
-- itself is shown once when issued. Issuing and revoking are also sealed in the ledger
-- (credential.issue / credential.revoke / control.revoke_token); this table is what the
-- gate checks a presented token against.
CREATE TABLE credentials (
    token_ref  TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('agent', 'operator')),
    subject    TEXT NOT NULL,
    role       TEXT CHECK (role IN ('viewer', 'responder', 'approver', 'admin')),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    revoked_by TEXT
) STRICT;

CREATE INDEX credentials_subject ON credentials (kind, subject);

-- A credential is revoked once and stays revoked; nothing else about it ever changes.
CREATE TRIGGER credentials_only_revoke BEFORE UPDATE ON credentials
WHEN OLD.revoked_at IS NOT NULL
  OR NEW.token_ref IS NOT OLD.token_ref OR NEW.token_hash IS NOT OLD.token_hash
  OR NEW.kind IS NOT OLD.kind OR NEW.subject IS NOT OLD.subject
  OR NEW.role IS NOT OLD.role OR NEW.created_at IS NOT OLD.created_at
  OR NEW.expires_at IS NOT OLD.expires_at
BEGIN SELECT RAISE(ABORT, 'custody: a credential can only be revoked, once'); END;
CREATE TRIGGER credentials_no_delete BEFORE DELETE ON credentials
BEGIN SELECT RAISE(ABORT, 'custody: credentials are revoked, never deleted'); END;
