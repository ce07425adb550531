//! The outbox in the local store: queuing, withdrawing, the views, and what the engine records.
//!
//! Every write goes through the single writer; a petition leaves `draft` in the same transaction
//! that writes its outbox row, and the receipt is stored in the same transaction that moves it to
//! `submitted`. Outbox rows are never deleted after that.

use petition_api::{PetitionView, Receipt, Status};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use super::plan::{Failure, Phase};
use super::{BureauEvent, ErrorView, ItemState, OutboxItem, PetitionStatus, Secret, SyncError};
use crate::error::{Error, Result};
use crate::model::State;
use crate::store::{Store, rfc3339};
use crate::validate;

/// The setting that holds the bureau's base URL.
pub const BUREAU_URL_SETTING: &str = "sync.bureau_url";
/// The setting that holds the `since` cursor of the last status pull.
pub(crate) const CURSOR_SETTING: &str = "sync.cursor";

pub(crate) fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Checks a bureau address: `https://`, or `http://` to this machine only. Returns it without a
/// trailing slash.
pub fn check_bureau_url(url: &str) -> std::result::Result<String, SyncError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| SyncError::BureauUrlInvalid)?;
    let loopback = parsed.host_str().is_some_and(|h| {
        h.eq_ignore_ascii_case("localhost")
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    let ok = match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => loopback,
        _ => false,
    };
    if !ok || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SyncError::BureauUrlInvalid);
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

const ITEM_SELECT: &str = "SELECT o.petition_id, p.title, o.phase, o.error_code, o.error_message, \
     o.next_attempt_at, o.tracking_code, o.queued_at, \
     (SELECT COALESCE(SUM(sent), 0) FROM outbox_files f WHERE f.petition_id = o.petition_id) AS bytes_sent, \
     (SELECT COALESCE(SUM(length), 0) FROM outbox_files f WHERE f.petition_id = o.petition_id) AS bytes_total, \
     (SELECT COUNT(*) FROM outbox_files f WHERE f.petition_id = o.petition_id AND complete = 1) AS files_sent, \
     (SELECT COUNT(*) FROM outbox_files f WHERE f.petition_id = o.petition_id) AS files_total \
     FROM outbox o JOIN petitions p ON p.id = o.petition_id";

fn item_from_row(row: &SqliteRow) -> Result<OutboxItem> {
    let phase: String = row.try_get("phase")?;
    let phase = Phase::parse(&phase).ok_or_else(|| {
        Error::Database(sqlx::Error::Decode(
            format!("unknown outbox phase `{phase}`").into(),
        ))
    })?;
    let error = match (
        row.try_get::<Option<String>, _>("error_code")?,
        row.try_get::<Option<String>, _>("error_message")?,
    ) {
        (Some(code), message) => Some(ErrorView {
            code,
            message: message.unwrap_or_default(),
        }),
        _ => None,
    };
    let state = match phase {
        Phase::Delivered => ItemState::Delivered,
        Phase::NeedsAttention => ItemState::NeedsAttention,
        // A failure waiting for its retry: a setting to fix (a certificate, a proxy) first…
        _ if error
            .as_ref()
            .is_some_and(|e| super::engine::needs_a_setting(&e.code)) =>
        {
            ItemState::CannotConnect
        }
        // …else the bureau is out of reach or asked to wait.
        _ if error.is_some() => ItemState::WaitingForNetwork,
        Phase::Waiting => ItemState::WaitingForNetwork,
        Phase::Uploading => ItemState::Uploading,
        Phase::Submitting => ItemState::Submitting,
    };
    let count = |name: &str| -> Result<u64> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };
    Ok(OutboxItem {
        id: row.try_get("petition_id")?,
        title: row.try_get("title")?,
        state,
        bytes_sent: count("bytes_sent")?,
        bytes_total: count("bytes_total")?,
        files_sent: u32::try_from(count("files_sent")?).unwrap_or(u32::MAX),
        files_total: u32::try_from(count("files_total")?).unwrap_or(u32::MAX),
        tracking_code: row.try_get("tracking_code")?,
        next_attempt_at: match phase {
            Phase::Delivered | Phase::NeedsAttention => None,
            _ => row
                .try_get::<Option<i64>, _>("next_attempt_at")?
                .filter(|&t| t > now_ms())
                .map(rfc3339),
        },
        error: if phase == Phase::Delivered {
            None
        } else {
            error
        },
        queued_at: rfc3339(row.try_get("queued_at")?),
    })
}

