//! A screen of its own size for one test: a second Xvfb display (`Xvfb -displayfd`), so the app
//! can be seen on a 1024×768 or 1366×768 monitor, or on a 1920×1080 one at 200 % scaling,
//! while the other tests keep the shared display.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::{Service, require};

/// A running Xvfb display, stopped when dropped.
#[derive(Debug)]
pub struct Screen {
    /// `:N`, for `DISPLAY`.
    pub display: String,
    _server: Service,
}

impl Screen {
    /// Starts a `width`×`height` display, or returns `None` (skipping) where Xvfb is missing.
    pub fn start(width: u32, height: u32) -> Option<Screen> {
        let has_xvfb = Command::new("sh")
            .args(["-c", "command -v Xvfb"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !require("Xvfb (apt-get install xvfb)", has_xvfb) {
            return None;
        }
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        // Xvfb writes the display's number once it accepts clients.
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("Xvfb's stdout"))
            .read_line(&mut line)
            .expect("Xvfb's display number");
        let number: u32 = line.trim().parse().expect("a display number from Xvfb");
        Some(Screen {
            display: format!(":{number}"),
            _server: Service { child },
        })
    }
}
