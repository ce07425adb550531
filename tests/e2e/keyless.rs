//! The real app on a machine whose keyring cannot be used (issue 14, defect 3): the first screen
//! says, in plain words, that the data's key has nowhere to live yet, and offers a way on. The
//! app finds a keyring that appears later by itself; on a new folder the citizen may protect the
//! data with a passphrase instead, asked twice with its strength shown, and is asked for it at the
//! next start.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use petition_tests::app::Driver;
use petition_tests::eventually;

const PASSPHRASE: &str = "我家门前有两棵枣树";

/// A session bus with an unlocked gnome-keyring on `socket`, started when the test says so.
struct LateKeyring {
    bus: Child,
    keyring: Child,
}

impl LateKeyring {
    /// `home` holds the new keyring's files (a keyring of its own, not the test session's).
    fn start(socket: &Path, home: &Path) -> LateKeyring {
        let address = format!("unix:path={}", socket.display());
        let bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--address", &address])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts");
        std::thread::sleep(Duration::from_millis(300));
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", home)
            .env("XDG_RUNTIME_DIR", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon starts");
        {
            use std::io::Write;
            let mut stdin = keyring.stdin.take().expect("stdin");
            stdin
                .write_all(b"late-keyring")
                .expect("the unlock password");
        }
        LateKeyring { bus, keyring }
    }
}

impl Drop for LateKeyring {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// No keyring at first: the screen explains and retries; a keyring that comes up is found by the
/// app by itself, and the data opens in keyring mode.
#[tokio::test(flavor = "multi_thread")]
async fn a_keyring_that_appears_later_is_found_without_a_restart() {
    petition_tests::app::bounded(async move {
        let root = tempfile::tempdir().expect("temp dir");
        let socket = root.path().join("late-bus");
        let address = format!("unix:path={}", socket.display());
        let Some(driver) =
            Driver::start_with_env(&[("DBUS_SESSION_BUS_ADDRESS", OsStr::new(&address))]).await
        else {
            return;
        };
        let data = root.path().join("data");
        let app = driver
            .launch_until(&data, &[], "[data-testid=key-setup]")
            .await;
        let text = app.text("[data-testid=key-setup]").await;
        assert!(text.contains("系统密码库"), "{text}");
        assert!(!text.contains("令牌") && !text.contains("钥匙串"), "{text}");
        assert!(!data.join("key.json").exists(), "nothing was set up yet");

        let home = root.path().join("late-keyring");
        std::fs::create_dir_all(&home).expect("keyring home");
        let _keyring = tokio::task::spawn_blocking(move || LateKeyring::start(&socket, &home))
            .await
            .expect("the keyring starts");
        // Within a few of the screen's retries the data opens, in keyring mode.
        eventually(
            Duration::from_secs(30),
            "the app to open its data",
            || async { (app.count("[data-testid=new-draft]").await == 1).then_some(()) },
        )
        .await;
        let info = std::fs::read_to_string(data.join("key.json")).expect("key.json");
        assert!(info.contains("\"keyring\""), "{info}");
        app.quit().await;
    })
    .await;
}

/// No keyring at all: the citizen protects the new folder with a passphrase (too short and
/// mismatched ones are refused with a reason), writes a draft, and at the next start opens it with
/// that passphrase.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_a_new_folder_is_protected_with_a_passphrase() {
    petition_tests::app::bounded(async move {
        let no_bus = OsStr::new("unix:path=/nonexistent/bus");
        let Some(driver) = Driver::start_with_env(&[("DBUS_SESSION_BUS_ADDRESS", no_bus)]).await
        else {
            return;
        };
        let root = tempfile::tempdir().expect("temp dir");
        let data = root.path().join("data");
        let app = driver
            .launch_until(&data, &[], "[data-testid=key-setup]")
            .await;
        app.click("[data-testid=key-choose-passphrase]").await;
        app.wait_text("[data-testid=key-passphrase-form]", "忘记口令")
            .await;
        app.type_into("[data-testid=new-passphrase]", "1234").await;
        app.wait_css("[data-testid=key-strength][data-strength=too_short]")
            .await;
        app.type_into("[data-testid=new-passphrase]", "5678").await;
        app.wait_css("[data-testid=key-strength][data-strength=weak]")
            .await;
        app.click("[data-testid=key-protect]").await;
        app.wait_text("[data-testid=key-problem]", "不一样").await;
        // A strong one, and the same again.
        let field = app.wait_css("[data-testid=new-passphrase]").await;
        field.clear().await.expect("clear");
        app.type_into("[data-testid=new-passphrase]", PASSPHRASE)
            .await;
        app.wait_css("[data-testid=key-strength][data-strength=strong]")
            .await;
        app.type_into("[data-testid=new-passphrase-again]", PASSPHRASE)
            .await;
        app.click("[data-testid=key-protect]").await;
        app.wait_css("[data-testid=new-draft]").await;
        app.click("[data-testid=new-draft]").await;
        app.type_into("#f-title", "口令保护的草稿").await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        app.quit().await;
        let info = std::fs::read_to_string(data.join("key.json")).expect("key.json");
        assert!(info.contains("\"passphrase\""), "{info}");

        // The next start asks for the passphrase; a wrong one is refused, the right one opens.
        let app = driver
            .launch_until(&data, &[], "[data-testid=unlock]")
            .await;
        app.type_into("[data-testid=passphrase]", "不是这个口令")
            .await;
        app.click("[data-testid=unlock] button[type=submit]").await;
        app.wait_css("#passphrase-error").await;
        app.type_into("[data-testid=passphrase]", PASSPHRASE).await;
        app.click("[data-testid=unlock] button[type=submit]").await;
        // (WebKitWebDriver's element text leaves out this ellipsised span; the page's own text has it.)
        eventually(Duration::from_secs(20), "the draft in the list", || async {
            app.js("return document.querySelector('.draft-title')?.textContent ?? ''")
                .await
                .as_str()
                .filter(|t| t.contains("口令保护的草稿"))
                .map(|_| ())
        })
        .await;
        app.quit().await;
    })
    .await;
}
