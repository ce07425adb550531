//! The desktop shell: a window, the commands the UI calls, and nothing else. Every rule lives in
//! `petition-core`; a command deserialises its arguments, calls one core function and converts
//! the error to `{code, message}`.

mod command_names;
mod commands;
mod error;
mod print;
mod read_aloud;
mod state;
mod update;

use std::path::PathBuf;

use tauri::{Manager, Runtime};

pub use error::CommandError;
pub use state::AppState;

/// What the command line may say: `--data-dir DIR` (else `PETITION_DATA_DIR`, else the OS's
/// app-data directory). Unknown arguments are left alone.
#[derive(Debug, Default, Clone)]
pub struct Options {
    pub data_dir: Option<PathBuf>,
    /// `--kiosk`: run as a shared kiosk even if the data directory does not record it.
    pub kiosk: bool,
}

impl Options {
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Options {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--data-dir" {
                options.data_dir = args.next().map(PathBuf::from);
            } else if let Some(dir) = arg.strip_prefix("--data-dir=") {
                options.data_dir = Some(PathBuf::from(dir));
            } else if arg == "--kiosk" {
                options.kiosk = true;
            }
        }
        options
    }
}

/// Adds Petition Desk's state, commands and guards to a Tauri builder.
pub fn build(builder: tauri::Builder<tauri::Wry>, options: Options) -> tauri::Builder<tauri::Wry> {
    let typed = bindings().invoke_handler();
    // The two commands whose body or answer is raw bytes (tauri::ipc::Request / Response, which
    // specta cannot describe): typed by hand in ui/src/api/index.ts.
    let binary: Box<tauri::ipc::InvokeHandler<tauri::Wry>> = Box::new(tauri::generate_handler![
        commands::attachments::attach_file,
        commands::attachments::attachment_thumbnail,
    ]);
    let instance =
        instance_id(petition_core::paths::resolve_data_dir(options.data_dir.clone()).as_deref());
    builder
        // First: a second start on the same data folder hands over to the running app and ends
        // before anything else of it runs.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, _args, _cwd| second_start(app))
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .invoke_handler(move |invoke: tauri::ipc::Invoke<tauri::Wry>| {
            if let Some(refused) = kiosk_refuses(&invoke) {
                invoke.resolver.reject(refused);
                return true;
            }
            if BINARY_COMMANDS.contains(&invoke.message.command()) {
                binary(invoke)
            } else {
                typed(invoke)
            }
        })
        .setup(move |app| {
            let state = tauri::async_runtime::block_on(AppState::open(
                options.data_dir.clone(),
                options.kiosk,
            ));
            let engine = state.engine_to_start();
            // Managed before anything runs that may look it up.
            app.manage(state);
            app.manage(print::Spooler::default());
            app.manage(read_aloud::ReadAloud::start());
            app.manage(update::Updates::default());
            if let Some(engine) = engine {
                start_engine(app.handle().clone(), engine);
            }
            open_main_window(app)?;
            update::look_daily(app.handle().clone());
            Ok(())
        })
}

/// The name one instance of the app holds on the session bus (Linux; the plugin adds
/// `.SingleInstance`): one per data folder, so a second start on the same folder finds the first,
/// and an app on another folder runs beside it. The folder is named by a hash of its path, not by
/// the path (which may hold a person's name). Windows and macOS key the plugin on the app alone:
/// one instance per user session.
fn instance_id(data_dir: Option<&std::path::Path>) -> String {
    use sha2::{Digest, Sha256};
    let dir = data_dir.map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_owned()));
    let digest = Sha256::digest(
        dir.as_deref()
            .map(|d| d.as_os_str().as_encoded_bytes())
            .unwrap_or_default(),
    );
    let short: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    // A bus name's element may not start with a digit.
    format!("{}.d{short}", petition_core::paths::APP_IDENTIFIER)
}

