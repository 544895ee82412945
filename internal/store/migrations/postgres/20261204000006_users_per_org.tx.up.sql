-- An email address is unique within an organisation, not across the
-- installation: adding a user must not tell a manager that the address
-- has an account in another organisation. Signing in finds every account
-- with the address and lets the password decide.
DROP INDEX users_email;
CREATE UNIQUE INDEX users_org_email ON users (org_id, email);
CREATE INDEX users_email ON users (email);
