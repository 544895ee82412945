-- Email onto the timeline: each user's private address to BCC or forward
-- to (its local part is the token), and the messages that came to it.
-- A message whose other side is one of the user's people becomes an email
-- conversation on their timeline; one that matches no one waits in the
-- user's inbox until they assign it or let it go.
CREATE TABLE inbound_addresses (
    token TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE TABLE inbound_emails (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    from_addr TEXT NOT NULL,
    from_name TEXT NOT NULL DEFAULT '',
    to_addrs TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'waiting',
    person_id INTEGER,
    conversation_id INTEGER,
    UNIQUE (org_id, user_id, message_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX inbound_emails_waiting ON inbound_emails (org_id, user_id, status, received_at);
