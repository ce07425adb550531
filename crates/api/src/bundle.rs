//! Sealed outbox bundles: how a kiosk without a network hands its outbox to the bureau on a USB
//! drive.
//!
//! The kiosk writes its queued petitions, attachments included, through a [`BundleWriter`]
//! straight into age's streaming encryption to the bureau's X25519 public key (`age1…`,
//! published as `Catalog::outbox_recipient`); only the bureau's secret key opens it again, and a
//! [`BundleReader`] on age's streaming decryption hands the petitions out one by one. The bureau
//! takes each in as if it had come over the API, with its `petition_id` as the
//! `Idempotency-Key`.
//!
//! # Format `petition-desk-outbox/2` (written now)
//!
//! The plaintext inside age is the line `petition-desk-outbox/2\n`, then records: a kind byte,
//! the length of the body as a big-endian `u64`, and the body.
//!
//! | kind | body |
//! | ---- | ---- |
//! | `H`  | JSON `{"created_at": RFC 3339}`; first, once |
//! | `P`  | a petition as a JSON [`PetitionEntry`]: its fields, and each attachment's name, length and SHA-256 |
//! | `A`  | one attachment's raw bytes; one `A` per attachment the `P` before it lists, in its order |
//! | `E`  | JSON `{"petitions": N}`, N the number of `P` records; last, and nothing follows it |
//!
//! Neither side holds more than one attachment: the writer takes one at a time, the reader hands
//! each out through a 64 KiB buffer into a [`Write`] of the caller's, checking its length and
//! SHA-256 on the way. age authenticates the plaintext in 64 KiB chunks and marks the last one,
//! so a changed byte is refused where it stands and a cut file where it ends; the end record's
//! count, and the check that nothing follows it, refuse a bundle closed early. What a reader
//! hands out before it meets a failure is authentic, but the bundle is not whole: the caller
//! decides what to do with it (the bureau takes in nothing of such a bundle).
//!
//! # Format `petition-desk-outbox/1` (read only)
//!
//! Earlier versions wrote one JSON [`OutboxBundle`], each attachment's bytes a base64 string
//! (standard alphabet, padded). Such bundles, still on USB drives in the field, open the same
//! way: the reader takes the whole plaintext into memory (wiped when dropped), checks every
//! reference and checksum, and then hands the petitions out as for `/2`.
//!
//! Sealing gives confidentiality, not origin: anyone can seal to a public key. The bureau trusts
//! a bundle as far as it trusts the drive's courier, and takes every petition in under the same
//! rules as over the network.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::reference::submission_reference;
use crate::types::SubmitPetition;

/// The format this version writes.
pub const FORMAT: &str = "petition-desk-outbox/2";
/// The format of earlier versions, still read.
pub const FORMAT_V1: &str = "petition-desk-outbox/1";

/// Every format's name starts so; the rest is its version.
const FORMAT_PREFIX: &str = "petition-desk-outbox/";
/// The longest first line a reader looks at for the format's name.
const MAX_FORMAT_LINE: usize = 64;
/// A JSON record longer than this is refused unread (the API takes 1 MiB of petition JSON).
const MAX_JSON_RECORD: u64 = 8 * 1024 * 1024;
/// How much of an attachment is in memory at once, on the reading side.
const COPY_BUFFER: usize = 64 * 1024;

const HEADER: u8 = b'H';
const PETITION: u8 = b'P';
const ATTACHMENT: u8 = b'A';
const END: u8 = b'E';

/// A petition of a bundle, with what its attachments are but not their bytes, which follow it.
/// `Debug` shows ids only: the petition holds personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PetitionEntry {
    /// The petition's UUID, its `Idempotency-Key`.
    pub petition_id: String,
    /// [`submission_reference`] of `petition_id`, as the citizen was shown it.
    pub reference: String,
    /// When the citizen submitted it at the kiosk (RFC 3339).
    pub submitted_at: String,
    /// The petition; its `attachments` are left empty, the files are [`Self::attachments`].
    pub petition: SubmitPetition,
    pub attachments: Vec<AttachmentEntry>,
}

impl fmt::Debug for PetitionEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PetitionEntry")
            .field("petition_id", &self.petition_id)
            .field("reference", &self.reference)
            .field("submitted_at", &self.submitted_at)
            .field("petition", &self.petition)
            .field("attachments", &self.attachments)
            .finish()
    }
}

/// An attachment of a [`PetitionEntry`]. `Debug` shows its size and checksum only: a file name
/// can name a person.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentEntry {
    /// The name shown to the bureau's staff.
    pub file_name: String,
    /// Bytes.
    pub length: u64,
    /// The SHA-256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
}

impl fmt::Debug for AttachmentEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentEntry")
            .field("sha256", &self.sha256)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl From<&BundledPetition> for PetitionEntry {
    fn from(p: &BundledPetition) -> PetitionEntry {
        PetitionEntry {
            petition_id: p.petition_id.clone(),
            reference: p.reference.clone(),
            submitted_at: p.submitted_at.clone(),
            petition: p.petition.clone(),
            attachments: p
                .attachments
                .iter()
                .map(|a| AttachmentEntry {
                    file_name: a.file_name.clone(),
                    length: a.data.len() as u64,
                    sha256: a.sha256.clone(),
                })
                .collect(),
        }
    }
}