/// The app was started again while this one runs (on the same data folder): its window comes
/// forward, as if the citizen had clicked it. A kiosk shows nothing: it is already in front, and
/// a second start there is nobody's business.
fn second_start<R: Runtime>(app: &tauri::AppHandle<R>) {
    if app.try_state::<AppState>().is_some_and(|s| s.is_kiosk()) {
        tracing::info!("kiosk: a second start ignored");
        return;
    }
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
    tracing::info!("a second start: the window brought forward");
}

/// The commands whose body or answer is raw bytes, outside the generated bindings.
const BINARY_COMMANDS: &[&str] = &["attach_file", "attachment_thumbnail"];

/// Every other command, with the Rust types of its arguments, result and error: the shell
/// dispatches through it, and `ui/src/api/bindings.ts` is generated from it (the test
/// `bindings::the_committed_bindings_are_current` fails when that file is stale).
pub fn bindings() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::settings::app_state::<tauri::Wry>,
            commands::settings::set_language,
            commands::settings::set_text_size,
            commands::settings::set_form_mode,
            read_aloud::read_aloud_languages,
            read_aloud::read_aloud,
            read_aloud::stop_reading_aloud,
            commands::drafts::list_drafts,
            commands::drafts::list_trash,
            commands::drafts::search_drafts,
            commands::drafts::create_draft,
            commands::drafts::get_draft,
            commands::drafts::update_field,
            commands::drafts::check_draft,
            commands::drafts::returned_fields,
            commands::drafts::trash_draft,
            commands::drafts::restore_draft,
            commands::drafts::delete_draft,
            commands::drafts::duplicate_draft,
            commands::attachments::attachment_limits,
            commands::attachments::list_attachments,
            commands::attachments::remove_attachment,
            commands::attachments::reorder_attachments,
            commands::catalog::search_places,
            commands::catalog::child_places,
            commands::catalog::chosen_place,
            commands::catalog::catalog_choices,
            commands::letter::print_letter,
            commands::letter::save_letter::<tauri::Wry>,
            commands::sync::bureau_info,
            commands::sync::sign_in,
            commands::account::account_status,
            commands::account::ask_code,
            commands::account::verify_code,
            commands::account::sign_out,
            commands::account::delete_account,
            commands::sync::submit_petition,
            commands::sync::similar_petitions,
            commands::sync::withdraw_petition,
            commands::sync::list_outbox,
            commands::sync::petition_status,
            commands::sync::retry_outbox,
            commands::sync::take_step,
            commands::sync::track_petition,
            commands::sync::list_lookups,
            commands::sync::forget_lookup,
            commands::sync::watch_sync,
            commands::sync::sync_now,
            commands::settings::unlock_data::<tauri::Wry>,
            commands::settings::retry_open::<tauri::Wry>,
            commands::settings::passphrase_strength,
            commands::settings::set_up_passphrase::<tauri::Wry>,
            commands::kiosk::kiosk_begin_session,
            commands::kiosk::kiosk_list_folder,
            commands::kiosk::kiosk_attach_from_folder,
            commands::kiosk::kiosk_submit,
            commands::kiosk::kiosk_end_session::<tauri::Wry>,
            commands::kiosk::kiosk_admin_unlock,
            commands::kiosk::kiosk_admin_status,
            commands::kiosk::kiosk_sync_now,
            commands::kiosk::kiosk_export_outbox,
            commands::kiosk::kiosk_admin_lock,
            commands::kiosk::kiosk_exit,
            commands::kiosk::kiosk_print_receipt::<tauri::Wry>,
            update::check_update::<tauri::Wry>,
            update::pending_update,
            update::install_update::<tauri::Wry>,
        ])
        // A command fails by rejecting with a CommandError, as the UI's callers expect.
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        // Byte counts and sizes stay far below 2^53.
        .dangerously_cast_bigints_to_number()
        // One type per Rust type, not a serialize and a deserialize half of each.
        .disable_serde_phases()
}

