//! China's working calendar: which days are days off (weekends, public holidays) and which
//! weekend days are worked instead (调休), and the two ways the statute counts a period on it.
//!
//! The official calendar is `data/holidays-cn.txt`, the State Council's yearly notices written
//! down as data; [`Calendar::parse`] reads a newer file of the same form.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{LazyLock, OnceLock};

use time::{Date, Duration, Weekday};

const OFFICIAL: &str = include_str!("../data/holidays-cn.txt");

static OFFICIAL_CALENDAR: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::parse(OFFICIAL).unwrap_or_else(|e| panic!("data/holidays-cn.txt: {e}"))
});

/// The calendar periods are counted on in this process: [`Calendar::official`] unless
/// [`Calendar::put_in_force`] gave a newer one first.
static IN_FORCE: OnceLock<Calendar> = OnceLock::new();

/// Days off and worked weekend days, for the years whose notice is known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Calendar {
    years: BTreeSet<i32>,
    rest: BTreeSet<Date>,
    work: BTreeSet<Date>,
}

/// A line of a calendar file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    /// 1-based.
    pub line: usize,
    pub problem: &'static str,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

impl std::error::Error for CalendarError {}

impl Calendar {
    /// The calendar shipped with this build.
    pub fn official() -> &'static Calendar {
        &OFFICIAL_CALENDAR
    }

    /// The calendar the statute's periods are counted on (`statute::due_date`).
    pub fn in_force() -> &'static Calendar {
        IN_FORCE.get_or_init(|| Calendar::official().clone())
    }

    /// Counts every period of this process on `self` from now on, e.g. a file with a year the
    /// build did not know. `false` when a calendar was in force already (set it at start-up,
    /// before any date is counted).
    pub fn put_in_force(self) -> bool {
        IN_FORCE.set(self).is_ok()
    }

    /// Reads the form of `data/holidays-cn.txt`: `year`, `rest` and `work` lines, `#` comments.
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let mut calendar = Calendar::default();
        for (i, line) in text.lines().enumerate() {
            let fail = |problem| CalendarError {
                line: i + 1,
                problem,
            };
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let mut date = || {
                words
                    .next()
                    .and_then(parse_date)
                    .ok_or(fail("expected a date YYYY-MM-DD"))
            };
            match keyword {
                "year" => {
                    let year = line
                        .split_whitespace()
                        .nth(1)
                        .and_then(|y| y.parse::<i32>().ok())
                        .filter(|y| (2000..=2100).contains(y))
                        .ok_or(fail("expected a year"))?;
                    calendar.years.insert(year);
                }
                "rest" => {
                    let (first, last) = (date()?, date()?);
                    if last < first || (last - first) > Duration::days(31) {
                        return Err(fail("the last day must follow the first, within a month"));
                    }
                    let mut day = first;
                    while day <= last {
                        calendar.rest.insert(day);
                        day += Duration::days(1);
                    }
                    calendar.check_year(first, fail)?;
                    calendar.check_year(last, fail)?;
                }
                "work" => {
                    let day = date()?;
                    if !is_weekend(day) {
                        return Err(fail("a worked day must be a Saturday or a Sunday"));
                    }
                    calendar.work.insert(day);
                    calendar.check_year(day, fail)?;
                }
                _ => return Err(fail("a line starts with year, rest or work")),
            }
        }
        if calendar.rest.intersection(&calendar.work).next().is_some() {
            return Err(CalendarError {
                line: 0,
                problem: "a day is both off and worked",
            });
        }
        Ok(calendar)
    }

    fn check_year(
        &self,
        day: Date,
        fail: impl Fn(&'static str) -> CalendarError,
    ) -> Result<(), CalendarError> {
        if self.years.contains(&day.year()) {
            Ok(())
        } else {
            Err(fail("the day's year has no year line before it"))
        }
    }

    /// The years whose holidays this calendar knows; other years have weekends only.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `day` is a working day: not a public holiday, and not a weekend day unless it is
    /// worked in exchange (调休).
    pub fn is_working_day(&self, day: Date) -> bool {
        if self.rest.contains(&day) {
            return false;
        }
        !is_weekend(day) || self.work.contains(&day)
    }

    /// The first working day on or after `day`.
    pub fn working_day_from(&self, day: Date) -> Date {
        let mut day = day;
        while !self.is_working_day(day) {
            day += Duration::days(1);
        }
        day
    }

    /// The last day of a period of `days` calendar days from an event on `event`: the day of the
    /// event is not counted, and a period that would end on a day off ends on the next working
    /// day (民法典 第二百零一条、第二百零三条).
    pub fn period_end(&self, event: Date, days: i64) -> Date {
        self.working_day_from(event + Duration::days(days))
    }

    /// The `n`th working day after `event` (the day of the event not counted).
    pub fn working_days_after(&self, event: Date, n: u32) -> Date {
        let mut day = event;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

fn is_weekend(day: Date) -> bool {
    matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// `YYYY-MM-DD`, exactly.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| s[r].parse::<u16>().ok())
            .flatten()
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    Date::from_calendar_date(
        i32::from(digits(0..4)?),
        month,
        u8::try_from(digits(8..10)?).ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn official() -> &'static Calendar {
        Calendar::official()
    }

    #[test]
    fn the_shipped_calendar_reads_and_knows_its_years() {
        assert_eq!(official().years().collect::<Vec<_>>(), [2024, 2025, 2026]);
        // 2026's Spring Festival: 15–23 February off, Saturday 14 and 28 February worked.
        assert!(!official().is_working_day(date!(2026 - 02 - 15)));
        assert!(!official().is_working_day(date!(2026 - 02 - 23)));
        assert!(official().is_working_day(date!(2026 - 02 - 14)));
        assert!(official().is_working_day(date!(2026 - 02 - 28)));
        assert!(official().is_working_day(date!(2026 - 02 - 24)));
        // An ordinary weekend, and one in a year without a notice.
        assert!(!official().is_working_day(date!(2026 - 03 - 07)));
        assert!(!official().is_working_day(date!(2027 - 03 - 06)));
        assert!(official().is_working_day(date!(2027 - 03 - 08)));
    }

    #[test]
    fn a_period_ends_on_the_next_working_day_when_its_last_day_is_off() {
        // (event, days, last day)
        let table = [
            // Ends on a Wednesday, a working day: as counted.
            (date!(2026 - 03 - 03), 15, date!(2026 - 03 - 18)),
            // Month ends: 31 January + 15 = 15 February, the first day of the Spring Festival:
            // the period runs to Tuesday 24 February.
            (date!(2026 - 01 - 31), 15, date!(2026 - 02 - 24)),
            // 31 March + 30 = 30 April (Thursday), before the May holiday.
            (date!(2026 - 03 - 31), 30, date!(2026 - 04 - 30)),
            // 1 April + 30 = 1 May: the May Day holiday runs to the 5th.
            (date!(2026 - 04 - 01), 30, date!(2026 - 05 - 06)),
            // A Saturday worked in exchange is a working day: 30 January + 15 = 14 February.
            (date!(2026 - 01 - 30), 15, date!(2026 - 02 - 14)),
            // An ordinary Sunday moves to Monday.
            (date!(2026 - 02 - 23), 13, date!(2026 - 03 - 09)),
            // Leap years: 14 February 2028 + 15 = 29 February (Tuesday).
            (date!(2028 - 02 - 14), 15, date!(2028 - 02 - 29)),
            // …and 2027 has no 29 February: 13 February + 15 = 28 February (Sunday) → 1 March.
            (date!(2027 - 02 - 13), 15, date!(2027 - 03 - 01)),
            // 60 days, and 60 + 30 when extended, across a year's end: 2 January 2026 is a
            // holiday, Sunday the 4th is worked in exchange.
            (date!(2025 - 11 - 03), 60, date!(2026 - 01 - 04)),
            (date!(2025 - 11 - 03), 90, date!(2026 - 02 - 02)),
            // The National Day week of 2025 (1–8 October).
            (date!(2025 - 09 - 01), 30, date!(2025 - 10 - 09)),
        ];
        for (event, days, last) in table {
            assert_eq!(
                official().period_end(event, days),
                last,
                "{event} + {days} days"
            );
        }
    }

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_worked_weekends() {
        // Thursday 12 February 2026 + 5 working days: the 13th (Fri), the 14th (a worked
        // Saturday), then the holiday to the 23rd, the 24th, 25th, 26th.
        assert_eq!(
            official().working_days_after(date!(2026 - 02 - 12), 5),
            date!(2026 - 02 - 26)
        );
        // An ordinary week: Monday + 5 = next Monday.
        assert_eq!(
            official().working_days_after(date!(2026 - 03 - 02), 5),
            date!(2026 - 03 - 09)
        );
        // From a Saturday: the count starts on Monday.
        assert_eq!(
            official().working_days_after(date!(2026 - 03 - 07), 1),
            date!(2026 - 03 - 09)
        );
    }

    #[test]
    fn a_newer_calendar_file_is_read_and_a_broken_one_names_its_line() {
        let newer = format!(
            "{OFFICIAL}\nyear 2027 https://example.invalid/notice\nrest 2027-01-01 2027-01-03 元旦\n"
        );
        let calendar = Calendar::parse(&newer).expect("parses");
        assert!(!calendar.is_working_day(date!(2027 - 01 - 01)));
        assert!(official().is_working_day(date!(2027 - 01 - 01)));
        for (text, line) in [
            ("rest 2027-01-01 2027-01-03 元旦", 1),
            ("year 2027 x\nrest 2027-01-03 2027-01-01 元旦", 2),
            ("year 2027 x\n\nwork 2027-01-06 周三", 3),
            ("year 2027 x\nrest 2027-1-1 2027-01-03", 2),
            ("holiday 2027-01-01", 1),
            ("year 2027 x\nrest 2027-02-30 2027-03-01 无此日", 2),
            ("year 2027 x\nrest 2027-01-01 2027-03-01 太长", 2),
        ] {
            assert_eq!(
                Calendar::parse(text).map_err(|e| e.line),
                Err(line),
                "{text}"
            );
        }
    }
}
