//! The real app under Xvfb, driven through tauri-driver and WebKitWebDriver (fantoccini as the
//! WebDriver client).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use crate::{Service, eventually, free_port, require};

const WAIT: Duration = Duration::from_secs(20);

/// The longest one end-to-end test may run. The slowest takes about 75 s here; a hang (a window
/// that stopped answering, as the kiosk did for 14 minutes while GTK's CUPS backend looked for
/// printers) fails its test in minutes instead of at CI's limit.
pub const TEST_LIMIT: Duration = Duration::from_secs(6 * 60);

/// Runs an end-to-end test's `body` as a task of its own and fails the test, saying so, if it
/// has not finished within [`TEST_LIMIT`]. The body is then dropped, which stops its
/// tauri-driver and with it the app.
pub async fn bounded(body: impl Future<Output = ()> + Send + 'static) {
    let test = std::thread::current()
        .name()
        .unwrap_or("an end-to-end test")
        .to_owned();
    let mut task = tokio::spawn(body);
    match tokio::time::timeout(TEST_LIMIT, &mut task).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("{test}: {e}"),
        },
        Err(_) => {
            task.abort();
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
            panic!(
                "{test} did not finish within {} minutes: a step hangs (the app stopped answering?)",
                TEST_LIMIT.as_secs() / 60
            );
        }
    }
}

/// The release app binary (`PETITION_APP_BIN`, else `<target>/release/petition-desk`).
pub fn app_binary() -> PathBuf {
    std::env::var_os("PETITION_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            crate::profile_dir()
                .parent()
                .expect("target dir")
                .join("release")
                .join(format!("petition-desk{}", std::env::consts::EXE_SUFFIX))
        })
}

/// The tests' one X display. Apps share it; a test whose window must hold the keyboard focus
/// (only the focused window draws focus rings) has it alone.
static DISPLAY: std::sync::LazyLock<Arc<RwLock<()>>> =
    std::sync::LazyLock::new(|| Arc::new(RwLock::new(())));

#[derive(Debug)]
enum OnDisplay {
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

/// tauri-driver on free ports, ready for sessions.
#[derive(Debug)]
pub struct Driver {
    url: String,
    _service: Service,
    _display: OnDisplay,
    /// The apps' temporary folder (`TMPDIR`), to see what they leave there.
    tmp: tempfile::TempDir,
}

impl Driver {
    /// Starts tauri-driver, or returns `None` (skipping) where the machine cannot run the app.
    /// Its windows share the display with other tests' windows.
    pub async fn start() -> Option<Driver> {
        let display = OnDisplay::Shared(DISPLAY.clone().read_owned().await);
        Driver::start_on(display).await
    }

    /// As [`Driver::start`], once no other test has a window on the display, and none opens one
    /// until this driver is dropped: its window keeps the keyboard focus.
    pub async fn start_alone() -> Option<Driver> {
        let display = OnDisplay::Alone(DISPLAY.clone().write_owned().await);
        Driver::start_on(display).await
    }

    /// As [`Driver::start_alone`], with `env` set for tauri-driver and so for the apps it starts.
    pub async fn start_alone_with_env(env: &[(&str, &std::ffi::OsStr)]) -> Option<Driver> {
        let display = OnDisplay::Alone(DISPLAY.clone().write_owned().await);
        Driver::start_on_with(display, env).await
    }

    /// As [`Driver::start`], with `env` set for tauri-driver and so for every app it starts (a
    /// session bus without a keyring, say).
    pub async fn start_with_env(env: &[(&str, &std::ffi::OsStr)]) -> Option<Driver> {
        let display = OnDisplay::Shared(DISPLAY.clone().read_owned().await);
        Driver::start_on_with(display, env).await
    }

    async fn start_on(display: OnDisplay) -> Option<Driver> {
        Driver::start_on_with(display, &[]).await
    }

