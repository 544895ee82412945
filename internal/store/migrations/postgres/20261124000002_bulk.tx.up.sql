-- Bulk intake. Fewer, narrower indexes on people, so that writing a
-- million of them stays fast (see the SQLite migration of the same name).
-- PostgreSQL keeps its full-text column up to date itself.

DROP INDEX people_kind;
DROP INDEX people_owner;
DROP INDEX people_created;
DROP INDEX people_stage;
CREATE INDEX people_stage ON people (org_id, stage_id) WHERE archived_at IS NULL;
DROP INDEX people_unattempted;
CREATE INDEX people_unattempted ON people (org_id, owner_id, created_at)
    WHERE first_attempt_at IS NULL AND last_live_at IS NULL AND archived_at IS NULL AND (kind = 'lead' OR referred_by_id IS NOT NULL);
DROP INDEX people_birthday;
CREATE INDEX people_birthday ON people (org_id, owner_id, birthday_month, birthday_day) WHERE birthday_month > 0;
DROP INDEX people_home;
CREATE INDEX people_home ON people (org_id, owner_id, home_month, home_day) WHERE home_month > 0;
DROP INDEX people_volume;
CREATE INDEX people_volume ON people (org_id, volume_12m) WHERE kind = 'recruit' AND volume_12m > 0 AND archived_at IS NULL;

ALTER TABLE people ADD COLUMN mls_id TEXT NOT NULL DEFAULT '';
CREATE INDEX people_mls ON people (org_id, mls_id) WHERE mls_id <> '';
