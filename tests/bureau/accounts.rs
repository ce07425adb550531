//! Citizens' accounts (issue 17): sign-up and sign-in by a mobile number and a one-time code
//! (read from the bureau's SMS file, as a phone would get it), ownership by account across
//! tokens, and every refusal of a code with its own message, none telling whether a number is
//! registered.

use petition_api::{CodeSent, PetitionList, Receipt, SignedIn};
use petition_bureau::accounts;
use reqwest::StatusCode;
use serde_json::json;

use super::*;

/// A mobile number no other test uses (the PostgreSQL tests share one database).
fn new_phone() -> String {
    format!("139{:08}", rand::random_range(0..100_000_000u32))
}

/// A number written the way people do: spaces, +86, dashes.
fn spaced(phone: &str) -> String {
    format!("+86 {} {}-{}", &phone[..3], &phone[3..7], &phone[7..])
}

/// Limits with room for every test's codes from 127.0.0.1 (they share PostgreSQL's table).
fn roomy() -> Limits {
    Limits {
        accounts: petition_bureau::config::AccountLimits {
            codes_per_address_hour: 100_000,
            codes_per_hour: 100_000,
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn start(db: Db) -> Option<TestBureau> {
    TestBureau::start_with(db, roomy()).await
}

/// A bureau on a database of its own that sends `per_hour` codes an hour from one address: every
/// test asks from 127.0.0.1, and that budget is what is counted.
async fn alone_with_budget(db: Db, per_hour: u32) -> Option<TestBureau> {
    let limits = Limits {
        accounts: petition_bureau::config::AccountLimits {
            codes_per_address_hour: per_hour,
            ..Default::default()
        },
        ..Default::default()
    };
    TestBureau::start_alone(db, limits).await
}

async fn ask_code(b: &TestBureau, body: serde_json::Value) -> Response {
    b.http
        .post(b.url("/v1/account/codes"))
        .json(&body)
        .send()
        .await
        .expect("the bureau answers")
}

fn sign_up(phone: &str) -> serde_json::Value {
    json!({"phone": phone, "purpose": "sign_up", "name": "王丽", "id_number": "11010519491231002X"})
}

fn sign_in(phone: &str) -> serde_json::Value {
    json!({"phone": phone, "purpose": "sign_in"})
}

async fn verify(b: &TestBureau, phone: &str, code: &str) -> Response {
    b.http
        .post(b.url("/v1/account/tokens"))
        .json(&json!({"phone": phone, "code": code}))
        .send()
        .await
        .expect("the bureau answers")
}

/// Moves the bureau's clock past the one-code-a-minute limit.
fn a_minute_later(b: &TestBureau) {
    b.state.clock().advance(time::Duration::seconds(61));
}

/// Signs `phone` in with the code sent for `body`, returning the answer.
async fn signed_in(b: &TestBureau, body: serde_json::Value) -> SignedIn {
    let phone: String = body["phone"]
        .as_str()
        .expect("a phone")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let phone = phone
        .strip_prefix("86")
        .filter(|p| p.len() == 11)
        .unwrap_or(&phone)
        .to_owned();
    let asked = ask_code(b, body).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let code = b.last_code(&phone).expect("a code in the SMS file");
    let answer = verify(b, &phone, &code).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    answer.json().await.expect("a token")
}

async fn petitions(b: &TestBureau, token: &str) -> PetitionList {
    let answer = b.get(token, "/v1/petitions").send().await.expect("list");
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.expect("a list")
}

on_both!(
    an_account_keeps_its_petitions_across_tokens,
    |db| async move {
        let Some(b) = start(db).await else {
            return;
        };
        let phone = new_phone();
        let first = signed_in(&b, sign_up(&spaced(&phone))).await;
        assert!(first.created);
        assert_eq!(
            first.account.phone,
            format!("{}****{}", &phone[..3], &phone[7..])
        );
        assert!(
            !format!("{first:?}").contains(&first.token),
            "the token never shows in Debug"
        );

        let key = new_key();
        let receipt: Receipt = b
            .submit(&first.token, &key, &valid_petition())
            .await
            .json()
            .await
            .expect("a receipt");

        // A second machine signs in with a code of its own: the same account, the same history.
        a_minute_later(&b);
        let second = signed_in(&b, sign_in(&phone)).await;
        assert!(!second.created);
        assert_ne!(second.token, first.token);
        let seen = petitions(&b, &second.token).await;
        assert_eq!(seen.petitions.len(), 1);
        assert_eq!(seen.petitions[0].tracking_code, receipt.tracking_code);

        // The petition re-sent under the new token is the same one, never a duplicate.
        let again = b.submit(&second.token, &key, &valid_petition()).await;
        assert!(again.status().is_success(), "{}", again.status());
        let again: Receipt = again.json().await.expect("the receipt again");
        assert_eq!(again.tracking_code, receipt.tracking_code);
        assert_eq!(held(&b, &key).await, 1);

        // Signing up again with a number that has an account signs in to it.
        a_minute_later(&b);
        let third = signed_in(&b, sign_up(&phone)).await;
        assert!(!third.created);
        assert_eq!(petitions(&b, &third.token).await.petitions.len(), 1);

        let account: serde_json::Value = b
            .get(&second.token, "/v1/account")
            .send()
            .await
            .expect("account")
            .json()
            .await
            .expect("JSON");
        assert_eq!(account["phone"], first.account.phone);

        // Signing out ends that token only.
        let out = b
            .http
            .delete(b.url("/v1/account/tokens/current"))
            .bearer_auth(&second.token)
            .send()
            .await
            .expect("sign out");
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        let refused = b
            .get(&second.token, "/v1/petitions")
            .send()
            .await
            .expect("refused");
        expect_error(refused, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_eq!(petitions(&b, &first.token).await.petitions.len(), 1);

        // The operator revokes every token of the number.
        let revoked = accounts::revoke(b.state.store(), &spaced(&phone), b.state.clock().now())
            .await
            .expect("revoke");
        assert_eq!(revoked, Some(2), "the first and the third token were live");
        for token in [&first.token, &third.token] {
            let refused = b.get(token, "/v1/petitions").send().await.expect("refused");
            expect_error(refused, StatusCode::UNAUTHORIZED, "unauthorized").await;
        }
        assert_eq!(
            accounts::revoke(b.state.store(), &new_phone(), b.state.clock().now())
                .await
                .expect("revoke"),
            None
        );

        // Another citizen sees nothing of it.
        a_minute_later(&b);
        let other = signed_in(&b, sign_up(&new_phone())).await;
        assert!(petitions(&b, &other.token).await.petitions.is_empty());
        let by_code = b
            .get(
                &other.token,
                &format!("/v1/petitions/{}", receipt.tracking_code),
            )
            .send()
            .await
            .expect("answer");
        expect_error(by_code, StatusCode::NOT_FOUND, "petition_not_found").await;
    }
);

/// How many petitions the bureau holds under this petition id, whoever owns them.
async fn held(b: &TestBureau, key: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM petitions WHERE petition_id = $1")
        .bind(key)
        .fetch_one(b.state.store().pool())
        .await
        .expect("a count")
}

on_both!(
    every_refusal_of_a_code_has_its_own_message,
    |db| async move {
        let Some(b) = start(db).await else {
            return;
        };
        let phone = new_phone();
        let phone = phone.as_str();
        // No code asked for yet.
        let none = verify(&b, phone, "123456").await;
        let none = expect_error(none, StatusCode::UNPROCESSABLE_ENTITY, "code_missing").await;

        // Five wrong tries void the code; each before says how many are left.
        assert_eq!(
            ask_code(&b, sign_up(phone)).await.status(),
            StatusCode::ACCEPTED
        );
        let right = b.last_code(phone).expect("a code");
        let wrong = format!(
            "{:06}",
            (right.parse::<u32>().expect("digits") + 1) % 1_000_000
        );
        let mut messages = Vec::new();
        for left in (1..=4).rev() {
            let answer = verify(&b, phone, &wrong).await;
            let body = expect_error(answer, StatusCode::UNPROCESSABLE_ENTITY, "code_wrong").await;
            assert!(
                body.message.contains(&format!("还可以再试 {left} 次")),
                "{}",
                body.message
            );
            messages.push(body.message);
        }
        let fifth = verify(&b, phone, &wrong).await;
        let voided = expect_error(fifth, StatusCode::UNPROCESSABLE_ENTITY, "code_voided").await;
        let late = verify(&b, phone, &right).await;
        expect_error(late, StatusCode::UNPROCESSABLE_ENTITY, "code_voided").await;

        // A code works once.
        a_minute_later(&b);
        let token = signed_in(&b, sign_up(phone)).await;
        assert!(token.created);
        let used = b.last_code(phone).expect("the code");
        let reuse = verify(&b, phone, &used).await;
        let reused = expect_error(reuse, StatusCode::UNPROCESSABLE_ENTITY, "code_used").await;

        // A code lasts five minutes.
        a_minute_later(&b);
        assert_eq!(
            ask_code(&b, sign_in(phone)).await.status(),
            StatusCode::ACCEPTED
        );
        let code = b.last_code(phone).expect("a code");
        b.state.clock().advance(time::Duration::seconds(301));
        let expired = verify(&b, phone, &code).await;
        let expired = expect_error(expired, StatusCode::UNPROCESSABLE_ENTITY, "code_expired").await;

        let all = [
            &none.message,
            &messages[0],
            &voided.message,
            &reused.message,
            &expired.message,
        ];
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(
            distinct.len(),
            all.len(),
            "each refusal is worded apart: {all:?}"
        );

        // A number that is no mobile number is refused before anything is sent.
        let landline = ask_code(&b, sign_in("029-88886666")).await;
        let body = expect_error(
            landline,
            StatusCode::UNPROCESSABLE_ENTITY,
            "account_field_invalid",
        )
        .await;
        assert_eq!(body.problems[0].field, "phone");
        let bad_id = ask_code(
        &b,
        json!({"phone": new_phone(), "purpose": "sign_up", "name": "李四", "id_number": "110105194912310021"}),
    )
    .await;
        let body = expect_error(
            bad_id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "account_field_invalid",
        )
        .await;
        assert_eq!(body.problems[0].field, "id_number");
        assert_eq!(body.problems[0].code, "id_number_checksum");
    }
);

on_both!(codes_are_limited_per_number_and_in_all, |db| async move {
    let Some(b) = alone_with_budget(db, 14).await else {
        return;
    };
    let phone = new_phone();
    let phone = phone.as_str();
    assert_eq!(
        ask_code(&b, sign_in(phone)).await.status(),
        StatusCode::ACCEPTED
    );
    let soon = ask_code(&b, sign_in(phone)).await;
    let retry: u64 = soon.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    expect_error(soon, StatusCode::TOO_MANY_REQUESTS, "code_too_soon").await;
    for _ in 1..10 {
        a_minute_later(&b);
        assert_eq!(
            ask_code(&b, sign_in(phone)).await.status(),
            StatusCode::ACCEPTED
        );
    }
    a_minute_later(&b);
    let hourly = ask_code(&b, sign_in(phone)).await;
    let retry: u64 = hourly.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry > 60 && retry <= 3600, "{retry}");
    expect_error(hourly, StatusCode::TOO_MANY_REQUESTS, "code_hourly_limit").await;
    assert_eq!(b.codes_sent(), 10, "nothing is sent past a limit");

    // This address's budget: 14 an hour, whatever the numbers.
    for n in 0..4 {
        let other = new_phone();
        assert_eq!(
            ask_code(&b, sign_in(&other)).await.status(),
            StatusCode::ACCEPTED,
            "{n}"
        );
    }
    let spent = ask_code(&b, sign_in(&new_phone())).await;
    assert!(spent.headers().contains_key("retry-after"));
    expect_error(spent, StatusCode::TOO_MANY_REQUESTS, "code_budget_spent").await;
    assert_eq!(b.codes_sent(), 14);
});

on_both!(
    codes_sent_under_a_clock_later_moved_back_do_not_count,
    |db| async move {
        let Some(b) = alone_with_budget(db, 3).await else {
            return;
        };
        // A training bureau's clock, five hours ahead.
        let ahead = time::Duration::hours(5);
        b.state.clock().advance(ahead);
        let phone = new_phone();
        for _ in 0..2 {
            assert_eq!(
                ask_code(&b, sign_in(&new_phone())).await.status(),
                StatusCode::ACCEPTED
            );
        }
        assert_eq!(
            ask_code(&b, sign_in(&phone)).await.status(),
            StatusCode::ACCEPTED
        );
        let spent = ask_code(&b, sign_in(&new_phone())).await;
        expect_error(spent, StatusCode::TOO_MANY_REQUESTS, "code_budget_spent").await;

        // The training is over and the clock is back at "today": the sends in its future are not
        // this hour's, for this address or for the number.
        b.state.clock().advance(-ahead);
        assert_eq!(
            ask_code(&b, sign_in(&new_phone())).await.status(),
            StatusCode::ACCEPTED
        );
        assert_eq!(
            ask_code(&b, sign_in(&phone)).await.status(),
            StatusCode::ACCEPTED,
            "the number's code five hours ahead is not a minute ago"
        );
    }
);

on_both!(
    nothing_tells_whether_a_number_is_registered,
    |db| async move {
        let Some(b) = start(db).await else {
            return;
        };
        let phone = new_phone();
        let phone = phone.as_str();
        signed_in(&b, sign_up(phone)).await;
        a_minute_later(&b);
        let unknown = new_phone();
        let unknown = unknown.as_str();
        let answers = [
            ask_code(&b, sign_in(phone)).await,
            ask_code(&b, sign_in(unknown)).await,
        ];
        let mut seen = Vec::new();
        for answer in answers {
            seen.push((
                answer.status(),
                answer.json::<CodeSent>().await.expect("the same body"),
            ));
        }
        assert_eq!(seen[0], seen[1]);
        // A wrong code is told alike for both.
        let wrong = |phone: &str| {
            let right = b.last_code(phone).expect("a code was sent either way");
            format!(
                "{:06}",
                (right.parse::<u32>().expect("digits") + 7) % 1_000_000
            )
        };
        let (w1, w2) = (wrong(phone), wrong(unknown));
        let a = verify(&b, phone, &w1).await;
        let a = expect_error(a, StatusCode::UNPROCESSABLE_ENTITY, "code_wrong").await;
        let c = verify(&b, unknown, &w2).await;
        let c = expect_error(c, StatusCode::UNPROCESSABLE_ENTITY, "code_wrong").await;
        assert_eq!(a.message, c.message);
        // Only whoever holds the phone learns it has no account.
        let code = b.last_code(unknown).expect("a code");
        let not_found = verify(&b, unknown, &code).await;
        expect_error(not_found, StatusCode::NOT_FOUND, "account_not_found").await;
    }
);

on_both!(tokens_expire_and_accounts_can_be_deleted, |db| async move {
    let Some(b) = start(db).await else {
        return;
    };
    let phone = new_phone();
    let phone = phone.as_str();
    let signed = signed_in(&b, sign_up(phone)).await;
    let key = new_key();
    b.submit(&signed.token, &key, &valid_petition()).await;
    b.state.clock().advance(time::Duration::days(181));
    let late = b
        .get(&signed.token, "/v1/petitions")
        .send()
        .await
        .expect("answer");
    expect_error(late, StatusCode::UNAUTHORIZED, "token_expired").await;

    let again = signed_in(&b, sign_in(phone)).await;
    assert_eq!(petitions(&b, &again.token).await.petitions.len(), 1);
    let deleted = b
        .http
        .delete(b.url("/v1/account"))
        .bearer_auth(&again.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = b
        .get(&again.token, "/v1/account")
        .send()
        .await
        .expect("answer");
    expect_error(gone, StatusCode::UNAUTHORIZED, "unauthorized").await;
    // The number can sign up afresh, to an account without the old history.
    a_minute_later(&b);
    let fresh = signed_in(&b, sign_up(phone)).await;
    assert!(fresh.created);
    assert!(petitions(&b, &fresh.token).await.petitions.is_empty());
    assert_eq!(
        held(&b, &key).await,
        1,
        "the petition stays with the bureau"
    );
    // A kiosk's account has no number to delete.
    let kiosk = b.token(TokenKind::Kiosk).await;
    let refused = b
        .http
        .delete(b.url("/v1/account"))
        .bearer_auth(&kiosk)
        .send()
        .await
        .expect("answer");
    expect_error(refused, StatusCode::NOT_FOUND, "account_not_found").await;
});

on_both!(
    a_kiosks_petition_is_claimed_by_the_number_on_it,
    |db| async move {
        let Some(b) = start(db).await else {
            return;
        };
        let kiosk = b.token(TokenKind::Kiosk).await;
        let phone = new_phone();
        let mut petition = valid_petition();
        petition.phone = format!("{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]);
        let receipt: Receipt = b
            .submit(&kiosk, &new_key(), &petition)
            .await
            .json()
            .await
            .expect("receipt");
        let mut other = valid_petition();
        other.phone = new_phone();
        b.submit(&kiosk, &new_key(), &other).await;

        let signed = signed_in(&b, sign_up(&phone)).await;
        assert_eq!(signed.claimed, 1);
        let seen = petitions(&b, &signed.token).await;
        assert_eq!(seen.petitions.len(), 1);
        assert_eq!(seen.petitions[0].tracking_code, receipt.tracking_code);
        // The kiosk still follows both.
        assert_eq!(petitions(&b, &kiosk).await.petitions.len(), 2);
    }
);
