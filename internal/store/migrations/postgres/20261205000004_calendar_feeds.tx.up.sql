-- A user's secret calendar feed (iCalendar): only a hash of its token is
-- kept; a new link replaces the old one, and a revoked one stops working.
CREATE TABLE calendar_feeds (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (org_id, user_id);
