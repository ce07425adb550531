//! 200 petitions with attachments through the fault-injecting proxy: every fault the proxy has
//! happened, the app saw each kind of answer for what it is, each petition arrives exactly once,
//! with intact attachments, and the app holds every tracking code.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use petition_bureau::store::TokenKind;
use petition_core::Store;
use petition_core::sync::plan::Backoff;
use petition_core::sync::{Engine, EngineConfig, ItemState, Secret, SyncEvent, secret};

use super::proxy::{self, Fault, FaultCounts};
use super::{assert_delivered_once, bureau, keyring_ready, queue_petitions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_petitions_arrive_once_through_a_hostile_network() {
    if !keyring_ready() {
        return;
    }
    let b = bureau().await;
    let token = b.token(TokenKind::Citizen).await;
    let counts = Arc::new(FaultCounts::default());
    let upstream = b
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the bureau's address");
    let via_proxy = proxy::start(upstream, Arc::clone(&counts)).await;

    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::unlock(dir.path(), None).await.expect("store");
    let queued = queue_petitions(&store, 200, 1..=3, 500..6000).await;
    // Signing in tries the bureau once, which the proxy's first faults would refuse: sign in
    // directly, then send everything through the proxy.
    store
        .sign_in(&b.base, Secret::new(token).expect("token"))
        .await
        .expect("sign in");
    store
        .settings()
        .set(petition_core::sync::BUREAU_URL_SETTING, &via_proxy)
        .await
        .expect("the proxy's address");

    let engine = Engine::new(
        store.clone(),
        EngineConfig {
            // Small chunks, so uploads take several requests and cuts land inside them.
            chunk_bytes: 2048,
            adaptive_chunks: false,
            backoff: Backoff {
                base: Duration::from_millis(10),
                cap: Duration::from_millis(200),
                max_retry_after: Duration::from_secs(1),
            },
            ..EngineConfig::default()
        },
    );
    let mut events = engine.subscribe();
    let watcher = tokio::spawn(async move {
        // How many were delivered, and the code of every failure the app reported.
        let (mut delivered, mut codes) = (0usize, BTreeSet::new());
        while let Ok(event) = events.recv().await {
            match event {
                SyncEvent::Delivered { .. } => delivered += 1,
                SyncEvent::Reachability { error: Some(e), .. } => {
                    codes.insert(e.code);
                }
                SyncEvent::Item { item } => codes.extend(item.error.map(|e| e.code)),
                _ => {}
            }
        }
        (delivered, codes)
    });
    let started = Instant::now();
    let summary = tokio::time::timeout(Duration::from_secs(600), engine.run_once())
        .await
        .expect("the outbox drains in time")
        .expect("run_once");
    eprintln!(
        "drained 200 petitions through the proxy in {:.1} s; {}",
        started.elapsed().as_secs_f64(),
        counts.summary()
    );
    drop(engine);
    let (delivered_events, codes) = watcher.await.expect("watcher");
    for fault in Fault::ALL {
        assert!(
            counts.happened(fault) > 0,
            "{fault:?} never happened: {}",
            counts.summary()
        );
    }
    // The proxy's own answers came early (see `proxy::pick`), to requests whose failures the app
    // reports: each was taken for what it is, not for the bureau's word.
    for code in ["not_bureau", "http_429", "http_503"] {
        assert!(codes.contains(code), "{code} not reported: {codes:?}");
    }
    for item in store.outbox().list().await.expect("outbox") {
        assert!(item.error.is_none(), "{:?}: {:?}", item.state, item.error);
    }
    assert_eq!(summary.needs_attention, 0);
    assert_eq!(summary.delivered, 200);
    assert_eq!(delivered_events, 200);
    for item in store.outbox().list().await.expect("outbox") {
        assert_eq!(item.state, ItemState::Delivered);
        assert_eq!(item.bytes_sent, item.bytes_total);
        assert_eq!(item.files_sent, item.files_total);
        assert!(item.error.is_none());
    }
    assert_delivered_once(&b, &store, &queued).await;
    let _ = secret::forget_token(dir.path());
}
