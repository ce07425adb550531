-- The bureau's due dates of a delivered petition (`due` of its view, as JSON), kept from the last
-- status pull so that the days left and what is overdue show without a network.
ALTER TABLE outbox ADD COLUMN bureau_due TEXT;
