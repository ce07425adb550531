-- The outbox: petitions the citizen submitted, on their way to the bureau, and what the bureau
-- said about them since. A row is written in the same transaction that moves its petition out of
-- `draft`, and no row is ever deleted once a receipt is stored (a withdrawal removes a row only
-- while its submission has not been sent).

CREATE TABLE outbox (
    petition_id     TEXT    PRIMARY KEY REFERENCES petitions (id),
    queued_at       INTEGER NOT NULL,   -- unix milliseconds, UTC
    -- waiting | uploading | submitting | delivered | needs_attention. `submitting` is written
    -- before the submission goes out; from then on the petition can no longer be withdrawn.
    phase           TEXT    NOT NULL DEFAULT 'waiting',
    attempts        INTEGER NOT NULL DEFAULT 0,   -- failed attempts in a row
    next_attempt_at INTEGER,                      -- unix ms; NULL means now
    error_code      TEXT,                         -- the last failure, if any
    error_message   TEXT,
    tracking_code   TEXT    UNIQUE,               -- 查询码, from the bureau's receipt
    received_at     TEXT,                         -- RFC 3339, from the receipt
    receipt         TEXT,                         -- the receipt JSON as parsed
    bureau_status   TEXT,                         -- the bureau's last known status
    bureau_updated  TEXT                          -- the bureau's updated_at for it
);

-- One row per attachment of a queued petition: where its upload stands at the bureau.
CREATE TABLE outbox_files (
    petition_id TEXT    NOT NULL REFERENCES outbox (petition_id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    length      INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    upload_id   TEXT,                          -- the bureau's upload, once created
    sent        INTEGER NOT NULL DEFAULT 0,    -- bytes the bureau confirmed
    complete    INTEGER NOT NULL DEFAULT 0,    -- the bureau verified the checksum
    PRIMARY KEY (petition_id, position)
);

-- The bureau's dated events of a petition (registered, accepted, replied …), oldest first.
CREATE TABLE bureau_events (
    petition_id TEXT    NOT NULL REFERENCES petitions (id),
    position    INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    at          TEXT    NOT NULL,   -- RFC 3339
    text        TEXT,               -- the bureau's text: a reason, a reply
    PRIMARY KEY (petition_id, position)
);
