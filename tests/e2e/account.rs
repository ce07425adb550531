//! A citizen's account in the real app (issue 17), by keyboard alone: 注册 with a mobile number,
//! the consent notice agreed to, the code read from the bureau's SMS file as the phone would show
//! it (a wrong one first, told as such with the tries left); the sign-up's name and ID number fill
//! a new draft; 退出登录 leaves the form for the next person.

use petition_tests::app::{Driver, bounded};

use crate::bureau::{Db, TestBureau};

const ENTER: &str = "\u{E007}";
const SPACE: &str = "\u{E00D}";
const RIGHT: &str = "\u{E014}";
const CONTROL: &str = "\u{E009}";
const NULL: &str = "\u{E000}";

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_signs_up_by_keyboard_with_the_texted_code_and_the_name_fills_new_drafts() {
    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let bureau = TestBureau::start(Db::Sqlite)
            .await
            .expect("a SQLite bureau");
        // The administrator's configuration names the bureau; the citizen types no address.
        let Some(driver) =
            Driver::start_alone_with_env(&[("PETITION_BUREAU_URL", bureau.base.as_ref())]).await
        else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;
        let phone = format!("136{:08}", rand::random_range(0..100_000_000u32));
        let masked = format!("{}****{}", &phone[..3], &phone[7..]);

        app.tab_to("[data-testid=show-outbox]").await;
        app.press(ENTER).await;
        app.wait_css("[data-testid=account-form]").await;
        // 注册: the radio group is one Tab stop; → picks the second choice.
        app.tab_to("input[name=account-mode]").await;
        app.press(RIGHT).await;
        app.wait_css("[data-testid=consent]").await;
        let consent = app.text("[data-testid=consent]").await;
        assert!(
            consent.contains("个人信息保护法") && consent.contains("不核验"),
            "{consent}"
        );
        app.tab_to("#account-phone").await;
        app.press(&phone).await;
        app.tab_to("#account-name").await;
        app.press("王丽").await;
        app.tab_to("#account-id").await;
        app.press("11010519491231002X").await;
        // Enter before agreeing: told to tick the box, which gets the focus; nothing typed is lost.
        app.press(ENTER).await;
        app.wait_text("[data-testid=account-error]", "勾选").await;
        app.shot("account-sign-up").await;
        assert_eq!(app.value("#account-phone").await, phone);
        let focused = app.js("return document.activeElement.id").await;
        assert_eq!(focused, "account-agree");
        app.press(SPACE).await;
        app.tab_to("[data-testid=ask-code]").await;
        app.press(ENTER).await;
        app.wait_text("[data-testid=code-sent]", &masked).await;
        let code = bureau.last_code(&phone).expect("a code in the SMS file");
        let focused = app.js("return document.activeElement.id").await;
        assert_eq!(focused, "account-code", "the code field has the focus");

        // A wrong code is told as such, with the tries left.
        let wrong = format!(
            "{:06}",
            (code.parse::<u32>().expect("digits") + 1) % 1_000_000
        );
        app.press(&wrong).await;
        app.press(ENTER).await;
        app.wait_text("[data-testid=account-error]", "还可以再试 4 次")
            .await;
        app.shot("account-wrong-code").await;
        app.press(&format!("{CONTROL}a{NULL}")).await;
        app.press(&code).await;
        app.press(ENTER).await;
        app.wait_text("[data-testid=account-told]", &masked).await;
        app.wait_text("[data-testid=account-phone]", &masked).await;
        app.shot("account-signed-in").await;

        // A new draft carries the account's name and ID number.
        app.tab_to("[data-testid=show-drafts]").await;
        app.press(ENTER).await;
        app.tab_to("[data-testid=new-draft]").await;
        app.press(ENTER).await;
        app.wait_value("#f-name", "王丽").await;
        assert_eq!(app.value("#f-id_number").await, "11010519491231002X");

        // 退出登录, confirmed: the sign-in form is back for the next person.
        app.tab_to("[data-testid=show-outbox]").await;
        app.press(ENTER).await;
        app.tab_to("[data-testid=sign-out]").await;
        app.press(ENTER).await;
        app.tab_to("[data-testid=account-confirm-button]").await;
        app.press(ENTER).await;
        app.wait_css("[data-testid=account-form]").await;
        assert_eq!(app.count("[data-testid=account-phone]").await, 0);
        app.quit().await;
    })
    .await;
}
