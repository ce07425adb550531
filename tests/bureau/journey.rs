//! A petition's whole journey after delivery across the bureau's own processes, `serve
//! --test-clock` answering the citizen while the operator's commands and `clock advance` run
//! beside it: routed, noticed, replied, rated, reviewed (复查), re-examined (复核) and concluded
//! (不再受理), each citizen's step refused before its time and after it, and urged (催办) only
//! once a deadline has passed.

use petition_api::{EventKind, PetitionView, Receipt, Status};
use petition_rules::statute::{china_date, due, due_date, ymd};
use reqwest::StatusCode;
use serde_json::json;

use super::process::Bureau;
use super::*;

fn at(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect("a date")
}

/// When the petition's last event of `kind` happened.
fn last_event(v: &PetitionView, kind: EventKind) -> time::OffsetDateTime {
    at(&v
        .events
        .iter()
        .rfind(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("a {kind:?} event"))
        .at)
}

struct Citizen<'a> {
    bureau: &'a Bureau,
    token: String,
}

impl Citizen<'_> {
    async fn submit(&self) -> String {
        let response = self
            .bureau
            .http
            .post(self.bureau.url("/v1/petitions"))
            .bearer_auth(&self.token)
            .header(IDEMPOTENCY_KEY, new_key())
            .json(&valid_petition())
            .send()
            .await
            .expect("the bureau answers");
        assert_eq!(response.status(), StatusCode::CREATED);
        let receipt: Receipt = response.json().await.expect("a receipt");
        receipt.tracking_code
    }

    async fn view(&self, code: &str) -> PetitionView {
        let v = self
            .bureau
            .get_json(&self.token, &format!("/v1/petitions/{code}"))
            .await;
        serde_json::from_value(v).expect("a petition view")
    }

    /// A citizen's step that the bureau takes: the petition after it.
    async fn step(&self, code: &str, step: &str, body: serde_json::Value) -> PetitionView {
        let response = self
            .bureau
            .post(&self.token, &format!("/v1/petitions/{code}/{step}"), &body)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{step}");
        response.json().await.expect("a petition view")
    }

    /// A citizen's step that the bureau refuses with 409 and `code`: its message.
    async fn refused(
        &self,
        petition: &str,
        step: &str,
        body: serde_json::Value,
        code: &str,
    ) -> String {
        let response = self
            .bureau
            .post(
                &self.token,
                &format!("/v1/petitions/{petition}/{step}"),
                &body,
            )
            .await;
        expect_error(response, StatusCode::CONFLICT, code)
            .await
            .message
    }
}

/// The bureau's own time, as `petition-bureau clock show` prints it.
fn bureau_now(b: &Bureau) -> time::OffsetDateTime {
    let out = b.run_ok(&["clock", "show"]);
    at(out.split('\t').next().expect("a time"))
}

fn advance(b: &Bureau, days: u32) {
    b.run_ok(&["clock", "advance", "--days", &days.to_string()]);
}

/// What `petition-bureau petition CODE …` leaves the petition in.
fn operator(b: &Bureau, args: &[&str]) -> String {
    let mut all = vec!["petition"];
    all.extend(args);
    let out = b.run_ok(&all);
    out.trim()
        .split('\t')
        .nth(1)
        .expect("the status")
        .to_owned()
}

