//! After delivery in the real app (issue 18), by keyboard alone: a replied petition shows its
//! deadlines with the days left, is rated 不满意 with a comment, and the 复查 request opens with
//! the comment as its reason and the focus in it; a petition the bureau is late on shows
//! 已超期 N 天 and is urged once, the button then saying the next urge is possible tomorrow. The
//! late one is also told at start by a desktop notification (a reminder the closed app missed),
//! seen on the session bus.

use petition_api::{EventKind, PetitionView};
use petition_bureau::ops::{self, Action};
use petition_bureau::store::TokenKind;
use petition_core::Store;
use petition_core::sync::{Engine, EngineConfig, Secret};
use petition_tests::app::{Driver, bounded};

use crate::bureau::{Db, TestBureau, valid_petition};

const ENTER: &str = "\u{E007}";
const RIGHT: &str = "\u{E014}";
const CONTROL: &str = "\u{E009}";
const NULL: &str = "\u{E000}";

/// A complete draft of `title`, submitted.
async fn queue(store: &Store, title: &str) -> String {
    use petition_core::model::Field;
    let p = valid_petition();
    let values: Vec<(Field, String)> = [
        (Field::Name, p.name),
        (Field::IdNumber, p.id_number),
        (Field::Phone, p.phone),
        (Field::Address, p.address),
        (Field::Region, p.region),
        (Field::Category, p.category),
        (Field::Purpose, "claim".to_owned()),
        (Field::Title, title.to_owned()),
        (Field::Request, p.request),
        (Field::Facts, p.facts),
    ]
    .into_iter()
    .collect();
    let draft = store.drafts().create(&values).await.expect("a draft");
    store.outbox().submit(&draft.id).await.expect("submit");
    draft.id
}

async fn tracking_code(store: &Store, id: &str) -> String {
    store
        .outbox()
        .item(id)
        .await
        .expect("an item")
        .tracking_code
        .expect("delivered")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_is_rated_and_taken_to_review_and_a_late_bureau_urged_by_keyboard() {
    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let b = TestBureau::start(Db::Sqlite)
            .await
            .expect("a SQLite bureau");
        let token = b.token(TokenKind::Citizen).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let (late, replied) = {
            let store = Store::unlock(dir.path(), None).await.expect("store");
            store
                .sign_in(&b.base, Secret::new(token.clone()).expect("token"))
                .await
                .expect("sign in");
            let engine = Engine::new(store.clone(), EngineConfig::default());
            // One petition received 20 days ago and never routed (15 days): the bureau is late.
            b.state.clock().advance(time::Duration::days(-20));
            let late = queue(&store, "路灯不亮二十天了").await;
            engine.run_once().await.expect("delivered");
            b.state.clock().advance(time::Duration::days(20));
            // One received, accepted and replied today.
            let replied = queue(&store, "小区门前道路破损").await;
            engine.run_once().await.expect("delivered");
            let code = tracking_code(&store, &replied).await;
            for action in [
                Action::Accept,
                Action::Reply {
                    text: "道路已列入维修计划".into(),
                },
            ] {
                ops::apply(b.state.store(), &code, action, b.state.clock().now())
                    .await
                    .expect("the operator's step");
            }
            engine.run_once().await.expect("the reply pulled");
            (
                (late.clone(), tracking_code(&store, &late).await),
                (replied, code),
            )
        };
        let bureau_view = async |code: &str| -> PetitionView {
            b.get(&token, &format!("/v1/petitions/{code}"))
                .send()
                .await
                .expect("an answer")
                .json()
                .await
                .expect("a view")
        };

        let Some(driver) = Driver::start_alone().await else {
            return;
        };
        let Some(notifications) = petition_tests::notifications::NotificationWatch::start() else {
            return;
        };
        let app = driver.launch(dir.path(), &[]).await;
        // At start, the reminder the closed app missed: the late bureau, by tracking code only.
        let late_code = late.1.clone();
        let reminder = petition_tests::eventually(
            std::time::Duration::from_secs(30),
            "the late bureau's reminder",
            || {
                let seen = notifications.seen();
                let code = late_code.clone();
                async move { seen.into_iter().find(|n| n.body.contains(&code)) }
            },
        )
        .await;
        assert!(
            reminder.summary.contains("超过了办理期限") && reminder.body.contains("催办"),
            "{reminder:?}"
        );
        assert!(
            notifications
                .seen()
                .iter()
                .all(|n| !n.body.contains("路灯") && !n.body.contains("小区门前")),
            "a reminder holds the petition's content"
        );
        app.tab_to("[data-testid=show-outbox]").await;
        app.press(ENTER).await;
        let item = |id: &str| format!("[data-testid=outbox-item][data-id='{id}']");

        // The replied one: the citizen's 30 days to ask for a review, counted down.
        let (id, code) = &replied;
        let review_due = format!(
            "{} [data-testid=due-line][data-name=review_request]",
            item(id)
        );
        app.wait_text(&review_due, "还有").await;
        let left: i64 = app
            .js(&format!(
                "return Number(document.querySelector(\"{}\").dataset.left)",
                review_due.replace('"', "\\\"")
            ))
            .await
            .as_i64()
            .expect("days left");
        assert!((30..=40).contains(&left), "{left} days left");
        app.shot("after-delivery-rate").await;

        // Rated 不满意 by the arrow keys, with a comment.
        app.tab_to(&format!("{} [data-testid=rating-satisfied]", item(id)))
            .await;
        app.press(RIGHT).await;
        app.press(RIGHT).await;
        app.tab_to(&format!("{} [data-testid=rating-comment]", item(id)))
            .await;
        app.press("路还没修").await;
        app.tab_to(&format!("{} [data-testid=rate-send]", item(id)))
            .await;
        app.press(ENTER).await;
        // The review request opens with that comment as its reason, and the focus in it.
        let reason = format!("#reason-{id}");
        app.wait_value(&reason, "路还没修").await;
        let focused = app.js("return document.activeElement.id").await;
        assert_eq!(focused, format!("reason-{id}"));
        app.press("，答复没有说何时修").await;
        app.tab_to(&format!("{} [data-testid=review-send]", item(id)))
            .await;
        app.press(ENTER).await;
        app.wait_css(&format!(
            "{} [data-testid=event][data-kind=review_requested]",
            item(id)
        ))
        .await;
        let v = bureau_view(code).await;
        let count = |kind| v.events.iter().filter(|e| e.kind == kind).count();
        assert_eq!(count(EventKind::Evaluated), 1);
        assert_eq!(count(EventKind::ReviewRequested), 1);
        assert_eq!(
            v.evaluation.as_ref().map(|e| e.comment.as_str()),
            Some("路还没修")
        );
        assert_eq!(
            app.count(&format!("{} [data-testid=rate]", item(id))).await,
            0
        );

        // The late one: 已超期, urged once; then the button gives way to "tomorrow".
        let (id, code) = &late;
        let route_due = format!("{} [data-testid=due-line][data-name=route]", item(id));
        app.wait_text(&route_due, "已超期").await;
        app.shot("after-delivery-late").await;
        app.tab_to(&format!("{} [data-testid=urge]", item(id)))
            .await;
        app.press(ENTER).await;
        app.wait_css(&format!("{} [data-testid=urged-today]", item(id)))
            .await;
        assert_eq!(
            app.count(&format!("{} [data-testid=urge]", item(id))).await,
            0
        );
        let v = bureau_view(code).await;
        assert_eq!(
            v.events
                .iter()
                .filter(|e| e.kind == EventKind::Urged)
                .count(),
            1
        );
        app.quit().await;
    })
    .await;
}

