-- Attachments of petitions. The files live content-addressed in <data dir>/attachments/<sha256>
-- (thumbnails in attachments/thumbnails/<sha256>); a row links one petition to one content, so the
-- same content added twice to a petition is one row, and shared by two petitions is one file.
-- Rows go with their petition; the files they leave are collected by the store.

CREATE TABLE attachments (
    petition_id TEXT    NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    sha256      TEXT    NOT NULL,   -- lowercase hex of the stored (normalised) bytes
    position    INTEGER NOT NULL,   -- order within the petition, from 0
    media_type  TEXT    NOT NULL,   -- image/jpeg, image/png or application/pdf
    width       INTEGER,            -- pixels after orientation; NULL for a PDF
    height      INTEGER,
    bytes       INTEGER NOT NULL,   -- size of the stored file
    file_name   TEXT    NOT NULL DEFAULT '',
    page_count  INTEGER,            -- pages of a PDF when counted cheaply
    created_at  INTEGER NOT NULL,   -- unix milliseconds, UTC
    PRIMARY KEY (petition_id, sha256)
);

CREATE INDEX attachments_by_content ON attachments (sha256);
