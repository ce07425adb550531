//! The wallet: a petition made elsewhere followed by its 查询码 and the petitioner's number.

use petition_api::{PetitionList, PetitionView, Receipt, Status};
use petition_bureau::petitions::wallet::MISSES_PER_ACCOUNT_HOUR;
use reqwest::StatusCode;

use super::*;

on_both!(
    a_petition_is_followed_by_its_code_and_number_only,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        // Made at a kiosk (as a letter or a phone call would be by the bureau's own staff).
        let kiosk = b.token(TokenKind::Kiosk).await;
        let receipt: Receipt = b
            .submit(&kiosk, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("receipt");
        let code = receipt.tracking_code;
        let citizen = b.token(TokenKind::Citizen).await;
        let track = async |token: &str, code: &str, phone: &str| {
            b.post(token, "/v1/petitions/track")
                .json(&serde_json::json!({"tracking_code": code, "phone": phone}))
                .send()
                .await
                .expect("an answer")
        };
        let list = async |token: &str| -> PetitionList {
            b.get(token, "/v1/petitions?since=0")
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("a list")
        };

        // Not yet followed: not seen.
        let before = b
            .get(&citizen, &format!("/v1/petitions/{code}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(before.status(), StatusCode::NOT_FOUND);
        assert!(list(&citizen).await.petitions.is_empty());

        // A wrong number and an unknown code get the same answer.
        let wrong_number = expect_error(
            track(&citizen, &code, "13800000000").await,
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        let unknown_code = expect_error(
            track(&citizen, "XF-2345-6789-ABCD-EFGH", "13912345678").await,
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        assert_eq!(wrong_number.message, unknown_code.message);
        expect_error(
            track(&citizen, "XF-1234", "13912345678").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_error(
            track(&citizen, &code, "029-88886666").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        expect_error(
            track(&kiosk, &code, "13912345678").await,
            StatusCode::FORBIDDEN,
            "track_not_allowed",
        )
        .await;

        // The right pair, typed as off a letter: followed, and then seen like the account's own.
        let typed = code.to_lowercase().replace('-', " ");
        let answer = track(&citizen, &typed, "+86 139 1234 5678").await;
        assert_eq!(answer.status(), StatusCode::OK);
        let v: PetitionView = answer.json().await.expect("a view");
        assert_eq!(v.tracking_code, code);
        assert_eq!(v.status, Status::Submitted);
        let again: PetitionView = track(&citizen, &code, "13912345678")
            .await
            .json()
            .await
            .expect("followed once, answered again");
        assert_eq!(again.tracking_code, code);
        let listed = list(&citizen).await;
        assert_eq!(
            listed
                .petitions
                .iter()
                .map(|p| p.tracking_code.as_str())
                .collect::<Vec<_>>(),
            [code.as_str()]
        );
        let seen = b
            .get(&citizen, &format!("/v1/petitions/{code}"))
            .send()
            .await
            .expect("an answer");
        assert_eq!(seen.status(), StatusCode::OK);
        // And its steps are the citizen's to take: rating before a reply is refused for its reason,
        // not as someone else's petition.
        expect_error(
            b.post(&citizen, &format!("/v1/petitions/{code}/evaluation"))
                .json(&serde_json::json!({"satisfaction": "satisfied"}))
                .send()
                .await
                .expect("an answer"),
            StatusCode::CONFLICT,
            "evaluation_not_allowed",
        )
        .await;
        // Another account still does not see it.
        let other = b.token(TokenKind::Citizen).await;
        assert!(list(&other).await.petitions.is_empty());
    }
);

on_both!(pairs_that_do_not_match_are_limited, |db| async move {
    let Some(b) = TestBureau::start(db).await else {
        return;
    };
    let owner = b.token(TokenKind::Citizen).await;
    let receipt: Receipt = b
        .submit(&owner, &new_key(), &valid_petition())
        .await
        .json()
        .await
        .expect("receipt");
    let guesser = b.token(TokenKind::Citizen).await;
    let track = async |phone: &str| {
        b.post(&guesser, "/v1/petitions/track")
            .json(&serde_json::json!({"tracking_code": receipt.tracking_code, "phone": phone}))
            .send()
            .await
            .expect("an answer")
    };
    let miss_them_all = async || {
        for n in 0..MISSES_PER_ACCOUNT_HOUR {
            expect_error(
                track(&format!("1380000000{n}")).await,
                StatusCode::NOT_FOUND,
                "petition_not_found",
            )
            .await;
        }
    };
    // Misses under a clock that was later moved back (a training bureau returned to today) are
    // not this hour's.
    let ahead = time::Duration::hours(5);
    b.state.clock().advance(ahead);
    miss_them_all().await;
    expect_error(
        track("13912345678").await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    b.state.clock().advance(-ahead);
    miss_them_all().await;
    // Limited now, even for the right number: a guess that hits is not told apart.
    let limited = track("13912345678").await;
    let wait: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=3600).contains(&wait), "{wait}");
    expect_error(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // An hour later the account may try again.
    b.state.clock().advance(time::Duration::hours(1));
    assert_eq!(track("13912345678").await.status(), StatusCode::OK);
});