/// What signing in did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignIn {
    /// The bureau's address as kept (no trailing slash).
    pub bureau_url: String,
    /// The bureau answered and took the token; `false`: it could not be reached now, and the
    /// sign-in is kept for when it can.
    pub checked: bool,
}

/// One attachment of an outbox item, as the engine works on it.
#[derive(Debug, Clone)]
pub(crate) struct OutboxFile {
    pub position: i64,
    pub sha256: String,
    pub length: u64,
    pub media_type: String,
    pub upload_id: Option<String>,
    pub complete: bool,
}

/// An outbox item as the engine works on it.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    pub phase: Phase,
    pub attempts: u32,
    /// A failure is recorded (and shown) that the next success clears.
    pub has_error: bool,
    pub next_attempt_at: Option<i64>,
    pub files: Vec<OutboxFile>,
}

/// What a pull changed for one petition.
#[derive(Debug, Clone)]
pub(crate) struct RemoteChange {
    pub id: String,
    pub tracking_code: String,
    pub state: State,
    pub new_events: Vec<BureauEvent>,
    /// Worth telling the citizen: the status moved, or the bureau wrote something.
    pub notable: bool,
    /// The receipt was missing locally and the pull supplied the tracking code.
    pub delivered_now: bool,
}

fn state_of_status(status: Status) -> State {
    match status {
        Status::Submitted => State::Submitted,
        Status::Registered => State::Registered,
        Status::Accepted => State::Accepted,
        Status::NotAccepted => State::NotAccepted,
        Status::Replied => State::Replied,
        Status::ReviewRequested => State::ReviewRequested,
        Status::Closed => State::Closed,
    }
}

