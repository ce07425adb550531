//! The attachments room: files content-addressed by the SHA-256 of their normalised bytes under
//! `<data dir>/attachments/` (thumbnails in `attachments/thumbnails/`), one `attachments` row per
//! (petition, content) in SQLite.
//!
//! Files are written before the row that names them, atomically (temporary file, fsync, rename,
//! fsync of the folder), and removed after the last row naming them is gone; both happen while the
//! single writer connection is held, so an attach and a removal of the same content cannot cross.
//! A crash can leave at worst an unnamed file, which [`Attachments::collect_garbage`] removes.
//! The files themselves are read and written by [`super::files`]; the purge after the retention
//! period is [`crate::retention`]'s.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, Row, SqliteConnection};
use time::OffsetDateTime;

use super::files::{
    TEMP_PREFIX, THUMBNAIL_DIR, read_attachment, read_sealed, remove_content,
    write_content_addressed,
};
use super::{AttachmentError, Limits, MediaType, Normalized, normalize, read_file, sniff};
use crate::crypto::FileKind;
use crate::error::{Error, Result};
use crate::store::{Store, rfc3339};

/// The folder inside the data directory.
pub const ATTACHMENT_DIR: &str = "attachments";

/// A file offered for a petition.
#[derive(Debug)]
pub struct Incoming {
    /// The name the user knows it by; kept for display, never used to decide anything.
    pub name: String,
    pub source: Source,
}

/// Where an incoming file's bytes are.
#[derive(Debug)]
pub enum Source {
    /// A file dropped or picked.
    Path(PathBuf),
    /// Bytes pasted from the clipboard.
    Bytes(Vec<u8>),
}

/// What is happening to one file of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Reading,
    Processing,
    Storing,
    /// Stored (or already attached).
    Done,
    /// Refused; the batch's result says why.
    Refused,
}

/// One step of a batch, for a progress indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The file's index in the batch.
    pub index: usize,
    pub stage: Stage,
    /// Files of the batch finished (stored or refused) so far.
    pub done: usize,
    pub total: usize,
}

/// An attachment of a petition, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Attachment {
    /// Lowercase hex SHA-256 of the stored bytes; names the attachment within its petition.
    pub sha256: String,
    /// Order within the petition, from 0.
    pub position: u32,
    pub media_type: MediaType,
    /// `None` for a PDF.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Size of the stored bytes.
    pub bytes: u64,
    /// The name the file had when it was added (personal data: show it, never log it).
    pub file_name: String,
    /// Pages of a PDF, when they could be counted cheaply.
    pub page_count: Option<u32>,
    pub created_at: String,
    /// When the file was purged after the retention period (RFC 3339); the row stays to say what
    /// there was, the bytes are gone.
    pub purged_at: Option<String>,
}

/// Stored bytes with their type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub media_type: MediaType,
    pub bytes: Vec<u8>,
}

const COLUMNS: &str = "sha256, position, media_type, width, height, bytes, file_name, page_count, created_at, \
     purged_at";

fn attachment_from_row(row: &SqliteRow) -> Result<Attachment> {
    let media_type: String = row.try_get("media_type")?;
    let opt_u32 = |name: &str| -> Result<Option<u32>> {
        Ok(row
            .try_get::<Option<i64>, _>(name)?
            .and_then(|v| u32::try_from(v).ok()))
    };
    Ok(Attachment {
        sha256: row.try_get("sha256")?,
        position: u32::try_from(row.try_get::<i64, _>("position")?).unwrap_or(u32::MAX),
        media_type: MediaType::parse(&media_type).ok_or(AttachmentError::StoredFileDamaged)?,
        width: opt_u32("width")?,
        height: opt_u32("height")?,
        bytes: u64::try_from(row.try_get::<i64, _>("bytes")?).unwrap_or(0),
        file_name: row.try_get("file_name")?,
        page_count: opt_u32("page_count")?,
        created_at: rfc3339(row.try_get("created_at")?),
        purged_at: row.try_get::<Option<i64>, _>("purged_at")?.map(rfc3339),
    })
}

fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Attachments change only on drafts that are not in the trash.
async fn ensure_editable(conn: &mut SqliteConnection, petition_id: &str) -> Result<()> {
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT state, trashed_at FROM petitions WHERE id = ?")
            .bind(petition_id)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => Err(Error::NotFound),
        Some((state, None)) if state == "draft" => Ok(()),
        Some(_) => Err(Error::NotEditable),
    }
}

/// Runs `f` on the blocking pool; a panic there is the app's fault, reported as such.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, AttachmentError> + Send + 'static,
) -> std::result::Result<T, AttachmentError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| AttachmentError::ProcessingFailed)?
}

/// The attachments room of a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Attachments<'a> {
    store: &'a Store,
}

impl<'a> Attachments<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Attachments { store }
    }

    /// The store this room is of.
    pub(crate) fn store(&self) -> &'a Store {
        self.store
    }

    /// The attachments' folder in the data directory.
    pub(crate) fn dir(&self) -> PathBuf {
        self.store.dir().join(ATTACHMENT_DIR)
    }

    /// Checks, normalises and stores `files` for the draft `petition_id`, in parallel up to the
    /// number of cores, off the async threads. Returns one result per file, in order: a refused
    /// file (its error has a code and a message) never stops the rest. Content the petition
    /// already has is not stored twice; its existing attachment is returned.
    ///
    /// Fails as a whole only if the petition is missing or not an editable draft, or the database
    /// fails.
    pub async fn attach(
        &self,
        petition_id: &str,
        files: Vec<Incoming>,
        limits: &Limits,
        progress: impl Fn(Progress) + Send + Sync + 'static,
    ) -> Result<Vec<Result<Attachment>>> {
        ensure_editable(&mut *self.store.writer().acquire().await?, petition_id).await?;
        let total = files.len();
        let progress = Arc::new(progress);
        let done = Arc::new(AtomicUsize::new(0));
        let report = {
            let progress = Arc::clone(&progress);
            let done = Arc::clone(&done);
            move |index, stage| {
                let finished = matches!(stage, Stage::Done | Stage::Refused);
                let done =
                    done.fetch_add(usize::from(finished), Ordering::SeqCst) + usize::from(finished);
                progress(Progress {
                    index,
                    stage,
                    done,
                    total,
                });
            }
        };
        let report = Arc::new(report);

        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        let queue = Arc::new(Mutex::new(
            files.into_iter().enumerate().collect::<VecDeque<_>>(),
        ));
        let workers = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(total)
            .max(1);
        let (sender, mut receiver) = tokio::sync::mpsc::channel(workers);
        for _ in 0..workers {
            let queue = Arc::clone(&queue);
            let sender = sender.clone();
            let limits = limits.clone();
            let report = Arc::clone(&report);
            tokio::task::spawn_blocking(move || {
                loop {
                    let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                    let Some((index, incoming)) = next else { break };
                    report(index, Stage::Reading);
                    let result = match incoming.source {
                        Source::Path(path) => read_file(&path, &limits),
                        Source::Bytes(bytes) => Ok(bytes),
                    }
                    .and_then(|bytes| {
                        report(index, Stage::Processing);
                        normalize(&bytes, &limits)
                    });
                    if sender.blocking_send((index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);

        // Stored in the order given (positions follow it), as soon as each is ready.
        let mut ready: Vec<Option<std::result::Result<Normalized, AttachmentError>>> =
            (0..total).map(|_| None).collect();
        let mut results = Vec::with_capacity(total);
        while results.len() < total {
            let next = results.len();
            if let Some(result) = ready[next].take() {
                let stored = match result {
                    Ok(normalized) => {
                        report(next, Stage::Storing);
                        self.store_attachment(petition_id, &names[next], normalized, limits)
                            .await
                    }
                    Err(e) => Err(e.into()),
                };
                report(
                    next,
                    if stored.is_ok() {
                        Stage::Done
                    } else {
                        Stage::Refused
                    },
                );
                results.push(stored);
                continue;
            }
            match receiver.recv().await {
                Some((index, result)) => ready[index] = Some(result),
                // Only if a worker died: what never came back was not processed.
                None => ready[next] = Some(Err(AttachmentError::ProcessingFailed)),
            }
        }
        Ok(results)
    }

    /// Stores one normalised file under the petition, within the petition's limits.
    async fn store_attachment(
        &self,
        petition_id: &str,
        file_name: &str,
        normalized: Normalized,
        limits: &Limits,
    ) -> Result<Attachment> {
        let mut conn = self.store.writer().acquire().await?;
        let mut tx = conn.begin().await?;
        ensure_editable(&mut tx, petition_id).await?;
        let existing = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE petition_id = ? AND sha256 = ?"
        ))
        .bind(petition_id)
        .bind(&normalized.sha256)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            return attachment_from_row(&row);
        }
        let (count, bytes, next_position): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), coalesce(sum(bytes), 0), coalesce(max(position) + 1, 0) \
             FROM attachments WHERE petition_id = ?",
        )
        .bind(petition_id)
        .fetch_one(&mut *tx)
        .await?;
        if count >= i64::from(limits.max_files_per_petition) {
            return Err(AttachmentError::TooManyFiles {
                max: limits.max_files_per_petition,
            }
            .into());
        }
        let size = normalized.bytes.len() as u64;
        if u64::try_from(bytes).unwrap_or(0).saturating_add(size) > limits.max_petition_bytes {
            return Err(AttachmentError::PetitionTooLarge {
                max_bytes: limits.max_petition_bytes,
            }
            .into());
        }

        let Normalized {
            media_type,
            width,
            height,
            page_count,
            bytes: content,
            sha256,
            thumbnail,
        } = normalized;
        let dir = self.dir();
        let sha = sha256.clone();
        let files = self.store.file_cipher();
        blocking(move || {
            let name = files.file_name(&sha);
            write_content_addressed(&dir, &name, || {
                files.seal(FileKind::Attachment, &name, &content)
            })?;
            if let Some(thumbnail) = thumbnail {
                write_content_addressed(&dir.join(THUMBNAIL_DIR), &name, || {
                    files.seal(FileKind::Thumbnail, &name, &thumbnail)
                })?;
            }
            Ok(())
        })
        .await?;

        let created_at = now_ms();
        sqlx::query(
            "INSERT INTO attachments (petition_id, sha256, position, media_type, width, height, \
             bytes, file_name, page_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(petition_id)
        .bind(&sha256)
        .bind(next_position)
        .bind(media_type.as_str())
        .bind(width.map(i64::from))
        .bind(height.map(i64::from))
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(file_name)
        .bind(page_count.map(i64::from))
        .bind(created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(petition = %petition_id, "attachment stored");
        Ok(Attachment {
            sha256,
            position: u32::try_from(next_position).unwrap_or(u32::MAX),
            media_type,
            width,
            height,
            bytes: size,
            file_name: file_name.to_owned(),
            page_count,
            created_at: rfc3339(created_at),
            purged_at: None,
        })
    }

    /// The attachments of a petition, in their order.
    pub async fn list(&self, petition_id: &str) -> Result<Vec<Attachment>> {
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM petitions WHERE id = ?")
            .bind(petition_id)
            .fetch_optional(self.store.reader())
            .await?;
        if exists.is_none() {
            return Err(Error::NotFound);
        }
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE petition_id = ? ORDER BY position, created_at"
        ))
        .bind(petition_id)
        .fetch_all(self.store.reader())
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// Removes one attachment from a draft; the file goes when no petition names it any more.
    pub async fn remove(&self, petition_id: &str, sha256: &str) -> Result<()> {
        let mut conn = self.store.writer().acquire().await?;
        let mut tx = conn.begin().await?;
        ensure_editable(&mut tx, petition_id).await?;
        let removed = sqlx::query(
            "DELETE FROM attachments WHERE petition_id = ? AND sha256 = ? RETURNING sha256",
        )
        .bind(petition_id)
        .bind(sha256)
        .fetch_optional(&mut *tx)
        .await?;
        if removed.is_none() {
            return Err(AttachmentError::NotFound.into());
        }
        let references: i64 =
            sqlx::query_scalar("SELECT count(*) FROM attachments WHERE sha256 = ?")
                .bind(sha256)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        if references == 0 {
            // Still holding the writer, so no attach of the same content can slip in between.
            let dir = self.dir();
            let name = self.store.files().file_name(sha256);
            blocking(move || remove_content(&dir, &name)).await?;
        }
        drop(conn);
        tracing::info!(petition = %petition_id, "attachment removed");
        Ok(())
    }

    /// Puts a draft's attachments in the order given, which must name each of them once.
    pub async fn reorder(&self, petition_id: &str, order: &[String]) -> Result<()> {
        let mut conn = self.store.writer().acquire().await?;
        let mut tx = conn.begin().await?;
        ensure_editable(&mut tx, petition_id).await?;
        let current: HashSet<String> =
            sqlx::query_scalar("SELECT sha256 FROM attachments WHERE petition_id = ?")
                .bind(petition_id)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let given: HashSet<&String> = order.iter().collect();
        if given.len() != order.len()
            || order.len() != current.len()
            || !order.iter().all(|s| current.contains(s))
        {
            return Err(AttachmentError::OrderInvalid.into());
        }
        for (position, sha) in order.iter().enumerate() {
            sqlx::query("UPDATE attachments SET position = ? WHERE petition_id = ? AND sha256 = ?")
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(petition_id)
                .bind(sha)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored bytes of a petition's attachment, checked against their checksum.
    pub async fn bytes(&self, petition_id: &str, sha256: &str) -> Result<Content> {
        let row: Option<(String, Option<i64>)> = sqlx::query_as(
            "SELECT media_type, purged_at FROM attachments WHERE petition_id = ? AND sha256 = ?",
        )
        .bind(petition_id)
        .bind(sha256)
        .fetch_optional(self.store.reader())
        .await?;
        if row.as_ref().is_some_and(|(_, purged)| purged.is_some()) {
            return Err(AttachmentError::Purged.into());
        }
        let media_type = row
            .map(|(media_type, _)| media_type)
            .as_deref()
            .map(|m| MediaType::parse(m).ok_or(AttachmentError::StoredFileDamaged))
            .transpose()?
            .ok_or(AttachmentError::NotFound)?;
        let dir = self.dir();
        let expected = sha256.to_owned();
        let files = self.store.file_cipher();
        let bytes = blocking(move || read_attachment(&files, &dir, &expected)).await?;
        Ok(Content { media_type, bytes })
    }

    /// The thumbnail of a petition's image attachment; `None` for a PDF (or a lost thumbnail,
    /// which the UI replaces with an icon).
    pub async fn thumbnail(&self, petition_id: &str, sha256: &str) -> Result<Option<Content>> {
        let purged: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT purged_at FROM attachments WHERE petition_id = ? AND sha256 = ?",
        )
        .bind(petition_id)
        .bind(sha256)
        .fetch_optional(self.store.reader())
        .await?;
        match purged {
            None => return Err(AttachmentError::NotFound.into()),
            // Purged: the UI shows its icon in place of the thumbnail.
            Some(Some(_)) => return Ok(None),
            Some(None) => {}
        }
        let dir = self.dir().join(THUMBNAIL_DIR);
        let files = self.store.file_cipher();
        let sha = sha256.to_owned();
        let bytes = blocking(move || read_sealed(&files, &dir, FileKind::Thumbnail, &sha)).await?;
        Ok(bytes
            .and_then(|bytes| sniff::sniff(&bytes).map(|media_type| Content { media_type, bytes })))
    }

    /// The stored bytes of an attachment, opened (and so authenticated) but not hashed: the
    /// bureau checks the SHA-256 of what it receives, and a mismatch sends the engine to
    /// [`Attachments::bytes`], which checks.
    pub(crate) async fn raw(&self, sha256: &str) -> Result<Vec<u8>> {
        let dir = self.dir();
        let files = self.store.file_cipher();
        let sha = sha256.to_owned();
        tokio::task::spawn_blocking(move || {
            read_sealed(&files, &dir, FileKind::Attachment, &sha)?.ok_or_else(|| {
                AttachmentError::Storage(std::io::Error::from(std::io::ErrorKind::NotFound))
            })
        })
        .await
        .map_err(|e| AttachmentError::Storage(std::io::Error::other(e)))?
        .map_err(Into::into)
    }

    /// Removes stored files no attachment row names any more (left by a draft deleted for good,
    /// or by a crash between writing a file and its row) and leftover temporary files. Returns how
    /// many files went. Meant for start-up and after [`crate::store::Drafts::delete_forever`].
    pub async fn collect_garbage(&self) -> Result<usize> {
        let conn = self.store.writer().acquire().await?;
        let named: HashSet<String> =
            sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachments WHERE purged_at IS NULL")
                .fetch_all(self.store.reader())
                .await?
                .into_iter()
                .map(|sha: String| self.store.files().file_name(&sha))
                .collect();
        let dir = self.dir();
        let removed = blocking(move || {
            let mut removed = 0;
            for folder in [dir.join(THUMBNAIL_DIR), dir] {
                let entries = match std::fs::read_dir(&folder) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(AttachmentError::Storage(e)),
                };
                for entry in entries {
                    let entry = entry.map_err(AttachmentError::Storage)?;
                    if !entry
                        .file_type()
                        .map_err(AttachmentError::Storage)?
                        .is_file()
                    {
                        continue;
                    }
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let stale = name.starts_with(TEMP_PREFIX)
                        || (is_sha256(&name) && !named.contains(&name));
                    if stale {
                        std::fs::remove_file(entry.path()).map_err(AttachmentError::Storage)?;
                        removed += 1;
                    }
                }
            }
            Ok(removed)
        })
        .await?;
        drop(conn);
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::attachment::sha256_hex;
    use image::{DynamicImage, Rgb, RgbImage};
    use std::sync::Mutex as StdMutex;

    async fn store_with_draft() -> (tempfile::TempDir, Store, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &crate::crypto::DataKey::generate())
            .await
            .expect("open store");
        let draft = store.drafts().create(&[]).await.expect("draft");
        (dir, store, draft.id)
    }

    fn png(seed: u8) -> Vec<u8> {
        let image = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 48, |x, y| {
            Rgb([seed, (x * 4) as u8, (y * 5) as u8])
        }));
        let mut out = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("encode");
        out.into_inner()
    }

    fn bytes(name: &str, data: Vec<u8>) -> Incoming {
        Incoming {
            name: name.to_owned(),
            source: Source::Bytes(data),
        }
    }

    fn stored_files(dir: &Path) -> usize {
        std::fs::read_dir(dir.join(ATTACHMENT_DIR))
            .map(|d| {
                d.filter(|e| e.as_ref().is_ok_and(|e| e.path().is_file()))
                    .count()
            })
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn a_batch_goes_in_around_refusals_and_reports_progress() {
        let (dir, store, id) = store_with_draft().await;
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let results = store
            .attachments()
            .attach(
                &id,
                vec![
                    bytes("a.png", png(1)),
                    bytes("notes.txt", b"just text".to_vec()),
                    bytes("b.png", png(2)),
                    bytes("a-again.png", png(1)),
                ],
                &Limits::default(),
                move |p| sink.lock().expect("progress log").push(p),
            )
            .await
            .expect("batch");
        let codes: Vec<_> = results
            .iter()
            .map(|r| r.as_ref().map_or_else(|e| e.code(), |_| "ok"))
            .collect();
        assert_eq!(codes, ["ok", "not_image_or_pdf", "ok", "ok"]);
        let first = results[0].as_ref().expect("first");
        assert_eq!(results[3].as_ref().expect("dup").sha256, first.sha256);
        let list = store.attachments().list(&id).await.expect("list");
        assert_eq!(list.len(), 2, "the same content is kept once");
        assert_eq!(stored_files(dir.path()), 2);
        let seen = seen.lock().expect("progress log").clone();
        assert_eq!(seen.last().map(|p| (p.done, p.total)), Some((4, 4)));
        assert!(
            seen.iter()
                .any(|p| p.stage == Stage::Refused && p.index == 1)
        );

        let content = store
            .attachments()
            .bytes(&id, &first.sha256)
            .await
            .expect("bytes");
        assert_eq!(sha256_hex(&content.bytes), first.sha256);
        // On disk: named by a keyed hash, sealed, not a byte of the image in the clear.
        let on_disk = std::fs::read(
            dir.path()
                .join(ATTACHMENT_DIR)
                .join(store.files().file_name(&first.sha256)),
        )
        .expect("the sealed file");
        assert!(!dir.path().join(ATTACHMENT_DIR).join(&first.sha256).exists());
        assert!(!on_disk.starts_with(b"\x89PNG") && !on_disk.starts_with(b"\xff\xd8"));
        let probe = &content.bytes[content.bytes.len() / 2..][..32];
        assert!(!on_disk.windows(probe.len()).any(|w| w == probe));
        let thumb = store
            .attachments()
            .thumbnail(&id, &first.sha256)
            .await
            .expect("thumbnail")
            .expect("an image has one");
        assert_eq!(thumb.media_type, MediaType::Jpeg);
    }

    #[tokio::test]
    async fn files_an_earlier_version_sealed_still_read_sync_and_show() {
        let (dir, store, id) = store_with_draft().await;
        let results = store
            .attachments()
            .attach(
                &id,
                vec![bytes("old.png", png(9))],
                &Limits::default(),
                |_| {},
            )
            .await
            .expect("attach");
        let sha = results[0].as_ref().expect("attached").sha256.clone();
        let name = store.files().file_name(&sha);
        let files = dir.path().join(ATTACHMENT_DIR);
        // Re-seal the file and its thumbnail in the first format (XChaCha20-Poly1305), as an
        // earlier version left them on disk.
        for (path, kind) in [
            (files.join(&name), FileKind::Attachment),
            (files.join(THUMBNAIL_DIR).join(&name), FileKind::Thumbnail),
        ] {
            let sealed = std::fs::read(&path).expect("sealed file");
            assert!(sealed.starts_with(b"PDSEAL02"));
            let plain = store.files().open(kind, &name, &sealed).expect("opens");
            std::fs::write(&path, store.files().seal_v1(kind, &name, &plain)).expect("rewrite");
        }
        let content = store.attachments().bytes(&id, &sha).await.expect("bytes");
        assert_eq!(sha256_hex(&content.bytes), sha);
        assert_eq!(
            store.attachments().raw(&sha).await.expect("raw"),
            content.bytes
        );
        let thumb = store
            .attachments()
            .thumbnail(&id, &sha)
            .await
            .expect("thumbnail")
            .expect("an image has one");
        assert_eq!(thumb.media_type, MediaType::Jpeg);
    }

    #[tokio::test]
    async fn reorder_remove_and_the_last_reference_takes_the_file() {
        let (dir, store, id) = store_with_draft().await;
        let other = store.drafts().create(&[]).await.expect("draft").id;
        let limits = Limits::default();
        let mut shas = Vec::new();
        for seed in 0..3 {
            let r = store
                .attachments()
                .attach(&id, vec![bytes("x.png", png(seed))], &limits, |_| {})
                .await
                .expect("attach")
                .remove(0)
                .expect("accepted");
            shas.push(r.sha256);
        }
        store
            .attachments()
            .attach(&other, vec![bytes("y.png", png(0))], &limits, |_| {})
            .await
            .expect("attach")
            .remove(0)
            .expect("accepted");

        let order = vec![shas[2].clone(), shas[0].clone(), shas[1].clone()];
        store
            .attachments()
            .reorder(&id, &order)
            .await
            .expect("reorder");
        let listed: Vec<_> = store
            .attachments()
            .list(&id)
            .await
            .expect("list")
            .into_iter()
            .map(|a| a.sha256)
            .collect();
        assert_eq!(listed, order);
        let err = store
            .attachments()
            .reorder(&id, &order[..2])
            .await
            .expect_err("incomplete order");
        assert_eq!(err.code(), "attachment_order_invalid");

        // Shared with the other draft: the file stays.
        store
            .attachments()
            .remove(&id, &shas[0])
            .await
            .expect("remove");
        let file_of = |sha: &str| store.files().file_name(sha);
        assert!(
            dir.path()
                .join(ATTACHMENT_DIR)
                .join(file_of(&shas[0]))
                .exists()
        );
        store
            .attachments()
            .remove(&id, &shas[1])
            .await
            .expect("remove");
        assert!(
            dir.path()
                .join(ATTACHMENT_DIR)
                .join(file_of(&shas[0]))
                .exists()
        );
        assert!(
            !dir.path()
                .join(ATTACHMENT_DIR)
                .join(file_of(&shas[1]))
                .exists()
        );
        assert!(
            !dir.path()
                .join(ATTACHMENT_DIR)
                .join(THUMBNAIL_DIR)
                .join(file_of(&shas[1]))
                .exists()
        );
        let err = store
            .attachments()
            .remove(&id, &shas[1])
            .await
            .expect_err("gone");
        assert_eq!(err.code(), "attachment_not_found");
    }

    #[tokio::test]
    async fn petition_limits_hold_and_trashed_drafts_are_closed() {
        let (dir, store, id) = store_with_draft().await;
        let limits = Limits {
            max_files_per_petition: 2,
            ..Limits::default()
        };
        let results = store
            .attachments()
            .attach(
                &id,
                (0..3).map(|s| bytes("p.png", png(s))).collect(),
                &limits,
                |_| {},
            )
            .await
            .expect("batch");
        assert_eq!(
            results[2].as_ref().expect_err("third").code(),
            "too_many_files"
        );
        let size = results[0].as_ref().expect("first").bytes;
        let tight = Limits {
            max_petition_bytes: size * 2 + 10,
            ..Limits::default()
        };
        let other = store.drafts().create(&[]).await.expect("draft").id;
        let results = store
            .attachments()
            .attach(
                &other,
                (10..13).map(|s| bytes("p.png", png(s))).collect(),
                &tight,
                |_| {},
            )
            .await
            .expect("batch");
        assert!(
            results
                .iter()
                .any(|r| r.as_ref().is_err_and(|e| e.code() == "petition_too_large"))
        );

        store.drafts().trash(&id).await.expect("trash");
        let err = store
            .attachments()
            .attach(&id, vec![bytes("p.png", png(9))], &limits, |_| {})
            .await
            .expect_err("trashed");
        assert_eq!(err.code(), "not_editable");
        let before = stored_files(dir.path());
        // Deleting for good collects the files (and thumbnails) no other petition uses.
        store.drafts().delete_forever(&id).await.expect("delete");
        assert_eq!(
            stored_files(dir.path()),
            before - 2,
            "the two files only it used"
        );
        assert_eq!(store.attachments().collect_garbage().await.expect("gc"), 0);
        let kept = store.attachments().list(&other).await.expect("list");
        for a in kept {
            store
                .attachments()
                .bytes(&other, &a.sha256)
                .await
                .expect("still there");
        }
    }
}
