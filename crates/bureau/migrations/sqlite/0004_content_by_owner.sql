-- Nothing crosses accounts (issue 21, point 5): an announced upload completes at once only from
-- content its own token holds (a completed upload, or an attachment of one of its petitions).
CREATE INDEX uploads_owner_content ON uploads (token_id, sha256);
CREATE INDEX attachments_content ON attachments (sha256);
