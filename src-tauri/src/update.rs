//! Signed updates, through tauri-plugin-updater.
//!
//! A release build carries the public half of the project's update key and the address of its
//! update manifest (`plugins.updater` in the configuration, which the release workflow fills in
//! from the repository's settings); the private half never leaves the release workflow's
//! secrets. A build without them (a developer's, or one made from this repository as it is) has
//! no updates: it looks for none, and the administrator's 检查更新 says so.
//!
//! The manifest names the new version and, for each kind of installer, a file and its minisign
//! signature. The file is downloaded whole and checked against the public key before anything is
//! installed; a file or a signature that does not match, or a signature made for another version
//! than the one announced (`requireSignedVersion`), is refused and the running version stays.
//!
//! A citizen's app looks at start and then once a day, and asks before installing (the UI's
//! `UpdatePrompt`). A kiosk never looks by itself: its administrator checks and installs from the
//! admin panel, with the PIN.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_updater::{Error, UpdaterExt};

use petition_core::i18n::Lang;

use crate::{AppState, CommandError};

/// What the last look found, for a page that was not listening yet.
#[derive(Default)]
pub struct Updates {
    pending: Mutex<Option<UpdateOffer>>,
}

/// A newer version, as the UI offers it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UpdateOffer {
    /// The version the manifest announces, e.g. `0.2.0`.
    pub version: String,
    /// The version running now.
    pub current_version: String,
    /// What the release says is new (the manifest's `notes`), as the project wrote it.
    pub notes: Option<String>,
}

/// How long the manifest may take to answer.
const CHECK_LIMIT: Duration = Duration::from_secs(30);
/// How long the package may take to download (about 10 MB).
const DOWNLOAD_LIMIT: Duration = Duration::from_secs(20 * 60);

/// Whether this build was made with an update key and a manifest address.
pub fn configured(config: &tauri::Config) -> bool {
    config
        .plugins
        .0
        .get("updater")
        .is_some_and(|u| u["pubkey"].as_str().is_some_and(|k| !k.trim().is_empty()))
}

/// Asks the update manifest whether a newer version is out. `None`: this is the newest. In
/// kiosk mode only the administrator may ask.
#[tauri::command]
#[specta::specta]
pub async fn check_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    updates: State<'_, Updates>,
) -> Result<Option<UpdateOffer>, CommandError> {
    let found = look(&app, &state, &updates).await?;
    Ok(found.as_ref().map(offer))
}

/// Asks the manifest, for whoever may ask: a citizen, or a kiosk's administrator with the PIN.
/// What it found is kept for [`pending_update`].
async fn look<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    updates: &Updates,
) -> Result<Option<tauri_plugin_updater::Update>, CommandError> {
    if state.is_kiosk() {
        state.require_admin()?;
    }
    let lang = state.lang();
    if !configured(app.config()) {
        return Err(Refused::NotSetUp.to_ui(lang));
    }
    let found = app
        .updater_builder()
        .timeout(CHECK_LIMIT)
        .build()
        .map_err(|e| refused(&e, lang))?
        .check()
        .await
        .map_err(|e| refused(&e, lang))?;
    match &found {
        Some(update) => tracing::info!(version = %update.version, "an update is available"),
        None => tracing::info!("no update: this is the newest version"),
    }
    *updates.pending.lock().expect("updates lock") = found.as_ref().map(offer);
    Ok(found)
}

/// The update the daily look found and the citizen has not answered yet (the UI asks on start,
/// in case the look finished before the page listened for `update-available`).
#[tauri::command]
#[specta::specta]
pub fn pending_update(updates: State<'_, Updates>) -> Option<UpdateOffer> {
    updates.pending.lock().expect("updates lock").clone()
}

fn offer(u: &tauri_plugin_updater::Update) -> UpdateOffer {
    UpdateOffer {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone(),
    }
}

/// Asks the manifest again (the file may have been replaced since the last look, or withdrawn),
/// downloads the newest version, checks its signature and installs it, then starts the new
/// version (on Windows the installer does that). Returns only when something failed: the running
/// version stays, and nothing the user wrote is touched (drafts live in the data folder, which no
/// installer changes).
#[tauri::command]
#[specta::specta]
pub async fn install_update<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    updates: State<'_, Updates>,
) -> Result<(), CommandError> {
    let lang = state.lang();
    let found = look(&app, &state, &updates).await?;
    let Some(mut update) = found else {
        return Err(Refused::NoneNow.to_ui(lang));
    };
    // A slow line may take long over the package; one that stalls fails in the end.
    update.timeout = Some(DOWNLOAD_LIMIT);
    tracing::info!(version = %update.version, "downloading the update");
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(|e| refused(&e, lang))?;
    tracing::info!(
        version = %update.version,
        bytes = bytes.len(),
        "the update's signature matches; installing it"
    );
    // The installer (dpkg through pkexec or sudo, msiexec or NSIS) may wait for an
    // administrator's password: off the async runtime's threads.
    tokio::task::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|_| Refused::InstallFailed.to_ui(lang))?
        .map_err(|e| refused(&e, lang))?;
    tracing::info!("the update is installed; starting the new version");
    app.restart()
}

