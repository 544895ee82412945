-- How many times a server has started running an import: 1 when a user
-- starts it, one more each time another server takes it over from a
-- server that stopped. A server commits an import only while the count
-- is still the one it started with.
ALTER TABLE imports ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
UPDATE imports SET attempts = 1 WHERE status <> 'uploaded';
