//! Sealed outbox bundles (`petition_api::bundle`): the bureau's age key, and the import of a
//! kiosk's bundle from a USB drive.
//!
//! The key lives in the data directory as `outbox-identity.txt` (the format `age-keygen` writes,
//! readable by the bureau's user only), made the first time the bureau starts without one. Its
//! public half is `Catalog::outbox_recipient`.
//!
//! An import has two steps. [`open`] reads the whole bundle through age's streaming decryption
//! and checks it: every record, every attachment's length and SHA-256 on the way, and the end
//! record. Each attachment goes straight from the bundle into a file of its own in a staging
//! folder under the uploads folder (content the bureau holds already, or that this bundle
//! brought before, is only checked), so memory holds one 64 KiB buffer of attachment bytes and
//! the petitions' text. Only when all of that passed does [`import`] deliver the petitions one
//! by one through [`petitions::deliver`], the intake of `POST /v1/petitions`, with each
//! `petition_id` as the key; the staged files become blobs as a delivered upload's do.
//!
//! The rules an operator can rely on:
//! - a bundle that does not open (another bureau's key, not an age file, a newer format), that
//!   is damaged or cut short anywhere, or whose contents do not agree with themselves, stores
//!   nothing: not one petition, and no staged file is left behind (a staging folder that an
//!   import stopped by force left is removed by an import a day later);
//! - a bundle that is whole is taken in petition by petition; a petition the rules refuse is
//!   reported and the others still go in; if the bureau itself fails midway (its database, its
//!   disk), the petitions delivered before stand and importing the bundle again delivers the
//!   rest, as each petition id is taken in once however often and whichever way it comes.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use petition_api::bundle::{BundleError, BundleReader, PetitionEntry};
use petition_api::{ErrorCode, Receipt};
use serde::Serialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::AppState;
use crate::clock::rfc3339;
use crate::error::{ApiError, Error};
use crate::petitions::{self, Delivery, Source, petition_key};

/// The bureau's age X25519 key. No `Clone`, no `Serialize`; `Debug` shows the public half only.
pub struct OutboxKey {
    identity: Zeroizing<String>,
    recipient: String,
}

impl fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxKey")
            .field("recipient", &self.recipient)
            .finish_non_exhaustive()
    }
}

impl OutboxKey {
    /// Reads the key at `path`, or makes one there (mode 0600) when there is none.
    pub fn load_or_create(path: &Path) -> Result<OutboxKey, Error> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                warn_if_shared(path);
                OutboxKey::parse(Zeroizing::new(text))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => OutboxKey::create(path),
            Err(e) => Err(Error::Io("read the outbox key", e)),
        }
    }

    /// The public key kiosks seal to (`age1…`).
    pub fn recipient(&self) -> &str {
        &self.recipient
    }

    /// Opens a bundle sealed to this key, of either format.
    pub fn reader<R: std::io::Read>(&self, sealed: R) -> Result<BundleReader<R>, BundleError> {
        BundleReader::open(sealed, &self.identity)
    }

    fn parse(text: Zeroizing<String>) -> Result<OutboxKey, Error> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or(Error::Corrupt("outbox key"))?;
        let identity =
            age::x25519::Identity::from_str(line).map_err(|_| Error::Corrupt("outbox key"))?;
        Ok(OutboxKey {
            recipient: identity.to_public().to_string(),
            identity: Zeroizing::new(line.to_owned()),
        })
    }

    /// Writes a new key beside `path` and links it into place, so a bureau starting at the same
    /// moment reads either no key or the whole of this one, never half, and never replaces it.
    fn create(path: &Path) -> Result<OutboxKey, Error> {
        let identity = age::x25519::Identity::generate();
        let secret = identity.to_string();
        let recipient = identity.to_public().to_string();
        let text = Zeroizing::new(format!(
            "# created: {}\n# public key: {recipient}\n{}\n",
            rfc3339(OffsetDateTime::now_utc()),
            secret.expose_secret()
        ));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io("create the data directory", e))?;
        }
        let temporary = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
        let written = write_private(&temporary, text.as_bytes())
            .and_then(|()| std::fs::hard_link(&temporary, path));
        let _ = std::fs::remove_file(&temporary);
        match written {
            Ok(()) => {
                tracing::info!(recipient, "made a new outbox key");
                OutboxKey::parse(text)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Error::Io("read the outbox key", e))?;
                OutboxKey::parse(Zeroizing::new(text))
            }
            Err(e) => Err(Error::Io("write the outbox key", e)),
        }
    }
}

