//! Kiosk mode: a shared machine in a community centre, where one citizen's petition is never seen
//! by the next. What is recorded in the data directory (the mode, the administrator PIN as an
//! Argon2id hash, the allowed attachment folders, the idle time, the bureau's public key for sealed
//! exports), the PIN check with its lock-out, the end of a citizen's session, and the sealed
//! export of the outbox for a bureau that cannot be reached.
//!
//! Here: the settings' names, the configuration's types and errors, the PIN's format and hash,
//! the folders a citizen may take files from, the session a window is held to. The kiosk room
//! ([`crate::Store::kiosk`], [`Kiosk`], in `store`) reads and writes all of it in the database.

use std::path::{Path, PathBuf};

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::i18n::{Lang, text};
use crate::keys::Passphrase;
use crate::store::{now_ms, rfc3339};
use crate::sync::Secret;

mod store;

pub use store::Kiosk;

const MODE_SETTING: &str = "kiosk_mode";
const PIN_SETTING: &str = "kiosk_pin";
const FAILURES_SETTING: &str = "kiosk_pin_failures";
const LOCKED_UNTIL_SETTING: &str = "kiosk_pin_locked_until";
const IDLE_SETTING: &str = "kiosk_idle_seconds";
const FOLDERS_SETTING: &str = "kiosk_folders";
const PRINTER_SETTING: &str = "kiosk_printer";
/// The bureau's age recipient (`age1…`) that sealed exports are encrypted to.
pub const RECIPIENT_SETTING: &str = "bureau_outbox_recipient";

/// A session is ended after this much inactivity unless the administrator chose otherwise.
pub const DEFAULT_IDLE_SECONDS: u32 = 180;
/// The on-screen countdown before an idle session ends.
pub const COUNTDOWN_SECONDS: u32 = 30;
/// Wrong PINs in a row before the administrator panel locks…
pub const PIN_TRIES: u32 = 5;
/// …for this long.
pub const PIN_LOCK_MS: i64 = 5 * 60 * 1000;

/// Argon2id cost of the PIN hash: 19 MiB, 2 passes (a PIN has little entropy; the lock-out does
/// the rest).
const PIN_M_COST_KIB: u32 = 19 * 1024;
const PIN_T_COST: u32 = 2;

/// A folder the citizen may take attachments from (a scanner's output, a USB drive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskFolder {
    pub label: String,
    pub path: PathBuf,
}

/// What the kiosk UI needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskConfig {
    pub idle_seconds: u32,
    pub countdown_seconds: u32,
    pub folders: Vec<KioskFolder>,
    /// The printer receipts go to, as the OS names it; `None`: the OS's default printer.
    pub printer: Option<String>,
}

/// What `kiosk setup` records.
#[derive(Debug)]
pub struct KioskSetup {
    pub bureau_url: String,
    pub token: Secret,
    pub pin: Passphrase,
    pub folders: Vec<KioskFolder>,
    pub idle_seconds: Option<u32>,
    /// The bureau's public key for sealed exports, when it is given rather than fetched.
    pub recipient: Option<String>,
    /// The printer receipts go to; `None`: the OS's default printer.
    pub printer: Option<String>,
}

/// What `kiosk setup` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskSetupReport {
    /// The bureau's public key for sealed exports, when known.
    pub recipient: Option<String>,
    /// The bureau answered and took the kiosk token; `false`: it could not be reached now.
    pub bureau_reached: bool,
}

