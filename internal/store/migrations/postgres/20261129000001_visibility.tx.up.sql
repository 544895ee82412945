-- Who sees whose people: 'all' (everyone sees everyone's, as before) or
-- 'own' (agents see only the people they own; owners and managers see all).
ALTER TABLE orgs ADD COLUMN visibility TEXT NOT NULL DEFAULT 'all';
