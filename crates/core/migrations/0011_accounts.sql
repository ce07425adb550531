-- Citizens' accounts (issue 17): the account (its mobile number, 11 digits) each outbox item was
-- delivered under, so that on a shared family computer one account's delivered petitions are
-- not shown to another signed in after it. NULL: before accounts, a kiosk, or not delivered yet
-- (the item goes out under whoever is signed in then).
ALTER TABLE outbox ADD COLUMN account TEXT;
