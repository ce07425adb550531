//! The wallet without a network: a 查询码 and mobile number typed while the bureau cannot be
//! reached wait in `outbox_lookups` (migration 0014) and are put to the bureau when it can be,
//! in the order they were made. The citizen gets a local id at once; once the bureau has found
//! the petition, that id stands for it (`petitionctl status ID` and the rest take it), and a
//! pair the bureau does not know keeps the bureau's answer for the citizen to read.
//!
//! Asking again is harmless: `POST /v1/petitions/track` changes nothing at the bureau, so a
//! lookup whose answer was lost is simply asked again.

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::outbox::{Outbox, now_ms};
use super::{ErrorView, SyncError};
use crate::error::{Error, Result};
use crate::store::rfc3339;

/// Where a lookup stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LookupState {
    /// Not asked yet, or asked without an answer: it goes when the bureau is reachable.
    Waiting,
    /// The bureau found the petition; it is in the outbox now.
    Found,
    /// The bureau did not take the pair; `error` says why.
    Refused,
}

/// A lookup as the outbox shows it (the mobile number is not shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Lookup {
    /// The local id the citizen was given.
    pub key: String,
    pub tracking_code: String,
    pub state: LookupState,
    /// The petition found, once it is.
    pub petition_id: Option<String>,
    /// When the citizen typed it (RFC 3339).
    pub queued_at: String,
    /// The bureau's refusal, or the last failure to reach it.
    pub error: Option<ErrorView>,
}

/// A waiting lookup, as the engine sends it.
#[derive(Debug, Clone)]
pub(crate) struct WaitingLookup {
    pub key: String,
    pub tracking_code: String,
    pub phone: String,
}

const LOOKUP_SELECT: &str = "SELECT key, tracking_code, state, petition_id, queued_at, \
     error_code, error_message FROM outbox_lookups";

/// The lookups of the account signed in.
const OF_THIS_ACCOUNT: &str = "account = (SELECT value FROM settings WHERE key = 'account.phone')";

fn lookup_from_row(row: &SqliteRow) -> Result<Lookup> {
    let state: String = row.try_get("state")?;
    let error = ErrorView::from_row(row)?;
    Ok(Lookup {
        key: row.try_get("key")?,
        tracking_code: row.try_get("tracking_code")?,
        state: match state.as_str() {
            "waiting" => LookupState::Waiting,
            "found" => LookupState::Found,
            "refused" => LookupState::Refused,
            _ => {
                return Err(Error::Database(sqlx::Error::Decode(
                    format!("unknown lookup state `{state}`").into(),
                )));
            }
        },
        petition_id: row.try_get("petition_id")?,
        queued_at: rfc3339(row.try_get("queued_at")?),
        error,
    })
}

