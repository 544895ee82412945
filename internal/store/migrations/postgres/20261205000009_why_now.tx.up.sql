-- Why now. came_back_at: when someone already known last came back
-- through a lead source (an inquiry, a saved property or search, a visit,
-- an incoming call): Today puts them near new leads until someone
-- answers. attempt_plan: the days (after arrival) of a new lead's
-- attempts; attempt_rest_days: how long a lead that never answered rests
-- before Today tries again. A fact may carry a date (a lease that ends, a
-- baby due) and how many days before it Today should bring the person.
ALTER TABLE people ADD COLUMN came_back_at TIMESTAMPTZ;
CREATE INDEX people_came_back ON people (org_id, owner_id, came_back_at) WHERE came_back_at IS NOT NULL;
ALTER TABLE orgs ADD COLUMN attempt_plan TEXT NOT NULL DEFAULT '0,0,1,2,4,7,14';
ALTER TABLE orgs ADD COLUMN attempt_rest_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE facts ADD COLUMN on_date TEXT NOT NULL DEFAULT '';
ALTER TABLE facts ADD COLUMN remind_days INTEGER NOT NULL DEFAULT 0;
CREATE INDEX facts_dated ON facts (org_id, on_date) WHERE on_date <> '';
-- Someone known coming back is an alert users choose, on by default.
UPDATE users SET alert_email = alert_email || ',came_back' WHERE alert_email NOT LIKE '%came_back%';
UPDATE users SET alert_push = alert_push || ',came_back' WHERE alert_push NOT LIKE '%came_back%';
