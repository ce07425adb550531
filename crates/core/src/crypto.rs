//! Encryption at rest: the data key, what is derived from it, and the AEAD that seals every
//! attachment and thumbnail file.
//!
//! One random 256-bit [`DataKey`] per data directory. It is SQLCipher's raw key for the database
//! (so SQLCipher runs no KDF of its own), and through HKDF-SHA256 it gives the keys that seal the
//! attachment files and one that turns an attachment's SHA-256 into its file name (so the names on
//! disk do not let anyone confirm a known photo by its hash). Where the data key itself lives is
//! [`crate::keys`]' business.
//!
//! Two sealed-file formats, told apart by their first 8 bytes:
//! - `PDSEAL02` (what is written now): AES-256-GCM through OpenSSL (the same vendored OpenSSL
//!   SQLCipher uses), under a key of its own for every file: HMAC-SHA256 of a random 32-byte salt,
//!   keyed with a key derived for this format. One key seals one file, so the nonce is fixed.
//!   OpenSSL's AES-GCM opens a 5 MB photo about 3.5 times faster than XChaCha20-Poly1305 did,
//!   which the sync engine pays before every upload (docs/benchmarks.md).
//! - `PDSEAL01` (files sealed before): XChaCha20-Poly1305 with a random 24-byte nonce; still
//!   opened.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hkdf::hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The first bytes of a sealed file of the first format: XChaCha20-Poly1305.
const MAGIC_V1: &[u8; 8] = b"PDSEAL01";
const NONCE_LEN_V1: usize = 24;
/// The first bytes of a sealed file of the current format: AES-256-GCM, a key per file.
const MAGIC_V2: &[u8; 8] = b"PDSEAL02";
const SALT_LEN_V2: usize = 32;
/// Each file's key seals that file alone, so its nonce can be the same every time.
const NONCE_V2: [u8; 12] = [0; 12];
const TAG_LEN: usize = 16;
/// The longest sealed file opened: 1 GiB, far past any attachment's limit and below the 2 GiB
/// OpenSSL can take in one call.
const MAX_SEALED: usize = 1 << 30;

/// The random key of one data directory. No `Clone`, no `Serialize`; `Debug` prints nothing of
/// it; its bytes are overwritten when it is dropped.
pub struct DataKey(Zeroizing<[u8; 32]>);

/// Associated data of a data key sealed under a passphrase's key (key.json, passphrase format 2).
const WRAP_AAD: &[u8] = b"petition-desk data key v2";

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    /// A new key from the OS's random source.
    pub fn generate() -> DataKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(bytes.as_mut());
        DataKey(bytes)
    }

    pub(crate) fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> DataKey {
        DataKey(bytes)
    }

    /// Seals this key under `kek` (a key derived from a passphrase): XChaCha20-Poly1305 with a
    /// random nonce. Returns `(nonce, sealed)`.
    pub(crate) fn wrap(&self, kek: &DataKey) -> (Vec<u8>, Vec<u8>) {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let aead = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek.0[..]));
        let sealed = aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &self.0[..],
                    aad: WRAP_AAD,
                },
            )
            .unwrap_or_default();
        (nonce.to_vec(), sealed)
    }

    /// The key [`DataKey::wrap`] sealed, or `None` when `kek` is not the one it was sealed under
    /// (a wrong passphrase) or the bytes were changed.
    pub(crate) fn unwrap_with(kek: &DataKey, nonce: &[u8], sealed: &[u8]) -> Option<DataKey> {
        if nonce.len() != 24 {
            return None;
        }
        let aead = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek.0[..]));
        let plain = Zeroizing::new(
            aead.decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: WRAP_AAD,
                },
            )
            .ok()?,
        );
        let mut bytes = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return None;
        }
        bytes.copy_from_slice(&plain);
        Some(DataKey(bytes))
    }

    /// The key as 64 hex digits, for the keyring entry.
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    /// Parses 64 hex digits (what [`DataKey::to_hex`] wrote).
    pub(crate) fn from_hex(text: &str) -> Option<DataKey> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut()).ok()?;
        Some(DataKey(bytes))
    }

    /// The value of SQLCipher's `PRAGMA key`: a raw key as a blob literal, in quotes.
    pub(crate) fn sqlcipher_pragma(&self) -> String {
        format!("\"x'{}'\"", hex::encode(&self.0[..]))
    }

    /// The file cipher derived from this key.
    pub(crate) fn file_cipher(&self) -> FileCipher {
        let hk = Hkdf::<Sha256>::new(None, self.0.as_ref());
        let mut aead_key = Zeroizing::new([0u8; 32]);
        let mut gcm_key = Zeroizing::new([0u8; 32]);
        let mut name_key = Zeroizing::new([0u8; 32]);
        // The lengths are far below HKDF's limit of 255 × 32 bytes; expand cannot fail here.
        let _ = hk.expand(
            b"petition-desk/attachments/xchacha20poly1305/v1",
            aead_key.as_mut(),
        );
        let _ = hk.expand(
            b"petition-desk/attachments/aes-256-gcm/v2",
            gcm_key.as_mut(),
        );
        let _ = hk.expand(
            b"petition-desk/attachments/file-names/v1",
            name_key.as_mut(),
        );
        FileCipher {
            aead: XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&aead_key[..])),
            gcm_key,
            name_key,
        }
    }
}

