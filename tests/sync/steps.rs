//! The citizen's steps after delivery from `petitionctl` (issue 18), against `petition-bureau
//! serve --test-clock` in its own process, with the operator's commands and the clock moved
//! beside it: a rating, a 复查 and a 复核 request and an urge made while the network is gone
//! wait in the outbox and, once it is back, go through a line that cuts connections, loses
//! answers after the bureau acted and answers like a captive portal, each exactly once and in
//! order. Steps the bureau does not allow exit 1 with its reason.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use petition_api::{EventKind, PetitionView};
use petition_core::Store;
use petition_core::sync::{BUREAU_URL_SETTING, Secret};
use petition_tests::petitionctl;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};

use super::proxy::{self, FaultCounts};
use super::{complete_values, json, keyring_ready, output, sync_once};
use crate::bureau::Db;
use crate::bureau::process::Bureau;

/// How the line to the bureau is.
pub(crate) const OFF: u8 = 0;
pub(crate) const CLEAN: u8 = 1;
const FAULTY: u8 = 2;
const LOSSY: u8 = 3;

/// A line that can be switched: off (every connection closed at once: the app finds the bureau
/// unreachable), clean (passed to the bureau), faulty (passed to the fault proxy), or lossy:
/// one request a connection, and the first answer to each request that carries an
/// `Idempotency-Key` is dropped after the bureau acted on it (the keys in `lost`).
pub(crate) struct Line {
    pub(crate) url: String,
    mode: Arc<AtomicU8>,
    lost: Arc<Mutex<HashSet<String>>>,
}

impl Line {
    pub(crate) async fn start(bureau: &str, faulty: &str) -> Line {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let line = Line {
            url: format!("http://{addr}"),
            mode: Arc::new(AtomicU8::new(CLEAN)),
            lost: Arc::default(),
        };
        let (mode, lost) = (Arc::clone(&line.mode), Arc::clone(&line.lost));
        let bureau = bureau.trim_start_matches("http://").to_owned();
        let faulty = faulty.trim_start_matches("http://").to_owned();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mode = mode.load(Ordering::SeqCst);
                let upstream = if mode == FAULTY { &faulty } else { &bureau }.clone();
                let lost = Arc::clone(&lost);
                tokio::spawn(async move {
                    match mode {
                        OFF => drop(client),
                        LOSSY => {
                            let _ = one_request(client, &upstream, &lost).await;
                        }
                        _ => {
                            if let Ok(mut server) = TcpStream::connect(&upstream).await {
                                let _ = copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                    }
                });
            }
        });
        line
    }

    pub(crate) fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn lost(&self) -> HashSet<String> {
        self.lost.lock().expect("the lost keys").clone()
    }
}

/// An HTTP message's head (through the blank line) and its body, by `Content-Length`.
async fn read_message(stream: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        bytes.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while bytes.len() < end + length {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        bytes.extend_from_slice(&buf[..n]);
    }
    let body = bytes.split_off(end);
    Ok((bytes, body))
}

/// Carries one request to the bureau and its answer back, unless it is the first time its
/// `Idempotency-Key` is seen: then the answer is dropped, the connection closed without it.
async fn one_request(
    mut client: TcpStream,
    upstream: &str,
    lost: &Mutex<HashSet<String>>,
) -> std::io::Result<()> {
    let (head, body) = read_message(&mut client).await?;
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&head).await?;
    server.write_all(&body).await?;
    let (answer_head, answer_body) = read_message(&mut server).await?;
    let key = String::from_utf8_lossy(&head).lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("idempotency-key:")
            .map(|k| k.trim().to_owned())
    });
    if let Some(key) = key
        && lost.lock().expect("the lost keys").insert(key)
    {
        return Ok(());
    }
    client.write_all(&answer_head).await?;
    client.write_all(&answer_body).await?;
    client.shutdown().await
}

/// `petitionctl --data-dir DIR ARGS…` in Chinese.
fn ctl(dir: &Path, args: &[&str]) -> std::process::Output {
    output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env("LANG", "zh_CN.UTF-8")
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "200"),
    )
}

