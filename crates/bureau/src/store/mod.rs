//! The bureau's database: SQLite (WAL, one writer at a time) or PostgreSQL, through sqlx's
//! `Any` driver with runtime queries. Both dialects take `$1` placeholders; the schema differs
//! only where the two must (see `migrations/`).
//!
//! Every SQL statement of the bureau is here, one submodule per table group: [`accounts`] (with
//! their one-time codes), [`tokens`],
//! [`uploads`], [`petitions`] (with their attachments and events), [`idempotency`] (the
//! claims of `POST /v1/petitions`) and [`rate_buckets`] (the tokens' request buckets, on
//! PostgreSQL). Methods that write take the writer's turn themselves;
//! functions that take a `Transaction` leave the turn, and the commit, to their caller.

use std::time::Duration;

use petition_api::submission_reference;
use petition_rules::validate::mobile_number;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Connection, Executor, Row, Transaction};
use tokio::sync::{Mutex, MutexGuard};

use crate::config::Config;
use crate::error::Error;

pub mod accounts;
pub mod idempotency;
pub mod petitions;
pub mod rate_buckets;
pub mod tokens;
pub mod uploads;

pub use tokens::{BUNDLE_TOKEN_ID, TokenInfo, TokenKind, TokenState};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database.
#[derive(Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; taking turns here avoids `SQLITE_BUSY` between our own
    /// connections. PostgreSQL needs no such turn.
    writer: Option<Mutex<()>>,
}

impl Store {
    /// Connects to the database the config names and applies the migrations.
    pub async fn open(config: &Config) -> Result<Store, Error> {
        install_default_drivers();
        let url = config.database_url();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            std::fs::create_dir_all(&config.data_dir)
                .map_err(|e| Error::Io("create the data directory", e))?;
            Backend::Sqlite
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            // A connection must come back outside any transaction, or it is closed (which rolls
            // back). A request dropped while its client goes away can leave one inside: sqlx-sqlite
            // 0.8.6 runs `BEGIN IMMEDIATE` and counts it, then awaits the connection's lock before
            // the `Transaction` exists that would roll it back. Back in the pool, such a connection
            // kept SQLite's write lock, and what later requests wrote on it was never committed
            // (an upload created there answered 404 on every other connection).
            // tests/bureau/pool.rs reproduces it; PostgreSQL's driver rolls such a BEGIN back
            // itself, and the check costs it one round trip.
            .after_release(|conn, _| {
                Box::pin(async move {
                    // SQLite's worker thread rolls a dropped `Transaction` back after the
                    // connection is released; the ping waits for that.
                    conn.ping().await?;
                    if conn.is_in_transaction() {
                        tracing::warn!(
                            "a connection came back inside a transaction (a request dropped \
                             inside BEGIN); closing it"
                        );
                        return Ok(false);
                    }
                    Ok(true)
                })
            });
        let pool = options.connect(&url).await?;
        match backend {
            Backend::Sqlite => {
                pool.execute("PRAGMA journal_mode = WAL").await?;
                migrate_sqlite(&pool).await?;
            }
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        let store = Store {
            pool,
            backend,
            writer: (backend == Backend::Sqlite).then(|| Mutex::new(())),
        };
        store.fill_in_references().await?;
        store.fill_in_phones().await?;
        Ok(store)
    }

    /// Gives petitions taken in before references existed theirs (migration 0002).
    async fn fill_in_references(&self) -> Result<(), Error> {
        let filled = self
            .fill_in("reference", "petition_id", submission_reference)
            .await?;
        if filled > 0 {
            tracing::info!(petitions = filled, "filled in submission references");
        }
        Ok(())
    }

    /// Gives petitions taken in before accounts existed the petitioner's mobile number as 11
    /// digits (empty for a landline), by which a citizen can claim a kiosk's petition (migration
    /// 0006/0007).
    async fn fill_in_phones(&self) -> Result<(), Error> {
        let filled = self
            .fill_in("phone", "body", |body| {
                serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|b| b.get("phone")?.as_str().and_then(mobile_number))
                    .unwrap_or_default()
            })
            .await?;
        if filled > 0 {
            tracing::info!(petitions = filled, "filled in petitioners' mobile numbers");
        }
        Ok(())
    }

    /// Sets `column` of each petition where it is still NULL (taken in before a migration added
    /// it) to `value` of the petition's `source` column, in one transaction; how many.
    async fn fill_in(
        &self,
        column: &str,
        source: &str,
        value: impl Fn(&str) -> String,
    ) -> Result<usize, Error> {
        let missing = sqlx::query(&format!(
            "SELECT tracking_code, {source} FROM petitions WHERE {column} IS NULL"
        ))
        .fetch_all(&self.pool)
        .await?;
        if missing.is_empty() {
            return Ok(0);
        }
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let update = format!("UPDATE petitions SET {column} = $1 WHERE tracking_code = $2");
        for row in &missing {
            let code: String = row.try_get("tracking_code")?;
            let from: String = row.try_get(source)?;
            sqlx::query(&update)
                .bind(value(&from))
                .bind(&code)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(missing.len())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Hold while writing (a no-op on PostgreSQL).
    pub async fn write_turn(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.writer {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// A transaction that writes petitions and their events, taking its turn with every other
    /// one: across processes too (the server and `petition-bureau import` share the database),
    /// so what it reads first is still true when it writes. Hold [`Store::write_turn`] as well.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            // IMMEDIATE takes the write lock at once (waiting out `busy_timeout`), instead of
            // failing at the first write when another connection wrote since the first read.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                lock_changes(&mut tx).await?;
                Ok(tx)
            }
        }
    }
}

/// Applies SQLite's migrations with foreign keys off, as SQLite's own way of changing a table's
/// references needs (a rebuild: migration 0006), and checks every reference before turning them
/// on again: a migration that left one dangling fails the open.
async fn migrate_sqlite(pool: &AnyPool) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    conn.execute("PRAGMA foreign_keys = OFF").await?;
    let migrated = sqlx::migrate!("./migrations/sqlite")
        .run_direct(&mut *conn)
        .await;
    let dangling = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *conn)
        .await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    migrated?;
    if !dangling.is_empty() {
        return Err(Error::Corrupt("references left dangling by a migration"));
    }
    Ok(())
}

