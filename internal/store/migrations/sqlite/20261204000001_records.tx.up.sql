-- An input as it arrived (a row of a file, a vCard, a lead event), kept
-- with the person it became whenever some of its values are in no field
-- of the person: a column no field holds, a value that could not be read,
-- or one that differs from what the person already had. digest tells a
-- re-import of the same input, which is kept once.
CREATE TABLE person_records (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('csv', 'vcard', 'event')),
    origin TEXT NOT NULL DEFAULT '',
    line INTEGER NOT NULL DEFAULT 0,
    original TEXT NOT NULL,
    kept TEXT NOT NULL DEFAULT '[]',
    digest TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, person_id, digest),
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);

-- Facts an import brought (a spouse's name, a nickname) say where from.
ALTER TABLE facts ADD COLUMN source TEXT NOT NULL DEFAULT '';

-- Two people someone looked at in Duplicates and decided are different
-- (a couple on one home phone): that group is not offered again. a_id is
-- the smaller id.
CREATE TABLE distinct_people (
    org_id INTEGER NOT NULL,
    a_id INTEGER NOT NULL,
    b_id INTEGER NOT NULL,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, a_id, b_id),
    FOREIGN KEY (org_id, a_id) REFERENCES people (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, b_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