fn ok(out: &std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A step the bureau refused: exit 1, its reason on standard error.
fn refused(out: &std::process::Output, what: &str) -> String {
    assert_eq!(out.status.code(), Some(1), "{what} is refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn status(dir: &Path, id: &str) -> Value {
    json(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(["status", id, "--json"]),
    )
}

/// The steps of `status --json`, as `kind:state`.
fn steps(dir: &Path, id: &str) -> Vec<String> {
    status(dir, id)["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["kind"].as_str().unwrap_or("?"),
                s["state"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

fn operator(b: &Bureau, args: &[&str]) {
    let mut all = vec!["petition"];
    all.extend(args);
    b.run_ok(&all);
}

fn advance(b: &Bureau, days: u32) {
    b.run_ok(&["clock", "advance", "--days", &days.to_string()]);
}

/// Syncs until the outbox has nothing left to send (the line may refuse a whole run).
fn sync_through(dir: &Path) {
    for _ in 0..20 {
        let out = sync_once(dir);
        if out.status.success() && steps_waiting(dir) == 0 {
            return;
        }
    }
    panic!("the steps did not all go in 20 runs of sync --once");
}

fn steps_waiting(dir: &Path) -> usize {
    let list = json(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(["outbox", "--json"]),
    );
    list.as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .map(|id| {
            status(dir, id)["steps"]
                .as_array()
                .map_or(0, |s| s.iter().filter(|s| s["state"] == "waiting").count())
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_made_offline_go_once_and_in_order_through_a_line_that_cuts() {
    if !keyring_ready() {
        return;
    }
    let Some(b) = Bureau::start_with(Db::Sqlite, &["--test-clock", "--rate-limit", "1000"]).await
    else {
        return;
    };
    let token = b
        .run_ok(&["token", "create", "--kind", "citizen", "--name", "steps"])
        .trim()
        .to_owned();
    let counts = Arc::new(FaultCounts::default());
    let faulty = proxy::start(
        b.base
            .trim_start_matches("http://")
            .parse()
            .expect("an address"),
        Arc::clone(&counts),
    )
    .await;
    let line = Line::start(&b.base, &faulty).await;
    line.set(FAULTY);
    let set = |m: u8| line.set(m);

    let dir = tempfile::tempdir().expect("temp dir");
    let id = {
        let store = Store::unlock(dir.path(), None).await.expect("store");
        // Signed in directly (the line's first faults would refuse the check), then everything
        // goes through the line.
        store
            .sign_in(&b.base, Secret::new(token.clone()).expect("token"))
            .await
            .expect("sign in");
        store
            .settings()
            .set(BUREAU_URL_SETTING, &line.url)
            .await
            .expect("the line's address");
        let p = store
            .drafts()
            .create(&complete_values(0))
            .await
            .expect("draft");
        store.outbox().submit(&p.id).await.expect("submit");
        p.id
    };
    let dir = dir.path();
    sync_through(dir);
    let code = status(dir, &id)["tracking_code"]
        .as_str()
        .expect("delivered")
        .to_owned();
    let bureau_view = async || -> PetitionView {
        serde_json::from_value(b.get_json(&token, &format!("/v1/petitions/{code}")).await)
            .expect("a view")
    };
    let count =
        |v: &PetitionView, kind: EventKind| v.events.iter().filter(|e| e.kind == kind).count();

    // Too early to urge: refused with the day it becomes possible; a rating before any reply too
    // (on a clean line: the faulty one could keep them from the bureau, and they would wait).
    set(CLEAN);
    let early = refused(&ctl(dir, &["urge", &id]), "an early urge");
    assert!(early.contains("催办"), "{early}");
    let none = refused(
        &ctl(dir, &["evaluate", &id, "--satisfaction", "satisfied"]),
        "a rating before the reply",
    );
    assert!(!none.is_empty());
    assert_eq!(steps(dir, &id), ["urge:refused", "evaluation:refused"]);

    // Routed, noticed and replied; the app pulls the reply, then the network goes.
    operator(&b, &["route", &code, "--to", "西安市住房和城乡建设局"]);
    operator(&b, &["notify", &code, "--text", "已受理"]);
    operator(&b, &["reply", &code, "--text", "道路已列入维修计划"]);
    sync_through(dir);
    assert_eq!(status(dir, &id)["state"], "replied");
    set(OFF);

    // Offline: rated 不满意 and a review asked for; both wait.
    let out = ctl(
        dir,
        &[
            "evaluate",
            &id,
            "--satisfaction",
            "dissatisfied",
            "--comment",
            "路还没修",
        ],
    );
    assert!(ok(&out, "a rating offline").contains("已加入待发送列表"));
    ok(
        &ctl(
            dir,
            &["review", &id, "--reason", "路还没修，答复没有说何时修"],
        ),
        "a review offline",
    );
    assert_eq!(
        steps(dir, &id)[2..],
        ["evaluation:waiting", "review:waiting"]
    );
    let v = bureau_view().await;
    assert_eq!(
        count(&v, EventKind::Evaluated),
        0,
        "nothing reached the bureau"
    );

    // Back online, on a line that drops the first answer to each: both went again under their
    // keys, and each counted once, the rating before the review.
    set(LOSSY);
    sync_through(dir);
    assert_eq!(steps(dir, &id)[2..], ["evaluation:sent", "review:sent"]);
    let keys: Vec<String> = status(dir, &id)["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["key"].as_str().expect("a key").to_owned())
        .collect();
    let lost = line.lost();
    assert!(
        keys[2..].iter().all(|k| lost.contains(k)),
        "the first answers were lost: {lost:?}"
    );
    let v = bureau_view().await;
    assert_eq!(count(&v, EventKind::Evaluated), 1);
    assert_eq!(count(&v, EventKind::ReviewRequested), 1);
    let order: Vec<EventKind> = v
        .events
        .iter()
        .map(|e| e.kind)
        .filter(|k| matches!(k, EventKind::Evaluated | EventKind::ReviewRequested))
        .collect();
    assert_eq!(order, [EventKind::Evaluated, EventKind::ReviewRequested]);
    let due = &status(dir, &id)["due"];
    assert!(due["review_decision"].is_string(), "{due}");
    assert_eq!(status(dir, &id)["state"], "review_requested");

    // The 复查 decision is 40 days late: urged offline, sent once the network is back.
    advance(&b, 40);
    sync_through(dir);
    set(OFF);
    ok(&ctl(dir, &["urge", &id]), "an urge offline");
    set(LOSSY);
    sync_through(dir);
    assert_eq!(count(&bureau_view().await, EventKind::Urged), 1);

    // The 复查 decision, rated and taken to 复核 offline; then the 复核 decision is final.
    operator(&b, &["review-reply", &code, "--text", "维持原答复"]);
    sync_through(dir);
    set(OFF);
    ok(
        &ctl(dir, &["evaluate", &id, "--satisfaction", "dissatisfied"]),
        "the review's rating offline",
    );
    ok(
        &ctl(dir, &["recheck", &id, "--reason", "复查没有查清"]),
        "a 复核 offline",
    );
    set(FAULTY);
    sync_through(dir);
    let v = bureau_view().await;
    assert_eq!(count(&v, EventKind::Evaluated), 2);
    assert_eq!(count(&v, EventKind::RecheckRequested), 1);
    operator(&b, &["recheck-reply", &code, "--text", "复核维持"]);
    sync_through(dir);
    assert_eq!(status(dir, &id)["state"], "rechecked");
    set(CLEAN);
    let last = refused(
        &ctl(dir, &["recheck", &id, "--reason", "再次"]),
        "a second 复核",
    );
    assert!(last.contains("不再受理"), "{last}");

    // Every step went once, whatever the line did to its requests and answers.
    let v = bureau_view().await;
    assert_eq!(count(&v, EventKind::Urged), 1);
    assert_eq!(count(&v, EventKind::ReviewRequested), 1);
    // The faulty line's connections were few and drawn at random: which faults they met is not
    // asserted (the lossy line is what loses answers for certain). What they were, for a reader:
    println!("the faulty line: {}", counts.summary());
}
