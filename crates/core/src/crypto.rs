//! Encryption at rest: the data key, what is derived from it, and the AEAD that seals every
//! attachment and thumbnail file.
//!
//! One random 256-bit [`DataKey`] per data directory. It is SQLCipher's raw key for the database
//! (so SQLCipher runs no KDF of its own), and through HKDF-SHA256 it gives two more keys: one for
//! XChaCha20-Poly1305 over the attachment files, one that turns an attachment's SHA-256 into its
//! file name (so the names on disk do not let anyone confirm a known photo by its hash). Where the
//! data key itself lives is [`crate::keys`]' business.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hkdf::hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The first bytes of every sealed file: format and version.
const MAGIC: &[u8; 8] = b"PDSEAL01";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// The random key of one data directory. No `Clone`, no `Serialize`; `Debug` prints nothing of
/// it; its bytes are overwritten when it is dropped.
pub struct DataKey(Zeroizing<[u8; 32]>);

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
        let mut name_key = Zeroizing::new([0u8; 32]);
        // Both lengths are far below HKDF's limit of 255 × 32 bytes; expand cannot fail here.
        let _ = hk.expand(
            b"petition-desk/attachments/xchacha20poly1305/v1",
            aead_key.as_mut(),
        );
        let _ = hk.expand(
            b"petition-desk/attachments/file-names/v1",
            name_key.as_mut(),
        );
        FileCipher {
            aead: XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&aead_key[..])),
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
    aead: XChaCha20Poly1305,
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

    fn aad(kind: FileKind, name: &str) -> Vec<u8> {
        let mut aad = Vec::with_capacity(MAGIC.len() + 16 + name.len());
        aad.extend_from_slice(MAGIC);
        aad.extend_from_slice(kind.label());
        aad.push(b'/');
        aad.extend_from_slice(name.as_bytes());
        aad
    }

    /// `MAGIC ‖ nonce ‖ ciphertext+tag`, with the file's kind and name as associated data.
    pub(crate) fn seal(&self, kind: FileKind, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = Self::aad(kind, name);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            // XChaCha20-Poly1305 fails only past 256 GiB of plaintext.
            .unwrap_or_else(|_| unreachable!("attachments are far below the AEAD's limit"));
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plain content of a sealed file, or [`Unsealable`].
    pub(crate) fn open(
        &self,
        kind: FileKind,
        name: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, Unsealable> {
        if sealed.len() < MAGIC.len() + NONCE_LEN + TAG_LEN || !sealed.starts_with(MAGIC) {
            return Err(Unsealable);
        }
        let (nonce, body) = sealed[MAGIC.len()..].split_at(NONCE_LEN);
        let aad = Self::aad(kind, name);
        self.aead
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| Unsealable)
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
        assert!(sealed.starts_with(MAGIC));
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