    async fn start_on_with(display: OnDisplay, env: &[(&str, &std::ffi::OsStr)]) -> Option<Driver> {
        let app = app_binary();
        let has_display = std::env::var_os("DISPLAY").is_some();
        let has_driver = Command::new("tauri-driver").arg("--help").output().is_ok();
        if !require("a display (run under xvfb-run)", has_display)
            || !require("tauri-driver (cargo install tauri-driver)", has_driver)
            || !require(
                &format!("the release app at {}", app.display()),
                app.exists(),
            )
        {
            return None;
        }
        let port = free_port();
        let native_port = free_port();
        let tmp = tempfile::tempdir().expect("a temp dir for the apps");
        let service = Service::spawn(
            Command::new("tauri-driver")
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native_port.to_string(),
                ])
                // No speech engine unless the test brings one (`speech::Speech`): an app would
                // otherwise start the machine's own speech-dispatcher, whatever it can do.
                .env("SPEECHD_ADDRESS", no_speech(tmp.path()))
                .envs(env.iter().copied())
                .env("TMPDIR", tmp.path()),
        )
        .expect("start tauri-driver");
        let url = format!("http://127.0.0.1:{port}");
        eventually(WAIT, "tauri-driver to listen", || async {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        })
        .await;
        Some(Driver {
            url,
            _service: service,
            _display: display,
            tmp,
        })
    }

    /// The temporary folder of the apps this driver launches (their `TMPDIR`).
    pub fn temp_dir(&self) -> &Path {
        self.tmp.path()
    }

    /// Launches the app on `data_dir` (with `extra` arguments) and waits until its UI is ready.
    pub async fn launch(&self, data_dir: &Path, extra: &[&str]) -> App {
        self.launch_until(data_dir, extra, "[data-testid=app][data-ready]")
            .await
    }

    /// Launches the app and waits until `ready_css` is on the page (a kiosk's welcome screen).
    pub async fn launch_until(&self, data_dir: &Path, extra: &[&str], ready_css: &str) -> App {
        self.launch_binary_until(&app_binary(), data_dir, extra, ready_css)
            .await
    }

    /// As [`Driver::launch_until`], with the app at `binary` (one a package installed).
    pub async fn launch_binary_until(
        &self,
        binary: &Path,
        data_dir: &Path,
        extra: &[&str],
        ready_css: &str,
    ) -> App {
        let mut args = vec![
            "--data-dir".to_owned(),
            data_dir.to_str().expect("utf-8 temp path").to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary, "args": args }),
        );
        // WebKitWebDriver now and then drops the new-session request on a busy machine (seen as
        // `IncompleteMessage` before any app output): try again, after stopping whatever the
        // failed attempt may have started on this data dir. An app that cannot start fails all
        // three.
        let mut attempt = 0;
        let client = loop {
            attempt += 1;
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&self.url)
                .await
            {
                Ok(client) => break client,
                Err(e) if attempt < 3 => {
                    eprintln!("a WebDriver session did not start ({e}); trying again");
                    for pid in app_processes(binary, data_dir) {
                        let _ = Command::new("kill").args(["-KILL", &pid]).status();
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("a WebDriver session with the app: {e:?}"),
            }
        };
        let app = App {
            client,
            binary: binary.to_owned(),
            data_dir: data_dir.to_owned(),
            quit: false,
        };
        app.wait_css(ready_css).await;
        app
    }
}

/// One running app window.
#[derive(Debug)]
pub struct App {
    pub client: Client,
    /// The app's executable.
    binary: PathBuf,
    /// Names the app's process (`--data-dir` and a temp path of its own).
    data_dir: PathBuf,
    /// Whether the session was ended with [`App::quit`].
    quit: bool,
}

