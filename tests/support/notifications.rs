//! Desktop notifications as the app asks for them: `dbus-monitor` on the test's session bus sees
//! every `org.freedesktop.Notifications.Notify` call, whether or not a notification daemon is
//! there to show it (Xvfb has none).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One `Notify` call: its summary (title) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub summary: String,
    pub body: String,
}

/// Watches the session bus for notification requests until dropped.
#[derive(Debug)]
pub struct NotificationWatch {
    child: Child,
    seen: Arc<Mutex<Vec<Notification>>>,
}

impl NotificationWatch {
    /// Starts `dbus-monitor`; `None` (after `require` said why) without a session bus or the tool.
    pub fn start() -> Option<NotificationWatch> {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
        if !crate::require("a D-Bus session (dbus-run-session)", bus) {
            return None;
        }
        let spawned = Command::new("dbus-monitor")
            .args([
                "--session",
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        if !crate::require("dbus-monitor (Debian's dbus)", spawned.is_ok()) {
            return None;
        }
        let mut child = spawned.ok()?;
        let stdout = child.stdout.take()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        std::thread::spawn(move || {
            // A Notify call is followed by its arguments, one a line: app name, replaces id,
            // icon, summary, body, …
            let mut args: Option<Vec<String>> = None;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("method call") {
                    args = line.contains("member=Notify").then(Vec::new);
                } else if let Some(a) = args.as_mut() {
                    if let Some(text) = line.trim().strip_prefix("string ") {
                        a.push(text.trim_matches('"').to_owned());
                    } else if line.trim().starts_with("uint32") || line.trim().starts_with("int32")
                    {
                        a.push(String::new());
                    }
                    if a.len() == 5 {
                        if let Ok(mut seen) = sink.lock() {
                            seen.push(Notification {
                                summary: a[3].clone(),
                                body: a[4].clone(),
                            });
                        }
                        args = None;
                    }
                }
            }
        });
        // Give the monitor a moment to be registered with the bus.
        std::thread::sleep(Duration::from_millis(300));
        Some(NotificationWatch { child, seen })
    }

    /// Every notification asked for so far.
    pub fn seen(&self) -> Vec<Notification> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for NotificationWatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