/// 用查询码添加 in the real app, by keyboard: a petition the father made at a kiosk is added by
/// his daughter, signed in with her own mobile number, from the 查询码 on his receipt (typed in
/// lower case, with spaces) and his number. A wrong number first is told as not found, the focus
/// back in the code, and nothing typed is lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_petition_made_at_a_kiosk_is_added_by_its_code_and_number_by_keyboard() {
    use petition_api::CodePurpose;

    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let b = TestBureau::start(Db::Sqlite)
            .await
            .expect("a SQLite bureau");
        let fathers = format!("135{:08}", rand::random_range(0..100_000_000u32));
        let code = b.petition_at_a_kiosk("父亲在社区服务点反映的事项", &fathers).await;

        // The daughter's own account, signed in on her computer.
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let store = Store::unlock(dir.path(), None).await.expect("store");
            let daughters = format!("136{:08}", rand::random_range(0..100_000_000u32));
            store
                .ask_code(
                    b.base.as_ref(),
                    &daughters,
                    CodePurpose::SignUp,
                    "王丽",
                    "11010519491231002X",
                )
                .await
                .expect("a code asked for");
            let texted = b.last_code(&daughters).expect("a code in the SMS file");
            store.verify_code(&texted).await.expect("signed in");
        }

        let Some(driver) =
            Driver::start_alone_with_env(&[("PETITION_BUREAU_URL", b.base.as_ref())]).await
        else {
            return;
        };
        let app = driver.launch(dir.path(), &[]).await;
        app.tab_to("[data-testid=show-outbox]").await;
        app.press(ENTER).await;
        app.wait_css("[data-testid=track]").await;
        assert_eq!(app.count("[data-testid=outbox-item]").await, 0);

        let typed = code.to_lowercase().replace('-', " ");
        app.tab_to("#track-code").await;
        app.press(&typed).await;
        app.tab_to("#track-phone").await;
        app.press("13900000000").await;
        app.press(ENTER).await;
        app.wait_text("[data-testid=track-error]", "查不到").await;
        app.shot("track-not-found").await;
        assert_eq!(app.value("#track-code").await, typed);
        assert_eq!(app.value("#track-phone").await, "13900000000");
        let focused = app.js("return document.activeElement.id").await;
        assert_eq!(focused, "track-code");

        app.tab_to("#track-phone").await;
        app.press(&format!("{CONTROL}a{NULL}")).await;
        app.press(&fathers).await;
        app.press(ENTER).await;
        app.wait_css("[data-testid=track-added]").await;
        app.wait_count("[data-testid=outbox-item]", 1).await;
        assert_eq!(app.value("[data-testid=tracking-code]").await, code);
        // (WebKitWebDriver's element text leaves out the clamped title; the page's own text has it.)
        let title = app
            .js("return document.querySelector('[data-testid=outbox-item] .draft-title').textContent")
            .await;
        assert_eq!(title, "父亲在社区服务点反映的事项");
        assert_eq!(
            app.value("#track-code").await,
            "",
            "the form is ready for the next"
        );
        app.shot("track-added").await;
        app.quit().await;
    })
    .await;
}

