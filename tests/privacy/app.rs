//! The real app through a petition full of markers (issue 14, defect 8): typed into the form,
//! searched for, with a marker PDF attached from a file whose name carries the citizen's name,
//! submitted and delivered to the bureau. Then every file under the data folder, the log folder
//! and the webview's own data, cache and config folders (WebKit's local storage, IndexedDB, HTTP
//! and page caches) is searched, raw, for every marker.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use petition_core::model::Field;
use petition_tests::app::Driver;
use petition_tests::eventually;

use super::{NAME, contains, files_under, marker_patterns, marker_pdf, marker_values};
use crate::bureau::{Db, TestBureau};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_app_delivers_a_petition_no_marker_is_in_its_files_or_the_webviews() {
    petition_tests::app::bounded(async move {
        let root = tempfile::tempdir().expect("temp dir");
        let data = root.path().join("data");
        let logs = root.path().join("logs");
        let xdg_data = root.path().join("xdg-data");
        let xdg_cache = root.path().join("xdg-cache");
        let xdg_config = root.path().join("xdg-config");
        for dir in [&xdg_data, &xdg_cache, &xdg_config] {
            std::fs::create_dir_all(dir).expect("an XDG dir");
        }
        let env = [
            ("XDG_DATA_HOME", xdg_data.as_os_str()),
            ("XDG_CACHE_HOME", xdg_cache.as_os_str()),
            ("XDG_CONFIG_HOME", xdg_config.as_os_str()),
            ("PETITION_LOG_DIR", logs.as_os_str()),
        ];
        let Some(driver) = Driver::start_with_env(&env).await else {
            return;
        };
        if !crate::sync::keyring_ready() {
            return;
        }
        let b = TestBureau::start_with(Db::Sqlite, petition_bureau::Limits::default())
            .await
            .expect("a SQLite bureau");
        let token = b.token(petition_bureau::store::TokenKind::Citizen).await;
        let evidence = root.path().join(format!("{NAME}的证据.pdf"));
        std::fs::write(&evidence, marker_pdf()).expect("the marker PDF");

        let app = driver.launch(&data, &[]).await;
        app.click("[data-testid=show-outbox]").await;
        app.click("[data-testid=token-sign-in] summary").await;
        app.type_into("#bureau-url", &b.base).await;
        app.type_into("#bureau-token", &token).await;
        app.click("[data-testid=sign-in-button]").await;
        app.wait_css("[data-testid=signed-in]").await;

        app.click("[data-testid=show-drafts]").await;
        app.click("[data-testid=new-draft]").await;
        // Signed in, the app fetches the bureau's catalogue and the category becomes a list.
        app.wait_css("select#f-category").await;
        for (field, value) in marker_values() {
            if field == Field::Region {
                app.choose_place("雁塔", &value).await;
            } else if field == Field::Purpose {
                // WebKitWebDriver finds the radio itself not interactable here; a click on its
                // label is what a person's click does.
                app.js(&format!(
                    "document.querySelector('input[name=purpose][value={value}]').closest('label').click()"
                ))
                .await;
            } else {
                app.fill(field.key(), &value).await;
            }
        }
        app.type_into(
            "[data-testid=file-input]",
            evidence.to_str().expect("utf-8"),
        )
        .await;
        app.wait_count("[data-testid=attachment]", 1).await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        app.type_into("#search", &NAME[..6]).await;
        app.wait_count("[data-testid=draft-item]", 1).await;
        app.click("[data-testid=submit]").await;
        app.wait_css("[data-testid=confirm]").await;
        app.click("[data-testid=confirm-submit]").await;
        app.click("[data-testid=show-outbox]").await;
        eventually(Duration::from_secs(120), "delivery", || async {
            (app.count("[data-testid=outbox-item][data-state=delivered]")
                .await
                == 1)
                .then_some(())
        })
        .await;
        app.quit().await;

        // The markers were really sent: the bureau, which keeps plain text, has them.
        let held: String = sqlx::query_scalar("SELECT body FROM petitions")
            .fetch_one(b.state.store().pool())
            .await
            .expect("the bureau holds it");
        assert!(held.contains(NAME), "the bureau received the name");

        let mut files: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
        for dir in [&data, &logs, &xdg_data, &xdg_cache, &xdg_config] {
            files.extend(files_under(dir));
        }
        assert!(
            files
                .keys()
                .any(|p| p.starts_with(&xdg_data) || p.starts_with(&xdg_cache)),
            "the webview wrote nothing under its XDG folders, so this proves nothing: {:#?}",
            files.keys().collect::<Vec<_>>()
        );
        let mut leaks = Vec::new();
        for (path, bytes) in &files {
            for (what, pattern) in marker_patterns() {
                if contains(bytes, &pattern) {
                    leaks.push(format!("{what} in {}", path.display()));
                }
            }
            if path.to_string_lossy().contains(NAME) {
                leaks.push(format!("the name in the file name {}", path.display()));
            }
        }
        assert!(leaks.is_empty(), "personal data in plain text: {leaks:#?}");
        let _ = petition_core::sync::secret::forget_token(&data);
    })
    .await;
}