/// In kiosk mode, a command outside [`command_names::KIOSK_COMMANDS`] is refused here, before
/// it runs, whatever the UI does: one place, so no desktop command (the drafts list, the outbox
/// with earlier citizens' titles, a petition's status, signing in) can be reached from a kiosk.
fn kiosk_refuses<R: Runtime>(invoke: &tauri::ipc::Invoke<R>) -> Option<CommandError> {
    let command = invoke.message.command();
    let webview = invoke.message.webview_ref();
    let state = webview.try_state::<AppState>()?;
    if !state.is_kiosk() || command_names::KIOSK_COMMANDS.contains(&command) {
        return None;
    }
    tracing::warn!(command, "kiosk: a desktop command was refused");
    Some(state.err(petition_core::kiosk::KioskError::Forbidden.into()))
}

/// Runs the sync engine (and, on the desktop, its notifications) for the rest of the app's life.
/// A kiosk shows no notification: it would announce one citizen's petition to the next.
pub(crate) fn start_engine<R: Runtime>(
    app: tauri::AppHandle<R>,
    engine: std::sync::Arc<petition_core::sync::Engine>,
) {
    if !app.state::<AppState>().is_kiosk() {
        notify_on_changes(app.clone(), engine.subscribe());
        remind(app);
    }
    tauri::async_runtime::spawn(async move {
        engine.run(std::future::pending()).await;
    });
}

/// Whether a URL is one of the app's own pages (`tauri://localhost` on Linux and macOS,
/// `http(s)://tauri.localhost` on Windows).
fn is_app_url(url: &tauri::Url) -> bool {
    url.scheme() == "tauri"
        || (matches!(url.scheme(), "http" | "https") && url.host_str() == Some("tauri.localhost"))
}

/// Opens the main window from its configuration (`"create": false` in tauri.conf.json), locked
/// to the app's own pages: navigation elsewhere and new windows (`window.open`) are refused.
fn open_main_window<R: Runtime>(app: &tauri::App<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    let kiosk = app.state::<AppState>().is_kiosk();
    let mut builder = tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?;
    if kiosk {
        // A shared machine: the whole screen, no title bar, nothing to close or minimise it
        // with; the OS's kiosk session (README) keeps other apps away.
        builder = builder
            .fullscreen(true)
            .decorations(false)
            .resizable(false)
            .minimizable(false)
            .maximizable(false)
            .closable(false)
            .always_on_top(true)
            .additional_browser_args(print::KIOSK_BROWSER_ARGS);
        // The screen's size too, for where nothing makes a window full-screen (an X session with
        // no window manager): the kiosk covers the screen either way.
        if let Ok(Some(monitor)) = app.primary_monitor() {
            let size = monitor.size().to_logical::<f64>(monitor.scale_factor());
            builder = builder
                .inner_size(size.width, size.height)
                .position(0.0, 0.0);
        }
        // The kiosk's webview keeps its browsing data in the kiosk's data folder, apart from any
        // other instance of the app (and WebView2 cannot share a data folder between different
        // browser arguments): the end of a session clears that folder's data and no other.
        let dir = app
            .state::<AppState>()
            .data_dir()
            .map(|d| d.join("kiosk-webview"));
        if let Some(dir) = dir {
            builder = builder.data_directory(dir);
        }
    }
    let window = builder
        .on_navigation(|url| {
            let allowed = is_app_url(url);
            if !allowed {
                tracing::warn!(
                    scheme = url.scheme(),
                    "navigation away from the app refused"
                );
            }
            allowed
        })
        .on_new_window(|url, _| {
            tracing::warn!(scheme = url.scheme(), "a new window was refused");
            tauri::webview::NewWindowResponse::Deny
        })
        .build()?;
    let handle = app.handle().clone();
    window.on_window_event(move |event| {
        if let tauri::WindowEvent::CloseRequested { api, .. } = event
            && !handle.state::<AppState>().may_close()
        {
            tracing::info!("kiosk: closing the window refused without the PIN");
            api.prevent_close();
        }
    });
    if kiosk {
        // No app menu (macOS makes one by default): with none, Cmd+Q, Cmd+H and Cmd+M do nothing.
        // Elsewhere the app has no menu to remove.
        if let Err(e) = app.handle().remove_menu() {
            tracing::warn!(error = %e, "kiosk: could not remove the app menu");
        }
        print::refuse_print_dialog(&window);
        keep_on_screen(window);
    } else {
        fit_to_screen(&window);
    }
    Ok(())
}

