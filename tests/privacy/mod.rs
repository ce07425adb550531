//! Privacy at rest (issue 6), with the real OS keyring (gnome-keyring's Secret Service in a private
//! D-Bus session): nothing personal in plain text under the data or log directory after a sync,
//! the key in the keyring read back by a second process, clear errors with the files untouched
//! when the keyring is missing or holds another key, passphrase mode, and purge after retention.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use petition_core::Store;
use petition_core::attachment::{self, Incoming, Source};
use petition_core::model::Field;
use petition_core::paths::APP_IDENTIFIER;
use petition_tests::{petitionctl, run_with_input};

use crate::bureau::{Db, TestBureau};

mod app;
mod keylog;

const NAME: &str = "欧阳标记娜";
const ID_NUMBER: &str = "610113198706134519";
const PHONE: &str = "13987650123";
const SENTENCE: &str = "这是一段只为隐私测试而写的独特标记句子，甲乙丙丁戊己庚辛。";
const ADDRESS: &str = "西安市碑林区标记巷九十九号";
const FILE_PATTERN: &[u8] = b"PRIVACY-MARKER-BYTES-5a7c3e19d2b84f60";

fn marker_values() -> Vec<(Field, String)> {
    [
        (Field::Name, NAME),
        (Field::IdNumber, ID_NUMBER),
        (Field::Phone, PHONE),
        (Field::Address, ADDRESS),
        (Field::Region, "610113"),
        (Field::Category, "城乡建设"),
        (Field::Purpose, "claim"),
        (Field::Title, "隐私测试"),
        (Field::Request, "请核实。"),
        (Field::Facts, SENTENCE),
    ]
    .into_iter()
    .map(|(f, v)| (f, v.to_owned()))
    .collect()
}

/// A PDF (kept byte for byte by the app) that holds the marker pattern many times.
fn marker_pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    for _ in 0..200 {
        bytes.extend_from_slice(FILE_PATTERN);
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(b"%%EOF\n");
    bytes
}

/// Every file under `dir`, recursively, with its bytes.
fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.insert(path, bytes);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The byte strings a leak would show: each marker in UTF-8, and in UTF-16LE (how some
/// libraries and Windows keep text).
fn marker_patterns() -> Vec<(String, Vec<u8>)> {
    let mut patterns = Vec::new();
    for text in [NAME, ID_NUMBER, PHONE, SENTENCE, ADDRESS] {
        patterns.push((text.to_owned(), text.as_bytes().to_vec()));
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        patterns.push((format!("{text} (UTF-16)"), utf16));
    }
    // Pieces too, so a marker split across lines or truncated is caught.
    patterns.push((
        "sentence fragment".into(),
        "独特标记句子".as_bytes().to_vec(),
    ));
    patterns.push(("file pattern".into(), FILE_PATTERN.to_vec()));
    patterns
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("petitionctl runs")
}

fn ctl(data: &Path, logs: &Path) -> Command {
    let mut cmd = petitionctl();
    cmd.arg("--data-dir")
        .arg(data)
        .env("PETITION_LOG_DIR", logs)
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("PETITION_PASSPHRASE");
    cmd
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The data key's keyring entry of a data directory, as `key.json` names it.
fn key_entry(data: &Path) -> keyring::Entry {
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("key.json")).expect("key.json"))
            .expect("key.json is JSON");
    assert_eq!(info["mode"], "keyring");
    let key_id = info["key_id"].as_str().expect("a key id");
    keyring::Entry::new(APP_IDENTIFIER, &format!("data-key-{key_id}")).expect("an entry")
}

