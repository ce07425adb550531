//! `POST /v1/petitions`: validation with the client's rules, and exactly-once intake.

use std::collections::HashSet;
use std::time::Duration;

use petition_api::{PetitionList, Receipt};
use reqwest::StatusCode;

use super::*;

on_both!(
    invalid_petitions_are_refused_field_by_field,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let key = new_key();
        let mut bad = valid_petition();
        bad.id_number = "110105194912310021".into();
        bad.phone = "12345".into();
        bad.facts = String::new();
        let error = expect_error(
            b.submit(&token, &key, &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let problems: Vec<(&str, &str)> = error
            .problems
            .iter()
            .map(|p| (p.field.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                ("id_number", "id_number_checksum"),
                ("phone", "phone_invalid"),
                ("facts", "required")
            ]
        );
        assert!(
            !error.message.contains("110105194912310021"),
            "no personal data in messages"
        );

        let corrected = b.submit(&token, &key, &valid_petition()).await;
        assert_eq!(
            corrected.status(),
            StatusCode::CREATED,
            "a refused key may be used for the fix"
        );

        expect_error(
            b.post(&token, "/v1/petitions")
                .json(&valid_petition())
                .send()
                .await
                .expect("400"),
            StatusCode::BAD_REQUEST,
            "idempotency_key_missing",
        )
        .await;
        expect_error(
            b.submit(&token, "petition-1", &valid_petition()).await,
            StatusCode::BAD_REQUEST,
            "idempotency_key_invalid",
        )
        .await;
    }
);

on_both!(
    fifty_concurrent_submissions_make_one_petition,
    |db| async move {
        let limits = Limits {
            rate_per_second: 1000.0,
            rate_burst: 1000.0,
            ..Limits::default()
        };
        let Some(b) = TestBureau::start_with(db, limits).await else {
            return;
        };
        let b = std::sync::Arc::new(b);
        let token = b.token(TokenKind::Citizen).await;
        let key = new_key();
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (b, token, key) = (b.clone(), token.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let mut conflicts = 0;
                loop {
                    let response = b.submit(&token, &key, &valid_petition()).await;
                    if response.status() == StatusCode::CONFLICT {
                        assert!(response.headers().contains_key("retry-after"));
                        expect_error(response, StatusCode::CONFLICT, "request_in_flight").await;
                        conflicts += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                    assert_eq!(response.status(), StatusCode::CREATED);
                    let receipt: Receipt = response.json().await.expect("a receipt");
                    return (receipt, conflicts);
                }
            }));
        }
        let mut receipts = Vec::new();
        for task in tasks {
            receipts.push(task.await.expect("the submitting task"));
        }
        let codes: HashSet<&str> = receipts
            .iter()
            .map(|(r, _)| r.tracking_code.as_str())
            .collect();
        assert_eq!(
            codes.len(),
            1,
            "every submission got the same tracking code"
        );
        assert!(
            receipts.windows(2).all(|w| w[0].0 == w[1].0),
            "and the same receipt"
        );
        let list: PetitionList = b
            .get(&token, "/v1/petitions")
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("a list");
        assert_eq!(list.petitions.len(), 1, "one petition at the bureau");
        eprintln!(
            "409 answers while in flight: {}",
            receipts.iter().map(|(_, c)| c).sum::<u32>()
        );

        let mut changed = valid_petition();
        changed.title = "另一个标题".into();
        expect_error(
            b.submit(&token, &key, &changed).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        )
        .await;
    }
);

on_both!(
    a_submission_in_flight_gets_409_until_it_is_stale,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let key = new_key();
        // Make a claim as a request that is still being handled would have made it.
        let body_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            serde_json::to_vec(&valid_petition()).expect("JSON"),
        ));
        let account_id = b
            .state
            .store()
            .token(&token, 0)
            .await
            .expect("lookup")
            .expect("known")
            .account_id;
        sqlx::query(
        "INSERT INTO idempotency (account_id, key, body_hash, state, claimed_unix) VALUES ($1, $2, $3, 'in_flight', $4)",
    )
    .bind(&account_id)
    .bind(&key)
    .bind(&body_hash)
    .bind(b.state.clock().now().unix_timestamp())
    .execute(b.state.store().pool())
    .await
    .expect("a claim");
        let busy = b.submit(&token, &key, &valid_petition()).await;
        assert_eq!(
            busy.headers().get("retry-after").map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        expect_error(busy, StatusCode::CONFLICT, "request_in_flight").await;
        b.state.clock().advance(time::Duration::minutes(1));
        assert_eq!(
            b.submit(&token, &key, &valid_petition()).await.status(),
            StatusCode::CREATED,
            "a claim whose request died is taken over"
        );
    }
);

