-- Lead fidelity: what an event says beyond its type, message and listing
-- (page details, square feet, campaign, fields Rapport has no column for)
-- is kept as labelled lines on the event, with a note of its own; an
-- event that names no one we can know is held for an owner or manager to
-- attach rather than lost; and tags keep the case a source wrote them in,
-- so finding people by tag folds case through an index of its own.

ALTER TABLE events ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN details TEXT NOT NULL DEFAULT '';

CREATE TABLE held_events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    dedupe_key TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by INTEGER,
    -- Whom it was attached to and the event it became: a record of what
    -- was done, not a reference to keep (merging duplicates may remove
    -- that person later).
    person_id INTEGER,
    event_id INTEGER,
    UNIQUE (org_id, id),
    UNIQUE (org_id, dedupe_key)
);
CREATE INDEX held_events_open ON held_events (org_id, received_at) WHERE resolved_at IS NULL;

CREATE INDEX person_tags_folded ON person_tags (org_id, lower(tag), person_id);
