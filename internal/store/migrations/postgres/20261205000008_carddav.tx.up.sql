-- Contacts on the phone: a read-only CardDAV address book per user.
--
-- App passwords are what a phone signs in to the address book with (never
-- the account's password): named, shown once, kept only as a hash.
CREATE TABLE app_passwords (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX app_passwords_user ON app_passwords (org_id, user_id);

-- A user's address book as its clients have been told it: seq counts its
-- changes (the sync token names it, with tag, made at random when the
-- book is, so that a token from before a restore is never taken for one
-- of now); tokens below oldest_seq are too old, their removals forgotten.
CREATE TABLE carddav_books (
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    seq BIGINT NOT NULL DEFAULT 0,
    oldest_seq BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);

-- Each card of a book: the ETag of what it showed when last looked at, and
-- the book's seq when it last changed; removed_at marks a card that left
-- the book (archived, merged away, no longer visible to the user), kept
-- for a while so that a sync can say so.
CREATE TABLE carddav_cards (
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    etag TEXT NOT NULL,
    seq BIGINT NOT NULL,
    removed_at TIMESTAMPTZ,
    PRIMARY KEY (org_id, user_id, person_id),
    FOREIGN KEY (org_id, user_id) REFERENCES carddav_books (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX carddav_cards_seq ON carddav_cards (org_id, user_id, seq);
