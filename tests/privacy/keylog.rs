//! The data key never reaches a log: `petitionctl` and the app run with `RUST_LOG=trace` while the
//! database is held locked for a while, so the first open waits (as on a cold disk, behind an
//! antivirus scan or another process) and every statement of it is slow. sqlx would log such a
//! statement, SQL text and all, at WARN into the log files, and every statement at DEBUG on
//! stderr; the key pragma is one of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use petition_tests::app::app_binary;
use petition_tests::{Service, require};

use super::{ctl, files_under, key_entry, ok, run};

/// How long the database stays locked: well past sqlx's one-second slow-statement threshold.
const HELD: Duration = Duration::from_millis(2500);

/// Holds SQLite's own lock bytes of `db` (the pending byte and the shared range, as a writer
/// about to commit does) from this process for `held`, so any connection that opens the file
/// waits in its busy handler. Returns once the lock is taken.
fn lock_database_for(db: &Path, held: Duration) -> std::thread::JoinHandle<()> {
    const PENDING_BYTE: i64 = 0x4000_0000;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(db)
        .expect("open the database file");
    let lock = nix::libc::flock {
        l_type: nix::libc::F_WRLCK as i16,
        l_whence: nix::libc::SEEK_SET as i16,
        l_start: PENDING_BYTE,
        l_len: 512,
        l_pid: 0,
    };
    nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_SETLK(&lock)).expect("lock the database");
    std::thread::spawn(move || {
        std::thread::sleep(held);
        // Closing the file releases the lock.
        drop(file);
    })
}

/// Every way the key could be written: its hex digits in either case, and the pragma itself.
fn key_patterns(key: &str) -> Vec<String> {
    vec![
        key.to_ascii_lowercase(),
        key.to_ascii_uppercase(),
        key[..16].to_ascii_lowercase(),
        "PRAGMA key".to_owned(),
    ]
}

fn leaks(key: &str, texts: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (what, text) in texts {
        for pattern in key_patterns(key) {
            if text.contains(&pattern) || text.contains(&pattern.to_ascii_lowercase()) {
                found.push(format!("{pattern:?} in {what}"));
            }
        }
    }
    found
}

fn log_texts(logs: &Path) -> Vec<(String, String)> {
    files_under(logs)
        .into_iter()
        .map(|(p, b)| {
            (
                p.display().to_string(),
                String::from_utf8_lossy(&b).into_owned(),
            )
        })
        .collect()
}

#[test]
fn petitionctl_at_trace_with_a_slow_open_writes_no_key_anywhere() {
    if !crate::sync::keyring_ready() {
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");
    ok(
        &run(ctl(&data, &logs).args(["draft", "new", "--title", "慢慢打开"])),
        "draft new",
    );
    let key = key_entry(&data).get_password().expect("the key");

    let unlock = lock_database_for(&data.join("petitions.db"), HELD);
    let started = Instant::now();
    let out = run(ctl(&data, &logs)
        .args(["draft", "list"])
        .env("RUST_LOG", "trace"));
    let took = started.elapsed();
    unlock.join().expect("the lock holder");
    let list = ok(&out, "draft list");
    assert!(list.contains("慢慢打开"));
    assert!(
        took >= HELD,
        "the open did not wait for the locked database ({took:?}), so this proves nothing"
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "RUST_LOG=trace printed nothing below INFO: {stderr}"
    );
    let mut texts = log_texts(&logs);
    assert!(!texts.is_empty(), "petitionctl wrote no log file");
    texts.push(("petitionctl's stderr".into(), stderr));
    let found = leaks(&key, &texts);
    assert!(found.is_empty(), "the data key was logged: {found:#?}");
    let _ = key_entry(&data).delete_credential();
}

/// The app, started on a data folder whose database is locked for a while, at `RUST_LOG=trace`.
#[test]
fn the_app_at_trace_with_a_slow_open_writes_no_key_anywhere() {
    let app = app_binary();
    if !crate::sync::keyring_ready()
        || !require(
            "a display (run under xvfb-run)",
            std::env::var_os("DISPLAY").is_some(),
        )
        || !require(
            &format!("the release app at {}", app.display()),
            app.exists(),
        )
    {
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let logs = root.path().join("logs");
    ok(
        &run(ctl(&data, &logs).args(["draft", "new", "--title", "慢慢打开"])),
        "draft new",
    );
    let key = key_entry(&data).get_password().expect("the key");
    std::fs::remove_dir_all(&logs).expect("start with no logs");

    let stderr_path: PathBuf = root.path().join("app-stderr.txt");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let unlock = lock_database_for(&data.join("petitions.db"), HELD);
    let app = Service::spawn(
        Command::new(&app)
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "trace")
            .env("PETITION_LOG_DIR", &logs)
            .stdout(Stdio::null())
            .stderr(stderr),
    )
    .expect("start the app");
    let started = Instant::now();
    let opened = loop {
        let text: String = log_texts(&logs).into_iter().map(|(_, t)| t).collect();
        if text.contains("data directory opened") {
            break true;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    unlock.join().expect("the lock holder");
    drop(app);
    assert!(
        opened,
        "the app never opened its data: {:#?}",
        log_texts(&logs)
    );
    assert!(
        took >= HELD,
        "the app's open did not wait for the locked database ({took:?}), so this proves nothing"
    );
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "RUST_LOG=trace printed nothing below INFO"
    );
    let mut texts = log_texts(&logs);
    texts.push(("the app's stderr".into(), stderr));
    let found = leaks(&key, &texts);
    assert!(found.is_empty(), "the data key was logged: {found:#?}");
    let _ = key_entry(&data).delete_credential();
}
