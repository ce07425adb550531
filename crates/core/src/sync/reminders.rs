//! Reminders of a delivered petition's deadlines (desktop only: a kiosk would tell one citizen's
//! business to the next): 5 days and 1 day before the citizen's own window to ask for 复查 or 复核
//! closes, and once when a deadline of the bureau's has passed. Each is given once (the settings
//! keep `reminder:…` keys); one missed while the app was closed is given at the next start as
//! long as it still means something: the window still open, the bureau still late. Judged on
//! this machine's date in China from the bureau's last answer, so they come without a network.

use petition_api::{DueDates, Status};
use serde::Serialize;
use time::Date;

use super::outbox::OF_THIS_ACCOUNT;
use super::{Due, Outbox};
use crate::error::Result;

/// What a reminder is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReminderKind {
    /// The citizen's window to ask for a review (`review_request`) or a re-examination
    /// (`recheck_request`) closes on `last_day`, `days_left` days from today.
    WindowCloses {
        window: String,
        last_day: String,
        days_left: i64,
    },
    /// The bureau's `deadline` (`route`, `notice`, `handling`, `review_decision`,
    /// `recheck_decision`) passed on `last_day`: it may be urged.
    BureauLate { deadline: String, last_day: String },
}

/// A reminder to give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub petition_id: String,
    /// What the notification names: never the petition's content.
    pub tracking_code: String,
    pub kind: ReminderKind,
    /// Given once under this key.
    key: String,
}

/// Days before a window closes at which it is told.
const WINDOW_WARNINGS: [i64; 2] = [5, 1];

/// The reminders a petition with these deadlines has on `today`, each with its key.
pub fn reminders_of(due: &Due, today: Date) -> Vec<(String, ReminderKind)> {
    let mut out = Vec::new();
    for (window, last) in [
        ("review_request", &due.review_request),
        ("recheck_request", &due.recheck_request),
    ] {
        let Some(last) = last.as_deref() else {
            continue;
        };
        let Some(days_left) = parse_day(last).map(|d| (d - today).whole_days()) else {
            continue;
        };
        // The nearest warning reached: at 3 days left that is the 5-day one (given late, if the
        // app was closed on the day), at 0 the 1-day one.
        let Some(at) = WINDOW_WARNINGS
            .into_iter()
            .filter(|w| days_left >= 0 && days_left <= *w)
            .min()
        else {
            continue;
        };
        out.push((
            format!("reminder:{window}:{last}:{at}"),
            ReminderKind::WindowCloses {
                window: window.to_owned(),
                last_day: last.to_owned(),
                days_left,
            },
        ));
    }
    for deadline in &due.overdue {
        let last = match deadline.as_str() {
            "route" => &due.route,
            "notice" => &due.notice,
            "handling" => &due.handling,
            "review_decision" => &due.review_decision,
            "recheck_decision" => &due.recheck_decision,
            _ => continue,
        };
        if let Some(last) = last {
            out.push((
                format!("reminder:late:{deadline}:{last}"),
                ReminderKind::BureauLate {
                    deadline: deadline.clone(),
                    last_day: last.clone(),
                },
            ));
        }
    }
    out
}

