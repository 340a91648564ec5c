-- The projection: incidents, agent control state, rollback marks and unresolved intents,
-- derived from the ledger by `crate::incident`'s fold and kept here so opening the
-- console reads them instead of folding the history. Derived and never trusted on its
-- own: advanced in the transaction that seals the events it derives from, re-derived by
-- `custody projection verify`, rebuilt by `custody projection rebuild`.
CREATE TABLE projection_meta (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    -- NULL: current, advanced by every seal. A number: being rebuilt, folded through
    -- that seq; seals leave it alone until the rebuild catches up.
    through BIGINT
);
-- A store that already holds records starts behind: it is rebuilt on first use.
INSERT INTO projection_meta (id, through)
    SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM events) THEN 0 ELSE NULL END;

CREATE TABLE projection_incidents (
    incident_id TEXT PRIMARY KEY,
    ord         BIGINT NOT NULL,   -- seq of the opening event: the fold's order
    state       TEXT NOT NULL,      -- open / contained / resolved / closed (settled)
    exercise    BIGINT NOT NULL,
    body        TEXT NOT NULL       -- the fold's `Incident`, unsettled, as JSON
);
CREATE INDEX projection_incidents_state ON projection_incidents (state, ord);

-- Which incident each link (incident id, opening correlation id) names: first claim wins.
CREATE TABLE projection_links (
    link        TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL
);

CREATE TABLE projection_agents (
    agent    TEXT NOT NULL,
    exercise BIGINT NOT NULL,
    state    TEXT NOT NULL,         -- active / paused / token-revoked
    body     TEXT NOT NULL,         -- the fold's `AgentControl` as JSON
    PRIMARY KEY (agent, exercise)
);

-- The first successful control.rollback of each event.
CREATE TABLE projection_rollbacks (
    target_event TEXT PRIMARY KEY,
    seq          BIGINT NOT NULL
);

-- Write-ahead intents no result points to yet.
CREATE TABLE projection_intents (
    event_id TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL
);
