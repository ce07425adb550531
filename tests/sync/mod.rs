//! Sync (issue 5) against the real reference bureau on loopback: through a fault-injecting proxy
//! (`faults`), with the syncing process killed again and again (`kill`), and the token in the real
//! OS keyring. Run under a private D-Bus session with an unlocked gnome-keyring (scripts/test
//! and CI do).

mod accounts;
mod catalog;
mod faults;
mod kill;
mod late_token;
// Network namespaces (`ip netns`): Linux.
#[cfg(target_os = "linux")]
mod netwatch;
mod proxy;
pub(crate) mod steps;
mod tls;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use petition_bureau::Limits;
use petition_core::Store;
use petition_core::attachment::{self, Incoming, Source};
use petition_core::model::Field;
use petition_core::sync::{Secret, secret};
use petition_tests::{petitionctl, require};
use rand::Rng;
use sqlx::Row;

use crate::bureau::{Db, TestBureau};

/// Whether the OS keyring can hold a secret here; skips (or fails in CI) when not.
pub(crate) fn keyring_ready() -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = Secret::new("probe-token".into()).expect("a token");
    let ok = secret::store_token(dir.path(), &probe).is_ok()
        && secret::load_token(dir.path()).is_ok_and(|s| s.expose() == "probe-token");
    let _ = secret::forget_token(dir.path());
    require(
        "an unlocked Secret Service keyring (dbus-run-session + gnome-keyring-daemon --unlock)",
        ok,
    )
}

/// The bureau, without a rate limit in the way (the proxy plays the 429s).
async fn bureau() -> TestBureau {
    TestBureau::start_with(
        Db::Sqlite,
        Limits {
            rate_per_second: 100_000.0,
            rate_burst: 100_000.0,
            ..Limits::default()
        },
    )
    .await
    .expect("a SQLite bureau")
}

fn complete_values(n: usize) -> Vec<(Field, String)> {
    [
        (Field::Name, "王丽".to_owned()),
        (Field::IdNumber, "11010519491231002X".to_owned()),
        (Field::Phone, "13912345678".to_owned()),
        (Field::Address, "西安市雁塔区小寨东路 1 号".to_owned()),
        (Field::Region, "610113".to_owned()),
        (Field::Category, "城乡建设".to_owned()),
        (Field::Purpose, "complaint".to_owned()),
        (Field::Title, format!("小区门前道路破损 第{n}件")),
        (Field::Request, "请尽快修复道路。".to_owned()),
        (Field::Facts, "道路破损已三个月。".to_owned()),
    ]
    .into()
}

/// A PDF of about `len` bytes with random content (kept byte for byte by the app).
fn random_pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    let mut body = vec![0u8; len.saturating_sub(16)];
    rand::rng().fill(&mut body[..]);
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

/// Queues `count` complete petitions with `files` attachments of random size in `sizes`; returns
/// each petition id with the SHA-256s of its attachments.
async fn queue_petitions(
    store: &Store,
    count: usize,
    files: std::ops::RangeInclusive<usize>,
    sizes: std::ops::Range<usize>,
) -> HashMap<String, Vec<String>> {
    let mut queued = HashMap::new();
    for n in 0..count {
        let p = store
            .drafts()
            .create(&complete_values(n))
            .await
            .expect("draft");
        let how_many = rand::rng().random_range(files.clone());
        let incoming = (0..how_many)
            .map(|i| Incoming {
                name: format!("证据{i}.pdf"),
                source: Source::Bytes(random_pdf(rand::rng().random_range(sizes.clone()))),
            })
            .collect();
        let shas = store
            .attachments()
            .attach(&p.id, incoming, &attachment::Limits::default(), |_| {})
            .await
            .expect("attach")
            .into_iter()
            .map(|a| a.expect("a PDF is taken").sha256)
            .collect();
        store.outbox().submit(&p.id).await.expect("submit");
        queued.insert(p.id, shas);
    }
    queued
}

/// Per petition id: its tracking codes at the bureau (exactly one expected), and the SHA-256 of
/// each attachment as named in the petition and as read back from the stored file.
type Holdings = HashMap<String, (Vec<String>, Vec<(String, String)>)>;

