//! The local store: drafts in SQLite, durable before the user is told "saved".
//!
//! One file, `petitions.db`, in the data directory the caller passes in. WAL journal with
//! `synchronous=FULL`, so a save that returned survives a crash or power cut. All writes go
//! through one connection (the single writer); reads use a separate read-only pool, which WAL lets
//! run beside the writer. The schema comes from the embedded, append-only migrations.
//!
//! Every byte the app keeps goes through this type, and it is encrypted at rest here, in
//! [`Store::open`]: the database (pages, WAL and all) by SQLCipher under the data key, and the
//! attachment files by the store's [`FileCipher`] derived from the same key.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::crypto::{DataKey, FileCipher};
use crate::error::{Error, InvalidReason, KeyProblem, Result};
use crate::model::{Field, Petition, PetitionSummary, Purpose, State};
use crate::search::{self, Plan};

/// The embedded migrations (`crates/core/migrations`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The database file inside the data directory.
pub const DB_FILE: &str = "petitions.db";

/// At most this many search hits are returned, newest first.
pub const SEARCH_LIMIT: i64 = 200;

const ALL_COLUMNS: &str = "id, created_at, updated_at, state, trashed_at, name, id_number, phone, \
     address, email, region, agency, category, purpose, title, request, facts, reasons";
