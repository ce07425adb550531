//! Helpers shared by the test modules in `tests.rs`: finding the workspace's binaries, free
//! loopback ports, the attachment corpus ([`corpus`]), and driving the real app through
//! tauri-driver + WebKitWebDriver ([`app`]).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// The app's end-to-end harness (WebKitWebDriver, Xvfb, speech-dispatcher, D-Bus notifications):
// not on Windows, where scripts/test-windows runs the rest under Wine.
#[cfg(not(windows))]
pub mod app;
pub mod corpus;
#[cfg(not(windows))]
pub mod notifications;
#[cfg(not(windows))]
pub mod screen;
#[cfg(not(windows))]
pub mod speech;

/// The target directory's profile folder this test binary was built into (`target/debug`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/debug/deps/tests-xxxx → target/debug
    exe.parent()
        .and_then(Path::parent)
        .expect("test executable lies in <target>/<profile>/deps")
        .to_owned()
}

/// A binary of the workspace, built beside the tests (`cargo build --workspace --bins`), or taken
/// from `PETITION_BIN_DIR` when that is set (a copy of the binaries, for a target dir that other
/// checkouts of the repository build into as well).
pub fn workspace_bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("PETITION_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(profile_dir);
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build the workspace's binaries first (cargo build --workspace --bins), \
         or run the whole suite with scripts/test",
        path.display()
    );
    path
}

/// `petitionctl`, as built beside the tests.
pub fn petitionctl() -> Command {
    let mut cmd = Command::new(workspace_bin("petitionctl"));
    cmd.env_remove("PETITION_DATA_DIR")
        .env("LANG", "en_US.UTF-8");
    cmd
}

/// Runs `cmd` with `input` on its standard input (a PIN or passphrase asked twice, as a
/// provisioning script gives it) and returns what it printed.
pub fn run_with_input(cmd: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to stdin");
    child.wait_with_output().expect("the command ends")
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Set by `scripts/test`: a test may not skip for want of something, it fails (as in CI).
pub const STRICT_ENV: &str = "PETITION_TESTS_STRICT";

/// Whether a test that needs something this machine lacks should go on. Every test that can
/// skip asks here. `false` means skip: it says so on stderr first, past the test harness's
/// capture, so the run's output shows it. Under `scripts/test` ([`STRICT_ENV`]) and in CI (`CI`),
/// which provide everything, a missing thing panics instead, so a run that tested less never
/// passes.
pub fn require(what: &str, available: bool) -> bool {
    use std::io::Write;
    if available {
        return true;
    }
    for strict in [STRICT_ENV, "CI"] {
        if std::env::var_os(strict).is_some_and(|v| !v.is_empty()) {
            panic!("{what} is missing, and no test may be skipped when {strict} is set");
        }
    }
    // The harness names each test's thread after the test.
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {what} is missing ({test}; scripts/test provides it)"
    );
    false
}

/// [`require`] for something a test looks up: `value` when found, `None` to skip.
pub fn required<T>(what: &str, value: Option<T>) -> Option<T> {
    if require(what, value.is_some()) {
        value
    } else {
        None
    }
}

/// Polls `check` until it returns `Some`, or panics after `timeout` with `what`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A child process that is sent SIGTERM (then killed) when dropped.
#[derive(Debug)]
pub struct Service {
    pub child: Child,
}

impl Service {
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Service> {
        let child = cmd.stdin(Stdio::null()).spawn()?;
        Ok(Service { child })
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Windows has no SIGTERM: the process is ended at once.
        #[cfg(windows)]
        {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        #[cfg(not(windows))]
        self.terminate();
    }
}

impl Service {
    #[cfg(not(windows))]
    fn terminate(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would leave it behind.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
