//! Where a data directory's [`DataKey`] lives, and how it is found again.
//!
//! Two modes, recorded in `<data dir>/key.json` (which holds no key, only how to find it):
//!
//! - `keyring` (the default): a random key, made on the first start, kept only in the OS keyring
//!   (macOS Keychain, Windows Credential Manager, the Secret Service on Linux) under service
//!   [`crate::paths::APP_IDENTIFIER`] and user `data-key-<key_id>`. With no usable keyring the data
//!   stays shut: there is no fallback to a file, to plain text or to an in-memory store.
//! - `passphrase`: for machines without a keyring (some kiosks). A random data key is sealed
//!   (XChaCha20-Poly1305) under a key derived from the passphrase with Argon2id (64 MiB, 3 passes)
//!   and a random salt (format 2), so the passphrase can be changed without re-encrypting a byte
//!   of the data, and a wrong one is told at once. Format 1, written before, used the derived key
//!   as the data key itself; it still opens, and changing its passphrase moves it to format 2
//!   with the same data key. The passphrase is asked for on every start.
//!
//! Everything here blocks (keyring calls, Argon2id): call it off the async threads.

use std::fmt;
use std::path::{Path, PathBuf};

use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::DataKey;
use crate::error::{Error, KeyProblem, Result};
use crate::paths::APP_IDENTIFIER;
use crate::store::DB_FILE;

/// The file that says how this data directory's key is found. It holds no secret.
pub const KEY_INFO_FILE: &str = "key.json";

/// Argon2id cost for passphrase mode: 64 MiB, 3 passes, 1 lane.
const ARGON2_M_COST_KIB: u32 = 64 * 1024;
const ARGON2_T_COST: u32 = 3;
const ARGON2_P_COST: u32 = 1;

