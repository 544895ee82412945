-- Search built for prefixes at a million people: the full-text index keeps
-- no positions (searches are words and word starts, never phrases), which
-- makes it smaller and its lists faster to walk, and it holds ready-made
-- lists for every prefix of 2 to 6 characters, so that "thom" or "gonza"
-- is one list read in order rather than every word that starts so merged
-- on each search. (A longer word is searched by its first six characters
-- and the matches checked; see searchQuery.)
--
-- The new index starts empty: every organisation's people are queued for
-- the background indexer, and searches say they are catching up.
DROP TABLE people_fts;
CREATE VIRTUAL TABLE people_fts USING fts5 (
    search_doc,
    content = 'people',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5 6',
    detail = none
);
INSERT INTO search_backlog (org_id, from_id, to_id, created_at)
SELECT org_id, MIN(id), MAX(id), CURRENT_TIMESTAMP FROM people GROUP BY org_id;
