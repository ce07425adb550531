CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL REFERENCES tokens(id),
    length BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    offset_bytes BIGINT NOT NULL,
    complete BIGINT NOT NULL,
    expires_unix BIGINT NOT NULL
);
CREATE INDEX uploads_expiry ON uploads (complete, expires_unix);

CREATE TABLE petitions (
    tracking_code TEXT PRIMARY KEY,
    petition_id TEXT NOT NULL,
    token_id TEXT NOT NULL REFERENCES tokens(id),
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
    UNIQUE (token_id, petition_id)
);
CREATE INDEX petitions_changes ON petitions (token_id, change_seq);

CREATE TABLE attachments (
    tracking_code TEXT NOT NULL REFERENCES petitions(tracking_code),
    position BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    length BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (tracking_code, position)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracking_code TEXT NOT NULL REFERENCES petitions(tracking_code),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT
);
CREATE INDEX events_petition ON events (tracking_code, id);

CREATE TABLE idempotency (
    token_id TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    claimed_unix BIGINT NOT NULL,
    PRIMARY KEY (token_id, key)
);
