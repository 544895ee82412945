-- The sweeps that run every half minute on every server: promises due
-- (open follow-ups by day, across organisations) and what the outbox
-- already holds for a follow-up or a user.
CREATE INDEX follow_ups_open_due ON follow_ups (due_on) WHERE status = 'open';
CREATE INDEX outbox_ref ON outbox (kind, ref_id);
CREATE INDEX outbox_user_kind ON outbox (kind, created_at, user_id);
