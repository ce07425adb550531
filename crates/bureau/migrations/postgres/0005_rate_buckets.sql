-- Replicas (issue 21, point 7): each token's request bucket lives here, so that every replica of
-- the bureau draws from the same one. UNLOGGED: a bucket is not worth a disk flush per request,
-- and after a crash PostgreSQL empties the table, which only gives every token a full bucket.
CREATE UNLOGGED TABLE rate_buckets (
    token_id TEXT PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    allowed BOOLEAN NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