/// Says so in the log when others than the bureau's user may read the key.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the outbox key may be read by other users; chmod 600 it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Creates `path` readable and writable by its owner only, with `bytes`, on disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Who the petitions of an imported bundle belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The kiosk token created with this name (`petition-bureau token create --kind kiosk`).
    Kiosk(String),
    /// Nobody yet: held for the kiosk that submits the same petition online.
    Unnamed,
}

/// Why an import could not start.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bundle cannot be opened with this bureau's key.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// No kiosk token has the name given.
    #[error("no kiosk token is named `{0}`")]
    NoSuchKiosk(String),
    /// Several kiosk tokens have the name given.
    #[error("several kiosk tokens are named `{0}`")]
    AmbiguousKiosk(String),
    #[error(transparent)]
    Store(#[from] Error),
}

/// One line of `petition-bureau import`'s output: what became of one petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub petition_id: String,
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    pub outcome: Outcome,
    /// Why the petition was refused: the API's error code and its bilingual message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What became of a petition of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Taken in now.
    Created,
    /// Delivered before, online or by an earlier bundle; nothing changed.
    AlreadyDelivered,
    /// It breaks a rule the API would refuse it for (see `code`); nothing was stored for it.
    Rejected,
}

/// A bundle read through and checked whole, its attachments waiting as files in a staging
/// folder of its own. Dropped, it removes that folder with whatever is still in it.
#[derive(Debug)]
pub struct StagedBundle {
    pub petitions: Vec<StagedPetition>,
    dir: PathBuf,
}

impl Drop for StagedBundle {
    fn drop(&mut self) {
        match std::fs::remove_dir_all(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, "a bundle's staging folder could not be removed"),
        }
    }
}

/// A petition of a checked bundle.
#[derive(Debug)]
pub struct StagedPetition {
    pub entry: PetitionEntry,
    /// Its attachments, in the bundle's order.
    pub files: Vec<StagedFile>,
}

/// An attachment of a checked bundle: its length and SHA-256 are those of the bytes the bundle
/// held. `Debug` shows size and checksum only: a file name can name a person.
pub struct StagedFile {
    pub file_name: String,
    /// 64 lowercase hex digits.
    pub sha256: String,
    pub length: u64,
    /// The first bytes, which tell the media type.
    pub(crate) head: Vec<u8>,
    /// Where the bytes wait, until delivery makes them a blob (several attachments of one
    /// content share one file). `None` when they were not kept: the bureau held the content
    /// already, or it is larger than the bureau takes.
    pub(crate) path: Option<PathBuf>,
}

impl fmt::Debug for StagedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StagedFile")
            .field("sha256", &self.sha256)
            .field("length", &self.length)
            .field("staged", &self.path.is_some())
            .finish_non_exhaustive()
    }
}

/// Staging folders are named so, in the uploads folder.
const STAGING_PREFIX: &str = "import-";
/// A staging folder untouched this long was left by an import that was stopped by force (killed,
/// or the machine went down), not by one still running.
const STALE_STAGING: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the staging folders in `partial_dir` that imports stopped by force left.
fn remove_stale_staging(partial_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(partial_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .is_some_and(|name| name.starts_with(STAGING_PREFIX))
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_STAGING));
        if stale {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => tracing::info!("removed a staging folder a stopped import left"),
                Err(e) => {
                    tracing::warn!(error = %e, "a stopped import's staging folder could not be removed")
                }
            }
        }
    }
}

/// How many first bytes of an attachment are kept to tell its media type.
const HEAD_BYTES: usize = 16;

