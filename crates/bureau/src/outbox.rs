//! Sealed outbox bundles (`petition_api::bundle`): the bureau's age key, and the import of a
//! kiosk's bundle from a USB drive.
//!
//! The key lives in the data directory as `outbox-identity.txt` (the format `age-keygen` writes,
//! readable by the bureau's user only), made the first time the bureau starts without one. Its
//! public half is `Catalog::outbox_recipient`. Each petition of an opened bundle goes through
//! [`petitions::deliver`], the intake of `POST /v1/petitions`, with its `petition_id` as the key.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use petition_api::bundle::{self, BundleError, BundledPetition, OutboxBundle};
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

    /// Opens a bundle sealed to this key.
    pub fn open(&self, sealed: &[u8]) -> Result<OutboxBundle, BundleError> {
        bundle::open(sealed, &self.identity)
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

/// Opens `sealed` with the bureau's key and finds the owner's token, storing nothing.
pub async fn open(
    state: &AppState,
    sealed: &[u8],
    owner: &Owner,
) -> Result<(OutboxBundle, String), ImportError> {
    let bundle = state.outbox_key().open(sealed)?;
    let token = match owner {
        Owner::Unnamed => {
            state
                .store()
                .bundle_token(&rfc3339(state.clock().now()))
                .await?
        }
        Owner::Kiosk(name) => {
            let mut ids = state.store().kiosk_tokens(name).await?;
            match (ids.pop(), ids.is_empty()) {
                (Some(id), true) => id,
                (None, _) => return Err(ImportError::NoSuchKiosk(name.clone())),
                (Some(_), false) => return Err(ImportError::AmbiguousKiosk(name.clone())),
            }
        }
    };
    Ok((bundle, token))
}

/// Delivers one petition of an opened bundle for `token`. An `Err` is a failure of the bureau
/// (its database, its disk); a petition the rules refuse is [`Outcome::Rejected`].
pub async fn import(
    state: &AppState,
    token: &str,
    petition: &BundledPetition,
) -> Result<Imported, ApiError> {
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
        imported.message = Some("信访件编号不是 UUID。 / The petition id is not a UUID.".into());
        return Ok(imported);
    };
    let source = Source::Bundle(&petition.attachments);
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