/// A kiosk's outbox as format `/1` sealed it, whole: what a [`BundleReader`] finds in an old
/// bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxBundle {
    /// Always [`FORMAT_V1`].
    pub format: String,
    /// When the kiosk wrote the bundle (RFC 3339).
    pub created_at: String,
    pub petitions: Vec<BundledPetition>,
}

impl OutboxBundle {
    /// A bundle of format [`FORMAT_V1`].
    pub fn new(created_at: impl Into<String>, petitions: Vec<BundledPetition>) -> OutboxBundle {
        OutboxBundle {
            format: FORMAT_V1.to_owned(),
            created_at: created_at.into(),
            petitions,
        }
    }
}

/// One petition of a format `/1` bundle, its attachments' bytes included. `Debug` shows ids
/// only: the petition holds personal data.
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

/// An attachment's bytes in a format `/1` bundle. `Debug` shows its size and checksum only: a
/// file name can name a person.
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

/// Why a bundle could not be written or read. No variant carries a petition's content.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The recipient is not an age X25519 public key (`age1…`).
    #[error("the recipient is not an age X25519 public key (age1…)")]
    InvalidRecipient,
    /// The identity is not an age X25519 secret key (`AGE-SECRET-KEY-1…`).
    #[error("the identity is not an age X25519 secret key (AGE-SECRET-KEY-1…)")]
    InvalidIdentity,
    /// Encryption could not start.
    #[error("the bundle could not be sealed")]
    Seal(#[source] age::EncryptError),
    /// The sealed bundle could not be written out (the drive is full, or gone).
    #[error("the bundle could not be written")]
    Write(#[source] io::Error),
    /// The bundle is sealed to a different key (or the part of its header that names the key is
    /// damaged).
    #[error("the bundle is not sealed to this key")]
    WrongKey,
    /// The bytes are not an age file, or its header is damaged.
    #[error("the bundle is not an age file, or it is damaged")]
    Unreadable(#[source] age::DecryptError),
    /// The sealed bytes after the header do not authenticate (changed, or cut short), or could
    /// not be read.
    #[error("the bundle is damaged or cut short")]
    Damaged(#[source] io::Error),
    /// An attachment could not be handed on: the output given to
    /// [`BundleReader::copy_attachment`] failed.
    #[error("an attachment of the bundle could not be written out")]
    Output(#[source] io::Error),
    /// A record could not be written as JSON.
    #[error("the bundle could not be written")]
    Encode(#[source] serde_json::Error),
    /// A JSON record of the opened bundle is not valid. Only the position is kept: the JSON
    /// error's text could quote a petition's field.
    #[error("the opened bundle is not valid (line {line}, column {column})")]
    Malformed { line: usize, column: usize },
    /// The records break a rule of the format: which one is said in a fixed text, never with
    /// content.
    #[error("the opened bundle is not valid: {0}")]
    Invalid(&'static str),
    /// A format this version does not read, probably from a newer app.
    #[error("unknown bundle format `{0}` (this version reads {FORMAT} and {FORMAT_V1})")]
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
            BundleError::Write(_) => "write_failed",
            BundleError::WrongKey => "wrong_key",
            BundleError::Unreadable(_) => "unreadable",
            BundleError::Damaged(_) => "damaged",
            BundleError::Output(_) => "output_failed",
            BundleError::Encode(_) => "encode_failed",
            BundleError::Malformed { .. } | BundleError::Invalid(_) => "malformed",
            BundleError::UnknownFormat(_) => "unknown_format",
            BundleError::ReferenceMismatch { .. } => "reference_mismatch",
            BundleError::AttachmentChecksum { .. } => "attachment_checksum",
        }
    }
}

/// The petition being written or read, and its attachments still to come.
#[derive(Default)]
struct Current {
    petition_id: String,
    /// The position of the next attachment, from 0.
    position: usize,
    left: VecDeque<AttachmentEntry>,
}

impl Current {
    fn of(entry: &PetitionEntry) -> Current {
        Current {
            petition_id: entry.petition_id.clone(),
            position: 0,
            left: entry.attachments.iter().cloned().collect(),
        }
    }
}

/// Writes a format `/2` bundle into age's streaming encryption: [`Self::petition`], then
/// [`Self::attachment`] for each file it lists, for every petition; then [`Self::finish`].
/// After an error the bundle is incomplete and no reader opens it: discard the output.
pub struct BundleWriter<W: Write> {
    out: age::stream::StreamWriter<W>,
    petitions: u64,
    current: Current,
}

impl<W: Write> fmt::Debug for BundleWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleWriter")
            .field("petitions", &self.petitions)
            .field("attachments_left", &self.current.left.len())
            .finish_non_exhaustive()
    }
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle sealed to `recipient` (`age1…`) on `output`.
    pub fn new(output: W, recipient: &str, created_at: &str) -> Result<Self, BundleError> {
        let recipient = age::x25519::Recipient::from_str(recipient.trim())
            .map_err(|_| BundleError::InvalidRecipient)?;
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(BundleError::Seal)?;
        let mut out = encryptor.wrap_output(output).map_err(BundleError::Write)?;
        out.write_all(FORMAT.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(BundleError::Write)?;
        let mut writer = BundleWriter {
            out,
            petitions: 0,
            current: Current::default(),
        };
        #[derive(Serialize)]
        struct Header<'a> {
            created_at: &'a str,
        }
        writer.json(HEADER, &Header { created_at })?;
        Ok(writer)
    }

    /// Starts the next petition; its attachments follow with [`Self::attachment`].
    pub fn petition(&mut self, entry: &PetitionEntry) -> Result<(), BundleError> {
        if !self.current.left.is_empty() {
            return Err(BundleError::Invalid("a petition's attachments are missing"));
        }
        check_entry(entry)?;
        self.json(PETITION, entry)?;
        self.current = Current::of(entry);
        self.petitions += 1;
        Ok(())
    }

    /// Writes the bytes of the current petition's next attachment, which must be those it
    /// lists (length and SHA-256).
    pub fn attachment(&mut self, data: &[u8]) -> Result<(), BundleError> {
        let expected = self.current.left.front().ok_or(BundleError::Invalid(
            "an attachment the petition does not list",
        ))?;
        if data.len() as u64 != expected.length {
            return Err(BundleError::Invalid(
                "an attachment's length is not the one its petition lists",
            ));
        }
        if !expected.sha256.eq_ignore_ascii_case(&sha256_hex(data)) {
            return Err(BundleError::AttachmentChecksum {
                petition_id: self.current.petition_id.clone(),
                position: self.current.position,
            });
        }
        self.current.left.pop_front();
        self.current.position += 1;
        self.record(ATTACHMENT, data)
    }

    /// Writes the end record and the end of age's stream; gives back the output, to sync.
    pub fn finish(mut self) -> Result<W, BundleError> {
        if !self.current.left.is_empty() {
            return Err(BundleError::Invalid("a petition's attachments are missing"));
        }
        #[derive(Serialize)]
        struct End {
            petitions: u64,
        }
        let petitions = self.petitions;
        self.json(END, &End { petitions })?;
        self.out.finish().map_err(BundleError::Write)
    }

    fn json(&mut self, kind: u8, body: &impl Serialize) -> Result<(), BundleError> {
        let body = Zeroizing::new(serde_json::to_vec(body).map_err(BundleError::Encode)?);
        self.record(kind, &body)
    }

    fn record(&mut self, kind: u8, body: &[u8]) -> Result<(), BundleError> {
        let mut head = [0u8; 9];
        head[0] = kind;
        head[1..].copy_from_slice(&(body.len() as u64).to_be_bytes());
        self.out
            .write_all(&head)
            .and_then(|()| self.out.write_all(body))
            .map_err(BundleError::Write)
    }
}

/// Where a reader's petitions come from.
enum Source<R> {
    /// Format `/1`, opened whole: the petitions left, and the bytes of the current one's
    /// attachments left.
    V1 {
        petitions: std::vec::IntoIter<BundledPetition>,
        data: VecDeque<Vec<u8>>,
    },
    /// Format `/2`: age's plaintext, after the header record.
    V2(age::stream::StreamReader<R>),
}

/// Reads a sealed bundle of either format: [`Self::next_petition`] until it gives `None`, and
/// for each petition [`Self::copy_attachment`] once per file it lists. `None` comes only once
/// the whole bundle has been read and checked.
pub struct BundleReader<R> {
    source: Source<R>,
    format: &'static str,
    created_at: String,
    petitions: u64,
    current: Current,
    ended: bool,
}

impl<R> fmt::Debug for BundleReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BundleReader")
            .field("format", &self.format)
            .field("petitions", &self.petitions)
            .field("attachments_left", &self.current.left.len())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<R: Read> BundleReader<R> {
    /// Opens a sealed bundle with `identity` (`AGE-SECRET-KEY-1…`, or the text of an age
    /// identity file) and reads its format and header; a format `/1` bundle is read and checked
    /// whole here.
    pub fn open(input: R, identity: &str) -> Result<Self, BundleError> {
        let identity = parse_identity(identity)?;
        let decryptor = age::Decryptor::new(input).map_err(BundleError::Unreadable)?;
        let mut plain = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => BundleError::WrongKey,
                e => BundleError::Unreadable(e),
            })?;

        let mut first = [0u8; 1];
        if read_full(&mut plain, &mut first)? == 0 {
            return Err(BundleError::Invalid("the bundle is empty"));
        }
        if first[0] == b'{' {
            let mut whole = Zeroizing::new(first.to_vec());
            plain
                .read_to_end(&mut whole)
                .map_err(BundleError::Damaged)?;
            return BundleReader::v1(&whole);
        }

        let mut line = first.to_vec();
        while line.last() != Some(&b'\n') {
            if line.len() >= MAX_FORMAT_LINE || read_full(&mut plain, &mut first)? == 0 {
                return Err(BundleError::Invalid(
                    "the opened bytes are not an outbox bundle",
                ));
            }
            line.push(first[0]);
        }
        let name = std::str::from_utf8(&line[..line.len() - 1])
            .ok()
            .filter(|name| name.starts_with(FORMAT_PREFIX))
            .ok_or(BundleError::Invalid(
                "the opened bytes are not an outbox bundle",
            ))?;
        if name != FORMAT {
            return Err(BundleError::UnknownFormat(name.chars().take(40).collect()));
        }
        #[derive(Deserialize)]
        struct Header {
            created_at: String,
        }
        let header: Header = match read_head(&mut plain)? {
            Some((HEADER, len)) => read_json(&mut plain, len)?,
            _ => return Err(BundleError::Invalid("the header record is missing")),
        };
        Ok(BundleReader {
            source: Source::V2(plain),
            format: FORMAT,
            created_at: header.created_at,
            petitions: 0,
            current: Current::default(),
            ended: false,
        })
    }

    fn v1(plaintext: &[u8]) -> Result<Self, BundleError> {
        #[derive(Deserialize)]
        struct Format {
            format: String,
        }
        let format: Format = serde_json::from_slice(plaintext).map_err(malformed)?;
        if format.format != FORMAT_V1 {
            let shown: String = format.format.chars().take(40).collect();
            return Err(BundleError::UnknownFormat(shown));
        }
        let bundle: OutboxBundle = serde_json::from_slice(plaintext).map_err(malformed)?;
        check_v1(&bundle)?;
        Ok(BundleReader {
            source: Source::V1 {
                petitions: bundle.petitions.into_iter(),
                data: VecDeque::new(),
            },
            format: FORMAT_V1,
            created_at: bundle.created_at,
            petitions: 0,
            current: Current::default(),
            ended: false,
        })
    }

    /// [`FORMAT`] or [`FORMAT_V1`].
    pub fn format(&self) -> &'static str {
        self.format
    }

    /// When the kiosk wrote the bundle (RFC 3339).
    pub fn created_at(&self) -> &str {
        &self.created_at
    }

    /// The next petition, or `None` after the last, once the end of the bundle is checked.
    /// Attachments of the petition before that were not copied out are read through and checked
    /// all the same.
    pub fn next_petition(&mut self) -> Result<Option<PetitionEntry>, BundleError> {
        if self.ended {
            return Ok(None);
        }
        while !self.current.left.is_empty() {
            self.copy_attachment(&mut io::sink())?;
        }
        let entry = match &mut self.source {
            Source::V1 { petitions, data } => match petitions.next() {
                Some(p) => {
                    let entry = PetitionEntry::from(&p);
                    *data = p.attachments.into_iter().map(|a| a.data).collect();
                    entry
                }
                None => {
                    self.ended = true;
                    return Ok(None);
                }
            },
            Source::V2(plain) => match read_head(plain)? {
                Some((PETITION, len)) => {
                    let entry: PetitionEntry = read_json(plain, len)?;
                    check_entry(&entry)?;
                    entry
                }
                Some((END, len)) => {
                    #[derive(Deserialize)]
                    struct End {
                        petitions: u64,
                    }
                    let end: End = read_json(plain, len)?;
                    if end.petitions != self.petitions {
                        return Err(BundleError::Invalid(
                            "the end record counts other petitions than the bundle holds",
                        ));
                    }
                    // Reading on makes age check that its stream ends here, and ends well.
                    if read_full(plain, &mut [0u8; 1])? != 0 {
                        return Err(BundleError::Invalid("bytes follow the end record"));
                    }
                    self.ended = true;
                    return Ok(None);
                }
                Some(_) => return Err(BundleError::Invalid("a record out of place")),
                None => {
                    return Err(BundleError::Invalid(
                        "the bundle ends before its end record",
                    ));
                }
            },
        };
        self.current = Current::of(&entry);
        self.petitions += 1;
        Ok(Some(entry))
    }

    /// Copies the bytes of the current petition's next attachment into `out`, 64 KiB at a time,
    /// and checks them against the length and SHA-256 the petition lists. On an error `out`
    /// may have had some of the bytes.
    pub fn copy_attachment(&mut self, out: &mut dyn Write) -> Result<(), BundleError> {
        let entry = self.current.left.pop_front().ok_or(BundleError::Invalid(
            "no attachment of this petition is left",
        ))?;
        let position = self.current.position;
        self.current.position += 1;
        let plain = match &mut self.source {
            Source::V1 { data, .. } => {
                // The whole bundle was checked when it was opened.
                let bytes = data.pop_front().unwrap_or_default();
                return out.write_all(&bytes).map_err(BundleError::Output);
            }
            Source::V2(plain) => plain,
        };
        match read_head(plain)? {
            Some((ATTACHMENT, len)) if len == entry.length => {}
            Some((ATTACHMENT, _)) => {
                return Err(BundleError::Invalid(
                    "an attachment's length is not the one its petition lists",
                ));
            }
            _ => return Err(BundleError::Invalid("an attachment is missing")),
        }
        let mut hasher = Sha256::new();
        let mut buffer = Zeroizing::new(vec![0u8; COPY_BUFFER]);
        let mut left = entry.length;
        while left > 0 {
            let want = usize::try_from(left).map_or(COPY_BUFFER, |l| l.min(COPY_BUFFER));
            let n = read_full(plain, &mut buffer[..want])?;
            if n == 0 {
                return Err(BundleError::Invalid("the bundle ends inside an attachment"));
            }
            hasher.update(&buffer[..n]);
            out.write_all(&buffer[..n]).map_err(BundleError::Output)?;
            left -= n as u64;
        }
        if !entry.sha256.eq_ignore_ascii_case(&hex(&hasher.finalize())) {
            return Err(BundleError::AttachmentChecksum {
                petition_id: self.current.petition_id.clone(),
                position,
            });
        }
        Ok(())
    }
}

