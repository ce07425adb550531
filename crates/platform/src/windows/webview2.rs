//! WebView2: a kiosk receipt printed to a named printer with no dialog, and the kiosk's webview
//! closed to the browser's own keys and menus. Tauri gives the webview's controller and
//! environment to a closure on the UI thread (`Webview::with_webview`); WebView2 must be called
//! from that thread, and calls its completion handlers there too.
//!
//! This compiles here (for `x86_64-pc-windows-gnu`) but cannot run here: Wine has no WebView2. It
//! follows Microsoft's documentation of `ICoreWebView2_16::Print` and is untested on Windows.

use webview2_com::Microsoft::Web::WebView2::Win32::{
    COREWEBVIEW2_PRINT_STATUS_PRINTER_UNAVAILABLE, COREWEBVIEW2_PRINT_STATUS_SUCCEEDED,
    ICoreWebView2_16, ICoreWebView2Controller, ICoreWebView2Environment, ICoreWebView2Environment6,
    ICoreWebView2PrintSettings2, ICoreWebView2Settings3,
};
use webview2_com::PrintCompletedHandler;
use windows::core::{HSTRING, Interface};

/// Why WebView2 did not print.
#[derive(Debug)]
pub enum PrintError {
    /// The printer (the one named, or the default) is not there, or does not answer.
    PrinterUnavailable,
    /// Anything else: WebView2's words, for the log (never a citizen's data: it has none).
    Failed(String),
}

fn failed(what: &str) -> impl FnOnce(windows::core::Error) -> PrintError + '_ {
    move |e| PrintError::Failed(format!("{what}: {e}"))
}

/// Prints what the webview shows (through its print style sheet) to `printer`, or to the
/// system's default printer when `None`, with no dialog (`ICoreWebView2_16::Print`, WebView2
/// runtime 1.0.1518 or later). Returns once the job is handed over; `done` is called on the UI
/// thread with WebView2's answer (the job is then with the Windows spooler). Call it from the
/// webview's UI thread.
pub fn print(
    controller: &ICoreWebView2Controller,
    environment: &ICoreWebView2Environment,
    printer: Option<&str>,
    done: impl FnOnce(Result<(), PrintError>) + 'static,
) -> Result<(), PrintError> {
    // SAFETY: `controller` is a live COM reference (the wrapper holds a count on it) and we are
    // on its UI thread; the call only writes the returned interface.
    let webview = unsafe { controller.CoreWebView2() }.map_err(failed("the webview"))?;
    let webview: ICoreWebView2_16 = webview.cast().map_err(failed(
        "this WebView2 runtime cannot print without a dialog (before 1.0.1518)",
    ))?;
    let environment: ICoreWebView2Environment6 = environment
        .cast()
        .map_err(failed("this WebView2 runtime has no print settings"))?;
    // SAFETY: a live COM reference on its UI thread; the call only writes the returned interface.
    let settings =
        unsafe { environment.CreatePrintSettings() }.map_err(failed("print settings"))?;
    // SAFETY: `settings` is the live object just made; these setters take plain booleans.
    unsafe { settings.SetShouldPrintHeaderAndFooter(false) }.map_err(failed("print settings"))?;
    // SAFETY: as above.
    unsafe { settings.SetShouldPrintBackgrounds(true) }.map_err(failed("print settings"))?;
    if let Some(name) = printer {
        let named: ICoreWebView2PrintSettings2 = settings
            .cast()
            .map_err(failed("this WebView2 runtime cannot choose a printer"))?;
        let name = HSTRING::from(name);
        // SAFETY: `name` is a NUL-terminated UTF-16 string that outlives the call, which copies
        // it.
        unsafe { named.SetPrinterName(&name) }.map_err(failed("the printer's name"))?;
    }
    let handler = PrintCompletedHandler::create(Box::new(move |result, status| {
        let outcome = match result {
            Err(e) => Err(PrintError::Failed(format!("printing: {e}"))),
            Ok(()) if status == COREWEBVIEW2_PRINT_STATUS_SUCCEEDED => Ok(()),
            Ok(()) if status == COREWEBVIEW2_PRINT_STATUS_PRINTER_UNAVAILABLE => {
                Err(PrintError::PrinterUnavailable)
            }
            Ok(()) => Err(PrintError::Failed(format!("print status {}", status.0))),
        };
        done(outcome);
        Ok(())
    }));
    // SAFETY: the webview, the settings and the handler are live COM references; WebView2 keeps
    // its own counts on the settings and the handler until the handler has been called.
    unsafe { webview.Print(&settings, &handler) }.map_err(failed("starting the print job"))
}

/// Closes the kiosk's webview to the browser's own routes: no browser accelerator keys (Ctrl+P
/// with its "Save as PDF", Ctrl+F, Ctrl+S, F5, F12 …; `AreBrowserAcceleratorKeysEnabled`), no
/// default context menu (its Print and Save as …), no status bar. Call it from the webview's UI
/// thread, before the kiosk opens.
pub fn lock_down_kiosk(controller: &ICoreWebView2Controller) -> windows::core::Result<()> {
    // SAFETY: a live COM reference on its UI thread; the call only writes the returned interface.
    let settings = unsafe { controller.CoreWebView2()?.Settings()? };
    // SAFETY: `settings` is live; these setters take plain booleans.
    unsafe {
        settings.SetAreDefaultContextMenusEnabled(false)?;
        settings.SetIsStatusBarEnabled(false)?;
    }
    let settings: ICoreWebView2Settings3 = settings.cast()?;
    // SAFETY: as above.
    unsafe { settings.SetAreBrowserAcceleratorKeysEnabled(false) }
}
