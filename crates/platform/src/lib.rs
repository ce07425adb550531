//! What Petition Desk needs from the OS beyond what `std` offers safely. Every `unsafe` block of
//! the workspace is in this crate, in the module of its OS (`windows`), each with a `// SAFETY:`
//! comment; every other crate forbids `unsafe` outright.

pub mod fs;

#[cfg(windows)]
#[allow(unsafe_code)]
mod windows;

/// WebView2 on Windows: kiosk printing to a named printer, and the kiosk's webview locked down.
#[cfg(windows)]
pub use windows::webview2;
