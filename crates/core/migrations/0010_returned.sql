-- What the bureau refused in a petition it sent back to be corrected (a place or a category its
-- catalogue no longer has): the petition is a draft again, and the form marks each field here
-- until the citizen changes it. Rows go with their petition.
CREATE TABLE returned_fields (
    petition_id TEXT    NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    field       TEXT    NOT NULL,   -- the field's key (`region`, `category`)
    code        TEXT    NOT NULL,   -- the problem's code (`unknown_region`, `unknown_category`)
    returned_at INTEGER NOT NULL,   -- unix milliseconds, UTC
    PRIMARY KEY (petition_id, field)
) STRICT;