impl Outbox<'_> {
    /// Keeps a lookup to put to the bureau when it can be reached; the same 查询码 typed again
    /// while it waits is the same lookup. `code` and `phone` are checked already.
    pub(crate) async fn queue_lookup(
        &self,
        account: &str,
        code: &str,
        phone: &str,
    ) -> Result<Lookup> {
        let mut tx = self.store.writer().begin().await?;
        let waiting: Option<String> = sqlx::query_scalar(
            "SELECT key FROM outbox_lookups WHERE account = ? AND tracking_code = ? \
             AND state = 'waiting'",
        )
        .bind(account)
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?;
        let key = match waiting {
            Some(key) => {
                // The number typed last is the one to ask with.
                sqlx::query("UPDATE outbox_lookups SET phone = ? WHERE key = ?")
                    .bind(phone)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                key
            }
            None => {
                let key = uuid::Uuid::new_v4().hyphenated().to_string();
                sqlx::query(
                    "INSERT INTO outbox_lookups (key, account, tracking_code, phone, queued_at) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&key)
                .bind(account)
                .bind(code)
                .bind(phone)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                key
            }
        };
        tx.commit().await?;
        tracing::info!(lookup = %key, "a 查询码 waits to be looked up");
        self.lookup(&key).await
    }

    /// One lookup, by its key.
    pub async fn lookup(&self, key: &str) -> Result<Lookup> {
        let row = sqlx::query(&format!("{LOOKUP_SELECT} WHERE key = ?"))
            .bind(key)
            .fetch_optional(self.store.reader())
            .await?
            .ok_or(Error::NotFound)?;
        lookup_from_row(&row)
    }

    /// The account's lookups that are not found (yet): waiting, or refused with the bureau's
    /// reason; oldest first.
    pub async fn lookups(&self) -> Result<Vec<Lookup>> {
        sqlx::query(&format!(
            "{LOOKUP_SELECT} WHERE state != 'found' AND {OF_THIS_ACCOUNT} ORDER BY seq"
        ))
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(lookup_from_row)
        .collect()
    }

    /// Forgets a lookup that waits or was refused (the citizen gives it up, or will type it
    /// again). A found one stays: its key stands for the petition.
    pub async fn forget_lookup(&self, key: &str) -> Result<()> {
        let gone = sqlx::query(&format!(
            "DELETE FROM outbox_lookups WHERE key = ? AND state != 'found' AND {OF_THIS_ACCOUNT}"
        ))
        .bind(key)
        .execute(self.store.writer())
        .await?
        .rows_affected();
        if gone == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// The waiting lookups of the account signed in, in the order made.
    pub(crate) async fn waiting_lookups(&self) -> Result<Vec<WaitingLookup>> {
        sqlx::query(&format!(
            "SELECT key, tracking_code, phone FROM outbox_lookups \
             WHERE state = 'waiting' AND {OF_THIS_ACCOUNT} ORDER BY seq"
        ))
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|row| {
            Ok(WaitingLookup {
                key: row.try_get("key")?,
                tracking_code: row.try_get("tracking_code")?,
                phone: row.try_get("phone")?,
            })
        })
        .collect()
    }

    /// The bureau found the petition (`Ok(id)`) or refused the pair for good (`Err`).
    pub(crate) async fn record_lookup_done(
        &self,
        key: &str,
        answer: std::result::Result<&str, &ErrorView>,
    ) -> Result<()> {
        let (state, id, error) = match answer {
            Ok(id) => ("found", Some(id), None),
            Err(error) => ("refused", None, Some(error)),
        };
        sqlx::query(
            "UPDATE outbox_lookups SET state = ?, petition_id = ?, done_at = ?, error_code = ?, \
             error_message = ? WHERE key = ? AND state = 'waiting'",
        )
        .bind(state)
        .bind(id)
        .bind(now_ms())
        .bind(error.map(|e| e.code.as_str()))
        .bind(error.map(|e| e.message.as_str()))
        .bind(key)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// The lookup could not be asked now (no network, a busy bureau): it waits, with why.
    pub(crate) async fn record_lookup_failure(&self, key: &str, error: &ErrorView) -> Result<()> {
        sqlx::query(
            "UPDATE outbox_lookups SET attempts = attempts + 1, error_code = ?, \
             error_message = ? WHERE key = ? AND state = 'waiting'",
        )
        .bind(&error.code)
        .bind(&error.message)
        .bind(key)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// What a local id beginning `prefix` stands for when it is a lookup's: the petition found
    /// (`Ok(Some(id))`), none such (`Ok(None)`), or why there is no petition for it yet.
    pub(crate) async fn resolve_lookup(&self, prefix: &str) -> Result<Option<String>> {
        let rows = sqlx::query(&format!(
            "{LOOKUP_SELECT} WHERE substr(key, 1, ?) = ? LIMIT 2"
        ))
        .bind(prefix.len() as i64)
        .bind(prefix.to_ascii_lowercase())
        .fetch_all(self.store.reader())
        .await?;
        let lookup = match rows.as_slice() {
            [] => return Ok(None),
            [one] => lookup_from_row(one)?,
            _ => return Err(Error::AmbiguousId),
        };
        match (lookup.state, lookup.petition_id, lookup.error) {
            (LookupState::Found, Some(id), _) => Ok(Some(id)),
            (LookupState::Refused, _, Some(error)) => Err(SyncError::LookupRefused {
                code: error.code,
                message: error.message,
            }
            .into()),
            _ => Err(SyncError::LookupWaiting.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    async fn signed_in(store: &Store, phone: &str) {
        store
            .settings()
            .set(super::super::account::ACCOUNT_PHONE_SETTING, phone)
            .await
            .expect("account");
    }

    #[tokio::test]
    async fn a_lookup_waits_then_stands_for_the_petition_found() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        signed_in(&store, "13800138000").await;
        let outbox = store.outbox();
        let first = outbox
            .queue_lookup("13800138000", "XF-2345-6789-ABCD-EFGH", "13900139000")
            .await
            .expect("queued");
        let again = outbox
            .queue_lookup("13800138000", "XF-2345-6789-ABCD-EFGH", "13700137000")
            .await
            .expect("queued again");
        assert_eq!(
            first.key, again.key,
            "the same 查询码 waiting is one lookup"
        );
        let other = outbox
            .queue_lookup("13800138000", "XF-3456-789A-BCDE-FGHJ", "13900139000")
            .await
            .expect("another");
        let waiting = outbox.waiting_lookups().await.expect("waiting");
        assert_eq!(
            waiting.iter().map(|l| l.key.as_str()).collect::<Vec<_>>(),
            [first.key.as_str(), other.key.as_str()],
            "in the order made"
        );
        assert_eq!(waiting[0].phone, "13700137000", "the number typed last");
        assert_eq!(
            outbox
                .resolve_lookup(&first.key[..8])
                .await
                .expect_err("waits")
                .code(),
            "lookup_waiting"
        );
        assert_eq!(outbox.resolve_lookup("ffffffff").await.expect("none"), None);

        let lost = ErrorView {
            code: "bureau_unreachable".into(),
            message: String::new(),
        };
        outbox
            .record_lookup_failure(&first.key, &lost)
            .await
            .expect("failure");
        assert_eq!(
            outbox.lookup(&first.key).await.expect("one").state,
            LookupState::Waiting
        );
        let id = "0b6f1f0e-7f6b-4c3e-9c53-2f3c1d2e4a5b";
        outbox
            .record_lookup_done(&first.key, Ok(id))
            .await
            .expect("found");
        let not_found = ErrorView {
            code: "petition_not_found".into(),
            message: "没有找到 / Not found".into(),
        };
        outbox
            .record_lookup_done(&other.key, Err(&not_found))
            .await
            .expect("refused");
        // Done is done: a late answer to an earlier try changes nothing.
        outbox
            .record_lookup_done(&other.key, Ok(id))
            .await
            .expect("again");
        assert_eq!(
            outbox.resolve_lookup(&first.key).await.expect("found"),
            Some(id.to_owned())
        );
        let refused = outbox
            .resolve_lookup(&other.key)
            .await
            .expect_err("refused");
        assert_eq!(refused.code(), "lookup_refused");
        assert!(
            refused.message(crate::i18n::Lang::En).contains("Not found"),
            "{}",
            refused.message(crate::i18n::Lang::En)
        );
        assert!(outbox.waiting_lookups().await.expect("none").is_empty());
        assert_eq!(
            outbox
                .lookups()
                .await
                .expect("shown")
                .iter()
                .map(|l| l.state)
                .collect::<Vec<_>>(),
            [LookupState::Refused],
            "the found one is in the outbox itself"
        );

        // Another account does not see this one's lookups, nor forget them.
        signed_in(&store, "13600136000").await;
        assert!(outbox.lookups().await.expect("none").is_empty());
        assert!(outbox.forget_lookup(&other.key).await.is_err());
        signed_in(&store, "13800138000").await;
        outbox.forget_lookup(&other.key).await.expect("forgotten");
        assert!(
            outbox.forget_lookup(&first.key).await.is_err(),
            "found stays"
        );
        assert_eq!(
            outbox.resolve_lookup(&first.key).await.expect("found"),
            Some(id.to_owned())
        );
    }
}