/// A draft full of markers with a marker PDF attached, submitted and synced to the real bureau
/// through `petitionctl`; then every file under the data and the log directory is searched, raw,
/// for every marker. Then purge (retention 0 days) takes exactly that petition's attachment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sync_no_marker_is_found_in_any_file_of_the_data_or_log_dir() {
    if !crate::sync::keyring_ready() {
        return;
    }
    let b = TestBureau::start_with(Db::Sqlite, petition_bureau::Limits::default())
        .await
        .expect("a SQLite bureau");
    let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");

    // The draft goes in through the core as the app does; the rest through petitionctl.
    let (id, other_draft) = {
        let store = Store::unlock(&data, None).await.expect("a new data dir");
        let p = store
            .drafts()
            .create(&marker_values())
            .await
            .expect("draft");
        store
            .attachments()
            .attach(
                &p.id,
                vec![Incoming {
                    name: format!("{NAME}的证据.pdf"),
                    source: Source::Bytes(marker_pdf()),
                }],
                &attachment::Limits::default(),
                |_| {},
            )
            .await
            .expect("attach")
            .into_iter()
            .for_each(|r| {
                r.expect("the PDF is taken");
            });
        // A second draft with its own attachment, which purge must leave alone.
        let other = store
            .drafts()
            .create(&[(Field::Title, "另一份草稿".into())])
            .await
            .expect("draft");
        let mut pdf = marker_pdf();
        pdf.extend_from_slice(b"another file\n");
        store
            .attachments()
            .attach(
                &other.id,
                vec![Incoming {
                    name: "另一份.pdf".into(),
                    source: Source::Bytes(pdf),
                }],
                &attachment::Limits::default(),
                |_| {},
            )
            .await
            .expect("attach")
            .into_iter()
            .for_each(|r| {
                r.expect("the PDF is taken");
            });
        store.close().await;
        (p.id, other.id)
    };
    ok(
        &run(ctl(&data, &logs)
            .args(["login", "--token", &token])
            .env("PETITION_BUREAU_URL", &b.base)),
        "login",
    );
    ok(&run(ctl(&data, &logs).args(["submit", &id])), "submit");
    ok(
        &run(ctl(&data, &logs)
            .args(["sync", "--once"])
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "300")),
        "sync",
    );
    let status: serde_json::Value = serde_json::from_str(&ok(
        &run(ctl(&data, &logs).args(["status", &id, "--json"])),
        "status",
    ))
    .expect("status JSON");
    let code = status["tracking_code"].as_str().expect("delivered");

    // The markers really were in the petition: the bureau (which keeps plain text) has them.
    let held: String = sqlx::query_scalar("SELECT body FROM petitions WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(b.state.store().pool())
        .await
        .expect("the bureau holds it");
    for marker in [NAME, ID_NUMBER, PHONE, SENTENCE, ADDRESS] {
        assert!(
            held.contains(marker),
            "the bureau received the marker {marker}"
        );
    }

    let files: BTreeMap<PathBuf, Vec<u8>> = files_under(&data)
        .into_iter()
        .chain(files_under(&logs))
        .collect();
    let db = files
        .get(&data.join("petitions.db"))
        .expect("the database file");
    assert!(
        !db.starts_with(b"SQLite format 3\0"),
        "the database starts with the plain SQLite header"
    );
    let log_text: String = files_under(&logs)
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(
        log_text.contains("receipt stored") && log_text.contains(&id),
        "the log files hold the sync's ids and steps: {log_text}"
    );
    assert!(
        files
            .keys()
            .any(|p| p.starts_with(data.join("attachments"))),
        "the attachment files are there to search"
    );
    let mut leaks = Vec::new();
    for (path, bytes) in &files {
        for (what, pattern) in marker_patterns() {
            if contains(bytes, &pattern) {
                leaks.push(format!("{what} in {}", path.display()));
            }
        }
    }
    assert!(leaks.is_empty(), "personal data in plain text: {leaks:#?}");

    // Purge with a retention of 0 days: exactly the delivered petition's one PDF goes.
    let attachment_files = |dir: &Path| {
        files_under(&dir.join("attachments"))
            .into_keys()
            .filter(|p| !p.to_string_lossy().contains("thumbnails"))
            .count()
    };
    assert_eq!(attachment_files(&data), 2);
    ok(
        &run(ctl(&data, &logs).args(["config", "set", "attachment_retention_days", "0"])),
        "config set",
    );
    let purged: serde_json::Value =
        serde_json::from_str(&ok(&run(ctl(&data, &logs).arg("purge")), "purge"))
            .expect("purge JSON");
    assert_eq!(purged["retention_days"], 0);
    assert_eq!(purged["petitions"], serde_json::json!([id]));
    assert_eq!(purged["attachments"], 1);
    assert_eq!(purged["files_removed"], 1);
    assert_eq!(attachment_files(&data), 1);
    let store = Store::unlock(&data, None).await.expect("reopen");
    let kept = store.drafts().get(&id).await.expect("the text stays");
    assert_eq!(kept.name, NAME);
    let listed = store.attachments().list(&id).await.expect("list");
    assert!(listed[0].purged_at.is_some());
    let theirs = store.attachments().list(&other_draft).await.expect("list");
    store
        .attachments()
        .bytes(&other_draft, &theirs[0].sha256)
        .await
        .expect("the other draft's file is intact");
    store.close().await;
    let again: serde_json::Value =
        serde_json::from_str(&ok(&run(ctl(&data, &logs).arg("purge")), "purge again"))
            .expect("purge JSON");
    assert_eq!(again["files_removed"], 0);
    let _ = key_entry(&data).delete_credential();
}

