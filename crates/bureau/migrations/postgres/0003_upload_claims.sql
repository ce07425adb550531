-- Claims on an upload (issue 21, point 4). Each PATCH takes the next `claim`, and whoever held
-- the upload before loses it. The bytes received so far are the first `offset_bytes` of the file
-- that the PATCH holding claim `file_claim` made (`uploads/<id>.part` for 0, else
-- `uploads/<id>.<claim>.part`). A PATCH that ends lets go of the upload (`released_claim` is its
-- claim), so the next one writes on in the same file; one that takes the upload from a holder
-- that has not let go (a stalled or dead connection) copies those bytes to a file of its own,
-- so nothing the old holder still writes can reach it. A holder that finds `claim` moved on when
-- it records its offset has lost the upload, and stops without recording anything.
ALTER TABLE uploads ADD COLUMN claim BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN released_claim BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN file_claim BIGINT NOT NULL DEFAULT 0;
