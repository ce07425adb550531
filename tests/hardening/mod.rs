//! The webview's hardening, read from the files that set it: a regression in any of them fails
//! here. CSP without unsafe-eval or remote origins, a frozen prototype, no global Tauri object,
//! capabilities that grant exactly the commands the UI calls (and nothing remote), no devtools
//! feature, and a Tauri without GHSA-7gmj-67g7-phm9 (≥ 2.11.1).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository")
        .to_owned()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("parse {rel}: {e}"))
}

/// The commands listed in src-tauri/build.rs.
fn declared_commands() -> BTreeSet<String> {
    // One list, which build.rs includes and the kiosk guard reads.
    let names = read("src-tauri/src/command_names.rs");
    let list = names
        .split("pub const COMMANDS")
        .nth(1)
        .and_then(|rest| rest.split("];").next())
        .expect("COMMANDS in src-tauri/src/command_names.rs");
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn csp_forbids_eval_inline_scripts_and_remote_origins() {
    let conf = json("src-tauri/tauri.conf.json");
    let security = &conf["app"]["security"];
    let csp = security["csp"].as_object().expect("a CSP object");
    for directive in ["default-src", "script-src", "connect-src", "object-src"] {
        assert!(csp.contains_key(directive), "CSP sets {directive}");
    }
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    for (directive, sources) in csp {
        let sources = sources.as_str().expect("CSP sources as a string");
        for source in sources.split_whitespace() {
            assert!(
                !matches!(
                    source,
                    "'unsafe-eval'" | "'unsafe-inline'" | "*" | "http:" | "https:"
                ) && !source.contains("wasm-unsafe-eval"),
                "{directive} allows {source}"
            );
            if source.starts_with("http://") || source.starts_with("https://") {
                assert_eq!(
                    source, "http://ipc.localhost",
                    "{directive} names a remote origin"
                );
            }
        }
    }
    assert_eq!(security["freezePrototype"], true, "freezePrototype");
    assert_ne!(security["dangerousDisableAssetCspModification"], true);
    assert_ne!(conf["app"]["withGlobalTauri"], true, "no global __TAURI__");
    assert!(
        security.get("dangerousRemoteDomainIpcAccess").is_none(),
        "no remote IPC"
    );
}

#[test]
fn capabilities_grant_exactly_the_commands_the_ui_calls() {
    let commands = declared_commands();
    assert!(!commands.is_empty());

    // Every declared command is registered with the invoke handler and called by the UI.
    // The UI's API is the generated bindings plus the two raw-bytes commands in index.ts.
    let lib = read("src-tauri/src/lib.rs");
    let ui = read("ui/src/api/index.ts");
    let bindings = read("ui/src/api/bindings.ts");
    for c in &commands {
        assert!(
            lib.contains(&format!("::{c},")) || lib.contains(&format!("::{c}::<")),
            "{c} is registered in lib.rs"
        );
        assert!(
            ui.contains(&format!("'{c}'")) || bindings.contains(&format!("(\"{c}\"")),
            "{c} is called by the UI (ui/src/api)"
        );
    }

    let expected: BTreeSet<String> = commands
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .chain(
            [
                "core:event:allow-listen",
                "core:event:allow-unlisten",
                "core:window:allow-destroy",
                "core:window:allow-close",
            ]
            .map(str::to_owned),
        )
        .collect();
    let mut granted = BTreeSet::new();
    for entry in std::fs::read_dir(repo().join("src-tauri/capabilities")).expect("capabilities") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let cap: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        assert!(
            cap.get("remote").is_none(),
            "{}: no remote URLs",
            path.display()
        );
        assert_ne!(cap["local"], false, "{}: local pages only", path.display());
        for p in cap["permissions"].as_array().expect("permissions") {
            let id = p
                .as_str()
                .expect("plain permission identifiers, no scoped objects");
            assert!(
                !id.ends_with(":default") && !id.contains("allow-all"),
                "{}: broad permission {id}",
                path.display()
            );
            granted.insert(id.to_owned());
        }
    }
    assert_eq!(granted, expected, "granted permissions");
}

#[test]
fn no_devtools_and_a_tauri_without_the_known_advisory() {
    let manifest = read("src-tauri/Cargo.toml");
    assert!(
        !manifest.contains("devtools"),
        "the devtools feature is off"
    );
    let lock = read("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("\nname = \"tauri\"\n"))
        .and_then(|p| p.split("version = \"").nth(1))
        .and_then(|v| v.split('"').next())
        .expect("tauri in Cargo.lock");
    let parts: Vec<u32> = version
        .split(['.', '-'])
        .take(3)
        .map(|n| n.parse().expect("numeric version"))
        .collect();
    assert!(
        parts >= vec![2, 11, 1] && parts[0] == 2,
        "tauri {version} must be ≥ 2.11.1 (GHSA-7gmj-67g7-phm9)"
    );
}

#[test]
fn the_app_identifier_matches_the_cores_data_dir_rule() {
    let conf = json("src-tauri/tauri.conf.json");
    assert_eq!(conf["identifier"], petition_core::paths::APP_IDENTIFIER);
}

/// A start that fails (here: no display for GTK) is logged before anything else, by where it
/// stopped and not by what it held, and the process ends with a failure instead of hanging. (With
/// a display, the same path shows a native message box: a Windows release build has no console.)
#[cfg(not(windows))]
#[test]
fn a_failed_start_is_logged_and_ends_the_process() {
    let app = petition_tests::app::app_binary();
    if !petition_tests::require(
        &format!("the release app at {}", app.display()),
        app.exists(),
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = dir.path().join("logs");
    let out = std::process::Command::new(&app)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("PETITION_LOG_DIR", &logs)
        .output()
        .expect("the app runs");
    assert!(!out.status.success(), "the app started without a display");
    let log: String = std::fs::read_dir(&logs)
        .expect("a log folder")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    assert!(
        log.contains("the app stopped on an internal error"),
        "the failed start is not in the log: {log}"
    );
}

/// The bureau's errors name their cause once: anyhow prints the chain, so the cause must not be
/// in the error's own text as well.
#[test]
fn a_bureau_error_names_its_cause_once() {
    let file = tempfile::NamedTempFile::new().expect("a file where a folder should be");
    let out = std::process::Command::new(petition_tests::workspace_bin("petition-bureau"))
        .arg("--data-dir")
        .arg(file.path())
        .args(["token", "create", "--kind", "citizen", "--name", "n"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("petition-bureau runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The OS's own words for "a file is already there": EEXIST on Unix, ERROR_ALREADY_EXISTS on
    // Windows.
    let exists =
        std::io::Error::from_raw_os_error(if cfg!(windows) { 183 } else { 17 }).to_string();
    assert_eq!(err.matches(&exists).count(), 1, "{exists:?} in {err}");
    assert!(err.contains("could not create the data directory"), "{err}");
}