on_both!(
    a_petition_goes_from_receipt_to_re_examination_on_a_moved_clock,
    |db| async move {
        let Some(b) = Bureau::start_with(db, &["--test-clock"]).await else {
            return;
        };
        let token = b.run_ok(&["token", "create", "--kind", "citizen", "--name", "journey"]);
        let citizen = Citizen {
            bureau: &b,
            token: token.trim().to_owned(),
        };
        let code = citizen.submit().await;
        let received = at(&citizen.view(&code).await.received_at);
        let route_due = due_date(received, 15);

        // Before the routing deadline has passed, an urge is refused with the day it is possible.
        let v = citizen.view(&code).await;
        assert_eq!(v.due.route, ymd(route_due));
        assert_eq!(v.due.notice, None);
        let urge_day = ymd(route_due.next_day().expect("a day"));
        assert_eq!(v.urge_from.as_deref(), Some(urge_day.as_str()));
        let early = citizen
            .refused(&code, "urge", json!({}), "urge_not_allowed")
            .await;
        assert!(early.contains(&urge_day), "{early}");

        // The clock moved past it in another process: the operator sees it late, the citizen
        // may urge, once that day.
        advance(
            &b,
            (route_due - china_date(received)).whole_days() as u32 + 1,
        );
        let today = china_date(bureau_now(&b));
        assert!(today > route_due, "{today} after {route_due}");
        let overdue = b.run_ok(&["petition", "list", "--overdue"]);
        let line = overdue
            .lines()
            .find(|l| l.starts_with(&code))
            .unwrap_or_else(|| panic!("{code} is overdue: {overdue}"));
        let days = (today - route_due).whole_days().to_string();
        assert_eq!(
            line.split('\t').collect::<Vec<_>>(),
            [code.as_str(), "submitted", "route", &ymd(route_due), &days]
        );
        let urged = citizen.step(&code, "urge", json!({})).await;
        assert_eq!(urged.events.last().map(|e| e.kind), Some(EventKind::Urged));
        let tomorrow = ymd(today.next_day().expect("a day"));
        assert_eq!(urged.urge_from.as_deref(), Some(tomorrow.as_str()));
        let twice = citizen
            .refused(&code, "urge", json!({}), "urge_not_allowed")
            .await;
        assert!(twice.contains("明天"), "{twice}");

        // 登记转送, then 受理告知, each with its 15 days.
        assert_eq!(
            operator(&b, &["route", &code, "--to", "西安市住房和城乡建设局"]),
            "registered"
        );
        let v = citizen.view(&code).await;
        let routed = last_event(&v, EventKind::Routed);
        assert_eq!(v.due.notice, Some(due(routed, 15)));
        assert_eq!(
            v.urge_from,
            Some(ymd(due_date(routed, 15).next_day().expect("a day")))
        );
        let again = b.run(&["petition", "route", &code, "--to", "别处"]);
        assert!(!again.status.success(), "routed once");
        assert_eq!(
            operator(&b, &["notify", &code, "--text", "已受理，60 日内答复"]),
            "accepted"
        );
        let v = citizen.view(&code).await;
        let accepted = last_event(&v, EventKind::Accepted);
        assert_eq!(v.due.reply, Some(due(accepted, 60)));
        assert_eq!(
            v.events
                .iter()
                .rfind(|e| e.kind == EventKind::Accepted)
                .and_then(|e| e.text.as_deref()),
            Some("已受理，60 日内答复")
        );
        citizen
            .refused(
                &code,
                "review",
                json!({"reason": "不服"}),
                "review_not_allowed",
            )
            .await;

        // The reply, rated 不满意, and a review asked for: rated once, decided, rated again.
        assert_eq!(
            operator(&b, &["reply", &code, "--text", "道路已列入维修计划"]),
            "replied"
        );
        let v = citizen
            .step(
                &code,
                "evaluation",
                json!({"satisfaction": "dissatisfied", "comment": "没修"}),
            )
            .await;
        assert_eq!(
            v.evaluation.map(|e| e.satisfaction.as_str()),
            Some("dissatisfied")
        );
        citizen
            .refused(
                &code,
                "evaluation",
                json!({"satisfaction": "satisfied"}),
                "evaluation_not_allowed",
            )
            .await;
        citizen
            .refused(
                &code,
                "recheck",
                json!({"reason": "不服"}),
                "recheck_not_allowed",
            )
            .await;
        advance(&b, 10);
        let v = citizen
            .step(&code, "review", json!({"reason": "路还没修"}))
            .await;
        assert_eq!(v.status, Status::ReviewRequested);
        let asked = last_event(&v, EventKind::ReviewRequested);
        assert_eq!(v.due.review_decision, Some(due(asked, 30)));
        assert_eq!(
            operator(&b, &["review-reply", &code, "--text", "维持原答复"]),
            "reviewed"
        );
        let v = citizen.view(&code).await;
        let reviewed = last_event(&v, EventKind::ReviewDecided);
        assert_eq!(v.due.recheck_request, Some(due(reviewed, 30)));
        citizen
            .step(&code, "evaluation", json!({"satisfaction": "dissatisfied"}))
            .await;

        // 复核 within its 30 days, its decision final: nothing more is taken.
        advance(&b, 20);
        let v = citizen
            .step(&code, "recheck", json!({"reason": "复查没有查清"}))
            .await;
        assert_eq!(v.status, Status::RecheckRequested);
        let asked = last_event(&v, EventKind::RecheckRequested);
        assert_eq!(v.due.recheck_decision, Some(due(asked, 30)));
        assert_eq!(
            operator(&b, &["recheck-reply", &code, "--text", "复核维持"]),
            "rechecked"
        );
        let v = citizen
            .step(
                &code,
                "evaluation",
                json!({"satisfaction": "basically_satisfied"}),
            )
            .await;
        assert_eq!(v.status, Status::Rechecked);
        assert_eq!(v.urge_from, None, "nothing waits on the bureau");
        let last = citizen
            .refused(
                &code,
                "recheck",
                json!({"reason": "再次"}),
                "recheck_not_allowed",
            )
            .await;
        assert!(last.contains("不再受理"), "{last}");
        citizen
            .refused(
                &code,
                "review",
                json!({"reason": "再次"}),
                "review_not_allowed",
            )
            .await;
        citizen
            .refused(&code, "urge", json!({}), "urge_not_allowed")
            .await;
        assert_eq!(operator(&b, &["conclude", &code]), "closed");

        // A second petition, replied and then left past its 30 days: the review is refused,
        // saying why.
        let late = citizen.submit().await;
        operator(&b, &["route", &late, "--to", "雁塔区住建局"]);
        operator(&b, &["notify", &late, "--text", "已受理"]);
        operator(&b, &["reply", &late, "--text", "已答复"]);
        let replied = last_event(&citizen.view(&late).await, EventKind::Replied);
        let last_day = due_date(replied, 30);
        advance(&b, (last_day - china_date(replied)).whole_days() as u32 + 1);
        assert!(china_date(bureau_now(&b)) > last_day);
        let why = citizen
            .refused(
                &late,
                "review",
                json!({"reason": "不服"}),
                "review_not_allowed",
            )
            .await;
        assert!(why.contains("30 天") && why.contains("30 days"), "{why}");
    }
);

/// The clock of a bureau started without `--test-clock` cannot be moved.
#[tokio::test]
async fn only_a_bureau_started_for_it_has_its_clock_moved() {
    let Some(b) = Bureau::start(Db::Sqlite).await else {
        return;
    };
    let out = b.run(&["clock", "advance", "--days", "1"]);
    assert!(!out.status.success());
    let why = String::from_utf8_lossy(&out.stderr);
    assert!(why.contains("--test-clock"), "{why}");
    let now = bureau_now(&b);
    assert!((now - time::OffsetDateTime::now_utc()).abs() < time::Duration::minutes(5));
}