/// Looks for an update at start and then once a day, on a citizen's machine with updates set
/// up; the UI is told (`update-available`) and asks the citizen. A failed look (no network) is
/// only logged: the next one comes a day later, and nobody is bothered about it.
pub fn look_daily<R: Runtime>(app: AppHandle<R>) {
    use tauri::{Emitter, Manager};
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    if app.state::<AppState>().is_kiosk() || !configured(app.config()) {
        return;
    }
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(DAY);
        loop {
            tick.tick().await;
            match look(&app, &app.state(), &app.state()).await {
                Ok(Some(update)) => {
                    let _ = app.emit("update-available", offer(&update));
                }
                Ok(None) => {}
                Err(e) => tracing::info!(code = %e.code, "the daily look for an update failed"),
            }
        }
    });
}

/// Why no update was found or installed, as the catalogue names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    /// This build has no update key or manifest address.
    NotSetUp,
    /// Install was asked, but the manifest names no newer version now.
    NoneNow,
    /// The manifest or the file could not be fetched (no network, a server error, a manifest
    /// that is not one or names no file for this machine).
    Unreachable,
    /// The file, or its signature, is not what the project signed.
    BadSignature,
    /// The installer did not finish (the password was not given, dpkg or msiexec failed).
    InstallFailed,
}

impl Refused {
    fn code(self) -> &'static str {
        match self {
            Refused::NotSetUp => "update_not_set_up",
            Refused::NoneNow => "update_none",
            Refused::Unreachable => "update_unreachable",
            Refused::BadSignature => "update_bad_signature",
            Refused::InstallFailed => "update_install_failed",
        }
    }

    /// The plugin's error, sorted. Its own text goes to the log only (it holds addresses and
    /// versions, never anything the user typed).
    fn of(e: &Error) -> Refused {
        let refused = match e {
            Error::Minisign(_)
            | Error::Base64(_)
            | Error::SignatureUtf8(_)
            | Error::SignedVersionMismatch { .. }
            | Error::MissingSignedVersion => Refused::BadSignature,
            Error::Reqwest(_)
            | Error::Network(_)
            | Error::ReleaseNotFound
            | Error::Serialization(_)
            | Error::TargetNotFound(_)
            | Error::TargetsNotFound(_) => Refused::Unreachable,
            Error::EmptyEndpoints | Error::InsecureTransportProtocol | Error::UrlParse(_) => {
                Refused::NotSetUp
            }
            _ => Refused::InstallFailed,
        };
        tracing::warn!(code = refused.code(), error = %e, "update refused");
        refused
    }

    fn to_ui(self, lang: Lang) -> CommandError {
        CommandError::of(self.code(), lang)
    }
}

fn refused(e: &Error, lang: Lang) -> CommandError {
    Refused::of(e).to_ui(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(plugins: serde_json::Value) -> tauri::Config {
        serde_json::from_value(serde_json::json!({
            "identifier": "org.petitiondesk.test",
            "plugins": plugins,
        }))
        .expect("a configuration")
    }

    #[test]
    fn only_a_build_with_an_update_key_looks_for_updates() {
        assert!(!configured(&config(serde_json::json!({}))));
        // The repository's own configuration: the plugin's section, with no key.
        let committed: tauri::Config =
            serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json");
        assert!(!configured(&committed));
        assert!(!configured(&config(
            serde_json::json!({ "updater": { "pubkey": " ", "endpoints": [] } })
        )));
        assert!(configured(&config(serde_json::json!({
            "updater": { "pubkey": "dW50cnVzdGVk", "endpoints": ["https://example.org/latest.json"] }
        }))));
    }

    #[test]
    fn a_signature_that_does_not_match_is_told_apart_from_a_network_failure() {
        let bad = Error::SignedVersionMismatch {
            signed: "0.9.0".into(),
            announced: "0.9.1".into(),
        };
        assert_eq!(Refused::of(&bad), Refused::BadSignature);
        assert_eq!(
            Refused::of(&Error::MissingSignedVersion),
            Refused::BadSignature
        );
        assert_eq!(Refused::of(&Error::ReleaseNotFound), Refused::Unreachable);
        assert_eq!(Refused::of(&Error::EmptyEndpoints), Refused::NotSetUp);
        assert_eq!(
            Refused::of(&Error::PackageInstallFailed),
            Refused::InstallFailed
        );
        // Every refusal is worded in both languages.
        for refused in [
            Refused::NotSetUp,
            Refused::NoneNow,
            Refused::Unreachable,
            Refused::BadSignature,
            Refused::InstallFailed,
        ] {
            assert!(
                petition_core::i18n::has(refused.code()),
                "{}",
                refused.code()
            );
        }
    }
}
