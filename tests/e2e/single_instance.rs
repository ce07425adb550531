//! One instance per data folder (issue 19, point 8): starting the app again on the folder a
//! running app has open brings that window forward instead of the "folder in use" screen, and the
//! second process ends at once; on a kiosk, a second start does nothing visible. Another data
//! folder is another instance.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use petition_tests::app::{App, Driver, app_binary, bounded};
use petition_tests::eventually;

/// A WebDriver session whose app logs to a folder of its own, or `None` to skip (no driver, or no
/// keyring; see [`petition_tests::required`]).
async fn driver_with_logs() -> Option<(Driver, tempfile::TempDir)> {
    let logs = tempfile::tempdir().expect("a log folder");
    let driver = Driver::start_with_env(&[("PETITION_LOG_DIR", logs.path().as_os_str())]).await?;
    crate::sync::keyring_ready().then_some((driver, logs))
}

/// Starts the app binary on `data_dir` as a person would (no WebDriver), and waits for it to end.
async fn start_again(data_dir: &Path, logs: &Path) -> Output {
    let mut cmd = Command::new(app_binary());
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env("PETITION_LOG_DIR", logs);
    let child = tokio::task::spawn_blocking(move || cmd.output().expect("the app starts"));
    tokio::time::timeout(Duration::from_secs(60), child)
        .await
        .expect("the second start ends by itself within a minute")
        .expect("the second start's wait")
}

/// Everything the app logged under `dir`.
fn logged(dir: &Path) -> String {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_logged(dir: &Path, needle: &str) {
    eventually(
        Duration::from_secs(15),
        &format!("the running app to log {needle:?}"),
        || async { logged(dir).contains(needle).then_some(()) },
    )
    .await;
}

/// The running app still answers, on the screen it was on.
async fn still_there(app: &App, css: &str) {
    assert_eq!(app.count(css).await, 1, "the running app lost its screen");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_start_brings_the_running_window_forward_and_ends() {
    bounded(async move {
        let Some((driver, logs)) = driver_with_logs().await else {
            return;
        };
        let data = tempfile::tempdir().expect("a data folder");
        let app = driver.launch(data.path(), &[]).await;

        let second_logs = tempfile::tempdir().expect("the second start's log folder");
        let out = start_again(data.path(), second_logs.path()).await;
        assert!(
            out.status.success(),
            "the second start failed: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        wait_logged(logs.path(), "a second start: the window brought forward").await;
        still_there(&app, "[data-testid=app][data-ready]").await;
        // The second process opened nothing of the folder: no "folder in use" was logged by it.
        assert!(
            !logged(second_logs.path()).contains("in use"),
            "{}",
            logged(second_logs.path())
        );

        // Another data folder is another instance: it starts and stays.
        let other = tempfile::tempdir().expect("another data folder");
        let mut alone = Command::new(app_binary())
            .arg("--data-dir")
            .arg(other.path())
            .env("PETITION_LOG_DIR", second_logs.path())
            .spawn()
            .expect("the app starts on another folder");
        tokio::time::sleep(Duration::from_secs(5)).await;
        let still_running = alone.try_wait().expect("its state").is_none();
        let _ = alone.kill();
        let _ = alone.wait();
        assert!(still_running, "the app on another folder ended by itself");
        app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_kiosk_a_second_start_does_nothing_visible() {
    bounded(async move {
        let Some((driver, logs)) = driver_with_logs().await else {
            return;
        };
        let root = tempfile::tempdir().expect("temp dir");
        let data = super::kiosk::offline_kiosk(root.path(), "二次启动测试终端", 600, &[]);
        let app = driver
            .launch_until(&data, &[], "[data-testid=kiosk-welcome]")
            .await;
        let second_logs = tempfile::tempdir().expect("the second start's log folder");
        let out = start_again(&data, second_logs.path()).await;
        assert!(out.status.success(), "{:?}", out.status);
        wait_logged(logs.path(), "kiosk: a second start ignored").await;
        assert!(!logged(logs.path()).contains("a second start: the window brought forward"));
        still_there(&app, "[data-testid=kiosk-welcome]").await;
        app.quit().await;
    })
    .await;
}
