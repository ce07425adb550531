//! The kiosk room: what a kiosk records in the settings (the mode, the PIN's hash, the folders,
//! the idle time, the bureau's public key), the PIN check with its lock-out, the end of a
//! citizen's session, the outbox's counts for the administrator, and the sealed export of the
//! outbox for a bureau that cannot be reached.

use std::path::Path;

use petition_api::bundle::{AttachmentEntry, BundleError, BundleWriter, PetitionEntry};

use super::{
    COUNTDOWN_SECONDS, DEFAULT_IDLE_SECONDS, ExportReport, FAILURES_SETTING, FOLDERS_SETTING,
    IDLE_SETTING, KioskConfig, KioskError, KioskSetup, KioskSetupReport, LOCKED_UNTIL_SETTING,
    MODE_SETTING, OutboxCounts, PIN_LOCK_MS, PIN_SETTING, PIN_TRIES, PRINTER_SETTING,
    RECIPIENT_SETTING, check_pin_format, encode_pin, pin_matches, send_name,
};
use crate::attachment::{AttachmentError, read_attachment};
use crate::crypto::FileCipher;
use crate::error::{Error, Result};
use crate::keys::Passphrase;
use crate::store::{Store, now_ms, rfc3339};

/// The kiosk room of a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Kiosk<'a> {
    store: &'a Store,
}