/// What the bureau holds.
async fn bureau_holdings(b: &TestBureau) -> Holdings {
    let pool = b.state.store().pool();
    let mut held = Holdings::new();
    for row in sqlx::query("SELECT tracking_code, petition_id FROM petitions")
        .fetch_all(pool)
        .await
        .expect("petitions")
    {
        let code: String = row.get("tracking_code");
        let id: String = row.get("petition_id");
        let attachments = sqlx::query(
            "SELECT sha256 FROM attachments WHERE tracking_code = $1 ORDER BY position",
        )
        .bind(&code)
        .fetch_all(pool)
        .await
        .expect("attachments")
        .iter()
        .map(|a| {
            let sha: String = a.get("sha256");
            let bytes = std::fs::read(b.state.config().blob_path(&sha)).expect("the blob");
            (sha, attachment::sha256_hex(&bytes))
        })
        .collect::<Vec<_>>();
        let entry = held.entry(id).or_default();
        entry.0.push(code);
        entry.1.extend(attachments);
    }
    held
}

/// Checks exactly-once delivery of `queued` with intact attachments, and that the local outbox
/// holds the bureau's tracking code for each.
async fn assert_delivered_once(
    b: &TestBureau,
    store: &Store,
    queued: &HashMap<String, Vec<String>>,
) {
    let held = bureau_holdings(b).await;
    assert_eq!(held.len(), queued.len(), "petitions at the bureau");
    let local: HashMap<String, Option<String>> = store
        .outbox()
        .list()
        .await
        .expect("outbox")
        .into_iter()
        .map(|i| (i.id, i.tracking_code))
        .collect();
    for (id, shas) in queued {
        let (codes, attachments) = held.get(id).expect("every petition arrived");
        assert_eq!(codes.len(), 1, "petition {id} arrived once");
        let named: Vec<&String> = attachments.iter().map(|(named, _)| named).collect();
        assert_eq!(
            named,
            shas.iter().collect::<Vec<_>>(),
            "attachments of {id}"
        );
        for (named, actual) in attachments {
            assert_eq!(named, actual, "stored bytes of {named} match their SHA-256");
        }
        assert_eq!(
            local.get(id).cloned().flatten().as_ref(),
            Some(&codes[0]),
            "the app holds the tracking code of {id}"
        );
    }
}

/// How long one `petitionctl` run may take before the test fails (none takes seconds; a hang
/// must fail the test, not hold CI until its limit).
const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `cmd` to its end while the in-process bureau keeps serving it, killing it and failing
/// after [`RUN_LIMIT`]. On a multi-thread runtime the worker first hands its queued tasks to
/// another thread: a worker blocked in a plain `output()` keeps the task in its next-task slot,
/// which no other worker may take, and if that task was the bureau's connection the child waited
/// for it for ever (seen once in CI: the kill test's final sync hung with both its connections
/// open).
fn output(cmd: &mut Command) -> std::process::Output {
    let mut run = || bounded(cmd);
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(run)
        }
        _ => run(),
    }
}

