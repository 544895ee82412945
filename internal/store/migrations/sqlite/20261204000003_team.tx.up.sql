-- Running the team: one-time password reset links that an owner (or a
-- manager, for agents) makes for someone. Only the SHA-256 of the link's
-- token is kept; a link works once, within its hour, and a newer link for
-- the same user replaces an unused older one.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    user_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- Who made the link: a record of what was done (null: the operator at
    -- the command line).
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id)
);
CREATE INDEX password_resets_user ON password_resets (org_id, user_id);

