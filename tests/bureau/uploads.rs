//! Uploads with tus 1.0 semantics: resume after a cut or a silent connection, offsets,
//! checksums, limits, expiry; and the read timeout on a request's headers and body.

use std::time::{Duration, Instant};

use petition_api::headers::{OFFSET_OCTET_STREAM, UPLOAD_OFFSET};
use petition_api::{AttachmentRef, PetitionView, Receipt, Upload};
use rand::Rng;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn create(b: &TestBureau, token: &str, bytes: &[u8], sha: &str) -> reqwest::Response {
    b.post(token, "/v1/uploads")
        .json(
            &serde_json::json!({"length": bytes.len(), "media_type": "image/jpeg", "sha256": sha}),
        )
        .send()
        .await
        .expect("create")
}

async fn patch(
    b: &TestBureau,
    token: &str,
    id: &str,
    offset: u64,
    bytes: Vec<u8>,
) -> reqwest::Response {
    b.http
        .patch(b.url(&format!("/v1/uploads/{id}")))
        .bearer_auth(token)
        .header("content-type", OFFSET_OCTET_STREAM)
        .header(UPLOAD_OFFSET, offset)
        .body(bytes)
        .send()
        .await
        .expect("patch")
}

async fn upload_status(b: &TestBureau, token: &str, id: &str) -> Upload {
    b.get(token, &format!("/v1/uploads/{id}"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("an upload")
}

async fn head_offset(b: &TestBureau, token: &str, id: &str) -> u64 {
    let response = b
        .http
        .head(b.url(&format!("/v1/uploads/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("head");
    assert_eq!(response.status(), StatusCode::OK);
    response
        .headers()
        .get(UPLOAD_OFFSET)
        .expect("Upload-Offset")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a number")
}

on_both!(
    an_upload_resumes_after_a_cut_and_is_stored_once,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let mut bytes = vec![0u8; 300_000];
        rand::rng().fill(&mut bytes[..]);
        let sha = sha256(&bytes);
        let response = create(&b, &token, &bytes, &sha).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        assert!(response.headers().contains_key("location"));
        let upload: Upload = response.json().await.expect("an upload");
        assert_eq!((upload.offset, upload.complete), (0, false));

        // The connection breaks after a random number of bytes.
        let cut = rand::rng().random_range(1..bytes.len() - 1);
        let sent = bytes[..cut].to_vec();
        let stream = futures_util::stream::iter(vec![
            Ok::<_, std::io::Error>(sent),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut",
            )),
        ]);
        let cut_result = b
            .http
            .patch(b.url(&format!("/v1/uploads/{}", upload.id)))
            .bearer_auth(&token)
            .header("content-type", OFFSET_OCTET_STREAM)
            .header(UPLOAD_OFFSET, 0)
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await;
        assert!(cut_result.is_err() || !cut_result.as_ref().is_ok_and(|r| r.status().is_success()));

        // The server may still be noticing the cut; HEAD until the PATCH is over.
        let mut offset = head_offset(&b, &token, &upload.id).await;
        let mut resumed = patch(
            &b,
            &token,
            &upload.id,
            offset,
            bytes[offset as usize..].to_vec(),
        )
        .await;
        for _ in 0..50 {
            if resumed.status() != StatusCode::CONFLICT {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            offset = head_offset(&b, &token, &upload.id).await;
            resumed = patch(
                &b,
                &token,
                &upload.id,
                offset,
                bytes[offset as usize..].to_vec(),
            )
            .await;
        }
        assert!(
            offset <= cut as u64,
            "the bureau holds no more than was sent"
        );
        assert_eq!(resumed.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            head_offset(&b, &token, &upload.id).await,
            bytes.len() as u64
        );
        let done = upload_status(&b, &token, &upload.id).await;
        assert!(done.complete);

        // The same content again completes at once, and is kept once on disk.
        let again: Upload = create(&b, &token, &bytes, &sha)
            .await
            .json()
            .await
            .expect("an upload");
        assert!(again.complete);
        assert_eq!(again.offset, bytes.len() as u64);
        let blobs: Vec<_> = walk(&b.state.config().blob_dir());
        assert_eq!(blobs.len(), 1);

        let mut petition = valid_petition();
        petition.attachments = vec![
            AttachmentRef {
                upload_id: upload.id.clone(),
                file_name: "路面.jpg".into(),
            },
            AttachmentRef {
                upload_id: again.id.clone(),
                file_name: "路面2.jpg".into(),
            },
        ];
        let receipt: Receipt = b
            .submit(&token, &new_key(), &petition)
            .await
            .json()
            .await
            .expect("a receipt");
        let view: PetitionView = b
            .get(&token, &format!("/v1/petitions/{}", receipt.tracking_code))
            .send()
            .await
            .expect("view")
            .json()
            .await
            .expect("a view");
        assert_eq!(view.attachments.len(), 2);
        assert!(
            view.attachments
                .iter()
                .all(|a| a.sha256 == sha && a.length == bytes.len() as u64)
        );
    }
);

on_both!(
    a_verified_file_whose_upload_was_not_marked_complete_completes_on_the_next_patch,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let mut bytes = vec![0u8; 200_000];
        rand::rng().fill(&mut bytes[..]);
        let sha = sha256(&bytes);
        let upload: Upload = create(&b, &token, &bytes, &sha)
            .await
            .json()
            .await
            .expect("an upload");
        let done = patch(&b, &token, &upload.id, 0, bytes.clone()).await;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);
        // The bureau stops after keeping the verified file and before marking the upload
        // complete: the row says every byte is there, the file sits among the blobs.
        sqlx::query("UPDATE uploads SET complete = 0 WHERE id = $1")
            .bind(&upload.id)
            .execute(b.state.store().pool())
            .await
            .expect("the crash's state");

        // The client finds the whole length there and sends the zero-length completion.
        assert_eq!(
            head_offset(&b, &token, &upload.id).await,
            bytes.len() as u64
        );
        let completed = patch(&b, &token, &upload.id, bytes.len() as u64, Vec::new()).await;
        assert_eq!(completed.status(), StatusCode::NO_CONTENT);
        let status = upload_status(&b, &token, &upload.id).await;
        assert!(status.complete, "the held file completes the upload");
        let blobs = walk(&b.state.config().blob_dir());
        assert_eq!(blobs.len(), 1);
        assert_eq!(std::fs::read(&blobs[0]).expect("the blob"), bytes);
    }
);

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

on_both!(upload_errors_are_told, |db| async move {
    let limits = Limits {
        max_attachment_bytes: 1000,
        upload_ttl: Duration::from_secs(3600),
        ..Limits::default()
    };
    let Some(b) = TestBureau::start_with(db, limits).await else {
        return;
    };
    let token = b.token(TokenKind::Citizen).await;
    let bytes = vec![7u8; 1000];
    let upload: Upload = create(&b, &token, &bytes, &sha256(&bytes))
        .await
        .json()
        .await
        .expect("upload");
    let path = format!("/v1/uploads/{}", upload.id);

    let wrong = patch(&b, &token, &upload.id, 10, bytes[10..].to_vec()).await;
    assert_eq!(
        wrong.headers().get(UPLOAD_OFFSET).map(|v| v.as_bytes()),
        Some(&b"0"[..])
    );
    expect_error(wrong, StatusCode::CONFLICT, "upload_offset_mismatch").await;
    assert_eq!(
        patch(&b, &token, &upload.id, 0, bytes[..400].to_vec())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        patch(&b, &token, &upload.id, 400, vec![1u8; 700]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
    )
    .await;
    assert_eq!(head_offset(&b, &token, &upload.id).await, 400);
    let other = b.token(TokenKind::Citizen).await;
    expect_error(
        b.get(&other, &path).send().await.expect("other's"),
        StatusCode::NOT_FOUND,
        "upload_not_found",
    )
    .await;
    expect_error(
        b.http
            .patch(b.url(&path))
            .bearer_auth(&token)
            .header(UPLOAD_OFFSET, 400)
            .body(vec![1u8; 10])
            .send()
            .await
            .expect("415"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // Wrong checksum: refused when the last byte arrives, and the upload is gone.
    let liar: Upload = create(&b, &token, &bytes, &sha256(b"something else"))
        .await
        .json()
        .await
        .expect("upload");
    expect_error(
        patch(&b, &token, &liar.id, 0, bytes.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "upload_checksum_mismatch",
    )
    .await;
    expect_error(
        b.get(&token, &format!("/v1/uploads/{}", liar.id))
            .send()
            .await
            .expect("gone"),
        StatusCode::NOT_FOUND,
        "upload_not_found",
    )
    .await;

    // An incomplete upload cannot be attached.
    let mut petition = valid_petition();
    petition.attachments = vec![AttachmentRef {
        upload_id: upload.id.clone(),
        file_name: "a.jpg".into(),
    }];
    expect_error(
        b.submit(&token, &new_key(), &petition).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "upload_incomplete",
    )
    .await;

    expect_error(
        create(&b, &token, &vec![0u8; 1001], &sha256(b"x")).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
    )
    .await;
    expect_error(b.post(&token, "/v1/uploads")
        .json(&serde_json::json!({"length": 10, "media_type": "application/x-msdownload", "sha256": sha256(b"x")}))
        .send().await.expect("422"),
        StatusCode::UNPROCESSABLE_ENTITY, "upload_media_type_not_allowed").await;

    // Expiry: an unfinished upload is gone after its time.
    b.state.clock().advance(time::Duration::hours(2));
    expect_error(
        b.get(&token, &path).send().await.expect("expired"),
        StatusCode::GONE,
        "upload_expired",
    )
    .await;
    expect_error(
        b.get(&token, &path).send().await.expect("removed"),
        StatusCode::NOT_FOUND,
        "upload_not_found",
    )
    .await;
});

/// The bureau's address, for a raw TCP client.
fn addr(b: &TestBureau) -> &str {
    b.base.trim_start_matches("http://")
}

/// Opens a connection and sends the head of a PATCH of `length` bytes at `offset` and the first
/// bytes of its body, `sent`; then nothing more, as a client that went silent.
pub(super) async fn silent_patch(
    host: &str,
    token: &str,
    id: &str,
    offset: u64,
    length: usize,
    sent: &[u8],
) -> TcpStream {
    let mut stream = TcpStream::connect(host).await.expect("a connection");
    let head = format!(
        "PATCH /v1/uploads/{id} HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {token}\r\n\
         content-type: {OFFSET_OCTET_STREAM}\r\nupload-offset: {offset}\r\n\
         tus-resumable: 1.0.0\r\ncontent-length: {length}\r\n\r\n",
    );
    stream.write_all(head.as_bytes()).await.expect("the head");
    stream.write_all(sent).await.expect("part of the body");
    stream
}

/// Everything the server sends until it closes the connection.
pub(super) async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("the server closes the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

/// HEAD until the offset is `expected` (the holder records what came at its body's first pause).
async fn wait_for_offset(b: &TestBureau, token: &str, id: &str, expected: u64) {
    let mut offset = head_offset(b, token, id).await;
    for _ in 0..100 {
        if offset == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        offset = head_offset(b, token, id).await;
    }
    assert_eq!(
        offset, expected,
        "what the silent connection sent is recorded"
    );
}

on_both!(
    a_resume_takes_an_upload_over_from_a_connection_gone_silent,
    |db| async move {
        // The default read timeout (30 s): the resume does not wait for it.
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let mut bytes = vec![0u8; 300_000];
        rand::rng().fill(&mut bytes[..]);
        let upload: Upload = create(&b, &token, &bytes, &sha256(&bytes))
            .await
            .json()
            .await
            .expect("an upload");
        let half = bytes.len() / 2;
        let mut silent =
            silent_patch(addr(&b), &token, &upload.id, 0, bytes.len(), &bytes[..half]).await;
        let went_silent = Instant::now();

        // Another connection asks where the upload stands and sends the rest, at once.
        wait_for_offset(&b, &token, &upload.id, half as u64).await;
        let resumed = patch(&b, &token, &upload.id, half as u64, bytes[half..].to_vec()).await;
        assert_eq!(resumed.status(), StatusCode::NO_CONTENT);
        assert!(
            went_silent.elapsed() < Duration::from_secs(35),
            "the resume succeeded {:?} after the client went silent",
            went_silent.elapsed()
        );
        assert!(upload_status(&b, &token, &upload.id).await.complete);

        // The old PATCH finds, at its next pause, that it lost the upload, and stops: its
        // connection is answered and closed, and the upload stays as the resume left it.
        let answer = read_until_closed(&mut silent).await;
        assert!(answer.starts_with("HTTP/1.1 409 "), "{answer}");
        assert!(answer.contains("\"code\":\"upload_busy\""), "{answer}");
        let done = upload_status(&b, &token, &upload.id).await;
        assert!(done.complete);
        assert_eq!(done.offset, bytes.len() as u64);
        let blobs = walk(&b.state.config().blob_dir());
        assert_eq!(blobs.len(), 1);
        assert_eq!(std::fs::read(&blobs[0]).expect("the blob"), bytes);
        assert!(
            walk(&b.state.config().partial_dir()).is_empty(),
            "no partial file is left"
        );
    }
);

on_both!(
    a_body_silent_for_the_read_timeout_is_answered_408_and_what_came_is_kept,
    |db| async move {
        let read_timeout = Duration::from_secs(3);
        let limits = Limits {
            read_timeout,
            ..Limits::default()
        };
        let Some(b) = TestBureau::start_with(db, limits).await else {
            return;
        };
        let token = b.token(TokenKind::Citizen).await;
        let mut bytes = vec![0u8; 90_000];
        rand::rng().fill(&mut bytes[..]);
        let upload: Upload = create(&b, &token, &bytes, &sha256(&bytes))
            .await
            .json()
            .await
            .expect("an upload");
        let third = bytes.len() / 3;
        let mut silent = silent_patch(
            addr(&b),
            &token,
            &upload.id,
            0,
            bytes.len(),
            &bytes[..third],
        )
        .await;
        let went_silent = Instant::now();
        let answer = read_until_closed(&mut silent).await;
        let waited = went_silent.elapsed();
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
        assert!(
            waited >= read_timeout && waited < read_timeout + Duration::from_secs(5),
            "dropped {waited:?} after the body went silent, with a read timeout of {read_timeout:?}"
        );

        assert_eq!(head_offset(&b, &token, &upload.id).await, third as u64);
        let resumed = patch(
            &b,
            &token,
            &upload.id,
            third as u64,
            bytes[third..].to_vec(),
        )
        .await;
        assert_eq!(resumed.status(), StatusCode::NO_CONTENT);
        assert!(upload_status(&b, &token, &upload.id).await.complete);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_silent_in_its_headers_is_closed_after_the_read_timeout() {
    let read_timeout = Duration::from_secs(3);
    let limits = Limits {
        read_timeout,
        ..Limits::default()
    };
    let b = TestBureau::start_with(Db::Sqlite, limits)
        .await
        .expect("SQLite is always there");
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr(&b)).await.expect("a connection");
    stream
        .write_all(format!("GET /v1/health HTTP/1.1\r\nhost: {}\r\n", addr(&b)).as_bytes())
        .await
        .expect("half the headers");
    let answer = read_until_closed(&mut stream).await;
    let waited = started.elapsed();
    assert_eq!(answer, "", "closed without an answer");
    assert!(
        waited >= read_timeout && waited < read_timeout + Duration::from_secs(5),
        "closed {waited:?} after the connection opened, with a read timeout of {read_timeout:?}"
    );
}

on_both!(
    content_another_token_sent_must_be_sent_again,
    |db| async move {
        let Some(b) = TestBureau::start(db).await else {
            return;
        };
        let (alice, bob) = (
            b.token(TokenKind::Citizen).await,
            b.token(TokenKind::Citizen).await,
        );
        let mut bytes = vec![0u8; 50_000];
        rand::rng().fill(&mut bytes[..]);
        let sha = sha256(&bytes);
        let first: Upload = create(&b, &alice, &bytes, &sha)
            .await
            .json()
            .await
            .expect("an upload");
        let sent = patch(&b, &alice, &first.id, 0, bytes.clone()).await;
        assert_eq!(sent.status(), StatusCode::NO_CONTENT);
        let mut petition = valid_petition();
        petition.attachments = vec![AttachmentRef {
            upload_id: first.id.clone(),
            file_name: "证据.jpg".into(),
        }];
        let submitted = b.submit(&alice, &new_key(), &petition).await;
        assert_eq!(submitted.status(), StatusCode::CREATED);

        // Another token announcing the same content is told nothing: it sends every byte.
        let announced = create(&b, &bob, &bytes, &sha).await;
        assert_eq!(announced.status(), StatusCode::CREATED);
        assert_eq!(
            announced.headers().get(UPLOAD_OFFSET).map(|v| v.as_bytes()),
            Some(&b"0"[..])
        );
        let theirs: Upload = announced.json().await.expect("an upload");
        assert_eq!((theirs.offset, theirs.complete), (0, false));
        let mut unsent = valid_petition();
        unsent.attachments = vec![AttachmentRef {
            upload_id: theirs.id.clone(),
            file_name: "证据.jpg".into(),
        }];
        expect_error(
            b.submit(&bob, &new_key(), &unsent).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "upload_incomplete",
        )
        .await;
        let sent = patch(&b, &bob, &theirs.id, 0, bytes.clone()).await;
        assert_eq!(sent.status(), StatusCode::NO_CONTENT);
        assert!(upload_status(&b, &bob, &theirs.id).await.complete);

        // The owner's own copy still completes at once, and the content is stored once.
        for (token, held_by) in [(&alice, "a completed upload"), (&bob, "its own upload")] {
            let again: Upload = create(&b, token, &bytes, &sha)
                .await
                .json()
                .await
                .expect("an upload");
            assert!(again.complete, "completed from {held_by}");
        }
        sqlx::query(
            "DELETE FROM uploads WHERE account_id = (SELECT account_id FROM uploads WHERE id = $1)",
        )
        .bind(&first.id)
        .execute(b.state.store().pool())
        .await
        .expect("the owner's uploads are gone");
        let from_petition: Upload = create(&b, &alice, &bytes, &sha)
            .await
            .json()
            .await
            .expect("an upload");
        assert!(
            from_petition.complete,
            "completed from an attachment of the owner's petition"
        );
        assert_eq!(walk(&b.state.config().blob_dir()).len(), 1);
    }
);
