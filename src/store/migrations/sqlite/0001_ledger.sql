-- The ledger on SQLite. `record` holds the exact RFC 8785 bytes that were hashed;
-- every other column of `events` is derived from it and re-checked by `custody verify`.
CREATE TABLE ledger_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,
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
    exercise       INTEGER NOT NULL,
    hash           TEXT NOT NULL,
    record         TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_tier ON events (tier);
CREATE INDEX events_reason ON events (reason_code);
CREATE INDEX events_agent ON events (agent_id);
CREATE INDEX events_kind ON events (kind);
CREATE INDEX events_environment ON events (environment);
CREATE INDEX events_correlation ON events (correlation_id) WHERE correlation_id IS NOT NULL;

CREATE TABLE checkpoints (
    tree_size INTEGER PRIMARY KEY,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
) STRICT;

-- A cache of the Merkle frontier so sealing needs no full scan. Not trusted: verify
-- recomputes the tree from the records.
CREATE TABLE tree_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    size     INTEGER NOT NULL,
    frontier TEXT NOT NULL
) STRICT;

-- Append-only, where the engine can enforce it. This stops accidents; detecting
-- deliberate tampering is the ledger's job.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'custody: the ledger is append-only; events cannot be updated'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'custody: the ledger is append-only; events cannot be deleted'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'custody: checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'custody: checkpoints are append-only'); END;
CREATE TRIGGER ledger_meta_no_update BEFORE UPDATE ON ledger_meta
BEGIN SELECT RAISE(ABORT, 'custody: ledger metadata is fixed at creation'); END;

-- What `/` search looks at (agent, action, target, reason, AI summary), one short line
-- per record in a narrow table so a newest-first scan reads megabytes, not the records.
-- Derived from the sealed record, like the indexed columns.
CREATE TABLE search_text (
    seq  INTEGER PRIMARY KEY,
    text TEXT NOT NULL
) STRICT;
CREATE TRIGGER search_text_no_update BEFORE UPDATE ON search_text
BEGIN SELECT RAISE(ABORT, 'custody: search text is append-only'); END;