/// The shortest passphrase accepted when setting one up.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// An administrator's passphrase (or PIN) as typed. No `Clone`, no `Serialize`, a `Debug` that
/// prints nothing of it, zeroised on drop.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Takes the text as typed; a trailing newline (from a terminal or a pipe) is not part of it.
    pub fn new(mut text: String) -> Passphrase {
        while text.ends_with('\n') || text.ends_with('\r') {
            text.pop();
        }
        Passphrase(Zeroizing::new(text))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Characters (not bytes) in it.
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// How the key of a data directory is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyMode {
    Keyring,
    Passphrase,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
enum KeyInfo {
    Keyring {
        format: u32,
        key_id: String,
    },
    Passphrase {
        format: u32,
        /// Hex.
        salt: String,
        m_cost_kib: u32,
        t_cost: u32,
        p_cost: u32,
        /// Format 2: the data key sealed under the passphrase's key (hex), and its nonce (hex).
        /// Absent in format 1, where the passphrase's key is the data key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wrapped_key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
    },
}

fn info_path(dir: &Path) -> PathBuf {
    dir.join(KEY_INFO_FILE)
}

fn read_info(dir: &Path) -> Result<Option<KeyInfo>> {
    match std::fs::read(info_path(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| Error::Key(KeyProblem::InfoDamaged)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::DataDir(e)),
    }
}

/// Writes `key.json` atomically (temp file, fsync, rename, fsync the folder).
fn write_info(dir: &Path, info: &KeyInfo) -> Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(Error::DataDir)?;
    let temp = dir.join(format!("{KEY_INFO_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(info).map_err(|e| Error::DataDir(e.into()))?;
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        drop(file);
        petition_platform::fs::replace(&temp, &info_path(dir))
    };
    write().map_err(Error::DataDir)
}

/// The mode recorded for `dir`, or `None` for a directory that has no data yet.
pub fn key_mode(dir: &Path) -> Result<Option<KeyMode>> {
    Ok(read_info(dir)?.map(|info| match info {
        KeyInfo::Keyring { .. } => KeyMode::Keyring,
        KeyInfo::Passphrase { .. } => KeyMode::Passphrase,
    }))
}

/// Whether `dir` already holds a database.
fn has_database(dir: &Path) -> bool {
    dir.join(DB_FILE).exists()
}

fn keyring_entry(key_id: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(APP_IDENTIFIER, &format!("data-key-{key_id}"))
        .map_err(|e| Error::Key(KeyProblem::KeyringUnavailable(e)))
}

/// The key of `dir`: read from the keyring or derived from `passphrase`, as `key.json` says. On a
/// directory with no data yet (no `key.json`, no database) a new key is made and kept in the
/// keyring. Never writes anything when it fails.
pub fn unlock(dir: &Path, passphrase: Option<&Passphrase>) -> Result<DataKey> {
    match read_info(dir)? {
        Some(KeyInfo::Keyring { key_id, .. }) => {
            let entry = keyring_entry(&key_id)?;
            match entry.get_password() {
                Ok(text) => {
                    let text = Zeroizing::new(text);
                    DataKey::from_hex(&text).ok_or(Error::Key(KeyProblem::KeyMissing))
                }
                Err(keyring::Error::NoEntry) => Err(Error::Key(KeyProblem::KeyMissing)),
                Err(e) => Err(Error::Key(KeyProblem::KeyringUnavailable(e))),
            }
        }
        Some(info @ KeyInfo::Passphrase { .. }) => {
            let passphrase = passphrase.ok_or(Error::Key(KeyProblem::PassphraseRequired))?;
            passphrase_key(&info, passphrase)
        }
        None if has_database(dir) => Err(Error::Key(KeyProblem::KeyMissing)),
        None => create_in_keyring(dir),
    }
}

/// The data key of a passphrase-mode `info`, from `passphrase`: unsealed (format 2, where a wrong
/// passphrase is [`KeyProblem::WrongKey`] at once), or derived (format 1, where only the database
/// can tell).
fn passphrase_key(info: &KeyInfo, passphrase: &Passphrase) -> Result<DataKey> {
    let KeyInfo::Passphrase {
        salt,
        m_cost_kib,
        t_cost,
        p_cost,
        wrapped_key,
        nonce,
        ..
    } = info
    else {
        return Err(Error::Key(KeyProblem::InfoDamaged));
    };
    let damaged = || Error::Key(KeyProblem::InfoDamaged);
    let salt = hex::decode(salt).map_err(|_| damaged())?;
    let derived = derive(passphrase, &salt, *m_cost_kib, *t_cost, *p_cost)?;
    match (wrapped_key, nonce) {
        (None, None) => Ok(derived),
        (Some(wrapped), Some(nonce)) => {
            let wrapped = hex::decode(wrapped).map_err(|_| damaged())?;
            let nonce = hex::decode(nonce).map_err(|_| damaged())?;
            DataKey::unwrap_with(&derived, &nonce, &wrapped).ok_or(Error::Key(KeyProblem::WrongKey))
        }
        _ => Err(damaged()),
    }
}

/// A passphrase-mode `key.json` (format 2) that seals `key` under `passphrase`, with a new salt.
fn sealed_info(key: &DataKey, passphrase: &Passphrase) -> Result<KeyInfo> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let kek = derive(
        passphrase,
        &salt,
        ARGON2_M_COST_KIB,
        ARGON2_T_COST,
        ARGON2_P_COST,
    )?;
    let (nonce, wrapped) = key.wrap(&kek);
    Ok(KeyInfo::Passphrase {
        format: 2,
        salt: hex::encode(salt),
        m_cost_kib: ARGON2_M_COST_KIB,
        t_cost: ARGON2_T_COST,
        p_cost: ARGON2_P_COST,
        wrapped_key: Some(hex::encode(wrapped)),
        nonce: Some(hex::encode(nonce)),
    })
}

/// Whether `dir` has no data and no key yet: a first start, where a passphrase may still be
/// chosen instead of the keyring.
pub fn is_new(dir: &Path) -> Result<bool> {
    Ok(read_info(dir)?.is_none() && !has_database(dir))
}

