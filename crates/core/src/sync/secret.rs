//! The bureau token: a [`Secret`] in memory, and at rest where the data key is:
//!
//! - a data directory in keyring mode keeps it in the OS keyring (macOS Keychain, Windows
//!   Credential Manager, the Secret Service on Linux), one entry per data directory: service
//!   [`KEYRING_SERVICE`], user derived from the directory's canonical path, so two data
//!   directories (two kiosk profiles, a test) never share a token;
//! - a data directory kept with an administrator passphrase (a machine without a keyring) keeps it
//!   in the encrypted database, under the data key ([`Store::save_token`]).
//!
//! Never a plain file, never a fallback store: when the keyring of a keyring-mode directory cannot
//! be used, signing in fails with [`SyncError::Keyring`] and says what to do.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use super::SyncError;
use crate::error::Result;
use crate::keys::{self, KeyMode};
use crate::paths::APP_IDENTIFIER;
use crate::store::Store;

/// The `secrets` row of the bureau token in passphrase mode.
const TOKEN_SECRET: &str = "bureau_token";

/// The keyring service every Petition Desk token is stored under.
pub const KEYRING_SERVICE: &str = APP_IDENTIFIER;

/// A secret string (the bureau token). No `Clone`, no `Serialize`, a `Debug` that prints nothing
/// of it, and its bytes are overwritten when it is dropped.
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Takes a token as typed or pasted; surrounding whitespace is not part of it.
    pub fn new(value: String) -> Result<Secret, SyncError> {
        let value = Zeroizing::new(value);
        let trimmed = value.trim();
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SyncError::TokenInvalid);
        }
        Ok(Secret(Zeroizing::new(trimmed.to_owned())))
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The keyring user name for a data directory: a digest of its canonical path (the path itself
/// may contain a person's name).
pub fn keyring_user(data_dir: &Path) -> String {
    let path = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let digest = crate::attachment::sha256_hex(path.as_os_str().as_encoded_bytes());
    format!("bureau-token-{}", &digest[..32])
}

fn entry(data_dir: &Path) -> Result<keyring::Entry, SyncError> {
    keyring::Entry::new(KEYRING_SERVICE, &keyring_user(data_dir)).map_err(SyncError::Keyring)
}

/// Stores the token of `data_dir` in the OS keyring, replacing any earlier one. Blocking: call
/// it off the async threads.
pub fn store_token(data_dir: &Path, token: &Secret) -> Result<(), SyncError> {
    entry(data_dir)?
        .set_password(token.expose())
        .map_err(SyncError::Keyring)
}

/// Reads the token of `data_dir` from the OS keyring. Blocking.
pub fn load_token(data_dir: &Path) -> Result<Secret, SyncError> {
    match entry(data_dir)?.get_password() {
        Ok(value) => Secret::new(value),
        Err(keyring::Error::NoEntry) => Err(SyncError::NotSignedIn),
        Err(e) => Err(SyncError::Keyring(e)),
    }
}

/// Removes the token of `data_dir` (signing out). Blocking.
pub fn forget_token(data_dir: &Path) -> Result<(), SyncError> {
    match entry(data_dir)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(SyncError::Keyring(e)),
    }
}

/// Whether the token of `dir` lives in the database (passphrase mode) rather than the keyring.
fn in_database(dir: &Path) -> Result<bool> {
    Ok(keys::key_mode(dir)? == Some(KeyMode::Passphrase))
}

impl Store {
    /// Keeps `token` as this data directory's bureau token, replacing any earlier one: in the OS
    /// keyring, or in the encrypted database when the directory is kept with a passphrase.
    pub async fn save_token(&self, token: Secret) -> Result<()> {
        if in_database(self.dir())? {
            sqlx::query(
                "INSERT INTO secrets (name, value) VALUES (?, ?) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(TOKEN_SECRET)
            .bind(token.expose())
            .execute(self.writer())
            .await?;
            return Ok(());
        }
        let dir = self.dir().to_owned();
        tokio::task::spawn_blocking(move || store_token(&dir, &token))
            .await
            .map_err(|_| SyncError::NotSignedIn)??;
        Ok(())
    }

    /// This data directory's bureau token, wherever it is kept ([`SyncError::NotSignedIn`] when
    /// there is none).
    pub async fn token(&self) -> Result<Secret> {
        if in_database(self.dir())? {
            let value: Option<String> =
                sqlx::query_scalar("SELECT value FROM secrets WHERE name = ?")
                    .bind(TOKEN_SECRET)
                    .fetch_optional(self.reader())
                    .await?;
            let value = Zeroizing::new(value.ok_or(SyncError::NotSignedIn)?);
            return Ok(Secret::new(value.to_string())?);
        }
        let dir = self.dir().to_owned();
        Ok(tokio::task::spawn_blocking(move || load_token(&dir))
            .await
            .map_err(|_| SyncError::NotSignedIn)??)
    }

    /// Removes this data directory's bureau token (signing out).
    pub async fn forget_saved_token(&self) -> Result<()> {
        if in_database(self.dir())? {
            sqlx::query("DELETE FROM secrets WHERE name = ?")
                .bind(TOKEN_SECRET)
                .execute(self.writer())
                .await?;
            return Ok(());
        }
        let dir = self.dir().to_owned();
        tokio::task::spawn_blocking(move || forget_token(&dir))
            .await
            .map_err(|_| SyncError::NotSignedIn)??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_itself() {
        let s = Secret::new("  pbt_0123456789abcdef \n".into()).expect("a token");
        assert_eq!(s.expose(), "pbt_0123456789abcdef");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(matches!(
            Secret::new("  ".into()),
            Err(SyncError::TokenInvalid)
        ));
        assert!(matches!(
            Secret::new("a b".into()),
            Err(SyncError::TokenInvalid)
        ));
    }

    #[test]
    fn two_data_dirs_have_two_keyring_users() {
        let a = tempfile::tempdir().expect("temp dir");
        let b = tempfile::tempdir().expect("temp dir");
        assert_ne!(keyring_user(a.path()), keyring_user(b.path()));
        assert_eq!(keyring_user(a.path()), keyring_user(a.path()));
    }

    /// In passphrase mode the token goes to the encrypted database and never to the keyring: the
    /// keyring is not even reachable here (no D-Bus address at all).
    #[tokio::test]
    async fn passphrase_mode_keeps_the_token_in_the_encrypted_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pass = crate::keys::Passphrase::new("社区中心口令 2026".into());
        let key = crate::keys::init_passphrase(dir.path(), &pass).expect("set up");
        let store = Store::open(dir.path(), &key).await.expect("open");
        assert!(matches!(
            store.token().await,
            Err(crate::Error::Sync(SyncError::NotSignedIn))
        ));
        store
            .save_token(Secret::new("pbt_passphrase_token_7f3a".into()).expect("token"))
            .await
            .expect("kept without a keyring");
        assert_eq!(
            store.token().await.expect("read back").expose(),
            "pbt_passphrase_token_7f3a"
        );
        store.close().await;
        let db = std::fs::read(dir.path().join(crate::store::DB_FILE)).expect("db");
        assert!(!db.windows(9).any(|w| w == b"pbt_passp"));
        let store = Store::open(dir.path(), &key).await.expect("reopen");
        assert_eq!(
            store.token().await.expect("still there").expose(),
            "pbt_passphrase_token_7f3a"
        );
        store.forget_saved_token().await.expect("forget");
        assert!(store.token().await.is_err());
    }
}
