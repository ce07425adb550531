//! The operator's workflow: register, accept or reject, extend, reply, close. Each step is an
//! event with its date, which the citizen's app reads back. The citizen's own steps are
//! `crate::petitions::steps`.

use petition_api::{EventKind, Status};
use time::OffsetDateTime;

use crate::clock::rfc3339;
use crate::error::Error;
use crate::store::Store;
use crate::store::petitions::{Stamp, Step};

pub use crate::store::petitions::Listed;

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

/// Applies `action` to a petition; returns its new status.
pub async fn apply(
    store: &Store,
    tracking_code: &str,
    action: Action,
    now: OffsetDateTime,
) -> Result<Status, OpsError> {
    let at = rfc3339(now);
    let _turn = store.write_turn().await;
    let row = store
        .petition_row(tracking_code, None)
        .await?
        .ok_or_else(|| OpsError::NotFound(tracking_code.into()))?;
    let refuse = || OpsError::NotAllowed {
        action: action.name(),
        from: row.status.as_str(),
    };
    use Status::*;
    let (to, kind, text, stamp): (Status, EventKind, Option<&str>, Stamp) = match &action {
        Action::Register if row.status == Submitted => {
            (Registered, EventKind::Registered, None, Stamp::None)
        }
        Action::Accept if matches!(row.status, Submitted | Registered) => {
            (Accepted, EventKind::Accepted, None, Stamp::AcceptedAt)
        }
        Action::Reject { reason } if matches!(row.status, Submitted | Registered) => (
            NotAccepted,
            EventKind::NotAccepted,
            Some(reason.as_str()),
            Stamp::None,
        ),
        Action::Extend if row.status == Accepted && !row.extended => {
            (Accepted, EventKind::Extended, None, Stamp::Extended)
        }
        Action::Reply { text } if matches!(row.status, Accepted | ReviewRequested) => (
            Replied,
            EventKind::Replied,
            Some(text.as_str()),
            Stamp::RepliedAt,
        ),
        Action::Close if row.status != Closed => (Closed, EventKind::Closed, None, Stamp::None),
        _ => return Err(refuse()),
    };
    if text.is_some_and(|t| t.trim().is_empty()) {
        return Err(OpsError::EmptyText);
    }
    let step = Step {
        from: row.status,
        to,
        stamp,
        kind,
        text: text.map(str::trim),
    };
    if !store.step(tracking_code, &at, &step).await? {
        return Err(refuse());
    }
    Ok(to)
}

/// Every petition, newest first.
pub async fn list(store: &Store) -> Result<Vec<Listed>, Error> {
    store.list_petitions().await
}