/// The wallet without a network, by keyboard: a 查询码 typed while the bureau cannot be reached
/// is kept (the screen says so, the form is cleared) and listed as waiting, and a wrong pair
/// beside it; once the line is back, 立即同步 looks both up: the right one joins the outbox, the
/// wrong one stays listed with the bureau's answer until the citizen removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_typed_without_a_network_is_kept_and_found_when_it_is_back() {
    use crate::sync::steps::{CLEAN, Line, OFF};
    use petition_api::CodePurpose;

    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let b = TestBureau::start(Db::Sqlite)
            .await
            .expect("a SQLite bureau");
        let line = Line::start(&b.base, &b.base).await;
        let mothers = format!("135{:08}", rand::random_range(0..100_000_000u32));
        let code = b
            .petition_at_a_kiosk("母亲在社区服务点反映的事项", &mothers)
            .await;

        let dir = tempfile::tempdir().expect("temp dir");
        {
            let store = Store::unlock(dir.path(), None).await.expect("store");
            let sons = format!("136{:08}", rand::random_range(0..100_000_000u32));
            store
                .ask_code(
                    &line.url,
                    &sons,
                    CodePurpose::SignUp,
                    "王伟",
                    "11010519491231002X",
                )
                .await
                .expect("a code asked for");
            let texted = b.last_code(&sons).expect("a code in the SMS file");
            store.verify_code(&texted).await.expect("signed in");
        }
        line.set(OFF);

        let Some(driver) =
            Driver::start_alone_with_env(&[("PETITION_BUREAU_URL", line.url.as_ref())]).await
        else {
            return;
        };
        let app = driver.launch(dir.path(), &[]).await;
        app.tab_to("[data-testid=show-outbox]").await;
        app.press(ENTER).await;
        app.wait_css("[data-testid=track]").await;
        for (typed, phone) in [
            (code.as_str(), mothers.as_str()),
            ("XF-2345-6789-ABCD-EFGH", "13900000000"),
        ] {
            app.tab_to("#track-code").await;
            app.press(typed).await;
            app.tab_to("#track-phone").await;
            app.press(phone).await;
            app.press(ENTER).await;
            app.wait_css("[data-testid=track-queued]").await;
            assert_eq!(
                app.value("#track-code").await,
                "",
                "the form is ready for the next"
            );
        }
        app.wait_count("[data-testid=lookup][data-state=waiting]", 2)
            .await;
        assert_eq!(app.count("[data-testid=outbox-item]").await, 0);
        app.js("document.querySelector('[data-testid=lookups]').scrollIntoView()")
            .await;
        app.shot("track-waiting").await;

        line.set(CLEAN);
        app.tab_to("[data-testid=sync-now]").await;
        app.press(ENTER).await;
        app.wait_count("[data-testid=outbox-item]", 1).await;
        assert_eq!(app.value("[data-testid=tracking-code]").await, code);
        app.wait_count("[data-testid=lookup][data-state=refused]", 1)
            .await;
        assert_eq!(
            app.count("[data-testid=lookup]").await,
            1,
            "the found one left the list"
        );
        app.wait_text("[data-testid=lookup]", "查不到").await;
        app.js("document.querySelector('[data-testid=lookups]').scrollIntoView()")
            .await;
        app.shot("track-not-found-later").await;
        app.tab_to("[data-testid=lookup-forget]").await;
        app.press(ENTER).await;
        app.wait_count("[data-testid=lookup]", 0).await;
        app.quit().await;
    })
    .await;
}
