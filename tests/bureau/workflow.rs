//! The workflow the operator drives, and what the citizen may do at each step.

use petition_api::{
    Decision, EventKind, PetitionList, PetitionView, Receipt, Satisfaction, Status,
};
use petition_bureau::ops::{self, Action, OpsError};
use petition_rules::statute::{china_date, due, due_date};
use reqwest::StatusCode;

use super::*;

async fn view(b: &TestBureau, token: &str, code: &str) -> PetitionView {
    b.get(token, &format!("/v1/petitions/{code}"))
        .send()
        .await
        .expect("view")
        .json()
        .await
        .expect("a view")
}

fn parse_rfc3339(s: &str) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect("a date")
}

/// When the petition's first event of `kind` happened.
fn event_at(v: &PetitionView, kind: EventKind) -> time::OffsetDateTime {
    parse_rfc3339(
        &v.events
            .iter()
            .find(|e| e.kind == kind)
            .expect("the event")
            .at,
    )
}

async fn step(b: &TestBureau, code: &str, action: Action) -> Result<Status, OpsError> {
    ops::apply(b.state.store(), code, action, b.state.clock().now()).await
}

on_both!(evaluation_and_review_follow_the_statute, |db| async move {
    let Some(b) = TestBureau::start(db).await else {
        return;
    };
    let token = b.token(TokenKind::Citizen).await;
    let receipt: Receipt = b
        .submit(&token, &new_key(), &valid_petition())
        .await
        .json()
        .await
        .expect("receipt");
    let code = receipt.tracking_code.clone();
    let evaluation = format!("/v1/petitions/{code}/evaluation");
    let review = format!("/v1/petitions/{code}/review");
    let first: PetitionList = b
        .get(&token, "/v1/petitions")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list");
    assert_eq!(first.petitions.len(), 1);

    expect_error(
        b.post(&token, &evaluation)
            .json(&serde_json::json!({"satisfaction": "satisfied"}))
            .send()
            .await
            .expect("409"),
        StatusCode::CONFLICT,
        "evaluation_not_allowed",
    )
    .await;
    expect_error(
        b.post(&token, &review)
            .json(&serde_json::json!({"reason": "不服"}))
            .send()
            .await
            .expect("409"),
        StatusCode::CONFLICT,
        "review_not_allowed",
    )
    .await;

    assert_eq!(
        step(&b, &code, Action::Register).await.expect("register"),
        Status::Registered
    );
    assert_eq!(
        step(&b, &code, Action::Accept).await.expect("accept"),
        Status::Accepted
    );
    assert!(
        matches!(
            step(&b, &code, Action::Reject { reason: "x".into() }).await,
            Err(OpsError::NotAllowed { .. })
        ),
        "an accepted petition cannot be rejected"
    );
    // The reply is due 60 days after acceptance, 90 when extended, each period ending on a
    // working day (the calendar's own table of dates is in petition_rules::calendar).
    let v = view(&b, &token, &code).await;
    let accepted_at = event_at(&v, EventKind::Accepted);
    assert_eq!(v.due.reply.as_deref(), Some(due(accepted_at, 60).as_str()));
    assert_eq!(v.due.acceptance, due(parse_rfc3339(&v.received_at), 15));
    step(&b, &code, Action::Extend).await.expect("extend");
    assert!(
        step(&b, &code, Action::Extend).await.is_err(),
        "one extension"
    );
    let v = view(&b, &token, &code).await;
    assert!(v.due.reply_extended);
    assert_eq!(v.due.reply.as_deref(), Some(due(accepted_at, 90).as_str()));

    // The citizen's list from the last cursor shows the petition changed.
    let changed: PetitionList = b
        .get(
            &token,
            &format!("/v1/petitions?since={}", first.next_cursor),
        )
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list");
    assert_eq!(changed.petitions.len(), 1);
    let unchanged: PetitionList = b
        .get(
            &token,
            &format!("/v1/petitions?since={}", changed.next_cursor),
        )
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list");
    assert!(unchanged.petitions.is_empty());
    assert_eq!(unchanged.next_cursor, changed.next_cursor);
    expect_error(
        b.get(&token, "/v1/petitions?since=yesterday")
            .send()
            .await
            .expect("400"),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;

    step(
        &b,
        &code,
        Action::Reply {
            text: "已安排维修，十日内完成。".into(),
        },
    )
    .await
    .expect("reply");
    let v = view(&b, &token, &code).await;
    assert_eq!(v.status, Status::Replied);
    assert_eq!(v.replies.len(), 1);
    assert_eq!(v.replies[0].text, "已安排维修，十日内完成。");
    assert!(v.due.review_request.is_some());
    let kinds: Vec<EventKind> = v.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Submitted,
            EventKind::Registered,
            EventKind::Accepted,
            EventKind::Extended,
            EventKind::Replied
        ]
    );
    assert!(v.events.iter().all(|e| !e.at.is_empty()));

    let rated: PetitionView = b
        .post(&token, &evaluation)
        .json(&serde_json::json!({"satisfaction": "basically_satisfied", "comment": "还行"}))
        .send()
        .await
        .expect("evaluate")
        .json()
        .await
        .expect("a view");
    assert_eq!(
        rated.evaluation.as_ref().map(|e| e.satisfaction),
        Some(Satisfaction::BasicallySatisfied)
    );
    expect_error(
        b.post(&token, &evaluation)
            .json(&serde_json::json!({"satisfaction": "satisfied"}))
            .send()
            .await
            .expect("409"),
        StatusCode::CONFLICT,
        "evaluation_not_allowed",
    )
    .await;

    b.state.clock().advance(time::Duration::days(29));
    expect_error(
        b.post(&token, &review)
            .json(&serde_json::json!({"reason": " "}))
            .send()
            .await
            .expect("422"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let reviewed: PetitionView = b
        .post(&token, &review)
        .json(&serde_json::json!({"reason": "路面仍未修复"}))
        .send()
        .await
        .expect("review")
        .json()
        .await
        .expect("a view");
    assert_eq!(reviewed.status, Status::ReviewRequested);
    expect_error(
        b.post(&token, &review)
            .json(&serde_json::json!({"reason": "再次"}))
            .send()
            .await
            .expect("409"),
        StatusCode::CONFLICT,
        "review_not_allowed",
    )
    .await;
    step(
        &b,
        &code,
        Action::Reply {
            text: "复查：已修复。".into(),
        },
    )
    .await
    .expect("second reply");
    assert_eq!(
        step(&b, &code, Action::Close).await.expect("close"),
        Status::Closed
    );
    assert!(
        step(&b, "XF-NONE-NONE-NONE-NONE", Action::Close)
            .await
            .is_err()
    );
});

on_both!(
    no_review_more_than_30_days_after_the_reply,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let receipt: Receipt = b
            .submit(&token, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("receipt");
        let code = receipt.tracking_code;
        step(&b, &code, Action::Accept).await.expect("accept");
        step(
            &b,
            &code,
            Action::Reply {
                text: "答复".into(),
            },
        )
        .await
        .expect("reply");
        // The day after the last day of the 30 (which may run past a holiday).
        let v = view(&b, &token, &code).await;
        let replied = event_at(&v, EventKind::Replied);
        let last = due_date(replied, 30);
        assert_eq!(
            v.due.review_request.as_deref(),
            Some(due(replied, 30).as_str())
        );
        b.state
            .clock()
            .advance(last - china_date(replied) + time::Duration::days(1));
        let refused = expect_error(
            b.post(&token, &format!("/v1/petitions/{code}/review"))
                .json(&serde_json::json!({"reason": "不服"}))
                .send()
                .await
                .expect("409"),
            StatusCode::CONFLICT,
            "review_not_allowed",
        )
        .await;
        assert!(refused.message.contains("30"));

        let rejected: Receipt = b
            .submit(&token, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("receipt");
        step(
            &b,
            &rejected.tracking_code,
            Action::Reject {
                reason: "不属于本机关职责".into(),
            },
        )
        .await
        .expect("reject");
        let v = view(&b, &token, &rejected.tracking_code).await;
        assert_eq!(v.status, Status::NotAccepted);
        assert_eq!(
            v.events.last().and_then(|e| e.text.as_deref()),
            Some("不属于本机关职责")
        );
    }
);

on_both!(
    the_operator_sees_what_is_past_its_deadline,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let submit = async |purpose: &str| -> String {
            let petition = SubmitPetition {
                purpose: purpose.into(),
                ..valid_petition()
            };
            let receipt: Receipt = b
                .submit(&token, &new_key(), &petition)
                .await
                .json()
                .await
                .expect("receipt");
            receipt.tracking_code
        };
        let waiting = submit("claim").await;
        let claim = submit("claim").await;
        let suggestion = submit("suggestion").await;
        let reviewed = submit("complaint").await;
        for code in [&claim, &suggestion, &reviewed] {
            step(&b, code, Action::Accept).await.expect("accept");
        }
        step(
            &b,
            &reviewed,
            Action::Reply {
                text: "答复".into(),
            },
        )
        .await
        .expect("reply");
        let _: PetitionView = b
            .post(&token, &format!("/v1/petitions/{reviewed}/review"))
            .json(&serde_json::json!({"reason": "不服"}))
            .send()
            .await
            .expect("review")
            .json()
            .await
            .expect("a view");
        let ours = [&waiting, &claim, &suggestion, &reviewed];
        assert!(
            ops::overdue(b.state.store(), b.state.clock().now())
                .await
                .expect("overdue")
                .iter()
                .all(|o| !ours.contains(&&o.tracking_code))
        );

        // Only a 申诉求决 matter has a reply deadline (第三十四条).
        assert!(view(&b, &token, &claim).await.due.reply.is_some());
        assert_eq!(view(&b, &token, &suggestion).await.due.reply, None);
        let v = view(&b, &token, &reviewed).await;
        let asked = v
            .events
            .iter()
            .rfind(|e| e.kind == EventKind::ReviewRequested)
            .map(|e| parse_rfc3339(&e.at))
            .expect("the request");
        assert_eq!(v.due.review_decision, Some(due(asked, 30)));

        b.state.clock().advance(time::Duration::days(100));
        let today = china_date(b.state.clock().now());
        let late = |code: &str, status, deadline, last: time::Date| ops::Overdue {
            tracking_code: code.into(),
            status,
            deadline,
            due: petition_rules::statute::ymd(last),
            days: (today - last).whole_days(),
        };
        let received = parse_rfc3339(&view(&b, &token, &waiting).await.received_at);
        let accepted = event_at(&view(&b, &token, &claim).await, EventKind::Accepted);
        let expected = vec![
            late(&waiting, Status::Submitted, "route", due_date(received, 15)),
            late(
                &reviewed,
                Status::ReviewRequested,
                "review_decision",
                due_date(asked, 30),
            ),
            late(&claim, Status::Accepted, "reply", due_date(accepted, 60)),
        ];
        assert!(expected.iter().all(|o| o.days > 0));
        // The PostgreSQL database holds other tests' petitions too.
        let listed: Vec<ops::Overdue> = ops::overdue(b.state.store(), b.state.clock().now())
            .await
            .expect("overdue")
            .into_iter()
            .filter(|o| ours.contains(&&o.tracking_code))
            .collect();
        assert_eq!(listed, expected);
    }
);

/// `petition-bureau --holidays FILE` reads a newer calendar, and a file it cannot read stops
/// it with the line to fix, before anything is counted on the wrong days.
#[test]
fn a_holiday_calendar_file_is_read_and_a_broken_one_refused_with_its_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = |calendar: &str, args: &[&str]| {
        let file = dir.path().join("holidays.txt");
        std::fs::write(&file, calendar).expect("write the calendar");
        std::process::Command::new(petition_tests::workspace_bin("petition-bureau"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--holidays")
            .arg(&file)
            .args(args)
            .env_remove("DATABASE_URL")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("petition-bureau runs")
    };
    let newer = "year 2027 https://www.gov.cn/\nrest 2027-01-01 2027-01-03 元旦\n";
    let out = run(newer, &["petition", "list", "--overdue"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "nothing is overdue in a new bureau");

    let broken = "year 2027 https://www.gov.cn/\nrest 2027-01-03 2027-01-01 元旦\n";
    let out = run(broken, &["petition", "list"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("holidays.txt") && stderr.contains("line 2"),
        "{stderr}"
    );
}

on_both!(
    reply_review_and_re_examination_are_each_rated_once_and_the_last_concludes,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let receipt: Receipt = b
            .submit(&token, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("receipt");
        let code = receipt.tracking_code;
        let post = async |what: &str, body: serde_json::Value| {
            b.post(&token, &format!("/v1/petitions/{code}/{what}"))
                .json(&body)
                .send()
                .await
                .expect("an answer")
        };
        let ok = async |what: &str, body: serde_json::Value| -> PetitionView {
            let answer = post(what, body).await;
            assert_eq!(answer.status(), StatusCode::OK, "{what}");
            answer.json().await.expect("a view")
        };
        let refused = async |what: &str, body: serde_json::Value, code: &str| {
            expect_error(post(what, body).await, StatusCode::CONFLICT, code).await
        };
        let rate = |satisfaction: &str| serde_json::json!({"satisfaction": satisfaction});
        let reason = |text: &str| serde_json::json!({"reason": text});

        step(&b, &code, Action::Accept).await.expect("accept");
        refused("recheck", reason("不服"), "recheck_not_allowed").await;
        step(
            &b,
            &code,
            Action::Reply {
                text: "答复".into(),
            },
        )
        .await
        .expect("reply");
        let v = ok("evaluation", rate("dissatisfied")).await;
        let rated = v.evaluation.expect("the evaluation");
        assert_eq!(
            (rated.satisfaction, rated.decision),
            (Satisfaction::Dissatisfied, Decision::Reply)
        );
        refused("evaluation", rate("satisfied"), "evaluation_not_allowed").await;
        refused("recheck", reason("不服"), "recheck_not_allowed").await;

        // 复查: asked, decided (by the operator's review-reply), rated once.
        let v = ok("review", reason("答复没有回应积水的原因")).await;
        assert_eq!(v.status, Status::ReviewRequested);
        assert!(v.due.review_decision.is_some());
        refused("evaluation", rate("satisfied"), "evaluation_not_allowed").await;
        assert!(
            step(&b, &code, Action::RecheckReply { text: "x".into() })
                .await
                .is_err(),
            "no re-examination was asked for"
        );
        assert_eq!(
            step(
                &b,
                &code,
                Action::ReviewReply {
                    text: "复查：维持原答复。".into()
                }
            )
            .await
            .expect("review decision"),
            Status::Reviewed
        );
        let v = ok("evaluation", rate("dissatisfied")).await;
        assert_eq!(
            v.evaluation.as_ref().map(|e| e.decision),
            Some(Decision::Review)
        );
        assert_eq!(v.due.review_decision, None, "decided");
        let reviewed = event_at(&v, EventKind::ReviewDecided);
        assert_eq!(v.due.recheck_request, Some(due(reviewed, 30)));
        assert_eq!(
            v.replies
                .iter()
                .map(|r| r.text.as_str())
                .collect::<Vec<_>>(),
            ["答复", "复查：维持原答复。"]
        );

        // 复核, asked on the last day of its 30 (which may run past a holiday), decided by the
        // operator's plain reply, and then the matter is concluded.
        let last = due_date(reviewed, 30);
        b.state.clock().advance(last - china_date(reviewed));
        let v = ok("recheck", reason("复查意见仍未回应")).await;
        assert_eq!(v.status, Status::RecheckRequested);
        assert!(v.due.recheck_decision.is_some());
        refused("recheck", reason("再次"), "recheck_not_allowed").await;
        refused("review", reason("再次"), "review_not_allowed").await;
        assert_eq!(
            step(
                &b,
                &code,
                Action::Reply {
                    text: "复核：维持复查意见。".into()
                }
            )
            .await
            .expect("re-examination decision"),
            Status::Rechecked
        );
        let v = ok("evaluation", rate("basically_satisfied")).await;
        assert_eq!(
            v.evaluation.map(|e| (e.satisfaction, e.decision)),
            Some((Satisfaction::BasicallySatisfied, Decision::Recheck))
        );
        refused("evaluation", rate("satisfied"), "evaluation_not_allowed").await;
        let twice = refused("recheck", reason("再次"), "recheck_not_allowed").await;
        assert!(twice.message.contains("不再受理"), "{}", twice.message);
        let kinds: Vec<EventKind> = v.events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::Submitted,
                EventKind::Accepted,
                EventKind::Replied,
                EventKind::Evaluated,
                EventKind::ReviewRequested,
                EventKind::ReviewDecided,
                EventKind::Evaluated,
                EventKind::RecheckRequested,
                EventKind::RecheckDecided,
                EventKind::Evaluated,
            ]
        );
        assert_eq!(
            step(&b, &code, Action::Conclude).await.expect("conclude"),
            Status::Closed
        );
        assert!(step(&b, &code, Action::Conclude).await.is_err());
    }
);

on_both!(no_re_examination_after_its_30_days, |db| async move {
    let Some(b) = TestBureau::start(db).await else {
        return;
    };
    let token = b.token(TokenKind::Citizen).await;
    let receipt: Receipt = b
        .submit(&token, &new_key(), &valid_petition())
        .await
        .json()
        .await
        .expect("receipt");
    let code = receipt.tracking_code;
    step(&b, &code, Action::Accept).await.expect("accept");
    step(
        &b,
        &code,
        Action::Reply {
            text: "答复".into(),
        },
    )
    .await
    .expect("reply");
    let _: PetitionView = b
        .post(&token, &format!("/v1/petitions/{code}/review"))
        .json(&serde_json::json!({"reason": "不服"}))
        .send()
        .await
        .expect("review")
        .json()
        .await
        .expect("a view");
    step(
        &b,
        &code,
        Action::ReviewReply {
            text: "复查意见".into(),
        },
    )
    .await
    .expect("review decision");
    let reviewed = event_at(&view(&b, &token, &code).await, EventKind::ReviewDecided);
    b.state
        .clock()
        .advance(due_date(reviewed, 30) - china_date(reviewed) + time::Duration::days(1));
    let late = expect_error(
        b.post(&token, &format!("/v1/petitions/{code}/recheck"))
            .json(&serde_json::json!({"reason": "不服"}))
            .send()
            .await
            .expect("409"),
        StatusCode::CONFLICT,
        "recheck_not_allowed",
    )
    .await;
    assert!(late.message.contains("30"), "{}", late.message);
    assert_eq!(view(&b, &token, &code).await.status, Status::Reviewed);
});

// A citizen's step sent again with its `Idempotency-Key` (its answer was lost on the way)
// answers with the petition as it stands and makes no second event; a key is one step's.
on_both!(
    a_step_sent_again_with_its_key_changes_nothing,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let receipt: Receipt = b
            .submit(&token, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("receipt");
        let code = receipt.tracking_code;
        let send = async |what: &str, key: Option<&str>, body: serde_json::Value| {
            let mut request = b.post(&token, &format!("/v1/petitions/{code}/{what}"));
            if let Some(key) = key {
                request = request.header(petition_api::headers::IDEMPOTENCY_KEY, key);
            }
            request.json(&body).send().await.expect("an answer")
        };
        let ok = async |what: &str, key: &str, body: serde_json::Value| -> PetitionView {
            let answer = send(what, Some(key), body).await;
            assert_eq!(answer.status(), StatusCode::OK, "{what}");
            answer.json().await.expect("a view")
        };
        let count =
            |v: &PetitionView, kind: EventKind| v.events.iter().filter(|e| e.kind == kind).count();
        step(&b, &code, Action::Accept).await.expect("accept");
        step(
            &b,
            &code,
            Action::Reply {
                text: "答复".into(),
            },
        )
        .await
        .expect("reply");

        let rating = new_key();
        let rate = serde_json::json!({"satisfaction": "dissatisfied", "comment": "没有回应积水"});
        let first = ok("evaluation", &rating, rate.clone()).await;
        let again = ok("evaluation", &rating, rate.clone()).await;
        assert_eq!(count(&again, EventKind::Evaluated), 1);
        assert_eq!(again.evaluation, first.evaluation);
        // Without its key the same rating is a second one.
        expect_error(
            send("evaluation", None, rate).await,
            StatusCode::CONFLICT,
            "evaluation_not_allowed",
        )
        .await;

        let review = new_key();
        let reason = serde_json::json!({"reason": "答复没有回应积水的原因"});
        assert_eq!(
            ok("review", &review, reason.clone()).await.status,
            Status::ReviewRequested
        );
        let again = ok("review", &review, reason.clone()).await;
        assert_eq!(count(&again, EventKind::ReviewRequested), 1);
        assert_eq!(again.status, Status::ReviewRequested);
        // The rating's key made a rating, not this review.
        expect_error(
            send("review", Some(&rating), reason.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        )
        .await;
        expect_error(
            send("review", Some("not-a-uuid"), reason.clone()).await,
            StatusCode::BAD_REQUEST,
            "idempotency_key_invalid",
        )
        .await;
        // An empty key is no key: the step is judged as a new one, and a second review is not due.
        expect_error(
            send("review", Some(""), reason).await,
            StatusCode::CONFLICT,
            "review_not_allowed",
        )
        .await;

        // The review's decision is late after 30 days: urged once under one key, however often sent.
        b.state.clock().advance(time::Duration::days(40));
        let urge = new_key();
        ok("urge", &urge, serde_json::json!({})).await;
        let again = ok("urge", &urge, serde_json::json!({})).await;
        assert_eq!(count(&again, EventKind::Urged), 1);
        expect_error(
            send("urge", Some(&new_key()), serde_json::json!({})).await,
            StatusCode::CONFLICT,
            "urge_not_allowed",
        )
        .await;
    }
);

on_both!(
    an_organ_sends_back_what_is_not_its_matter_within_five_working_days,
    |db| async move {
        use petition_rules::statute::{objection_last_day, ymd};

        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let receipt: Receipt = b
            .submit(&token, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("receipt");
        let code = receipt.tracking_code.clone();
        let object = |reason: &str| Action::Object {
            reason: reason.into(),
        };
        // Not routed yet: nothing to send back.
        assert!(matches!(
            step(&b, &code, object("不属于本机关职责")).await,
            Err(OpsError::NotAllowed { .. })
        ));
        let route = |to: &str| Action::Route { to: to.into() };
        step(&b, &code, route("西安市公安局"))
            .await
            .expect("routed");
        let routed = event_at(&view(&b, &token, &code).await, EventKind::Routed);
        assert!(view(&b, &token, &code).await.due.notice.is_some());

        // On the fifth working day, at least a week of calendar days later (a weekend, perhaps a
        // holiday, in between), it is still in time.
        let last_day = objection_last_day(routed);
        let days = (last_day - china_date(routed)).whole_days();
        assert!(days >= 7, "five working days are {days} calendar days");
        b.state.clock().advance(time::Duration::days(days));
        assert!(matches!(
            step(&b, &code, object("")).await,
            Err(OpsError::EmptyText)
        ));
        assert_eq!(
            step(&b, &code, object("属于住房和城乡建设部门的职责"))
                .await
                .expect("sent back"),
            Status::Registered
        );
        let v = view(&b, &token, &code).await;
        let back = v
            .events
            .iter()
            .find(|e| e.kind == EventKind::Objected)
            .expect("the citizen sees it");
        assert_eq!(back.text.as_deref(), Some("属于住房和城乡建设部门的职责"));
        // Waiting to be routed again: no organ's notice is due meanwhile.
        assert_eq!(v.due.notice, None);
        assert!(matches!(
            step(&b, &code, object("又一次")).await,
            Err(OpsError::NotAllowed { .. })
        ));

        // Routed again, to the right organ: its own five working days run from then, and the day
        // after the last one is too late.
        step(&b, &code, route("西安市住房和城乡建设局"))
            .await
            .expect("routed again");
        let again = b.state.clock().now();
        let v = view(&b, &token, &code).await;
        assert_eq!(v.due.notice, Some(due(again, 15)));
        let last_day = objection_last_day(again);
        b.state.clock().advance(time::Duration::days(
            (last_day - china_date(again)).whole_days() + 1,
        ));
        match step(&b, &code, object("也不是我们的")).await {
            Err(OpsError::ObjectionTooLate { last_day: said }) => assert_eq!(said, ymd(last_day)),
            other => panic!("a late objection: {other:?}"),
        }
        assert_eq!(
            step(&b, &code, Action::Accept)
                .await
                .expect("the organ takes it"),
            Status::Accepted
        );
    }
);