/// Why a kiosk action was refused.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error("wrong PIN")]
    PinWrong { remaining: u32 },
    #[error("the administrator panel is locked")]
    PinLocked {
        /// Unix milliseconds.
        until_ms: i64,
    },
    #[error("the PIN must be 4 to 12 digits")]
    PinInvalid,
    #[error("this data directory is not set up as a kiosk")]
    NotKiosk,
    #[error("the administrator PIN is needed first")]
    AdminRequired,
    #[error("the bureau's public key for sealed exports is not known")]
    NoRecipient,
    #[error("the bureau's public key is not an age recipient")]
    RecipientInvalid,
    #[error("the sealed export could not be written")]
    Export(#[source] std::io::Error),
    #[error("the outbox could not be sealed: {0}")]
    Seal(&'static str),
    /// A command of the desktop app was asked for in kiosk mode, or another citizen's petition.
    #[error("not available in kiosk mode")]
    Forbidden,
    /// An allowed folder (a USB drive, a scanner's share) cannot be read now.
    #[error("the folder cannot be read")]
    FolderUnreadable(#[source] std::io::Error),
    /// The file asked for is not one the folder offers (gone, a link out, not a photo or PDF).
    #[error("the file is not offered by the folder")]
    FileNotOffered,
    /// The print system refused the receipt (no such printer, none at all, the job aborted).
    #[error("the receipt could not be printed")]
    PrintFailed,
    /// The print system has not finished the receipt yet: it may still come out.
    #[error("the printer has not answered yet")]
    PrintSlow,
    /// This platform cannot print a receipt without a dialog.
    #[error("this machine cannot print receipts")]
    PrintUnavailable,
}

impl KioskError {
    pub fn code(&self) -> &'static str {
        match self {
            KioskError::PinWrong { .. } => "pin_wrong",
            KioskError::PinLocked { .. } => "pin_locked",
            KioskError::PinInvalid => "pin_invalid",
            KioskError::NotKiosk => "not_kiosk",
            KioskError::AdminRequired => "admin_pin_required",
            KioskError::NoRecipient => "bureau_key_unknown",
            KioskError::RecipientInvalid => "bureau_key_invalid",
            KioskError::Export(_) => "export_failed",
            KioskError::Seal(_) => "export_failed",
            KioskError::Forbidden => "kiosk_forbidden",
            KioskError::FolderUnreadable(_) => "folder_unreadable",
            KioskError::FileNotOffered => "file_not_offered",
            KioskError::PrintFailed => "print_failed",
            KioskError::PrintSlow => "print_slow",
            KioskError::PrintUnavailable => "print_unavailable",
        }
    }

    /// What happened and what to do: the catalogue's message for the code; a wrong PIN and a
    /// lock-out say how many tries are left or until when.
    pub fn message(&self, lang: Lang) -> String {
        let lock_minutes = PIN_LOCK_MS / 60_000;
        match self {
            KioskError::PinWrong { remaining } => text(
                lang,
                "pin_wrong-remaining",
                &[
                    ("remaining", (*remaining).into()),
                    ("minutes", lock_minutes.into()),
                ],
            ),
            KioskError::PinLocked { until_ms } => text(
                lang,
                "pin_locked-until",
                &[
                    ("tries", PIN_TRIES.into()),
                    ("time", local_time_words(*until_ms, lang).into()),
                    ("wait", minutes_left_words(*until_ms, now_ms(), lang).into()),
                ],
            ),
            KioskError::PinInvalid
            | KioskError::NotKiosk
            | KioskError::AdminRequired
            | KioskError::NoRecipient
            | KioskError::RecipientInvalid
            | KioskError::Export(_)
            | KioskError::Seal(_)
            | KioskError::Forbidden
            | KioskError::FolderUnreadable(_)
            | KioskError::FileNotOffered
            | KioskError::PrintFailed
            | KioskError::PrintSlow
            | KioskError::PrintUnavailable => lang.text(self.code()),
        }
    }
}

/// What the administrator sees of the outbox: counts only, never a person's data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OutboxCounts {
    pub waiting: u32,
    pub uploading: u32,
    pub delivered: u32,
    pub needs_attention: u32,
    /// Attachment bytes not yet confirmed by the bureau.
    pub bytes_pending: u64,
}

/// What `export_outbox` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub file: PathBuf,
    pub petitions: usize,
}