on_both!(
    a_nul_character_is_refused_alike_on_both_databases,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        // In a text field of the body (PostgreSQL cannot store it; SQLite would).
        let mut petition = valid_petition();
        petition.facts = "道路破损\u{0}严重".into();
        expect_error(
            b.submit(&token, &new_key(), &petition).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
        )
        .await;
        // In a path id and in an upload id.
        for path in ["/v1/petitions/XF-%00", "/v1/uploads/abc%00def"] {
            expect_error(
                b.get(&token, path).send().await.expect("an answer"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_text",
            )
            .await;
        }
        // The same petition without it is taken.
        petition.facts = "道路破损严重".into();
        let response = b.submit(&token, &new_key(), &petition).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
);

on_both!(
    another_token_s_key_makes_a_petition_of_its_own,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let (alice, bob) = (
            b.token(TokenKind::Citizen).await,
            b.token(TokenKind::Kiosk).await,
        );
        let key = new_key();
        let response = b.submit(&alice, &key, &valid_petition()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let alices: Receipt = response.json().await.expect("a receipt");

        // The same key and body under another token: that token's own petition, never the
        // first one's receipt.
        let response = b.submit(&bob, &key, &valid_petition()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let bobs: Receipt = response.json().await.expect("a receipt");
        assert_ne!(bobs.tracking_code, alices.tracking_code);
        expect_error(
            b.get(&bob, &format!("/v1/petitions/{}", alices.tracking_code))
                .send()
                .await
                .expect("an answer"),
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        // Another body under the same key is no business of the first token's either.
        let mut changed = valid_petition();
        changed.title = "另一个标题".into();
        let carol = b.token(TokenKind::Citizen).await;
        assert_eq!(
            b.submit(&carol, &key, &changed).await.status(),
            StatusCode::CREATED
        );

        // Each replay gets its own token's receipt.
        for (token, receipt) in [(&alice, &alices), (&bob, &bobs)] {
            let replayed: Receipt = b
                .submit(token, &key, &valid_petition())
                .await
                .json()
                .await
                .expect("a receipt");
            assert_eq!(&replayed, receipt);
            let list: PetitionList = b
                .get(token, "/v1/petitions")
                .send()
                .await
                .expect("list")
                .json()
                .await
                .expect("a list");
            let codes: Vec<&str> = list
                .petitions
                .iter()
                .map(|p| p.tracking_code.as_str())
                .collect();
            assert_eq!(codes, [receipt.tracking_code.as_str()]);
        }
    }
);

/// A submission whose JSON stops arriving is answered 408 once the read timeout passes, and its
/// connection closed; its key is free for the retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_body_silent_for_the_read_timeout_is_answered_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let read_timeout = Duration::from_secs(2);
    let limits = Limits {
        read_timeout,
        ..Limits::default()
    };
    let b = TestBureau::start_with(Db::Sqlite, limits)
        .await
        .expect("SQLite is always there");
    let token = b.token(TokenKind::Citizen).await;
    let key = new_key();
    let addr = b.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("a connection");
    let head = format!(
        "POST /v1/petitions HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\n\
         idempotency-key: {key}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("the head");
    stream.write_all(b"{\"name\": \"").await.expect("a start");
    let went_silent = std::time::Instant::now();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("the server closes the connection");
    let waited = went_silent.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(
        waited >= read_timeout && waited < read_timeout + Duration::from_secs(5),
        "answered {waited:?} after the body went silent, with a read timeout of {read_timeout:?}"
    );
    assert_eq!(
        b.submit(&token, &key, &valid_petition()).await.status(),
        StatusCode::CREATED
    );
}

on_both!(
    places_and_categories_outside_the_catalogue_are_refused,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let key = new_key();
        let fields = |error: &ErrorBody| -> Vec<(String, String)> {
            error
                .problems
                .iter()
                .map(|p| (p.field.clone(), p.code.clone()))
                .collect()
        };
        // 610199 has Shaanxi's prefix but names no place; 110101 is a place, in Beijing.
        for region in ["610199", "110101"] {
            let mut petition = valid_petition();
            petition.region = region.into();
            let error = expect_error(
                b.submit(&token, &key, &petition).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_region",
            )
            .await;
            assert_eq!(fields(&error), [("region".into(), "unknown_region".into())]);
            assert!(
                error.message.contains(" / "),
                "both languages: {}",
                error.message
            );
            assert!(error.problems[0].message.contains("问题发生地"));
        }
        let mut petition = valid_petition();
        petition.category = "随便写的类别".into();
        let error = expect_error(
            b.submit(&token, &key, &petition).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_category",
        )
        .await;
        assert_eq!(
            fields(&error),
            [("category".into(), "unknown_category".into())]
        );
        petition.region = "610199".into();
        let error = expect_error(
            b.submit(&token, &key, &petition).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_region",
        )
        .await;
        assert_eq!(
            fields(&error),
            [
                ("region".into(), "unknown_region".into()),
                ("category".into(), "unknown_category".into())
            ]
        );
        // The rules come first: a petition that breaks them is told so, not that its place is
        // unknown.
        petition.phone = "12345".into();
        expect_error(
            b.submit(&token, &key, &petition).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        let mut county = valid_petition();
        county.region = "610104".into();
        county.category = "涉法涉诉".into();
        assert_eq!(
            b.submit(&token, &key, &county).await.status(),
            StatusCode::CREATED,
            "a refused key may be used for the fix"
        );
    }
);

on_both!(
    a_petition_with_a_2005_purpose_is_the_same_petition_under_its_2022_kind,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let key = new_key();
        let mut old = valid_petition();
        old.purpose = "complaint".into();
        let first = b.submit(&token, &key, &old).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let first: Receipt = first.json().await.expect("receipt");
        let mut migrated = old.clone();
        migrated.purpose = "claim".into();
        let again = b.submit(&token, &key, &migrated).await;
        assert_eq!(
            again.status(),
            StatusCode::CREATED,
            "the same petition, replayed"
        );
        let again: Receipt = again.json().await.expect("receipt");
        assert_eq!(again.tracking_code, first.tracking_code);
        let view: serde_json::Value = b
            .get(&token, &format!("/v1/petitions/{}", first.tracking_code))
            .send()
            .await
            .expect("view")
            .json()
            .await
            .expect("json");
        assert_eq!(view["purpose"], "claim");

        let mut other = valid_petition();
        other.purpose = "accusation".into();
        expect_error(
            b.submit(&token, &key, &other).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        )
        .await;
        let mut report = valid_petition();
        report.purpose = "report".into();
        let created = b.submit(&token, &new_key(), &report).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
);
