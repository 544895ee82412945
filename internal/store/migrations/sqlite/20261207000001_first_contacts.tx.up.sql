-- A person's first phone number and email address, kept on their row
-- (the store derives them with the search document): a list of people
-- shows them without reading the phones and emails tables, two random
-- reads a row at a million people.
ALTER TABLE people ADD COLUMN first_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN first_email TEXT NOT NULL DEFAULT '';
UPDATE people SET
    first_phone = COALESCE((SELECT number FROM phones ph WHERE ph.org_id = people.org_id AND ph.person_id = people.id
        ORDER BY ph.position, ph.id LIMIT 1), ''),
    first_email = COALESCE((SELECT address FROM emails e WHERE e.org_id = people.org_id AND e.person_id = people.id
        ORDER BY e.position, e.id LIMIT 1), '')
WHERE EXISTS (SELECT 1 FROM phones ph WHERE ph.org_id = people.org_id AND ph.person_id = people.id)
   OR EXISTS (SELECT 1 FROM emails e WHERE e.org_id = people.org_id AND e.person_id = people.id);
