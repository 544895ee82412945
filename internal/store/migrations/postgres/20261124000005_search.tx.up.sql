-- SQLite rebuilds its full-text index in this version; PostgreSQL's
-- tsvector index already serves prefixes.
SELECT 1;
