//! The statute's periods (信访工作条例, in force 2022-05-01) and the calendar they are counted in:
//! calendar days in China Standard Time, the day of the event not counted, a period whose last
//! day is a day off ending on the next working day ([`Calendar::period_end`]).

use time::{Date, OffsetDateTime, UtcOffset};

pub use crate::calendar::Calendar;

/// China Standard Time, in which statutory days are counted.
pub const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Days for the decision to accept (受理告知).
pub const ACCEPTANCE_DAYS: i64 = 15;
/// Days from receipt for registering and routing it (登记、转送/交办, 第二十二条).
pub const ROUTE_DAYS: i64 = 15;
/// Days from the handling organ's receipt (its routing) for telling the petitioner whether and
/// how it takes the matter (告知, 第二十三条).
pub const NOTICE_DAYS: i64 = 15;
/// Working days from its receipt (the routing) within which an organ that finds a matter is not
/// its own tells the 信访部门 so, which routes it again (第二十三条).
pub const OBJECTION_WORKING_DAYS: u32 = 5;
/// Days for the reply after acceptance (第三十四条)…
pub const REPLY_DAYS: i64 = 60;
/// …and the extension a stated reason allows.
pub const EXTENSION_DAYS: i64 = 30;
/// Days after the reply within which a review (复查) may be asked for (第三十五条).
pub const REVIEW_REQUEST_DAYS: i64 = 30;
/// Days from a review request to its decision (第三十五条).
pub const REVIEW_DECISION_DAYS: i64 = 30;
/// Days after the review's decision within which a re-examination (复核) may be asked for
/// (第三十六条)…
pub const RECHECK_REQUEST_DAYS: i64 = 30;
/// …and from that request to its decision.
pub const RECHECK_DECISION_DAYS: i64 = 30;

/// The calendar day in China of an instant.
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// `YYYY-MM-DD`.
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The last day of a period of `days` from an event at `t`, on [`Calendar::in_force`].
pub fn due_date(t: OffsetDateTime, days: i64) -> Date {
    Calendar::in_force().period_end(china_date(t), days)
}

/// The last day on which an organ that received a matter at `t` may object that it is not its
/// own: the [`OBJECTION_WORKING_DAYS`]th working day after it, on [`Calendar::in_force`].
pub fn objection_last_day(t: OffsetDateTime) -> Date {
    Calendar::in_force().working_days_after(china_date(t), OBJECTION_WORKING_DAYS)
}

/// [`due_date`] as `YYYY-MM-DD`.
pub fn due(t: OffsetDateTime, days: i64) -> String {
    ymd(due_date(t, days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_counts_china_days_from_the_day_after() {
        // 23:30 UTC on 31 January is already 1 February in China.
        let t = time::macros::datetime!(2026-01-31 23:30 UTC);
        assert_eq!(ymd(china_date(t)), "2026-02-01");
        // 16 February is in the Spring Festival holiday, which ends on the 23rd.
        assert_eq!(due(t, ACCEPTANCE_DAYS), "2026-02-24");
        // A leap year's February.
        let t = time::macros::datetime!(2028-02-20 12:00 UTC);
        assert_eq!(due(t, 15), "2028-03-06");
        let t = time::macros::datetime!(2028-02-13 12:00 UTC);
        assert_eq!(due(t, 16), "2028-02-29");
    }
}
