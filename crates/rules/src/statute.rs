//! The statute's periods (信访工作条例, in force 2022-05-01) and the calendar they are counted in:
//! calendar days in China Standard Time, the day of the event not counted.

use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// China Standard Time, in which statutory days are counted.
pub const CHINA: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Days for the decision to accept (受理告知).
pub const ACCEPTANCE_DAYS: i64 = 15;
/// Days for the reply after acceptance (第三十四条)…
pub const REPLY_DAYS: i64 = 60;
/// …and the extension a stated reason allows.
pub const EXTENSION_DAYS: i64 = 30;
/// Days after the reply within which a review (复查) may be asked for (第三十五条).
pub const REVIEW_REQUEST_DAYS: i64 = 30;

/// The calendar day in China of an instant.
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// `YYYY-MM-DD`.
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The day `days` after the China date of `t`, as `YYYY-MM-DD`.
pub fn due(t: OffsetDateTime, days: i64) -> String {
    ymd(china_date(t) + Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_counts_china_days_from_the_day_after() {
        // 23:30 UTC on 31 January is already 1 February in China.
        let t = time::macros::datetime!(2026-01-31 23:30 UTC);
        assert_eq!(ymd(china_date(t)), "2026-02-01");
        assert_eq!(due(t, ACCEPTANCE_DAYS), "2026-02-16");
        // A leap year's February.
        let t = time::macros::datetime!(2028-02-20 12:00 UTC);
        assert_eq!(due(t, 15), "2028-03-06");
    }
}
