//! Signed updates end to end, with the .deb: version A is built with `tauri build` and installed
//! with dpkg, and a loopback server offers version B, built and signed by the bundler with a key
//! made for this test. A package that does not match its signature, and B's own package under a
//! signature by another key, are refused and A keeps running; the signed package is installed (through sudo, as the updater does on a machine
//! without pkexec) and the app starts again as B. A kiosk of A never looks by itself, and its
//! administrator's 检查更新 finds B.
//!
//! The two builds use their own target folder (`<target>/update-test`): they are release builds
//! of the app with another version and another configuration, and must not replace the release
//! app the other end-to-end tests run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use petition_tests::app::{Driver, app_processes, bounded};
use petition_tests::{eventually, require};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A: &str = "0.9.0";
const B: &str = "0.9.1";
const INSTALLED: &str = "/usr/bin/petition-desk";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(command: &mut Command, what: &str) -> String {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The version dpkg has installed of `package`, if any.
fn installed_version(package: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Status} ${Version}", package])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.strip_prefix("install ok installed ")
        .map(|v| v.trim().to_owned())
}

/// `tauri build --bundles deb` of `version` with `updater` as the updater's configuration, the
/// package signed for updates with `key`; returns the .deb and its signature, copied to `out`.
fn build_deb(
    version: &str,
    updater: &serde_json::Value,
    key: &Path,
    out: &Path,
) -> (PathBuf, String) {
    let target = petition_tests::profile_dir()
        .parent()
        .expect("the target dir")
        .join("update-test");
    let config = serde_json::json!({
        "version": version,
        "bundle": { "createUpdaterArtifacts": true },
        "plugins": { "updater": updater },
    });
    let tauri = workspace().join("ui/node_modules/.bin/tauri");
    // At the lowest priority: the other end-to-end tests run beside this build, and their apps
    // must not wait for the CPU (each test has a time limit).
    run(
        Command::new("nice")
            .args(["-n", "19"])
            .arg(&tauri)
            .args(["build", "--bundles", "deb", "--config"])
            .arg(config.to_string())
            .current_dir(workspace().join("src-tauri"))
            .env("CARGO_TARGET_DIR", &target)
            .env(
                "TAURI_SIGNING_PRIVATE_KEY",
                std::fs::read_to_string(key).expect("the test key"),
            )
            .env("TAURI_SIGNING_PRIVATE_KEY_PASSWORD", ""),
        &format!("tauri build of {version}"),
    );
    let bundles = target.join("release/bundle/deb");
    let deb = std::fs::read_dir(&bundles)
        .expect("the bundler's deb folder")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(&format!("_{version}_amd64.deb")))
        })
        .unwrap_or_else(|| panic!("no .deb of {version} in {}", bundles.display()));
    let signature = std::fs::read_to_string(deb.with_extension("deb.sig"))
        .expect("the bundler signed the .deb (createUpdaterArtifacts)");
    let copy = out.join(format!("petition-desk_{version}.deb"));
    std::fs::copy(&deb, &copy).expect("copy the .deb");
    (copy, signature)
}

/// Removes the package at the end of the test, however it ends.
struct Installed(String);

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", &self.0]).output();
    }
}

/// The update server: `/latest.json` (whatever `manifest` holds now) and the packages.
#[derive(Clone)]
struct Releases {
    manifest: Arc<Mutex<String>>,
    files: Arc<Vec<(String, Vec<u8>)>>,
    /// How many times each of `/latest.json`, and any package, was asked for.
    looks: Arc<AtomicUsize>,
    downloads: Arc<Mutex<Vec<String>>>,
}

