-- Citizen accounts (issue 17): petitions, uploads and idempotency keys belong to an account, not
-- to the token that sent them, so that a new token (after expiry, revocation or on a second
-- machine) sees the same history and a petition re-sent under it is the same one. Every token
-- there is becomes an account of its own, under the token's id, so the rows it owns keep their
-- owner's id and only the column's name and its reference change.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    phone TEXT UNIQUE,
    name TEXT,
    id_number TEXT,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
INSERT INTO accounts (id, kind, created_at) SELECT id, kind, created_at FROM tokens;

ALTER TABLE tokens ADD COLUMN account_id TEXT REFERENCES accounts(id);
UPDATE tokens SET account_id = id;
ALTER TABLE tokens ADD COLUMN expires_unix BIGINT;
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;
CREATE INDEX tokens_account ON tokens (account_id);

ALTER TABLE petitions DROP CONSTRAINT petitions_token_id_fkey;
ALTER TABLE petitions RENAME COLUMN token_id TO account_id;
ALTER TABLE petitions ADD FOREIGN KEY (account_id) REFERENCES accounts(id);
ALTER TABLE petitions ADD COLUMN phone TEXT;
ALTER TABLE petitions ADD COLUMN claimed_by TEXT REFERENCES accounts(id);
CREATE INDEX petitions_claimed ON petitions (claimed_by, change_seq);
CREATE INDEX petitions_phone ON petitions (phone);

ALTER TABLE uploads DROP CONSTRAINT uploads_token_id_fkey;
ALTER TABLE uploads RENAME COLUMN token_id TO account_id;
ALTER TABLE uploads ADD FOREIGN KEY (account_id) REFERENCES accounts(id);

ALTER TABLE idempotency RENAME COLUMN token_id TO account_id;

CREATE TABLE phone_codes (
    phone TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    purpose TEXT NOT NULL,
    name TEXT,
    id_number TEXT,
    created_unix BIGINT NOT NULL,
    expires_unix BIGINT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    used BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE code_sends (
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    at_unix BIGINT NOT NULL
);
CREATE INDEX code_sends_phone ON code_sends (phone, at_unix);
CREATE INDEX code_sends_address ON code_sends (address, at_unix);
CREATE INDEX code_sends_at ON code_sends (at_unix);
