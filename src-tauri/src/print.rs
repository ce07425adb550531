//! Printing a kiosk receipt straight to the centre's printer, with no print dialog: a dialog asks
//! an elderly citizen questions they cannot answer, and GTK's offers "Print to File" with a file
//! chooser over the whole disk of a shared machine.
//!
//! - Linux (WebKitGTK): the page (through its print style sheet, which leaves only the receipt)
//!   is rendered to a PDF by a `WebKitPrintOperation` whose only printer is GTK's file backend,
//!   so the UI process never asks CUPS anything (GTK's CUPS backend can spin for ever in a nested
//!   main loop when CUPS or D-Bus does not answer). The PDF, in a folder only this user can
//!   read, then goes to CUPS through `lp` (the printer named with `kiosk setup --printer`, else
//!   the default destination), and `lpstat` tells whether the job has printed; both run off the
//!   UI thread under hard time limits ([`cups`]). The folder is removed whatever happens. The
//!   kiosk always answers within [`ANSWER_WITHIN`]: printed, failed, or not yet answered.
//! - Windows (WebView2): `ICoreWebView2_16::Print` with the printer named with `kiosk setup
//!   --printer` (else the default printer) and no dialog, through petition-platform; WebView2
//!   answers printed, printer unavailable or failed. The kiosk's webview has no browser
//!   accelerator keys (no Ctrl+P and its "Save as PDF") and no default context menu, and starts
//!   with `--kiosk-printing`, so even the page's own print request opens no dialog. Compiled for
//!   Windows here; untested on Windows itself (Wine has no WebView2).
//! - macOS: not yet: the system print panel would open, so the kiosk shows no print button there.
//!
//! In kiosk mode the page's own `window.print()` is refused on Linux, so no code path can open
//! the dialog.

#[cfg(target_os = "linux")]
mod cups;

use tauri::Runtime;

/// Why a receipt did not reach the printer.
#[derive(Debug)]
pub enum PrintError {
    /// The print system refused the job (no such printer, none at all, CUPS not running, …);
    /// the detail is for the log (a printer's name and the print system's words, never a
    /// citizen's data).
    Failed(String),
    /// The print system has not answered yet, or is still busy with the last receipt: it may
    /// still come out.
    #[cfg_attr(not(any(target_os = "linux", windows)), allow(dead_code))]
    Slow,
    /// This platform cannot print without a dialog (macOS for now).
    #[cfg_attr(any(target_os = "linux", windows), allow(dead_code))]
    Unavailable,
}

/// What printing keeps between receipts: on Linux, the job a slow printer has not printed yet,
/// so it is not sent copy after copy; on Windows, that a receipt is printing. Managed by the app (one per process).
#[derive(Debug, Default)]
pub struct Spooler {
    /// Held while a receipt prints (a second one meanwhile is told "not yet"); holds the last
    /// job while CUPS still has it queued.
    #[cfg(target_os = "linux")]
    waiting: tokio::sync::Mutex<Option<Waiting>>,
    /// Held while WebView2 prints a receipt: a second press meanwhile is told "not yet" rather
    /// than printing a second copy.
    #[cfg(windows)]
    printing: tokio::sync::Mutex<()>,
}

/// A receipt job CUPS took but had not printed when the citizen was told.
#[cfg(target_os = "linux")]
#[derive(Debug)]
struct Waiting {
    job: String,
    since: std::time::Instant,
}

/// How long the kiosk may take to say what became of a receipt: rendering it, handing it to
/// CUPS (or WebView2 to the spooler) and watching the job. After that the citizen is told it may
/// still come out.
#[cfg(any(target_os = "linux", windows))]
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);

/// A queued receipt older than this is nobody's any more (the kiosk has wiped its session): it
/// is cancelled when the next one prints, so it does not come out for a stranger.
#[cfg(target_os = "linux")]
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(2 * 60);