impl Releases {
    fn serve(self, listener: std::net::TcpListener) {
        listener.set_nonblocking(true).expect("nonblocking");
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        tokio::spawn(async move {
            loop {
                let Ok((mut conn, _)) = listener.accept().await else {
                    return;
                };
                let releases = self.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let (status, body) = releases.answer(&path);
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = conn.write_all(reply.as_bytes()).await;
                    let _ = conn.write_all(&body).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
    }

    fn answer(&self, path: &str) -> (&'static str, Vec<u8>) {
        if path == "/latest.json" {
            self.looks.fetch_add(1, Ordering::SeqCst);
            return (
                "200 OK",
                self.manifest
                    .lock()
                    .expect("releases lock")
                    .clone()
                    .into_bytes(),
            );
        }
        match self
            .files
            .iter()
            .find(|(name, _)| path == format!("/{name}"))
        {
            Some((name, bytes)) => {
                self.downloads
                    .lock()
                    .expect("releases lock")
                    .push(name.clone());
                ("200 OK", bytes.clone())
            }
            None => ("404 Not Found", Vec::new()),
        }
    }

    fn offer(&self, port: u16, file: &str, signature: &str) {
        *self.manifest.lock().expect("releases lock") = serde_json::json!({
            "version": B,
            "notes": "朗读更清楚",
            "pub_date": "2026-12-01T00:00:00Z",
            "platforms": {
                "linux-x86_64-deb": {
                    "signature": signature,
                    "url": format!("http://127.0.0.1:{port}/{file}"),
                }
            }
        })
        .to_string();
    }
}

/// The version the app's window says it runs (`app_state`).
async fn running_version(app: &petition_tests::app::App) -> String {
    app.js(
        "return window.__TAURI_INTERNALS__.invoke('app_state').then(i => i.version, e => e.code)",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_deb_updates_the_app_and_a_tampered_one_is_refused() {
    let tauri = workspace().join("ui/node_modules/.bin/tauri");
    let root = run(Command::new("id").arg("-u"), "id -u").trim() == "0";
    let has = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !require("root (the test installs a .deb with dpkg)", root)
        || !require("dpkg", has("dpkg"))
        || !require(
            "sudo (the updater's way to dpkg without pkexec)",
            has("sudo"),
        )
        || !require("the Tauri CLI (npm ci in ui)", tauri.exists())
        || !require(
            "a machine without petition-desk installed (the test installs and removes it)",
            installed_version("petition-desk").is_none(),
        )
    {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("update.key");
    run(
        Command::new(&tauri)
            .args(["signer", "generate", "--ci", "-p", "", "-w"])
            .arg(&key),
        "tauri signer generate",
    );
    let pubkey = std::fs::read_to_string(key.with_extension("key.pub")).expect("the public key");
    // The port is taken now, for the manifest's address built into both versions.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let updater = serde_json::json!({
        "pubkey": pubkey,
        "endpoints": [format!("http://127.0.0.1:{port}/latest.json")],
        // Loopback has no certificate; a release's manifest is served over https.
        "dangerousInsecureTransportProtocol": true,
    });
    let (a, _) = build_deb(A, &updater, &key, dir.path());
    let (b, signature) = build_deb(B, &updater, &key, dir.path());
    let package = run(
        Command::new("dpkg-deb").args(["-f"]).arg(&a).arg("Package"),
        "dpkg-deb -f",
    )
    .trim()
    .to_owned();
    // The same package signed by a key the app does not know.
    let other_key = dir.path().join("other.key");
    run(
        Command::new(&tauri)
            .args(["signer", "generate", "--ci", "-p", "", "-w"])
            .arg(&other_key),
        "tauri signer generate (another key)",
    );
    run(
        Command::new(&tauri)
            .args(["signer", "sign", "-p", "", "--app-version", B, "-f"])
            .arg(&other_key)
            .arg(&b),
        "tauri signer sign",
    );
    let foreign =
        std::fs::read_to_string(b.with_extension("deb.sig")).expect("the other signature");
    assert_ne!(foreign, signature);
    let genuine = std::fs::read(&b).expect("B's package");
    // One byte changed near the end: the package still looks like one, its signature fails.
    let mut tampered = genuine.clone();
    let at = tampered.len() - 100;
    tampered[at] ^= 0x5a;

    run(Command::new("dpkg").arg("-i").arg(&a), "dpkg -i A");
    let _installed = Installed(package.clone());
    assert_eq!(installed_version(&package).as_deref(), Some(A));

    let releases = Releases {
        manifest: Arc::default(),
        files: Arc::new(vec![
            ("B.deb".to_owned(), genuine),
            ("tampered.deb".to_owned(), tampered),
        ]),
        looks: Arc::default(),
        downloads: Arc::default(),
    };
    releases.offer(port, "tampered.deb", &signature);
    releases.clone().serve(listener);

    bounded(async move {
        let Some(driver) = Driver::start().await else {
            return;
        };
        let binary = Path::new(INSTALLED);
        let data = tempfile::tempdir().expect("data dir");

        // A kiosk of A: it never looks by itself; its administrator's check finds B.
        let kiosk_root = tempfile::tempdir().expect("kiosk root");
        let kiosk_data = super::kiosk::offline_kiosk(kiosk_root.path(), "更新", 300, &[]);
        let kiosk = driver
            .launch_binary_until(binary, &kiosk_data, &[], "[data-testid=kiosk-welcome]")
            .await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            releases.looks.load(Ordering::SeqCst),
            0,
            "a kiosk looked for updates by itself"
        );
        kiosk.click("[data-testid=kiosk-admin]").await;
        kiosk.type_into("[data-testid=kiosk-pin]", "13579").await;
        kiosk.click("[data-testid=kiosk-pin-submit]").await;
        kiosk.click("[data-testid=kiosk-check-update]").await;
        kiosk
            .wait_text(
                "[data-testid=kiosk-update-result]",
                &format!("有新版本 {B}"),
            )
            .await;
        kiosk.wait_css("[data-testid=kiosk-install-update]").await;
        kiosk.shot("update-kiosk-admin").await;
        assert_eq!(releases.looks.load(Ordering::SeqCst), 1);
        kiosk.quit().await;

        // The citizen's A looks at start and offers B.
        let app = driver
            .launch_binary_until(binary, data.path(), &[], "[data-testid=app][data-ready]")
            .await;
        assert_eq!(running_version(&app).await, A);
        app.wait_css("[data-testid=update-prompt]").await;
        assert!(releases.looks.load(Ordering::SeqCst) >= 2);
        app.wait_text("[data-testid=update-offer]", B).await;
        app.shot("update-offer").await;
        // Nothing is downloaded before the citizen says yes.
        assert!(releases.downloads.lock().expect("releases lock").is_empty());

        // The tampered package is downloaded, refused, and A keeps running.
        app.click("[data-testid=update-now]").await;
        app.wait_text("[data-testid=update-error]", "签名不对")
            .await;
        app.shot("update-refused").await;
        assert_eq!(
            *releases.downloads.lock().expect("releases lock"),
            ["tampered.deb"]
        );
        assert_eq!(installed_version(&package).as_deref(), Some(A));
        assert_eq!(running_version(&app).await, A);

        // B's own package, with a signature by another key than the one built into A: refused.
        releases.offer(port, "B.deb", &foreign);
        app.click("[data-testid=update-now]").await;
        eventually(
            Duration::from_secs(20),
            "the package under another key's signature to be downloaded",
            || async {
                (releases.downloads.lock().expect("releases lock").len() == 2).then_some(())
            },
        )
        .await;
        app.wait_text("[data-testid=update-error]", "签名不对")
            .await;
        assert_eq!(installed_version(&package).as_deref(), Some(A));
        assert_eq!(running_version(&app).await, A);

        // The signed package: installed, and the app starts again as B.
        releases.offer(port, "B.deb", &signature);
        let before = app_processes(binary, data.path());
        app.click("[data-testid=update-now]").await;
        eventually(
            Duration::from_secs(180),
            "dpkg to have B installed",
            || async { (installed_version(&package).as_deref() == Some(B)).then_some(()) },
        )
        .await;
        eventually(
            Duration::from_secs(60),
            "the app to start again",
            || async {
                let now = app_processes(binary, data.path());
                (!now.is_empty() && now.iter().all(|p| !before.contains(p))).then_some(())
            },
        )
        .await;
        assert_eq!(
            *releases.downloads.lock().expect("releases lock"),
            ["tampered.deb", "B.deb", "B.deb"]
        );
        // The restarted app runs outside the WebDriver session: it is stopped, and B is opened
        // under the driver to ask it what it is.
        drop(app);
        let app = driver
            .launch_binary_until(binary, data.path(), &[], "[data-testid=app][data-ready]")
            .await;
        assert_eq!(running_version(&app).await, B);
        app.quit().await;
    })
    .await;
}
