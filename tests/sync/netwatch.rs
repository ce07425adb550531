//! A network that comes back is tried at once (issue 14, defect 6): in a network namespace of its
//! own, `petitionctl sync` backs off for up to an hour while the bureau is down; the bureau comes
//! up, and a network interface appears (as when a cable is plugged in or Wi-Fi joins). The
//! petition is delivered within seconds, long before the retry that was scheduled.
//!
//! Everything runs inside the namespace (its own loopback), so nothing here touches the machine's
//! network. The data folder is in passphrase mode: the session bus, an abstract socket, is not
//! reachable from another network namespace.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use petition_tests::{Service, free_port, require, run_with_input, workspace_bin};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::complete_values;

const PASS: &str = "网络测试口令 2026";
/// The longest wait between retries the sync is given: long enough that only a wake-up can
/// explain a delivery within seconds.
const HOUR_MS: &str = "3600000";

/// A network namespace, deleted when dropped.
struct Namespace(String);

impl Namespace {
    fn create() -> Option<Namespace> {
        let name = format!("pd-test-{}-{}", std::process::id(), free_port());
        let made = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return None;
        }
        let ns = Namespace(name);
        ns.run("ip", &["link", "set", "lo", "up"]);
        Some(ns)
    }

    /// `program args…` inside the namespace.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.0]).arg(program);
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) {
        let status = self
            .command(program)
            .args(args)
            .status()
            .expect("ip netns exec runs");
        assert!(status.success(), "{program} {args:?} in the namespace");
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ctl(ns: &Namespace, data: &Path) -> Command {
    let mut cmd = ns.command(workspace_bin("petitionctl"));
    cmd.arg("--data-dir")
        .arg(data)
        .env("PETITION_PASSPHRASE", PASS)
        .env("PETITION_LOG_DIR", data.join("logs"))
        .env("LANG", "en_US.UTF-8")
        .env_remove("PETITION_DATA_DIR");
    cmd
}

fn ok(out: std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_network_that_comes_back_is_tried_at_once_not_after_the_backoff() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !require("root, to make a network namespace (ip netns)", is_root) {
        return;
    }
    let made = Namespace::create();
    if !require("ip netns (iproute2)", made.is_some()) {
        return;
    }
    let Some(ns) = made else { return };
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    let bureau_dir = root.path().join("bureau");
    let bureau = |args: &[&str]| {
        ok(
            Command::new(workspace_bin("petition-bureau"))
                .arg("--data-dir")
                .arg(&bureau_dir)
                .args(args)
                .output()
                .expect("petition-bureau runs"),
            "petition-bureau",
        )
    };
    let token = bureau(&["token", "create", "--kind", "citizen", "--name", "网络"])
        .trim()
        .to_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    ok(
        run_with_input(
            ctl(&ns, &data).args(["key", "init", "--passphrase"]),
            &format!("{PASS}\n{PASS}\n"),
        ),
        "key init",
    );
    // The bureau is down: the sign-in is kept for later.
    ok(
        ctl(&ns, &data)
            .args(["login", "--bureau", &base, "--token", &token])
            .output()
            .expect("login"),
        "login",
    );
    let mut new = ctl(&ns, &data);
    new.args(["draft", "new"]);
    for (field, value) in complete_values(1) {
        new.args(["--set", &format!("{}={value}", field.key())]);
    }
    let id = ok(new.output().expect("draft new"), "draft new")
        .trim()
        .to_owned();
    ok(
        ctl(&ns, &data)
            .args(["submit", &id])
            .output()
            .expect("submit"),
        "submit",
    );

    let _sync = Service::spawn(
        ctl(&ns, &data)
            .arg("sync")
            .env("PETITION_SYNC_BACKOFF_CAP_MS", HOUR_MS)
            .env("PETITION_SYNC_BACKOFF_BASE_MS", HOUR_MS)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
    .expect("sync starts");
    // Wait for a retry drawn far away (the backoff's jitter may draw a short one: then the next).
    let started = Instant::now();
    let scheduled = loop {
        let out = ok(
            ctl(&ns, &data)
                .args(["outbox", "--json"])
                .output()
                .expect("outbox"),
            "outbox",
        );
        let items: serde_json::Value = serde_json::from_str(&out).expect("outbox JSON");
        let next = items[0]["next_attempt_at"]
            .as_str()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        if let Some(next) = next
            && next - OffsetDateTime::now_utc() > time::Duration::minutes(1)
        {
            break next;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the sync never backed off for long: {items}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };

    // The bureau comes up, and the network changes.
    let _server = Service::spawn(
        ns.command(workspace_bin("petition-bureau"))
            .arg("--data-dir")
            .arg(&bureau_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    )
    .expect("the bureau starts");
    std::thread::sleep(Duration::from_secs(1));
    // A cable plugged in: a link with an address (a veth pair; this kernel has no dummy links).
    ns.run(
        "ip",
        &[
            "link", "add", "pdtest0", "type", "veth", "peer", "name", "pdtest1",
        ],
    );
    ns.run("ip", &["addr", "add", "10.77.0.2/24", "dev", "pdtest0"]);
    ns.run("ip", &["link", "set", "pdtest0", "up"]);
    ns.run("ip", &["link", "set", "pdtest1", "up"]);

    let changed = Instant::now();
    let code = loop {
        let out = ok(
            ctl(&ns, &data)
                .args(["status", &id, "--json"])
                .output()
                .expect("status"),
            "status",
        );
        let status: serde_json::Value = serde_json::from_str(&out).expect("status JSON");
        if let Some(code) = status["tracking_code"].as_str() {
            break code.to_owned();
        }
        assert!(
            changed.elapsed() < Duration::from_secs(60),
            "not delivered a minute after the network changed (the retry was due at {scheduled})"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        OffsetDateTime::now_utc() < scheduled,
        "delivered only at the scheduled retry"
    );
    assert!(code.starts_with("XF-"), "{code}");
}
