//! Sealed outbox bundles: how a kiosk without a network hands its outbox to the bureau on a USB
//! drive.
//!
//! The kiosk puts its queued petitions, attachments included, into one [`OutboxBundle`] and
//! [`seal`]s it to the bureau's age X25519 public key (`age1…`, published as
//! `Catalog::outbox_recipient`); only the bureau's secret key [`open`]s it again, and the bureau
//! takes each petition in as if it had come over the API with its `petition_id` as the
//! `Idempotency-Key`.
//!
//! The plaintext is JSON; an attachment's bytes are a base64 string (standard alphabet, with
//! padding). The whole bundle is held in memory while it is sealed or opened, and the plaintext
//! buffers are wiped when dropped.
//!
//! Sealing gives confidentiality, not origin: anyone can seal to a public key. The bureau trusts
//! a bundle as far as it trusts the drive's courier, and takes every petition in under the same
//! rules as over the network.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::reference::submission_reference;
use crate::types::SubmitPetition;

/// The value of [`OutboxBundle::format`] this version writes and reads.
pub const FORMAT: &str = "petition-desk-outbox/1";

/// A kiosk's outbox, as sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxBundle {
    /// Always [`FORMAT`].
    pub format: String,
    /// When the kiosk wrote the bundle (RFC 3339).
    pub created_at: String,
    pub petitions: Vec<BundledPetition>,
}

impl OutboxBundle {
    /// A bundle of the current [`FORMAT`].
    pub fn new(created_at: impl Into<String>, petitions: Vec<BundledPetition>) -> OutboxBundle {
        OutboxBundle {
            format: FORMAT.to_owned(),
            created_at: created_at.into(),
            petitions,
        }
    }
}

/// One petition of a bundle. `Debug` shows ids only: the petition holds personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundledPetition {
    /// The petition's UUID, its `Idempotency-Key`.
    pub petition_id: String,
    /// [`submission_reference`] of `petition_id`, as the citizen was shown it.
    pub reference: String,
    /// When the citizen submitted it at the kiosk (RFC 3339).
    pub submitted_at: String,
    /// The petition; its `attachments` are left empty, the bytes are in [`Self::attachments`].
    pub petition: SubmitPetition,
    pub attachments: Vec<BundledAttachment>,
}

impl fmt::Debug for BundledPetition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundledPetition")
            .field("petition_id", &self.petition_id)
            .field("reference", &self.reference)
            .field("submitted_at", &self.submitted_at)
            .field("petition", &self.petition)
            .field("attachments", &self.attachments)
            .finish()
    }
}

/// An attachment's bytes. `Debug` shows its size and checksum only: a file name can name a person.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundledAttachment {
    /// The name shown to the bureau's staff.
    pub file_name: String,
    /// The SHA-256 of `data`, 64 lowercase hex digits.
    pub sha256: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

impl BundledAttachment {
    /// An attachment with its checksum worked out.
    pub fn new(file_name: impl Into<String>, data: Vec<u8>) -> BundledAttachment {
        BundledAttachment {
            file_name: file_name.into(),
            sha256: sha256_hex(&data),
            data,
        }
    }
}

impl fmt::Debug for BundledAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundledAttachment")
            .field("sha256", &self.sha256)
            .field("bytes", &self.data.len())
            .finish_non_exhaustive()
    }
}

/// Why a bundle could not be sealed or opened. No variant carries a petition's content.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The recipient is not an age X25519 public key (`age1…`).
    #[error("the recipient is not an age X25519 public key (age1…)")]
    InvalidRecipient,
    /// The identity is not an age X25519 secret key (`AGE-SECRET-KEY-1…`).
    #[error("the identity is not an age X25519 secret key (AGE-SECRET-KEY-1…)")]
    InvalidIdentity,
    /// Encryption failed.
    #[error("the bundle could not be sealed")]
    Seal(#[source] age::EncryptError),
    /// The bundle is sealed to a different key (or the part of its header that names the key is
    /// damaged).
    #[error("the bundle is not sealed to this key")]
    WrongKey,
    /// The bytes are not an age file, or they were damaged or cut short.
    #[error("the bundle is not an age file, or it is damaged")]
    Unreadable(#[source] age::DecryptError),
    /// The bundle could not be written as JSON.
    #[error("the bundle could not be written")]
    Encode(#[source] serde_json::Error),
    /// The opened bytes are not a bundle of this format. Only the position is kept: the JSON
    /// error's text could quote a petition's field.
    #[error("the opened bundle is not valid (line {line}, column {column})")]
    Malformed { line: usize, column: usize },
    /// A format this version does not read, probably from a newer app.
    #[error("unknown bundle format `{0}` (this version reads {FORMAT})")]
    UnknownFormat(String),
    /// A petition's reference is not the one its id gives.
    #[error("petition {petition_id}: the reference does not match the petition id")]
    ReferenceMismatch { petition_id: String },
    /// An attachment's bytes do not match its SHA-256.
    #[error("petition {petition_id}: attachment {position} does not match its SHA-256")]
    AttachmentChecksum {
        petition_id: String,
        /// Where the attachment stands in the petition's list, from 0.
        position: usize,
    },
}

impl BundleError {
    /// A stable snake_case name for the kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::InvalidRecipient => "invalid_recipient",
            BundleError::InvalidIdentity => "invalid_identity",
            BundleError::Seal(_) => "seal_failed",
            BundleError::WrongKey => "wrong_key",
            BundleError::Unreadable(_) => "unreadable",
            BundleError::Encode(_) => "encode_failed",
            BundleError::Malformed { .. } => "malformed",
            BundleError::UnknownFormat(_) => "unknown_format",
            BundleError::ReferenceMismatch { .. } => "reference_mismatch",
            BundleError::AttachmentChecksum { .. } => "attachment_checksum",
        }
    }
}

