//! Retention: once the bureau's receipt has been stored, a petition's attachment files stay on
//! this machine for the retention period (default [`DEFAULT_RETENTION_DAYS`], the
//! [`RETENTION_SETTING`] setting) and are then purged. The petition's text stays, encrypted, for the
//! citizen's history; each attachment row stays too, marked purged, to say what was sent.
//!
//! The purge is a part of the attachments room ([`Attachments::purge`]) kept here with the rule
//! it carries out; the period itself is read and set through [`crate::Store::settings`].

use serde::Serialize;

use crate::attachment::Attachments;
use crate::error::{Error, Result};
use crate::store::{now_ms, rfc3339};

/// The setting that holds the retention period in days.
pub const RETENTION_SETTING: &str = "attachment_retention_days";

/// Attachments are kept this many days after the receipt unless the setting says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// The longest retention period accepted (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3650;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What a purge did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub retention_days: u32,
    /// Receipts stored before this instant (RFC 3339) made their attachments due.
    pub cutoff: String,
    /// Petitions whose attachments were purged now.
    pub petitions: Vec<String>,
    /// Attachment rows marked purged now.
    pub attachments: usize,
    /// Files (attachments and thumbnails) removed from disk now.
    pub files_removed: usize,
}

impl Attachments<'_> {
    /// Purges the attachment files of every petition whose receipt was stored more than
    /// `retention_days` ago, now.
    pub async fn purge(&self, retention_days: u32) -> Result<PurgeReport> {
        self.purge_at(now_ms(), retention_days).await
    }

    /// [`Attachments::purge`] as if it were `now` (unix ms).
    pub async fn purge_at(&self, now: i64, retention_days: u32) -> Result<PurgeReport> {
        let cutoff = now - i64::from(retention_days) * DAY_MS;
        let mut tx = self.store().writer().begin().await?;
        let due: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.petition_id, a.sha256 FROM attachments a \
             JOIN outbox o ON o.petition_id = a.petition_id \
             WHERE a.purged_at IS NULL AND o.receipt_stored_at IS NOT NULL \
             AND o.receipt_stored_at <= ? ORDER BY a.petition_id, a.position",
        )
        .bind(cutoff)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE attachments SET purged_at = ? WHERE purged_at IS NULL AND petition_id IN \
             (SELECT petition_id FROM outbox WHERE receipt_stored_at IS NOT NULL \
              AND receipt_stored_at <= ?)",
        )
        .bind(now)
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        // Content another petition still holds unpurged (a draft with the same photo) stays.
        let mut gone = Vec::new();
        for (_, sha) in &due {
            let still_used: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM attachments WHERE sha256 = ? AND purged_at IS NULL",
            )
            .bind(sha)
            .fetch_one(&mut *tx)
            .await?;
            if still_used == 0 && !gone.contains(sha) {
                gone.push(sha.clone());
            }
        }
        tx.commit().await?;

        // The rows say purged before the files go: a crash in between leaves files that the
        // garbage collection removes, never a row pointing at nothing unannounced.
        let dir = self.dir();
        let names: Vec<String> = gone
            .iter()
            .map(|sha| self.store().files().file_name(sha))
            .collect();
        let files_removed = tokio::task::spawn_blocking(move || -> std::io::Result<usize> {
            let mut removed = 0;
            for name in names {
                for path in [dir.join(&name), dir.join("thumbnails").join(&name)] {
                    match std::fs::remove_file(&path) {
                        Ok(()) => removed += 1,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(|e| Error::DataDir(std::io::Error::other(e)))?
        .map_err(Error::DataDir)?;

        let mut petitions: Vec<String> = due.iter().map(|(id, _)| id.clone()).collect();
        petitions.dedup();
        if !petitions.is_empty() {
            tracing::info!(
                petitions = petitions.len(),
                attachments = due.len(),
                files_removed,
                "attachments purged after the retention period"
            );
        }
        Ok(PurgeReport {
            retention_days,
            cutoff: rfc3339(cutoff),
            petitions,
            attachments: due.len(),
            files_removed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::attachment::ATTACHMENT_DIR;
    use crate::attachment::{Incoming, Limits, Source};
    use crate::crypto::DataKey;
    use crate::model::State;
    use crate::sync::outbox::tests::complete_values;
    use petition_api::{Receipt, Status};

    fn png(seed: u8) -> Vec<u8> {
        let img = image::RgbImage::from_fn(40, 30, |x, y| {
            image::Rgb([seed, (x * 5) as u8, (y * 7) as u8])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("png");
        out.into_inner()
    }

    async fn with_photos(store: &Store, seeds: &[u8]) -> (String, Vec<String>) {
        let p = store
            .drafts()
            .create(&complete_values())
            .await
            .expect("draft");
        let files = seeds
            .iter()
            .map(|s| Incoming {
                name: format!("photo-{s}.png"),
                source: Source::Bytes(png(*s)),
            })
            .collect();
        let shas = store
            .attachments()
            .attach(&p.id, files, &Limits::default(), |_| {})
            .await
            .expect("attach")
            .into_iter()
            .map(|r| r.expect("accepted").sha256)
            .collect();
        (p.id, shas)
    }

    /// Submits and stores a receipt as if it had come `days_ago` days before `now`.
    async fn delivered(store: &Store, id: &str, now: i64, days_ago: i64) {
        store.outbox().submit(id).await.expect("submit");
        let receipt = Receipt {
            tracking_code: format!("T{}", &id[..8]),
            petition_id: id.to_owned(),
            received_at: "2026-01-01T00:00:00Z".into(),
            status: Status::Submitted,
            acceptance_due: "2026-01-16T00:00:00Z".into(),
        };
        store
            .outbox()
            .record_receipt(id, &receipt)
            .await
            .expect("receipt");
        sqlx::query("UPDATE outbox SET receipt_stored_at = ? WHERE petition_id = ?")
            .bind(now - days_ago * DAY_MS)
            .bind(id)
            .execute(store.writer())
            .await
            .expect("backdate");
    }

    fn on_disk(store: &Store, sha: &str) -> bool {
        store
            .dir()
            .join(ATTACHMENT_DIR)
            .join(store.files().file_name(sha))
            .exists()
    }

    #[tokio::test]
    async fn purge_takes_exactly_the_attachments_past_retention() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &DataKey::generate())
            .await
            .expect("open");
        let now = now_ms();
        // Old: receipt 31 days ago, photos 1 and 2. Recent: receipt 29 days ago, photo 3.
        // Queued without a receipt: photo 4. A draft sharing photo 2 with the old one.
        let (old, old_shas) = with_photos(&store, &[1, 2]).await;
        let (recent, recent_shas) = with_photos(&store, &[3]).await;
        let (queued, queued_shas) = with_photos(&store, &[4]).await;
        let (draft, draft_shas) = with_photos(&store, &[2]).await;
        assert_eq!(draft_shas[0], old_shas[1]);
        delivered(&store, &old, now, 31).await;
        delivered(&store, &recent, now, 29).await;
        store.outbox().submit(&queued).await.expect("queued");

        let report = store.attachments().purge_at(now, 30).await.expect("purge");
        assert_eq!(report.petitions, vec![old.clone()]);
        assert_eq!(report.attachments, 2);
        // Photo 1's file and thumbnail; photo 2 stays for the draft.
        assert_eq!(report.files_removed, 2);
        assert!(!on_disk(&store, &old_shas[0]));
        assert!(on_disk(&store, &old_shas[1]));
        assert!(on_disk(&store, &recent_shas[0]));
        assert!(on_disk(&store, &queued_shas[0]));

        // The old petition keeps its text and says what was purged.
        let kept = store.drafts().get(&old).await.expect("text stays");
        assert_eq!(kept.state, State::Submitted);
        assert_eq!(kept.title, "小区门前道路破损");
        let listed = store.attachments().list(&old).await.expect("list");
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|a| a.purged_at.is_some()));
        assert_eq!(
            store
                .attachments()
                .bytes(&old, &old_shas[0])
                .await
                .expect_err("purged")
                .code(),
            "attachment_purged"
        );
        assert!(
            store
                .attachments()
                .list(&draft)
                .await
                .expect("draft")
                .iter()
                .all(|a| a.purged_at.is_none())
        );
        store
            .attachments()
            .bytes(&draft, &draft_shas[0])
            .await
            .expect("the draft's photo is intact");

        // Again: nothing more. Two days later: the recent one is due too.
        let again = store.attachments().purge_at(now, 30).await.expect("again");
        assert!(again.petitions.is_empty());
        assert_eq!(again.files_removed, 0);
        let later = store
            .attachments()
            .purge_at(now + 2 * DAY_MS, 30)
            .await
            .expect("later");
        assert_eq!(later.petitions, vec![recent]);
        assert!(!on_disk(&store, &recent_shas[0]));
        assert!(on_disk(&store, &queued_shas[0]));
        // Garbage collection does not bring anything back or take the shared file.
        store.attachments().collect_garbage().await.expect("gc");
        assert!(on_disk(&store, &old_shas[1]));
    }
}
