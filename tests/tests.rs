//! Petition Desk's cross-crate and end-to-end tests: one test binary, one module per subject.

mod attachments;
mod bureau;
mod cli;
mod crash;
// The real app under Xvfb through WebKitWebDriver, and the keyring as gnome-keyring holds it: Linux.
#[cfg(not(windows))]
mod e2e;
mod hardening;
#[cfg(not(windows))]
mod privacy;
mod sync;
