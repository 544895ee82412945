-- Work the store does in Go once, after migrating, deleting each task as
-- it finishes (a process that dies first does it again at its next start).
-- (IF NOT EXISTS: a book migrated by a build between this change's first
-- version and its last has the table already.)
CREATE TABLE IF NOT EXISTS store_tasks (name TEXT PRIMARY KEY);
-- Until this version an edit derived a person's new name key but did not
-- write it: every key is worked out again, and the stale ones written.
INSERT INTO store_tasks (name) VALUES ('name_keys') ON CONFLICT DO NOTHING;