/// On PostgreSQL, makes the transaction's writes to petitions and events take turns with every
/// other such transaction until it ends; SQLite's writes take turns already.
///
/// Event ids must become visible in the order they are handed out: otherwise a client's `since`
/// cursor could move past an id whose transaction has not committed yet, and that change would
/// never reach it. Intake also reads, under this lock, whether a petition id was delivered.
pub async fn lock_changes(tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
    if tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(7310001)")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// `bytes` random bytes from the thread's CSPRNG, in hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn petitions_from_before_references_get_theirs_when_the_store_opens() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = Config::new(dir.path());
        let store = Store::open(&config).await.expect("the store opens");
        let secret = store
            .create_token(TokenKind::Citizen, "t", "2026-01-01T00:00:00Z")
            .await
            .expect("a token");
        let account = store
            .token(&secret, 0)
            .await
            .expect("read")
            .expect("known")
            .account_id;
        let id = "6f1c7a52-2b9e-4d1a-9c3e-8f0a1b2c3d4e";
        // As intake wrote it before migration 0002: no reference.
        sqlx::query(
            "INSERT INTO petitions (tracking_code, petition_id, account_id, status, body, title, \
             region, category, purpose, received_at, updated_at) \
             VALUES ('XF-2222-3333-4444-5555', $1, $2, 'submitted', '{}', 't', '610113', 'c', \
             'complaint', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .bind(id)
        .bind(&account)
        .execute(store.pool())
        .await
        .expect("inserted");
        drop(store);

        let store = Store::open(&config).await.expect("the store opens again");
        let reference: String = sqlx::query("SELECT reference FROM petitions")
            .fetch_one(store.pool())
            .await
            .expect("the petition")
            .try_get("reference")
            .expect("a reference");
        assert_eq!(reference, "C1YKK-3D5JJ");
    }

    /// Migration 0006 on SQLite rebuilds petitions and uploads: a token's petitions, events and
    /// keys from before accounts are its account's after it, and references still hold.
    #[tokio::test]
    async fn a_tokens_petitions_from_before_accounts_stay_its_own() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = Config::new(dir.path());
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&config.database_url())
            .await
            .expect("a database");
        let mut before = sqlx::migrate!("./migrations/sqlite");
        before.migrations = before
            .migrations
            .iter()
            .filter(|m| m.version < 6)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before
            .run(&pool)
            .await
            .expect("the migrations before accounts");
        let secret = "pbt_from_before_accounts";
        for statement in [
            format!(
                "INSERT INTO tokens (id, kind, name, hash, created_at) \
                 VALUES ('t1', 'citizen', 'old', '{}', '2026-01-01T00:00:00Z')",
                tokens::token_hash(secret)
            ),
            "INSERT INTO petitions (tracking_code, petition_id, token_id, status, body, title, \
             region, category, purpose, received_at, updated_at, change_seq, reference) \
             VALUES ('XF-2222-3333-4444-5555', 'p1', 't1', 'submitted', \
             '{\"phone\": \"139 1234 4567\"}', 't', '610113', 'c', 'claim', \
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1, 'R')"
                .into(),
            "INSERT INTO events (tracking_code, kind, at) \
             VALUES ('XF-2222-3333-4444-5555', 'submitted', '2026-01-01T00:00:00Z')"
                .into(),
            "INSERT INTO idempotency (token_id, key, body_hash, state, status_code, response, \
             claimed_unix) VALUES ('t1', 'p1', 'h', 'done', 201, '{}', 0)"
                .into(),
        ] {
            sqlx::query(&statement)
                .execute(&pool)
                .await
                .expect("an old row");
        }
        pool.close().await;

        let store = Store::open(&config).await.expect("the store migrates");
        let token = store.token(secret, 0).await.expect("read").expect("known");
        assert_eq!(token.account_id, "t1");
        assert_eq!(token.state, TokenState::Live);
        let changed = store.changed_since("t1", 0, 10).await.expect("changes");
        assert_eq!(changed, vec![("XF-2222-3333-4444-5555".to_owned(), 1)]);
        let claim = store.claim("t1", "p1").await.expect("the key's claim");
        assert!(
            matches!(claim.state, idempotency::ClaimState::Done { .. }),
            "{claim:?}"
        );
        let phone: String = sqlx::query_scalar("SELECT phone FROM petitions")
            .fetch_one(store.pool())
            .await
            .expect("the phone");
        assert_eq!(phone, "13912344567");
        let dangling = sqlx::query(
            "INSERT INTO events (tracking_code, kind, at) VALUES ('XF-none', 'submitted', 'x')",
        )
        .execute(store.pool())
        .await;
        assert!(dangling.is_err(), "references are enforced again");
    }
}