/// Prints what the webview shows (through its print style sheet) to `printer`, or to the
/// default destination when `None`, without a dialog. Returns once the job has printed, has
/// failed, or [`ANSWER_WITHIN`] has passed.
#[cfg(target_os = "linux")]
pub async fn print_silently<R: Runtime>(
    webview: &tauri::Webview<R>,
    printer: Option<String>,
    spooler: &Spooler,
) -> Result<(), PrintError> {
    let Ok(mut waiting) = spooler.waiting.try_lock() else {
        return Err(PrintError::Slow);
    };
    let cups = cups::Cups::system();
    if let Some(last) = waiting.take()
        && cups.still_queued(&last.job).await
    {
        if last.since.elapsed() < STALE_AFTER {
            *waiting = Some(last);
            return Err(PrintError::Slow);
        }
        cups.cancel(&last.job).await;
    }
    let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
    // Readable by this user alone; the PDF inside holds the receipt's reference.
    let spool = tempfile::Builder::new()
        .prefix("petition-receipt-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| PrintError::Failed(format!("no folder for the receipt's PDF: {e}")))?;
    let pdf = spool.path().join("receipt.pdf");
    render_pdf(webview, &pdf, deadline).await?;
    let job = cups
        .submit(&pdf, printer.as_deref(), "Petition Desk receipt", deadline)
        .await;
    // `lp` has read the file (or was killed): nothing of the receipt stays on disk.
    if let Err(e) = spool.close() {
        tracing::warn!(error = %e, "kiosk: removing the receipt's PDF failed");
    }
    let job = job?;
    match cups.follow(&job, deadline).await {
        cups::JobState::Done => {
            tracing::info!(job, "kiosk: the receipt job has printed");
            Ok(())
        }
        cups::JobState::Failed(reasons) => Err(PrintError::Failed(format!("{job}: {reasons}"))),
        cups::JobState::Queued => {
            tracing::info!(job, "kiosk: the receipt job is still queued");
            *waiting = Some(Waiting {
                job,
                since: std::time::Instant::now(),
            });
            Err(PrintError::Slow)
        }
    }
}

/// Prints a PDF made by the app (a citizen's letter) to `printer`, or to the default destination
/// (`lp`'s: `LPDEST`, `PRINTER`, then CUPS's default) when `None`, within [`ANSWER_WITHIN`]:
/// `Ok(true)` when it has printed, `Ok(false)` when CUPS holds it and it will come out when the
/// printer is ready. The file passes through a folder only this user can read, removed once `lp`
/// has read it; the job's title names no one.
#[cfg(target_os = "linux")]
pub async fn print_pdf(pdf: &[u8], printer: Option<&str>, title: &str) -> Result<bool, PrintError> {
    let cups = cups::Cups::system();
    let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
    let spool = tempfile::Builder::new()
        .prefix("petition-letter-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| PrintError::Failed(format!("no folder for the PDF: {e}")))?;
    let path = spool.path().join("letter.pdf");
    std::fs::write(&path, pdf).map_err(|e| PrintError::Failed(format!("writing the PDF: {e}")))?;
    let job = cups.submit(&path, printer, title, deadline).await;
    if let Err(e) = spool.close() {
        tracing::warn!(error = %e, "removing a printed PDF failed");
    }
    let job = job?;
    match cups.follow(&job, deadline).await {
        cups::JobState::Done => Ok(true),
        cups::JobState::Failed(reasons) => Err(PrintError::Failed(format!("{job}: {reasons}"))),
        cups::JobState::Queued => Ok(false),
    }
}

/// Elsewhere a letter is saved as a PDF and printed from the system's viewer.
#[cfg(not(target_os = "linux"))]
pub async fn print_pdf(
    _pdf: &[u8],
    _printer: Option<&str>,
    _title: &str,
) -> Result<bool, PrintError> {
    Err(PrintError::Unavailable)
}

/// Renders the webview's page for print into `pdf` through GTK's file backend alone, by
/// `deadline`. The UI thread only starts the operation: WebKit renders in its web process, GTK
/// writes the file, and `finished` says so.
#[cfg(target_os = "linux")]
async fn render_pdf<R: Runtime>(
    webview: &tauri::Webview<R>,
    pdf: &std::path::Path,
    deadline: tokio::time::Instant,
) -> Result<(), PrintError> {
    use std::cell::RefCell;
    use std::rc::Rc;

    use gtk::prelude::GtkSettingsExt;
    use webkit2gtk::{PrintOperation, PrintOperationExt};

    let uri = gtk::glib::filename_to_uri(pdf, None)
        .map_err(|e| PrintError::Failed(format!("the receipt's file name: {e}")))?;
    let (done, outcome) = tokio::sync::oneshot::channel::<Result<(), PrintError>>();
    let started = webview.with_webview(move |platform| {
        // GTK builds its printer list from this setting each time it looks; with "file" alone it
        // never starts its CUPS backend in this process.
        if let Some(gtk_settings) = gtk::Settings::default() {
            gtk_settings.set_gtk_print_backends(Some("file"));
        }
        let settings = gtk::PrintSettings::new();
        // The file backend's one printer, under the name GTK gives it in this locale.
        settings.set_printer(&gtk::glib::dgettext(Some("gtk30"), "Print to File"));
        settings.set(gtk::PRINT_SETTINGS_OUTPUT_URI, Some(&uri));
        settings.set(gtk::PRINT_SETTINGS_OUTPUT_FILE_FORMAT, Some("pdf"));
        let operation = PrintOperation::new(&platform.inner());
        operation.set_print_settings(&settings);
        // `failed` comes first when rendering fails, then `finished` in every case. The
        // operation keeps itself alive through its own handler until `finished`.
        let done = Rc::new(RefCell::new(Some(done)));
        let alive = Rc::new(RefCell::new(Some(operation.clone())));
        let on_fail = Rc::clone(&done);
        operation.connect_failed(move |_, error| {
            if let Some(done) = on_fail.borrow_mut().take() {
                let _ = done.send(Err(PrintError::Failed(format!("rendering: {error}"))));
            }
        });
        operation.connect_finished(move |_| {
            if let Some(done) = done.borrow_mut().take() {
                let _ = done.send(Ok(()));
            }
            alive.borrow_mut().take();
        });
        operation.print();
    });
    if let Err(e) = started {
        return Err(PrintError::Failed(e.to_string()));
    }
    match tokio::time::timeout_at(deadline, outcome).await {
        Ok(Ok(result)) => result,
        // The closure was dropped without running (the window is closing).
        Ok(Err(_)) => Err(PrintError::Failed(
            "the print operation never started".to_owned(),
        )),
        Err(_) => Err(PrintError::Failed(
            "the receipt was not rendered in time".to_owned(),
        )),
    }
}

/// Windows: WebView2's own print (`ICoreWebView2_16::Print`, in petition-platform) to `printer`,
/// or to the default printer when `None`, with no dialog. Returns WebView2's answer: printed (the
/// job is with the Windows spooler), the printer unavailable, or failed; or, after
/// [`ANSWER_WITHIN`], that it may still come out. Compiled here, untested on Windows (README).
#[cfg(windows)]
pub async fn print_silently<R: Runtime>(
    webview: &tauri::Webview<R>,
    printer: Option<String>,
    spooler: &Spooler,
) -> Result<(), PrintError> {
    use petition_platform::webview2;

    // Until WebView2 answers (or ANSWER_WITHIN passes), one receipt at a time.
    let Ok(_printing) = spooler.printing.try_lock() else {
        return Err(PrintError::Slow);
    };

    let (done, outcome) = tokio::sync::oneshot::channel::<Result<(), PrintError>>();
    let started = webview.with_webview(move |platform| {
        let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
        let answer = std::rc::Rc::clone(&done);
        let to_ours = |e: webview2::PrintError| match e {
            webview2::PrintError::PrinterUnavailable => {
                PrintError::Failed("the printer is not available".to_owned())
            }
            webview2::PrintError::Failed(detail) => PrintError::Failed(detail),
        };
        let started = webview2::print(
            &platform.controller(),
            &platform.environment(),
            printer.as_deref(),
            move |result| {
                if let Some(done) = answer.borrow_mut().take() {
                    let _ = done.send(result.map_err(to_ours));
                }
            },
        );
        if let Err(e) = started
            && let Some(done) = done.borrow_mut().take()
        {
            let _ = done.send(Err(to_ours(e)));
        }
    });
    if let Err(e) = started {
        return Err(PrintError::Failed(e.to_string()));
    }
    match tokio::time::timeout(ANSWER_WITHIN, outcome).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(PrintError::Failed("the print job never started".to_owned())),
        Err(_) => Err(PrintError::Slow),
    }
}

/// Elsewhere (macOS) the webview's print opens the system panel, whose "Save as PDF" offers a file
/// chooser on a shared machine: the kiosk does not print there, and shows no print button.
#[cfg(not(any(target_os = "linux", windows)))]
pub async fn print_silently<R: Runtime>(
    _webview: &tauri::Webview<R>,
    _printer: Option<String>,
    _spooler: &Spooler,
) -> Result<(), PrintError> {
    Err(PrintError::Unavailable)
}

/// Whether this platform prints a kiosk receipt without a dialog (the UI shows the print button
/// only then).
pub const CAN_PRINT_SILENTLY: bool = cfg!(any(target_os = "linux", windows));

/// WebView2's arguments in kiosk mode: Tauri's defaults, and printing without the dialog.
pub const KIOSK_BROWSER_ARGS: &str =
    "--disable-features=msWebOOUI,msPdfOOUI,msSmartScreenProtection --kiosk-printing";

/// In kiosk mode the page may not open the print dialog itself: on Linux WebKit's print signal is
/// refused; on Windows the webview loses the browser's accelerator keys (Ctrl+P …) and its
/// default context menu (see [`petition_platform::webview2::lock_down_kiosk`]); elsewhere the
/// kiosk's keyboard guard and the silent print above stand in.
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
    #[cfg(windows)]
    {
        let result = window.with_webview(|platform| {
            if let Err(e) = petition_platform::webview2::lock_down_kiosk(&platform.controller()) {
                tracing::warn!(error = %e, "kiosk: could not turn off the browser's keys and menus");
            }
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "kiosk: could not guard the print dialog");
        }
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    let _ = window;
}
