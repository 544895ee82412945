-- When the server running an import last said it is still at it. Several
-- servers share one PostgreSQL database: an import whose heartbeat stopped
-- for a while belongs to a server that stopped, and any server fails it.
ALTER TABLE imports ADD COLUMN heartbeat_at TIMESTAMPTZ;

-- One row every server rewrites when asked for its health, so that
-- /healthz proves the database takes a write, not only that it answers.
CREATE TABLE health (
    id BIGINT PRIMARY KEY,
    checked_at TIMESTAMPTZ
);
INSERT INTO health (id, checked_at) VALUES (1, NULL);
