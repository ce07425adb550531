-- The citizen's steps after delivery (rating, 复查, 复核, 催办), queued like submissions: each goes
-- out once, in the order made, under its own Idempotency-Key (`key`), and what the bureau said of
-- it stays. `body` is the request as the bureau's API takes it: the citizen's words, personal data.
CREATE TABLE outbox_steps (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT    NOT NULL UNIQUE,
    petition_id   TEXT    NOT NULL REFERENCES outbox (petition_id),
    kind          TEXT    NOT NULL,            -- evaluation | review | recheck | urge
    body          TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'waiting',   -- waiting | sent | refused
    queued_at     INTEGER NOT NULL,            -- unix ms, UTC
    attempts      INTEGER NOT NULL DEFAULT 0,  -- failed attempts to reach the bureau
    error_code    TEXT,                        -- the refusal, or the last failure
    error_message TEXT,
    done_at       INTEGER                      -- unix ms: sent or refused
);
CREATE INDEX outbox_steps_waiting ON outbox_steps (state, seq);
