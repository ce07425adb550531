//! Issue 14, defect 6: an engine that cannot start (no token yet, a keyring still locked) tries
//! again with the normal backoff, so a token that turns up later without waking it (saved by
//! another process, a keyring unlocked) is found within seconds, not after an hour.

use std::time::Duration;

use petition_core::Store;
use petition_core::keys::{self, Passphrase};
use petition_core::sync::plan::Backoff;
use petition_core::sync::{BUREAU_URL_SETTING, Engine, EngineConfig, ItemState, Secret};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_without_a_token_finds_one_saved_later_without_being_woken() {
    let b = super::bureau().await;
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Passphrase mode: the token lives in the encrypted database, no keyring is involved.
    let pass = || Passphrase::new("late token passphrase".to_owned());
    keys::init_passphrase(dir.path(), &pass()).expect("a passphrase key");
    let store = Store::unlock(dir.path(), Some(pass()))
        .await
        .expect("store");
    store
        .settings()
        .set(BUREAU_URL_SETTING, &b.base)
        .await
        .expect("the bureau's address");
    let queued = super::queue_petitions(&store, 1, 0..=0, 0..1).await;
    let id = queued.keys().next().expect("one petition").clone();

    let config = EngineConfig {
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(500),
            ..Backoff::default()
        },
        network_poll: None,
        ..EngineConfig::default()
    };
    let engine = std::sync::Arc::new(Engine::new(store.clone(), config));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        })
    };
    // It starts without a token and cannot connect; give it a few failed starts.
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The token arrives behind its back: nothing wakes the engine.
    store
        .save_token(Secret::new(token).expect("a token"))
        .await
        .expect("the token is kept");

    let delivered = petition_tests::eventually(
        Duration::from_secs(15),
        "the petition delivered after the token turned up",
        || async {
            let items = store.outbox().list().await.ok()?;
            items
                .into_iter()
                .find(|i| i.id == id && i.state == ItemState::Delivered)
        },
    )
    .await;
    assert!(delivered.tracking_code.is_some());
    let _ = stop.send(());
    let _ = running.await;
}
