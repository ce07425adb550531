//! The statute's periods (`petition_rules::statute`) as the dates a petition's owner is shown,
//! counted in China's calendar days from the day of each event.

use petition_api::DueDates;
use time::OffsetDateTime;

use crate::clock::{china_date, due, parse_rfc3339};
use crate::error::Error;

pub use petition_rules::statute::{
    ACCEPTANCE_DAYS, EXTENSION_DAYS, REPLY_DAYS, REVIEW_REQUEST_DAYS,
};

/// When the bureau must have decided whether to accept a petition received at `received`.
pub fn acceptance_due(received: OffsetDateTime) -> String {
    due(received, ACCEPTANCE_DAYS)
}

/// The due dates of a petition, from its stored dates (RFC 3339).
pub fn due_dates(
    received_at: &str,
    accepted_at: Option<&str>,
    replied_at: Option<&str>,
    extended: bool,
) -> Result<DueDates, Error> {
    let instant = |s: &str| parse_rfc3339(s).ok_or(Error::Corrupt("petition date"));
    let reply_days = REPLY_DAYS + if extended { EXTENSION_DAYS } else { 0 };
    Ok(DueDates {
        acceptance: acceptance_due(instant(received_at)?),
        reply: accepted_at
            .map(|a| instant(a).map(|t| due(t, reply_days)))
            .transpose()?,
        reply_extended: extended,
        review_request: replied_at
            .map(|a| instant(a).map(|t| due(t, REVIEW_REQUEST_DAYS)))
            .transpose()?,
    })
}

/// Whether a review may still be asked for at `now` of a reply given at `replied`.
pub fn review_in_time(replied: OffsetDateTime, now: OffsetDateTime) -> bool {
    china_date(now) <= china_date(replied) + time::Duration::days(REVIEW_REQUEST_DAYS)
}
