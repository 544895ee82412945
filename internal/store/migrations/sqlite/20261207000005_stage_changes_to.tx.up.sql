-- Stage changes by the stage they went to, newest last: Today's thanks
-- (a referral of the user's that reached a closed stage lately) reads
-- those of the closed stages since a day, rather than walk every stage
-- change of the organisation.
CREATE INDEX stage_changes_to ON stage_changes (org_id, to_stage_id, at);