/// Encrypts `bundle` to `recipient` (`age1…`). Refuses a bundle that [`open`] would refuse.
pub fn seal(bundle: &OutboxBundle, recipient: &str) -> Result<Vec<u8>, BundleError> {
    let recipient = age::x25519::Recipient::from_str(recipient.trim())
        .map_err(|_| BundleError::InvalidRecipient)?;
    check(bundle)?;
    let plaintext = Zeroizing::new(serde_json::to_vec(bundle).map_err(BundleError::Encode)?);
    age::encrypt(&recipient, &plaintext).map_err(BundleError::Seal)
}

/// Decrypts a sealed bundle with `identity` (`AGE-SECRET-KEY-1…`, or the text of an age identity
/// file) and checks it: the format, every reference, and every attachment's SHA-256.
pub fn open(bytes: &[u8], identity: &str) -> Result<OutboxBundle, BundleError> {
    let key = identity
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .ok_or(BundleError::InvalidIdentity)?;
    let identity =
        age::x25519::Identity::from_str(key).map_err(|_| BundleError::InvalidIdentity)?;
    let plaintext = Zeroizing::new(age::decrypt(&identity, bytes).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => BundleError::WrongKey,
        e => BundleError::Unreadable(e),
    })?);

    #[derive(Deserialize)]
    struct Header {
        format: String,
    }
    let header: Header = serde_json::from_slice(&plaintext).map_err(malformed)?;
    if header.format != FORMAT {
        let shown: String = header.format.chars().take(40).collect();
        return Err(BundleError::UnknownFormat(shown));
    }
    let bundle: OutboxBundle = serde_json::from_slice(&plaintext).map_err(malformed)?;
    check(&bundle)?;
    Ok(bundle)
}

/// What [`open`] checks after decryption, and [`seal`] before encryption.
fn check(bundle: &OutboxBundle) -> Result<(), BundleError> {
    if bundle.format != FORMAT {
        return Err(BundleError::UnknownFormat(bundle.format.clone()));
    }
    for p in &bundle.petitions {
        if p.reference != submission_reference(&p.petition_id) {
            return Err(BundleError::ReferenceMismatch {
                petition_id: p.petition_id.clone(),
            });
        }
        for (position, a) in p.attachments.iter().enumerate() {
            if !a.sha256.eq_ignore_ascii_case(&sha256_hex(&a.data)) {
                return Err(BundleError::AttachmentChecksum {
                    petition_id: p.petition_id.clone(),
                    position,
                });
            }
        }
    }
    Ok(())
}

