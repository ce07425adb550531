use petition_core::i18n::Lang;
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::state::{AppState, LANGUAGE_SETTING};

/// What the UI needs before its first paint.
#[derive(Debug, Serialize)]
pub struct AppInfo {
    /// `zh-CN` or `en`.
    pub language: &'static str,
    /// Why the data could not be opened, if it could not.
    pub error: Option<CommandError>,
    /// Kiosk mode, when on: what the kiosk UI needs (folder paths stay on this side).
    pub kiosk: Option<KioskView>,
}

#[derive(Debug, Serialize)]
pub struct KioskView {
    pub idle_seconds: u32,
    pub countdown_seconds: u32,
    pub folders: Vec<FolderView>,
    /// Whether receipts print here without a dialog (Linux, Windows); the print button shows only
    /// then.
    pub can_print: bool,
}

#[derive(Debug, Serialize)]
pub struct FolderView {
    pub index: usize,
    pub label: String,
}

#[tauri::command]
pub fn app_state(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        language: state.lang().tag(),
        error: state.store().err(),
        kiosk: state.kiosk_config().map(|k| KioskView {
            idle_seconds: k.idle_seconds,
            countdown_seconds: k.countdown_seconds,
            folders: k
                .folders
                .into_iter()
                .enumerate()
                .map(|(index, f)| FolderView {
                    index,
                    label: f.label,
                })
                .collect(),
            can_print: crate::print::CAN_PRINT_SILENTLY,
        }),
    }
}

#[tauri::command]
pub async fn set_language(
    state: State<'_, AppState>,
    language: String,
) -> Result<(), CommandError> {
    let lang = Lang::parse(&language).unwrap_or_default();
    state
        .store()?
        .set_setting(LANGUAGE_SETTING, lang.tag())
        .await
        .map_err(|e| state.err(e))?;
    state.set_lang(lang);
    Ok(())
}

/// Opens data kept with an administrator passphrase (machines without an OS keyring), then
/// starts syncing. A wrong passphrase is `wrong_data_key`, and nothing changes on disk.
#[tauri::command]
pub async fn unlock_data<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<(), CommandError> {
    let passphrase = petition_core::keys::Passphrase::new(passphrase);
    state.unlock(passphrase).await?;
    if let Some(engine) = state.engine_to_start() {
        crate::start_engine(app, engine);
    }
    Ok(())
}
