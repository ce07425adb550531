//! The bureau token: a [`Secret`] in memory, the OS keyring at rest (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux). Never a file, never a fallback store: when
//! the keyring cannot be used, signing in fails with [`SyncError::Keyring`] and says what to do.
//!
//! One entry per data directory: service [`KEYRING_SERVICE`], user derived from the directory's
//! canonical path, so two data directories (two kiosks profiles, a test) never share a token.

use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

use super::SyncError;
use crate::paths::APP_IDENTIFIER;

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
}
