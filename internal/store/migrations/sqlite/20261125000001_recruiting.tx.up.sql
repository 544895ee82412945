-- Recruiting: brokerages and their offices (companies), dated signals
-- about them, each agent's production per period, and weekly recruiting
-- targets per user.

CREATE TABLE companies (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    kind TEXT NOT NULL CHECK (kind IN ('brokerage', 'office')),
    -- An office's brokerage.
    parent_id INTEGER,
    name TEXT NOT NULL,
    -- name_key is the name folded for matching what files call it.
    name_key TEXT NOT NULL,
    market TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    -- The MLS's id for an office (RESO OfficeMlsId).
    mls_id TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, parent_id) REFERENCES companies (org_id, id)
);
CREATE UNIQUE INDEX companies_name ON companies (org_id, kind, name_key);
CREATE INDEX companies_parent ON companies (org_id, parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX companies_mls ON companies (org_id, mls_id) WHERE mls_id <> '';

-- An agent's current office (or brokerage, when the office is unknown);
-- SQLite cannot add the (org_id, company_id) reference to an existing
-- table, so the store checks the organisation.
ALTER TABLE people ADD COLUMN company_id INTEGER REFERENCES companies (id);
ALTER TABLE people ADD COLUMN list_units_12m INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN sell_units_12m INTEGER NOT NULL DEFAULT 0;
-- The last day of the 12 months the production figures cover.
ALTER TABLE people ADD COLUMN production_period TEXT NOT NULL DEFAULT '';
CREATE INDEX people_company ON people (org_id, company_id, volume_12m) WHERE company_id IS NOT NULL AND archived_at IS NULL;
CREATE INDEX people_recruit_stage ON people (org_id, stage_id, volume_12m) WHERE kind = 'recruit' AND archived_at IS NULL;

CREATE TABLE signals (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL,
    on_day TEXT NOT NULL,
    title TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, company_id) REFERENCES companies (org_id, id) ON DELETE CASCADE
);
CREATE INDEX signals_company ON signals (org_id, company_id, on_day);
CREATE INDEX signals_recent ON signals (org_id, on_day);

CREATE TABLE production (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    period TEXT NOT NULL,
    rank INTEGER NOT NULL DEFAULT 0,
    list_units INTEGER NOT NULL DEFAULT 0,
    sell_units INTEGER NOT NULL DEFAULT 0,
    units INTEGER NOT NULL DEFAULT 0,
    volume INTEGER NOT NULL DEFAULT 0,
    office TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, person_id, period),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);

CREATE INDEX stage_changes_user ON stage_changes (org_id, user_id, at) WHERE user_id IS NOT NULL;

ALTER TABLE users ADD COLUMN recruit_live_target INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN recruit_meeting_target INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN recruit_offer_target INTEGER NOT NULL DEFAULT 0;
