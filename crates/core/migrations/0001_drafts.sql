-- Drafts, their search index and the app's settings. Migrations are append-only: never edit a
-- file once it has landed; add a new one.

CREATE TABLE petitions (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,   -- unix milliseconds, UTC
    updated_at  INTEGER NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'draft',
    trashed_at  INTEGER,
    name        TEXT    NOT NULL DEFAULT '',
    id_number   TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    address     TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    region      TEXT    NOT NULL DEFAULT '',
    agency      TEXT    NOT NULL DEFAULT '',
    category    TEXT    NOT NULL DEFAULT '',
    purpose     TEXT    NOT NULL DEFAULT '',
    title       TEXT    NOT NULL DEFAULT '',
    request     TEXT    NOT NULL DEFAULT '',
    facts       TEXT    NOT NULL DEFAULT '',
    reasons     TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX petitions_by_update ON petitions (updated_at DESC);

-- One row per petition (rowid = petitions.seq), one column per searchable field, holding the
-- tokens made by `search::index_text` (CJK bigrams and words).
CREATE VIRTUAL TABLE petition_search USING fts5(
    name, id_number, phone, address, email, region, agency, category, title, request, facts, reasons,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