/// The first start makes a key and keeps it only in the keyring; a second process finds it
/// there and reads the data; `key.json` holds no key.
#[test]
fn the_key_lives_in_the_keyring_and_a_second_process_reads_it_back() {
    if !crate::sync::keyring_ready() {
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");
    let id = ok(
        &run(ctl(&data, &logs).args(["draft", "new", "--title", "第一个进程写的"])),
        "draft new",
    )
    .trim()
    .to_owned();
    let key = key_entry(&data)
        .get_password()
        .expect("the key is in the keyring");
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    let info = std::fs::read_to_string(data.join("key.json")).expect("key.json");
    assert!(!info.contains(&key), "key.json holds the key");
    for (path, bytes) in files_under(&data) {
        assert!(
            !contains(&bytes, key.as_bytes()),
            "{} holds the key",
            path.display()
        );
    }
    let shown = ok(
        &run(ctl(&data, &logs).args(["draft", "show", &id, "--json"])),
        "draft show",
    );
    assert!(shown.contains("第一个进程写的"));
    let _ = key_entry(&data).delete_credential();
}

/// No keyring, another key in the keyring, no key at all: each is refused with its own clear,
/// bilingual error, and not one byte of the data directory changes.
#[test]
fn a_missing_keyring_or_a_wrong_or_missing_key_changes_nothing() {
    if !crate::sync::keyring_ready() {
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");
    let id = ok(
        &run(ctl(&data, &logs).args(["draft", "new", "--title", "不能丢的草稿"])),
        "draft new",
    )
    .trim()
    .to_owned();
    let before = files_under(&data);
    let entry = key_entry(&data);
    let key = entry.get_password().expect("the key");

    let refused = |cmd: &mut Command, code: &str| {
        let out = run(cmd);
        assert!(!out.status.success(), "{code}: it was not refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("[{code}]")), "{code}: {err}");
        assert!(
            err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{code}: the message is not in Chinese: {err}"
        );
        assert_eq!(files_under(&data), before, "{code}: the data changed");
    };

    // No Secret Service to talk to.
    refused(
        ctl(&data, &logs)
            .args(["draft", "list"])
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        "keyring_unavailable",
    );
    let en = run(ctl(&data, &logs)
        .args(["draft", "list"])
        .env("LANG", "en_US.UTF-8")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"));
    assert!(String::from_utf8_lossy(&en.stderr).contains("keyring"));

    // Another key where ours was.
    entry
        .set_password(&"ab".repeat(32))
        .expect("replace the key");
    refused(ctl(&data, &logs).args(["draft", "list"]), "wrong_data_key");
    refused(
        ctl(&data, &logs).args(["draft", "set", &id, "--set", "title=改了"]),
        "wrong_data_key",
    );

    // No key at all.
    entry.delete_credential().expect("remove the key");
    refused(
        ctl(&data, &logs).args(["draft", "list"]),
        "data_key_missing",
    );

    // The right key back: everything is there.
    entry.set_password(&key).expect("restore the key");
    let list = ok(&run(ctl(&data, &logs).args(["draft", "list"])), "list");
    assert!(list.contains("不能丢的草稿"));
    let _ = entry.delete_credential();
}

/// Passphrase mode (machines without a keyring): set up from two lines on standard input, opened
/// with the passphrase; a wrong one is refused and changes nothing; no keyring is touched.
#[test]
fn passphrase_mode_opens_with_the_passphrase_only() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");
    let no_keyring = "unix:path=/nonexistent/bus";

    let init = |lines: &str| {
        run_with_input(
            ctl(&data, &logs)
                .args(["key", "init", "--passphrase"])
                .env("DBUS_SESSION_BUS_ADDRESS", no_keyring),
            lines,
        )
    };
    let differ = init("社区中心口令 2026\n社区中心口令 2027\n");
    assert!(!differ.status.success());
    assert!(!data.join("key.json").exists());
    ok(&init("社区中心口令 2026\n社区中心口令 2026\n"), "key init");
    let status = ok(&run(ctl(&data, &logs).args(["key", "status"])), "status");
    assert!(status.contains("passphrase"));

    let with = |pass: &str| {
        let mut cmd = ctl(&data, &logs);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", no_keyring)
            .env("PETITION_PASSPHRASE", pass);
        cmd
    };
    ok(
        &run(with("社区中心口令 2026").args(["draft", "new", "--title", NAME])),
        "draft new",
    );
    let before = files_under(&data);
    let wrong = run(with("社区中心口令 2025").args(["draft", "list"]));
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("[wrong_data_key]"));
    assert_eq!(files_under(&data), before);
    let list = ok(
        &run(with("社区中心口令 2026").args(["draft", "list"])),
        "list",
    );
    assert!(list.contains(NAME));
    let db = std::fs::read(data.join("petitions.db")).expect("db");
    assert!(!db.starts_with(b"SQLite format 3\0"));
    assert!(!contains(&db, NAME.as_bytes()));

    // A new passphrase: the current one is needed, the data is not rewritten, the old one no
    // longer opens it.
    let change = |current: &str, lines: &str| {
        run_with_input(with(current).args(["key", "change-passphrase"]), lines)
    };
    let refused = change("社区中心口令 2025", "新的口令 2027\n新的口令 2027\n");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("[wrong_data_key]"));
    let db_before = std::fs::read(data.join("petitions.db")).expect("db");
    ok(
        &change("社区中心口令 2026", "新的口令 2027\n新的口令 2027\n"),
        "change-passphrase",
    );
    assert_eq!(
        std::fs::read(data.join("petitions.db")).expect("db"),
        db_before,
        "changing the passphrase rewrote the data"
    );
    let old = run(with("社区中心口令 2026").args(["draft", "list"]));
    assert!(String::from_utf8_lossy(&old.stderr).contains("[wrong_data_key]"));
    let list = ok(&run(with("新的口令 2027").args(["draft", "list"])), "list");
    assert!(list.contains(NAME));
}

/// A kiosk set up in passphrase mode on a machine with no Secret Service at all (no session bus
/// address that leads anywhere): the kiosk token is kept in the encrypted database, so the kiosk
/// submits and delivers. The token is given on standard input, not on the command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passphrase_kiosk_without_a_keyring_submits_and_delivers() {
    let b = TestBureau::start_with(Db::Sqlite, petition_bureau::Limits::default())
        .await
        .expect("a SQLite bureau");
    let token = b.token(petition_bureau::store::TokenKind::Kiosk).await;
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");
    let no_keyring = "unix:path=/nonexistent/bus";
    let pass = "社区中心口令 2026";
    let kiosk = || {
        let mut cmd = ctl(&data, &logs);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", no_keyring)
            .env("PETITION_PASSPHRASE", pass);
        cmd
    };
    ok(
        &run_with_input(
            kiosk().args(["key", "init", "--passphrase"]),
            &format!("{pass}\n{pass}\n"),
        ),
        "key init",
    );
    let setup = run_with_input(
        kiosk().args([
            "kiosk", "setup", "--bureau", &b.base, "--token", "-", "--pin",
        ]),
        &format!("{token}\n2468\n2468\n"),
    );
    ok(&setup, "kiosk setup without a keyring");
    let mut new = kiosk();
    new.args(["draft", "new"]);
    for (field, value) in marker_values() {
        new.args(["--set", &format!("{}={value}", field.key())]);
    }
    let id = ok(&run(&mut new), "draft new").trim().to_owned();
    ok(&run(kiosk().args(["submit", &id])), "submit");
    ok(
        &run(kiosk()
            .args(["sync", "--once"])
            .env("PETITION_SYNC_BACKOFF_CAP_MS", "300")),
        "sync",
    );
    let status: serde_json::Value =
        serde_json::from_str(&ok(&run(kiosk().args(["status", &id, "--json"])), "status"))
            .expect("status JSON");
    let code = status["tracking_code"].as_str().expect("delivered");
    assert!(!code.is_empty());
    // The token is nowhere in plain text: not in a file, not in a log.
    let files: BTreeMap<PathBuf, Vec<u8>> = files_under(&data)
        .into_iter()
        .chain(files_under(&logs))
        .collect();
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, token.as_bytes()),
            "the kiosk token is in {} in plain text",
            path.display()
        );
    }
}