impl<'a> Kiosk<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Kiosk { store }
    }

    /// Sets the machine up as a kiosk: signs in to the bureau ([`Store::sign_in`]: tried once,
    /// the token kept in the keyring or, in passphrase mode, the encrypted database), records the
    /// PIN's hash, the folders and the idle time, and the bureau's public key (given, or fetched
    /// from its catalogue; when the bureau cannot be reached it can be fetched later).
    pub async fn setup(&self, setup: KioskSetup) -> Result<KioskSetupReport> {
        check_pin_format(&setup.pin)?;
        if let Some(r) = &setup.recipient
            && !r.starts_with("age1")
        {
            return Err(KioskError::RecipientInvalid.into());
        }
        let signed_in = self.store.sign_in(&setup.bureau_url, setup.token).await?;
        let url = signed_in.bureau_url;
        let pin = setup.pin;
        let encoded = tokio::task::spawn_blocking(move || encode_pin(&pin))
            .await
            .map_err(|_| KioskError::PinInvalid)??;
        let recipient = match setup.recipient {
            Some(r) => Some(r),
            None => fetch_recipient(&url).await,
        };
        let folders = serde_json::to_string(&setup.folders)
            .map_err(|e| Error::DataDir(std::io::Error::other(e)))?;
        self.store.settings().set(PIN_SETTING, &encoded).await?;
        self.store.settings().set(FAILURES_SETTING, "0").await?;
        self.store.settings().set(LOCKED_UNTIL_SETTING, "0").await?;
        self.store.settings().set(FOLDERS_SETTING, &folders).await?;
        self.store
            .settings()
            .set(
                IDLE_SETTING,
                &setup
                    .idle_seconds
                    .unwrap_or(DEFAULT_IDLE_SECONDS)
                    .max(30)
                    .to_string(),
            )
            .await?;
        if let Some(r) = &recipient {
            self.store.settings().set(RECIPIENT_SETTING, r).await?;
        }
        // Empty: the OS's default printer (a setup run again without --printer goes back to it).
        let printer = setup.printer.as_deref().map(str::trim).unwrap_or_default();
        self.store.settings().set(PRINTER_SETTING, printer).await?;
        self.store.settings().set(MODE_SETTING, "1").await?;
        tracing::info!(folders = setup.folders.len(), "kiosk set up");
        Ok(KioskSetupReport {
            recipient,
            bureau_reached: signed_in.checked,
        })
    }

    /// Sets a new administrator PIN on a kiosk (a forgotten one): whoever can open the data on
    /// this machine (its keyring or passphrase) may. The lock-out is lifted.
    pub async fn reset_pin(&self, pin: Passphrase) -> Result<()> {
        check_pin_format(&pin)?;
        if self.store.settings().get(MODE_SETTING).await?.as_deref() != Some("1") {
            return Err(KioskError::NotKiosk.into());
        }
        let encoded = tokio::task::spawn_blocking(move || encode_pin(&pin))
            .await
            .map_err(|_| KioskError::PinInvalid)??;
        let mut tx = self.store.writer().begin().await?;
        for (key, value) in [
            (PIN_SETTING, encoded.as_str()),
            (FAILURES_SETTING, "0"),
            (LOCKED_UNTIL_SETTING, "0"),
        ] {
            put_setting(&mut tx, key, value).await?;
        }
        tx.commit().await?;
        tracing::info!("kiosk administrator PIN reset");
        Ok(())
    }

    /// The kiosk configuration, or `None` when this is not a kiosk.
    pub async fn config(&self) -> Result<Option<KioskConfig>> {
        if self.store.settings().get(MODE_SETTING).await?.as_deref() != Some("1") {
            return Ok(None);
        }
        let folders = self
            .store
            .settings()
            .get(FOLDERS_SETTING)
            .await?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        let idle_seconds = self
            .store
            .settings()
            .get(IDLE_SETTING)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_IDLE_SECONDS);
        let printer = self
            .store
            .settings()
            .get(PRINTER_SETTING)
            .await?
            .filter(|p| !p.trim().is_empty());
        Ok(Some(KioskConfig {
            idle_seconds,
            countdown_seconds: COUNTDOWN_SECONDS,
            folders,
            printer,
        }))
    }

    /// Checks the administrator PIN at `now` (unix ms): five wrong in a row lock it for five
    /// minutes; the right one resets the count. Each try is counted before its (slow) hash is
    /// worked out, in one transaction, so tries made at the same moment cannot add up to more
    /// than five: the sixth is refused as locked whatever the outcome of the others.
    pub async fn check_pin_at(&self, pin: &Passphrase, now: i64) -> Result<()> {
        let (stored, tries) = self.reserve_pin_try(now).await?;
        let pin = Passphrase::new(pin.expose().to_owned());
        let ok = tokio::task::spawn_blocking(move || pin_matches(&pin, &stored))
            .await
            .map_err(|_| KioskError::PinInvalid)??;
        if ok {
            self.store.settings().set(FAILURES_SETTING, "0").await?;
            return Ok(());
        }
        if tries >= PIN_TRIES {
            let until = now + PIN_LOCK_MS;
            let mut tx = self.store.writer().begin().await?;
            for (key, value) in [
                (FAILURES_SETTING, "0".to_owned()),
                (LOCKED_UNTIL_SETTING, until.to_string()),
            ] {
                put_setting(&mut tx, key, &value).await?;
            }
            tx.commit().await?;
            tracing::warn!("kiosk administrator panel locked after wrong PINs");
            Err(KioskError::PinLocked { until_ms: until }.into())
        } else {
            Err(KioskError::PinWrong {
                remaining: PIN_TRIES - tries,
            }
            .into())
        }
    }

    /// Counts one more PIN try, unless the panel is locked (or the tries allowed are all taken
    /// by tries still being checked). Returns the stored hash and this try's number.
    async fn reserve_pin_try(&self, now: i64) -> Result<(String, u32)> {
        let mut tx = self.store.writer().begin_with("BEGIN IMMEDIATE").await?;
        let read = |key: &'static str| {
            sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = ?").bind(key)
        };
        let stored = read(PIN_SETTING)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(KioskError::NotKiosk)?;
        let locked_until: i64 = read(LOCKED_UNTIL_SETTING)
            .fetch_optional(&mut *tx)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if now < locked_until {
            return Err(KioskError::PinLocked {
                until_ms: locked_until,
            }
            .into());
        }
        let failures: u32 = read(FAILURES_SETTING)
            .fetch_optional(&mut *tx)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if failures >= PIN_TRIES {
            // Five tries are being checked right now: this one waits for the lock they lead to.
            return Err(KioskError::PinLocked {
                until_ms: now + PIN_LOCK_MS,
            }
            .into());
        }
        let tries = failures + 1;
        put_setting(&mut tx, FAILURES_SETTING, &tries.to_string()).await?;
        tx.commit().await?;
        Ok((stored, tries))
    }

    /// [`Kiosk::check_pin_at`] now.
    pub async fn check_pin(&self, pin: &Passphrase) -> Result<()> {
        self.check_pin_at(pin, now_ms()).await
    }

    /// Ends a citizen's session: every draft (in the trash or not) is deleted for good with its
    /// attachments. Submitted petitions stay, sealed in the outbox. Returns how many went.
    pub async fn end_session(&self) -> Result<usize> {
        let ids: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT id, trashed_at FROM petitions WHERE state = 'draft'")
                .fetch_all(self.store.reader())
                .await?;
        for (id, trashed) in &ids {
            if trashed.is_none() {
                self.store.drafts().trash(id).await?;
            }
            self.store.drafts().delete_forever(id).await?;
        }
        self.store.attachments().collect_garbage().await?;
        tracing::info!(drafts = ids.len(), "kiosk session ended");
        Ok(ids.len())
    }

    /// Counts of the outbox by state, and the attachment bytes still to send.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let mut counts = OutboxCounts::default();
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT phase, count(*) FROM outbox GROUP BY phase")
                .fetch_all(self.store.reader())
                .await?;
        for (phase, n) in rows {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            match phase.as_str() {
                "waiting" => counts.waiting += n,
                "uploading" | "submitting" => counts.uploading += n,
                "delivered" => counts.delivered += n,
                _ => counts.needs_attention += n,
            }
        }
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT sum(f.length - f.sent) FROM outbox_files f JOIN outbox o \
             ON o.petition_id = f.petition_id WHERE o.tracking_code IS NULL",
        )
        .fetch_one(self.store.reader())
        .await?;
        counts.bytes_pending = u64::try_from(pending.unwrap_or(0)).unwrap_or(0);
        Ok(counts)
    }

    /// Seals every submitted petition the bureau has not confirmed yet, with its attachments, into
    /// one file at `out` encrypted to the bureau's public key (format `petition-desk-outbox/2`,
    /// see `petition_api::bundle`). The outbox is unchanged: the bureau takes each petition once,
    /// whether it arrives by this file or online.
    ///
    /// One thread writes the bundle: it takes the petitions one by one from this task, which
    /// reads them from the database, and reads each attachment from the store when its turn
    /// comes, so one attachment at a time is in memory (and its buffers are freed where they were
    /// made, for the next one to reuse). The file appears whole or not at all: it is written
    /// beside `out` with the extension `.partial`, synced and renamed; on a failure the partial
    /// file is removed.
    pub async fn export_outbox(&self, out: &Path) -> Result<ExportReport> {
        let recipient = self
            .store
            .settings()
            .get(RECIPIENT_SETTING)
            .await?
            .ok_or(KioskError::NoRecipient)?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT petition_id, queued_at FROM outbox WHERE tracking_code IS NULL \
             ORDER BY queued_at",
        )
        .fetch_all(self.store.reader())
        .await?;
        let count = rows.len();
        let (queue, queued) = tokio::sync::mpsc::channel(1);
        let writer = {
            let (files, dir, out) = (
                self.store.file_cipher(),
                self.store.attachments().dir(),
                out.to_owned(),
            );
            tokio::task::spawn_blocking(move || {
                write_export(&out, &recipient, &files, &dir, queued)
            })
        };
        let read = async {
            for (id, queued_at) in rows {
                let p = self.store.drafts().get(&id).await?;
                let attachments = self.store.attachments().list(&id).await?;
                if attachments.iter().any(|a| a.purged_at.is_some()) {
                    return Err(AttachmentError::Purged.into());
                }
                let entry = PetitionEntry {
                    reference: petition_api::submission_reference(&id),
                    petition_id: id,
                    submitted_at: rfc3339(queued_at),
                    petition: crate::sync::engine::submit_body(p, Vec::new()),
                    attachments: attachments
                        .iter()
                        .map(|a| AttachmentEntry {
                            file_name: send_name(&a.file_name, a.position),
                            length: a.bytes,
                            sha256: a.sha256.clone(),
                        })
                        .collect(),
                };
                if queue.send(Some(entry)).await.is_err() {
                    // The writer stopped; its error says why.
                    return Ok(());
                }
            }
            let _ = queue.send(None).await;
            Ok::<_, Error>(())
        }
        .await;
        drop(queue);
        let written = writer
            .await
            .map_err(|e| KioskError::Export(std::io::Error::other(e)))?;
        // A failure to read the store stops the writer too: report the cause, not the stop.
        read?;
        written?;
        tracing::info!(petitions = count, "outbox exported sealed");
        Ok(ExportReport {
            file: out.to_owned(),
            petitions: count,
        })
    }
}

