//! The outbox room: submitted petitions on their way to the bureau (`outbox`, one row per
//! petition, `outbox_files`, one per attachment) and what the bureau said of them
//! (`bureau_events`). Here: queuing, withdrawing, the retries a citizen asks for and the views;
//! [`delivery`] holds what the engine reads and records as it works.
//!
//! Every write goes through the single writer; a petition leaves `draft` in the same transaction
//! that writes its outbox row, and the receipt is stored in the same transaction that moves it to
//! `submitted`. Outbox rows are never deleted after that.

pub(crate) mod delivery;
pub mod similar;

use petition_api::{DueDates, Status};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use super::plan::Phase;
use super::{BureauEvent, Due, ErrorView, ItemState, OutboxItem, PetitionStatus, SyncError};
use crate::error::{Error, Result};
use crate::model::State;
use crate::store::{Store, rfc3339};

pub(crate) use delivery::Work;
pub use similar::SimilarPetition;

pub(crate) fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

const ITEM_SELECT: &str = "SELECT o.petition_id, p.title, o.phase, o.error_code, o.error_message, \
     o.next_attempt_at, o.tracking_code, o.queued_at, \
     (SELECT COALESCE(SUM(sent), 0) FROM outbox_files f WHERE f.petition_id = o.petition_id) AS bytes_sent, \
     (SELECT COALESCE(SUM(length), 0) FROM outbox_files f WHERE f.petition_id = o.petition_id) AS bytes_total, \
     (SELECT COUNT(*) FROM outbox_files f WHERE f.petition_id = o.petition_id AND complete = 1) AS files_sent, \
     (SELECT COUNT(*) FROM outbox_files f WHERE f.petition_id = o.petition_id) AS files_total \
     FROM outbox o JOIN petitions p ON p.id = o.petition_id";

/// Outbox rows of the account signed in now, or of none (see migration 0011): what the outbox
/// shows and the engine works on. Another account's stay for when it signs in again.
pub(crate) const OF_THIS_ACCOUNT: &str = "(o.account IS NULL OR o.account = \
     (SELECT value FROM settings WHERE key = 'account.phone'))";

fn item_from_row(row: &SqliteRow) -> Result<OutboxItem> {
    let phase: String = row.try_get("phase")?;
    let phase = Phase::parse(&phase).ok_or_else(|| {
        Error::Database(sqlx::Error::Decode(
            format!("unknown outbox phase `{phase}`").into(),
        ))
    })?;
    let error = ErrorView::from_row(row)?;
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

/// The outbox room of a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Outbox<'a> {
    pub(in crate::sync) store: &'a Store,
}

