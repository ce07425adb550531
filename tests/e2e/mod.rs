//! The real app (release build) under Xvfb, driven through tauri-driver + WebKitWebDriver.

mod account;
mod after_delivery;
mod comfort;
mod guided;
mod keyless;
mod kiosk;
mod kiosk_forbidden;
mod letter;
mod places;
mod read_aloud;
mod single_instance;
mod text_size;
mod update;

use petition_tests::app::{Driver, bounded};
use petition_tests::petitionctl;

/// What the citizen types: Chinese text in every field (the ID and phone are digits; the region
/// is chosen in the place picker by typing 莲湖).
const TYPED: &[(&str, &str)] = &[
    ("name", "王丽华"),
    ("id_number", "11010519491231002X"),
    ("phone", "13912345678"),
    ("address", "陕西省西安市雁塔区小寨东路一号院三单元"),
    ("email", "wanglihua@example.cn"),
    ("region", "610104"),
    ("agency", "雁塔区住房和城乡建设局"),
    ("category", "城乡建设"),
    ("title", "小区门前道路破损严重"),
    ("request", "请尽快修复小区门前的道路。"),
    (
        "facts",
        "自今年八月起，道路出现大面积坑洼，雨天积水，老人出行不便。",
    ),
    ("reasons", "道路安全关系到居民日常出行。"),
];