async fn put_setting(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    key: &str,
    value: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES (?, ?) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes the sealed export of the petitions `queued` brings (`None` after the last) to `out`,
/// through `out` with the extension `.partial`, which is removed on a failure; blocking.
fn write_export(
    out: &Path,
    recipient: &str,
    files: &FileCipher,
    dir: &Path,
    mut queued: tokio::sync::mpsc::Receiver<Option<PetitionEntry>>,
) -> Result<()> {
    let temp = out.with_extension("partial");
    let written = (|| -> Result<()> {
        let file = std::fs::File::create(&temp).map_err(KioskError::Export)?;
        let mut bundle =
            BundleWriter::new(file, recipient, &rfc3339(now_ms())).map_err(seal_error)?;
        loop {
            let entry = match queued.blocking_recv() {
                Some(Some(entry)) => entry,
                Some(None) => break,
                None => return Err(KioskError::Seal("export_stopped").into()),
            };
            bundle.petition(&entry).map_err(seal_error)?;
            for a in &entry.attachments {
                let bytes = read_attachment(files, dir, &a.sha256)?;
                bundle.attachment(&bytes).map_err(seal_error)?;
            }
        }
        let file = bundle.finish().map_err(seal_error)?;
        file.sync_all().map_err(KioskError::Export)?;
        drop(file);
        petition_platform::fs::replace(&temp, out).map_err(KioskError::Export)?;
        Ok(())
    })();
    if written.is_err() {
        // The file is closed by now, so this works where open files cannot be removed too.
        let _ = std::fs::remove_file(&temp);
    }
    written
}

fn seal_error(e: BundleError) -> KioskError {
    match e {
        BundleError::Write(e) => KioskError::Export(e),
        e => KioskError::Seal(e.code()),
    }
}

/// The bureau's `outbox_recipient` from its public catalogue, if it can be reached now.
async fn fetch_recipient(base: &str) -> Option<String> {
    let client = crate::sync::client::http_client().ok()?;
    let catalog: petition_api::Catalog = client
        .get(format!("{}/v1/catalog", base.trim_end_matches('/')))
        .timeout(std::time::Duration::from_secs(20))
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?
        .json()
        .await
        .ok()?;
    catalog.outbox_recipient.filter(|r| r.starts_with("age1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::DataKey;
    use crate::kiosk::reference;

    async fn kiosk() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), &DataKey::generate())
            .await
            .expect("open");
        let encoded = encode_pin(&Passphrase::new("2468".into())).expect("hash");
        store
            .settings()
            .set(PIN_SETTING, &encoded)
            .await
            .expect("pin");
        store.settings().set(MODE_SETTING, "1").await.expect("mode");
        (dir, store)
    }

    #[tokio::test]
    async fn five_wrong_pins_lock_the_panel_for_five_minutes() {
        let (_dir, store) = kiosk().await;
        let wrong = Passphrase::new("1111".into());
        let right = Passphrase::new("2468".into());
        let t0 = 1_800_000_000_000;
        store
            .kiosk()
            .check_pin_at(&right, t0)
            .await
            .expect("the right PIN");
        for remaining in (1..PIN_TRIES).rev() {
            match store.kiosk().check_pin_at(&wrong, t0).await {
                Err(Error::Kiosk(KioskError::PinWrong { remaining: r })) => {
                    assert_eq!(r, remaining)
                }
                other => panic!("expected pin_wrong, got {other:?}"),
            }
        }
        let fifth = store
            .kiosk()
            .check_pin_at(&wrong, t0)
            .await
            .expect_err("locked");
        assert_eq!(fifth.code(), "pin_locked");
        // Locked: even the right PIN is refused until five minutes have passed.
        let locked = store
            .kiosk()
            .check_pin_at(&right, t0 + PIN_LOCK_MS - 1)
            .await
            .expect_err("still locked");
        assert_eq!(locked.code(), "pin_locked");
        assert!(locked.message(crate::i18n::Lang::Zh).contains("锁定"));
        store
            .kiosk()
            .check_pin_at(&right, t0 + PIN_LOCK_MS)
            .await
            .expect("unlocked after five minutes");
        // The count starts again after a success.
        let again = store.kiosk().check_pin_at(&wrong, t0 + PIN_LOCK_MS).await;
        assert_eq!(again.expect_err("wrong").code(), "pin_wrong");
        let stored = store
            .settings()
            .get(PIN_SETTING)
            .await
            .expect("s")
            .expect("pin");
        // Kept as its Argon2 hash and salt, never as the PIN. Their hex may hold any four digits
        // by chance (it held 2468 once in CI), so the check is on the form, not on a substring.
        let parts: Vec<&str> = stored.split('$').collect();
        assert_eq!(parts.len(), 5, "argon2id$m$t$salt$hash");
        assert_eq!(parts[0], "argon2id");
        assert_eq!(parts[3].len(), 32, "a 16-byte salt");
        assert_eq!(parts[4].len(), 64, "a 32-byte hash");
        assert!(!parts.contains(&"2468"));
    }

    /// Ten tries at once with a wrong PIN: five are counted as wrong, the rest are refused as
    /// locked, and then even the right PIN waits out the lock.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tries_made_at_the_same_moment_cannot_exceed_five() {
        let (_dir, store) = kiosk().await;
        let t0 = 1_800_000_000_000;
        let tries = (0..10).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .kiosk()
                    .check_pin_at(&Passphrase::new("1111".into()), t0)
                    .await
                    .expect_err("a wrong PIN")
                    .code()
            })
        });
        let mut codes = Vec::new();
        for t in tries {
            codes.push(t.await.expect("the try ends"));
        }
        assert_eq!(codes.iter().filter(|c| **c == "pin_wrong").count(), 4);
        assert_eq!(codes.iter().filter(|c| **c == "pin_locked").count(), 6);
        let right = store
            .kiosk()
            .check_pin_at(&Passphrase::new("2468".into()), t0 + 1)
            .await
            .expect_err("locked");
        assert_eq!(right.code(), "pin_locked");
    }

    #[tokio::test]
    async fn a_reset_pin_replaces_the_old_one_and_lifts_the_lock() {
        let (_dir, store) = kiosk().await;
        let t0 = now_ms();
        for _ in 0..PIN_TRIES {
            let _ = store
                .kiosk()
                .check_pin_at(&Passphrase::new("1111".into()), t0)
                .await;
        }
        assert_eq!(
            store
                .kiosk()
                .check_pin_at(&Passphrase::new("2468".into()), t0)
                .await
                .expect_err("locked")
                .code(),
            "pin_locked"
        );
        store
            .kiosk()
            .reset_pin(Passphrase::new("97531".into()))
            .await
            .expect("reset");
        store
            .kiosk()
            .check_pin_at(&Passphrase::new("97531".into()), t0)
            .await
            .expect("the new PIN, at once");
        assert_eq!(
            store
                .kiosk()
                .check_pin_at(&Passphrase::new("2468".into()), t0)
                .await
                .expect_err("the old PIN")
                .code(),
            "pin_wrong"
        );
        assert!(matches!(
            store.kiosk().reset_pin(Passphrase::new("12".into())).await,
            Err(Error::Kiosk(KioskError::PinInvalid))
        ));
    }

    fn pdf(seed: u8, len: usize) -> Vec<u8> {
        let mut bytes = b"%PDF-1.4\n".to_vec();
        bytes.extend((0..len).map(|i| b'a' + ((i as u8) ^ seed) % 26));
        bytes.extend_from_slice(b"\n%%EOF\n");
        bytes
    }

    #[tokio::test]
    async fn the_export_streams_each_petition_and_leaves_no_partial_file() {
        use crate::attachment::{Incoming, Limits, Source};
        use age::secrecy::ExposeSecret;

        let (dir, store) = kiosk().await;
        let identity = age::x25519::Identity::generate();
        store
            .settings()
            .set(RECIPIENT_SETTING, &identity.to_public().to_string())
            .await
            .expect("recipient");
        let values = crate::sync::outbox::tests::complete_values();
        let with_files = store.drafts().create(&values).await.expect("draft");
        let files = [("扫描件.pdf", pdf(1, 150_000)), ("  ", pdf(2, 10))];
        let attached = store
            .attachments()
            .attach(
                &with_files.id,
                files
                    .iter()
                    .map(|(name, bytes)| Incoming {
                        name: (*name).into(),
                        source: Source::Bytes(bytes.clone()),
                    })
                    .collect(),
                &Limits::default(),
                |_| {},
            )
            .await
            .expect("attach");
        assert!(attached.iter().all(Result::is_ok));
        store.outbox().submit(&with_files.id).await.expect("submit");
        let without = store.drafts().create(&values).await.expect("draft");
        store.outbox().submit(&without.id).await.expect("submit");
        store
            .drafts()
            .create(&values)
            .await
            .expect("a draft stays home");

        let usb = dir.path().join("usb");
        std::fs::create_dir(&usb).expect("usb");
        let out = usb.join("outbox.age");
        let report = store.kiosk().export_outbox(&out).await.expect("exported");
        assert_eq!(report.petitions, 2);
        let names: Vec<_> = std::fs::read_dir(&usb)
            .expect("usb")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["outbox.age"], "no partial file is left");

        let file = std::fs::File::open(&out).expect("the export");
        let mut reader =
            petition_api::bundle::BundleReader::open(file, identity.to_string().expose_secret())
                .expect("opens");
        assert_eq!(reader.format(), petition_api::bundle::FORMAT);
        let first = reader.next_petition().expect("reads").expect("a petition");
        assert_eq!(first.petition_id, with_files.id);
        assert_eq!(first.reference, reference(&with_files.id));
        assert_eq!(first.petition.name, "王丽");
        let sent_names: Vec<_> = first.attachments.iter().map(|a| &a.file_name).collect();
        assert_eq!(sent_names, ["扫描件.pdf", "attachment-2"]);
        for (_, bytes) in &files {
            let mut copied = Vec::new();
            reader.copy_attachment(&mut copied).expect("copied");
            assert_eq!(&copied, bytes);
        }
        let second = reader.next_petition().expect("reads").expect("a petition");
        assert_eq!(second.petition_id, without.id);
        assert!(second.attachments.is_empty());
        assert!(reader.next_petition().expect("the end").is_none());

        // An attachment that cannot be read midway: no file, whole or partial.
        for entry in std::fs::read_dir(dir.path().join(crate::attachment::ATTACHMENT_DIR))
            .expect("attachments")
        {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::remove_file(path).expect("removed");
            }
        }
        let again = usb.join("again.age");
        let error = store
            .kiosk()
            .export_outbox(&again)
            .await
            .expect_err("refused");
        assert_eq!(error.code(), "attachment_file_damaged");
        assert!(!again.exists());
        assert!(!usb.join("again.partial").exists());
        let nowhere = dir.path().join("unplugged").join("outbox.age");
        let error = store
            .kiosk()
            .export_outbox(&nowhere)
            .await
            .expect_err("refused");
        assert_eq!(error.code(), "export_failed");
    }

    #[tokio::test]
    async fn ending_a_session_leaves_no_draft_and_keeps_the_outbox() {
        let (_dir, store) = kiosk().await;
        let values = crate::sync::outbox::tests::complete_values();
        let sent = store.drafts().create(&values).await.expect("draft");
        store.outbox().submit(&sent.id).await.expect("submit");
        let open = store.drafts().create(&values).await.expect("draft");
        let trashed = store.drafts().create(&values).await.expect("draft");
        store.drafts().trash(&trashed.id).await.expect("trash");
        assert_eq!(store.kiosk().end_session().await.expect("end"), 2);
        assert!(store.drafts().list().await.expect("list").is_empty());
        assert!(store.drafts().list_trash().await.expect("trash").is_empty());
        assert!(
            store
                .drafts()
                .search("道路")
                .await
                .expect("search")
                .is_empty()
        );
        assert_eq!(
            store.drafts().get(&open.id).await.expect_err("gone").code(),
            "not_found"
        );
        assert_eq!(store.outbox().list().await.expect("outbox").len(), 1);
        let counts = store.kiosk().outbox_counts().await.expect("counts");
        assert_eq!(counts.waiting, 1);
    }
}
