-- The wallet's lookups made without a network: a 查询码 and the petitioner's mobile number that
-- wait to be put to the bureau (POST /v1/petitions/track) when it can be reached. `key` is the
-- local id the citizen was given; once the bureau has found the petition it stands for that
-- petition (`petition_id`). `phone` is personal data, like the rest of this encrypted file.
CREATE TABLE outbox_lookups (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    key           TEXT    NOT NULL UNIQUE,
    account       TEXT    NOT NULL,            -- the account signed in when it was made
    tracking_code TEXT    NOT NULL,
    phone         TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'waiting',   -- waiting | found | refused
    petition_id   TEXT,                        -- once found
    queued_at     INTEGER NOT NULL,            -- unix ms, UTC
    attempts      INTEGER NOT NULL DEFAULT 0,  -- failed attempts to reach the bureau
    error_code    TEXT,                        -- the refusal, or the last failure
    error_message TEXT,
    done_at       INTEGER                      -- unix ms: found or refused
);
CREATE INDEX outbox_lookups_waiting ON outbox_lookups (state, seq);
