//! Kiosk mode's commands: a citizen's session (begin, attach from the allowed folders, submit
//! with a receipt, end and wipe) and the administrator's panel behind the PIN.

use std::path::PathBuf;

use petition_core::Petition;
use petition_core::attachment::{Attachment, Incoming, Limits, Source};
use petition_core::keys::Passphrase;
use petition_core::kiosk::{FolderFile, KioskError, OutboxCounts};
use serde::Serialize;
use tauri::{Runtime, State};

use crate::error::CommandError;
use crate::print::{PrintError, Spooler};
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

/// What the receipt screen shows.
#[derive(Debug, Serialize, specta::Type)]
pub struct KioskReceipt {
    /// Valid at once, even offline: the bureau answers look-ups by it once the petition arrives.
    pub reference: String,
    /// The reference as a QR code, an SVG document.
    pub qr_svg: String,
    pub submitted_at: String,
    pub delivered: bool,
}

#[derive(Debug, Serialize, specta::Type)]
pub struct ExportResult {
    pub file: String,
    pub petitions: usize,
}

fn folder(state: &AppState, index: usize) -> Res<PathBuf> {
    state
        .kiosk_config()
        .and_then(|c| c.folders.get(index).map(|f| f.path.clone()))
        .ok_or_else(|| CommandError::bad_request(state.lang()))
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_begin_session(state: State<'_, AppState>) -> Res<Petition> {
    state.require_kiosk()?;
    let draft = state
        .store()?
        .drafts()
        .create(&[])
        .await
        .map_err(|e| state.err(e))?;
    state.kiosk_session().begin(&draft.id);
    Ok(draft)
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_list_folder(state: State<'_, AppState>, index: usize) -> Res<Vec<FolderFile>> {
    state.require_kiosk()?;
    let dir = folder(&state, index)?;
    tokio::task::spawn_blocking(move || petition_core::kiosk::list_folder(&dir))
        .await
        .map_err(|_| CommandError::bad_request(state.lang()))?
        .map_err(|e| state.err(e.into()))
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_attach_from_folder(
    state: State<'_, AppState>,
    id: String,
    index: usize,
    name: String,
) -> Res<Attachment> {
    state.require_kiosk()?;
    state.require_own_draft(&id)?;
    let dir = folder(&state, index)?;
    let path =
        petition_core::kiosk::file_in_folder(&dir, &name).map_err(|e| state.err(e.into()))?;
    let mut results = state
        .store()?
        .attachments()
        .attach(
            &id,
            vec![Incoming {
                name,
                source: Source::Path(path),
            }],
            &Limits::default(),
            |_| {},
        )
        .await
        .map_err(|e| state.err(e))?;
    match results.pop() {
        Some(result) => result.map_err(|e| state.err(e)),
        None => Err(CommandError::bad_request(state.lang())),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_submit(state: State<'_, AppState>, id: String) -> Res<KioskReceipt> {
    state.require_kiosk()?;
    state.require_own_draft(&id)?;
    let item = state
        .store()?
        .outbox()
        .submit(&id)
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    let reference = petition_core::kiosk::reference(&id);
    Ok(KioskReceipt {
        qr_svg: qr_svg(&reference),
        reference,
        submitted_at: item.queued_at.clone(),
        delivered: item.tracking_code.is_some(),
    })
}

/// Ends the citizen's session: every unsent draft deleted for good, the webview's storage and
/// caches cleared, the administrator panel locked.
#[tauri::command]
#[specta::specta]
pub async fn kiosk_end_session<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
) -> Res<()> {
    state.require_kiosk()?;
    state.lock_admin();
    state.kiosk_session().end();
    state
        .store()?
        .kiosk()
        .end_session()
        .await
        .map_err(|e| state.err(e))?;
    if let Err(e) = webview.clear_all_browsing_data() {
        tracing::warn!(error = %e, "clearing the webview's data failed");
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_admin_unlock(state: State<'_, AppState>, pin: String) -> Res<OutboxCounts> {
    state.require_kiosk()?;
    let store = state.store()?;
    store
        .kiosk()
        .check_pin(&Passphrase::new(pin))
        .await
        .map_err(|e| state.err(e))?;
    state.unlock_admin();
    store
        .kiosk()
        .outbox_counts()
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_admin_status(state: State<'_, AppState>) -> Res<OutboxCounts> {
    state.require_admin()?;
    state
        .store()?
        .kiosk()
        .outbox_counts()
        .await
        .map_err(|e| state.err(e))
}

/// "Sync now" from the administrator: every petition not yet delivered is tried again at once
/// (backing-off ones too), and the engine is woken.
#[tauri::command]
#[specta::specta]
pub async fn kiosk_sync_now(state: State<'_, AppState>) -> Res<()> {
    state.require_admin()?;
    state
        .store()?
        .outbox()
        .retry_all_undelivered()
        .await
        .map_err(|e| state.err(e))?;
    state.wake_sync();
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn kiosk_export_outbox(state: State<'_, AppState>, index: usize) -> Res<ExportResult> {
    state.require_admin()?;
    let dir = folder(&state, index)?;
    let file = dir.join(petition_core::kiosk::export_file_name());
    let report = state
        .store()?
        .kiosk()
        .export_outbox(&file)
        .await
        .map_err(|e| state.err(e))?;
    Ok(ExportResult {
        file: report.file.display().to_string(),
        petitions: report.petitions,
    })
}

#[tauri::command]
#[specta::specta]
pub fn kiosk_admin_lock(state: State<'_, AppState>) -> Res<()> {
    state.lock_admin();
    Ok(())
}

/// Leaves kiosk mode: from now on the window may close (the UI then asks it to, and the app
/// quits; the OS's kiosk session decides what comes next).
#[tauri::command]
#[specta::specta]
pub fn kiosk_exit(state: State<'_, AppState>) -> Res<()> {
    state.require_admin()?;
    state.allow_exit();
    tracing::info!("kiosk: the administrator left kiosk mode");
    Ok(())
}

/// Prints the receipt on screen to the kiosk's printer without a dialog (the print style sheet
/// leaves only the receipt), and answers within seconds whatever the printer does. An error
/// tells the citizen to write the reference down; the reference stays on screen either way.
#[tauri::command]
#[specta::specta]
pub async fn kiosk_print_receipt<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
    spooler: State<'_, Spooler>,
) -> Res<()> {
    state.require_kiosk()?;
    let printer = state.kiosk_config().and_then(|c| c.printer);
    let named = printer.is_some();
    let problem = match crate::print::print_silently(&webview, printer, &spooler).await {
        Ok(()) => {
            tracing::info!(named, "kiosk: a receipt has printed");
            return Ok(());
        }
        Err(PrintError::Failed(detail)) => {
            tracing::warn!(named, detail, "kiosk: printing a receipt failed");
            KioskError::PrintFailed
        }
        Err(PrintError::Slow) => {
            tracing::warn!(named, "kiosk: the print system has not answered");
            KioskError::PrintSlow
        }
        Err(PrintError::Unavailable) => KioskError::PrintUnavailable,
    };
    Err(state.err(problem.into()))
}
