//! The statute's periods (`petition_rules::statute`) as the dates a petition's owner is shown
//! and the operator is held to, counted in China's calendar days from the day of each event, a
//! period ending on a day off running to the next working day.

use petition_api::{DueDates, Status};
use petition_rules::Purpose;
use time::{Date, OffsetDateTime};

use crate::clock::{china_date, due, due_date, parse_rfc3339};
use crate::error::Error;

pub use petition_rules::statute::{
    ACCEPTANCE_DAYS, EXTENSION_DAYS, NOTICE_DAYS, RECHECK_DECISION_DAYS, RECHECK_REQUEST_DAYS,
    REPLY_DAYS, REVIEW_DECISION_DAYS, REVIEW_REQUEST_DAYS, ROUTE_DAYS,
};

/// When the bureau must have decided whether to accept a petition received at `received`.
pub fn acceptance_due(received: OffsetDateTime) -> String {
    due(received, ACCEPTANCE_DAYS)
}

/// The stored dates of a petition that its deadlines hang on (RFC 3339).
#[derive(Debug, Clone, Copy)]
pub struct Dates<'a> {
    pub status: Status,
    /// The kind of matter as stored (`claim`, `suggestion`, `accusation`, or an old alias).
    pub purpose: &'a str,
    pub received_at: &'a str,
    /// When it was registered and routed (登记转送), if it was.
    pub routed_at: Option<&'a str>,
    pub accepted_at: Option<&'a str>,
    pub replied_at: Option<&'a str>,
    pub extended: bool,
    /// The last review request, if any.
    pub review_requested_at: Option<&'a str>,
    /// The review's last decision, if any.
    pub reviewed_at: Option<&'a str>,
    /// The last re-examination request, if any.
    pub recheck_requested_at: Option<&'a str>,
}

fn instant(s: &str) -> Result<OffsetDateTime, Error> {
    parse_rfc3339(s).ok_or(Error::Corrupt("petition date"))
}

/// The due dates of a petition.
pub fn due_dates(d: &Dates<'_>) -> Result<DueDates, Error> {
    let reply_days = REPLY_DAYS + if d.extended { EXTENSION_DAYS } else { 0 };
    let has_handling_deadline = Purpose::parse(d.purpose) == Some(Purpose::Claim);
    let received = instant(d.received_at)?;
    Ok(DueDates {
        acceptance: acceptance_due(received),
        route: due(received, ROUTE_DAYS),
        notice: d
            .routed_at
            .map(|a| instant(a).map(|t| due(t, NOTICE_DAYS)))
            .transpose()?,
        reply: d
            .accepted_at
            .filter(|_| has_handling_deadline)
            .map(|a| instant(a).map(|t| due(t, reply_days)))
            .transpose()?,
        reply_extended: d.extended,
        review_request: d
            .replied_at
            .map(|a| instant(a).map(|t| due(t, REVIEW_REQUEST_DAYS)))
            .transpose()?,
        review_decision: d
            .review_requested_at
            .filter(|_| d.status == Status::ReviewRequested)
            .map(|a| instant(a).map(|t| due(t, REVIEW_DECISION_DAYS)))
            .transpose()?,
        recheck_request: d
            .reviewed_at
            .filter(|_| d.status == Status::Reviewed)
            .map(|a| instant(a).map(|t| due(t, RECHECK_REQUEST_DAYS)))
            .transpose()?,
        recheck_decision: d
            .recheck_requested_at
            .filter(|_| d.status == Status::RecheckRequested)
            .map(|a| instant(a).map(|t| due(t, RECHECK_DECISION_DAYS)))
            .transpose()?,
    })
}

/// The bureau's deadline a petition waits on in its present state, if any: its name (as in
/// [`DueDates`]: `route`, `notice`, `reply`, `review_decision`, `recheck_decision`) and its last
/// day.
pub fn pending(d: &Dates<'_>) -> Result<Option<(&'static str, Date)>, Error> {
    let pending: Option<(&'static str, &str, i64)> = match d.status {
        Status::Submitted | Status::Registered => Some(match d.routed_at {
            None => ("route", d.received_at, ROUTE_DAYS),
            Some(routed) => ("notice", routed, NOTICE_DAYS),
        }),
        Status::Accepted if Purpose::parse(d.purpose) == Some(Purpose::Claim) => {
            let days = REPLY_DAYS + if d.extended { EXTENSION_DAYS } else { 0 };
            d.accepted_at.map(|a| ("reply", a, days))
        }
        Status::ReviewRequested => d
            .review_requested_at
            .map(|a| ("review_decision", a, REVIEW_DECISION_DAYS)),
        Status::RecheckRequested => d
            .recheck_requested_at
            .map(|a| ("recheck_decision", a, RECHECK_DECISION_DAYS)),
        _ => None,
    };
    pending
        .map(|(name, from, days)| Ok((name, due_date(instant(from)?, days))))
        .transpose()
}

/// The bureau's deadline a petition waits on in its present state, if it has passed at
/// `today`: its name, its last day and how many days ago that was.
pub fn overdue(d: &Dates<'_>, today: Date) -> Result<Option<(&'static str, Date, i64)>, Error> {
    Ok(pending(d)?
        .filter(|&(_, last)| today > last)
        .map(|(name, last)| (name, last, (today - last).whole_days())))
}

/// The first day from `today` on that the citizen may urge the bureau (催办): once the pending
/// deadline's last day is past, and never twice on one day (`urged` is the day of the last
/// urge, if any). `None` when nothing waits on the bureau.
pub fn urge_from(d: &Dates<'_>, urged: Option<Date>, today: Date) -> Result<Option<Date>, Error> {
    Ok(pending(d)?.and_then(|(_, last)| {
        let after_deadline = last.next_day()?;
        let after_urge = urged.and_then(Date::next_day).unwrap_or(today);
        Some(today.max(after_deadline).max(after_urge))
    }))
}

/// Whether a review may still be asked for at `now` of a reply given at `replied`.
pub fn review_in_time(replied: OffsetDateTime, now: OffsetDateTime) -> bool {
    china_date(now) <= due_date(replied, REVIEW_REQUEST_DAYS)
}

/// Whether a re-examination may still be asked for at `now` of a review decided at `reviewed`.
pub fn recheck_in_time(reviewed: OffsetDateTime, now: OffsetDateTime) -> bool {
    china_date(now) <= due_date(reviewed, RECHECK_REQUEST_DAYS)
}
