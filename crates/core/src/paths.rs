//! Where the data lives. The app, `petitionctl` and the tests agree on one rule: an explicit
//! directory (`--data-dir`) wins, then `PETITION_DATA_DIR`, then the OS's per-user app-data
//! directory (the same one Tauri's `app_data_dir()` gives for our identifier).

use std::path::PathBuf;

/// The app's identifier (reverse DNS), also in `src-tauri/tauri.conf.json`.
pub const APP_IDENTIFIER: &str = "org.petitiondesk.desktop";

/// The environment variable that may stand in for `--data-dir`.
pub const DATA_DIR_ENV: &str = "PETITION_DATA_DIR";

/// The OS's app-data directory for Petition Desk, if the OS has one.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER))
}

/// The data directory to use: `explicit`, else `PETITION_DATA_DIR`, else [`default_data_dir`].
pub fn resolve_data_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| {
            std::env::var_os(DATA_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(default_data_dir)
}
