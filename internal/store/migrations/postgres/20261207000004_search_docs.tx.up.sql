-- SQLite moves the search document out of the person's row (see its
-- migration of the same name). PostgreSQL already keeps a long value out
-- of the row (TOAST) and derives its index from the column: nothing moves.
SELECT 1;
