-- The submission reference (提交编号) of each petition, made from its id: filled in at intake,
-- and for petitions taken in before this migration when the store opens (SQL has no base32).
ALTER TABLE petitions ADD COLUMN reference TEXT;
CREATE INDEX petitions_reference ON petitions (reference);
-- A petition id is delivered once whichever way it comes (API or sealed bundle), so intake
-- looks it up across tokens.
CREATE INDEX petitions_petition_id ON petitions (petition_id);