#[tokio::test(flavor = "multi_thread")]
async fn a_petition_typed_in_chinese_survives_a_relaunch_and_can_be_found() {
    bounded(async move {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");

    // First run: Chinese by default; create a draft and fill every field.
    let app = driver.launch(dir.path(), &[]).await;
    assert_eq!(
        app.js("return document.documentElement.lang").await,
        "zh-CN"
    );
    app.click("[data-testid=new-draft]").await;
    assert_eq!(
        app.text("label[for=f-name]")
            .await
            .split_whitespace()
            .next(),
        Some("姓名")
    );
    for (key, text) in TYPED {
        if *key == "region" {
            app.choose_place("莲湖", text).await;
        } else {
            app.fill(key, text).await;
        }
    }
    app.click("input[name=purpose][value=claim]").await;
    app.wait_text("[data-testid=save-status]", "已保存").await;
    // The check passes for a complete petition.
    app.click("[data-testid=check]").await;
    app.wait_text("[data-testid=check-result]", "检查通过")
        .await;
    app.quit().await;

    // The CLI reads what the app wrote, and writes a draft the app will read.
    let d = dir.path().to_str().expect("utf-8");
    let out = petitionctl()
        .args(["--data-dir", d, "draft", "list", "--json"])
        .output()
        .expect("petitionctl");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let id = list[0]["id"].as_str().expect("the app's draft").to_owned();
    let out = petitionctl()
        .args(["--data-dir", d, "draft", "show", &id, "--json"])
        .output()
        .expect("petitionctl");
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for (key, text) in TYPED {
        assert_eq!(
            shown[key], *text,
            "petitionctl reads `{key}` as typed in the app"
        );
    }
    assert_eq!(shown["purpose"], "claim");
    let out = petitionctl()
        .args([
            "--data-dir",
            d,
            "draft",
            "new",
            "--title",
            "夜间施工噪音扰民",
            "--set",
            "facts=每晚十一点后仍在施工",
        ])
        .output()
        .expect("petitionctl");
    let cli_id = String::from_utf8_lossy(&out.stdout).trim().to_owned();

    // Second run: every character is where it was left; the CLI's draft is there too.
    let app = driver.launch(dir.path(), &[]).await;
    assert_eq!(app.count("[data-testid=draft-item]").await, 2);
    app.click(&format!("[data-testid=draft-item][data-id='{id}']"))
        .await;
    for (key, text) in TYPED {
        // The place picker shows the place's path; the code stays what is stored.
        let text = if *key == "region" { "陕西省 › 西安市 › 莲湖区" } else { text };
        app.wait_value(&format!("#f-{key}"), text).await;
    }
    assert_eq!(
        app.js("return document.querySelector('input[name=purpose][value=claim]').checked")
            .await,
        true
    );
    app.click(&format!("[data-testid=draft-item][data-id='{cli_id}']"))
        .await;
    app.wait_value("#f-title", "夜间施工噪音扰民").await;
    app.wait_value("#f-facts", "每晚十一点后仍在施工").await;

    // Search: a two-character Chinese substring finds exactly the matching draft.
    app.type_into("[data-testid=search]", "坑洼").await;
    app.wait_text(".list-heading", "1").await;
    assert_eq!(
        app.count(&format!("[data-testid=draft-item][data-id='{id}']"))
            .await,
        1
    );
    assert_eq!(app.count("[data-testid=draft-item]").await, 1);
    app.js("const s = document.querySelector('[data-testid=search]'); s.value=''; s.dispatchEvent(new InputEvent('input'));").await;
    app.type_into("[data-testid=search]", "噪音").await;
    app.wait_text(".list-heading", "1").await;
    assert_eq!(
        app.count(&format!("[data-testid=draft-item][data-id='{cli_id}']"))
            .await,
        1
    );

    // Switch to English; it is remembered across a relaunch; switch back.
    app.click("[data-testid=switch-language]").await;
    app.wait_text("[data-testid=switch-language]", "中文").await;
    assert_eq!(app.js("return document.documentElement.lang").await, "en");
    app.quit().await;
    let app = driver.launch(dir.path(), &[]).await;
    app.wait_text("[data-testid=new-draft]", "New petition")
        .await;
    app.click(&format!("[data-testid=draft-item][data-id='{id}']"))
        .await;
    assert_eq!(
        app.text("label[for=f-name]")
            .await
            .split_whitespace()
            .next(),
        Some("Name")
    );
    app.click("[data-testid=switch-language]").await;
    app.wait_text("[data-testid=new-draft]", "新建信访事项")
        .await;
    app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check_lists_problems_next_to_fields_and_trash_can_be_undone() {
    bounded(async move {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let app = driver.launch(dir.path(), &[]).await;
    app.click("[data-testid=new-draft]").await;
    app.type_into("#f-id_number", "110105194912310021").await;
    app.type_into("#f-phone", "12345").await;
    app.type_into("#f-title", "路灯不亮").await;
    app.wait_text("[data-testid=save-status]", "已保存").await;
    app.click("[data-testid=check]").await;
    app.wait_text("[data-testid=problem-id_number]", "最后一位")
        .await;
    app.wait_text("[data-testid=problem-phone]", "手机号").await;
    app.wait_text("[data-testid=problem-name]", "必填").await;
    // Each problem is tied to its field for screen readers.
    assert_eq!(
        app.js("return document.getElementById('f-phone').getAttribute('aria-describedby')")
            .await,
        "hint-phone problem-phone"
    );
    // Fixing a field clears its problem.
    app.js("const p = document.getElementById('f-phone'); p.value=''; p.dispatchEvent(new InputEvent('input'));").await;
    app.type_into("#f-phone", "029-88886666").await;
    petition_tests::eventually(
        std::time::Duration::from_secs(10),
        "the phone problem to clear",
        || async { (app.count("[data-testid=problem-phone]").await == 0).then_some(()) },
    )
    .await;

    // While an input method composes (pinyin "dao" on its way to 道), nothing is taken; the
    // composed text is saved when the composition ends, and the caret stays where it was.
    app.js(
        "const el = document.getElementById('f-title'); el.focus();
         el.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
         el.value = '路灯不亮dao';
         el.setSelectionRange(el.value.length, el.value.length);
         el.dispatchEvent(new InputEvent('input', {isComposing: true, data: 'dao', inputType: 'insertCompositionText'}));",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let d = dir.path().to_str().expect("utf-8");
    let title_on_disk = || {
        let out = petitionctl()
            .args(["--data-dir", d, "search", "路灯", "--json"])
            .output()
            .expect("petitionctl");
        let hits: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        hits[0]["title"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(
        title_on_disk(),
        "路灯不亮",
        "nothing is saved mid-composition"
    );
    app.js("const el = document.getElementById('f-title');
         el.value = '路灯不亮道';
         el.setSelectionRange(el.value.length, el.value.length);
         el.dispatchEvent(new CompositionEvent('compositionend', {data: '道'}));")
        .await;
    app.wait_text("[data-testid=save-status]", "已保存").await;
    petition_tests::eventually(
        std::time::Duration::from_secs(10),
        "the composed title on disk",
        || async { (title_on_disk() == "路灯不亮道").then_some(()) },
    )
    .await;
    assert_eq!(
        app.js("return document.getElementById('f-title').selectionStart")
            .await,
        5
    );
    assert_eq!(app.value("#f-title").await, "路灯不亮道");

    // The window stays on the app: a new window and navigation elsewhere are both refused.
    app.js("window.open('https://example.com/', '_blank'); return null")
        .await;
    app.js("setTimeout(() => { location.href = 'https://example.com/'; }, 0); return null")
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(app.client.windows().await.expect("windows").len(), 1);
    let url = app.client.current_url().await.expect("current URL");
    assert!(
        url.scheme() == "tauri" || url.host_str() == Some("tauri.localhost"),
        "still on the app, not {url}"
    );
    app.wait_css("[data-testid=check]").await;

    // Duplicate, then trash the copy and undo; trash the original and restore it from the trash.
    app.click("[data-testid=duplicate]").await;
    app.wait_count("[data-testid=draft-item]", 2).await;
    app.click("[data-testid=trash]").await;
    app.wait_count("[data-testid=draft-item]", 1).await;
    app.click("[data-testid=show-trash]").await;
    app.wait_css("[data-testid=trash-item]").await;
    app.click("[data-testid=restore]").await;
    app.click("[data-testid=show-drafts]").await;
    app.wait_count("[data-testid=draft-item]", 2).await;
    app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn attached_photos_and_a_pdf_survive_a_relaunch_with_thumbnails() {
    bounded(async move {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    petition_tests::corpus::write_attachments(dir.path());
    let corpus = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_owned();
    let pdf = dir.path().join("通知.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
          2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
          3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n\
          trailer << /Root 1 0 R >>\n%%EOF\n",
    )
    .expect("write a PDF");
    let data = dir.path().join("data");

    let app = driver.launch(&data, &[]).await;
    app.click("[data-testid=new-draft]").await;
    app.type_into("#f-title", "道路破损照片").await;
    // Four files picked at once: two photos, a PDF, and a "JPEG" that is not an image.
    let files = [
        corpus("photo-12mp-gps.jpg"),
        corpus("photo-rotated-6-gps.jpg"),
        pdf.to_str().expect("utf-8").to_owned(),
        corpus("not-an-image.jpg"),
    ]
    .join("\n");
    app.type_into("[data-testid=file-input]", &files).await;
    app.wait_count("[data-testid=attachment]", 3).await;
    app.wait_count("[data-testid=attachment-pending]", 0).await;
    app.wait_css("[data-testid=attachment-refused][data-code=not_image_or_pdf]")
        .await;
    app.wait_text("[data-testid=attachment-refused]", "不是图片或 PDF")
        .await;
    app.wait_count("img[data-testid=thumbnail]", 2).await;
    app.wait_text("[data-testid=save-status]", "已保存").await;
    app.quit().await;

    let app = driver.launch(&data, &[]).await;
    app.click("[data-testid=draft-item]").await;
    app.wait_count("[data-testid=attachment]", 3).await;
    app.wait_count(
        "[data-testid=attachment][data-media-type='application/pdf']",
        1,
    )
    .await;
    petition_tests::eventually(
        std::time::Duration::from_secs(20),
        "both thumbnails to load",
        || async {
            let loaded = app
                .js("return [...document.querySelectorAll('img[data-testid=thumbnail]')].filter(i => i.complete && i.naturalWidth > 0 && i.naturalWidth <= 256).length")
                .await;
            (loaded == 2).then_some(())
        },
    )
    .await;
    app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn submitted_offline_it_is_delivered_when_the_bureau_comes_up_and_the_reply_comes_back() {
    bounded(async move {
        use petition_tests::{Service, free_port, workspace_bin};
        use std::process::{Command, Stdio};
        use std::time::Duration;

        let Some(driver) = Driver::start().await else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let bureau_dir = dir.path().join("bureau");
        let bd = bureau_dir.to_str().expect("utf-8");
        let bureau = workspace_bin("petition-bureau");
        let out = Command::new(&bureau)
            .args([
                "--data-dir",
                bd,
                "token",
                "create",
                "--kind",
                "citizen",
                "--name",
                "e2e",
            ])
            .output()
            .expect("petition-bureau token create");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let port = free_port();

        // Sign in while the bureau is down: the token goes to the keyring.
        let Some(notifications) = petition_tests::notifications::NotificationWatch::start() else {
            return;
        };
        let app = driver.launch(&dir.path().join("data"), &[]).await;
        app.click("[data-testid=show-outbox]").await;
        app.click("[data-testid=token-sign-in] summary").await;
        app.type_into("#bureau-url", &format!("http://127.0.0.1:{port}"))
            .await;
        app.type_into("#bureau-token", &token).await;
        app.click("[data-testid=sign-in-button]").await;
        app.wait_css("[data-testid=signed-in]").await;

        // A complete petition, submitted: the confirmation shows what will be sent; it is queued.
        app.click("[data-testid=show-drafts]").await;
        app.click("[data-testid=new-draft]").await;
        for (key, text) in TYPED {
            if *key == "region" {
                app.choose_place("莲湖", text).await;
            } else {
                app.fill(key, text).await;
            }
        }
        app.click("input[name=purpose][value=claim]").await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        app.click("[data-testid=submit]").await;
        app.wait_text("[data-testid=confirm]", "小区门前道路破损严重")
            .await;
        app.click("[data-testid=confirm-submit]").await;
        app.wait_css("[data-testid=outbox-item][data-state=waiting_for_network]")
            .await;
        app.wait_css("[data-testid=offline]").await;
        assert_eq!(app.count("[data-testid=draft-item]").await, 0);

        // The bureau comes up; with no further action the petition is delivered.
        let _server = Service::spawn(
            Command::new(&bureau)
                .args([
                    "--data-dir",
                    bd,
                    "serve",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .stdout(Stdio::null()),
        )
        .expect("start the bureau");
        petition_tests::eventually(Duration::from_secs(180), "delivery", || async {
            (app.count("[data-testid=outbox-item][data-state=delivered]")
                .await
                == 1)
                .then_some(())
        })
        .await;
        let code = app.value("[data-testid=tracking-code]").await;
        // The desktop says so with a notification naming the code, and nothing of the petition.
        petition_tests::eventually(
            Duration::from_secs(20),
            "the delivery's notification",
            || {
                let seen = notifications.seen();
                let code = code.clone();
                async move { seen.into_iter().find(|n| n.body.contains(&code)) }
            },
        )
        .await;
        assert!(
            notifications
                .seen()
                .iter()
                .all(|n| !n.body.contains("小区门前道路破损严重") && !n.summary.contains("王丽华")),
            "a notification holds the petition's content"
        );
        assert!(code.starts_with("XF-"), "a tracking code: {code}");
        let list = Command::new(&bureau)
            .args(["--data-dir", bd, "petition", "list"])
            .output()
            .expect("petition list");
        let list = String::from_utf8_lossy(&list.stdout);
        assert_eq!(
            list.lines().filter(|l| l.contains(&code)).count(),
            1,
            "exactly once: {list}"
        );

        // The bureau replies; the app shows the reply.
        for args in [
            vec!["register", code.as_str()],
            vec!["accept", code.as_str()],
            vec![
                "reply",
                code.as_str(),
                "--text",
                "已安排维修，预计十日内完成。",
            ],
        ] {
            let out = Command::new(&bureau)
                .args(["--data-dir", bd, "petition"])
                .args(&args)
                .output()
                .expect("petition-bureau petition");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        app.click("[data-testid=sync-now]").await;
        app.wait_text("[data-testid=event][data-kind=replied]", "已安排维修")
            .await;
        app.quit().await;
    })
    .await;
}