fn malformed(e: serde_json::Error) -> BundleError {
    BundleError::Malformed {
        line: e.line(),
        column: e.column(),
    }
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Bytes as one base64 string (standard alphabet, padded) rather than a JSON array of numbers.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("attachment data is not base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "测试标记张三";
    const ID_NUMBER: &str = "11010519491231002X";
    const PHONE: &str = "13912345678";

    fn petition() -> SubmitPetition {
        SubmitPetition {
            name: NAME.into(),
            id_number: ID_NUMBER.into(),
            phone: PHONE.into(),
            address: "西安市雁塔区小寨东路 1 号".into(),
            email: String::new(),
            region: "610113".into(),
            agency: "陕西省住房和城乡建设厅".into(),
            category: "城乡建设".into(),
            purpose: "complaint".into(),
            title: "小区门前道路破损".into(),
            request: "请尽快修复道路。".into(),
            facts: "道路破损已三个月。".into(),
            reasons: String::new(),
            attachments: Vec::new(),
        }
    }

    fn bundle() -> OutboxBundle {
        let id = "6f1c7a52-2b9e-4d1a-9c3e-8f0a1b2c3d4e";
        OutboxBundle::new(
            "2026-05-01T08:00:00Z",
            vec![BundledPetition {
                petition_id: id.into(),
                reference: submission_reference(id),
                submitted_at: "2026-05-01T07:59:00Z".into(),
                petition: petition(),
                attachments: vec![
                    BundledAttachment::new(
                        format!("{NAME}的身份证.jpg"),
                        vec![0xFF, 0xD8, 0xFF, 1],
                    ),
                    BundledAttachment::new("现场.png", b"\x89PNG\r\n\x1a\nrest".to_vec()),
                ],
            }],
        )
    }

    fn keys() -> (String, String) {
        use age::secrecy::ExposeSecret;
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        (identity.to_string().expose_secret().to_owned(), recipient)
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_sealed_bundle_opens_to_what_was_sealed() {
        let (identity, recipient) = keys();
        let sealed = seal(&bundle(), &recipient).expect("seals");
        let opened = open(&sealed, &identity).expect("opens");
        assert_eq!(opened, bundle());
        let file =
            format!("# created: 2026-05-01T08:00:00Z\n# public key: {recipient}\n{identity}\n");
        assert_eq!(open(&sealed, &file).expect("opens"), bundle());
    }

    #[test]
    fn attachment_bytes_are_one_base64_string() {
        let json = serde_json::to_value(bundle()).expect("JSON");
        assert_eq!(
            json["petitions"][0]["attachments"][0]["data"],
            serde_json::json!("/9j/AQ==")
        );
    }

    #[test]
    fn another_key_cannot_open_it() {
        let (_, recipient) = keys();
        let (other, _) = keys();
        let sealed = seal(&bundle(), &recipient).expect("seals");
        assert!(matches!(open(&sealed, &other), Err(BundleError::WrongKey)));
        assert!(matches!(
            open(&sealed, "AGE-SECRET-KEY-1NOTAKEY"),
            Err(BundleError::InvalidIdentity)
        ));
        assert!(matches!(
            seal(&bundle(), "age1notarecipient"),
            Err(BundleError::InvalidRecipient)
        ));
    }

    #[test]
    fn tampered_or_truncated_bytes_do_not_open() {
        let (identity, recipient) = keys();
        let sealed = seal(&bundle(), &recipient).expect("seals");
        let header_end = sealed
            .windows(4)
            .position(|w| w == b"\n---")
            .expect("an age header");
        for at in [
            20,
            header_end + 10,
            header_end + 80,
            sealed.len() / 2,
            sealed.len() - 1,
        ] {
            let mut tampered = sealed.clone();
            tampered[at] ^= 0x01;
            assert!(open(&tampered, &identity).is_err(), "flipped byte {at}");
        }
        assert!(open(&sealed[..sealed.len() - 10], &identity).is_err());
        assert!(matches!(
            open(b"not an age file", &identity),
            Err(BundleError::Unreadable(_))
        ));
    }

    #[test]
    fn personal_data_is_absent_from_the_sealed_bytes_and_from_debug() {
        let (_, recipient) = keys();
        let sealed = seal(&bundle(), &recipient).expect("seals");
        for marker in [NAME, ID_NUMBER, PHONE, "小寨东路", "身份证"] {
            assert!(
                !contains(&sealed, marker.as_bytes()),
                "{marker} in the bytes"
            );
            let debug = format!("{:?}", bundle());
            assert!(!debug.contains(marker), "{marker} in {debug}");
        }
    }

    #[test]
    fn open_checks_format_references_and_checksums() {
        let (identity, recipient) = keys();
        let sealed_raw = |b: &OutboxBundle| {
            let json = serde_json::to_vec(b).expect("JSON");
            let recipient = age::x25519::Recipient::from_str(&recipient).expect("a recipient");
            age::encrypt(&recipient, &json).expect("encrypts")
        };

        let mut newer = bundle();
        newer.format = "petition-desk-outbox/2".into();
        assert!(matches!(
            open(&sealed_raw(&newer), &identity),
            Err(BundleError::UnknownFormat(f)) if f == "petition-desk-outbox/2"
        ));
        assert!(matches!(
            seal(&newer, &recipient),
            Err(BundleError::UnknownFormat(_))
        ));

        let mut wrong_reference = bundle();
        wrong_reference.petitions[0].reference = "00000-00000".into();
        assert!(matches!(
            open(&sealed_raw(&wrong_reference), &identity),
            Err(BundleError::ReferenceMismatch { .. })
        ));

        let mut swapped = bundle();
        swapped.petitions[0].attachments[1].data.push(0);
        assert!(matches!(
            open(&sealed_raw(&swapped), &identity),
            Err(BundleError::AttachmentChecksum { position: 1, .. })
        ));
        assert!(matches!(
            seal(&swapped, &recipient),
            Err(BundleError::AttachmentChecksum { .. })
        ));

        let not_json = age::encrypt(
            &age::x25519::Recipient::from_str(&recipient).expect("a recipient"),
            format!("{{\"format\":\"{FORMAT}\",\"petitions\":[{{\"name\":\"{NAME}\"").as_bytes(),
        )
        .expect("encrypts");
        let error = open(&not_json, &identity).expect_err("malformed");
        assert!(matches!(error, BundleError::Malformed { .. }));
        assert!(!error.to_string().contains(NAME));
    }
}
