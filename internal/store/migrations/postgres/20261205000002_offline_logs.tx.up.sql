-- Conversations logged on a phone without signal are sent later, perhaps
-- more than once (the answer to the first try may never arrive). Each
-- carries a key the phone made when the form was submitted; the key is
-- unique within the organisation, so a second send finds the first
-- conversation instead of logging another. Conversations logged without
-- a key keep NULL, which the index does not compare.
ALTER TABLE conversations ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX conversations_idempotency ON conversations (org_id, idempotency_key);
