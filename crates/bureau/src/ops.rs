//! The operator's workflow: register, accept or reject, extend, reply, close. Each step is an
//! event with its date, which the citizen's app reads back.

use petition_api::{EventKind, Status};
use sqlx::Row;
use time::OffsetDateTime;

use crate::clock::rfc3339;
use crate::error::Error;
use crate::petitions::{add_event, load_row};
use crate::store::Store;

/// One step an operator takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Register,
    Accept,
    Reject { reason: String },
    Extend,
    Reply { text: String },
    Close,
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Accept => "accept",
            Action::Reject { .. } => "reject",
            Action::Extend => "extend",
            Action::Reply { .. } => "reply",
            Action::Close => "close",
        }
    }
}

/// Why a step was refused.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// No petition has this tracking code.
    #[error("no petition has tracking code {0}")]
    NotFound(String),
    /// The step does not apply to a petition in this state.
    #[error("cannot {action} a petition that is {from}")]
    NotAllowed {
        action: &'static str,
        from: &'static str,
    },
    /// A reason or reply text is needed.
    #[error("the text may not be empty")]
    EmptyText,
    #[error(transparent)]
    Store(#[from] Error),
}

impl From<sqlx::Error> for OpsError {
    fn from(e: sqlx::Error) -> OpsError {
        OpsError::Store(Error::Db(e))
    }
}

/// Applies `action` to a petition; returns its new status.
pub async fn apply(
    store: &Store,
    tracking_code: &str,
    action: Action,
    now: OffsetDateTime,
) -> Result<Status, OpsError> {
    let at = rfc3339(now);
    let _turn = store.write_turn().await;
    let row = load_row(store.pool(), tracking_code, None)
        .await?
        .ok_or_else(|| OpsError::NotFound(tracking_code.into()))?;
    let refuse = || OpsError::NotAllowed {
        action: action.name(),
        from: row.status.as_str(),
    };
    use Status::*;
    let (to, kind, text, set): (Status, EventKind, Option<&str>, &str) = match &action {
        Action::Register if row.status == Submitted => {
            (Registered, EventKind::Registered, None, "")
        }
        Action::Accept if matches!(row.status, Submitted | Registered) => {
            (Accepted, EventKind::Accepted, None, ", accepted_at = $3")
        }
        Action::Reject { reason } if matches!(row.status, Submitted | Registered) => (
            NotAccepted,
            EventKind::NotAccepted,
            Some(reason.as_str()),
            "",
        ),
        Action::Extend if row.status == Accepted && !row.extended => {
            (Accepted, EventKind::Extended, None, ", extended = 1")
        }
        Action::Reply { text } if matches!(row.status, Accepted | ReviewRequested) => (
            Replied,
            EventKind::Replied,
            Some(text.as_str()),
            ", replied_at = $3",
        ),
        Action::Close if row.status != Closed => (Closed, EventKind::Closed, None, ""),
        _ => return Err(refuse()),
    };
    if text.is_some_and(|t| t.trim().is_empty()) {
        return Err(OpsError::EmptyText);
    }
    let mut tx = store.pool().begin().await?;
    let sql = format!(
        "UPDATE petitions SET status = $1, updated_at = $3{set} WHERE tracking_code = $2 AND status = $4"
    );
    let updated = sqlx::query(&sql)
        .bind(to.as_str())
        .bind(tracking_code)
        .bind(&at)
        .bind(row.status.as_str())
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() != 1 {
        return Err(refuse());
    }
    add_event(&mut tx, tracking_code, kind, &at, text.map(str::trim)).await?;
    tx.commit().await?;
    Ok(to)
}

/// One line of `petition-bureau petition list`.
#[derive(Debug, Clone)]
pub struct Listed {
    pub tracking_code: String,
    pub status: String,
    pub received_at: String,
    pub category: String,
    pub region: String,
}

/// Every petition, newest first.
pub async fn list(store: &Store) -> Result<Vec<Listed>, Error> {
    let rows = sqlx::query(
        "SELECT tracking_code, status, received_at, category, region FROM petitions \
         ORDER BY received_at DESC, tracking_code",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                tracking_code: r.try_get("tracking_code")?,
                status: r.try_get("status")?,
                received_at: r.try_get("received_at")?,
                category: r.try_get("category")?,
                region: r.try_get("region")?,
            })
        })
        .collect()
}
