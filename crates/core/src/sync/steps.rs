//! The citizen's steps after delivery (满意度评价, 申请复查, 申请复核, 催办), queued like
//! submissions: made offline, they wait in `outbox_steps` (migration 0013) and go out once, in
//! the order they were made, each under an `Idempotency-Key` of its own, so that a step sent
//! again after its answer was lost changes nothing at the bureau. A step the bureau refuses
//! (too early, too late, done before) keeps the bureau's reason for the citizen to read.

pub use petition_api::Satisfaction;
use petition_api::{EvaluationRequest, ReviewRequest};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::outbox::{OF_THIS_ACCOUNT, now_ms};
use super::{ErrorView, Outbox, SyncError};
use crate::error::{Error, Result};
use crate::store::rfc3339;

/// What a step asks of the bureau.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRequest {
    /// 满意度评价 of the bureau's latest decision.
    Evaluation {
        satisfaction: Satisfaction,
        comment: String,
    },
    /// 申请复查 of the reply.
    Review { reason: String },
    /// 申请复核 of the review's decision.
    Recheck { reason: String },
    /// 催办: the bureau is late.
    Urge,
}

impl StepRequest {
    pub fn kind(&self) -> StepKind {
        match self {
            StepRequest::Evaluation { .. } => StepKind::Evaluation,
            StepRequest::Review { .. } => StepKind::Review,
            StepRequest::Recheck { .. } => StepKind::Recheck,
            StepRequest::Urge => StepKind::Urge,
        }
    }

    /// The request's body, as the bureau's API takes it.
    fn body(&self) -> serde_json::Result<String> {
        match self {
            StepRequest::Evaluation {
                satisfaction,
                comment,
            } => serde_json::to_string(&EvaluationRequest {
                satisfaction: *satisfaction,
                comment: comment.clone(),
            }),
            StepRequest::Review { reason } | StepRequest::Recheck { reason } => {
                serde_json::to_string(&ReviewRequest {
                    reason: reason.clone(),
                })
            }
            StepRequest::Urge => Ok("{}".to_owned()),
        }
    }
}

/// The kind of a step, as `outbox_steps.kind` and the bureau's route name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Evaluation,
    Review,
    Recheck,
    Urge,
}

impl StepKind {
    pub fn key(self) -> &'static str {
        match self {
            StepKind::Evaluation => "evaluation",
            StepKind::Review => "review",
            StepKind::Recheck => "recheck",
            StepKind::Urge => "urge",
        }
    }

    fn parse(key: &str) -> Option<StepKind> {
        [
            StepKind::Evaluation,
            StepKind::Review,
            StepKind::Recheck,
            StepKind::Urge,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not sent yet, or sent without an answer: it goes (again, under the same key) when the
    /// bureau is reachable.
    Waiting,
    /// The bureau took it.
    Sent,
    /// The bureau refused it; `error` says why.
    Refused,
}

/// A step as the outbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Step {
    /// Its `Idempotency-Key`.
    pub key: String,
    pub petition_id: String,
    pub kind: StepKind,
    pub state: StepState,
    /// When the citizen made it (RFC 3339).
    pub queued_at: String,
    /// The bureau's refusal, or the last failure to reach it.
    pub error: Option<ErrorView>,
}

/// A waiting step, as the engine sends it.
#[derive(Debug, Clone)]
pub(crate) struct WaitingStep {
    pub key: String,
    pub petition_id: String,
    pub tracking_code: String,
    pub kind: StepKind,
    pub body: String,
}

const STEP_SELECT: &str =
    "SELECT key, petition_id, kind, state, queued_at, error_code, error_message FROM outbox_steps";

