-- Today's sources, each bounded by an index at a million people: the
-- pond in the order it is offered; leads being chased (attempted, never
-- reached) by when they arrived and by their last attempt; an agent's
-- own top recruits by volume. Without them each scanned an agent's whole
-- book (the pond, the whole organisation's) on every Today.
CREATE INDEX people_pond ON people (org_id, assigned_at, id) WHERE in_pond AND archived_at IS NULL;
CREATE INDEX people_chased_created ON people (org_id, owner_id, created_at)
    WHERE kind = 'lead' AND last_live_at IS NULL AND first_attempt_at IS NOT NULL AND archived_at IS NULL;
CREATE INDEX people_chased_attempt ON people (org_id, owner_id, last_attempt_at)
    WHERE kind = 'lead' AND last_live_at IS NULL AND first_attempt_at IS NOT NULL AND archived_at IS NULL;
CREATE INDEX people_owner_recruit_volume ON people (org_id, owner_id, volume_12m)
    WHERE kind = 'recruit' AND volume_12m > 0 AND archived_at IS NULL;
