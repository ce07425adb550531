//! What the engine reads and records of the outbox as it works an item: the work left, each
//! step's mark (uploading, submitting), the bytes the bureau holds, failures and their retries,
//! the receipt, and what a status pull brings back.

use petition_api::{PetitionView, Receipt, Status};
use sqlx::Row;

use super::{OF_THIS_ACCOUNT, Outbox, now_ms};
use crate::error::{Error, Result};
use crate::model::State;
use crate::sync::account::ACCOUNT_PHONE_SETTING;
use crate::sync::plan::Phase;
use crate::sync::{BureauEvent, ErrorView};
use crate::validate::Problem;

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
        Status::Reviewed => State::Reviewed,
        Status::RecheckRequested => State::RecheckRequested,
        Status::Rechecked => State::Rechecked,
        Status::Closed => State::Closed,
    }
}

impl Outbox<'_> {
    /// Items with work left, oldest first.
    pub(crate) async fn pending(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT petition_id FROM outbox o \
             WHERE phase IN ('waiting', 'uploading', 'submitting') AND {OF_THIS_ACCOUNT} \
             ORDER BY queued_at, petition_id"
        ))
        .fetch_all(self.store.reader())
        .await?)
    }

    /// The earliest time an item waiting for its retry is due (unix ms), if any.
    pub(crate) async fn next_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT MIN(COALESCE(next_attempt_at, 0)) FROM outbox o \
             WHERE phase IN ('waiting', 'uploading', 'submitting') AND {OF_THIS_ACCOUNT}"
        ))
        .fetch_one(self.store.reader())
        .await?)
    }

    pub(crate) async fn load_work(&self, id: &str) -> Result<Option<Work>> {
        let row: Option<(String, i64, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT phase, attempts, next_attempt_at, error_code FROM outbox WHERE petition_id = ?",
        )
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        let Some((phase, attempts, next_attempt_at, error_code)) = row else {
            return Ok(None);
        };
        let files = sqlx::query(
            "SELECT position, sha256, length, media_type, upload_id, complete \
             FROM outbox_files WHERE petition_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.store.reader())
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
        let mut tx = self.store.writer().begin().await?;
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
        .execute(self.store.writer())
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
        let mut tx = self.store.writer().begin().await?;
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
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// The bureau does not hold every attachment: check each again, and allow withdrawal again
    /// (the bureau stored nothing of this submission).
    pub(crate) async fn reset_uploads(&self, id: &str) -> Result<()> {
        let mut tx = self.store.writer().begin().await?;
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
        .execute(self.store.writer())
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
        .execute(self.store.writer())
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
        .execute(self.store.writer())
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
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// Sends a petition the bureau refused for a field the citizen must choose again back to the
    /// drafts, that field marked ([`crate::store::Drafts::returned`]), in one transaction: its
    /// outbox row goes (the bureau holds nothing under its id, so the same id is submitted
    /// again once corrected). False when it was delivered meanwhile.
    pub(crate) async fn return_to_draft(&self, id: &str, problem: Problem) -> Result<bool> {
        let mut tx = self.store.writer().begin().await?;
        let gone =
            sqlx::query("DELETE FROM outbox WHERE petition_id = ? AND tracking_code IS NULL")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if gone.rows_affected() != 1 {
            return Ok(false);
        }
        let now = now_ms();
        sqlx::query("UPDATE petitions SET state = 'draft', updated_at = ? WHERE id = ?")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT OR REPLACE INTO returned_fields (petition_id, field, code, returned_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(problem.field.key())
        .bind(problem.code.code())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            petition = %id,
            field = problem.field.key(),
            code = problem.code.code(),
            "the bureau sent the petition back to be corrected: it is a draft again"
        );
        Ok(true)
    }

    /// Stores a receipt and moves the petition to `submitted`, in one transaction.
    pub(crate) async fn record_receipt(&self, id: &str, receipt: &Receipt) -> Result<()> {
        let json = serde_json::to_string(receipt)
            .map_err(|e| Error::Database(sqlx::Error::Encode(e.into())))?;
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "UPDATE outbox SET phase = 'delivered', tracking_code = ?, received_at = ?, receipt = ?, \
             bureau_status = COALESCE(bureau_status, ?), attempts = 0, next_attempt_at = NULL, \
             error_code = NULL, error_message = NULL, receipt_stored_at = ?, \
             account = COALESCE(account, (SELECT value FROM settings WHERE key = 'account.phone')) \
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
        let mut tx = self.store.writer().begin().await?;
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT tracking_code, bureau_status FROM outbox WHERE petition_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((local_code, local_status)) = row else {
            drop(tx);
            return self.bring_down(view).await;
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
        let new_events = add_events(&mut tx, id, known, &view.events).await?;
        let delivered_now = local_code.is_none();
        let status_changed = local_status.as_deref() != Some(view.status.as_str());
        sqlx::query(
            "UPDATE outbox SET phase = 'delivered', tracking_code = ?, \
             received_at = COALESCE(received_at, ?), bureau_status = ?, bureau_updated = ?, \
             bureau_due = ?, next_attempt_at = NULL, error_code = NULL, error_message = NULL, \
             receipt_stored_at = COALESCE(receipt_stored_at, ?) WHERE petition_id = ?",
        )
        .bind(&view.tracking_code)
        .bind(&view.received_at)
        .bind(view.status.as_str())
        .bind(&view.updated_at)
        .bind(due_json(view))
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

impl Outbox<'_> {
    /// A petition of the signed-in account that this machine has no copy of (it was written on
    /// another, or at a kiosk and claimed): kept as a delivered one, with what the bureau shows
    /// of it (title, place, category, kind, status, events), under the account. Nothing when no
    /// citizen account is signed in, or a petition with that id is here already (never two).
    async fn bring_down(&self, view: &PetitionView) -> Result<Option<RemoteChange>> {
        let Some(account) = self.store.settings().get(ACCOUNT_PHONE_SETTING).await? else {
            return Ok(None);
        };
        let id = &view.petition_id;
        if uuid::Uuid::parse_str(id).is_err() {
            return Ok(None);
        }
        let state = state_of_status(view.status);
        let now = crate::store::now_ms();
        let received = time::OffsetDateTime::parse(
            &view.received_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(now))
        .unwrap_or(now);
        let mut tx = self.store.writer().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO petitions (id, created_at, updated_at, state, region, category, purpose, \
             title) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(received)
        .bind(received)
        .bind(state.key())
        .bind(&view.region)
        .bind(&view.category)
        .bind(&view.purpose)
        .bind(&view.title)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(None);
        }
        sqlx::query(
            "INSERT OR IGNORE INTO search_stale (seq) SELECT seq FROM petitions WHERE id = ?",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO outbox (petition_id, queued_at, phase, tracking_code, received_at, \
             bureau_status, bureau_updated, bureau_due, receipt_stored_at, account) \
             VALUES (?, ?, 'delivered', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(received)
        .bind(&view.tracking_code)
        .bind(&view.received_at)
        .bind(view.status.as_str())
        .bind(&view.updated_at)
        .bind(due_json(view))
        .bind(now)
        .bind(&account)
        .execute(&mut *tx)
        .await?;
        let events = add_events(&mut tx, id, 0, &view.events).await?;
        tx.commit().await?;
        self.store.drafts().refresh_search().await?;
        tracing::info!(petition = %id, "a petition of the account was brought down from the bureau");
        Ok(Some(RemoteChange {
            id: id.clone(),
            tracking_code: view.tracking_code.clone(),
            state,
            new_events: events,
            notable: false,
            delivered_now: false,
        }))
    }
}

/// The bureau's due dates of a view, as stored.
fn due_json(view: &PetitionView) -> Option<String> {
    serde_json::to_string(&view.due).ok()
}

/// Keeps the bureau's `events` of petition `id` from position `known` on; the ones kept.
async fn add_events(
    tx: &mut sqlx::SqliteConnection,
    id: &str,
    known: usize,
    events: &[petition_api::Event],
) -> Result<Vec<BureauEvent>> {
    let mut added = Vec::new();
    for (position, e) in events.iter().enumerate().skip(known) {
        let event = BureauEvent {
            kind: e.kind.as_str().to_owned(),
            at: e.at.clone(),
            text: e.text.clone(),
        };
        sqlx::query(
            "INSERT INTO bureau_events (petition_id, position, kind, at, text) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&event.kind)
        .bind(&event.at)
        .bind(&event.text)
        .execute(&mut *tx)
        .await?;
        added.push(event);
    }
    Ok(added)
}
