-- Web Push. server_keys holds the server's own keys, one row each: the
-- VAPID pair that signs every alert (name 'vapid'), made at the first
-- start and kept, since every browser's subscription is bound to its
-- public key. push_subscriptions are the devices a user turned alerts on
-- for: the push service's address for that browser and the browser's keys
-- for the encryption. An endpoint belongs to one user at a time: the last
-- who subscribed on that browser.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE push_subscriptions (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_ok_at TIMESTAMP,
    failures INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (org_id, user_id);
