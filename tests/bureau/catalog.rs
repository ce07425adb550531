//! Health, catalogue, the OpenAPI document, and JSON answers for everything unexpected, hyper's
//! own answers to requests it cannot parse too.

use petition_api::{Catalog, Health, SERVICE_NAME};
use reqwest::StatusCode;

use super::*;

on_both!(health_catalog_and_errors_are_json, |db| async move {
    let Some(b) = TestBureau::start(db).await else {
        return;
    };
    let health: Health = b
        .http
        .get(b.url("/v1/health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("health is JSON");
    assert_eq!(health.service, SERVICE_NAME);
    assert_eq!(health.status, "ok");

    let response = b
        .http
        .get(b.url("/v1/catalog"))
        .send()
        .await
        .expect("catalog");
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers().get("etag").expect("an ETag").clone();
    let catalog: Catalog = response.json().await.expect("catalog JSON");
    assert!(
        catalog
            .regions
            .iter()
            .any(|r| r.code == "610113" && r.name == "雁塔区")
    );
    assert!(catalog.regions.iter().all(|r| r.code.starts_with("61")));
    assert!(catalog.categories.iter().any(|c| c.name == "疫情防控"));
    assert!(!catalog.agencies.is_empty());
    assert!(catalog.attachment_limits.max_bytes > 0);
    assert!(catalog.regions_source.contains("MIT"));
    let cached = b
        .http
        .get(b.url("/v1/catalog"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .expect("catalog again");
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(cached.headers().get("etag"), Some(&etag));
    // A cache that keeps the tag as a weak one (W/"…"), among others, is current too.
    let weak = format!("\"other\", W/{}", etag.to_str().expect("an ASCII ETag"));
    let cached = b
        .http
        .get(b.url("/v1/catalog"))
        .header("if-none-match", weak)
        .send()
        .await
        .expect("catalog with a weak tag");
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let doc: serde_json::Value = b
        .http
        .get(b.url("/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("the document is JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );

    let token = b.token(TokenKind::Citizen).await;
    // The scheme's name is case-insensitive (RFC 9110): generated clients send `bearer`.
    for scheme in ["bearer", "BEARER"] {
        let listed = b
            .http
            .get(b.url("/v1/petitions"))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .expect("list");
        assert_eq!(listed.status(), StatusCode::OK, "with the scheme {scheme}");
    }
    expect_error(
        b.get(&token, "/v1/nothing-here").send().await.expect("404"),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        b.http
            .delete(b.url("/v1/health"))
            .send()
            .await
            .expect("405"),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    expect_error(
        b.post(&token, "/v1/petitions")
            .header(IDEMPOTENCY_KEY, new_key())
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("400"),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    expect_error(
        b.post(&token, "/v1/petitions")
            .header(IDEMPOTENCY_KEY, new_key())
            .body("name=x")
            .send()
            .await
            .expect("415"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
});

on_both!(
    tokens_are_required_and_callers_see_only_their_own,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        expect_error(
            b.http
                .get(b.url("/v1/petitions"))
                .send()
                .await
                .expect("401"),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        expect_error(
            b.get("pbt_not-a-token", "/v1/petitions")
                .send()
                .await
                .expect("401"),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;

        let alice = b.token(TokenKind::Citizen).await;
        let kiosk = b.token(TokenKind::Kiosk).await;
        let receipt: petition_api::Receipt = b
            .submit(&alice, &new_key(), &valid_petition())
            .await
            .json()
            .await
            .expect("a receipt");
        let path = format!("/v1/petitions/{}", receipt.tracking_code);
        assert_eq!(
            b.get(&alice, &path).send().await.expect("own").status(),
            StatusCode::OK
        );
        expect_error(
            b.get(&kiosk, &path).send().await.expect("other's"),
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        expect_error(
            b.post(&kiosk, &format!("{path}/evaluation"))
                .json(&serde_json::json!({"satisfaction": "satisfied"}))
                .send()
                .await
                .expect("other's"),
            StatusCode::NOT_FOUND,
            "petition_not_found",
        )
        .await;
        let list: petition_api::PetitionList = b
            .get(&kiosk, "/v1/petitions")
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("a list");
        assert!(
            list.petitions.is_empty(),
            "a kiosk sees nothing of a citizen"
        );
        let kiosk_receipt = b.submit(&kiosk, &new_key(), &valid_petition()).await;
        assert_eq!(
            kiosk_receipt.status(),
            StatusCode::CREATED,
            "kiosk tokens submit too"
        );
    }
);

on_both!(limits_answer_413_and_429, |db| async move {
    let limits = Limits {
        rate_per_second: 0.2,
        rate_burst: 3.0,
        max_json_bytes: 64 * 1024,
        ..Limits::default()
    };
    let Some(b) = TestBureau::start_with(db, limits).await else {
        return;
    };
    let token = b.token(TokenKind::Citizen).await;
    let mut big = valid_petition();
    big.facts = "事".repeat(40_000);
    expect_error(
        b.submit(&token, &new_key(), &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    )
    .await;
    for _ in 0..2 {
        assert_eq!(
            b.get(&token, "/v1/petitions")
                .send()
                .await
                .expect("ok")
                .status(),
            StatusCode::OK
        );
    }
    let limited = b.get(&token, "/v1/petitions").send().await.expect("429");
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry_after >= 1);
    expect_error(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let other = b.token(TokenKind::Citizen).await;
    assert_eq!(
        b.get(&other, "/v1/petitions")
            .send()
            .await
            .expect("ok")
            .status(),
        StatusCode::OK,
        "the limit is per token"
    );
});

/// Sends `request` on a new connection and reads the answers until the server closes it (as it
/// does after a request it could not parse): each answer's head and JSON body.
async fn raw(b: &TestBureau, request: &[u8]) -> Vec<(String, serde_json::Value)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = b.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("a connection");
    // The server may answer before it has read everything, and close.
    let _ = stream.write_all(request).await;
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes).await;
    let mut answers = Vec::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let at = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("a head in {:?}", String::from_utf8_lossy(rest)));
        let head = String::from_utf8_lossy(&rest[..at]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("a content-length in {head}"));
        let body = &rest[at + 4..at + 4 + length];
        let body =
            serde_json::from_slice(body).unwrap_or_else(|_| panic!("a JSON body after {head}"));
        answers.push((head, body));
        rest = &rest[at + 4 + length..];
    }
    answers
}

/// What hyper answers by itself, below the router, to a request it cannot parse is JSON too, in
/// both languages. The database plays no part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_s_own_answers_are_json_too() {
    let b = TestBureau::start(Db::Sqlite)
        .await
        .expect("SQLite is always there");
    let host = b.base.trim_start_matches("http://").to_owned();
    let health = format!("GET /v1/health HTTP/1.1\r\nhost: {host}\r\n");
    let many_headers: String = (0..150).map(|i| format!("x-h{i}: v\r\n")).collect();
    let huge_header = format!("x-big: {}\r\n", "v".repeat(500 * 1024));
    let long_uri = format!("/v1/{}", "a".repeat(70 * 1024));
    for (request, status, code) in [
        (
            format!("{health}{many_headers}\r\n"),
            431,
            "headers_too_large",
        ),
        (
            format!("{health}{huge_header}\r\n"),
            431,
            "headers_too_large",
        ),
        (
            format!("GET {long_uri} HTTP/1.1\r\nhost: {host}\r\n\r\n"),
            414,
            "uri_too_long",
        ),
        (format!("{health}no colon here\r\n\r\n"), 400, "bad_request"),
        (
            format!("G(T /v1/health HTTP/1.1\r\nhost: {host}\r\n\r\n"),
            400,
            "bad_request",
        ),
        // After a good request on the same connection, whose answer passes untouched.
        (
            format!("{health}\r\n{health}{many_headers}\r\n"),
            431,
            "headers_too_large",
        ),
    ] {
        let mut answers = raw(&b, request.as_bytes()).await;
        let (head, body) = answers.pop().expect("an answer");
        if let Some((first, health)) = answers.pop() {
            assert!(first.starts_with("HTTP/1.1 200 "), "{first}");
            assert_eq!(health["status"], "ok");
        }
        assert!(answers.is_empty(), "{answers:?}");
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} ")),
            "{code}: {head}"
        );
        assert!(
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("content-type: application/json")),
            "{code}: {head}"
        );
        assert_eq!(body["code"], code, "{head}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(" / "), "bilingual: {message}");
    }
}