fn create_in_keyring(dir: &Path) -> Result<DataKey> {
    let key = DataKey::generate();
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    let key_id = hex::encode(id);
    let entry = keyring_entry(&key_id)?;
    entry
        .set_password(&key.to_hex())
        .map_err(|e| Error::Key(KeyProblem::KeyringUnavailable(e)))?;
    // Read it back: a keyring that accepts a secret and cannot return it is no keyring.
    match entry.get_password().map(Zeroizing::new) {
        Ok(text) if text.as_str() == key.to_hex().as_str() => {}
        Ok(_) | Err(keyring::Error::NoEntry) => {
            return Err(Error::Key(KeyProblem::KeyringUnavailable(
                keyring::Error::NoEntry,
            )));
        }
        Err(e) => return Err(Error::Key(KeyProblem::KeyringUnavailable(e))),
    }
    write_info(dir, &KeyInfo::Keyring { format: 1, key_id })?;
    tracing::info!("new data key made and kept in the OS keyring");
    Ok(key)
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8],
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
) -> Result<DataKey> {
    let params = argon2::Params::new(m_cost_kib, t_cost, p_cost, Some(32))
        .map_err(|_| Error::Key(KeyProblem::InfoDamaged))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose().as_bytes(), salt, out.as_mut())
        .map_err(|_| Error::Key(KeyProblem::InfoDamaged))?;
    Ok(DataKey::from_bytes(out))
}

/// Sets up a new data directory in passphrase mode (machines without a keyring). Refuses a
/// directory that already has data or a key, and a passphrase shorter than
/// [`MIN_PASSPHRASE_CHARS`].
pub fn init_passphrase(dir: &Path, passphrase: &Passphrase) -> Result<DataKey> {
    if read_info(dir)?.is_some() || has_database(dir) {
        return Err(Error::Key(KeyProblem::AlreadySetUp));
    }
    if passphrase.chars() < MIN_PASSPHRASE_CHARS {
        return Err(Error::Key(KeyProblem::PassphraseTooShort));
    }
    let key = DataKey::generate();
    write_info(dir, &sealed_info(&key, passphrase)?)?;
    tracing::info!("data directory set up with an administrator passphrase");
    Ok(key)
}

/// Changes the passphrase of a passphrase-mode directory: `old` must open it (for format 1 the
/// caller proves that by opening the database with the key returned first, see
/// [`crate::Store::change_passphrase`]). The data key stays; only `key.json` is rewritten,
/// atomically. Returns the data key.
pub(crate) fn rewrap(dir: &Path, key: &DataKey, new: &Passphrase) -> Result<()> {
    if new.chars() < MIN_PASSPHRASE_CHARS {
        return Err(Error::Key(KeyProblem::PassphraseTooShort));
    }
    if key_mode(dir)? != Some(KeyMode::Passphrase) {
        return Err(Error::Key(KeyProblem::NotPassphraseMode));
    }
    write_info(dir, &sealed_info(key, new)?)?;
    tracing::info!("administrator passphrase changed");
    Ok(())
}

/// How hard a new passphrase is to guess, roughly: what the set-up screen shows while it is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Shorter than [`MIN_PASSPHRASE_CHARS`]: refused.
    TooShort,
    Weak,
    Fair,
    Strong,
}

