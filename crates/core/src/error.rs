//! The core's one error type. Every variant has a stable snake_case [`Error::code`] and a message
//! in both languages that says what happened and what to do, from the message catalogue
//! (`errors.ftl`, the id is the code). No message ever carries a field's value: those are
//! personal data.

use crate::i18n::{Lang, text};
use crate::model::Field;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No petition has this id (or it was deleted for good).
    #[error("no petition with this id")]
    NotFound,
    /// The id given matches more than one petition.
    #[error("the id prefix matches more than one petition")]
    AmbiguousId,
    /// The petition is not a draft any more, or lies in the trash, so it cannot be edited.
    #[error("the petition cannot be edited in its current state")]
    NotEditable,
    /// A field's value was refused when saving (too long, or not one of the allowed values).
    #[error("the value of `{field}` was refused: {reason}")]
    InvalidValue { field: Field, reason: InvalidReason },
    /// The data directory could not be created or read.
    #[error("the data directory cannot be used")]
    DataDir(#[source] std::io::Error),
    /// Another Petition Desk already uses this data directory.
    #[error("another Petition Desk is already using this data directory")]
    DataDirInUse,
    /// The database refused an operation or is damaged.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The database schema could not be brought up to date.
    #[error("database migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// An attachment was refused or could not be stored; the inner error has its own code.
    #[error(transparent)]
    Attachment(#[from] crate::attachment::AttachmentError),
    /// Submitting, withdrawing, signing in or syncing failed; the inner error has its own code.
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    /// The data key could not be found, made or used; the data stays shut and untouched.
    #[error(transparent)]
    Key(KeyProblem),
    /// A kiosk action was refused (PIN, set-up, sealed export); the inner error has its own code.
    #[error(transparent)]
    Kiosk(#[from] crate::kiosk::KioskError),
    /// A letter could not be made or written; the inner error has its own code.
    #[error(transparent)]
    Letter(#[from] crate::letter::LetterError),
}

/// Why the data of a directory cannot be opened with a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyProblem {
    /// The OS keyring cannot be reached or refused to keep or return the key.
    #[error("the OS keyring cannot be used")]
    KeyringUnavailable(#[source] keyring::Error),
    /// The data exists but its key is not in the keyring (or `key.json` is gone).
    #[error("the data key of this directory is missing")]
    KeyMissing,
    /// The key found (or derived from the passphrase) does not open the database.
    #[error("the key does not open this data")]
    WrongKey,
    /// This directory is kept with an administrator passphrase and none was given.
    #[error("this data directory needs its administrator passphrase")]
    PassphraseRequired,
    /// A new passphrase is too short.
    #[error("the passphrase is too short")]
    PassphraseTooShort,
    /// Passphrase set-up was asked for on a directory that already has data or a key.
    #[error("this data directory is already set up")]
    AlreadySetUp,
    /// `key.json` cannot be read.
    #[error("key.json is damaged")]
    InfoDamaged,
    /// The database is plain SQLite, written without encryption.
    #[error("the database is not encrypted")]
    Unencrypted,
    /// A passphrase change was asked for on a directory kept in the keyring.
    #[error("this data directory is not kept with a passphrase")]
    NotPassphraseMode,
}

/// Why a field's value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidReason {
    TooLong { max: usize },
    NotAllowed,
}

impl std::fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvalidReason::TooLong { max } => write!(f, "longer than {max} characters"),
            InvalidReason::NotAllowed => f.write_str("not one of the allowed values"),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Migrate(e)
    }
}

impl Error {
    /// The stable code that crosses every boundary (UI, CLI JSON, HTTP).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::AmbiguousId => "ambiguous_id",
            Error::NotEditable => "not_editable",
            Error::InvalidValue {
                reason: InvalidReason::TooLong { .. },
                ..
            } => "too_long",
            Error::InvalidValue {
                reason: InvalidReason::NotAllowed,
                ..
            } => "value_not_allowed",
            Error::DataDir(_) => "data_dir_unusable",
            Error::DataDirInUse => "data_dir_in_use",
            Error::Database(_) => "database_error",
            Error::Migrate(_) => "migration_failed",
            Error::Attachment(e) => e.code(),
            Error::Sync(e) => e.code(),
            Error::Key(problem) => problem.code(),
            Error::Kiosk(e) => e.code(),
            Error::Letter(e) => e.code(),
        }
    }

    /// What happened and what to do, in the given language: the catalogue's message for the code
    /// (for a refused value, the one that names the field).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::InvalidValue {
                field,
                reason: InvalidReason::TooLong { max },
            } => text(
                lang,
                "too_long-field",
                &[
                    ("field", crate::validate::field_label(*field, lang).into()),
                    ("max", (*max).into()),
                ],
            ),
            Error::InvalidValue {
                field,
                reason: InvalidReason::NotAllowed,
            } => text(
                lang,
                "value_not_allowed-field",
                &[("field", crate::validate::field_label(*field, lang).into())],
            ),
            Error::Attachment(e) => e.message(lang),
            Error::Sync(e) => e.message(lang),
            Error::Key(problem) => problem.message(lang),
            Error::Kiosk(e) => e.message(lang),
            Error::Letter(e) => e.message(lang),
            Error::NotFound
            | Error::AmbiguousId
            | Error::NotEditable
            | Error::DataDir(_)
            | Error::DataDirInUse
            | Error::Database(_)
            | Error::Migrate(_) => lang.text(self.code()),
        }
    }
}

impl KeyProblem {
    /// The stable code, as [`Error::code`] gives it.
    pub fn code(&self) -> &'static str {
        match self {
            KeyProblem::KeyringUnavailable(_) => "keyring_unavailable",
            KeyProblem::KeyMissing => "data_key_missing",
            KeyProblem::WrongKey => "wrong_data_key",
            KeyProblem::PassphraseRequired => "passphrase_required",
            KeyProblem::PassphraseTooShort => "passphrase_too_short",
            KeyProblem::AlreadySetUp => "already_set_up",
            KeyProblem::InfoDamaged => "key_info_damaged",
            KeyProblem::Unencrypted => "unencrypted_data",
            KeyProblem::NotPassphraseMode => "not_passphrase_mode",
        }
    }

    /// What happened and what to do, in the given language: the catalogue's message for the code.
    pub fn message(&self, lang: Lang) -> String {
        lang.text(self.code())
    }
}
