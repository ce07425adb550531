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
//! - macOS: not yet: the system print panel would open, so the kiosk shows no print button there.
//!
//! In kiosk mode the page's own `window.print()` is refused on Linux, so no code path can open
//! the dialog.

use tauri::Runtime;

/// Why a receipt did not reach the printer.
#[derive(Debug)]
pub enum PrintError {
    /// The print system refused the job (no such printer, none at all, …); the detail is for the
    /// log (a printer's name and the print system's words, never a citizen's data).
    Failed(String),
    /// The print system has not answered yet, or is still busy with the last receipt: it may
    /// still come out.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Slow,
    /// This platform cannot print without a dialog (macOS for now).
    #[cfg_attr(any(target_os = "linux", windows), allow(dead_code))]
    Unavailable,
}

/// How long the print system may take to accept the job before the citizen is told it has not
/// answered.
#[cfg(target_os = "linux")]
const ACCEPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// When (unix ms) a print operation started that has not finished; 0 when none. A new one waits
/// for it, so a slow printer is not sent copy after copy (WebKit has no way to cancel an
/// operation); one that never finishes stops blocking after [`PENDING_LIMIT_MS`].
#[cfg(target_os = "linux")]
static PENDING_SINCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// After this long an unfinished print operation is taken as lost (the print system hung).
#[cfg(target_os = "linux")]
const PENDING_LIMIT_MS: u64 = 2 * 60 * 1000;

#[cfg(target_os = "linux")]
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
        })
}

/// Prints what the webview shows (through its print style sheet) to `printer`, or to the OS's
/// default printer when `None`, without a dialog. Returns once the print system has the job.
#[cfg(target_os = "linux")]
pub async fn print_silently<R: Runtime>(
    webview: &tauri::Webview<R>,
    printer: Option<String>,
) -> Result<(), PrintError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::sync::atomic::Ordering;

    use webkit2gtk::{PrintOperation, PrintOperationExt};

    let now = now_ms();
    let since = PENDING_SINCE.load(Ordering::Acquire);
    let busy = since != 0 && now.saturating_sub(since) < PENDING_LIMIT_MS;
    if busy
        || PENDING_SINCE
            .compare_exchange(since, now, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    {
        return Err(PrintError::Slow);
    }
    let (done, outcome) = tokio::sync::oneshot::channel::<Result<(), PrintError>>();
    let started = webview.with_webview(move |platform| {
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
                let _ = done.send(Err(PrintError::Failed(error.to_string())));
            }
        });
        operation.connect_finished(move |_| {
            if let Some(done) = done.borrow_mut().take() {
                let _ = done.send(Ok(()));
            }
            alive.borrow_mut().take();
            // Only this operation's own mark (a lost one may have been taken over since).
            let _ = PENDING_SINCE.compare_exchange(now, 0, Ordering::AcqRel, Ordering::Acquire);
        });
        operation.print();
    });
    if let Err(e) = started {
        PENDING_SINCE.store(0, Ordering::Release);
        return Err(PrintError::Failed(e.to_string()));
    }
    match tokio::time::timeout(ACCEPT_TIMEOUT, outcome).await {
        Ok(Ok(result)) => result,
        // The closure was dropped without running (the window is closing).
        Ok(Err(_)) => {
            PENDING_SINCE.store(0, Ordering::Release);
            Err(PrintError::Failed(
                "the print operation never started".to_owned(),
            ))
        }
        // Still pending: `finished` clears the mark whenever it comes.
        Err(_) => Err(PrintError::Slow),
    }
}

/// Windows: the webview's own print, which kiosk mode's `--kiosk-printing` sends to the default
/// printer without the dialog (see [`KIOSK_BROWSER_ARGS`]). A named printer is not chosen there.
#[cfg(windows)]
pub async fn print_silently<R: Runtime>(
    webview: &tauri::Webview<R>,
    printer: Option<String>,
) -> Result<(), PrintError> {
    if printer.is_some() {
        tracing::warn!("kiosk: a named printer is used on Linux only; printing to the default");
    }
    webview
        .print()
        .map_err(|e| PrintError::Failed(e.to_string()))
}

/// Elsewhere (macOS) the webview's print opens the system panel, whose "Save as PDF" offers a file
/// chooser on a shared machine: the kiosk does not print there, and shows no print button.
#[cfg(not(any(target_os = "linux", windows)))]
pub async fn print_silently<R: Runtime>(
    _webview: &tauri::Webview<R>,
    _printer: Option<String>,
) -> Result<(), PrintError> {
    Err(PrintError::Unavailable)
}

/// Whether this platform prints a kiosk receipt without a dialog (the UI shows the print button
/// only then).
pub const CAN_PRINT_SILENTLY: bool = cfg!(any(target_os = "linux", windows));

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
