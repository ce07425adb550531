-- Retention: a delivered petition keeps its text (encrypted, for the citizen's history) but its
-- attachment files are purged from this machine a while after the bureau's receipt was stored.

-- When this machine stored the bureau's receipt (unix ms, UTC): the retention clock starts here.
ALTER TABLE outbox ADD COLUMN receipt_stored_at INTEGER;
UPDATE outbox SET receipt_stored_at = CAST(unixepoch(received_at) AS INTEGER) * 1000
    WHERE received_at IS NOT NULL AND receipt_stored_at IS NULL;

-- When the attachment's file was purged (unix ms); the row stays to say what there was.
ALTER TABLE attachments ADD COLUMN purged_at INTEGER;
