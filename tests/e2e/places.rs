//! The place picker and the catalogue's lists in the real app (issue 16): a first start with no
//! network already finds every place; a place is chosen with the keyboard alone by its name or
//! level by level, and the draft keeps its code across a relaunch; a code no longer in the list
//! is shown with a note, never changed; with the bureau's catalogue kept, the category and the
//! agency are chosen from lists, and a category's notice shows when it is chosen.

use petition_tests::app::{App, Driver, bounded};
use petition_tests::petitionctl;

use crate::bureau::{Db, TestBureau};

/// The draft's fields as `petitionctl draft show --json` reads them.
fn shown(dir: &std::path::Path) -> serde_json::Value {
    let d = dir.to_str().expect("utf-8");
    let out = petitionctl()
        .args(["--data-dir", d, "draft", "list", "--json"])
        .output()
        .expect("petitionctl");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let id = list[0]["id"].as_str().expect("a draft").to_owned();
    let out = petitionctl()
        .args(["--data-dir", d, "draft", "show", &id, "--json"])
        .output()
        .expect("petitionctl");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

async fn chosen(app: &App) -> String {
    app.text("[data-testid=place-chosen]").await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_place_is_chosen_by_name_or_level_by_level_and_kept_as_its_code() {
    bounded(async move {
        let Some(driver) = Driver::start().await else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;
        app.click("[data-testid=new-draft]").await;

        // By a part of its name, with the keyboard alone; no network, no catalogue.
        app.choose_place("莲湖", "610104").await;
        assert!(chosen(&app).await.contains("陕西省 › 西安市 › 莲湖区"));
        app.wait_value("#f-region", "陕西省 › 西安市 › 莲湖区")
            .await;
        assert_eq!(app.value("#place-level-2").await, "610104");
        // The levels in order, and pinyin initials.
        app.js("const s = document.querySelector('#f-region'); s.select();")
            .await;
        app.choose_place("西安 雁塔", "610113").await;
        app.wait_value("#place-level-2", "610113").await;
        app.js("const s = document.querySelector('#f-region'); s.select();")
            .await;
        app.choose_place("lh", "610104").await;
        app.wait_value("#place-level-2", "610104").await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        assert_eq!(shown(dir.path())["region"], "610104");

        // Level by level: another province, its city, its district.
        app.click("#place-level-0 option[value='110000']").await;
        app.click("#place-level-1 option[value='110101']").await;
        app.wait_text("[data-testid=place-chosen]", "北京市 › 东城区")
            .await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        assert_eq!(shown(dir.path())["region"], "110101");
        app.quit().await;

        // A relaunch shows the place again from its code.
        let app = driver.launch(dir.path(), &[]).await;
        app.click("[data-testid=draft-item]").await;
        app.wait_value("#f-region", "北京市 › 东城区").await;
        app.wait_value("#place-level-0", "110000").await;
        app.quit().await;

        // A code the list no longer has (凤翔县 became 凤翔区 in 2021) is shown with a note and
        // kept as it is.
        let d = dir.path().to_str().expect("utf-8");
        let id = shown(dir.path())["id"].as_str().expect("id").to_owned();
        let out = petitionctl()
            .args([
                "--data-dir",
                d,
                "draft",
                "set",
                &id,
                "--set",
                "region=610322",
            ])
            .output()
            .expect("petitionctl");
        assert!(out.status.success());
        let app = driver.launch(dir.path(), &[]).await;
        app.click("[data-testid=draft-item]").await;
        app.wait_text("[data-testid=place-unknown]", "610322").await;
        app.quit().await;
        assert_eq!(
            shown(dir.path())["region"],
            "610322",
            "never silently changed"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_bureaus_catalogue_the_category_and_agency_are_chosen_from_lists() {
    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let Some(driver) = Driver::start().await else {
            return;
        };
        let bureau = TestBureau::start(Db::Sqlite)
            .await
            .expect("a SQLite bureau");
        let token = bureau
            .token(petition_bureau::store::TokenKind::Citizen)
            .await;
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path().to_str().expect("utf-8");
        for args in [vec!["login", "--token", &token], vec!["catalog", "sync"]] {
            let out = petitionctl()
                .args(["--data-dir", d])
                .args(&args)
                .env("PETITION_BUREAU_URL", &bureau.base)
                .output()
                .expect("petitionctl");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let app = driver.launch(dir.path(), &[]).await;
        app.click("[data-testid=new-draft]").await;
        app.choose_place("莲湖", "610104").await;

        // The agencies that serve 莲湖区: Xi'an's and the province's, and "not sure".
        app.wait_css("select#f-agency option[value='西安市住房和城乡建设局']")
            .await;
        assert_eq!(app.value("#f-agency").await, "", "not sure until chosen");
        app.click("select#f-agency option[value='西安市住房和城乡建设局']")
            .await;
        app.click("select#f-category option[value='城乡建设']")
            .await;
        assert_eq!(app.count("[data-testid=category-notice]").await, 0);
        app.click("select#f-category option[value='涉法涉诉']")
            .await;
        app.wait_text("[data-testid=category-notice]", "第三十一条")
            .await;
        app.click("select#f-category option[value='城乡建设']")
            .await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        let fields = shown(dir.path());
        assert_eq!(fields["agency"], "西安市住房和城乡建设局");
        assert_eq!(fields["category"], "城乡建设");

        // 检举控告 says who will see the petitioner's name.
        assert_eq!(app.count("[data-testid=accusation-privacy]").await, 0);
        app.click("input[name=purpose][value=accusation]").await;
        app.wait_text("[data-testid=accusation-privacy]", "第三十条")
            .await;
        app.quit().await;
    })
    .await;
}
