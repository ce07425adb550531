-- An autosave rewrote two pages: the petition's row and its entry in `petitions_by_update`.
-- Every page written is encrypted and authenticated (SQLCipher), so the index doubled the
-- crypto on the hottest path (issue 6). The only query it served lists every draft, which reads
-- the whole table either way; sorting those rows in memory costs less than keeping the index.
DROP INDEX IF EXISTS petitions_by_update;