fn step_from_row(row: &SqliteRow) -> Result<Step> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let corrupt = |what: String| Error::Database(sqlx::Error::Decode(what.into()));
    let error = ErrorView::from_row(row)?;
    Ok(Step {
        key: row.try_get("key")?,
        petition_id: row.try_get("petition_id")?,
        kind: StepKind::parse(&kind).ok_or_else(|| corrupt(format!("unknown step `{kind}`")))?,
        state: match state.as_str() {
            "waiting" => StepState::Waiting,
            "sent" => StepState::Sent,
            "refused" => StepState::Refused,
            _ => return Err(corrupt(format!("unknown step state `{state}`"))),
        },
        queued_at: rfc3339(row.try_get("queued_at")?),
        error,
    })
}

impl Outbox<'_> {
    /// Queues a step on a delivered petition of the account signed in (or of none); it goes out
    /// when the engine next reaches the bureau. Whether the bureau allows it now is the bureau's
    /// to say: this machine's view of the petition may be days old.
    pub async fn queue_step(&self, id: &str, request: &StepRequest) -> Result<Step> {
        let code: Option<Option<String>> = sqlx::query_scalar(&format!(
            "SELECT tracking_code FROM outbox o WHERE petition_id = ? AND {OF_THIS_ACCOUNT}"
        ))
        .bind(id)
        .fetch_optional(self.store.reader())
        .await?;
        match code {
            None => {
                self.store.drafts().get(id).await?;
                return Err(SyncError::NotQueued.into());
            }
            Some(None) => return Err(SyncError::NotDelivered.into()),
            Some(Some(_)) => {}
        }
        let body = request
            .body()
            .map_err(|_| Error::Database(sqlx::Error::Protocol("a step's body".into())))?;
        let key = uuid::Uuid::new_v4().hyphenated().to_string();
        sqlx::query(
            "INSERT INTO outbox_steps (key, petition_id, kind, body, queued_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&key)
        .bind(id)
        .bind(request.kind().key())
        .bind(&body)
        .bind(now_ms())
        .execute(self.store.writer())
        .await?;
        tracing::info!(petition = %id, step = request.kind().key(), "step queued");
        self.step(&key).await
    }

    /// One step, by its key.
    pub async fn step(&self, key: &str) -> Result<Step> {
        let row = sqlx::query(&format!("{STEP_SELECT} WHERE key = ?"))
            .bind(key)
            .fetch_optional(self.store.reader())
            .await?
            .ok_or(Error::NotFound)?;
        step_from_row(&row)
    }

    /// A petition's steps, oldest first.
    pub async fn steps(&self, id: &str) -> Result<Vec<Step>> {
        sqlx::query(&format!("{STEP_SELECT} WHERE petition_id = ? ORDER BY seq"))
            .bind(id)
            .fetch_all(self.store.reader())
            .await?
            .iter()
            .map(step_from_row)
            .collect()
    }

    /// The steps waiting to go, in the order they were made, of the account signed in.
    pub(crate) async fn waiting_steps(&self) -> Result<Vec<WaitingStep>> {
        sqlx::query(&format!(
            "SELECT s.key, s.petition_id, o.tracking_code, s.kind, s.body FROM outbox_steps s \
             JOIN outbox o ON o.petition_id = s.petition_id \
             WHERE s.state = 'waiting' AND o.tracking_code IS NOT NULL AND {OF_THIS_ACCOUNT} \
             ORDER BY s.seq"
        ))
        .fetch_all(self.store.reader())
        .await?
        .iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            Ok(WaitingStep {
                key: row.try_get("key")?,
                petition_id: row.try_get("petition_id")?,
                tracking_code: row.try_get("tracking_code")?,
                kind: StepKind::parse(&kind).ok_or_else(|| {
                    Error::Database(sqlx::Error::Decode(format!("unknown step `{kind}`").into()))
                })?,
                body: row.try_get("body")?,
            })
        })
        .collect()
    }

    /// The bureau took the step (`error` None) or refused it for good (`Some`).
    pub(crate) async fn record_step_done(
        &self,
        key: &str,
        error: Option<&ErrorView>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox_steps SET state = ?, done_at = ?, error_code = ?, error_message = ? \
             WHERE key = ? AND state = 'waiting'",
        )
        .bind(if error.is_some() { "refused" } else { "sent" })
        .bind(now_ms())
        .bind(error.map(|e| e.code.as_str()))
        .bind(error.map(|e| e.message.as_str()))
        .bind(key)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// The step could not be sent now (no network, a busy bureau): it waits, with why.
    pub(crate) async fn record_step_failure(&self, key: &str, error: &ErrorView) -> Result<()> {
        sqlx::query(
            "UPDATE outbox_steps SET attempts = attempts + 1, error_code = ?, error_message = ? \
             WHERE key = ? AND state = 'waiting'",
        )
        .bind(&error.code)
        .bind(&error.message)
        .bind(key)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::sync::outbox::tests::complete_values;

    #[tokio::test]
    async fn a_step_waits_for_a_delivered_petition_and_is_done_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let p = store
            .drafts()
            .create(&complete_values())
            .await
            .expect("draft");
        let urge = StepRequest::Urge;
        assert_eq!(
            store
                .outbox()
                .queue_step(&p.id, &urge)
                .await
                .expect_err("a draft")
                .code(),
            "not_queued"
        );
        store.outbox().submit(&p.id).await.expect("submit");
        assert_eq!(
            store
                .outbox()
                .queue_step(&p.id, &urge)
                .await
                .expect_err("not delivered")
                .code(),
            "not_delivered"
        );
        sqlx::query(
            "UPDATE outbox SET tracking_code = 'XF-2345-6789-ABCD-EFGH' WHERE petition_id = ?",
        )
        .bind(&p.id)
        .execute(store.writer())
        .await
        .expect("delivered");
        let rating = store
            .outbox()
            .queue_step(
                &p.id,
                &StepRequest::Evaluation {
                    satisfaction: Satisfaction::Dissatisfied,
                    comment: "没有回应积水".into(),
                },
            )
            .await
            .expect("queued");
        let review = store
            .outbox()
            .queue_step(
                &p.id,
                &StepRequest::Review {
                    reason: "没有回应积水".into(),
                },
            )
            .await
            .expect("queued");
        assert_ne!(rating.key, review.key);
        assert_eq!(rating.state, StepState::Waiting);
        let waiting = store.outbox().waiting_steps().await.expect("waiting");
        assert_eq!(
            waiting.iter().map(|s| s.kind).collect::<Vec<_>>(),
            [StepKind::Evaluation, StepKind::Review],
            "in the order made"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&waiting[0].body).expect("json"),
            serde_json::json!({"satisfaction": "dissatisfied", "comment": "没有回应积水"})
        );
        let lost = ErrorView {
            code: "bureau_unreachable".into(),
            message: String::new(),
        };
        store
            .outbox()
            .record_step_failure(&rating.key, &lost)
            .await
            .expect("failure");
        assert_eq!(
            store.outbox().step(&rating.key).await.expect("step").state,
            StepState::Waiting
        );
        store
            .outbox()
            .record_step_done(&rating.key, None)
            .await
            .expect("sent");
        let refused = ErrorView {
            code: "review_not_allowed".into(),
            message: "已超过 30 日".into(),
        };
        store
            .outbox()
            .record_step_done(&review.key, Some(&refused))
            .await
            .expect("refused");
        // Done is done: a late answer to an earlier try changes nothing.
        store
            .outbox()
            .record_step_done(&review.key, None)
            .await
            .expect("again");
        let steps = store.outbox().steps(&p.id).await.expect("steps");
        assert_eq!(
            steps.iter().map(|s| s.state).collect::<Vec<_>>(),
            [StepState::Sent, StepState::Refused]
        );
        assert_eq!(steps[1].error.as_ref(), Some(&refused));
        assert!(
            store
                .outbox()
                .waiting_steps()
                .await
                .expect("none")
                .is_empty()
        );
    }
}
