//! The bureau's connection pool after a request dropped inside `BEGIN`: a client that goes away
//! drops its handler, and a handler dropped at the wrong moment of sqlx-sqlite's `BEGIN
//! IMMEDIATE` (what every write transaction on SQLite starts with) leaves its connection inside a
//! transaction with no `Transaction` to roll it back. That connection must not serve anyone again.

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use sqlx::{AnyConnection, Connection, Row};
use tokio::sync::Notify;

use super::*;

/// Lets the test wait until a future it polled by hand can go on.
struct Woken(Notify);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.notify_one();
    }
}

/// Starts `BEGIN IMMEDIATE` on `conn` and drops it where sqlx-sqlite 0.8.6 has no way back: the
/// worker thread has run the BEGIN and had its answer taken (the transaction is open and
/// counted), and `SqliteTransactionManager::begin` waits for the connection's lock to check it
/// before it makes the `Transaction`. Polled by hand, the first poll sends the BEGIN and waits for
/// the answer; once woken, the second takes it and waits for the lock: dropped then, the BEGIN
/// stays. When the worker was quicker than the first poll, the second finishes instead, and the
/// transaction it gives is rolled back and the whole tried again.
async fn drop_inside_begin(conn: &mut AnyConnection) {
    // Under load the worker wins more often; each try takes about a millisecond.
    for _ in 0..2_000 {
        let woken = Arc::new(Woken(Notify::new()));
        let waker = Waker::from(Arc::clone(&woken));
        let mut cx = Context::from_waker(&waker);
        let mut begin = conn.begin_with("BEGIN IMMEDIATE");
        assert!(
            begin.as_mut().poll(&mut cx).is_pending(),
            "a BEGIN done without its worker thread"
        );
        woken.0.notified().await;
        match begin.as_mut().poll(&mut cx) {
            Poll::Pending => return,
            Poll::Ready(tx) => tx
                .expect("BEGIN IMMEDIATE")
                .rollback()
                .await
                .expect("rollback"),
        }
    }
    panic!("the worker always answered before the first poll was done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_dropped_inside_begin_leaves_no_connection_in_a_transaction() {
    let b = TestBureau::start(Db::Sqlite)
        .await
        .expect("a SQLite bureau");
    let token = b.token(TokenKind::Citizen).await;
    let pool = b.state.store().pool();
    let mut conn = pool.acquire().await.expect("a connection");
    drop_inside_begin(&mut conn).await;
    assert!(
        conn.is_in_transaction(),
        "the dropped BEGIN left its connection inside the transaction (if a newer sqlx no \
         longer does, this test no longer reproduces anything)"
    );
    drop(conn);

    // An upload created now is committed: a connection of its own sees it, and every later
    // request finds it (before the fix it was written inside the left-over transaction and never
    // committed, so other connections answered 404, or its INSERT waited for that transaction's
    // write lock and failed).
    let created = b
        .post(&token, "/v1/uploads")
        .json(&serde_json::json!({
            "length": 3,
            "media_type": "image/jpeg",
            "sha256": "0".repeat(64),
        }))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), StatusCode::CREATED);
    let upload: petition_api::Upload = created.json().await.expect("an upload");
    let mut own = AnyConnection::connect(&b.state.config().database_url())
        .await
        .expect("a connection outside the pool");
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM uploads WHERE id = $1")
        .bind(&upload.id)
        .fetch_one(&mut own)
        .await
        .expect("count")
        .get("n");
    assert_eq!(rows, 1, "the upload was committed");
    let max = pool.options().get_max_connections();
    for _ in 0..max * 2 {
        let status = b
            .get(&token, &format!("/v1/uploads/{}", upload.id))
            .send()
            .await
            .expect("status")
            .status();
        assert_eq!(status, StatusCode::OK);
    }
    // Every connection the pool has is outside a transaction.
    let mut held = Vec::new();
    for _ in 0..max {
        held.push(pool.acquire().await.expect("a connection"));
    }
    assert!(held.iter().all(|c| !c.is_in_transaction()));
}
