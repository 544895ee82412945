-- Browsers that have signed in as a user (OWASP's device cookies): the
-- sign-in throttle counts their attempts on their own, so that failures
-- from strangers never lock a user out of their own browser. Only a hash
-- of each browser's token is kept.
CREATE TABLE signin_devices (
    token_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX signin_devices_user ON signin_devices (org_id, user_id);
