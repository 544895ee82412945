-- Intake: API keys, lead-source events, routing rules, and when a lead
-- arrived (for speed to lead).

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX api_keys_user ON api_keys (org_id, user_id);

ALTER TABLE people ADD COLUMN arrived_at TIMESTAMP;
CREATE INDEX people_arrived ON people (org_id, arrived_at) WHERE arrived_at IS NOT NULL;

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    dedupe_key TEXT NOT NULL,
    type TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    system TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    page_url TEXT NOT NULL DEFAULT '',
    property TEXT NOT NULL DEFAULT '',
    occurred_at TIMESTAMP NOT NULL,
    historical BOOLEAN NOT NULL DEFAULT FALSE,
    created_person BOOLEAN NOT NULL DEFAULT FALSE,
    payload TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, dedupe_key),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
);
CREATE INDEX events_person ON events (org_id, person_id, occurred_at);

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    position INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT '',
    user_ids TEXT NOT NULL DEFAULT '',
    next_index INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX routing_rules_org ON routing_rules (org_id, position);

CREATE TABLE routing_state (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    next_index INTEGER NOT NULL DEFAULT 0
);
