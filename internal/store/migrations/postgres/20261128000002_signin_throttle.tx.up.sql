-- Failed sign-ins per account and per address, for temporary lockouts
-- that hold across every server sharing the database.
CREATE TABLE signin_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    first_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);
