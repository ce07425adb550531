//! The bureau's database: SQLite (WAL, one writer at a time) or PostgreSQL, through sqlx's
//! `Any` driver with runtime queries. Both dialects take `$1` placeholders; the schema differs
//! only where the two must (see `migrations/`).

use std::str::FromStr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::{Mutex, MutexGuard};

use crate::config::Config;
use crate::error::Error;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who a bearer token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A citizen's account.
    Citizen,
    /// A registered kiosk in a community centre.
    Kiosk,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Citizen => "citizen",
            TokenKind::Kiosk => "kiosk",
        }
    }
}

impl FromStr for TokenKind {
    type Err = String;

    fn from_str(s: &str) -> Result<TokenKind, String> {
        match s {
            "citizen" => Ok(TokenKind::Citizen),
            "kiosk" => Ok(TokenKind::Kiosk),
            other => Err(format!("unknown token kind `{other}` (citizen or kiosk)")),
        }
    }
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
            });
        let pool = options.connect(&url).await?;
        match backend {
            Backend::Sqlite => {
                pool.execute("PRAGMA journal_mode = WAL").await?;
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
            }
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        Ok(Store {
            pool,
            backend,
            writer: (backend == Backend::Sqlite).then(|| Mutex::new(())),
        })
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

    /// Creates a bearer token and returns its secret, which is shown once and stored hashed.
    pub async fn create_token(
        &self,
        kind: TokenKind,
        name: &str,
        now: &str,
    ) -> Result<String, Error> {
        let secret = format!("pbt_{}", random_hex(32));
        let id = uuid::Uuid::new_v4().to_string();
        let _turn = self.write_turn().await;
        sqlx::query(
            "INSERT INTO tokens (id, kind, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(kind.as_str())
        .bind(name)
        .bind(token_hash(&secret))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(secret)
    }

    /// The token id and kind behind a secret.
    pub async fn token(&self, secret: &str) -> Result<Option<(String, TokenKind)>, Error> {
        let row = sqlx::query("SELECT id, kind FROM tokens WHERE hash = $1")
            .bind(token_hash(secret))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let kind: String = r.try_get("kind")?;
            let kind = kind.parse().map_err(|_| Error::Corrupt("token kind"))?;
            Ok((r.try_get("id")?, kind))
        })
        .transpose()
    }
}

/// Tokens are stored as their SHA-256: a leaked database does not leak working tokens.
fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// `bytes` random bytes from the thread's CSPRNG, in hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}