/// A test that fails or hangs drops its app without ending the session, and stopping
/// tauri-driver leaves the app running: its window would stand in for the next test's, a hung
/// one spins on. It is killed here, found by its own data directory; after [`App::quit`] there
/// is nothing to find.
impl Drop for App {
    fn drop(&mut self) {
        if self.quit {
            return;
        }
        for pid in app_processes(&self.binary, &self.data_dir) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
}

/// The processes of the app at `binary` started on `data_dir` (from `/proc`: the end-to-end
/// tests run on Linux).
pub fn app_processes(binary: &Path, data_dir: &Path) -> Vec<String> {
    use std::os::unix::ffi::OsStrExt;
    let (binary, dir) = (
        binary.as_os_str().as_bytes(),
        data_dir.as_os_str().as_bytes(),
    );
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().into_string().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let ours = args.first() == Some(&binary)
                && args
                    .windows(2)
                    .any(|w| w[0] == b"--data-dir" && w[1] == dir);
            ours.then_some(pid)
        })
        .collect()
}

/// A `SPEECHD_ADDRESS` no speech-dispatcher serves, and none is started for (speech-dispatcher's
/// own clients start one only on the default socket).
fn no_speech(dir: &Path) -> std::ffi::OsString {
    let mut address = std::ffi::OsString::from("unix_socket:");
    address.push(dir.join("no-speech.sock"));
    address
}

