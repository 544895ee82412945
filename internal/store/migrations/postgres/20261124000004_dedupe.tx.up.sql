-- name_key is a person's name folded for finding duplicates: lower case,
-- no accents or punctuation, nicknames as their formal names, words in
-- order. NULL until computed (the application fills in older rows).
ALTER TABLE people ADD COLUMN name_key TEXT;
CREATE INDEX people_name_key ON people (org_id, name_key) WHERE name_key IS NOT NULL AND archived_at IS NULL;