/// Passes bytes on to `out` and keeps the first [`HEAD_BYTES`] of them.
struct Sniffing<W> {
    out: W,
    head: Vec<u8>,
}

impl<W: Write> Write for Sniffing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        let take = n.min(HEAD_BYTES.saturating_sub(self.head.len()));
        self.head.extend_from_slice(&buf[..take]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Reads the bundle in `file` through with the bureau's key, checks it whole and stages its
/// attachments (see the module's rules), and finds the owner's token. Stores no petition; on an
/// `Err` nothing of the bundle is left on disk.
pub async fn open(
    state: &AppState,
    file: std::fs::File,
    owner: &Owner,
) -> Result<(StagedBundle, String), ImportError> {
    let kiosk = match owner {
        Owner::Unnamed => None,
        Owner::Kiosk(name) => {
            let mut ids = state.store().kiosk_tokens(name).await?;
            match (ids.pop(), ids.is_empty()) {
                (Some(id), true) => Some(id),
                (None, _) => return Err(ImportError::NoSuchKiosk(name.clone())),
                (Some(_), false) => return Err(ImportError::AmbiguousKiosk(name.clone())),
            }
        }
    };
    let bundle = StagedBundle {
        petitions: Vec::new(),
        dir: state
            .config()
            .partial_dir()
            .join(format!("{STAGING_PREFIX}{}", uuid::Uuid::new_v4().simple())),
    };
    let reading = state.clone();
    let bundle = tokio::task::spawn_blocking(move || {
        remove_stale_staging(&reading.config().partial_dir());
        let mut bundle = bundle;
        bundle.petitions = stage(&reading, file, &bundle.dir)?;
        Ok::<_, ImportError>(bundle)
    })
    .await
    .map_err(|e| Error::Io("read a bundle", std::io::Error::other(e)))??;
    let token = match kiosk {
        Some(id) => id,
        None => {
            state
                .store()
                .bundle_token(&rfc3339(state.clock().now()))
                .await?
        }
    };
    Ok((bundle, token))
}

/// Reads every petition of the bundle in `file`, staging its attachments in `dir`.
fn stage(
    state: &AppState,
    file: std::fs::File,
    dir: &Path,
) -> Result<Vec<StagedPetition>, ImportError> {
    let mut reader = state.outbox_key().reader(std::io::BufReader::new(file))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::Io("create a staging folder", e))?;
    let max_bytes = state.config().limits.max_attachment_bytes;
    let mut staged: HashMap<String, PathBuf> = HashMap::new();
    let mut petitions = Vec::new();
    let staging = |e: BundleError| match e {
        BundleError::Output(e) => ImportError::Store(Error::Io("stage a bundled attachment", e)),
        e => ImportError::Bundle(e),
    };
    while let Some(entry) = reader.next_petition()? {
        let mut files = Vec::with_capacity(entry.attachments.len());
        for a in &entry.attachments {
            let sha256 = a.sha256.to_ascii_lowercase();
            let held = staged.contains_key(&sha256)
                || std::fs::metadata(state.config().blob_path(&sha256))
                    .is_ok_and(|m| m.len() == a.length);
            let (head, path) = if held || a.length > max_bytes {
                // Checked on the way all the same: the bytes must be what the petition says.
                let mut sink = Sniffing {
                    out: std::io::sink(),
                    head: Vec::new(),
                };
                reader.copy_attachment(&mut sink).map_err(staging)?;
                (sink.head, staged.get(&sha256).cloned())
            } else {
                let path = dir.join(format!("{}.part", staged.len()));
                let out = std::fs::File::create_new(&path)
                    .map_err(|e| Error::Io("stage a bundled attachment", e))?;
                let mut out = Sniffing {
                    out,
                    head: Vec::new(),
                };
                reader.copy_attachment(&mut out).map_err(staging)?;
                out.out
                    .sync_data()
                    .map_err(|e| Error::Io("flush a bundled attachment", e))?;
                staged.insert(sha256.clone(), path.clone());
                (out.head, Some(path))
            };
            files.push(StagedFile {
                file_name: a.file_name.clone(),
                sha256,
                length: a.length,
                head,
                path,
            });
        }
        petitions.push(StagedPetition { entry, files });
    }
    Ok(petitions)
}

