-- Petitions whose search row is behind their text. An autosave writes only the petition's row and
-- notes it here; the search rows are brought up to date in one transaction before a search, at
-- open, at close and before a check. A crash in between loses nothing: the note is written in the
-- same transaction as the text.
CREATE TABLE search_stale (
    seq INTEGER PRIMARY KEY
);
