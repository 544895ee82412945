-- Core schema. Every organisation-owned table carries org_id, and every
-- reference between such tables goes through (org_id, id) so that a row
-- can never point into another organisation.

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    region TEXT NOT NULL DEFAULT 'US',
    tz TEXT NOT NULL DEFAULT 'America/Chicago',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'agent')),
    password_hash TEXT NOT NULL,
    tz TEXT NOT NULL DEFAULT '',
    weekly_goal INTEGER NOT NULL DEFAULT 25,
    today_size INTEGER NOT NULL DEFAULT 10,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user ON sessions (org_id, user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, id),
    UNIQUE (org_id, kind)
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    pipeline_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (org_id, id),
    UNIQUE (org_id, pipeline_id, key),
    FOREIGN KEY (org_id, pipeline_id) REFERENCES pipelines (org_id, id)
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    sort_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('lead', 'client', 'sphere', 'recruit')),
    stage_id INTEGER,
    source TEXT NOT NULL DEFAULT '',
    owner_id INTEGER,
    referred_by_id INTEGER,
    do_not_call BOOLEAN NOT NULL DEFAULT FALSE,
    tz TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    birthday_year INTEGER NOT NULL DEFAULT 0,
    birthday_month INTEGER NOT NULL DEFAULT 0,
    birthday_day INTEGER NOT NULL DEFAULT 0,
    home_year INTEGER NOT NULL DEFAULT 0,
    home_month INTEGER NOT NULL DEFAULT 0,
    home_day INTEGER NOT NULL DEFAULT 0,
    cadence_days INTEGER NOT NULL DEFAULT 0,
    brokerage TEXT NOT NULL DEFAULT '',
    office TEXT NOT NULL DEFAULT '',
    licence_year INTEGER NOT NULL DEFAULT 0,
    units_12m INTEGER NOT NULL DEFAULT 0,
    volume_12m INTEGER NOT NULL DEFAULT 0,
    first_attempt_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_live_at TIMESTAMP,
    last_touch_at TIMESTAMP,
    touch_due_at TIMESTAMP,
    search_doc TEXT NOT NULL DEFAULT '',
    -- version counts the changes to the row, for edits that started earlier.
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, stage_id) REFERENCES stages (org_id, id),
    FOREIGN KEY (org_id, owner_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, referred_by_id) REFERENCES people (org_id, id)
);
CREATE INDEX people_name ON people (org_id, sort_name, id) WHERE archived_at IS NULL;
CREATE INDEX people_kind ON people (org_id, kind, sort_name, id) WHERE archived_at IS NULL;
CREATE INDEX people_stage ON people (org_id, stage_id, sort_name, id) WHERE archived_at IS NULL;
CREATE INDEX people_owner ON people (org_id, owner_id, sort_name, id) WHERE archived_at IS NULL;
CREATE INDEX people_archived ON people (org_id, archived_at) WHERE archived_at IS NOT NULL;
CREATE INDEX people_created ON people (org_id, created_at);
CREATE INDEX people_unattempted ON people (org_id, owner_id, created_at) WHERE first_attempt_at IS NULL AND archived_at IS NULL;
CREATE INDEX people_touch_due ON people (org_id, owner_id, touch_due_at) WHERE touch_due_at IS NOT NULL AND archived_at IS NULL;
CREATE INDEX people_birthday ON people (org_id, owner_id, birthday_month, birthday_day);
CREATE INDEX people_home ON people (org_id, owner_id, home_month, home_day);
CREATE INDEX people_volume ON people (org_id, kind, volume_12m) WHERE archived_at IS NULL;
CREATE INDEX people_referred_by ON people (org_id, referred_by_id) WHERE referred_by_id IS NOT NULL;

-- Full-text search over the normalised search document (names, emails,
-- phones, notes and facts), kept in step by triggers.
CREATE VIRTUAL TABLE people_fts USING fts5 (
    search_doc,
    content = 'people',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER people_fts_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_fts (rowid, search_doc) VALUES (new.id, new.search_doc);
END;
CREATE TRIGGER people_fts_delete AFTER DELETE ON people BEGIN
    INSERT INTO people_fts (people_fts, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);
END;
CREATE TRIGGER people_fts_update AFTER UPDATE OF search_doc ON people BEGIN
    INSERT INTO people_fts (people_fts, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);
    INSERT INTO people_fts (rowid, search_doc) VALUES (new.id, new.search_doc);
END;

CREATE TABLE phones (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    number TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    bad BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (org_id, person_id, number),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX phones_number ON phones (org_id, number);

CREATE TABLE emails (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, person_id, address),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX emails_address ON emails (org_id, address);

CREATE TABLE person_tags (
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (org_id, person_id, tag),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX person_tags_tag ON person_tags (org_id, tag, person_id);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    user_id INTEGER,
    channel TEXT NOT NULL CHECK (channel IN ('call', 'text', 'email', 'meeting', 'social', 'event')),
    direction TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    outcome TEXT NOT NULL DEFAULT '',
    duration_seconds INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    temperature TEXT NOT NULL DEFAULT '',
    next_step TEXT NOT NULL DEFAULT '',
    live BOOLEAN NOT NULL DEFAULT FALSE,
    occurred_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX conversations_person ON conversations (org_id, person_id, occurred_at);
CREATE INDEX conversations_user ON conversations (org_id, user_id, occurred_at);

CREATE TABLE facts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('passion', 'interest', 'fear', 'motivation', 'family', 'life_stage', 'preference', 'other')),
    text TEXT NOT NULL,
    learned_at TIMESTAMP NOT NULL,
    conversation_id INTEGER,
    user_id INTEGER,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, conversation_id) REFERENCES conversations (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX facts_person ON facts (org_id, person_id, learned_at);

CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    conversation_id INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('call', 'text', 'email', 'meeting')),
    owes TEXT NOT NULL CHECK (owes IN ('me', 'them')),
    due_on TEXT NOT NULL,
    due_time TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, conversation_id) REFERENCES conversations (org_id, id)
);
CREATE INDEX follow_ups_user_due ON follow_ups (org_id, user_id, due_on) WHERE status = 'open';
CREATE INDEX follow_ups_person ON follow_ups (org_id, person_id, status);

CREATE TABLE stage_changes (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    user_id INTEGER,
    from_stage_id INTEGER,
    to_stage_id INTEGER,
    conversation_id INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id),
    FOREIGN KEY (org_id, from_stage_id) REFERENCES stages (org_id, id),
    FOREIGN KEY (org_id, to_stage_id) REFERENCES stages (org_id, id)
);
CREATE INDEX stage_changes_person ON stage_changes (org_id, person_id, at);
