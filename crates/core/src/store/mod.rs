//! The local store: every byte the app keeps, in one SQLite file, durable before the user is
//! told "saved".
//!
//! One file, `petitions.db`, in the data directory the caller passes in. WAL journal with
//! `synchronous=FULL`, so a save that returned survives a crash or power cut. All writes go
//! through one connection (the single writer); reads use a separate read-only pool, which WAL lets
//! run beside the writer. The schema comes from the embedded, append-only migrations.
//!
//! Every byte the app keeps goes through [`Store`], and it is encrypted at rest here, in
//! [`Store::open`]: the database (pages, WAL and all) by SQLCipher under the data key, and the
//! attachment files by the store's [`FileCipher`] derived from the same key.
//!
//! [`Store`] owns the pools, the key and the data directory; what is kept is reached through one
//! handle per room, a borrow of the store that costs nothing to make:
//!
//! - [`Store::drafts`] ([`drafts`]): the petitions themselves, their fields, the trash, search;
//! - [`Store::settings`] ([`settings`]): the app's key–value settings, and the typed ones;
//! - [`Store::outbox`] ([`crate::sync::outbox`]): submitted petitions on their way to the bureau,
//!   what the engine records of them, and the bureau's answers;
//! - [`Store::attachments`] ([`crate::attachment`]): the petitions' files, sealed and
//!   content-addressed, and their purge after the retention period ([`crate::retention`]);
//! - [`Store::kiosk`] ([`crate::kiosk`]): a kiosk's configuration, its PIN with the lock-out, the
//!   end of a session, the sealed export.
//!
//! The drafts and settings are the store's own and live here; each other room's SQL sits beside
//! the rules it serves (the outbox beside the sync planner, attachments beside sniffing and
//! normalising, the kiosk beside its PIN and export rules), so one change to a domain is one
//! folder. All rooms share the one migration set and the one writer. The bureau account (the
//! token and signing in, in [`crate::sync::secret`]) and [`Store::doctor`], which looks at the
//! whole file, stay on [`Store`] itself.

pub mod drafts;
pub mod settings;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use drafts::Drafts;
pub use settings::Settings;

use crate::attachment::Attachments;
use crate::crypto::{DataKey, FileCipher};
use crate::error::{Error, KeyProblem, Result};
use crate::kiosk::Kiosk;
use crate::sync::outbox::Outbox;

/// The embedded migrations (`crates/core/migrations`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database file inside the data directory.
pub const DB_FILE: &str = "petitions.db";

/// At most this many search hits are returned, newest first.
pub const SEARCH_LIMIT: i64 = 200;

/// The local store of one data directory.
#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    dir: PathBuf,
    files: Arc<FileCipher>,
}

/// The first 16 bytes of a plain (unencrypted) SQLite database.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// SQLITE_NOTADB: what SQLCipher answers when the key does not open the file.
const SQLITE_NOTADB: &str = "26";

/// What `doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// `PRAGMA integrity_check` said `ok`.
    pub integrity_ok: bool,
    /// The lines `PRAGMA integrity_check` printed.
    pub integrity: Vec<String>,
    /// The full-text index passed FTS5's own integrity check.
    pub search_index_ok: bool,
    /// Every migration the app knows and whether this database has it.
    pub migrations: Vec<MigrationState>,
    /// Migrations in the database that this build does not know (a newer app wrote them).
    pub unknown_migrations: Vec<i64>,
    pub drafts: i64,
    pub trashed: i64,
}

