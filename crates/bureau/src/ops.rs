//! The operator's workflow: register and route (登记转送), take back what the organ sent back
//! as not its matter (第二十三条), accept (with a notice, 受理告知) or
//! reject, extend, reply, decide a review (复查) and a re-examination (复核), conclude or close.
//! Each step is an event with its date, which the citizen's app reads back. The citizen's own
//! steps are `crate::petitions::steps`.

use petition_api::{EventKind, Status};
use time::OffsetDateTime;

use crate::clock::{china_date, parse_rfc3339, rfc3339, ymd};
use crate::error::Error;
use crate::petitions::deadlines::{self, Dates};
use crate::store::Store;
use crate::store::petitions::{Stamp, Step};
use petition_rules::statute::objection_last_day;

pub use crate::store::petitions::Listed;

/// One step an operator takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Register,
    /// 登记转送: registered (when it was not yet) and routed to the organ that handles it.
    Route {
        to: String,
    },
    /// The organ it was routed to finds it is not its matter (第二十三条): back to the 信访部门,
    /// to be routed again; within five working days of the routing.
    Object {
        reason: String,
    },
    Accept,
    /// 受理告知: accepted, with the notice of how it will be handled.
    Notify {
        text: String,
    },
    Reject {
        reason: String,
    },
    Extend,
    /// The reply; given to a petition waiting on a review or a re-examination, it is that
    /// decision.
    Reply {
        text: String,
    },
    /// The review's decision (复查意见).
    ReviewReply {
        text: String,
    },
    /// The re-examination's decision (复核意见): the matter is concluded (不再受理).
    RecheckReply {
        text: String,
    },
    /// 办结 after a decision, once no further step is taken.
    Conclude,
    Close,
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Route { .. } => "route",
            Action::Object { .. } => "object",
            Action::Accept => "accept",
            Action::Notify { .. } => "notify",
            Action::Reject { .. } => "reject",
            Action::Extend => "extend",
            Action::Reply { .. } => "reply",
            Action::ReviewReply { .. } => "review-reply",
            Action::RecheckReply { .. } => "recheck-reply",
            Action::Conclude => "conclude",
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
    /// The organ's five working days to send a matter back are over (第二十三条).
    #[error("the five working days to object ended on {last_day}; the organ handles the matter")]
    ObjectionTooLate { last_day: String },
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
        Action::Route { to } if matches!(row.status, Submitted | Registered) && !row.routed => (
            Registered,
            EventKind::Routed,
            Some(to.as_str()),
            Stamp::None,
        ),
        Action::Object { reason } if row.status == Registered && row.routed => {
            let routed_at = row
                .routed_at
                .as_deref()
                .and_then(parse_rfc3339)
                .ok_or(Error::Corrupt("routing date"))?;
            let last_day = objection_last_day(routed_at);
            if china_date(now) > last_day {
                return Err(OpsError::ObjectionTooLate {
                    last_day: ymd(last_day),
                });
            }
            (
                Registered,
                EventKind::Objected,
                Some(reason.as_str()),
                Stamp::None,
            )
        }
        Action::Accept if matches!(row.status, Submitted | Registered) => {
            (Accepted, EventKind::Accepted, None, Stamp::AcceptedAt)
        }
        Action::Notify { text } if matches!(row.status, Submitted | Registered) => (
            Accepted,
            EventKind::Accepted,
            Some(text.as_str()),
            Stamp::AcceptedAt,
        ),
        Action::Reject { reason } if matches!(row.status, Submitted | Registered) => (
            NotAccepted,
            EventKind::NotAccepted,
            Some(reason.as_str()),
            Stamp::None,
        ),
        Action::Extend if row.status == Accepted && !row.extended => {
            (Accepted, EventKind::Extended, None, Stamp::Extended)
        }
        Action::Reply { text } if row.status == Accepted => (
            Replied,
            EventKind::Replied,
            Some(text.as_str()),
            Stamp::RepliedAt,
        ),
        Action::Reply { text } | Action::ReviewReply { text } if row.status == ReviewRequested => (
            Reviewed,
            EventKind::ReviewDecided,
            Some(text.as_str()),
            Stamp::None,
        ),
        Action::Reply { text } | Action::RecheckReply { text }
            if row.status == RecheckRequested =>
        {
            (
                Rechecked,
                EventKind::RecheckDecided,
                Some(text.as_str()),
                Stamp::None,
            )
        }
        Action::Conclude if matches!(row.status, Replied | Reviewed | Rechecked) => {
            (Closed, EventKind::Closed, None, Stamp::None)
        }
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

/// A petition whose bureau deadline has passed (`petition-bureau petition list --overdue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub tracking_code: String,
    pub status: Status,
    /// The deadline missed: `route`, `notice`, `reply`, `review_decision` or
    /// `recheck_decision`.
    pub deadline: &'static str,
    /// Its last day, `YYYY-MM-DD` in China.
    pub due: String,
    /// Days since that last day.
    pub days: i64,
}

/// Every petition past its bureau deadline at `now`, the longest overdue first.
pub async fn overdue(store: &Store, now: OffsetDateTime) -> Result<Vec<Overdue>, Error> {
    let today = china_date(now);
    let mut late = Vec::new();
    for p in store.open_petitions().await? {
        let dates = Dates {
            status: p.status,
            purpose: &p.purpose,
            received_at: &p.received_at,
            routed_at: p.routed_at.as_deref(),
            accepted_at: p.accepted_at.as_deref(),
            replied_at: None,
            extended: p.extended,
            review_requested_at: p.review_requested_at.as_deref(),
            reviewed_at: None,
            recheck_requested_at: p.recheck_requested_at.as_deref(),
        };
        if let Some((deadline, last, days)) = deadlines::overdue(&dates, today)? {
            late.push(Overdue {
                tracking_code: p.tracking_code,
                status: p.status,
                deadline,
                due: ymd(last),
                days,
            });
        }
    }
    late.sort_by_key(|o| std::cmp::Reverse(o.days));
    Ok(late)
}
