//! `petitionctl sync` killed with SIGKILL at random moments, 100 times, restarted each time (half
//! the runs with fixed 64 KiB chunks, half with requests sized to the line as the app sends them):
//! the bureau holds no duplicate, nothing is lost, and each cut costs at most about one request of
//! re-sent bytes (counted by the bureau as they arrive).

use std::process::Stdio;
use std::time::{Duration, Instant};

use petition_bureau::store::TokenKind;
use petition_core::Store;
use petition_core::sync::secret;
use petition_tests::{petitionctl, workspace_bin};
use rand::Rng;

use super::{assert_delivered_once, bureau, keyring_ready, login, queue_petitions, sync_once};

const CHUNK: u64 = 64 * 1024;
const KILLS: usize = 100;
/// The largest attachment the test queues.
const MAX_FILE: u64 = 700_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_killed_100_times_delivers_everything_once() {
    if !keyring_ready() {
        return;
    }
    workspace_bin("petitionctl");
    let b = bureau().await;
    let token = b.token(TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let queued = {
        let store = Store::unlock(dir.path(), None).await.expect("store");
        let queued = queue_petitions(&store, 100, 1..=1, 150_000..MAX_FILE as usize).await;
        store.close().await;
        queued
    };
    let total: u64 = {
        let store = Store::unlock(dir.path(), None).await.expect("store");
        let items = store.outbox().list().await.expect("outbox");
        store.close().await;
        items.iter().map(|i| i.bytes_total).sum()
    };
    login(dir.path(), &b.base, &token);

    let started = Instant::now();
    let mut worst_cut = 0u64;
    let mut before = b.state.upload_counters();
    // The largest request the last killed run could send.
    let mut last_request = 0;
    for run in 0..KILLS {
        // Every other run sizes its requests to the line, as the app does; the others send
        // fixed 64 KiB chunks, so kills land inside files often.
        let fixed = run % 2 == 0;
        let mut sync = petitionctl();
        if fixed {
            sync.env("PETITION_SYNC_CHUNK_BYTES", CHUNK.to_string());
        }
        let mut child = sync
            .arg("--data-dir")
            .arg(dir.path())
            .arg("sync")
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "300")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("petitionctl starts");
        let ms = rand::rng().random_range(0..400);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let now = b.state.upload_counters();
        let resent = now.resent_bytes - before.resent_bytes;
        worst_cut = worst_cut.max(resent);
        // The bureau keeps every byte it counts, even from a client that vanished mid-request;
        // what is lost in a cut never arrived, so is not counted twice: a cut costs at most the
        // request on the wire. A request never spans two files, so a line-sized one is at most a
        // file. (A CI run once re-sent a whole file: a request dropped inside BEGIN had left a
        // pooled connection in a transaction, and uploads created on it answered 404 elsewhere;
        // the pool closes such connections now, tests/bureau/pool.rs.)
        let request = if fixed { CHUNK } else { MAX_FILE };
        assert!(
            resent <= request,
            "{resent} bytes were sent again in one run, more than a request ({request})"
        );
        last_request = request;
        before = now;
    }
    let killed_in = started.elapsed();
    // A killed client's last request may still be in the server's socket buffer; let the server
    // finish it, so its bytes are counted before the final run asks where the upload stands.
    let mut settled = b.state.upload_counters();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = b.state.upload_counters();
        if now.received_bytes == settled.received_bytes {
            break;
        }
        settled = now;
    }
    before = settled;
    let sent_before_final = b.state.upload_counters();
    let out = sync_once(dir.path());
    assert!(
        out.status.success(),
        "final sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counters = b.state.upload_counters();
    eprintln!(
        "{KILLS} kills in {:.1} s; {} of {total} bytes had arrived before the final run; \
         received {} bytes in all, {} re-sent (worst run {worst_cut})",
        killed_in.as_secs_f64(),
        sent_before_final.received_bytes - sent_before_final.resent_bytes,
        counters.received_bytes,
        counters.resent_bytes,
    );
    assert!(
        counters.resent_bytes - before.resent_bytes <= last_request,
        "the final run sent again more than the last killed run's request"
    );
    assert_eq!(
        counters.received_bytes - counters.resent_bytes,
        total,
        "every attachment byte arrived, and no more than the re-sent ones twice"
    );
    let store = Store::unlock(dir.path(), None).await.expect("store");
    assert_delivered_once(&b, &store, &queued).await;
    let report = store.doctor().await.expect("doctor");
    assert!(report.integrity_ok, "{report:?}");
    let _ = secret::forget_token(dir.path());
}
