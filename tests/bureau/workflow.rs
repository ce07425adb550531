//! The workflow the operator drives, and what the citizen may do at each step.

use petition_api::{EventKind, PetitionList, PetitionView, Receipt, Satisfaction, Status};
use petition_bureau::ops::{self, Action, OpsError};
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
    let v = view(&b, &token, &code).await;
    let accepted = time::Date::parse(
        &v.due.acceptance,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("a date");
    let reply_due = time::Date::parse(
        v.due.reply.as_deref().expect("a reply due date"),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("a date");
    assert_eq!(reply_due - accepted, time::Duration::days(60 - 15));
    step(&b, &code, Action::Extend).await.expect("extend");
    assert!(
        step(&b, &code, Action::Extend).await.is_err(),
        "one extension"
    );
    let v = view(&b, &token, &code).await;
    assert!(v.due.reply_extended);
    let extended = time::Date::parse(
        v.due.reply.as_deref().expect("a reply due date"),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .expect("a date");
    assert_eq!(extended - reply_due, time::Duration::days(30));

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
        b.state.clock().advance(time::Duration::days(32));
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