/// A rough guess at a passphrase's strength from its length and the kinds of characters in it
/// (Chinese characters count as a kind of their own and weigh more). It cannot know a famous
/// quotation; it keeps people from `12345678`.
pub fn strength(passphrase: &Passphrase) -> Strength {
    let text = passphrase.expose();
    let chars = passphrase.chars();
    if chars < MIN_PASSPHRASE_CHARS {
        return Strength::TooShort;
    }
    let distinct: std::collections::BTreeSet<char> = text.chars().collect();
    let kinds = [
        text.chars().any(|c| c.is_ascii_lowercase()),
        text.chars().any(|c| c.is_ascii_uppercase()),
        text.chars().any(|c| c.is_ascii_digit()),
        text.chars().any(|c| c.is_ascii_punctuation() || c == ' '),
        !text.is_ascii(),
    ]
    .into_iter()
    .filter(|k| *k)
    .count();
    let cjk = text.chars().filter(|c| !c.is_ascii()).count();
    // Repeats and runs (aaaaaaaa, 12345678) are as weak as their distinct characters.
    let score = distinct.len().min(chars) + cjk + kinds * 2;
    match score {
        _ if distinct.len() < 4 => Strength::Weak,
        0..=11 => Strength::Weak,
        12..=17 => Strength::Fair,
        _ => Strength::Strong,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrase_mode_opens_with_its_passphrase_and_refuses_to_set_up_twice() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pass = Passphrase::new("correct horse 电池\n".into());
        assert_eq!(pass.expose(), "correct horse 电池");
        let key = init_passphrase(dir.path(), &pass).expect("set up");
        assert_eq!(
            key_mode(dir.path()).expect("mode"),
            Some(KeyMode::Passphrase)
        );
        let again = unlock(dir.path(), Some(&pass)).expect("unlock");
        assert_eq!(key.to_hex().as_str(), again.to_hex().as_str());
        // The data key is sealed under the passphrase: a wrong one is told at once.
        assert!(matches!(
            unlock(
                dir.path(),
                Some(&Passphrase::new("wrong horse 电池".into()))
            ),
            Err(Error::Key(KeyProblem::WrongKey))
        ));
        assert!(matches!(
            unlock(dir.path(), None),
            Err(Error::Key(KeyProblem::PassphraseRequired))
        ));
        assert!(matches!(
            init_passphrase(dir.path(), &pass),
            Err(Error::Key(KeyProblem::AlreadySetUp))
        ));
        let info = std::fs::read_to_string(dir.path().join(KEY_INFO_FILE)).expect("key.json");
        assert!(!info.contains(key.to_hex().as_str()));
        assert!(!info.contains("horse"));
    }

    #[test]
    fn a_wrong_passphrase_is_told_at_once_and_a_new_one_keeps_the_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pass = Passphrase::new("社区中心口令 2026".into());
        let key = init_passphrase(dir.path(), &pass).expect("set up");
        assert!(matches!(
            unlock(
                dir.path(),
                Some(&Passphrase::new("社区中心口令 2025".into()))
            ),
            Err(Error::Key(KeyProblem::WrongKey))
        ));
        let new = Passphrase::new("新的口令 horse 77".into());
        rewrap(dir.path(), &key, &new).expect("change");
        let again = unlock(dir.path(), Some(&new)).expect("the new one opens");
        assert_eq!(key.to_hex().as_str(), again.to_hex().as_str());
        assert!(matches!(
            unlock(dir.path(), Some(&pass)),
            Err(Error::Key(KeyProblem::WrongKey))
        ));
        let info = std::fs::read_to_string(dir.path().join(KEY_INFO_FILE)).expect("key.json");
        assert!(info.contains("\"format\": 2"), "{info}");
        assert!(!info.contains(key.to_hex().as_str()));
    }

    /// A folder set up by an earlier version (format 1: the derived key is the data key) still
    /// opens with its passphrase.
    #[test]
    fn format_one_still_opens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pass = Passphrase::new("社区中心口令 2026".into());
        let salt = [7u8; 16];
        let old_key = derive(
            &pass,
            &salt,
            ARGON2_M_COST_KIB,
            ARGON2_T_COST,
            ARGON2_P_COST,
        )
        .expect("derive");
        write_info(
            dir.path(),
            &KeyInfo::Passphrase {
                format: 1,
                salt: hex::encode(salt),
                m_cost_kib: ARGON2_M_COST_KIB,
                t_cost: ARGON2_T_COST,
                p_cost: ARGON2_P_COST,
                wrapped_key: None,
                nonce: None,
            },
        )
        .expect("write");
        let opened = unlock(dir.path(), Some(&pass)).expect("unlock");
        assert_eq!(opened.to_hex().as_str(), old_key.to_hex().as_str());
    }

    #[test]
    fn strength_grows_with_length_and_variety() {
        let s = |t: &str| strength(&Passphrase::new(t.into()));
        assert_eq!(s("1234567"), Strength::TooShort);
        assert_eq!(s("12345678"), Strength::Weak);
        assert_eq!(s("aaaaaaaaaaaa"), Strength::Weak);
        assert_eq!(s("password"), Strength::Weak);
        assert_eq!(s("Community2026"), Strength::Fair);
        assert_eq!(s("小寨社区服务中心口令"), Strength::Strong);
        assert_eq!(s("correct horse battery 9"), Strength::Strong);
    }

    #[test]
    fn a_short_passphrase_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            init_passphrase(dir.path(), &Passphrase::new("1234567".into())),
            Err(Error::Key(KeyProblem::PassphraseTooShort))
        ));
        assert!(!dir.path().join(KEY_INFO_FILE).exists());
    }

    #[test]
    fn a_database_without_key_info_is_not_given_a_new_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(DB_FILE), b"not ours to overwrite").expect("write");
        assert!(matches!(
            unlock(dir.path(), None),
            Err(Error::Key(KeyProblem::KeyMissing))
        ));
        assert!(!dir.path().join(KEY_INFO_FILE).exists());
    }
}
