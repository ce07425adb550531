//! Crash safety: a child saves drafts in a loop and is killed with SIGKILL at random moments.
//! Every save it reported as returned must be there afterwards, and the file must be intact.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use petition_core::Store;
use rand::Rng;

const KILLS: usize = 200;

fn value(n: u64) -> String {
    if n.is_multiple_of(2) {
        format!("第{n}次保存的标题")
    } else {
        format!(
            "第{n}次保存：{}",
            "道路破损，雨天积水。".repeat((n % 50) as usize + 1)
        )
    }
}

/// What the field holding saves of parity `parity` may contain after the last acknowledged save
/// `last`: the last acknowledged save of that field, or the one in flight when the kill came.
fn allowed(parity: u64, last: Option<u64>, initial: &str) -> Vec<String> {
    let mut ok = Vec::new();
    let acked_of_field = match last {
        Some(l) if l % 2 == parity => Some(l),
        Some(l) if l >= 1 => Some(l - 1),
        _ => None,
    };
    ok.push(
        acked_of_field
            .map(value)
            .unwrap_or_else(|| initial.to_owned()),
    );
    let in_flight = last.map_or(0, |l| l + 1);
    if in_flight % 2 == parity {
        ok.push(value(in_flight));
    } else {
        ok.push(value(in_flight + 1));
    }
    ok
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_save_200_times_nothing_acknowledged_is_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::unlock(dir.path(), None).await.expect("open");
    let id = store.drafts().create(&[]).await.expect("draft").id;
    store.close().await;

    let mut rng = rand::rng();
    let mut last: Option<u64> = None;
    let mut total_acked = 0usize;
    for round in 0..KILLS {
        let start = last.map_or(0, |l| l + 1);
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
            .args([dir.path().to_str().expect("utf-8"), &id, &start.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn crash-writer");
        let stdout = child.stdout.take().expect("stdout");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut saved = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line == "ready" {
                    let _ = ready_tx.send(());
                } else if let Some(n) = line.strip_prefix("saved ").and_then(|n| n.parse().ok()) {
                    saved.push(n);
                }
            }
            saved
        });
        // Sometimes during start-up (opening the encrypted store, reading the key from the
        // keyring), mostly in the middle of saving: counted from when the child is ready.
        if round % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(rng.random_range(0..15))).await;
        } else {
            let _ = ready_rx.recv_timeout(Duration::from_secs(30));
            tokio::time::sleep(Duration::from_millis(rng.random_range(15..80))).await;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let acked = reader.join().expect("reader");
        total_acked += acked.len();
        if let Some(&l) = acked.last() {
            last = Some(l);
        }

        let store = Store::unlock(dir.path(), None)
            .await
            .expect("reopen after kill");
        let p = store.drafts().get(&id).await.expect("draft still there");
        let title_ok = allowed(0, last, "");
        let facts_ok = allowed(1, last, "");
        assert!(
            title_ok.contains(&p.title),
            "round {round}: title lost an acknowledged save (last acknowledged {last:?})"
        );
        assert!(
            facts_ok.contains(&p.facts),
            "round {round}: facts lost an acknowledged save (last acknowledged {last:?})"
        );
        store.close().await;
        // The next child resumes after whatever is on disk.
        if let Some(n) = [p.title.as_str(), p.facts.as_str()]
            .iter()
            .filter_map(|v| {
                v.strip_prefix('第')?
                    .split('次')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .max()
        {
            last = Some(last.map_or(n, |l| l.max(n)));
        }
    }
    assert!(
        total_acked > KILLS,
        "the writer should have saved many times between kills ({total_acked} saves)"
    );
    let store = Store::unlock(dir.path(), None).await.expect("open");
    let report = store.doctor().await.expect("doctor");
    assert!(
        report.integrity_ok,
        "integrity_check: {:?}",
        report.integrity
    );
    assert!(
        report.search_index_ok,
        "the search index disagrees with its rows"
    );
    assert!(report.ok());
    store.close().await;
}