/// The first key of an age identity file's text (or a bare `AGE-SECRET-KEY-1…`).
fn parse_identity(text: &str) -> Result<age::x25519::Identity, BundleError> {
    let key = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .ok_or(BundleError::InvalidIdentity)?;
    age::x25519::Identity::from_str(key).map_err(|_| BundleError::InvalidIdentity)
}

/// Reads until `buf` is full or the plaintext ends; how many bytes came.
fn read_full(plain: &mut impl Read, buf: &mut [u8]) -> Result<usize, BundleError> {
    let mut filled = 0;
    while filled < buf.len() {
        match plain.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BundleError::Damaged(e)),
        }
    }
    Ok(filled)
}

/// The next record's kind and length, or `None` where the plaintext ends.
fn read_head(plain: &mut impl Read) -> Result<Option<(u8, u64)>, BundleError> {
    let mut head = [0u8; 9];
    match read_full(plain, &mut head)? {
        0 => Ok(None),
        9 => {
            let mut len = [0u8; 8];
            len.copy_from_slice(&head[1..]);
            Ok(Some((head[0], u64::from_be_bytes(len))))
        }
        _ => Err(BundleError::Invalid("the bundle ends inside a record")),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    plain: &mut impl Read,
    len: u64,
) -> Result<T, BundleError> {
    if len > MAX_JSON_RECORD {
        return Err(BundleError::Invalid("a record is too long"));
    }
    let mut body = Zeroizing::new(vec![0u8; len as usize]);
    if read_full(plain, &mut body)? != body.len() {
        return Err(BundleError::Invalid("the bundle ends inside a record"));
    }
    serde_json::from_slice(&body).map_err(malformed)
}

/// What both sides check of a petition of format `/2` before its attachments.
fn check_entry(entry: &PetitionEntry) -> Result<(), BundleError> {
    if entry.reference != submission_reference(&entry.petition_id) {
        return Err(BundleError::ReferenceMismatch {
            petition_id: entry.petition_id.clone(),
        });
    }
    let is_sha256 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !entry.attachments.iter().all(|a| is_sha256(&a.sha256)) {
        return Err(BundleError::Invalid(
            "an attachment's SHA-256 is not 64 hexadecimal digits",
        ));
    }
    Ok(())
}

/// What is checked of a format `/1` bundle once it is opened, before a petition is handed out.
fn check_v1(bundle: &OutboxBundle) -> Result<(), BundleError> {
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
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    const ID: &str = "6f1c7a52-2b9e-4d1a-9c3e-8f0a1b2c3d4e";
    const OTHER_ID: &str = "0b7e4c1d-55aa-4f0e-8d2b-3c9a7e6f1a20";

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

    /// Bytes that differ from one position to the next, so a swapped chunk shows.
    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
            .collect()
    }

    /// Two petitions: one with a photo, a 200 KB scan (over three of age's chunks) and an empty
    /// file, one with none.
    fn petitions() -> Vec<BundledPetition> {
        vec![
            BundledPetition {
                petition_id: ID.into(),
                reference: submission_reference(ID),
                submitted_at: "2026-05-01T07:59:00Z".into(),
                petition: petition(),
                attachments: vec![
                    BundledAttachment::new(
                        format!("{NAME}的身份证.jpg"),
                        vec![0xFF, 0xD8, 0xFF, 1],
                    ),
                    BundledAttachment::new("现场.pdf", pattern(200_000, 7)),
                    BundledAttachment::new("空白.png", Vec::new()),
                ],
            },
            BundledPetition {
                petition_id: OTHER_ID.into(),
                reference: submission_reference(OTHER_ID),
                submitted_at: "2026-05-01T07:59:30Z".into(),
                petition: SubmitPetition {
                    title: "路灯不亮".into(),
                    ..petition()
                },
                attachments: Vec::new(),
            },
        ]
    }

    fn keys() -> (String, String) {
        use age::secrecy::ExposeSecret;
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        (identity.to_string().expose_secret().to_owned(), recipient)
    }

    fn write(petitions: &[BundledPetition], recipient: &str) -> Vec<u8> {
        let mut w =
            BundleWriter::new(Vec::new(), recipient, "2026-05-01T08:00:00Z").expect("a writer");
        for p in petitions {
            w.petition(&PetitionEntry::from(p)).expect("a petition");
            for a in &p.attachments {
                w.attachment(&a.data).expect("an attachment");
            }
        }
        w.finish().expect("finished")
    }

    /// Every petition of a sealed bundle with its attachments' bytes, read as the bureau does.
    fn read(sealed: &[u8], identity: &str) -> Result<Vec<BundledPetition>, BundleError> {
        let mut reader = BundleReader::open(sealed, identity)?;
        let mut out = Vec::new();
        while let Some(entry) = reader.next_petition()? {
            let mut attachments = Vec::new();
            for a in &entry.attachments {
                let mut data = Vec::new();
                reader.copy_attachment(&mut data)?;
                attachments.push(BundledAttachment {
                    file_name: a.file_name.clone(),
                    sha256: a.sha256.clone(),
                    data,
                });
            }
            out.push(BundledPetition {
                petition_id: entry.petition_id,
                reference: entry.reference,
                submitted_at: entry.submitted_at,
                petition: entry.petition,
                attachments,
            });
        }
        Ok(out)
    }

    /// The format line and raw records: what a broken or hostile writer could make.
    fn plain_records(records: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut plain = format!("{FORMAT}\n").into_bytes();
        for (kind, body) in records {
            plain.push(*kind);
            plain.extend_from_slice(&(body.len() as u64).to_be_bytes());
            plain.extend_from_slice(body);
        }
        plain
    }

    fn seal_records(records: &[(u8, Vec<u8>)], recipient: &str) -> Vec<u8> {
        seal_plain(&plain_records(records), recipient)
    }

    fn seal_plain(plain: &[u8], recipient: &str) -> Vec<u8> {
        let recipient = age::x25519::Recipient::from_str(recipient).expect("a recipient");
        age::encrypt(&recipient, plain).expect("encrypts")
    }

    fn json(value: &impl Serialize) -> Vec<u8> {
        serde_json::to_vec(value).expect("JSON")
    }

    /// The records of one petition with a 100 KB attachment, as a good writer makes them.
    fn good_records() -> Vec<(u8, Vec<u8>)> {
        let data = pattern(100_000, 3);
        let p = BundledPetition {
            attachments: vec![BundledAttachment::new("现场.pdf", data.clone())],
            ..petitions()[0].clone()
        };
        vec![
            (
                HEADER,
                json(&serde_json::json!({"created_at": "2026-05-01T08:00:00Z"})),
            ),
            (PETITION, json(&PetitionEntry::from(&p))),
            (ATTACHMENT, data),
            (END, json(&serde_json::json!({"petitions": 1}))),
        ]
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_bundle_reads_back_as_written() {
        let (identity, recipient) = keys();
        let sealed = write(&petitions(), &recipient);
        assert_eq!(read(&sealed, &identity).expect("reads"), petitions());

        let reader = BundleReader::open(&sealed[..], &identity).expect("opens");
        assert_eq!(reader.format(), FORMAT);
        assert_eq!(reader.created_at(), "2026-05-01T08:00:00Z");
        let file =
            format!("# created: 2026-05-01T08:00:00Z\n# public key: {recipient}\n{identity}\n");
        assert_eq!(read(&sealed, &file).expect("reads"), petitions());

        let empty = write(&[], &recipient);
        assert_eq!(read(&empty, &identity).expect("reads"), Vec::new());
    }

    #[test]
    fn attachments_not_copied_out_are_still_read_and_checked() {
        let (identity, recipient) = keys();
        let sealed = write(&petitions(), &recipient);
        let mut reader = BundleReader::open(&sealed[..], &identity).expect("opens");
        let first = reader.next_petition().expect("reads").expect("a petition");
        assert_eq!(first.petition_id, ID);
        let second = reader.next_petition().expect("reads").expect("a petition");
        assert_eq!(second.petition_id, OTHER_ID);
        assert!(reader.next_petition().expect("the end").is_none());
        assert!(reader.next_petition().expect("still the end").is_none());

        let mut records = good_records();
        records[2].1[50_000] ^= 1;
        let sealed = seal_records(&records, &recipient);
        let mut reader = BundleReader::open(&sealed[..], &identity).expect("opens");
        reader.next_petition().expect("reads").expect("a petition");
        assert!(matches!(
            reader.next_petition(),
            Err(BundleError::AttachmentChecksum { position: 0, .. })
        ));
    }

    #[test]
    fn another_key_cannot_open_it() {
        let (_, recipient) = keys();
        let (other, _) = keys();
        let sealed = write(&petitions(), &recipient);
        assert!(matches!(
            BundleReader::open(&sealed[..], &other),
            Err(BundleError::WrongKey)
        ));
        assert!(matches!(
            BundleReader::open(&sealed[..], "AGE-SECRET-KEY-1NOTAKEY"),
            Err(BundleError::InvalidIdentity)
        ));
        assert!(matches!(
            BundleWriter::new(Vec::new(), "age1notarecipient", "2026-05-01T08:00:00Z"),
            Err(BundleError::InvalidRecipient)
        ));
    }

    #[test]
    fn a_bundle_cut_anywhere_is_refused() {
        let (identity, recipient) = keys();
        let sealed = write(&petitions(), &recipient);
        let header_end = sealed
            .windows(4)
            .position(|w| w == b"\n---")
            .expect("an age header");
        for cut in [
            10,
            header_end + 20,
            header_end + 200,
            sealed.len() / 3,
            sealed.len() / 2,
            sealed.len() - 30,
            sealed.len() - 1,
        ] {
            assert!(read(&sealed[..cut], &identity).is_err(), "cut at {cut}");
        }
        // Cut after the age header, or after whole 64 KiB chunks, it is damage found when
        // reading on.
        let chunk = 64 * 1024 + 16;
        let payload = header_end
            + 4
            + sealed[header_end + 4..]
                .iter()
                .position(|&b| b == b'\n')
                .expect("the header's end")
            + 1
            + 16;
        for cut in [payload, payload + chunk, payload + 2 * chunk] {
            assert!(
                matches!(
                    read(&sealed[..cut], &identity),
                    Err(BundleError::Damaged(_))
                ),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_bundle_closed_early_or_padded_is_refused() {
        let (identity, recipient) = keys();
        let mut records = good_records();
        let good = read(&seal_records(&records, &recipient), &identity).expect("they read");
        assert_eq!(good.len(), 1);

        assert!(matches!(
            read(&seal_records(&records[..3], &recipient), &identity),
            Err(BundleError::Invalid(
                "the bundle ends before its end record"
            ))
        ));
        let mut plain = plain_records(&records[..2]);
        plain.push(ATTACHMENT);
        plain.extend_from_slice(&100_000u64.to_be_bytes());
        plain.extend_from_slice(&records[2].1[..1000]);
        assert!(matches!(
            read(&seal_plain(&plain, &recipient), &identity),
            Err(BundleError::Invalid("the bundle ends inside an attachment"))
        ));
        let mut plain = plain_records(&records[..3]);
        plain.extend_from_slice(&[END, 0, 0]);
        assert!(matches!(
            read(&seal_plain(&plain, &recipient), &identity),
            Err(BundleError::Invalid("the bundle ends inside a record"))
        ));

        records[3].1 = json(&serde_json::json!({"petitions": 2}));
        assert!(matches!(
            read(&seal_records(&records, &recipient), &identity),
            Err(BundleError::Invalid(
                "the end record counts other petitions than the bundle holds"
            ))
        ));
        records[3].1 = json(&serde_json::json!({"petitions": 1}));
        records.push((PETITION, records[1].1.clone()));
        assert!(matches!(
            read(&seal_records(&records, &recipient), &identity),
            Err(BundleError::Invalid("bytes follow the end record"))
        ));
    }

    #[test]
    fn a_changed_bundle_is_refused() {
        let (identity, recipient) = keys();
        let sealed = write(&petitions(), &recipient);
        let header_end = sealed
            .windows(4)
            .position(|w| w == b"\n---")
            .expect("an age header");
        for at in [
            20,
            header_end + 10,
            header_end + 80,
            header_end + 70_000,
            sealed.len() / 2,
            sealed.len() - 1,
        ] {
            let mut tampered = sealed.clone();
            tampered[at] ^= 0x01;
            assert!(read(&tampered, &identity).is_err(), "flipped byte {at}");
        }
        assert!(matches!(
            BundleReader::open(&b"not an age file"[..], &identity),
            Err(BundleError::Unreadable(_))
        ));

        // What age cannot see: a writer that lies. Each is refused where it lies.
        let good = good_records();
        let mut changed = good.clone();
        changed[2].1[99_999] ^= 1;
        assert!(matches!(
            read(&seal_records(&changed, &recipient), &identity),
            Err(BundleError::AttachmentChecksum { position: 0, petition_id }) if petition_id == ID
        ));
        let mut longer = good.clone();
        longer[2].1.push(0);
        assert!(matches!(
            read(&seal_records(&longer, &recipient), &identity),
            Err(BundleError::Invalid(
                "an attachment's length is not the one its petition lists"
            ))
        ));
        let mut wrong_reference = PetitionEntry::from(&petitions()[1]);
        wrong_reference.reference = "00000-00000".into();
        let mut records = good.clone();
        records[1].1 = json(&wrong_reference);
        records.remove(2);
        assert!(matches!(
            read(&seal_records(&records, &recipient), &identity),
            Err(BundleError::ReferenceMismatch { .. })
        ));
        let mut unknown_kind = good.clone();
        unknown_kind[2].0 = b'X';
        assert!(matches!(
            read(&seal_records(&unknown_kind, &recipient), &identity),
            Err(BundleError::Invalid("an attachment is missing"))
        ));
        let mut not_json = good.clone();
        not_json[1].1 = format!("{{\"petition_id\":\"{ID}\",\"name\":\"{NAME}\"").into_bytes();
        let error = read(&seal_records(&not_json, &recipient), &identity).expect_err("malformed");
        assert!(matches!(error, BundleError::Malformed { .. }));
        assert!(!error.to_string().contains(NAME));
        let mut out_of_place = good.clone();
        out_of_place.swap(1, 2);
        assert!(matches!(
            read(&seal_records(&out_of_place, &recipient), &identity),
            Err(BundleError::Invalid("a record out of place"))
        ));
        let mut plain = plain_records(&good[..1]);
        plain.push(PETITION);
        plain.extend_from_slice(&u64::MAX.to_be_bytes());
        assert!(matches!(
            read(&seal_plain(&plain, &recipient), &identity),
            Err(BundleError::Invalid("a record is too long"))
        ));
    }

    #[test]
    fn the_writer_refuses_what_a_reader_would_refuse() {
        let (_, recipient) = keys();
        let p = &petitions()[0];
        let mut w =
            BundleWriter::new(Vec::new(), &recipient, "2026-05-01T08:00:00Z").expect("a writer");
        let mut wrong_reference = PetitionEntry::from(p);
        wrong_reference.reference = "00000-00000".into();
        assert!(matches!(
            w.petition(&wrong_reference),
            Err(BundleError::ReferenceMismatch { .. })
        ));
        assert!(matches!(
            w.attachment(b"stray"),
            Err(BundleError::Invalid(_))
        ));
        w.petition(&PetitionEntry::from(p)).expect("a petition");
        assert!(matches!(
            w.attachment(b"\xFF\xD8\xFF\x02"),
            Err(BundleError::AttachmentChecksum { position: 0, .. })
        ));
        assert!(matches!(
            w.attachment(b"short"),
            Err(BundleError::Invalid(_))
        ));
        w.attachment(&p.attachments[0].data).expect("the photo");
        assert!(matches!(
            w.petition(&PetitionEntry::from(&petitions()[1])),
            Err(BundleError::Invalid("a petition's attachments are missing"))
        ));
        assert!(matches!(
            w.finish(),
            Err(BundleError::Invalid("a petition's attachments are missing"))
        ));
    }

    #[test]
    fn an_unknown_format_says_which() {
        let (identity, recipient) = keys();
        let newer = seal_plain(b"petition-desk-outbox/3\nH...", &recipient);
        assert!(matches!(
            BundleReader::open(&newer[..], &identity),
            Err(BundleError::UnknownFormat(f)) if f == "petition-desk-outbox/3"
        ));
        let mut v1_newer = OutboxBundle::new("2026-05-01T08:00:00Z", petitions());
        v1_newer.format = "petition-desk-outbox/3".into();
        assert!(matches!(
            BundleReader::open(&seal_plain(&json(&v1_newer), &recipient)[..], &identity),
            Err(BundleError::UnknownFormat(f)) if f == "petition-desk-outbox/3"
        ));
        for other in [&b"%PDF-1.4\n"[..], b"petition-desk-outbox", b""] {
            assert!(matches!(
                BundleReader::open(&seal_plain(other, &recipient)[..], &identity),
                Err(BundleError::Invalid(_))
            ));
        }
    }

    #[test]
    fn a_format_1_bundle_still_opens_and_is_checked() {
        let (identity, recipient) = keys();
        let v1 = OutboxBundle::new("2026-05-01T08:00:00Z", petitions());
        let sealed = seal_plain(&json(&v1), &recipient);
        assert_eq!(read(&sealed, &identity).expect("reads"), petitions());
        let reader = BundleReader::open(&sealed[..], &identity).expect("opens");
        assert_eq!(reader.format(), FORMAT_V1);
        assert_eq!(reader.created_at(), "2026-05-01T08:00:00Z");
        let value = serde_json::to_value(&v1).expect("JSON");
        assert_eq!(
            value["petitions"][0]["attachments"][0]["data"],
            serde_json::json!("/9j/AQ=="),
            "attachment bytes are one base64 string"
        );

        let mut wrong_reference = v1.clone();
        wrong_reference.petitions[0].reference = "00000-00000".into();
        assert!(matches!(
            BundleReader::open(
                &seal_plain(&json(&wrong_reference), &recipient)[..],
                &identity
            ),
            Err(BundleError::ReferenceMismatch { .. })
        ));
        let mut swapped = v1.clone();
        swapped.petitions[0].attachments[1].data.push(0);
        assert!(matches!(
            BundleReader::open(&seal_plain(&json(&swapped), &recipient)[..], &identity),
            Err(BundleError::AttachmentChecksum { position: 1, .. })
        ));
        let not_json = format!("{{\"format\":\"{FORMAT_V1}\",\"petitions\":[{{\"name\":\"{NAME}\"");
        let error = BundleReader::open(&seal_plain(not_json.as_bytes(), &recipient)[..], &identity)
            .expect_err("malformed");
        assert!(matches!(error, BundleError::Malformed { .. }));
        assert!(!error.to_string().contains(NAME));
        assert!(read(&sealed[..sealed.len() - 10], &identity).is_err());
    }

    #[test]
    fn personal_data_is_absent_from_the_sealed_bytes_and_from_debug() {
        let (identity, recipient) = keys();
        let sealed = write(&petitions(), &recipient);
        let mut reader = BundleReader::open(&sealed[..], &identity).expect("opens");
        let entry = reader.next_petition().expect("reads").expect("a petition");
        let debug = format!(
            "{:?} {entry:?} {reader:?} {:?}",
            petitions(),
            BundleWriter::new(Vec::new(), &recipient, "now").expect("a writer")
        );
        for marker in [NAME, ID_NUMBER, PHONE, "小寨东路", "身份证", "现场"] {
            assert!(
                !contains(&sealed, marker.as_bytes()),
                "{marker} in the bytes"
            );
            assert!(!debug.contains(marker), "{marker} in {debug}");
        }
    }
}
