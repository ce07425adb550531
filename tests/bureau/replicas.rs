//! Two `petition-bureau serve` processes on one PostgreSQL and one data directory (issue 21,
//! point 7), as a deployment behind a load balancer runs them; the clients alternate between the
//! two. Every guarantee holds across them: one petition per key under concurrent submissions to
//! both, an upload resumed (and taken over) on the other replica, the `since` cursor complete,
//! and one rate limit per token.

use std::collections::HashSet;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use petition_api::headers::{OFFSET_OCTET_STREAM, UPLOAD_OFFSET};
use petition_api::{AttachmentRef, PetitionList, Receipt, Upload};
use rand::Rng;
use sha2::{Digest, Sha256};

use super::*;

/// Two replicas, and the bureau's state opened beside them on the same database and directory
/// (for tokens and paths only: it serves nothing).
struct Replicas {
    bases: [String; 2],
    state: AppState,
    http: reqwest::Client,
    children: Vec<Child>,
    _dir: tempfile::TempDir,
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Replicas {
    /// Starts two replicas with `rate_limit` requests per second per token, or `None` to skip
    /// (no PostgreSQL).
    async fn start(rate_limit: f64) -> Option<Replicas> {
        let url = postgres_url()?;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = Config {
            data_dir: dir.path().to_owned(),
            database_url: Some(url.clone()),
            limits: Limits::default(),
            sms: Default::default(),
        };
        let state = AppState::open(config, Clock::system())
            .await
            .expect("the bureau opens its store");
        let mut children = Vec::new();
        let mut bases = Vec::new();
        for _ in 0..2 {
            let listen = format!("127.0.0.1:{}", petition_tests::free_port());
            let child =
                std::process::Command::new(petition_tests::workspace_bin("petition-bureau"))
                    .arg("--data-dir")
                    .arg(dir.path())
                    .args(["--database-url", &url, "serve", "--listen", &listen])
                    .args(["--rate-limit", &rate_limit.to_string()])
                    .env("RUST_LOG", "warn")
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("petition-bureau starts");
            children.push(child);
            bases.push(format!("http://{listen}"));
        }
        let replicas = Replicas {
            bases: [bases[0].clone(), bases[1].clone()],
            state,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            children,
            _dir: dir,
        };
        for base in &replicas.bases {
            let mut up = false;
            for _ in 0..200 {
                if replicas
                    .http
                    .get(format!("{base}/v1/health"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
                {
                    up = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(up, "the replica at {base} answers");
        }
        Some(replicas)
    }

    /// Replica `n % 2`'s URL of `path`: a client alternating between the two.
    fn url(&self, n: usize, path: &str) -> String {
        format!("{}{path}", self.bases[n % 2])
    }

    async fn token(&self) -> String {
        self.state
            .store()
            .create_token(TokenKind::Citizen, "replicas", "2026-01-01T00:00:00Z")
            .await
            .expect("a token")
    }

    async fn submit(&self, n: usize, token: &str, key: &str, body: &SubmitPetition) -> Response {
        self.http
            .post(self.url(n, "/v1/petitions"))
            .bearer_auth(token)
            .header(IDEMPOTENCY_KEY, key)
            .json(body)
            .send()
            .await
            .expect("the replica answers")
    }

    /// Submits until the answer is not `request_in_flight`, and returns the receipt.
    async fn submit_until_done(
        &self,
        n: usize,
        token: &str,
        key: &str,
        body: &SubmitPetition,
    ) -> Receipt {
        loop {
            let response = self.submit(n, token, key, body).await;
            if response.status() == StatusCode::CONFLICT {
                expect_error(response, StatusCode::CONFLICT, "request_in_flight").await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            assert_eq!(response.status(), StatusCode::CREATED);
            return response.json().await.expect("a receipt");
        }
    }

    async fn head_offset(&self, n: usize, token: &str, id: &str) -> u64 {
        let response = self
            .http
            .head(self.url(n, &format!("/v1/uploads/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("head");
        assert_eq!(response.status(), StatusCode::OK);
        response.headers()[UPLOAD_OFFSET]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("a number")
    }

    async fn patch(&self, n: usize, token: &str, id: &str, offset: u64, bytes: &[u8]) -> Response {
        self.http
            .patch(self.url(n, &format!("/v1/uploads/{id}")))
            .bearer_auth(token)
            .header("content-type", OFFSET_OCTET_STREAM)
            .header(UPLOAD_OFFSET, offset)
            .body(bytes.to_vec())
            .send()
            .await
            .expect("patch")
    }

    async fn create_upload(&self, n: usize, token: &str, bytes: &[u8]) -> Upload {
        let response = self
            .http
            .post(self.url(n, "/v1/uploads"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "length": bytes.len(),
                "media_type": "image/jpeg",
                "sha256": hex::encode(Sha256::digest(bytes)),
            }))
            .send()
            .await
            .expect("create");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("an upload")
    }

    /// `GET /v1/petitions` on replica `n % 2`.
    async fn list(&self, n: usize, token: &str) -> Response {
        self.http
            .get(self.url(n, "/v1/petitions"))
            .bearer_auth(token)
            .send()
            .await
            .expect("list")
    }

    /// One page of the caller's changes after `since`, from replica `n % 2`.
    async fn changes(&self, n: usize, token: &str, since: &str) -> PetitionList {
        self.http
            .get(self.url(n, &format!("/v1/petitions?since={since}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("a petition list")
    }
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::rng().fill(&mut bytes[..]);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_to_both_replicas_make_one_petition_per_key() {
    let Some(r) = Replicas::start(1000.0).await else {
        return;
    };
    let r = Arc::new(r);
    let token = r.token().await;
    let keys: Vec<String> = (0..10).map(|_| new_key()).collect();
    let mut tasks = Vec::new();
    for key in &keys {
        // Four at once per key, two on each replica.
        for n in 0..4 {
            let (r, token, key) = (r.clone(), token.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                let receipt = r
                    .submit_until_done(n, &token, &key, &valid_petition())
                    .await;
                (key, receipt)
            }));
        }
    }
    let mut receipts: std::collections::HashMap<String, Vec<Receipt>> = Default::default();
    for task in tasks {
        let (key, receipt) = task.await.expect("the submitting task");
        receipts.entry(key).or_default().push(receipt);
    }
    let mut codes = HashSet::new();
    for (key, answers) in &receipts {
        assert_eq!(answers.len(), 4);
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "{key}: every submission, on either replica, got the same receipt"
        );
        codes.insert(answers[0].tracking_code.clone());
    }
    assert_eq!(codes.len(), keys.len(), "one tracking code per key");
    let list = r.changes(0, &token, "").await;
    assert_eq!(list.petitions.len(), keys.len(), "one petition per key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upload_begun_on_one_replica_is_resumed_and_taken_over_on_the_other() {
    let Some(r) = Replicas::start(1000.0).await else {
        return;
    };
    let token = r.token().await;

    // Cut after its first half on replica 0, resumed on replica 1.
    let bytes = random_bytes(200_000);
    let half = bytes.len() / 2;
    let upload = r.create_upload(0, &token, &bytes).await;
    let first = r.patch(0, &token, &upload.id, 0, &bytes[..half]).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.head_offset(1, &token, &upload.id).await, half as u64);
    let rest = r
        .patch(1, &token, &upload.id, half as u64, &bytes[half..])
        .await;
    assert_eq!(rest.status(), StatusCode::NO_CONTENT);

    // A PATCH gone silent on replica 0 is taken over by a resume on replica 1, at once (the
    // claim is in the database; the stalled connection stays open for the 30 s read timeout).
    let second = random_bytes(300_000);
    let half2 = second.len() / 2;
    let stalled_upload = r.create_upload(0, &token, &second).await;
    let host = r.bases[0].trim_start_matches("http://");
    let mut silent = super::uploads::silent_patch(
        host,
        &token,
        &stalled_upload.id,
        0,
        second.len(),
        &second[..half2],
    )
    .await;
    let went_silent = Instant::now();
    // The holder records what came at its body's first pause; replica 1 sees it.
    let mut offset = 0;
    for _ in 0..100 {
        offset = r.head_offset(1, &token, &stalled_upload.id).await;
        if offset == half2 as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        offset, half2 as u64,
        "replica 1 sees what replica 0 recorded"
    );
    let resumed = r
        .patch(1, &token, &stalled_upload.id, offset, &second[half2..])
        .await;
    assert_eq!(resumed.status(), StatusCode::NO_CONTENT);
    assert!(
        went_silent.elapsed() < Duration::from_secs(30),
        "the resume did not wait for the stalled connection's timeout ({:?})",
        went_silent.elapsed()
    );
    let answer = super::uploads::read_until_closed(&mut silent).await;
    assert!(answer.starts_with("HTTP/1.1 409 "), "{answer}");
    assert!(answer.contains("\"code\":\"upload_busy\""), "{answer}");

    // Both uploads are whole, whichever replica is asked, and a petition on replica 0 takes
    // them; the bytes kept are the ones sent.
    let mut body = valid_petition();
    for (i, (upload, content)) in [(&upload, &bytes), (&stalled_upload, &second)]
        .into_iter()
        .enumerate()
    {
        for n in 0..2 {
            assert_eq!(
                r.head_offset(n, &token, &upload.id).await,
                content.len() as u64
            );
        }
        let sha = hex::encode(Sha256::digest(content));
        let blob = r.state.config().blob_path(&sha);
        assert_eq!(&std::fs::read(&blob).expect("the blob"), content);
        body.attachments.push(AttachmentRef {
            upload_id: upload.id.clone(),
            file_name: format!("photo-{i}.jpg"),
        });
    }
    let receipt = r.submit_until_done(0, &token, &new_key(), &body).await;
    let view: petition_api::PetitionView = r
        .http
        .get(r.url(1, &format!("/v1/petitions/{}", receipt.tracking_code)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("view")
        .json()
        .await
        .expect("a petition");
    assert_eq!(view.attachments.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_since_cursor_misses_nothing_while_both_replicas_take_petitions() {
    let Some(r) = Replicas::start(1000.0).await else {
        return;
    };
    let r = Arc::new(r);
    let token = r.token().await;
    let mut submitters = Vec::new();
    for worker in 0..6 {
        let (r, token) = (r.clone(), token.clone());
        submitters.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for i in 0..8 {
                let receipt = r
                    .submit_until_done(worker + i, &token, &new_key(), &valid_petition())
                    .await;
                codes.push(receipt.tracking_code);
            }
            codes
        }));
    }
    // A client follows the changes while they are made, alternating between the replicas.
    let mut seen = HashSet::new();
    let mut cursor = String::new();
    let mut n = 0;
    while !submitters.iter().all(|s| s.is_finished()) {
        let page = r.changes(n, &token, &cursor).await;
        n += 1;
        seen.extend(page.petitions.into_iter().map(|p| p.tracking_code));
        cursor = page.next_cursor;
    }
    let mut made = HashSet::new();
    for s in submitters {
        made.extend(s.await.expect("the submitting task"));
    }
    loop {
        let page = r.changes(n, &token, &cursor).await;
        n += 1;
        seen.extend(page.petitions.into_iter().map(|p| p.tracking_code));
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(made.len(), 48);
    let missed: Vec<_> = made.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "the cursor passed petitions it never showed: {missed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_has_one_rate_limit_across_the_replicas() {
    // 0.2 requests a second, in bursts of one: each token's second request within 5 s is refused,
    // whichever replica it goes to.
    let Some(r) = Replicas::start(0.2).await else {
        return;
    };
    let token = r.token().await;
    let started = Instant::now();
    let first = r.list(0, &token).await;
    let second = r.list(1, &token).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "two requests took longer than the bucket's refill"
    );
    assert!(second.headers().contains_key("retry-after"));
    expect_error(second, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another token has its own bucket.
    let other = r.token().await;
    let answer = r.list(1, &other).await;
    assert_eq!(answer.status(), StatusCode::OK);
}
