-- An outbound call logged to someone marked do not call is kept only when
-- the user confirmed it (they called, or asked to be called); the
-- conversation records that they did.
ALTER TABLE conversations ADD COLUMN dnc_confirmed BOOLEAN NOT NULL DEFAULT FALSE;
