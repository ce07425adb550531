//! Where the data lives. The app, `petitionctl` and the tests agree on one rule: an explicit
//! directory (`--data-dir`) wins, then `PETITION_DATA_DIR`, then the OS's per-user app-data
//! directory that stays on this machine (the one Tauri's `app_local_data_dir()` gives for our
//! identifier): on Windows that is `%LOCALAPPDATA%`, not the Roaming folder a domain may copy to
//! a server at every logon; on Linux and macOS the two are the same folder.

use std::path::PathBuf;

/// The app's identifier (reverse DNS), also in `src-tauri/tauri.conf.json`.
pub const APP_IDENTIFIER: &str = "org.petitiondesk.desktop";

/// The environment variable that may stand in for `--data-dir`.
pub const DATA_DIR_ENV: &str = "PETITION_DATA_DIR";

/// The OS's local app-data directory for Petition Desk, if the OS has one.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_local_dir().map(|d| d.join(APP_IDENTIFIER))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_folder_wins_over_the_default() {
        let dir = PathBuf::from("/srv/kiosk-data");
        assert_eq!(resolve_data_dir(Some(dir.clone())), Some(dir));
    }

    /// Windows: the data stays on the machine (`%LOCALAPPDATA%`), never in the Roaming profile.
    #[cfg(windows)]
    #[test]
    fn on_windows_the_data_is_in_the_local_app_data_folder() {
        let dir = default_data_dir().expect("Windows has an app-data folder");
        let text = dir.to_string_lossy().to_lowercase();
        assert!(
            text.ends_with(r"appdata\local\org.petitiondesk.desktop"),
            "{}",
            dir.display()
        );
        assert!(!text.contains("roaming"), "{}", dir.display());
    }
}