fn bounded(cmd: &mut Command) -> std::process::Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("petitionctl runs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("petitionctl is waited for") {
            break status;
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            let err = stderr.join().unwrap_or_default();
            panic!(
                "petitionctl {:?} did not end in {RUN_LIMIT:?}: {}",
                cmd.get_args().collect::<Vec<_>>(),
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn login(dir: &Path, bureau_url: &str, token: &str) {
    let out = output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(["login", "--token", token])
            .env("PETITION_BUREAU_URL", bureau_url),
    );
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sync_once(dir: &Path) -> std::process::Output {
    output(
        petitionctl()
            .arg("--data-dir")
            .arg(dir)
            .args(["sync", "--once"])
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "300"),
    )
}

fn json(cmd: &mut Command) -> serde_json::Value {
    let out = output(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// `login` stores the token in the OS keyring; a second process reads it back and delivers with
/// it; the bureau's reply comes back through `status`; another data directory has no token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_from_login_is_read_back_by_a_second_process() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let queued = {
        let store = Store::unlock(dir.path(), None).await.expect("store");
        let queued = queue_petitions(&store, 1, 1..=1, 1000..2000).await;
        store.close().await;
        queued
    };
    login(dir.path(), &b.base, &token);
    let out = sync_once(dir.path());
    assert!(
        out.status.success(),
        "sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = queued.keys().next().expect("one petition").clone();
    let status = json(
        petitionctl()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["status", &id, "--json"]),
    );
    let code = status["tracking_code"]
        .as_str()
        .expect("a tracking code")
        .to_owned();
    assert_eq!(status["state"], "submitted");
    // The deadlines come with the bureau's answer, and only the one it waits on can be overdue.
    let bureau_view = |code: String| {
        let b = &b;
        let token = token.clone();
        async move {
            b.get(&token, &format!("/v1/petitions/{code}"))
                .send()
                .await
                .expect("the bureau answers")
                .json::<petition_api::PetitionView>()
                .await
                .expect("a view")
        }
    };
    let due = &status["due"];
    let seen = bureau_view(code.clone()).await.due;
    assert_eq!(due["route"], seen.route.as_str());
    for name in ["notice", "handling", "review_request", "review_decision"] {
        assert!(due[name].is_null(), "{name}: {due}");
    }
    assert_eq!(due["overdue"], serde_json::json!([]));

    let store = petition_bureau::Store::open(b.state.config())
        .await
        .expect("bureau store");
    // Accepted 100 days ago and not replied: the handling deadline has passed.
    let long_ago = time::OffsetDateTime::now_utc() - time::Duration::days(100);
    petition_bureau::ops::apply(
        &store,
        &code,
        petition_bureau::ops::Action::Accept,
        long_ago,
    )
    .await
    .expect("operator step");
    assert!(sync_once(dir.path()).status.success());
    let status = json(
        petitionctl()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["status", &id, "--json"]),
    );
    let seen = bureau_view(code.clone()).await.due;
    assert_eq!(
        status["due"]["handling"],
        seen.reply.as_deref().expect("a claim's reply date")
    );
    assert_eq!(status["due"]["overdue"], serde_json::json!(["handling"]));
    petition_bureau::ops::apply(
        &store,
        &code,
        petition_bureau::ops::Action::Reply {
            text: "道路已于本周修复。".into(),
        },
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("operator step");
    let out = sync_once(dir.path());
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("status: replied"),
        "a status change is reported: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let status = json(
        petitionctl()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["status", &id, "--json"]),
    );
    assert_eq!(status["state"], "replied");
    assert_eq!(status["tracking_code"], code.as_str());
    let kinds: Vec<&str> = status["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["submitted", "accepted", "replied"]);
    assert_eq!(status["events"][2]["text"], "道路已于本周修复。");
    let seen = bureau_view(code.clone()).await.due;
    assert_eq!(
        status["due"]["overdue"],
        serde_json::json!([]),
        "replied: nothing overdue"
    );
    assert_eq!(
        status["due"]["review_request"],
        seen.review_request.as_deref().expect("a review window")
    );

    let other = tempfile::tempdir().expect("temp dir");
    let out = output(
        petitionctl()
            .arg("--data-dir")
            .arg(other.path())
            .args(["sync", "--once"]),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[no_bureau]"));
    let _ = secret::forget_token(dir.path());
}

/// The engine that could not start (no token yet, a keyring still locked) tries again by itself
/// with the usual backoff: a token that appears later (another process signed in, the keyring
/// was unlocked) is found without anyone waking the engine. It used to wait an hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_could_not_start_tries_again_without_being_woken() {
    use petition_core::sync::plan::Backoff;
    use petition_core::sync::{Engine, EngineConfig};
    use std::time::Duration;
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::unlock(dir.path(), None).await.expect("store");
    let queued = queue_petitions(&store, 1, 1..=1, 1000..2000).await;
    // The address is known, the token is not: what a locked keyring looks like to the engine.
    store
        .settings()
        .set(petition_core::sync::BUREAU_URL_SETTING, &b.base)
        .await
        .expect("address");
    let engine = std::sync::Arc::new(Engine::new(
        store.clone(),
        EngineConfig {
            backoff: Backoff {
                base: Duration::from_millis(50),
                cap: Duration::from_millis(300),
                max_retry_after: Duration::from_secs(1),
            },
            network_poll: None,
            ..EngineConfig::default()
        },
    ));
    let mut events = engine.subscribe();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let engine = std::sync::Arc::clone(&engine);
        async move {
            engine
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        }
    });
    // It tried and could not start.
    let first = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(petition_core::sync::SyncEvent::Reachability {
                reachable: false,
                error: Some(e),
            }) = events.recv().await
            {
                return e.code;
            }
        }
    })
    .await
    .expect("the engine reported that it cannot start");
    assert_eq!(first, "not_signed_in");
    // The token appears behind the engine's back (no sign-in call, no wake-up).
    secret::store_token(dir.path(), &Secret::new(token).expect("token")).expect("keyring");
    let id = queued.keys().next().expect("one").clone();
    petition_tests::eventually(
        Duration::from_secs(20),
        "the petition to be delivered without a wake-up",
        || {
            let store = store.clone();
            let id = id.clone();
            async move {
                store
                    .outbox()
                    .item(&id)
                    .await
                    .ok()
                    .and_then(|i| i.tracking_code)
            }
        },
    )
    .await;
    let _ = stop.send(());
    running.await.expect("the engine stops");
    assert_delivered_once(&b, &store, &queued).await;
    store.close().await;
    let _ = secret::forget_token(dir.path());
}