/// A moment (unix ms) as a person on this machine reads the clock: local time, and "today" or
/// "tomorrow" when it is one of those (a lock-out of five minutes always is).
fn local_time_words(ms: i64, lang: Lang) -> String {
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let (Ok(at), Ok(now)) = (
        jiff::Timestamp::from_millisecond(ms),
        jiff::Timestamp::from_millisecond(now_ms()),
    ) else {
        return String::new();
    };
    let at = at.to_zoned_datetime(tz.clone());
    let today = now.to_zoned_datetime(tz).date();
    let clock = at.strftime("%H:%M").to_string();
    let day = at.date();
    if day == today {
        text(lang, "time-today", &[("clock", clock.into())])
    } else if Some(day) == today.tomorrow().ok() {
        text(lang, "time-tomorrow", &[("clock", clock.into())])
    } else {
        text(
            lang,
            "time-date",
            &[
                ("month", i32::from(day.month()).into()),
                ("day", i32::from(day.day()).into()),
                ("clock", clock.into()),
            ],
        )
    }
}

/// How long until `until` (unix ms), in whole minutes rounded up, in words.
fn minutes_left_words(until: i64, now: i64, lang: Lang) -> String {
    let minutes = (until.saturating_sub(now).max(0) + 59_999) / 60_000;
    text(
        lang,
        "time-minutes_left",
        &[("minutes", minutes.max(1).into())],
    )
}

fn check_pin_format(pin: &Passphrase) -> Result<(), KioskError> {
    let p = pin.expose();
    if (4..=12).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(KioskError::PinInvalid)
    }
}

fn pin_hash(pin: &Passphrase, salt: &[u8]) -> Result<[u8; 32]> {
    let params = argon2::Params::new(PIN_M_COST_KIB, PIN_T_COST, 1, Some(32))
        .map_err(|_| Error::Key(crate::error::KeyProblem::InfoDamaged))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(pin.expose().as_bytes(), salt, &mut out)
        .map_err(|_| Error::Key(crate::error::KeyProblem::InfoDamaged))?;
    Ok(out)
}

/// `argon2id$<m>$<t>$<salt hex>$<hash hex>`.
fn encode_pin(pin: &Passphrase) -> Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let hash = pin_hash(pin, &salt)?;
    Ok(format!(
        "argon2id${PIN_M_COST_KIB}${PIN_T_COST}${}${}",
        hex::encode(salt),
        hex::encode(hash)
    ))
}

fn pin_matches(pin: &Passphrase, stored: &str) -> Result<bool> {
    let parts: Vec<&str> = stored.split('$').collect();
    let [_, _, _, salt, hash] = parts.as_slice() else {
        return Ok(false);
    };
    let (Ok(salt), Ok(expected)) = (hex::decode(salt), hex::decode(hash)) else {
        return Ok(false);
    };
    let actual = pin_hash(pin, &salt)?;
    // Constant time: every byte compared whatever the first difference.
    Ok(expected.len() == actual.len()
        && expected
            .iter()
            .zip(actual.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0)
}

/// What a file in an allowed folder is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FolderFileKind {
    Image,
    Pdf,
}

/// A file an allowed folder offers the citizen: a photo or a PDF (told from the bytes by the same
/// sniffer as every attachment), directly in the folder, not hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FolderFile {
    pub name: String,
    pub bytes: u64,
    pub kind: FolderFileKind,
}

/// How many bytes of a file the sniffer needs to tell its kind (a PDF header may start a little
/// way in).
const SNIFF_BYTES: usize = 1024;

fn kind_of(path: &Path) -> Option<FolderFileKind> {
    use std::io::Read;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    std::fs::File::open(path)
        .ok()?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    match crate::attachment::sniff::sniff(&head)? {
        crate::attachment::sniff::MediaType::Pdf => Some(FolderFileKind::Pdf),
        _ => Some(FolderFileKind::Image),
    }
}