/// A window larger than the screen's free area is made to fit it, and centred: a 1920×1080
/// laptop at 200 % scaling has room for 960×540, less than the window's default size.
fn fit_to_screen<R: Runtime>(window: &tauri::WebviewWindow<R>) {
    // Before the window is first shown it may have no monitor yet: the primary one is its.
    let monitor = window
        .current_monitor()
        .ok()
        .flatten()
        .or_else(|| window.primary_monitor().ok().flatten());
    let (Some(monitor), Ok(outer), Ok(inner)) = (monitor, window.outer_size(), window.inner_size())
    else {
        tracing::info!("the screen's size is not known; the window keeps its size");
        return;
    };
    // A window not shown yet has no frame (GTK gives its outer size as 0×0).
    let outer = if outer.width < inner.width || outer.height < inner.height {
        inner
    } else {
        outer
    };
    let area = monitor.work_area().size;
    if outer.width <= area.width && outer.height <= area.height {
        return;
    }
    // The frame (title bar, borders) stays; the page gets what is left.
    let frame = (
        outer.width.saturating_sub(inner.width),
        outer.height.saturating_sub(inner.height),
    );
    let fitted = tauri::PhysicalSize::new(
        inner.width.min(area.width.saturating_sub(frame.0)),
        inner.height.min(area.height.saturating_sub(frame.1)),
    );
    tracing::info!(
        width = fitted.width,
        height = fitted.height,
        "the window was larger than the screen; it was made to fit"
    );
    if window
        .set_size(fitted)
        .and_then(|()| window.center())
        .is_err()
    {
        tracing::warn!("the window could not be made to fit the screen");
    }
}

/// In kiosk mode the window comes back at once if anything minimises it, hides it or takes it out
/// of full screen: a window manager's menu or shortcut, a script (measured under openbox: the
/// `minimizable` hint alone does not stop it). Checked every half second until the administrator
/// allows the exit.
fn keep_on_screen<R: Runtime>(window: tauri::WebviewWindow<R>) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        loop {
            tick.tick().await;
            if window.state::<AppState>().may_close() {
                break;
            }
            let minimized = window.is_minimized().unwrap_or(false);
            let fullscreen = window.is_fullscreen().unwrap_or(true);
            let visible = window.is_visible().unwrap_or(true);
            if minimized || !fullscreen || !visible {
                tracing::info!(
                    minimized,
                    fullscreen,
                    visible,
                    "kiosk: window put back on screen"
                );
                // Hidden (macOS's Hide, if any way to it is left): the app first, then its window.
                #[cfg(target_os = "macos")]
                let _ = window.app_handle().show();
                let _ = window.show();
                let _ = window.unminimize();
                let _ = window.set_fullscreen(true);
                let _ = window.set_focus();
            }
        }
    });
}

