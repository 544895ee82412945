-- Reaching the agent: what each user wants to hear of and how, when they
-- are not to be disturbed, when their daily agenda comes, and whether they
-- are off duty (routing skips them). alert_token names the user in the
-- one-click unsubscribe links of their email.
ALTER TABLE users ADD COLUMN alert_email TEXT NOT NULL DEFAULT 'new_lead,reassigned,promise_due,agenda';
ALTER TABLE users ADD COLUMN alert_push TEXT NOT NULL DEFAULT 'new_lead,reassigned,promise_due';
ALTER TABLE users ADD COLUMN quiet_from TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN quiet_to TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN agenda_hour INTEGER NOT NULL DEFAULT 7;
ALTER TABLE users ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN alert_token TEXT NOT NULL DEFAULT '';

-- The claim window: a new lead nobody attempted within claim_minutes
-- goes on (claim_to 'next': the next agent in the rotation; 'pond': a
-- shared pond any agent may claim). quiet_leads 'alert' lets a new lead
-- through a user's quiet hours.
ALTER TABLE orgs ADD COLUMN claim_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN claim_to TEXT NOT NULL DEFAULT 'next';
ALTER TABLE orgs ADD COLUMN quiet_leads TEXT NOT NULL DEFAULT 'wait';

-- Every message that leaves the server, written in the transaction that
-- caused it and delivered by one runner. key is the idempotency key: one
-- message per cause, recipient and channel. A message being sent is
-- leased (lease_until); a lease that ran out is a server that stopped.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    person_id BIGINT,
    ref_id BIGINT,
    data TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    UNIQUE (org_id, key)
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_org ON outbox (org_id, status, id);

-- Hand-overs of new leads: each time a lead passed from one owner to the
-- next (or to the pond) for want of an attempt in the claim window, and
-- each claim from the pond.
CREATE TABLE lead_handovers (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL,
    from_user_id BIGINT,
    to_user_id BIGINT,
    reason TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_handovers_person ON lead_handovers (org_id, person_id, at);
CREATE INDEX lead_handovers_at ON lead_handovers (org_id, at);

-- When a lead last changed hands (routing, a hand-over, a claim): the
-- claim window counts from here. in_pond marks a lead waiting for any
-- agent to claim it.
ALTER TABLE people ADD COLUMN assigned_at TIMESTAMPTZ;
ALTER TABLE people ADD COLUMN in_pond BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX people_claim ON people (org_id, assigned_at) WHERE first_attempt_at IS NULL AND archived_at IS NULL AND assigned_at IS NOT NULL;
