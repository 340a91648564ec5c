-- The ledger on PostgreSQL; same shape as the SQLite schema. `record` is TEXT, not
-- JSONB, because the exact RFC 8785 bytes that were hashed must come back unchanged.
CREATE TABLE ledger_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE events (
    seq            BIGINT PRIMARY KEY,
    event_id       TEXT NOT NULL,
    time           TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    tier           TEXT,
    reason_code    TEXT,
    agent_id       TEXT,
    correlation_id TEXT,
    environment    TEXT,
    outcome        TEXT,
    exercise       BIGINT NOT NULL,
    hash           TEXT NOT NULL,
    record         TEXT NOT NULL
);

CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_tier ON events (tier, seq);
CREATE INDEX events_reason ON events (reason_code, seq);
CREATE INDEX events_agent ON events (agent_id, seq);
CREATE INDEX events_kind ON events (kind, seq);
CREATE INDEX events_environment ON events (environment, seq);
CREATE INDEX events_correlation ON events (correlation_id, seq) WHERE correlation_id IS NOT NULL;

CREATE TABLE checkpoints (
    tree_size BIGINT PRIMARY KEY,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
);

CREATE TABLE tree_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    size     BIGINT NOT NULL,
    frontier TEXT NOT NULL
);

CREATE FUNCTION custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custody: % is append-only; % is refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER ledger_meta_append_only BEFORE UPDATE OR DELETE ON ledger_meta
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
CREATE TRIGGER ledger_meta_no_truncate BEFORE TRUNCATE ON ledger_meta
    FOR EACH STATEMENT EXECUTE FUNCTION custody_append_only();

CREATE TABLE search_text (
    seq  BIGINT PRIMARY KEY,
    text TEXT NOT NULL
);
CREATE TRIGGER search_text_append_only BEFORE UPDATE ON search_text
    FOR EACH ROW EXECUTE FUNCTION custody_append_only();
