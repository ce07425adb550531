-- The wallet (issue 18): a citizen's account follows a petition made elsewhere (by letter, by
-- phone, at a window, on another machine) once it showed the petition's 查询码 with the
-- petitioner's mobile number. It then sees the petition like its own and may take the citizen's
-- steps on it (rate, 复查, 复核, 催办).
CREATE TABLE watches (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    tracking_code TEXT NOT NULL REFERENCES petitions(tracking_code),
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, tracking_code)
);
CREATE INDEX watches_petition ON watches (tracking_code);

-- Pairs that did not match, kept an hour for the limits: per account and per 查询码, so that
-- neither one account nor many can guess the number that goes with a code.
CREATE TABLE track_misses (
    account_id TEXT NOT NULL,
    tracking_code TEXT NOT NULL,
    at_unix BIGINT NOT NULL
);
CREATE INDEX track_misses_account ON track_misses (account_id, at_unix);
CREATE INDEX track_misses_code ON track_misses (tracking_code, at_unix);