/// What a sealed file holds; part of the associated data, so a thumbnail cannot be passed off as
/// an attachment or the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Attachment,
    Thumbnail,
}

impl FileKind {
    fn label(self) -> &'static [u8] {
        match self {
            FileKind::Attachment => b"attachment",
            FileKind::Thumbnail => b"thumbnail",
        }
    }
}

/// A sealed file could not be opened: damaged, truncated, or sealed under another key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the file is damaged or was sealed with another key")]
pub struct Unsealable;

/// Seals and opens attachment files; names them.
pub(crate) struct FileCipher {
    /// Opens `PDSEAL01` files.
    aead: XChaCha20Poly1305,
    /// Keys each `PDSEAL02` file's own key.
    gcm_key: Zeroizing<[u8; 32]>,
    name_key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for FileCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileCipher(<redacted>)")
    }
}

impl FileCipher {
    /// The on-disk name of the file whose plain content has this SHA-256 (hex): a keyed hash,
    /// 64 hex digits.
    pub(crate) fn file_name(&self, sha256: &str) -> String {
        // HMAC takes a key of any length; new_from_slice cannot fail for HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.name_key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(sha256.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn aad(magic: &[u8; 8], kind: FileKind, name: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(magic.len() + 16 + name.len());
        aad.extend_from_slice(magic);
        aad.extend_from_slice(kind.label());
        aad.push(b'/');
        aad.extend_from_slice(name.as_bytes());
        aad
    }

