//! Kiosk isolation in the shell, not only in the UI: from the kiosk's own window, every desktop
//! command is refused with `kiosk_forbidden` before it runs, and the commands a kiosk may call
//! refuse any petition but the citizen's own draft; an earlier citizen's petition, still in the
//! outbox, is out of reach.

use petition_tests::app::{App, Driver};
use petition_tests::petitionctl;

use super::kiosk::offline_kiosk;

/// Calls a command through the page's IPC as the UI would, and returns the error's code (or
/// `"ok"` when it was not refused).
async fn call(app: &App, command: &str, args: serde_json::Value) -> String {
    let answer = app
        .client
        .execute_async(
            "const [command, args, done] = arguments; \
             window.__TAURI_INTERNALS__.invoke(command, args) \
               .then(() => done('ok'), (e) => done(e && e.code ? e.code : JSON.stringify(e)));",
            vec![command.into(), args],
        )
        .await
        .expect("the script runs");
    answer.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kiosk_window_cannot_reach_desktop_commands_or_another_citizens_petition() {
    petition_tests::app::bounded(async move {
        let Some(driver) = Driver::start().await else {
            return;
        };
        if !crate::sync::keyring_ready() {
            return;
        }
        let root = tempfile::tempdir().expect("temp dir");
        let data = offline_kiosk(root.path(), "隔离测试终端", 600, &[]);
        // An earlier citizen's petition, waiting in the outbox.
        let ctl = || {
            let mut cmd = petitionctl();
            cmd.arg("--data-dir").arg(&data);
            cmd
        };
        let mut new = ctl();
        new.args(["draft", "new"]);
        for (key, value) in super::kiosk::citizen_values() {
            new.args(["--set", &format!("{key}={value}")]);
        }
        let out = new.output().expect("draft new");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let earlier = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let out = ctl().args(["submit", &earlier]).output().expect("submit");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let app = driver
            .launch_until(&data, &[], "[data-testid=kiosk-welcome]")
            .await;
        let id = serde_json::json!({ "id": earlier });
        for (command, args) in [
            ("list_outbox", serde_json::json!({})),
            ("list_drafts", serde_json::json!({})),
            ("search_drafts", serde_json::json!({ "query": "道路" })),
            ("get_draft", id.clone()),
            ("petition_status", id.clone()),
            ("withdraw_petition", id.clone()),
            ("bureau_info", serde_json::json!({})),
            (
                "sign_in",
                serde_json::json!({ "bureauUrl": "http://127.0.0.1:9", "token": "x" }),
            ),
            ("sync_now", serde_json::json!({})),
            // Commands the kiosk may call, but not on another citizen's petition.
            ("check_draft", id.clone()),
            ("list_attachments", id.clone()),
            (
                "update_field",
                serde_json::json!({ "id": earlier, "field": "title", "value": "改" }),
            ),
            ("kiosk_submit", id.clone()),
        ] {
            assert_eq!(
                call(&app, command, args).await,
                "kiosk_forbidden",
                "{command} from the kiosk window"
            );
        }
        // What the kiosk is for still works.
        assert_eq!(call(&app, "app_state", serde_json::json!({})).await, "ok");
        app.click("[data-testid=kiosk-start]").await;
        app.wait_css("[data-testid=kiosk-step][data-step=who]")
            .await;
        app.type_into("#f-name", "隔离测试").await;
        app.wait_text("[data-testid=kiosk-save-status]", "已保存")
            .await;
        app.quit().await;
        let _ = petition_core::sync::secret::forget_token(&data);
    })
    .await;
}
