// Every command the UI may call is listed in src/command_names.rs; tauri-build turns each into
// an `allow-…` permission, and `capabilities/main.json` grants exactly those to the main window.
include!("src/command_names.rs");

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
