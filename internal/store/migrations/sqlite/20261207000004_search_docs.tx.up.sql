-- A person's search document in a table of its own. It holds their
-- names, numbers, facts and the notes of their last conversations, up to
-- 32 kB, and sat in the middle of their row: once it outgrew a page,
-- every column after it (archived_at, first_phone, came_back_at...) was
-- read through the row's overflow pages, and every write to the person
-- rewrote them. The row keeps an empty search_doc; the full-text index
-- takes its text from search_docs (a row for each person whose document
-- is not empty).
--
-- The index is made anew over the new table, so it starts empty: every
-- organisation's people are queued for the background indexer, and
-- searches say they are catching up, as when the index was first built.
CREATE TABLE search_docs (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    search_doc TEXT NOT NULL,
    FOREIGN KEY (org_id, id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
INSERT INTO search_docs (id, org_id, search_doc) SELECT id, org_id, search_doc FROM people WHERE search_doc <> '';
UPDATE people SET search_doc = '' WHERE search_doc <> '';
DROP TABLE people_fts;
CREATE VIRTUAL TABLE people_fts USING fts5 (
    search_doc,
    content = 'search_docs',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5 6',
    detail = none
);
DELETE FROM search_backlog;
INSERT INTO search_backlog (org_id, from_id, to_id, created_at)
SELECT org_id, MIN(id), MAX(id), CURRENT_TIMESTAMP FROM people GROUP BY org_id;
