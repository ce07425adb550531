-- Citizen accounts (issue 17): petitions, uploads and idempotency keys belong to an account, not
-- to the token that sent them, so that a new token (after expiry, revocation or on a second
-- machine) sees the same history and a petition re-sent under it is the same one.
--
-- Every token there is becomes an account of its own, under the token's id, so the rows it owns
-- keep their owner's id and only the column's name and its reference change. SQLite cannot
-- change a column's reference in place: petitions and uploads are rebuilt the way SQLite's
-- documentation gives: the new table made, filled, the old one dropped and the new one renamed,
-- so attachments and events refer to the rebuilt `petitions`. That needs foreign keys off, which
-- cannot be done inside the migration's transaction: `Store::open` runs SQLite's migrations
-- with them off and checks every reference before turning them on again.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,               -- citizen | kiosk
    phone TEXT UNIQUE,                -- 11 digits; NULL for kiosks, operators' tokens, deleted accounts
    name TEXT,                        -- as given at sign-up; not verified
    id_number TEXT,                   -- as given at sign-up; not verified
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
INSERT INTO accounts (id, kind, created_at) SELECT id, kind, created_at FROM tokens;

ALTER TABLE tokens ADD COLUMN account_id TEXT REFERENCES accounts(id);
UPDATE tokens SET account_id = id;
ALTER TABLE tokens ADD COLUMN expires_unix BIGINT;   -- NULL: never (kiosks)
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;
CREATE INDEX tokens_account ON tokens (account_id);

CREATE TABLE petitions_rebuilt (
    tracking_code TEXT PRIMARY KEY,
    petition_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    title TEXT NOT NULL,
    region TEXT NOT NULL,
    category TEXT NOT NULL,
    purpose TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    accepted_at TEXT,
    replied_at TEXT,
    extended BIGINT NOT NULL DEFAULT 0,
    review_requested BIGINT NOT NULL DEFAULT 0,
    evaluation TEXT,
    change_seq BIGINT NOT NULL DEFAULT 0,
    reference TEXT,
    -- The petitioner's mobile number as 11 digits (NULL for a landline), and the citizen account
    -- that claimed a kiosk's petition by signing in with that number.
    phone TEXT,
    claimed_by TEXT REFERENCES accounts(id),
    UNIQUE (account_id, petition_id)
);
INSERT INTO petitions_rebuilt (tracking_code, petition_id, account_id, status, body, title, region,
    category, purpose, received_at, updated_at, accepted_at, replied_at, extended,
    review_requested, evaluation, change_seq, reference)
SELECT tracking_code, petition_id, token_id, status, body, title, region, category, purpose,
    received_at, updated_at, accepted_at, replied_at, extended, review_requested, evaluation,
    change_seq, reference
FROM petitions;
DROP TABLE petitions;
ALTER TABLE petitions_rebuilt RENAME TO petitions;
CREATE INDEX petitions_changes ON petitions (account_id, change_seq);
CREATE INDEX petitions_claimed ON petitions (claimed_by, change_seq);
CREATE INDEX petitions_reference ON petitions (reference);
CREATE INDEX petitions_petition_id ON petitions (petition_id);
CREATE INDEX petitions_phone ON petitions (phone);

CREATE TABLE uploads_rebuilt (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    length BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    offset_bytes BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    expires_unix BIGINT NOT NULL,
    claim BIGINT NOT NULL DEFAULT 0,
    released_claim BIGINT NOT NULL DEFAULT 0,
    file_claim BIGINT NOT NULL DEFAULT 0
);
INSERT INTO uploads_rebuilt (id, account_id, length, media_type, sha256, offset_bytes, complete,
    expires_unix, claim, released_claim, file_claim)
SELECT id, token_id, length, media_type, sha256, offset_bytes, complete, expires_unix, claim,
    released_claim, file_claim
FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_rebuilt RENAME TO uploads;
CREATE INDEX uploads_expiry ON uploads (complete, expires_unix);
CREATE INDEX uploads_owner_content ON uploads (account_id, sha256);

ALTER TABLE idempotency RENAME COLUMN token_id TO account_id;

-- One-time codes sent to a phone, one live code per phone (a new one replaces it). Only the
-- code's SHA-256 (with the phone) is kept. `used` or `failures` reaching the limit ends it; the
-- row stays until the next code so that a reuse is told as one.
CREATE TABLE phone_codes (
    phone TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    purpose TEXT NOT NULL,            -- sign_up | sign_in
    name TEXT,                        -- sign-up's, kept until the code is used
    id_number TEXT,
    created_unix BIGINT NOT NULL,
    expires_unix BIGINT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    used BIGINT NOT NULL DEFAULT 0
);

-- Every code sent, for the limits per phone, per address and in all (SMS costs the bureau).
CREATE TABLE code_sends (
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    at_unix BIGINT NOT NULL
);
CREATE INDEX code_sends_phone ON code_sends (phone, at_unix);
CREATE INDEX code_sends_address ON code_sends (address, at_unix);
CREATE INDEX code_sends_at ON code_sends (at_unix);
