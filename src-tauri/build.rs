// Every command the UI may call is listed here; tauri-build turns each into an `allow-…`
// permission, and `capabilities/main.json` grants exactly those to the main window.
const COMMANDS: &[&str] = &[
    "app_state",
    "set_language",
    "list_drafts",
    "list_trash",
    "search_drafts",
    "create_draft",
    "get_draft",
    "update_field",
    "check_draft",
    "trash_draft",
    "restore_draft",
    "delete_draft",
    "duplicate_draft",
    "attachment_limits",
    "attach_file",
    "list_attachments",
    "remove_attachment",
    "reorder_attachments",
    "attachment_thumbnail",
    "bureau_info",
    "sign_in",
    "submit_petition",
    "withdraw_petition",
    "list_outbox",
    "petition_status",
    "retry_outbox",
    "watch_sync",
    "sync_now",
    "unlock_data",
    "kiosk_begin_session",
    "kiosk_list_folder",
    "kiosk_attach_from_folder",
    "kiosk_submit",
    "kiosk_end_session",
    "kiosk_admin_unlock",
    "kiosk_admin_status",
    "kiosk_sync_now",
    "kiosk_export_outbox",
    "kiosk_admin_lock",
    "kiosk_exit",
    "kiosk_print_receipt",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
