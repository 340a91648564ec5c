-- Bearer tokens of agents and operators; same shape as the SQLite schema. Only the
-- SHA-256 of a token is kept; the token itself is shown once when issued.
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
);

CREATE INDEX credentials_subject ON credentials (kind, subject);

-- A credential is revoked once and stays revoked; nothing else about it ever changes.
CREATE FUNCTION custody_credential_only_revoke() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_at IS NOT NULL
       OR NEW.token_ref IS DISTINCT FROM OLD.token_ref
       OR NEW.token_hash IS DISTINCT FROM OLD.token_hash
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.subject IS DISTINCT FROM OLD.subject
       OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
        RAISE EXCEPTION 'custody: a credential can only be revoked, once';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER credentials_only_revoke BEFORE UPDATE ON credentials
    FOR EACH ROW EXECUTE FUNCTION custody_credential_only_revoke();
CREATE TRIGGER credentials_no_delete BEFORE DELETE ON credentials
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER credentials_no_truncate BEFORE TRUNCATE ON credentials
    FOR EACH STATEMENT EXECUTE FUNCTION custody_append_only();
