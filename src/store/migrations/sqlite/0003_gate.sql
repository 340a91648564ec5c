-- The gate's queue and grants. Derived, mutable working state beside the ledger: every
-- change here is made in the same transaction that seals the event recording it.
CREATE TABLE gate_requests (
    request_id     TEXT PRIMARY KEY,   -- the ai.proposal's event id
    agent          TEXT NOT NULL,
    binding        TEXT NOT NULL,
    tier           TEXT,
    needs          INTEGER NOT NULL,
    roles          TEXT NOT NULL,      -- JSON array
    proposer       TEXT,
    on_behalf_of   TEXT,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    state          TEXT NOT NULL,      -- pending / approved / denied / expired / refused
    approvals      INTEGER NOT NULL DEFAULT 0,
    decision_id    TEXT,
    policy_version TEXT NOT NULL,
    policy_ids     TEXT NOT NULL,      -- JSON array
    summary        TEXT NOT NULL
) STRICT;
CREATE INDEX gate_requests_state ON gate_requests (state, created_at);

CREATE TABLE gate_votes (
    request_id TEXT NOT NULL,
    operator   TEXT NOT NULL,
    verdict    TEXT NOT NULL,
    at         TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    PRIMARY KEY (request_id, operator)
) STRICT;

CREATE TABLE gate_grants (
    grant_id    TEXT PRIMARY KEY,      -- the allowing approval.decision's event id
    proposal_id TEXT NOT NULL,
    agent       TEXT NOT NULL,
    binding     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    claimed_at  TEXT,
    outcome_id  TEXT
) STRICT;
CREATE INDEX gate_grants_proposal ON gate_grants (proposal_id);