impl Store {
    /// Submits a draft: checks it, freezes it (`queued`) and writes its outbox row in one
    /// transaction. It goes out when the engine next reaches the bureau.
    pub async fn submit(&self, id: &str) -> Result<OutboxItem> {
        // Read first: any save after this moment makes the freeze below fail.
        let checked_at: Option<i64> =
            sqlx::query_scalar("SELECT updated_at FROM petitions WHERE id = ?")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        let checked_at = checked_at.ok_or(Error::NotFound)?;
        let petition = self.get(id).await?;
        if petition.state != State::Draft || petition.trashed_at.is_some() {
            return Err(Error::NotEditable);
        }
        let problems = validate::check(&petition);
        if !problems.is_empty() {
            return Err(SyncError::NotReady(problems).into());
        }
        let attachments = self.list_attachments(id).await?;
        let now = now_ms();
        let mut tx = self.writer().begin().await?;
        // Frozen only if nothing changed since it was checked.
        let frozen = sqlx::query(
            "UPDATE petitions SET state = 'queued', updated_at = ? \
             WHERE id = ? AND state = 'draft' AND trashed_at IS NULL AND updated_at = ? \
             AND (SELECT COUNT(*) FROM attachments WHERE petition_id = ?) = ?",
        )
        .bind(now)
        .bind(id)
        .bind(checked_at)
        .bind(id)
        .bind(i64::try_from(attachments.len()).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
        if frozen.rows_affected() != 1 {
            return Err(Error::NotEditable);
        }
        sqlx::query("INSERT INTO outbox (petition_id, queued_at) VALUES (?, ?)")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        for (position, a) in attachments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO outbox_files (petition_id, position, sha256, length, media_type) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&a.sha256)
            .bind(i64::try_from(a.bytes).unwrap_or(i64::MAX))
            .bind(a.media_type.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        tracing::info!(petition = %id, files = attachments.len(), "petition queued");
        self.outbox_item(id).await
    }

    /// Takes a queued petition back to a draft, as long as its submission has not been sent.
    pub async fn withdraw(&self, id: &str) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT phase, tracking_code FROM outbox WHERE petition_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match row {
            None => {
                drop(tx);
                self.get(id).await?;
                return Err(SyncError::NotQueued.into());
            }
            Some((phase, code))
                if code.is_some()
                    || phase == Phase::Submitting.key()
                    || phase == Phase::Delivered.key() =>
            {
                return Err(SyncError::AlreadySent.into());
            }
            Some(_) => {}
        }
        sqlx::query("DELETE FROM outbox_files WHERE petition_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM outbox WHERE petition_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE petitions SET state = 'draft', updated_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(petition = %id, "petition withdrawn to draft");
        Ok(())
    }

    /// Signs in to a bureau. The bureau is tried once first: a certificate or proxy that fails, an
    /// address that is no bureau, or a token it refuses is reported at once and nothing is kept;
    /// when it simply cannot be reached now (no network, a busy bureau), the sign-in is kept for
    /// later and [`SignIn::checked`] is false. The token is kept where the data key is
    /// ([`Store::save_token`]: the OS keyring, or the encrypted database in passphrase mode; never
    /// a file), the address in the settings. The status cursor starts afresh, and items stopped
    /// for want of a valid token are tried again.
    pub async fn sign_in(&self, bureau_url: &str, token: Secret) -> Result<SignIn> {
        let url = check_bureau_url(bureau_url)?;
        let checked = match super::client::Bureau::new(&url, &token)?
            .check_sign_in()
            .await
        {
            Ok(()) => true,
            Err(Failure::Network(kind)) if kind.may_pass() => false,
            Err(Failure::Network(kind)) => return Err(SyncError::Connection(kind).into()),
            Err(Failure::NotBureau) => return Err(SyncError::NotBureau.into()),
            Err(Failure::Http {
                status: 401 | 403, ..
            }) => {
                return Err(SyncError::TokenRefused.into());
            }
            // Busy, or asked to slow down: the sign-in stands, the engine tries later.
            Err(Failure::Http { .. }) => false,
        };
        self.save_token(token).await?;
        let mut tx = self.writer().begin().await?;
        for (key, value) in [(BUREAU_URL_SETTING, url.as_str()), (CURSOR_SETTING, "")] {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES (?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE outbox SET phase = 'waiting', attempts = 0, next_attempt_at = NULL, \
             error_code = NULL, error_message = NULL \
             WHERE phase = 'needs_attention' AND error_code = 'unauthorized'",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(checked, "signed in to the bureau");
        Ok(SignIn {
            bureau_url: url,
            checked,
        })
    }

    /// Makes every item that backs off (the network was gone, the bureau busy) due now; items
    /// that need the citizen stay as they are. What "sync now" and a change of network do.
    /// Returns how many items were waiting.
    pub async fn due_now(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET next_attempt_at = NULL \
             WHERE phase IN ('waiting', 'uploading', 'submitting') AND next_attempt_at IS NOT NULL",
        )
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }

    /// Tries every undelivered item again now, those that need attention too (the kiosk
    /// administrator's "sync now": nobody else will press each item's retry button there).
    /// Returns how many items were touched.
    pub async fn retry_all_undelivered(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET phase = CASE phase WHEN 'needs_attention' THEN 'waiting' ELSE phase END, \
             attempts = 0, next_attempt_at = NULL, error_code = NULL, error_message = NULL \
             WHERE tracking_code IS NULL AND phase != 'delivered'",
        )
        .execute(self.writer())
        .await?;
        tracing::info!(
            items = done.rows_affected(),
            "every undelivered item tried again"
        );
        Ok(done.rows_affected())
    }

    /// Lets an item that needs attention (or is backing off) be tried again now.
    pub async fn retry_outbox(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE outbox SET phase = CASE phase WHEN 'needs_attention' THEN 'waiting' ELSE phase END, \
             attempts = 0, next_attempt_at = NULL, error_code = NULL, error_message = NULL \
             WHERE petition_id = ? AND tracking_code IS NULL",
        )
        .bind(id)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            self.get(id).await?;
            return Err(SyncError::NotQueued.into());
        }
        Ok(())
    }

    /// Every outbox item, newest first (delivered ones stay, with their tracking codes).
    pub async fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} ORDER BY o.queued_at DESC, o.petition_id"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// One outbox item.
    pub async fn outbox_item(&self, id: &str) -> Result<OutboxItem> {
        let row = sqlx::query(&format!("{ITEM_SELECT} WHERE o.petition_id = ?"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        match row {
            Some(row) => item_from_row(&row),
            None => {
                self.get(id).await?;
                Err(SyncError::NotQueued.into())
            }
        }
    }

    /// Where a petition stands: its state, tracking code, and the bureau's events.
    pub async fn petition_status(&self, id: &str) -> Result<PetitionStatus> {
        let petition = self.get(id).await?;
        let outbox = match self.outbox_item(id).await {
            Ok(item) => Some(item),
            Err(Error::Sync(SyncError::NotQueued)) => None,
            Err(e) => return Err(e),
        };
        let received_at: Option<String> =
            sqlx::query_scalar("SELECT received_at FROM outbox WHERE petition_id = ?")
                .bind(id)
                .fetch_optional(self.reader())
                .await?
                .flatten();
        let events = sqlx::query(
            "SELECT kind, at, text FROM bureau_events WHERE petition_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(BureauEvent {
                kind: r.try_get("kind")?,
                at: r.try_get("at")?,
                text: r.try_get("text")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(PetitionStatus {
            id: petition.id,
            state: petition.state,
            tracking_code: outbox.as_ref().and_then(|o| o.tracking_code.clone()),
            received_at,
            events,
            outbox,
        })
    }

    // ---- what the engine reads and records -------------------------------------------------

    /// Items with work left, oldest first.
    pub(crate) async fn pending_outbox(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT petition_id FROM outbox WHERE phase IN ('waiting', 'uploading', 'submitting') \
             ORDER BY queued_at, petition_id",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// The earliest time an item waiting for its retry is due (unix ms), if any.
    pub(crate) async fn next_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(COALESCE(next_attempt_at, 0)) FROM outbox \
             WHERE phase IN ('waiting', 'uploading', 'submitting')",
        )
        .fetch_one(self.reader())
        .await?)
    }

    pub(crate) async fn load_work(&self, id: &str) -> Result<Option<Work>> {
        let row: Option<(String, i64, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT phase, attempts, next_attempt_at, error_code FROM outbox WHERE petition_id = ?",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        let Some((phase, attempts, next_attempt_at, error_code)) = row else {
            return Ok(None);
        };
        let files = sqlx::query(
            "SELECT position, sha256, length, media_type, upload_id, complete \
             FROM outbox_files WHERE petition_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(OutboxFile {
                position: r.try_get("position")?,
                sha256: r.try_get("sha256")?,
                length: u64::try_from(r.try_get::<i64, _>("length")?).unwrap_or(0),
                media_type: r.try_get("media_type")?,
                upload_id: r.try_get("upload_id")?,
                complete: r.try_get::<i64, _>("complete")? != 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Work {
            phase: Phase::parse(&phase).unwrap_or(Phase::NeedsAttention),
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            has_error: error_code.is_some(),
            next_attempt_at,
            files,
        }))
    }

    /// Marks the item as uploading (the petition too); `false` if it was withdrawn meanwhile.
    pub(crate) async fn mark_uploading(&self, id: &str) -> Result<bool> {
        let mut tx = self.writer().begin().await?;
        let done = sqlx::query(
            "UPDATE outbox SET phase = 'uploading' WHERE petition_id = ? AND phase IN ('waiting', 'uploading')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE petitions SET state = 'uploading' WHERE id = ? AND state = 'queued'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the submission as about to be sent: from here on it is never withdrawn. `false` if
    /// the item was withdrawn meanwhile.
    pub(crate) async fn mark_submitting(&self, id: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET phase = 'submitting' \
             WHERE petition_id = ? AND phase IN ('waiting', 'uploading', 'submitting')",
        )
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the bureau's upload for a file (a new one starts unsent); the item is uploading
    /// from now on.
    pub(crate) async fn set_upload(
        &self,
        id: &str,
        position: i64,
        upload_id: Option<&str>,
        sent: u64,
        complete: bool,
    ) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query(
            "UPDATE outbox_files SET upload_id = ?, sent = ?, complete = ? \
             WHERE petition_id = ? AND position = ?",
        )
        .bind(upload_id)
        .bind(i64::try_from(sent).unwrap_or(i64::MAX))
        .bind(i64::from(complete))
        .bind(id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        if upload_id.is_some() {
            sqlx::query(
                "UPDATE outbox SET phase = 'uploading' WHERE petition_id = ? AND phase = 'waiting'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE petitions SET state = 'uploading' WHERE id = ? AND state = 'queued'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored bytes of an attachment, opened (and so authenticated) but not hashed: the
    /// bureau checks the SHA-256 of what it receives, and a mismatch sends the engine to
    /// [`Store::attachment_bytes`], which checks.
    pub(crate) async fn attachment_raw(&self, sha256: &str) -> Result<Vec<u8>> {
        use crate::attachment::{AttachmentError, read_sealed};
        let dir = self.dir().join(crate::attachment::ATTACHMENT_DIR);
        let files = self.file_cipher();
        let sha = sha256.to_owned();
        tokio::task::spawn_blocking(move || {
            read_sealed(&files, &dir, crate::crypto::FileKind::Attachment, &sha)?.ok_or_else(|| {
                AttachmentError::Storage(std::io::Error::from(std::io::ErrorKind::NotFound))
            })
        })
        .await
        .map_err(|e| AttachmentError::Storage(std::io::Error::other(e)))?
        .map_err(Into::into)
    }

    /// Records what the bureau holds of a file's upload.
    pub(crate) async fn set_sent(
        &self,
        id: &str,
        position: i64,
        sent: u64,
        complete: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox_files SET sent = ?, complete = ? WHERE petition_id = ? AND position = ?",
        )
        .bind(i64::try_from(sent).unwrap_or(i64::MAX))
        .bind(i64::from(complete))
        .bind(id)
        .bind(position)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The bureau does not hold every attachment: check each again, and allow withdrawal again
    /// (the bureau stored nothing of this submission).
    pub(crate) async fn reset_uploads(&self, id: &str) -> Result<()> {
        let mut tx = self.writer().begin().await?;
        sqlx::query("UPDATE outbox_files SET complete = 0 WHERE petition_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE outbox SET phase = 'uploading' WHERE petition_id = ? AND tracking_code IS NULL",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A failure to retry later.
    pub(crate) async fn record_retry(
        &self,
        id: &str,
        error: &ErrorView,
        next_attempt_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, error_code = ?, \
             error_message = ? WHERE petition_id = ? AND tracking_code IS NULL",
        )
        .bind(next_attempt_at)
        .bind(&error.code)
        .bind(&error.message)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Every pending item waits for the bureau (unreachable, or a captive portal answered).
    pub(crate) async fn record_unreachable(
        &self,
        error: &ErrorView,
        next_attempt_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET next_attempt_at = ?, error_code = ?, error_message = ? \
             WHERE phase IN ('waiting', 'uploading', 'submitting')",
        )
        .bind(next_attempt_at)
        .bind(&error.code)
        .bind(&error.message)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// A step succeeded: the failure streak is over.
    pub(crate) async fn clear_failure(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = 0, next_attempt_at = NULL, error_code = NULL, \
             error_message = NULL WHERE petition_id = ? AND error_code IS NOT NULL",
        )
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// The bureau refused for good: the item waits for the citizen.
    pub(crate) async fn record_stop(&self, id: &str, error: &ErrorView) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET phase = 'needs_attention', next_attempt_at = NULL, error_code = ?, \
             error_message = ? WHERE petition_id = ? AND tracking_code IS NULL",
        )
        .bind(&error.code)
        .bind(&error.message)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Stores a receipt and moves the petition to `submitted`, in one transaction.
    pub(crate) async fn record_receipt(&self, id: &str, receipt: &Receipt) -> Result<()> {
        let json = serde_json::to_string(receipt)
            .map_err(|e| Error::Database(sqlx::Error::Encode(e.into())))?;
        let mut tx = self.writer().begin().await?;
        sqlx::query(
            "UPDATE outbox SET phase = 'delivered', tracking_code = ?, received_at = ?, receipt = ?, \
             bureau_status = COALESCE(bureau_status, ?), attempts = 0, next_attempt_at = NULL, \
             error_code = NULL, error_message = NULL, receipt_stored_at = ? \
             WHERE petition_id = ? AND tracking_code IS NULL",
        )
        .bind(&receipt.tracking_code)
        .bind(&receipt.received_at)
        .bind(&json)
        .bind(receipt.status.as_str())
        .bind(crate::store::now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE petitions SET state = 'submitted' WHERE id = ? AND state IN ('queued', 'uploading')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(petition = %id, "receipt stored");
        Ok(())
    }

    /// Stores what a status pull says of one petition; `None` when it is not one of ours or
    /// nothing changed.
    pub(crate) async fn record_remote(&self, view: &PetitionView) -> Result<Option<RemoteChange>> {
        let id = &view.petition_id;
        let mut tx = self.writer().begin().await?;
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT tracking_code, bureau_status FROM outbox WHERE petition_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((local_code, local_status)) = row else {
            return Ok(None);
        };
        if local_code
            .as_deref()
            .is_some_and(|c| c != view.tracking_code)
        {
            // Not the petition we delivered under this id: leave ours alone.
            return Ok(None);
        }
        let known: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM bureau_events WHERE petition_id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let known = usize::try_from(known).unwrap_or(0);
        let new_events: Vec<BureauEvent> = view
            .events
            .iter()
            .skip(known)
            .map(|e| BureauEvent {
                kind: e.kind.as_str().to_owned(),
                at: e.at.clone(),
                text: e.text.clone(),
            })
            .collect();
        for (i, e) in new_events.iter().enumerate() {
            sqlx::query(
                "INSERT INTO bureau_events (petition_id, position, kind, at, text) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(i64::try_from(known + i).unwrap_or(i64::MAX))
            .bind(&e.kind)
            .bind(&e.at)
            .bind(&e.text)
            .execute(&mut *tx)
            .await?;
        }
        let delivered_now = local_code.is_none();
        let status_changed = local_status.as_deref() != Some(view.status.as_str());
        sqlx::query(
            "UPDATE outbox SET phase = 'delivered', tracking_code = ?, \
             received_at = COALESCE(received_at, ?), bureau_status = ?, bureau_updated = ?, \
             next_attempt_at = NULL, error_code = NULL, error_message = NULL, \
             receipt_stored_at = COALESCE(receipt_stored_at, ?) WHERE petition_id = ?",
        )
        .bind(&view.tracking_code)
        .bind(&view.received_at)
        .bind(view.status.as_str())
        .bind(&view.updated_at)
        .bind(crate::store::now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let state = state_of_status(view.status);
        sqlx::query("UPDATE petitions SET state = ? WHERE id = ?")
            .bind(state.key())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if !status_changed && new_events.is_empty() && !delivered_now {
            return Ok(None);
        }
        let notable = (status_changed && view.status != Status::Submitted)
            || new_events.iter().any(|e| e.kind != "submitted");
        Ok(Some(RemoteChange {
            id: id.clone(),
            tracking_code: view.tracking_code.clone(),
            state,
            new_events,
            notable,
            delivered_now,
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Field;

    pub(crate) fn complete_values() -> Vec<(Field, String)> {
        [
            (Field::Name, "王丽"),
            (Field::IdNumber, "11010519491231002X"),
            (Field::Phone, "13912345678"),
            (Field::Address, "西安市雁塔区小寨东路 1 号"),
            (Field::Region, "610113"),
            (Field::Category, "城乡建设"),
            (Field::Purpose, "complaint"),
            (Field::Title, "小区门前道路破损"),
            (Field::Request, "请尽快修复道路。"),
            (Field::Facts, "道路破损已三个月。"),
        ]
        .into_iter()
        .map(|(f, v)| (f, v.to_owned()))
        .collect()
    }

    #[tokio::test]
    async fn submitting_freezes_the_draft_and_withdrawing_thaws_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let p = store.create_draft(&complete_values()).await.expect("draft");
        let item = store.submit(&p.id).await.expect("submit");
        assert_eq!(item.state, ItemState::WaitingForNetwork);
        assert_eq!(item.tracking_code, None);
        assert_eq!(store.get(&p.id).await.expect("get").state, State::Queued);
        assert_eq!(
            store
                .update_field(&p.id, Field::Title, "改")
                .await
                .expect_err("frozen")
                .code(),
            "not_editable"
        );
        assert_eq!(
            store.trash(&p.id).await.expect_err("no trash").code(),
            "not_editable"
        );
        assert_eq!(
            store.submit(&p.id).await.expect_err("twice").code(),
            "not_editable"
        );
        assert_eq!(store.outbox().await.expect("outbox").len(), 1);
        store.withdraw(&p.id).await.expect("withdraw");
        assert_eq!(store.get(&p.id).await.expect("get").state, State::Draft);
        assert!(store.outbox().await.expect("outbox").is_empty());
        store
            .update_field(&p.id, Field::Title, "小区门前道路破损严重")
            .await
            .expect("editable again");
        assert_eq!(
            store.withdraw(&p.id).await.expect_err("not queued").code(),
            "not_queued"
        );
    }

    /// A backoff ends at "sync now" or a change of network; the kiosk administrator's "sync now"
    /// also takes back the items that need attention. A certificate failure shows as "cannot
    /// connect", not "waiting for the network".
    #[tokio::test]
    async fn due_now_ends_backoffs_and_retry_all_takes_back_stopped_items() {
        use super::super::engine::network_error;
        use super::super::plan::NetworkKind;
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let waiting = store.create_draft(&complete_values()).await.expect("draft");
        let stopped = store.create_draft(&complete_values()).await.expect("draft");
        store.submit(&waiting.id).await.expect("submit");
        store.submit(&stopped.id).await.expect("submit");
        let (code, zh, en) = network_error(NetworkKind::Certificate);
        let error = ErrorView {
            code: code.to_owned(),
            message: format!("{zh} / {en}"),
        };
        let in_an_hour = now_ms() + 3_600_000;
        store
            .record_unreachable(&error, in_an_hour)
            .await
            .expect("unreachable");
        let item = store.outbox_item(&waiting.id).await.expect("item");
        assert_eq!(item.state, ItemState::CannotConnect);
        assert!(item.next_attempt_at.is_some());
        store
            .record_stop(
                &stopped.id,
                &ErrorView {
                    code: "validation_failed".into(),
                    message: String::new(),
                },
            )
            .await
            .expect("stop");
        assert_eq!(store.next_due().await.expect("due"), Some(in_an_hour));

        assert_eq!(store.due_now().await.expect("due now"), 1);
        assert_eq!(store.next_due().await.expect("due"), Some(0));
        assert_eq!(
            store.outbox_item(&stopped.id).await.expect("item").state,
            ItemState::NeedsAttention
        );
        assert_eq!(store.retry_all_undelivered().await.expect("retry all"), 2);
        for id in [&waiting.id, &stopped.id] {
            let item = store.outbox_item(id).await.expect("item");
            assert_eq!(item.state, ItemState::WaitingForNetwork);
            assert!(item.error.is_none());
        }
    }

    #[tokio::test]
    async fn an_incomplete_draft_is_refused_with_its_problems() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let p = store
            .create_draft(&[(Field::Title, "路灯不亮".into())])
            .await
            .expect("draft");
        let err = store.submit(&p.id).await.expect_err("incomplete");
        assert_eq!(err.code(), "not_ready");
        assert!(err.message(crate::i18n::Lang::En).contains("Name"));
        assert_eq!(store.get(&p.id).await.expect("get").state, State::Draft);
    }

    #[tokio::test]
    async fn a_sent_submission_cannot_be_withdrawn() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let p = store.create_draft(&complete_values()).await.expect("draft");
        store.submit(&p.id).await.expect("submit");
        assert!(store.mark_submitting(&p.id).await.expect("mark"));
        assert_eq!(
            store.withdraw(&p.id).await.expect_err("sent").code(),
            "already_sent"
        );
        assert_eq!(
            store.outbox_item(&p.id).await.expect("item").state,
            ItemState::Submitting
        );
    }

    #[test]
    fn bureau_urls_are_https_or_loopback_http() {
        assert_eq!(
            check_bureau_url("https://xf.example.gov.cn/").expect("https"),
            "https://xf.example.gov.cn"
        );
        assert!(check_bureau_url("http://127.0.0.1:8600").is_ok());
        assert!(check_bureau_url("http://localhost:8600").is_ok());
        assert!(check_bureau_url("http://[::1]:8600").is_ok());
        assert!(check_bureau_url("http://xf.example.gov.cn").is_err());
        assert!(check_bureau_url("ftp://127.0.0.1").is_err());
        assert!(check_bureau_url("https://user:pw@xf.example.gov.cn").is_err());
        assert!(check_bureau_url("not a url").is_err());
    }
}