const SUMMARY_COLUMNS: &str =
    "p.id, p.title, p.state, p.created_at, p.updated_at, p.trashed_at, p.updated_at AS updated_ms";

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
        store.refresh_search().await?;
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
        if let Err(e) = self.refresh_search().await {
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

    /// Creates a draft with the given field values, in one durable transaction.
    pub async fn create_draft(&self, values: &[(Field, String)]) -> Result<Petition> {
        for (field, value) in values {
            check_value(*field, value)?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO petitions (id, created_at, updated_at) VALUES (?, ?, ?) RETURNING seq",
        )
        .bind(&id)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (field, value) in values {
            sqlx::query(&format!(
                "UPDATE petitions SET {} = ? WHERE seq = ?",
                field.key()
            ))
            .bind(value)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        }
        index_row(&mut tx, seq).await?;
        tx.commit().await?;
        tracing::info!(petition = %id, "draft created");
        self.get(&id).await
    }

    /// Saves one field of a draft. When this returns, the value is on disk (fsynced); this is
    /// what lets the UI say 已保存 / Saved.
    pub async fn update_field(&self, id: &str, field: Field, value: &str) -> Result<String> {
        check_value(field, value)?;
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE petitions SET {} = ?, updated_at = ? \
             WHERE id = ? AND state = 'draft' AND trashed_at IS NULL RETURNING seq",
            field.key()
        ))
        .bind(value)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            drop(tx);
            return Err(self.why_not_editable(id).await);
        };
        if field.is_searchable() {
            // The search row follows later (`refresh_search`): a keystroke's durable save writes
            // the petition's row only, not the index's segments as well. `OR IGNORE` leaves the
            // page untouched when the petition is noted already.
            sqlx::query("INSERT OR IGNORE INTO search_stale (seq) VALUES (?)")
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rfc3339(now))
    }

    /// Rewrites the search rows of the petitions edited since the last refresh, in one
    /// transaction. Cheap when there are none (one read of an empty table).
    pub(crate) async fn refresh_search(&self) -> Result<()> {
        let any: Option<i64> = sqlx::query_scalar("SELECT seq FROM search_stale LIMIT 1")
            .fetch_optional(&self.reader)
            .await?;
        if any.is_none() {
            return Ok(());
        }
        let mut tx = self.writer.begin().await?;
        let stale: Vec<i64> = sqlx::query_scalar("SELECT seq FROM search_stale")
            .fetch_all(&mut *tx)
            .await?;
        for seq in stale {
            index_row(&mut tx, seq).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn why_not_editable(&self, id: &str) -> Error {
        match self.get(id).await {
            Ok(_) => Error::NotEditable,
            Err(e) => e,
        }
    }

    /// One petition, whole.
    pub async fn get(&self, id: &str) -> Result<Petition> {
        let row = sqlx::query(&format!("SELECT {ALL_COLUMNS} FROM petitions WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or(Error::NotFound)?;
        petition_from_row(&row)
    }

    /// Resolves an id or a unique prefix of one (at least 4 characters) to the full id.
    pub async fn resolve_id(&self, prefix: &str) -> Result<String> {
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(Error::NotFound);
        }
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM petitions WHERE substr(id, 1, ?) = ? LIMIT 2")
                .bind(prefix.len() as i64)
                .bind(prefix.to_ascii_lowercase())
                .fetch_all(&self.reader)
                .await?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Error::NotFound),
            _ => Err(Error::AmbiguousId),
        }
    }

    /// Drafts (not submitted, not in the trash), most recently changed first.
    pub async fn list_drafts(&self) -> Result<Vec<PetitionSummary>> {
        self.summaries(
            "WHERE p.trashed_at IS NULL AND p.state = 'draft' ORDER BY p.updated_at DESC",
        )
        .await
    }

    /// Drafts in the trash, most recently trashed first.
    pub async fn list_trash(&self) -> Result<Vec<PetitionSummary>> {
        self.summaries("WHERE p.trashed_at IS NOT NULL ORDER BY p.trashed_at DESC")
            .await
    }

    async fn summaries(&self, tail: &str) -> Result<Vec<PetitionSummary>> {
        let rows = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM petitions p {tail}"))
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Drafts (not in the trash) that contain every term of `query`: the [`SEARCH_LIMIT`] newest
    /// matches, most recently changed first. Chinese substrings of two or more characters are
    /// answered from the index.
    pub async fn search(&self, query: &str) -> Result<Vec<PetitionSummary>> {
        let rows = match search::plan(query) {
            Plan::Empty => return Ok(Vec::new()),
            Plan::Match(expr) => {
                self.refresh_search().await?;
                // Walking the index newest-first lets a common word stop after SEARCH_LIMIT
                // hits instead of sorting thousands; the hits are then ordered by last change.
                sqlx::query(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM petition_search s \
                     JOIN petitions p ON p.seq = s.rowid \
                     WHERE petition_search MATCH ? AND p.trashed_at IS NULL AND p.state = 'draft' \
                     ORDER BY s.rowid DESC LIMIT ?"
                ))
                .bind(expr)
                .bind(SEARCH_LIMIT)
                .fetch_all(&self.reader)
                .await?
            }
            Plan::Scan(needle) => {
                let any_field = Field::ALL
                    .iter()
                    .filter(|f| f.is_searchable())
                    .map(|f| format!("instr(p.{}, ?1) > 0", f.key()))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                sqlx::query(&format!(
                    "SELECT {SUMMARY_COLUMNS} FROM petitions p \
                     WHERE p.trashed_at IS NULL AND p.state = 'draft' AND ({any_field}) \
                     ORDER BY p.seq DESC LIMIT ?2"
                ))
                .bind(needle)
                .bind(SEARCH_LIMIT)
                .fetch_all(&self.reader)
                .await?
            }
        };
        let mut hits = rows
            .iter()
            .map(|row| Ok((row.try_get::<i64, _>("updated_ms")?, summary_from_row(row)?)))
            .collect::<Result<Vec<_>>>()?;
        hits.sort_by_key(|h| std::cmp::Reverse(h.0));
        Ok(hits.into_iter().map(|(_, h)| h).collect())
    }

    /// Moves a draft to the trash. It keeps its text and can be restored.
    pub async fn trash(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE petitions SET trashed_at = ? \
             WHERE id = ? AND trashed_at IS NULL AND state = 'draft'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 && self.get(id).await?.state != State::Draft {
            // A submitted petition lives in the outbox; it is withdrawn, never trashed.
            return Err(Error::NotEditable);
        }
        tracing::info!(petition = %id, "draft moved to trash");
        Ok(())
    }

    /// Takes a draft out of the trash.
    pub async fn restore(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE petitions SET trashed_at = NULL, updated_at = ? \
             WHERE id = ? AND trashed_at IS NOT NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.writer)
        .await?;
        if done.rows_affected() == 0 {
            self.get(id).await?;
        }
        tracing::info!(petition = %id, "draft restored from trash");
        Ok(())
    }

    /// Deletes a draft that lies in the trash, for good.
    pub async fn delete_forever(&self, id: &str) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "DELETE FROM petitions WHERE id = ? AND trashed_at IS NOT NULL RETURNING seq",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            drop(tx);
            // Only drafts in the trash can be deleted for good.
            self.get(id).await?;
            return Err(Error::NotEditable);
        };
        index_row(&mut tx, seq).await?;
        tx.commit().await?;
        // Its attachment rows went with it; files no other petition uses go now.
        self.collect_attachment_garbage().await?;
        tracing::info!(petition = %id, "draft deleted for good");
        Ok(())
    }

    /// A new draft with the same field values as `id`.
    pub async fn duplicate(&self, id: &str) -> Result<Petition> {
        let original = self.get(id).await?;
        let values: Vec<(Field, String)> = Field::ALL
            .iter()
            .map(|&f| (f, original.get(f).to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let copy = self.create_draft(&values).await?;
        tracing::info!(petition = %copy.id, from = %id, "draft duplicated");
        Ok(copy)
    }

    /// A setting of the app (for example the UI language), if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.reader)
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Checks the database file and its migrations.
    pub async fn doctor(&self) -> Result<DoctorReport> {
        // Bring the search rows up to date first: the index check below then covers them.
        if let Err(e) = self.refresh_search().await {
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

/// Refuses values that can never be saved: over-long text, and a purpose that is not one of the
/// three. Everything else is saved as typed; [`crate::validate::check`] judges it at submission.
fn check_value(field: Field, value: &str) -> Result<()> {
    let max = field.max_chars();
    if value.chars().count() > max {
        return Err(Error::InvalidValue {
            field,
            reason: InvalidReason::TooLong { max },
        });
    }
    if field == Field::Purpose && !value.is_empty() && Purpose::parse(value).is_none() {
        return Err(Error::InvalidValue {
            field,
            reason: InvalidReason::NotAllowed,
        });
    }
    Ok(())
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

/// Writes the search row of petition `seq` from its current text (or removes it, with its
/// note in `search_stale`, when the petition is gone).
async fn index_row(tx: &mut Transaction<'_, Sqlite>, seq: i64) -> Result<()> {
    let searchable: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| f.is_searchable())
        .collect();
    let columns = searchable
        .iter()
        .map(|f| f.key())
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query("DELETE FROM search_stale WHERE seq = ?")
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    let Some(row) = sqlx::query(&format!("SELECT {columns} FROM petitions WHERE seq = ?"))
        .bind(seq)
        .fetch_optional(&mut **tx)
        .await?
    else {
        sqlx::query("DELETE FROM petition_search WHERE rowid = ?")
            .bind(seq)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    };
    let placeholders = vec!["?"; searchable.len()].join(", ");
    let sql = format!(
        "INSERT OR REPLACE INTO petition_search (rowid, {columns}) VALUES (?, {placeholders})"
    );
    let mut insert = sqlx::query(&sql).bind(seq);
    for (i, _) in searchable.iter().enumerate() {
        let text: String = row.try_get(i)?;
        insert = insert.bind(search::index_text(&text));
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

fn state_of(row: &SqliteRow) -> Result<State> {
    let state: String = row.try_get("state")?;
    State::parse(&state).ok_or_else(|| {
        Error::Database(sqlx::Error::Decode(
            format!("unknown petition state `{state}`").into(),
        ))
    })
}

fn petition_from_row(row: &SqliteRow) -> Result<Petition> {
    let mut p = Petition {
        id: row.try_get("id")?,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
        state: state_of(row)?,
        trashed_at: row.try_get::<Option<i64>, _>("trashed_at")?.map(rfc3339),
        name: String::new(),
        id_number: String::new(),
        phone: String::new(),
        address: String::new(),
        email: String::new(),
        region: String::new(),
        agency: String::new(),
        category: String::new(),
        purpose: String::new(),
        title: String::new(),
        request: String::new(),
        facts: String::new(),
        reasons: String::new(),
    };
    for field in Field::ALL {
        *p.get_mut(field) = row.try_get(field.key())?;
    }
    Ok(p)
}

fn summary_from_row(row: &SqliteRow) -> Result<PetitionSummary> {
    Ok(PetitionSummary {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        state: state_of(row)?,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
        trashed_at: row.try_get::<Option<i64>, _>("trashed_at")?.map(rfc3339),
    })
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
            .create_draft(&[(Field::Name, "标记张三丰".into())])
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
        assert_eq!(store.list_drafts().await.expect("list").len(), 1);
    }

    #[tokio::test]
    async fn the_drafts_list_puts_the_last_changed_first() {
        let (_dir, store) = store().await;
        let mut ids = Vec::new();
        for title in ["一", "二", "三"] {
            let p = store
                .create_draft(&[(Field::Title, title.into())])
                .await
                .expect("create");
            ids.push(p.id);
            // Changes are stamped to the millisecond.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        store
            .update_field(&ids[0], Field::Title, "一（改）")
            .await
            .expect("save");
        let listed: Vec<String> = store
            .list_drafts()
            .await
            .expect("list")
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(listed, [ids[0].clone(), ids[2].clone(), ids[1].clone()]);
    }

    /// Every page a save writes is encrypted and authenticated, so an autosave must write as few
    /// as it can: the petition's row, nothing else (no search row, no index entry) while the
    /// text fits in its page (issue 6).
    #[tokio::test]
    async fn an_autosave_writes_one_page() {
        let (dir, store) = store().await;
        let p = store
            .create_draft(&[(Field::Facts, "路灯不亮".into())])
            .await
            .expect("create");
        let wal = dir.path().join(format!("{DB_FILE}-wal"));
        let wal_size = || std::fs::metadata(&wal).expect("wal").len();
        store
            .update_field(&p.id, Field::Facts, "路灯不亮，")
            .await
            .expect("first save");
        for text in ["路灯不亮，井", "路灯不亮，井盖", "路灯不亮，井盖缺失"] {
            let before = wal_size();
            store
                .update_field(&p.id, Field::Facts, text)
                .await
                .expect("save");
            // One WAL frame: a 24-byte header and one 4096-byte page.
            assert_eq!(wal_size() - before, 24 + 4096, "saving {text:?}");
        }
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
    async fn a_saved_field_reads_back_after_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DataKey::generate();
        let store = Store::open(dir.path(), &key).await.expect("open store");
        let p = store
            .create_draft(&[(Field::Title, "小区门前道路破损".into())])
            .await
            .expect("create");
        store
            .update_field(&p.id, Field::Facts, "道路破损已三个月，雨天积水。")
            .await
            .expect("save");
        store.close().await;
        let store = Store::open(dir.path(), &key).await.expect("reopen");
        let back = store.get(&p.id).await.expect("get");
        assert_eq!(back.title, "小区门前道路破损");
        assert_eq!(back.facts, "道路破损已三个月，雨天积水。");
    }

    #[tokio::test]
    async fn search_finds_chinese_substrings_of_two_or_more_characters() {
        let (_dir, store) = store().await;
        let road = store
            .create_draft(&[(Field::Facts, "小区门前道路破损，雨天积水严重。".into())])
            .await
            .expect("create");
        let noise = store
            .create_draft(&[(Field::Title, "夜间施工噪音扰民 Noise at night".into())])
            .await
            .expect("create");
        let ids = |hits: Vec<PetitionSummary>| hits.into_iter().map(|h| h.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.search("道路").await.expect("search")),
            [road.id.as_str()]
        );
        assert_eq!(
            ids(store.search("路破损").await.expect("search")),
            [road.id.as_str()]
        );
        assert_eq!(
            ids(store.search("雨天积水严重").await.expect("search")),
            [road.id.as_str()]
        );
        assert_eq!(
            ids(store.search("噪音").await.expect("search")),
            [noise.id.as_str()]
        );
        assert_eq!(
            ids(store.search("noi").await.expect("search")),
            [noise.id.as_str()]
        );
        assert_eq!(
            ids(store.search("积").await.expect("search")),
            [road.id.as_str()]
        );
        assert!(store.search("道噪").await.expect("search").is_empty());
        assert!(store.search("破损 噪音").await.expect("search").is_empty());
        // An edit is searchable at once; the old words are gone.
        store
            .update_field(&road.id, Field::Facts, "路灯不亮")
            .await
            .expect("save");
        assert!(store.search("道路").await.expect("search").is_empty());
        assert_eq!(
            ids(store.search("路灯").await.expect("search")),
            [road.id.as_str()]
        );
    }

    #[tokio::test]
    async fn an_edit_the_index_has_not_caught_up_with_is_indexed_at_the_next_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DataKey::generate();
        let first = Store::open(dir.path(), &key).await.expect("open");
        let p = first
            .create_draft(&[(Field::Facts, "路灯不亮".into())])
            .await
            .expect("create");
        first
            .update_field(&p.id, Field::Facts, "井盖缺失")
            .await
            .expect("save");
        let indexed = |store: &Store| {
            let reader = store.reader.clone();
            let id = p.id.clone();
            async move {
                let facts: String = sqlx::query_scalar(
                    "SELECT s.facts FROM petition_search s JOIN petitions p ON p.seq = s.rowid \
                     WHERE p.id = ?",
                )
                .bind(id)
                .fetch_one(&reader)
                .await
                .expect("search row");
                let stale: i64 = sqlx::query_scalar("SELECT count(*) FROM search_stale")
                    .fetch_one(&reader)
                    .await
                    .expect("notes");
                (facts, stale)
            }
        };
        // The durable save wrote the text and a note, not the search row.
        assert_eq!(indexed(&first).await, (search::index_text("路灯不亮"), 1));
        // The app dies here (no search, no close); the next start opens the same files.
        let second = Store::open(dir.path(), &key).await.expect("reopen");
        assert_eq!(indexed(&second).await, (search::index_text("井盖缺失"), 0));
        second.close().await;
        first.close().await;
    }

    #[tokio::test]
    async fn trash_restore_duplicate_and_delete() {
        let (_dir, store) = store().await;
        let p = store
            .create_draft(&[(Field::Title, "路灯不亮".into())])
            .await
            .expect("create");
        store.trash(&p.id).await.expect("trash");
        assert!(store.list_drafts().await.expect("list").is_empty());
        assert!(store.search("路灯").await.expect("search").is_empty());
        assert!(matches!(
            store.update_field(&p.id, Field::Title, "x").await,
            Err(Error::NotEditable)
        ));
        assert_eq!(store.list_trash().await.expect("trash").len(), 1);
        store.restore(&p.id).await.expect("restore");
        assert_eq!(store.list_drafts().await.expect("list").len(), 1);
        let copy = store.duplicate(&p.id).await.expect("duplicate");
        assert_ne!(copy.id, p.id);
        assert_eq!(copy.title, "路灯不亮");
        assert_eq!(store.search("路灯").await.expect("search").len(), 2);
        assert!(matches!(
            store.delete_forever(&copy.id).await,
            Err(Error::NotEditable)
        ));
        store.trash(&copy.id).await.expect("trash");
        store.delete_forever(&copy.id).await.expect("delete");
        assert!(matches!(store.get(&copy.id).await, Err(Error::NotFound)));
        assert_eq!(store.search("路灯").await.expect("search").len(), 1);
    }

    #[tokio::test]
    async fn refused_values_and_unknown_ids_have_codes() {
        let (_dir, store) = store().await;
        let p = store.create_draft(&[]).await.expect("create");
        let err = store
            .update_field(&p.id, Field::Purpose, "praise")
            .await
            .expect_err("purpose");
        assert_eq!(err.code(), "value_not_allowed");
        let err = store
            .update_field(&p.id, Field::Title, &"长".repeat(101))
            .await
            .expect_err("too long");
        assert_eq!(err.code(), "too_long");
        let err = store
            .update_field("no-such-id", Field::Title, "x")
            .await
            .expect_err("unknown");
        assert_eq!(err.code(), "not_found");
        assert_eq!(store.resolve_id(&p.id[..8]).await.expect("prefix"), p.id);
    }

    #[tokio::test]
    async fn doctor_reports_a_healthy_store() {
        let (_dir, store) = store().await;
        store.create_draft(&[]).await.expect("create");
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
