//! Printing a kiosk receipt straight to the centre's printer, with no print dialog: a dialog asks
//! an elderly citizen questions they cannot answer, and GTK's offers "Print to File" with a file
//! chooser over the whole disk of a shared machine.
//!
//! - Linux (WebKitGTK): a `WebKitPrintOperation` run with `print()`, which never shows a dialog,
//!   to the printer the administrator named (`kiosk setup --printer`) or the OS's default. The
//!   page's print style sheet leaves only the receipt. Success means the job reached the print
//!   system (CUPS); the paper is the printer's business.
//! - Windows (WebView2): kiosk mode starts the webview with `--kiosk-printing`, under which the
//!   page's print request goes to the default printer without the dialog.
//! - macOS: the system print panel still opens (not yet silent there).
//!
//! In kiosk mode the page's own `window.print()` is refused on Linux, so no code path can open
//! the dialog.

use tauri::Runtime;

/// Why a receipt did not reach the printer; the detail is for the log (a printer's name and the
/// print system's words, never a citizen's data).
#[derive(Debug)]
pub struct PrintFailed(pub String);

/// How long the print system may take to accept the job before the citizen is told it failed.
#[cfg(target_os = "linux")]
const ACCEPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Prints what the webview shows (through its print style sheet) to `printer`, or to the OS's
/// default printer when `None`, without a dialog. Returns once the print system has the job.
#[cfg(target_os = "linux")]
pub async fn print_silently<R: Runtime>(
    webview: &tauri::Webview<R>,
    printer: Option<String>,
) -> Result<(), PrintFailed> {
    use std::cell::RefCell;
    use std::rc::Rc;

    use webkit2gtk::{PrintOperation, PrintOperationExt};

    let (done, outcome) = tokio::sync::oneshot::channel::<Result<(), PrintFailed>>();
    webview
        .with_webview(move |platform| {
            let operation = PrintOperation::new(&platform.inner());
            let settings = gtk::PrintSettings::new();
            if let Some(name) = &printer {
                settings.set_printer(name);
            }
            operation.set_print_settings(&settings);
            // `failed` comes first when printing fails, then `finished` in every case. The
            // operation keeps itself alive through its own handler until `finished`.
            let done = Rc::new(RefCell::new(Some(done)));
            let alive = Rc::new(RefCell::new(Some(operation.clone())));
            let on_fail = Rc::clone(&done);
            operation.connect_failed(move |_, error| {
                if let Some(done) = on_fail.borrow_mut().take() {
                    let _ = done.send(Err(PrintFailed(error.to_string())));
                }
            });
            operation.connect_finished(move |_| {
                if let Some(done) = done.borrow_mut().take() {
                    let _ = done.send(Ok(()));
                }
                alive.borrow_mut().take();
            });
            operation.print();
        })
        .map_err(|e| PrintFailed(e.to_string()))?;
    match tokio::time::timeout(ACCEPT_TIMEOUT, outcome).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(PrintFailed("the print operation was dropped".to_owned())),
        Err(_) => Err(PrintFailed(format!(
            "the print system did not take the job within {} s",
            ACCEPT_TIMEOUT.as_secs()
        ))),
    }
}

/// Elsewhere the webview's own print: silent on Windows in kiosk mode (`--kiosk-printing`, see
/// [`KIOSK_BROWSER_ARGS`]); the system panel on macOS. A named printer is not chosen there: the
/// OS's default printer is used.
#[cfg(not(target_os = "linux"))]
pub async fn print_silently<R: Runtime>(
    webview: &tauri::Webview<R>,
    printer: Option<String>,
) -> Result<(), PrintFailed> {
    if printer.is_some() {
        tracing::warn!("kiosk: a named printer is used on Linux only; printing to the default");
    }
    webview.print().map_err(|e| PrintFailed(e.to_string()))
}

/// WebView2's arguments in kiosk mode: Tauri's defaults, and printing without the dialog.
pub const KIOSK_BROWSER_ARGS: &str =
    "--disable-features=msWebOOUI,msPdfOOUI,msSmartScreenProtection --kiosk-printing";

/// In kiosk mode the page may not open the print dialog itself (Linux; elsewhere the kiosk's
/// keyboard guard and the silent print above stand in).
pub fn refuse_print_dialog<R: Runtime>(window: &tauri::WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        let result = window.with_webview(|platform| {
            use webkit2gtk::WebViewExt;
            platform.inner().connect_print(|_, _| {
                tracing::info!("kiosk: the print dialog refused (receipts print without it)");
                true
            });
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "kiosk: could not guard the print dialog");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
