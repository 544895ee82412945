-- API rate limits shared by the servers of one database: each key's
-- bucket (tokens left, when last counted, whether the last request took
-- one). A SQLite file has one server, which counts in memory; the table
-- is here so that both databases have the same tables.
CREATE TABLE api_buckets (
    key_id BIGINT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    took BOOLEAN NOT NULL DEFAULT TRUE
);
