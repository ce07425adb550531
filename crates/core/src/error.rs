//! The core's one error type. Every variant has a stable snake_case [`Error::code`] and a message
//! in both languages that says what happened and what to do. No message ever carries a field's
//! value: those are personal data.

use crate::i18n::Lang;
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
        }
    }

    /// What happened and what to do, in the given language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::NotFound => lang
                .pick(
                    "找不到这份信访事项，它可能已被永久删除。请返回列表重新选择。",
                    "This petition cannot be found; it may have been deleted for good. Go back to the list and pick another.",
                )
                .to_owned(),
            Error::AmbiguousId => lang.text("ambiguous_id"),
            Error::NotEditable => lang
                .pick(
                    "这份信访事项已不是草稿（或在回收站中），不能再修改。请先从回收站恢复，或复制一份再改。",
                    "This petition is no longer a draft (or is in the trash) and cannot be changed. Restore it from the trash, or duplicate it and edit the copy.",
                )
                .to_owned(),
            Error::InvalidValue {
                field,
                reason: InvalidReason::TooLong { max },
            } => match lang {
                Lang::Zh => format!(
                    "“{}”最多 {max} 个字，本次修改未保存，您的文字仍在输入框中。请删减后再试。",
                    crate::validate::field_label(*field, lang)
                ),
                Lang::En => format!(
                    "“{}” holds at most {max} characters; this change was not saved and your text is still in the box. Shorten it and try again.",
                    crate::validate::field_label(*field, lang)
                ),
            },
            Error::InvalidValue {
                field,
                reason: InvalidReason::NotAllowed,
            } => match lang {
                Lang::Zh => format!(
                    "“{}”的取值不在可选范围内，请从列表中选择。",
                    crate::validate::field_label(*field, lang)
                ),
                Lang::En => format!(
                    "The value of “{}” is not one of the choices; pick one from the list.",
                    crate::validate::field_label(*field, lang)
                ),
            },
            Error::DataDir(_) => lang
                .pick(
                    "无法使用数据目录。请检查磁盘空间和文件夹权限后重试。",
                    "The data folder cannot be used. Check the free disk space and the folder's permissions, then try again.",
                )
                .to_owned(),
            Error::DataDirInUse => lang
                .pick(
                    "信访助手已在运行并使用同一数据目录。请切换到已打开的窗口。",
                    "Petition Desk is already running with this data folder. Switch to the window that is already open.",
                )
                .to_owned(),
            Error::Database(_) => lang
                .pick(
                    "本地数据库出错，本次操作未完成，已保存的内容不受影响。请重试；若反复出现，请运行 petitionctl doctor 检查。",
                    "The local database reported an error; this action did not complete and what was saved before is unaffected. Try again; if it keeps happening, run `petitionctl doctor`.",
                )
                .to_owned(),
            Error::Migrate(_) => lang
                .pick(
                    "无法升级本地数据库（它可能来自更新版本的信访助手）。请安装最新版本后重试。",
                    "The local database could not be upgraded (it may come from a newer Petition Desk). Install the latest version and try again.",
                )
                .to_owned(),
            Error::Attachment(e) => e.message(lang),
            Error::Sync(e) => e.message(lang),
            Error::Key(problem) => problem.message(lang),
            Error::Kiosk(e) => e.message(lang),
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
