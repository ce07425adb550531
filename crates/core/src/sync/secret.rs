//! The bureau account: its address (checked by [`check_bureau_url`], kept in the settings),
//! signing in ([`Store::sign_in`]), and the bureau token, a [`Secret`] in memory and at rest where
//! the data key is:
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

use serde::Serialize;
use zeroize::Zeroizing;

use super::SyncError;
use super::plan::Failure;
use crate::error::Result;
use crate::keys::{self, KeyMode};
use crate::paths::APP_IDENTIFIER;
use crate::store::Store;

/// The `secrets` row of the bureau token in passphrase mode.
const TOKEN_SECRET: &str = "bureau_token";

/// The setting that holds the bureau's base URL.
pub const BUREAU_URL_SETTING: &str = "sync.bureau_url";
/// The setting that holds the `since` cursor of the last status pull.
pub(crate) const CURSOR_SETTING: &str = "sync.cursor";

/// Checks a bureau address: `https://`, or `http://` to this machine only. Returns it without a
/// trailing slash.
pub fn check_bureau_url(url: &str) -> std::result::Result<String, SyncError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| SyncError::BureauUrlInvalid)?;
    let loopback = parsed.host_str().is_some_and(|h| {
        h.eq_ignore_ascii_case("localhost")
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    let ok = match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => loopback,
        _ => false,
    };
    if !ok || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SyncError::BureauUrlInvalid);
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// What signing in did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignIn {
    /// The bureau's address as kept (no trailing slash).
    pub bureau_url: String,
    /// The bureau answered and took the token; `false`: it could not be reached now, and the
    /// sign-in is kept for when it can.
    pub checked: bool,
}

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

/// Keeps a sign-in's `settings` (key, value) in `tx`, and lets the items that stopped for want of
/// a valid token go out again.
pub(super) async fn keep_sign_in(
    tx: &mut sqlx::SqliteConnection,
    settings: &[(&str, &str)],
) -> Result<()> {
    for (key, value) in settings {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE outbox SET phase = 'waiting', attempts = 0, next_attempt_at = NULL, \
         error_code = NULL, error_message = NULL \
         WHERE phase = 'needs_attention' AND error_code IN ('unauthorized', 'sign_in_again')",
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Whether the token of `dir` lives in the database (passphrase mode) rather than the keyring.
fn in_database(dir: &Path) -> Result<bool> {
    Ok(keys::key_mode(dir)? == Some(KeyMode::Passphrase))
}

impl Store {
    /// Signs in to a bureau. The bureau is tried once first: a certificate or proxy that fails, an
    /// address that is no bureau, or a token it refuses is reported at once and nothing is kept;
    /// when it simply cannot be reached now (no network, a busy bureau), the sign-in is kept for
    /// later and [`SignIn::checked`] is false. The token is kept where the data key is
    /// ([`Store::save_token`]: the OS keyring, or the encrypted database in passphrase mode; never
    /// a file), the address in the settings. The status cursor starts afresh, and items stopped
    /// for want of a valid token are tried again.
    pub async fn sign_in(&self, bureau_url: &str, token: Secret) -> Result<SignIn> {
        let url = check_bureau_url(bureau_url)?;
        let checked = match super::client::Bureau::new(&url, &token)?
            .check_sign_in()
            .await
        {
            Ok(()) => true,
            Err(Failure::Network(kind)) if kind.may_pass() => false,
            Err(Failure::Network(kind)) => return Err(SyncError::Connection(kind).into()),
            Err(Failure::NotBureau) => return Err(SyncError::NotBureau.into()),
            Err(Failure::Http {
                status: 401 | 403, ..
            }) => {
                return Err(SyncError::TokenRefused.into());
            }
            // Busy, or asked to slow down: the sign-in stands, the engine tries later.
            Err(Failure::Http { .. }) => false,
        };
        self.save_token(token).await?;
        let mut tx = self.writer().begin().await?;
        keep_sign_in(
            &mut tx,
            &[(BUREAU_URL_SETTING, url.as_str()), (CURSOR_SETTING, "")],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(checked, "signed in to the bureau");
        Ok(SignIn {
            bureau_url: url,
            checked,
        })
    }

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

    #[test]
    fn bureau_urls_are_https_or_loopback_http() {
        assert_eq!(
            check_bureau_url("https://xf.example.gov.cn/").expect("https"),
            "https://xf.example.gov.cn"
        );
        assert!(check_bureau_url("http://127.0.0.1:8600").is_ok());
        assert!(check_bureau_url("http://localhost:8600").is_ok());
        assert!(check_bureau_url("http://[::1]:8600").is_ok());
        assert!(check_bureau_url("http://xf.example.gov.cn").is_err());
        assert!(check_bureau_url("ftp://127.0.0.1").is_err());
        assert!(check_bureau_url("https://user:pw@xf.example.gov.cn").is_err());
        assert!(check_bureau_url("not a url").is_err());
    }
}