impl App {
    pub async fn wait_css(&self, css: &str) -> Element {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self
                .client
                .wait()
                .at_most(left)
                .for_element(Locator::Css(css))
                .await
            {
                Ok(element) => return element,
                // WebKitWebDriver answers a lookup that a page load cut short with this error
                // instead of looking again on the new page: look again, within the same time.
                Err(e) if e.to_string().contains("before the unload event") && !left.is_zero() => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no element `{css}`: {e}"),
            }
        }
    }

    pub async fn click(&self, css: &str) {
        self.wait_css(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e:?}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait_css(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    /// Fills the form's field `key` with `text` the way a person does: types into a text field,
    /// or picks the option whose value is `text` when the catalogue made the field a list.
    pub async fn fill(&self, key: &str, text: &str) {
        let css = format!("#f-{key}");
        let tag = self.wait_css(&css).await.tag_name().await;
        match tag {
            Ok(tag) if tag.eq_ignore_ascii_case("select") => {
                self.click(&format!("{css} option[value='{text}']")).await;
            }
            _ => self.type_into(&css, text).await,
        }
    }

    /// Starts a new petition and waits until its form is open: the app puts the focus in the
    /// name field last, so a field typed into before that loses the focus (and the place picker
    /// its list) when it comes.
    pub async fn new_draft(&self) {
        self.click("[data-testid=new-draft]").await;
        self.wait_css("#f-name:focus").await;
    }

    /// Chooses a place in the form's place picker with the keyboard alone: types `typed` into its
    /// search box (which must have the focus or take it), moves down the matches until `code`
    /// is the active one, and presses Enter. Returns once the choice is shown.
    pub async fn choose_place(&self, typed: &str, code: &str) {
        const DOWN: &str = "\u{E015}";
        const ENTER: &str = "\u{E007}";
        self.type_into("#f-region", typed).await;
        self.wait_css(&format!("#place-options [role=option][data-code='{code}']"))
            .await;
        // The matches of the first characters may still be replaced by those of all of them (seen
        // once in CI: the list changed under the arrow keys): wait until it holds still.
        let codes = "return [...document.querySelectorAll('#place-options [role=option]')].map(o => o.dataset.code).join(' ')";
        let mut seen = self.js(codes).await;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = self.js(codes).await;
            if now == seen && now.as_str().is_some_and(|s| s.contains(code)) {
                break;
            }
            seen = now;
        }
        let active = "return document.querySelector('#place-options [aria-selected=true]')?.dataset.code ?? null";
        // Each ↓ is waited for until the UI has moved on: read too early, the old option looks
        // like the new one and the next ↓ goes past the place (seen in CI on a loaded machine).
        for _ in 0..45 {
            let before = self.js(active).await;
            if before == code {
                break;
            }
            self.press(DOWN).await;
            for _ in 0..40 {
                if self.js(active).await != before {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert_eq!(
            self.js(active).await,
            code,
            "`{code}` is among the matches of {typed:?}"
        );
        self.press(ENTER).await;
        self.wait_css("[data-testid=place-chosen]").await;
    }

    /// The element's `value`, read again if the UI re-rendered it in between.
    pub async fn value(&self, css: &str) -> String {
        self.wait_css(css).await;
        eventually(WAIT, &format!("the value of `{css}`"), || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            el.prop("value").await.ok().map(Option::unwrap_or_default)
        })
        .await
    }

    /// Waits until the element's `value` is `expected` (a form still showing the draft before
    /// the one just clicked catches up).
    pub async fn wait_value(&self, css: &str, expected: &str) {
        self.wait_css(css).await;
        eventually(WAIT, &format!("`{css}` to hold {expected:?}"), || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            let value = el.prop("value").await.ok()?.unwrap_or_default();
            (value == expected).then_some(())
        })
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_css(css).await.text().await.expect("element text")
    }

    /// Waits until the element's text contains `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) {
        eventually(WAIT, &format!("`{css}` to say `{needle}`"), || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            el.text().await.ok().filter(|t| t.contains(needle))
        })
        .await;
    }

    /// Waits until exactly `n` elements match.
    pub async fn wait_count(&self, css: &str, n: usize) {
        eventually(WAIT, &format!("{n} × `{css}`"), || async {
            (self.count(css).await == n).then_some(())
        })
        .await;
    }

    /// How many elements match.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    /// Sends keys (WebDriver's key codes) to whatever has the focus, as a keyboard would.
    pub async fn press(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .expect("something has the focus")
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("pressing keys: {e}"));
    }

    /// Moves the focus with Tab, as a keyboard user does, until it is on the element `css`
    /// (at most 40 presses; none when it is there already).
    pub async fn tab_to(&self, css: &str) {
        let test = format!(
            "return !!document.activeElement && document.activeElement.matches({})",
            serde_json::to_string(css).expect("a string")
        );
        for _ in 0..40 {
            if self.js(&test).await == serde_json::Value::Bool(true) {
                return;
            }
            self.press("\u{E004}").await;
        }
        let at = self
            .js("return document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''")
            .await;
        panic!("40 presses of Tab did not reach `{css}` (the focus is on {at})");
    }

    /// Runs JavaScript in the page and returns its value.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
    }

    /// The WCAG 2.1 A and AA violations axe-core finds on the page as it is now, each as its rule
    /// and the elements it found it on; axe-core is the UI's npm package (`npm ci` in `ui`),
    /// injected into the real webview.
    pub async fn axe_violations(&self) -> Vec<String> {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
        let Some(source) = crate::required(
            "axe-core (npm ci in ui)",
            std::fs::read_to_string(&path).ok(),
        ) else {
            return Vec::new();
        };
        self.client
            .execute(&format!("{source}\n;return typeof axe;"), vec![])
            .await
            .expect("axe-core loads");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }) \
                   .then((r) => done(r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`))) \
                   .catch((e) => done([`axe-core failed: ${e}`]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        serde_json::from_value(found).expect("a list of violations")
    }

    /// With `PETITION_E2E_SHOTS=DIR`, saves what the window shows as DIR/NAME.png, to look at;
    /// nothing otherwise.
    pub async fn shot(&self, name: &str) {
        let Some(dir) = std::env::var_os("PETITION_E2E_SHOTS") else {
            return;
        };
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(Path::new(&dir).join(format!("{name}.png")), png);
        }
    }

    /// Ends the session, which quits the app.
    pub async fn quit(mut self) {
        self.client
            .clone()
            .close()
            .await
            .expect("close the session");
        self.quit = true;
        // The data directory's lock goes with the process: the next launch on it must not find
        // this one still closing (on a loaded machine that took more than the half second once
        // waited here, and the relaunch found the folder in use).
        let start = std::time::Instant::now();
        while !app_processes(&self.binary, &self.data_dir).is_empty() && start.elapsed() < WAIT {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
