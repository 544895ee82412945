-- The weekly review: targets for every count it shows, and call blocks.
ALTER TABLE users ADD COLUMN attempt_target INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN connect_target INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN appointment_target INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN new_people_target INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN referral_target INTEGER NOT NULL DEFAULT 0;

-- A call block is a weekly time set aside for calls, in its user's zone:
-- weekday 0 is Sunday (Go's time.Weekday), minutes after midnight.
CREATE TABLE call_blocks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440 AND end_minute > start_minute),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX call_blocks_user ON call_blocks (org_id, user_id);

-- The review's counts over a user's book: people talked to, and people
-- added, by owner.
CREATE INDEX people_owner_live ON people (org_id, owner_id, last_live_at) WHERE last_live_at IS NOT NULL AND archived_at IS NULL;
CREATE INDEX people_owner_created ON people (org_id, owner_id, created_at);
