-- The prospect ranking reads agents in order of volume or units, and the
-- board counts them by stage, without touching the people table: ordered
-- partial indexes, and a stage index that covers the count.
DROP INDEX people_recruit_stage;
CREATE INDEX people_recruit_stage ON people (org_id, stage_id, volume_12m, id, kind, archived_at) WHERE kind = 'recruit' AND archived_at IS NULL;
CREATE INDEX people_recruit_volume ON people (org_id, volume_12m, id) WHERE kind = 'recruit' AND archived_at IS NULL;
CREATE INDEX people_recruit_units ON people (org_id, units_12m, id) WHERE kind = 'recruit' AND archived_at IS NULL;