/// The photos and PDFs directly in `dir`, by name. A folder that cannot be read (a USB drive
/// pulled out, a share gone) is [`KioskError::FolderUnreadable`], never an empty list: "no files"
/// would tell the citizen their scan is not there. Files that cannot be read or are neither are
/// left out. Blocking: call it off the async threads.
pub fn list_folder(dir: &Path) -> Result<Vec<FolderFile>, KioskError> {
    let entries = std::fs::read_dir(dir).map_err(KioskError::FolderUnreadable)?;
    let mut files: Vec<FolderFile> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if name.starts_with('.') {
                return None;
            }
            // Links are followed only to a file inside the folder.
            let path = file_in_folder(dir, &name).ok()?;
            let meta = std::fs::metadata(&path).ok()?;
            Some(FolderFile {
                kind: kind_of(&path)?,
                bytes: meta.len(),
                name,
            })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// `name` as a plain file directly inside `dir`: no separators, no `..`, no link that leads out
/// of the folder. Anything else is [`KioskError::FileNotOffered`].
pub fn file_in_folder(dir: &Path, name: &str) -> Result<PathBuf, KioskError> {
    if name.is_empty() || name.contains(['/', '\\', '\0']) || name == "." || name == ".." {
        return Err(KioskError::FileNotOffered);
    }
    let real = std::fs::canonicalize(dir.join(name)).map_err(|_| KioskError::FileNotOffered)?;
    let real_dir = std::fs::canonicalize(dir).map_err(KioskError::FolderUnreadable)?;
    if real.parent() == Some(real_dir.as_path()) && real.is_file() {
        Ok(real)
    } else {
        Err(KioskError::FileNotOffered)
    }
}

/// The citizen's session at a kiosk: which draft is theirs. Every command that names a petition
/// is checked against it, so even a fault in the UI cannot open, change or submit an earlier
/// citizen's petition (they are still in the store, sealed in the outbox).
#[derive(Debug, Default)]
pub struct Session {
    draft: std::sync::Mutex<Option<String>>,
}

impl Session {
    /// The session's draft is `id` from now on.
    pub fn begin(&self, id: &str) {
        if let Ok(mut d) = self.draft.lock() {
            *d = Some(id.to_owned());
        }
    }

    /// No draft is the citizen's any more.
    pub fn end(&self) {
        if let Ok(mut d) = self.draft.lock() {
            *d = None;
        }
    }

    /// Refuses any petition but the session's own draft.
    pub fn check(&self, id: &str) -> Result<(), KioskError> {
        match self.draft.lock() {
            Ok(d) if d.as_deref() == Some(id) => Ok(()),
            _ => Err(KioskError::Forbidden),
        }
    }
}

/// The submission reference of a petition, valid at once (offline too): the bureau answers
/// look-ups by it once the petition arrives, by whichever way.
pub fn reference(petition_id: &str) -> String {
    petition_api::submission_reference(petition_id)
}

/// A file name for a sealed export made now: `petition-outbox-YYYYMMDD-HHMMSS.age` (UTC).
pub fn export_file_name() -> String {
    let stamp: String = rfc3339(now_ms())
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    format!("petition-outbox-{stamp}.age")
}

/// The name an attachment is sent under (online and in a sealed export alike, so the bureau sees
/// one petition either way).
pub(crate) fn send_name(file_name: &str, position: u32) -> String {
    let trimmed = file_name.trim();
    if trimmed.is_empty() {
        format!("attachment-{}", position + 1)
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_out_is_told_in_local_time_and_minutes() {
        let now = now_ms();
        let zh = KioskError::PinLocked {
            until_ms: now + PIN_LOCK_MS,
        }
        .message(crate::i18n::Lang::Zh);
        assert!(
            zh.contains("分钟") && !zh.contains("UTC") && !zh.contains('T'),
            "{zh}"
        );
        assert!(zh.contains("今天") || zh.contains("明天"), "{zh}");
        assert!(zh.contains("还要等 5 分钟"), "{zh}");
        let en = KioskError::PinLocked {
            until_ms: now + PIN_LOCK_MS,
        }
        .message(crate::i18n::Lang::En);
        assert!(en.contains("in 5 minutes") && !en.contains("UTC"), "{en}");
        assert_eq!(
            minutes_left_words(now + 1, now, crate::i18n::Lang::En),
            "in 1 minute"
        );
    }

    #[test]
    fn a_later_day_is_told_by_its_date() {
        let in_ten_days = now_ms() + 10 * 86_400_000;
        let en = local_time_words(in_ten_days, Lang::En);
        let zh = local_time_words(in_ten_days, Lang::Zh);
        let months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        assert!(
            en.contains(" on ") && months.iter().any(|m| en.contains(m)),
            "{en}"
        );
        assert!(zh.contains('月') && zh.contains('日'), "{zh}");
    }

    #[test]
    fn a_wrong_pin_says_how_many_tries_are_left() {
        assert_eq!(
            KioskError::PinWrong { remaining: 4 }.message(Lang::Zh),
            "PIN 不正确。再错 4 次，管理功能将锁定 5 分钟。"
        );
        let last = KioskError::PinWrong { remaining: 1 }.message(Lang::En);
        assert!(last.contains("After one more wrong try,"), "{last}");
    }

    #[test]
    fn a_folder_offers_its_photos_and_pdfs_and_nothing_outside_it() {
        let root = tempfile::tempdir().expect("temp dir");
        let folder = root.path().join("扫描仪");
        std::fs::create_dir(&folder).expect("folder");
        std::fs::write(folder.join("scan.pdf"), b"%PDF-1.4\n%%EOF\n").expect("pdf");
        std::fs::write(folder.join("photo.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).expect("jpg");
        std::fs::write(folder.join("notes.txt"), b"not evidence").expect("txt");
        std::fs::write(folder.join(".hidden.pdf"), b"%PDF-1.4\n").expect("hidden");
        std::fs::create_dir(folder.join("sub")).expect("sub");
        std::fs::write(root.path().join("secret.pdf"), b"%PDF-1.4\n").expect("outside");
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.path().join("secret.pdf"), folder.join("link.pdf"))
            .expect("link");
        let listed = list_folder(&folder).expect("list");
        let names: Vec<(&str, FolderFileKind)> =
            listed.iter().map(|f| (f.name.as_str(), f.kind)).collect();
        assert_eq!(
            names,
            [
                ("photo.jpg", FolderFileKind::Image),
                ("scan.pdf", FolderFileKind::Pdf)
            ]
        );
        assert!(file_in_folder(&folder, "scan.pdf").is_ok());
        for refused in [
            "../secret.pdf",
            "link.pdf",
            "sub",
            "",
            "..",
            "a/b.pdf",
            "gone.pdf",
        ] {
            assert!(
                matches!(
                    file_in_folder(&folder, refused),
                    Err(KioskError::FileNotOffered)
                ),
                "{refused}"
            );
        }
        // A USB drive that was pulled out is not "no files".
        let gone = list_folder(&root.path().join("U盘")).expect_err("unreadable");
        assert_eq!(gone.code(), "folder_unreadable");
        assert!(gone.message(crate::i18n::Lang::Zh).contains("U 盘"));
    }

    #[test]
    fn a_session_opens_its_own_draft_only() {
        let session = Session::default();
        assert!(matches!(session.check("a"), Err(KioskError::Forbidden)));
        session.begin("a");
        assert!(session.check("a").is_ok());
        assert_eq!(
            session.check("b").expect_err("another citizen's").code(),
            "kiosk_forbidden"
        );
        session.end();
        assert!(session.check("a").is_err());
    }

    #[test]
    fn a_pin_is_four_to_twelve_digits() {
        for ok in ["1234", "123456789012"] {
            assert!(check_pin_format(&Passphrase::new(ok.into())).is_ok());
        }
        for bad in ["123", "1234567890123", "12a4", "", "１２３４"] {
            assert!(
                check_pin_format(&Passphrase::new(bad.into())).is_err(),
                "{bad}"
            );
        }
    }
}
