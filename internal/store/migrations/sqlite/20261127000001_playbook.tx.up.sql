-- The practical-empathy playbook: an organisation's own questions and
-- objections, and its edits of the defaults (same key), retired or not.
CREATE TABLE playbook_entries (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL CHECK (kind IN ('question', 'objection')),
    key TEXT NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('clients', 'recruits')),
    text TEXT NOT NULL,
    uncovers TEXT NOT NULL DEFAULT '',
    -- An objection's responses, as a JSON array of strings.
    responses TEXT NOT NULL DEFAULT '[]',
    why TEXT NOT NULL DEFAULT '',
    retired_at TIMESTAMP,
    updated_by INTEGER,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, kind, key)
);

-- Which objection came up in a conversation (a playbook key).
ALTER TABLE conversations ADD COLUMN objection TEXT NOT NULL DEFAULT '';
CREATE INDEX conversations_objection ON conversations (org_id, objection, occurred_at) WHERE objection <> '';

-- Practice: each response typed in a drill with its score, and drill
-- sets managers assign.
CREATE TABLE drill_attempts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    objection TEXT NOT NULL,
    response TEXT NOT NULL,
    score INTEGER NOT NULL,
    passed TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX drill_attempts_user ON drill_attempts (org_id, user_id, created_at);

CREATE TABLE drill_assignments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    -- The objection keys to practise, comma-separated, in order.
    objections TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    assigned_by INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX drill_assignments_user ON drill_assignments (org_id, user_id, created_at);
