-- A citizen's step after the reply (rating, 复查, 复核, 催办) may carry an `Idempotency-Key`: the
-- event it made keeps the key, so the same request sent again (its answer was lost on the way)
-- finds that event and changes nothing. One key makes one event of a petition.
ALTER TABLE events ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX events_request_key ON events (tracking_code, request_key)
    WHERE request_key IS NOT NULL;