    /// The AES-256 key of the `PDSEAL02` file with this salt.
    fn file_key(&self, salt: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.gcm_key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(salt);
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&mac.finalize().into_bytes());
        key
    }

    /// `PDSEAL02 ‖ salt ‖ ciphertext ‖ tag`, with the file's kind and name as associated data.
    pub(crate) fn seal(&self, kind: FileKind, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut salt = [0u8; SALT_LEN_V2];
        rand::rng().fill_bytes(&mut salt);
        let key = self.file_key(&salt);
        let aad = Self::aad(MAGIC_V2, kind, name);
        let mut tag = [0u8; TAG_LEN];
        let sealed = openssl::symm::encrypt_aead(
            openssl::symm::Cipher::aes_256_gcm(),
            key.as_ref(),
            Some(&NONCE_V2),
            &aad,
            plain,
            &mut tag,
        )
        // With a 32-byte key, a 12-byte nonce and a 16-byte tag, OpenSSL fails only when it cannot
        // allocate; the app cannot go on without memory either.
        .unwrap_or_else(|e| panic!("AES-256-GCM sealing failed in OpenSSL: {e}"));
        let mut out = Vec::with_capacity(MAGIC_V2.len() + SALT_LEN_V2 + sealed.len() + TAG_LEN);
        out.extend_from_slice(MAGIC_V2);
        out.extend_from_slice(&salt);
        out.extend_from_slice(&sealed);
        out.extend_from_slice(&tag);
        out
    }

    /// The plain content of a sealed file of either format, or [`Unsealable`].
    pub(crate) fn open(
        &self,
        kind: FileKind,
        name: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, Unsealable> {
        // No attachment comes near this; OpenSSL takes lengths as C ints and would panic past it.
        if sealed.len() > MAX_SEALED {
            return Err(Unsealable);
        }
        if let Some(rest) = sealed.strip_prefix(MAGIC_V2) {
            if rest.len() < SALT_LEN_V2 + TAG_LEN {
                return Err(Unsealable);
            }
            let (salt, body) = rest.split_at(SALT_LEN_V2);
            let (ciphertext, tag) = body.split_at(body.len() - TAG_LEN);
            let key = self.file_key(salt);
            openssl::symm::decrypt_aead(
                openssl::symm::Cipher::aes_256_gcm(),
                key.as_ref(),
                Some(&NONCE_V2),
                &Self::aad(MAGIC_V2, kind, name),
                ciphertext,
                tag,
            )
            .map_err(|_| Unsealable)
        } else if let Some(rest) = sealed.strip_prefix(MAGIC_V1) {
            if rest.len() < NONCE_LEN_V1 + TAG_LEN {
                return Err(Unsealable);
            }
            let (nonce, body) = rest.split_at(NONCE_LEN_V1);
            self.aead
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: body,
                        aad: &Self::aad(MAGIC_V1, kind, name),
                    },
                )
                .map_err(|_| Unsealable)
        } else {
            Err(Unsealable)
        }
    }

    /// A file in the first format, as the app wrote them before `PDSEAL02`.
    #[cfg(test)]
    pub(crate) fn seal_v1(&self, kind: FileKind, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN_V1];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &Self::aad(MAGIC_V1, kind, name),
                },
            )
            .expect("XChaCha20-Poly1305");
        [MAGIC_V1.as_slice(), &nonce, &sealed].concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_opens_only_as_itself_under_its_key() {
        let key = DataKey::generate();
        let cipher = key.file_cipher();
        let name = cipher.file_name(&"ab".repeat(32));
        assert_eq!(name.len(), 64);
        assert_ne!(name, "ab".repeat(32));
        let plain = b"marker-bytes-0123456789 \xe5\xbc\xa0\xe4\xb8\x89".to_vec();
        let sealed = cipher.seal(FileKind::Attachment, &name, &plain);
        assert!(sealed.starts_with(MAGIC_V2));
        assert!(!sealed.windows(plain.len()).any(|w| w == plain.as_slice()));
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &sealed),
            Ok(plain.clone())
        );
        // Another name, another kind, another key, a flipped bit, a cut: each refused.
        assert_eq!(
            cipher.open(FileKind::Attachment, &"0".repeat(64), &sealed),
            Err(Unsealable)
        );
        assert_eq!(
            cipher.open(FileKind::Thumbnail, &name, &sealed),
            Err(Unsealable)
        );
        let other = DataKey::generate().file_cipher();
        assert_eq!(
            other.open(FileKind::Attachment, &name, &sealed),
            Err(Unsealable)
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &flipped),
            Err(Unsealable)
        );
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &sealed[..20]),
            Err(Unsealable)
        );
        // Two seals of the same bytes differ (fresh nonce).
        assert_ne!(sealed, cipher.seal(FileKind::Attachment, &name, &plain));
    }

    #[test]
    fn files_sealed_in_the_first_format_still_open_and_only_as_themselves() {
        let key = DataKey::generate();
        let cipher = key.file_cipher();
        let name = cipher.file_name(&"ef".repeat(32));
        let plain = b"first-format marker \xe7\x8e\x8b\xe4\xba\x94".to_vec();
        let old = cipher.seal_v1(FileKind::Attachment, &name, &plain);
        assert!(old.starts_with(MAGIC_V1));
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &old),
            Ok(plain.clone())
        );
        assert_eq!(
            cipher.open(FileKind::Thumbnail, &name, &old),
            Err(Unsealable)
        );
        let mut flipped = old.clone();
        flipped[MAGIC_V1.len() + NONCE_LEN_V1] ^= 1;
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &flipped),
            Err(Unsealable)
        );
        // A first-format body under the second format's header (or the other way round) is refused.
        let mut relabelled = old.clone();
        relabelled[..8].copy_from_slice(MAGIC_V2);
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &relabelled),
            Err(Unsealable)
        );
        let mut relabelled = cipher.seal(FileKind::Attachment, &name, &plain);
        relabelled[..8].copy_from_slice(MAGIC_V1);
        assert_eq!(
            cipher.open(FileKind::Attachment, &name, &relabelled),
            Err(Unsealable)
        );
    }

    #[test]
    fn the_second_format_is_standard_aes_256_gcm_under_a_key_per_file() {
        use aes_gcm::aead::Aead as _;
        use aes_gcm::{Aes256Gcm, KeyInit as _};
        let key = DataKey::generate();
        let cipher = key.file_cipher();
        let name = cipher.file_name(&"12".repeat(32));
        let plain: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let sealed = cipher.seal(FileKind::Attachment, &name, &plain);
        assert_eq!(
            sealed.len(),
            MAGIC_V2.len() + SALT_LEN_V2 + plain.len() + TAG_LEN
        );
        // Another implementation (RustCrypto's) opens it with the documented key and layout.
        let salt = &sealed[MAGIC_V2.len()..MAGIC_V2.len() + SALT_LEN_V2];
        let file_key = cipher.file_key(salt);
        let other = Aes256Gcm::new_from_slice(file_key.as_ref()).expect("a 32-byte key");
        let opened = other
            .decrypt(
                aes_gcm::Nonce::from_slice(&NONCE_V2),
                aes_gcm::aead::Payload {
                    msg: &sealed[MAGIC_V2.len() + SALT_LEN_V2..],
                    aad: &FileCipher::aad(MAGIC_V2, FileKind::Attachment, &name),
                },
            )
            .expect("standard AES-256-GCM");
        assert_eq!(opened, plain);
        // Each file has its own salt, so its own key.
        let again = cipher.seal(FileKind::Attachment, &name, &plain);
        assert_ne!(salt, &again[MAGIC_V2.len()..MAGIC_V2.len() + SALT_LEN_V2]);
        assert_ne!(
            *file_key,
            *cipher.file_key(&again[MAGIC_V2.len()..MAGIC_V2.len() + SALT_LEN_V2])
        );
        // Truncated anywhere: refused, never a panic.
        for cut in [0, 7, 8, 20, 40, 56, sealed.len() - 1] {
            assert_eq!(
                cipher.open(FileKind::Attachment, &name, &sealed[..cut]),
                Err(Unsealable),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn the_key_never_shows_itself_and_round_trips_through_hex() {
        let key = DataKey::generate();
        assert_eq!(format!("{key:?}"), "DataKey(<redacted>)");
        let again = DataKey::from_hex(&key.to_hex()).expect("hex");
        assert_eq!(key.to_hex().as_str(), again.to_hex().as_str());
        assert!(DataKey::from_hex("zz").is_none());
        assert!(key.sqlcipher_pragma().starts_with("\"x'"));
        // Different data keys name the same content differently.
        let sha = "cd".repeat(32);
        assert_ne!(
            key.file_cipher().file_name(&sha),
            DataKey::generate().file_cipher().file_name(&sha)
        );
    }
}