/// Reminds the citizen of a delivered petition's deadlines by desktop notifications: at start
/// (the ones missed while the app was closed) and every hour after. Named by tracking code,
/// never by content. Not started in kiosk mode.
fn remind<R: Runtime>(app: tauri::AppHandle<R>) {
    use tauri_plugin_notification::NotificationExt;
    const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);
    tauri::async_runtime::spawn(async move {
        loop {
            let Some(state) = app.try_state::<AppState>() else {
                return;
            };
            let lang = state.lang();
            // Locked (a passphrase not given yet): nothing to read until the next round.
            if let Ok(store) = state.store() {
                match store.outbox().reminders_today().await {
                    Ok(reminders) => {
                        for reminder in reminders {
                            let (title, body) = reminder_text(&reminder, lang);
                            if let Err(e) =
                                app.notification().builder().title(title).body(body).show()
                            {
                                tracing::info!(error = %e, "reminder not shown");
                            }
                            if let Err(e) = store.outbox().reminder_given(&reminder).await {
                                tracing::warn!(
                                    error = e.code(),
                                    "a reminder could not be recorded"
                                );
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = e.code(), "reminders could not be read"),
                }
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// A reminder's title and text: its tracking code and dates, nothing of the petition.
fn reminder_text(
    reminder: &petition_core::sync::reminders::Reminder,
    lang: petition_core::i18n::Lang,
) -> (String, String) {
    use petition_core::i18n::text;
    use petition_core::sync::reminders::ReminderKind;
    let code = reminder.tracking_code.as_str();
    match &reminder.kind {
        ReminderKind::WindowCloses {
            window,
            last_day,
            days_left,
        } => {
            let recheck = window == "recheck_request";
            (
                lang.text("notify-window"),
                text(
                    lang,
                    if recheck {
                        "notify-window-body-recheck_request"
                    } else {
                        "notify-window-body-review_request"
                    },
                    &[
                        ("code", code.into()),
                        ("date", last_day.as_str().into()),
                        ("days", (*days_left).into()),
                    ],
                ),
            )
        }
        ReminderKind::BureauLate { deadline, last_day } => (
            lang.text("notify-late"),
            text(
                lang,
                "notify-late-body",
                &[
                    ("code", code.into()),
                    (
                        "deadline",
                        lang.text(&format!("outbox-due-{deadline}")).into(),
                    ),
                    ("date", last_day.as_str().into()),
                ],
            ),
        ),
    }
}

/// Raises a desktop notification when a petition reaches the bureau or the bureau moves it on.
/// The text names the tracking code and the new state, never the petition's content.
fn notify_on_changes<R: Runtime>(
    app: tauri::AppHandle<R>,
    mut events: tokio::sync::broadcast::Receiver<petition_core::sync::SyncEvent>,
) {
    use petition_core::i18n::text;
    use petition_core::sync::SyncEvent;
    use tauri_plugin_notification::NotificationExt;
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            if !matches!(
                event,
                SyncEvent::Delivered { .. }
                    | SyncEvent::StatusChanged { .. }
                    | SyncEvent::Returned { .. }
            ) {
                continue;
            }
            let lang = app
                .try_state::<AppState>()
                .map(|s| s.lang())
                .unwrap_or_default();
            let (title, body) = match &event {
                SyncEvent::Delivered { tracking_code, .. } => (
                    lang.text("notify-delivered"),
                    text(
                        lang,
                        "notify-delivered-body",
                        &[("code", tracking_code.as_str().into())],
                    ),
                ),
                SyncEvent::StatusChanged {
                    tracking_code,
                    state,
                    ..
                } => (
                    lang.text("notify-moved"),
                    text(
                        lang,
                        "notify-moved-body",
                        &[
                            ("code", tracking_code.as_str().into()),
                            ("state", state.label(lang).into()),
                        ],
                    ),
                ),
                SyncEvent::Returned { problem, .. } => (
                    lang.text("notify-returned"),
                    text(
                        lang,
                        "notify-returned-body",
                        &[(
                            "field",
                            petition_core::validate::field_label(problem.field, lang).into(),
                        )],
                    ),
                ),
                _ => continue,
            };
            if let Err(e) = app.notification().builder().title(title).body(body).show() {
                // No notification service (a bare kiosk session): the window shows it anyway.
                tracing::info!(error = %e, "desktop notification not shown");
            }
        }
    });
}

/// Starts the app.
pub fn run() {
    let _log = petition_core::logging::init("petition-desk", "info");
    let lang = petition_core::i18n::Lang::from_env();
    report_panics(lang);
    let options = Options::from_args(std::env::args().skip(1));
    let app = match build(tauri::Builder::default(), options).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            tell_start_failed(lang);
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        // A kiosk does not quit without the PIN, whatever asks (macOS's Quit, the Dock, the last
        // window going): only leaving kiosk mode in the admin panel allows it.
        if let tauri::RunEvent::ExitRequested { api, .. } = &event
            && handle
                .try_state::<AppState>()
                .is_some_and(|s| !s.may_close())
        {
            tracing::info!("kiosk: quitting refused without the PIN");
            api.prevent_exit();
        }
    });
}

/// A panic is logged (where, not what: a message may hold a path with a person's name) before
/// anything else, and on the main thread told in a message box: a Windows release build has no
/// console, so it would otherwise end without a word.
fn report_panics(lang: petition_core::i18n::Lang) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(at, "the app stopped on an internal error");
        default(info);
        if std::thread::current().name() == Some("main") {
            tell_start_failed(lang);
        }
    }));
}