fn parse_day(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

impl Outbox<'_> {
    /// The reminders not given yet of the delivered petitions of the account signed in (or of
    /// none), on `today` (China time).
    pub async fn reminders(&self, today: Date) -> Result<Vec<Reminder>> {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "SELECT o.petition_id, o.tracking_code, o.bureau_status, o.bureau_due FROM outbox o \
                 WHERE o.tracking_code IS NOT NULL AND {OF_THIS_ACCOUNT} ORDER BY o.queued_at"
        ))
        .fetch_all(self.store.reader())
        .await?;
        let mut out = Vec::new();
        for (id, code, status, dates) in rows {
            let (Some(status), Some(dates)) = (
                status.as_deref().and_then(Status::parse),
                dates.and_then(|j| serde_json::from_str::<DueDates>(&j).ok()),
            ) else {
                continue;
            };
            for (suffix, kind) in reminders_of(&Due::of(status, &dates, today), today) {
                let key = format!("{suffix}:{id}");
                if self.store.settings().get(&key).await?.is_none() {
                    out.push(Reminder {
                        petition_id: id.clone(),
                        tracking_code: code.clone(),
                        kind,
                        key,
                    });
                }
            }
        }
        Ok(out)
    }

    /// [`Outbox::reminders`] on today's date in China.
    pub async fn reminders_today(&self) -> Result<Vec<Reminder>> {
        self.reminders(petition_rules::statute::china_date(
            time::OffsetDateTime::now_utc(),
        ))
        .await
    }

    /// Records that `reminder` was given: it is not given again.
    pub async fn reminder_given(&self, reminder: &Reminder) -> Result<()> {
        self.store
            .settings()
            .set(&reminder.key, &super::outbox::now_ms().to_string())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn due() -> Due {
        Due::default()
    }

    #[test]
    fn a_window_is_told_five_days_and_one_day_before_it_closes() {
        let with = |last: &str| Due {
            review_request: Some(last.into()),
            ..due()
        };
        let today = date!(2026 - 12 - 06);
        let keys = |d: &Due| {
            reminders_of(d, today)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert!(keys(&with("2026-12-12")).is_empty(), "6 days left");
        assert_eq!(
            keys(&with("2026-12-11")),
            ["reminder:review_request:2026-12-11:5"]
        );
        // Missed while closed: the 5-day warning at 3 days left, the 1-day one on the last day.
        assert_eq!(
            keys(&with("2026-12-09")),
            ["reminder:review_request:2026-12-09:5"]
        );
        assert_eq!(
            keys(&with("2026-12-07")),
            ["reminder:review_request:2026-12-07:1"]
        );
        assert_eq!(
            keys(&with("2026-12-06")),
            ["reminder:review_request:2026-12-06:1"]
        );
        assert!(
            keys(&with("2026-12-05")).is_empty(),
            "closed: too late to tell"
        );
        let (_, kind) = reminders_of(&with("2026-12-07"), today).remove(0);
        assert_eq!(
            kind,
            ReminderKind::WindowCloses {
                window: "review_request".into(),
                last_day: "2026-12-07".into(),
                days_left: 1,
            }
        );
    }

    #[test]
    fn a_late_bureau_is_told_once_per_deadline() {
        let late = Due {
            route: Some("2026-11-16".into()),
            overdue: vec!["route".into()],
            recheck_request: Some("2026-12-08".into()),
            ..due()
        };
        let got = reminders_of(&late, date!(2026 - 12 - 06));
        assert_eq!(
            got.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            [
                "reminder:recheck_request:2026-12-08:5",
                "reminder:late:route:2026-11-16"
            ]
        );
    }

    #[tokio::test]
    async fn a_reminder_given_is_not_given_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open");
        let p = store
            .drafts()
            .create(&crate::sync::outbox::tests::complete_values())
            .await
            .expect("draft");
        store.outbox().submit(&p.id).await.expect("submit");
        let dates =
            r#"{"acceptance": "2026-11-16", "route": "2026-11-16", "reply_extended": false}"#;
        assert!(serde_json::from_str::<DueDates>(dates).is_ok());
        sqlx::query(
            "UPDATE outbox SET tracking_code = 'XF-2345-6789-ABCD-EFGH', phase = 'delivered', \
             bureau_status = 'submitted', bureau_due = ? WHERE petition_id = ?",
        )
        .bind(dates)
        .bind(&p.id)
        .execute(store.writer())
        .await
        .expect("delivered");
        let today = date!(2026 - 12 - 06);
        let due = store.outbox().reminders(today).await.expect("reminders");
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].tracking_code, "XF-2345-6789-ABCD-EFGH");
        assert!(matches!(due[0].kind, ReminderKind::BureauLate { .. }));
        store.outbox().reminder_given(&due[0]).await.expect("given");
        assert!(
            store
                .outbox()
                .reminders(today)
                .await
                .expect("none")
                .is_empty()
        );
    }
}
