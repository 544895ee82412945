-- Webhooks out: an organisation's endpoints, each with the events it
-- wants and the secret its requests are signed with. A run of failures
-- (failing_since, failures in a row) disables an endpoint.
CREATE TABLE webhook_endpoints (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    disabled_at TIMESTAMPTZ,
    disabled_reason TEXT NOT NULL DEFAULT '',
    failing_since TIMESTAMPTZ,
    failures INTEGER NOT NULL DEFAULT 0,
    last_success_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, id);

-- A webhook is an outbox message on the "webhook" channel: endpoint_id
-- names its endpoint, event its type, body the request as first sent
-- (a retry sends the same), and order_key ("e<endpoint>:p<person>") keeps
-- one person's events to one endpoint in order: a message waits while an
-- earlier one with its key is pending.
ALTER TABLE outbox ADD COLUMN endpoint_id BIGINT;
ALTER TABLE outbox ADD COLUMN event TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN order_key TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN body TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_order ON outbox (order_key, id) WHERE order_key <> '' AND status = 'pending';
CREATE INDEX outbox_endpoint ON outbox (org_id, endpoint_id, id) WHERE endpoint_id IS NOT NULL;

-- Every request to an endpoint: when, how long, what it answered.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    endpoint_id BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    event TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    ok BOOLEAN NOT NULL DEFAULT FALSE,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (org_id, endpoint_id, id);
