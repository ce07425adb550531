//! A petition as a letter for the 来信 channel, from the desktop: 打印信件 sends it to the printer,
//! 保存为 PDF asks where to keep it. The letter is the core's, the same as `petitionctl letter`'s.
//! Neither is a kiosk command: a shared machine offers no file chooser, and its printer is for
//! receipts.

use petition_core::letter::{self, Addressee};
use serde::Serialize;
use std::path::PathBuf;

use tauri::{Runtime, State};

use crate::error::CommandError;
use crate::print::PrintError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

/// What became of a letter sent to the printer.
#[derive(Debug, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LetterPrinted {
    /// It has come out.
    Printed,
    /// The printer has it and will print it when it is ready.
    Queued,
}

/// The PDF of petition `id`'s letter, made off the async threads (laying out and subsetting the
/// typeface takes a moment for a long letter).
async fn letter_pdf(state: &AppState, id: &str) -> Res<Vec<u8>> {
    let store = state.store()?;
    let letter = store
        .letter(id, Addressee::default(), letter::today())
        .await
        .map_err(|e| state.err(e))?;
    tokio::task::spawn_blocking(move || letter::render(&letter))
        .await
        .map_err(|_| CommandError::of("letter_failed", state.lang()))?
        .map_err(|e| state.err(e))
}

/// Sends the letter to the default printer, without a dialog, and says within seconds whether it
/// has printed or is waiting in the printer's queue.
#[tauri::command]
#[specta::specta]
pub async fn print_letter(state: State<'_, AppState>, id: String) -> Res<LetterPrinted> {
    let pdf = letter_pdf(&state, &id).await?;
    match crate::print::print_pdf(&pdf, None, "Petition Desk letter").await {
        Ok(true) => Ok(LetterPrinted::Printed),
        Ok(false) => Ok(LetterPrinted::Queued),
        Err(PrintError::Failed(detail)) => {
            tracing::warn!(detail, "printing a letter failed");
            Err(CommandError::of("letter_print_failed", state.lang()))
        }
        Err(PrintError::Slow) => Ok(LetterPrinted::Queued),
        Err(PrintError::Unavailable) => {
            Err(CommandError::of("letter_print_unavailable", state.lang()))
        }
    }
}

/// Asks where to save the letter (the system's save dialog, over the app's window) and writes
/// it there whole. `None` when the citizen closed the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_letter<R: Runtime>(
    window: tauri::WebviewWindow<R>,
    state: State<'_, AppState>,
    id: String,
) -> Res<Option<String>> {
    let pdf = letter_pdf(&state, &id).await?;
    let lang = state.lang();
    let file_name = format!("{}.pdf", lang.text("letter-file_name"));
    let title = lang.text("paper-saveTitle");
    let Some(mut path) = ask_where(&window, title, file_name).await else {
        return Ok(None);
    };
    if path.extension().is_none() {
        path.set_extension("pdf");
    }
    let written = path.clone();
    tokio::task::spawn_blocking(move || letter::write_whole(&written, &pdf))
        .await
        .map_err(|_| CommandError::of("letter_failed", state.lang()))?
        .map_err(|e| state.err(e))?;
    tracing::info!("a letter was saved");
    Ok(Some(path.display().to_string()))
}

/// Where to save: GTK's save dialog over the app's window, made and run on the main thread where
/// the app's GTK lives (rfd would start GTK again on a thread of its own, which hangs beside
/// WebKitGTK). `None` when the citizen cancels or the window goes away.
#[cfg(target_os = "linux")]
async fn ask_where<R: Runtime>(
    window: &tauri::WebviewWindow<R>,
    title: String,
    file_name: String,
) -> Option<PathBuf> {
    use std::cell::RefCell;

    use gtk::glib::{Cast, dgettext};
    use gtk::prelude::{DialogExt, FileChooserExt, GtkWindowExt, WidgetExt};

    let (chosen, answer) = tokio::sync::oneshot::channel();
    let started = window.with_webview(move |platform| {
        let parent = platform
            .inner()
            .toplevel()
            .and_then(|w| w.downcast::<gtk::Window>().ok());
        let gtk_text = |id: &str| dgettext(Some("gtk30"), id);
        let dialog = gtk::FileChooserDialog::with_buttons(
            Some(title.as_str()),
            parent.as_ref(),
            gtk::FileChooserAction::Save,
            &[
                (gtk_text("_Cancel").as_str(), gtk::ResponseType::Cancel),
                (gtk_text("_Save").as_str(), gtk::ResponseType::Accept),
            ],
        );
        dialog.set_modal(true);
        dialog.set_do_overwrite_confirmation(true);
        dialog.set_current_name(&file_name);
        // The Documents folder first (else the home folder), as a citizen would look for it.
        if let Some(folder) = dirs::document_dir().or_else(dirs::home_dir) {
            dialog.set_current_folder(folder);
        }
        let pdf = gtk::FileFilter::new();
        pdf.set_name(Some("PDF"));
        pdf.add_pattern("*.pdf");
        pdf.add_pattern("*.PDF");
        dialog.add_filter(pdf);
        let chosen = RefCell::new(Some(chosen));
        dialog.connect_response(move |dialog, response| {
            let path = (response == gtk::ResponseType::Accept)
                .then(|| dialog.filename())
                .flatten();
            if let Some(chosen) = chosen.borrow_mut().take() {
                let _ = chosen.send(path);
            }
            dialog.close();
        });
        dialog.show();
    });
    if let Err(e) = started {
        tracing::warn!(error = %e, "the save dialog could not open");
        return None;
    }
    answer.await.ok().flatten()
}

/// Where to save, elsewhere: the system's own save panel (rfd).
#[cfg(not(target_os = "linux"))]
async fn ask_where<R: Runtime>(
    window: &tauri::WebviewWindow<R>,
    title: String,
    file_name: String,
) -> Option<PathBuf> {
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title(title)
        .set_file_name(file_name)
        .add_filter("PDF", &["pdf"])
        .save_file()
        .await
        .map(|h| h.path().to_owned())
}