/// A native message box saying the app could not start, that nothing was lost, and where the
/// log is; nothing on Linux without a display to show it on (stderr has it there).
fn tell_start_failed(lang: petition_core::i18n::Lang) {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return;
    }
    let logs = petition_core::logging::log_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let text = petition_core::i18n::text(lang, "app-startFailed", &[("logs", logs.into())]);
    let title = format!(
        "{} {}",
        petition_core::i18n::Lang::Zh.text("app-name"),
        petition_core::i18n::Lang::En.text("app-name")
    );
    let _ = rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title(title)
        .set_description(text)
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
}

#[cfg(test)]
mod tests {
    use super::command_names::{COMMANDS, KIOSK_COMMANDS};

    const BINDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/api/bindings.ts");

    /// What `ui/src/api/bindings.ts` must hold: the TypeScript generated from the commands' Rust
    /// types.
    fn generated_bindings() -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("bindings.ts");
        super::bindings()
            .export(
                specta_typescript::Typescript::default().header(
                    "// Generated from the Rust types of the app's commands (src-tauri/src/lib.rs, \
                     `bindings()`): do not edit.\n// Regenerate: PETITION_WRITE_BINDINGS=1 cargo \
                     test -p petition-desk --lib bindings\n",
                ),
                &file,
            )
            .expect("the bindings export");
        std::fs::read_to_string(&file).expect("the exported bindings")
    }

    /// The UI's types are the Rust ones: a change to a command's arguments, result or error that
    /// is not regenerated into the committed file fails here (and then the UI's type check).
    #[test]
    fn the_committed_bindings_are_current() {
        let generated = generated_bindings();
        if std::env::var_os("PETITION_WRITE_BINDINGS").is_some() {
            std::fs::write(BINDINGS, &generated).expect("write ui/src/api/bindings.ts");
            return;
        }
        let committed = std::fs::read_to_string(BINDINGS).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/api/bindings.ts is stale: run PETITION_WRITE_BINDINGS=1 cargo test -p \
             petition-desk --lib bindings"
        );
    }

    /// Every registered command is in the bindings, except the two that move raw bytes.
    #[test]
    fn every_command_is_in_the_bindings_or_moves_bytes() {
        let generated = generated_bindings();
        for name in COMMANDS {
            let typed = generated.contains(&format!("\"{name}\""));
            let binary = super::BINARY_COMMANDS.contains(name);
            assert!(
                typed != binary,
                "{name}: in the bindings {typed}, binary {binary}"
            );
        }
    }

    /// The kiosk's list names only real commands, and the desktop window is granted every command
    /// (the kiosk guard, not the capability, decides what a kiosk may call: Tauri's own refusal
    /// would come before the app could answer `kiosk_forbidden`).
    #[test]
    fn every_command_is_granted_and_the_kiosk_list_names_real_ones() {
        for name in KIOSK_COMMANDS {
            assert!(COMMANDS.contains(name), "{name} is not a command");
        }
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).expect("JSON");
        let granted: Vec<&str> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        for name in COMMANDS {
            let permission = format!("allow-{}", name.replace('_', "-"));
            assert!(granted.contains(&permission.as_str()), "{permission}");
        }
        // Desktop-only commands are refused in kiosk mode.
        for desktop in [
            "list_outbox",
            "get_draft",
            "petition_status",
            "take_step",
            "track_petition",
            "list_lookups",
            "forget_lookup",
            "sign_in",
            "ask_code",
            "verify_code",
            "account_status",
            "sign_out",
            "delete_account",
            "list_drafts",
        ] {
            assert!(!KIOSK_COMMANDS.contains(&desktop), "{desktop}");
        }
    }
}
