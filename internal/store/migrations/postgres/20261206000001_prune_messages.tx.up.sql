-- Webhook tries are pruned by age (see PruneMessages): the index finds the
-- old ones without reading the whole log.
CREATE INDEX webhook_attempts_at ON webhook_attempts (at);
