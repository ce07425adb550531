use petition_core::i18n::Lang;
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;
use crate::state::{AppState, FORM_MODE_SETTING, LANGUAGE_SETTING, TEXT_SIZE_SETTING};

/// The text size, 标准 / 大 / 特大: 100, 150 and 200 % of the standard text.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    #[default]
    Standard,
    Large,
    ExtraLarge,
}

impl TextSize {
    pub fn tag(self) -> &'static str {
        match self {
            TextSize::Standard => "standard",
            TextSize::Large => "large",
            TextSize::ExtraLarge => "extra_large",
        }
    }

    /// A kept tag; an unknown one (a later version's) is the standard size.
    pub fn parse(tag: &str) -> TextSize {
        match tag {
            "large" => TextSize::Large,
            "extra_large" => TextSize::ExtraLarge,
            _ => TextSize::Standard,
        }
    }
}

/// How the desktop asks for a petition: the whole form on one page, or the kiosk's guided steps
/// (who you are → what happened → evidence → review), one question at a time, for people who find
/// the dense form hard. Both edit the same draft.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum FormMode {
    #[default]
    Form,
    Guided,
}

impl FormMode {
    pub fn tag(self) -> &'static str {
        match self {
            FormMode::Form => "form",
            FormMode::Guided => "guided",
        }
    }

    /// A kept tag; an unknown one is the whole form.
    pub fn parse(tag: &str) -> FormMode {
        if tag == "guided" {
            FormMode::Guided
        } else {
            FormMode::Form
        }
    }
}

/// What the UI needs before its first paint.
#[derive(Debug, Serialize, specta::Type)]
pub struct AppInfo {
    /// `zh-CN` or `en`.
    pub language: Lang,
    /// The text size chosen on this computer (a kiosk starts every citizen at the standard one).
    pub text_size: TextSize,
    /// The desktop's way of filling in a petition (a kiosk always guides).
    pub form_mode: FormMode,
    /// Why the data could not be opened, if it could not.
    pub error: Option<CommandError>,
    /// Kiosk mode, when on: what the kiosk UI needs (folder paths stay on this side).
    pub kiosk: Option<KioskView>,
    /// The keyring cannot be used and this data folder is new: it may be protected with a
    /// passphrase instead (`set_up_passphrase`).
    pub may_choose_passphrase: bool,
    /// The app's version as built (`0.1.0`): which one runs, for support (the update test reads it).
    pub version: String,
}

#[derive(Debug, Serialize, specta::Type)]
pub struct KioskView {
    pub idle_seconds: u32,
    pub countdown_seconds: u32,
    pub folders: Vec<FolderView>,
    /// Whether receipts print here without a dialog (Linux, Windows); the print button shows only
    /// then.
    pub can_print: bool,
}

#[derive(Debug, Serialize, specta::Type)]
pub struct FolderView {
    pub index: usize,
    pub label: String,
}

#[tauri::command]
#[specta::specta]
pub fn app_state<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppInfo {
    AppInfo {
        version: app.package_info().version.to_string(),
        language: state.lang(),
        text_size: if state.is_kiosk() {
            TextSize::Standard
        } else {
            state.text_size()
        },
        form_mode: if state.is_kiosk() {
            FormMode::Guided
        } else {
            state.form_mode()
        },
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
        may_choose_passphrase: state.may_choose_passphrase(),
    }
}

/// Tries to open the data with the OS keyring again (the user unlocked it, or the UI's timer).
/// Returns what the UI needs, as at start.
#[tauri::command]
#[specta::specta]
pub async fn retry_open<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<AppInfo, CommandError> {
    if state.retry_open().await.is_ok()
        && let Some(engine) = state.engine_to_start()
    {
        crate::start_engine(app.clone(), engine);
    }
    Ok(app_state(app, state))
}

/// How strong a new passphrase is, while it is typed (nothing is kept).
#[tauri::command]
#[specta::specta]
pub fn passphrase_strength(passphrase: String) -> petition_core::keys::Strength {
    petition_core::keys::strength(&petition_core::keys::Passphrase::new(passphrase))
}

/// Protects a new data folder with a passphrase instead of the unusable keyring, opens it and
/// starts syncing. Refused (`already_set_up`) when the folder has data or a key, or the keyring
/// works.
#[tauri::command]
#[specta::specta]
pub async fn set_up_passphrase<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<(), CommandError> {
    state
        .set_up_passphrase(petition_core::keys::Passphrase::new(passphrase))
        .await?;
    if let Some(engine) = state.engine_to_start() {
        crate::start_engine(app, engine);
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn set_language(
    state: State<'_, AppState>,
    language: String,
) -> Result<(), CommandError> {
    let lang = Lang::parse(&language).unwrap_or_default();
    state
        .store()?
        .settings()
        .set(LANGUAGE_SETTING, lang.tag())
        .await
        .map_err(|e| state.err(e))?;
    state.set_lang(lang);
    Ok(())
}

/// Keeps the text size chosen on this computer (desktop only: a kiosk's citizen chooses it for
/// the session, and the next one starts at the standard size).
#[tauri::command]
#[specta::specta]
pub async fn set_text_size(state: State<'_, AppState>, size: TextSize) -> Result<(), CommandError> {
    state
        .store()?
        .settings()
        .set(TEXT_SIZE_SETTING, size.tag())
        .await
        .map_err(|e| state.err(e))?;
    state.set_text_size(size);
    Ok(())
}

/// Keeps the desktop's way of filling in a petition (the whole form, or guided steps).
#[tauri::command]
#[specta::specta]
pub async fn set_form_mode(state: State<'_, AppState>, mode: FormMode) -> Result<(), CommandError> {
    state
        .store()?
        .settings()
        .set(FORM_MODE_SETTING, mode.tag())
        .await
        .map_err(|e| state.err(e))?;
    state.set_form_mode(mode);
    Ok(())
}

/// Opens data kept with an administrator passphrase (machines without an OS keyring), then
/// starts syncing. A wrong passphrase is `wrong_data_key`, and nothing changes on disk.
#[tauri::command]
#[specta::specta]
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
