-- The bureau's catalogue (places, agencies, categories, offices), kept as the bureau served it
-- with its ETag, so the form has them with no network and the next fetch can be a 304. One
-- row: the catalogue of the bureau signed in to.
CREATE TABLE catalog (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    etag TEXT NOT NULL,
    json TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
) STRICT;