impl<'a> Outbox<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Outbox { store }
    }

    /// Submits a draft: checks it, freezes it (`queued`) and writes its outbox row in one
    /// transaction. It goes out when the engine next reaches the bureau.
    pub async fn submit(&self, id: &str) -> Result<OutboxItem> {
        // Read first: any save after this moment makes the freeze below fail.
        let checked_at: Option<i64> =
            sqlx::query_scalar("SELECT updated_at FROM petitions WHERE id = ?")
                .bind(id)
                .fetch_optional(self.store.reader())
                .await?;
        let checked_at = checked_at.ok_or(Error::NotFound)?;
        let petition = self.store.drafts().get(id).await?;
        if petition.state != State::Draft || petition.trashed_at.is_some() {
            return Err(Error::NotEditable);
        }
        let problems = self.store.drafts().check_petition(&petition).await?;
        if !problems.is_empty() {
            return Err(SyncError::NotReady(problems).into());
        }
        let attachments = self.store.attachments().list(id).await?;
        let now = now_ms();
        let mut tx = self.store.writer().begin().await?;
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
        // It goes out under the account signed in now (none: whoever signs in next).
        sqlx::query(
            "INSERT INTO outbox (petition_id, queued_at, account) \
             VALUES (?, ?, (SELECT value FROM settings WHERE key = 'account.phone'))",
        )
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
        self.item(id).await
    }

    /// Takes a queued petition back to a draft, as long as its submission has not been sent.
    pub async fn withdraw(&self, id: &str) -> Result<()> {
        let mut tx = self.store.writer().begin().await?;
        let row: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT phase, tracking_code FROM outbox WHERE petition_id = ?")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match row {
            None => {
                drop(tx);
                self.store.drafts().get(id).await?;
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

    /// Makes every item that backs off (the network was gone, the bureau busy) due now; items
    /// that need the citizen stay as they are. What "sync now" and a change of network do.
    /// Returns how many items were waiting.
    pub async fn due_now(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET next_attempt_at = NULL \
             WHERE phase IN ('waiting', 'uploading', 'submitting') AND next_attempt_at IS NOT NULL",
        )
        .execute(self.store.writer())
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
        .execute(self.store.writer())
        .await?;
        tracing::info!(
            items = done.rows_affected(),
            "every undelivered item tried again"
        );
        Ok(done.rows_affected())
    }

    /// Lets an item that needs attention (or is backing off) be tried again now.
    pub async fn retry(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE outbox SET phase = CASE phase WHEN 'needs_attention' THEN 'waiting' ELSE phase END, \
             attempts = 0, next_attempt_at = NULL, error_code = NULL, error_message = NULL \
             WHERE petition_id = ? AND tracking_code IS NULL",
        )
        .bind(id)
        .execute(self.store.writer())
        .await?;
        if done.rows_affected() == 0 {
            self.store.drafts().get(id).await?;
            return Err(SyncError::NotQueued.into());
        }
        Ok(())
    }

    /// Every outbox item, newest first (delivered ones stay, with their tracking codes).
    pub async fn list(&self) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE {OF_THIS_ACCOUNT} ORDER BY o.queued_at DESC, o.petition_id"
        ))
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// One outbox item.
    pub async fn item(&self, id: &str) -> Result<OutboxItem> {
        let row = sqlx::query(&format!("{ITEM_SELECT} WHERE o.petition_id = ?"))
            .bind(id)
            .fetch_optional(self.store.reader())
            .await?;
        match row {
            Some(row) => item_from_row(&row),
            None => {
                self.store.drafts().get(id).await?;
                Err(SyncError::NotQueued.into())
            }
        }
    }

    /// Where a petition stands: its state, tracking code, and the bureau's events.
    pub async fn petition_status(&self, id: &str) -> Result<PetitionStatus> {
        let petition = self.store.drafts().get(id).await?;
        let outbox = match self.item(id).await {
            Ok(item) => Some(item),
            Err(Error::Sync(SyncError::NotQueued)) => None,
            Err(e) => return Err(e),
        };
        let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT received_at, bureau_status, bureau_due FROM outbox WHERE petition_id = ?",
        )
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        let (received_at, bureau_status, bureau_due) = row.unwrap_or_default();
        let due = match (
            bureau_status.as_deref().and_then(Status::parse),
            bureau_due.and_then(|j| serde_json::from_str::<DueDates>(&j).ok()),
        ) {
            (Some(status), Some(dates)) => Due::today(status, &dates),
            _ => Due::default(),
        };
        let events = sqlx::query(
            "SELECT kind, at, text FROM bureau_events WHERE petition_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.store.reader())
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
            due,
            steps: self.steps(id).await?,
        })
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
        let p = store
            .drafts()
            .create(&complete_values())
            .await
            .expect("draft");
        let item = store.outbox().submit(&p.id).await.expect("submit");
        assert_eq!(item.state, ItemState::WaitingForNetwork);
        assert_eq!(item.tracking_code, None);
        assert_eq!(
            store.drafts().get(&p.id).await.expect("get").state,
            State::Queued
        );
        assert_eq!(
            store
                .drafts()
                .update_field(&p.id, Field::Title, "改")
                .await
                .expect_err("frozen")
                .code(),
            "not_editable"
        );
        assert_eq!(
            store
                .drafts()
                .trash(&p.id)
                .await
                .expect_err("no trash")
                .code(),
            "not_editable"
        );
        assert_eq!(
            store
                .outbox()
                .submit(&p.id)
                .await
                .expect_err("twice")
                .code(),
            "not_editable"
        );
        assert_eq!(store.outbox().list().await.expect("outbox").len(), 1);
        store.outbox().withdraw(&p.id).await.expect("withdraw");
        assert_eq!(
            store.drafts().get(&p.id).await.expect("get").state,
            State::Draft
        );
        assert!(store.outbox().list().await.expect("outbox").is_empty());
        store
            .drafts()
            .update_field(&p.id, Field::Title, "小区门前道路破损严重")
            .await
            .expect("editable again");
        assert_eq!(
            store
                .outbox()
                .withdraw(&p.id)
                .await
                .expect_err("not queued")
                .code(),
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
        let waiting = store
            .drafts()
            .create(&complete_values())
            .await
            .expect("draft");
        let stopped = store
            .drafts()
            .create(&complete_values())
            .await
            .expect("draft");
        store.outbox().submit(&waiting.id).await.expect("submit");
        store.outbox().submit(&stopped.id).await.expect("submit");
        let code = network_error(NetworkKind::Certificate);
        let error = ErrorView {
            code: code.to_owned(),
            message: crate::i18n::bilingual(code, &[]),
        };
        let in_an_hour = now_ms() + 3_600_000;
        store
            .outbox()
            .record_unreachable(&error, in_an_hour)
            .await
            .expect("unreachable");
        let item = store.outbox().item(&waiting.id).await.expect("item");
        assert_eq!(item.state, ItemState::CannotConnect);
        assert!(item.next_attempt_at.is_some());
        store
            .outbox()
            .record_stop(
                &stopped.id,
                &ErrorView {
                    code: "validation_failed".into(),
                    message: String::new(),
                },
            )
            .await
            .expect("stop");
        assert_eq!(
            store.outbox().next_due().await.expect("due"),
            Some(in_an_hour)
        );

        assert_eq!(store.outbox().due_now().await.expect("due now"), 1);
        assert_eq!(store.outbox().next_due().await.expect("due"), Some(0));
        assert_eq!(
            store.outbox().item(&stopped.id).await.expect("item").state,
            ItemState::NeedsAttention
        );
        assert_eq!(
            store
                .outbox()
                .retry_all_undelivered()
                .await
                .expect("retry all"),
            2
        );
        for id in [&waiting.id, &stopped.id] {
            let item = store.outbox().item(id).await.expect("item");
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
            .drafts()
            .create(&[(Field::Title, "路灯不亮".into())])
            .await
            .expect("draft");
        let err = store.outbox().submit(&p.id).await.expect_err("incomplete");
        assert_eq!(err.code(), "not_ready");
        assert!(err.message(crate::i18n::Lang::En).contains("Name"));
        assert_eq!(
            store.drafts().get(&p.id).await.expect("get").state,
            State::Draft
        );
    }

    #[tokio::test]
    async fn a_sent_submission_cannot_be_withdrawn() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let p = store
            .drafts()
            .create(&complete_values())
            .await
            .expect("draft");
        store.outbox().submit(&p.id).await.expect("submit");
        assert!(store.outbox().mark_submitting(&p.id).await.expect("mark"));
        assert_eq!(
            store
                .outbox()
                .withdraw(&p.id)
                .await
                .expect_err("sent")
                .code(),
            "already_sent"
        );
        assert_eq!(
            store.outbox().item(&p.id).await.expect("item").state,
            ItemState::Submitting
        );
    }
}