impl DoctorReport {
    pub fn ok(&self) -> bool {
        self.integrity_ok
            && self.search_index_ok
            && self.unknown_migrations.is_empty()
            && self.migrations.iter().all(|m| m.applied)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationState {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

/// Proves that `key` opens the database at `path` without writing a byte: a plain SQLite file is
/// [`KeyProblem::Unencrypted`], a key SQLCipher refuses is [`KeyProblem::WrongKey`].
async fn check_key(path: &Path, key: &DataKey) -> Result<()> {
    use sqlx::ConnectOptions;
    let mut header = [0u8; 16];
    {
        use std::io::Read;
        let mut file = File::open(path).map_err(Error::DataDir)?;
        if file.read_exact(&mut header).is_ok() && &header == SQLITE_HEADER {
            return Err(Error::Key(KeyProblem::Unencrypted));
        }
    }
    let probe = keyed(SqliteConnectOptions::new().filename(path), key)
        .read_only(true)
        // No locks, no -wal or -shm files: the probe only reads page 1.
        .immutable(true);
    let mut conn = match probe.connect().await {
        Ok(conn) => conn,
        Err(e) if is_not_a_database(&e) => return Err(Error::Key(KeyProblem::WrongKey)),
        Err(e) => return Err(e.into()),
    };
    let read = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
        .fetch_one(&mut conn)
        .await;
    let _ = sqlx::Connection::close(conn).await;
    match read {
        Ok(_) => Ok(()),
        Err(e) if is_not_a_database(&e) => Err(Error::Key(KeyProblem::WrongKey)),
        Err(e) => Err(e.into()),
    }
}

fn is_not_a_database(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some(SQLITE_NOTADB))
}

pub(crate) fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Milliseconds since the epoch as RFC 3339 (UTC).
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl Store {
    /// Finds the key of `dir` ([`crate::keys::unlock`]: the OS keyring, or `passphrase` for a
    /// directory set up with one) and opens the store with it.
    pub async fn unlock(dir: &Path, passphrase: Option<crate::keys::Passphrase>) -> Result<Store> {
        let owned = dir.to_owned();
        let key =
            tokio::task::spawn_blocking(move || crate::keys::unlock(&owned, passphrase.as_ref()))
                .await
                .map_err(|_| Error::DataDir(std::io::Error::other("the key lookup stopped")))??;
        Store::open(dir, &key).await
    }

    /// Changes the administrator passphrase of a passphrase-mode directory: `old` must open the
    /// data (a wrong one is [`KeyProblem::WrongKey`] and nothing changes); the data key stays, so
    /// not a byte of the data is rewritten, only `key.json`.
    pub async fn change_passphrase(
        dir: &Path,
        old: crate::keys::Passphrase,
        new: crate::keys::Passphrase,
    ) -> Result<()> {
        let owned = dir.to_owned();
        let key = tokio::task::spawn_blocking(move || crate::keys::unlock(&owned, Some(&old)))
            .await
            .map_err(|_| Error::DataDir(std::io::Error::other("the key lookup stopped")))??;
        let path = dir.join(DB_FILE);
        if path.exists() {
            check_key(&path, &key).await?;
        }
        let owned = dir.to_owned();
        tokio::task::spawn_blocking(move || crate::keys::rewrap(&owned, &key, &new))
            .await
            .map_err(|_| Error::DataDir(std::io::Error::other("the key change stopped")))?
    }

    /// Opens (creating when needed) the store in `dir`, encrypted under `key`, and brings its
    /// schema up to date. A key that does not open an existing database is
    /// [`KeyProblem::WrongKey`], found before anything is written.
    pub async fn open(dir: &Path, key: &DataKey) -> Result<Store> {
        Store::open_with(dir, Some(key), key).await
    }

    /// A store whose database is NOT encrypted, for the benchmarks that compare encryption on
    /// and off. Only with the `bench-plaintext` feature, which nothing but `cargo bench` enables.
    #[cfg(feature = "bench-plaintext")]
    #[doc(hidden)]
    pub async fn open_unencrypted_for_benchmarks(dir: &Path) -> Result<Store> {
        Store::open_with(dir, None, &DataKey::generate()).await
    }

    async fn open_with(dir: &Path, db_key: Option<&DataKey>, file_key: &DataKey) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(Error::DataDir)?;
        let path = dir.join(DB_FILE);
        if let Some(key) = db_key
            && path.exists()
        {
            check_key(&path, key).await?;
        }
        let mut base = SqliteConnectOptions::new().filename(&path);
        if let Some(key) = db_key {
            base = keyed(base, key);
        }
        let base = base
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Sorts and temporary indexes stay in memory, never in plain temp files.
            .pragma("temp_store", "memory")
            // Up to 64 MiB of decrypted pages per connection (it grows only as pages are read):
            // SQLCipher decrypts a page each time it enters the cache, so a cache that holds the
            // search index keeps encryption's cost off repeated searches.
            .pragma("cache_size", "-65536");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.clone().create_if_missing(true))
            .await?;
        MIGRATOR.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(2)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.read_only(true))
            .await?;
        let store = Store {
            writer,
            reader,
            dir: dir.to_owned(),
            files: Arc::new(file_key.file_cipher()),
        };
        // Edits saved just before a crash may not be in the search index yet.
        store.drafts().refresh_search().await?;
        Ok(store)
    }

    /// The cipher of the attachment files.
    pub(crate) fn files(&self) -> &FileCipher {
        &self.files
    }

    /// The same, to move into blocking tasks.
    pub(crate) fn file_cipher(&self) -> Arc<FileCipher> {
        Arc::clone(&self.files)
    }

    /// The data directory this store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The single writer, for modules that add their own tables (attachments).
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// The read-only pool.
    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// Closes both pools, first moving everything from the WAL into the database file, so a
    /// closed store is one self-contained file.
    pub async fn close(&self) {
        if let Err(e) = self.drafts().refresh_search().await {
            // Not fatal: the next open refreshes the search rows.
            tracing::warn!(
                error = e.code(),
                "refreshing the search index at close failed"
            );
        }
        self.reader.close().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await
        {
            // Not fatal: SQLite checkpoints again on the next open.
            tracing::warn!(error = %e, "WAL checkpoint at close failed");
        }
        self.writer.close().await;
    }

    /// The petitions themselves: drafts, their fields, the trash and search.
    pub fn drafts(&self) -> Drafts<'_> {
        Drafts::new(self)
    }

    /// The app's settings.
    pub fn settings(&self) -> Settings<'_> {
        Settings::new(self)
    }

    /// Submitted petitions on their way to the bureau, and what came back.
    pub fn outbox(&self) -> Outbox<'_> {
        Outbox::new(self)
    }

    /// The petitions' attachment files.
    pub fn attachments(&self) -> Attachments<'_> {
        Attachments::new(self)
    }

    /// The kiosk: its configuration, PIN, sessions and sealed export.
    pub fn kiosk(&self) -> Kiosk<'_> {
        Kiosk::new(self)
    }

    /// Checks the database file and its migrations.
    pub async fn doctor(&self) -> Result<DoctorReport> {
        // Bring the search rows up to date first: the index check below then covers them.
        if let Err(e) = self.drafts().refresh_search().await {
            tracing::warn!(error = e.code(), "refreshing the search index failed");
        }
        // A damaged file may fail the check itself; that is a finding, not an error.
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.writer)
            .await
            .unwrap_or_else(|e| vec![e.to_string()]);
        let search_index_ok = integrity == ["ok"]
            && sqlx::query(
                "INSERT INTO petition_search (petition_search) VALUES ('integrity-check')",
            )
            .execute(&self.writer)
            .await
            .is_ok();
        let applied: Vec<(i64, bool)> =
            sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.reader)
                .await?;
        let migrations = MIGRATOR
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| MigrationState {
                version: m.version,
                description: m.description.to_string(),
                applied: applied.iter().any(|&(v, ok)| v == m.version && ok),
            })
            .collect();
        let unknown_migrations = applied
            .iter()
            .map(|&(v, _)| v)
            .filter(|v| MIGRATOR.iter().all(|m| m.version != *v))
            .collect();
        let (drafts, trashed): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE trashed_at IS NULL), \
                    count(*) FILTER (WHERE trashed_at IS NOT NULL) FROM petitions",
        )
        .fetch_one(&self.reader)
        .await?;
        Ok(DoctorReport {
            integrity_ok: integrity == ["ok"],
            integrity,
            search_index_ok,
            migrations,
            unknown_migrations,
            drafts,
            trashed,
        })
    }
}