/// Delivers one petition of a checked bundle for `token`. An `Err` is a failure of the bureau
/// (its database, its disk); a petition the rules refuse is [`Outcome::Rejected`].
pub async fn import(
    state: &AppState,
    token: &str,
    staged: &StagedPetition,
) -> Result<Imported, ApiError> {
    let petition = &staged.entry;
    let mut imported = Imported {
        petition_id: petition.petition_id.clone(),
        reference: petition.reference.clone(),
        tracking_code: None,
        outcome: Outcome::Rejected,
        code: None,
        message: None,
    };
    let Some(key) = petition_key(&petition.petition_id) else {
        imported.code = Some(ErrorCode::IdempotencyKeyInvalid.as_str().into());
        imported.message = Some(petition_rules::i18n::bilingual(
            "bureau-idempotency_key_invalid-import",
            &[],
        ));
        return Ok(imported);
    };
    let source = Source::Bundle(&staged.files);
    let now = state.clock().now();
    let receipt: Receipt =
        match petitions::deliver(state, token, &key, &petition.petition, source, now).await {
            Ok(Delivery::Created(receipt)) => {
                imported.outcome = Outcome::Created;
                receipt
            }
            Ok(Delivery::AlreadyDelivered(receipt)) => {
                imported.outcome = Outcome::AlreadyDelivered;
                receipt
            }
            Err(e) if e.code == ErrorCode::Internal => return Err(e),
            Err(e) => {
                imported.code = Some(e.code.as_str().into());
                imported.message = Some(e.message);
                return Ok(imported);
            }
        };
    imported.tracking_code = Some(receipt.tracking_code);
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("outbox-identity.txt");
        let made = OutboxKey::load_or_create(&path).expect("made");
        assert!(made.recipient().starts_with("age1"));
        let read = OutboxKey::load_or_create(&path).expect("read");
        assert_eq!(read.recipient(), made.recipient());
        let text = std::fs::read_to_string(&path).expect("the key file");
        assert!(text.contains(&format!("# public key: {}", made.recipient())));
        assert!(!format!("{made:?}").contains("AGE-SECRET-KEY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(dir.path())
                .expect("the directory")
                .count(),
            1,
            "no temporary file is left"
        );
    }

    /// A folder opened so that its times can be set: Windows opens a folder only with
    /// `FILE_FLAG_BACKUP_SEMANTICS`, and sets its times only with `FILE_WRITE_ATTRIBUTES`.
    fn open_folder(path: &std::path::Path) -> std::io::Result<std::fs::File> {
        #[cfg(windows)]
        {
            use std::os::windows::fs::OpenOptionsExt;
            const FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
            const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
            std::fs::OpenOptions::new()
                .access_mode(FILE_WRITE_ATTRIBUTES)
                .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
                .open(path)
        }
        #[cfg(not(windows))]
        std::fs::File::open(path)
    }

    #[test]
    fn only_staging_folders_left_a_day_ago_are_removed() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let two_days_ago = std::time::SystemTime::now() - 2 * STALE_STAGING;
        let make = |name: &str, old: bool| {
            let path = dir.path().join(name);
            std::fs::create_dir(&path).expect("a folder");
            std::fs::write(path.join("0.part"), b"%PDF-1.4").expect("a staged file");
            if old {
                open_folder(&path)
                    .and_then(|f| f.set_modified(two_days_ago))
                    .expect("an old folder");
            }
            path
        };
        let left = make("import-0f3c", true);
        let running = make("import-77ab", false);
        let other = make("not-an-import", true);
        remove_stale_staging(dir.path());
        assert!(!left.exists());
        assert!(running.join("0.part").exists());
        assert!(other.exists());
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("outbox-identity.txt");
        std::fs::write(&path, "# nothing here\n").expect("written");
        assert!(matches!(
            OutboxKey::load_or_create(&path),
            Err(Error::Corrupt(_))
        ));
    }
}
