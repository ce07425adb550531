//! A delivered petition's deadlines as the citizen is shown them: the bureau's due dates from
//! its last answer, and which of the bureau's own have passed, judged on this machine's date in
//! China so that it holds after days without a network.

use petition_api::{DueDates, Status};
use petition_rules::statute::china_date;
use serde::Serialize;
use time::{Date, OffsetDateTime};

/// The last day of each period (`YYYY-MM-DD`, China time), `null` where none runs, and the names
/// of those past due (`petitionctl status --json`: `due`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Due {
    /// Registering and routing it (登记转送).
    pub route: Option<String>,
    /// The handling organ's notice (受理告知), once routed.
    pub notice: Option<String>,
    /// The written reply (答复), for a 申诉求决 matter once accepted.
    pub handling: Option<String>,
    /// The citizen's last day to ask for a review (复查).
    pub review_request: Option<String>,
    /// The review's decision, while one is asked for.
    pub review_decision: Option<String>,
    /// The citizen's last day to ask for a re-examination (复核).
    pub recheck_request: Option<String>,
    /// The re-examination's decision, while one is asked for.
    pub recheck_decision: Option<String>,
    /// The bureau's deadline the petition waits on, when it has passed (by the names above).
    pub overdue: Vec<String>,
}

impl Due {
    /// The deadlines of a petition in `status` with the bureau's `dates`, on `today`.
    pub fn of(status: Status, dates: &DueDates, today: Date) -> Due {
        let route = Some(dates.route.clone())
            .filter(|r| !r.is_empty())
            // A bureau from before routing was a step of its own: the same 15 days.
            .or_else(|| Some(dates.acceptance.clone()));
        let mut due = Due {
            route,
            notice: dates.notice.clone(),
            handling: dates.reply.clone(),
            review_request: dates.review_request.clone(),
            review_decision: dates.review_decision.clone(),
            recheck_request: dates.recheck_request.clone(),
            recheck_decision: dates.recheck_decision.clone(),
            overdue: Vec::new(),
        };
        let waiting: Option<(&str, &Option<String>)> = match status {
            Status::Submitted | Status::Registered if due.notice.is_some() => {
                Some(("notice", &due.notice))
            }
            Status::Submitted | Status::Registered => Some(("route", &due.route)),
            Status::Accepted => Some(("handling", &due.handling)),
            Status::ReviewRequested => Some(("review_decision", &due.review_decision)),
            Status::RecheckRequested => Some(("recheck_decision", &due.recheck_decision)),
            _ => None,
        };
        if let Some((name, Some(last))) = waiting
            && parse_day(last).is_some_and(|last| today > last)
        {
            due.overdue.push(name.to_owned());
        }
        due
    }

    /// [`Due::of`] on today's date in China.
    pub fn today(status: Status, dates: &DueDates) -> Due {
        Due::of(status, dates, china_date(OffsetDateTime::now_utc()))
    }
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dates() -> DueDates {
        DueDates {
            acceptance: "2026-03-02".into(),
            route: "2026-03-02".into(),
            notice: None,
            reply: None,
            reply_extended: false,
            review_request: None,
            review_decision: None,
            recheck_request: None,
            recheck_decision: None,
        }
    }

    #[test]
    fn only_the_deadline_the_petition_waits_on_can_be_overdue() {
        let on = |status, dates: &DueDates, today| Due::of(status, dates, today).overdue;
        let fresh = dates();
        assert!(on(Status::Submitted, &fresh, date!(2026 - 03 - 02)).is_empty());
        assert_eq!(
            on(Status::Submitted, &fresh, date!(2026 - 03 - 03)),
            ["route"]
        );
        let routed = DueDates {
            notice: Some("2026-03-16".into()),
            ..dates()
        };
        // Routed in time: the notice is what it waits on now.
        assert!(on(Status::Registered, &routed, date!(2026 - 03 - 10)).is_empty());
        assert_eq!(
            on(Status::Registered, &routed, date!(2026 - 03 - 17)),
            ["notice"]
        );
        let accepted = DueDates {
            reply: Some("2026-05-15".into()),
            ..routed.clone()
        };
        assert!(on(Status::Accepted, &accepted, date!(2026 - 05 - 15)).is_empty());
        assert_eq!(
            on(Status::Accepted, &accepted, date!(2026 - 05 - 16)),
            ["handling"]
        );
        // A suggestion has no handling deadline; a replied petition waits on the citizen.
        assert!(on(Status::Accepted, &routed, date!(2027 - 01 - 01)).is_empty());
        let replied = DueDates {
            review_request: Some("2026-06-15".into()),
            ..accepted.clone()
        };
        assert!(on(Status::Replied, &replied, date!(2027 - 01 - 01)).is_empty());
        let asked = DueDates {
            review_decision: Some("2026-07-01".into()),
            ..replied.clone()
        };
        assert_eq!(
            on(Status::ReviewRequested, &asked, date!(2026 - 07 - 02)),
            ["review_decision"]
        );
        let rechecking = DueDates {
            recheck_decision: Some("2026-09-01".into()),
            ..asked.clone()
        };
        assert_eq!(
            on(Status::RecheckRequested, &rechecking, date!(2026 - 09 - 02)),
            ["recheck_decision"]
        );
        assert!(on(Status::Rechecked, &rechecking, date!(2027 - 01 - 01)).is_empty());
    }

    #[test]
    fn the_dates_are_the_bureaus_and_an_older_bureau_s_acceptance_stands_for_the_route() {
        let older = DueDates {
            route: String::new(),
            ..dates()
        };
        let due = Due::of(Status::Submitted, &older, date!(2026 - 03 - 01));
        assert_eq!(due.route.as_deref(), Some("2026-03-02"));
        assert_eq!(due.handling, None);
        assert!(due.overdue.is_empty());
    }
}