/// The connection options with the data key, for every connection to the file and the key probe
/// alike. sqlx runs `key` before every other pragma of a new connection. SQLCipher's defaults
/// stay (AES-256-CBC, HMAC-SHA512 per page; SHA-512 is also the faster hash on CPUs without
/// SHA extensions, as many kiosk machines are).
///
/// Statement logging is off on every such connection: sqlx runs the pragma batch, `key` and all,
/// through its statement logger (every statement at DEBUG, any slower than a second at WARN, with
/// the whole SQL text), so a slow first open would write the raw key into the log.
fn keyed(options: SqliteConnectOptions, key: &DataKey) -> SqliteConnectOptions {
    use sqlx::ConnectOptions;
    options
        .pragma("key", key.sqlcipher_pragma())
        .disable_statement_logging()
}

/// Holds a data directory for one running app: a second instance on the same directory gets
/// [`Error::DataDirInUse`]. The lock is the OS's, so it goes away with the process, even after a
/// crash.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub fn acquire(dir: &Path) -> Result<DataDirLock> {
        std::fs::create_dir_all(dir).map_err(Error::DataDir)?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("app.lock"))
            .map_err(Error::DataDir)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::DataDirInUse),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::DataDir(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Field;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &DataKey::generate())
            .await
            .expect("open store");
        (dir, store)
    }

    fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| {
                let e = e.expect("entry");
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        files.sort();
        files
    }

    #[tokio::test]
    async fn the_database_is_encrypted_and_another_key_opens_nothing_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DataKey::generate();
        let store = Store::open(dir.path(), &key).await.expect("open");
        store
            .drafts()
            .create(&[(Field::Name, "标记张三丰".into())])
            .await
            .expect("create");
        store.close().await;
        let db = std::fs::read(dir.path().join(DB_FILE)).expect("db");
        assert!(!db.starts_with(SQLITE_HEADER));
        let marker = "标记张三丰".as_bytes();
        assert!(!db.windows(marker.len()).any(|w| w == marker));

        let before = files_of(dir.path());
        let wrong = Store::open(dir.path(), &DataKey::generate()).await;
        assert!(matches!(wrong, Err(Error::Key(KeyProblem::WrongKey))));
        assert_eq!(
            files_of(dir.path()),
            before,
            "a wrong key changed the files"
        );

        let store = Store::open(dir.path(), &key).await.expect("the right key");
        assert_eq!(store.drafts().list().await.expect("list").len(), 1);
    }

    /// Every database written so far uses these settings; changing any of them would make
    /// them unreadable, so a change must come with a migration of the file (`sqlcipher_export`).
    #[tokio::test]
    async fn the_database_keeps_sqlciphers_default_format() {
        let (_dir, store) = store().await;
        let pragma = |name: &'static str| {
            let reader = store.reader.clone();
            async move {
                let sql = format!("PRAGMA {name}");
                sqlx::query_scalar::<_, String>(&sql)
                    .fetch_one(&reader)
                    .await
                    .expect(name)
            }
        };
        assert_eq!(pragma("cipher").await, "AES-256-CBC");
        assert_eq!(pragma("cipher_hmac_algorithm").await, "HMAC_SHA512");
        assert_eq!(pragma("cipher_kdf_algorithm").await, "PBKDF2_HMAC_SHA512");
        assert_eq!(pragma("cipher_page_size").await, "4096");
    }

    #[tokio::test]
    async fn a_plain_sqlite_database_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut plain = SQLITE_HEADER.to_vec();
        plain.resize(4096, 0);
        std::fs::write(dir.path().join(DB_FILE), &plain).expect("write");
        let before = files_of(dir.path());
        let opened = Store::open(dir.path(), &DataKey::generate()).await;
        assert!(matches!(opened, Err(Error::Key(KeyProblem::Unencrypted))));
        assert_eq!(files_of(dir.path()), before);
    }

    #[tokio::test]
    async fn doctor_reports_a_healthy_store() {
        let (_dir, store) = store().await;
        store.drafts().create(&[]).await.expect("create");
        let report = store.doctor().await.expect("doctor");
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.drafts, 1);
    }

    #[test]
    fn a_second_lock_on_the_same_dir_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = DataDirLock::acquire(dir.path()).expect("first");
        assert!(matches!(
            DataDirLock::acquire(dir.path()),
            Err(Error::DataDirInUse)
        ));
        drop(first);
        DataDirLock::acquire(dir.path()).expect("after release");
    }
}
