-- Secrets of a data directory kept with an administrator passphrase (machines without an OS
-- keyring): the bureau token lives here, inside the database SQLCipher encrypts under the data
-- key, instead of in the keyring. Directories in keyring mode leave this table empty.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
