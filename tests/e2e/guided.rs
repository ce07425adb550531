//! 逐步填写 on the desktop (issue 20, point 5): the kiosk's guided steps, chosen on the first
//! screen, fill the same draft the whole form shows; a change in either is in the other; the
//! choice survives a restart; the review shows what was typed and leads to the usual
//! confirmation. Every step fits a 1024×768 screen at every text size, with no axe-core violation.

use petition_tests::app::{App, Driver, bounded};
use petition_tests::screen::Screen;

use super::text_size::{SIZES, assert_layout, choose, fill_screen};

const WHO: [(&str, &str); 4] = [
    ("name", "逐步填写王丽华"),
    ("id_number", "11010519491231002X"),
    ("phone", "13912345678"),
    ("address", "西安市雁塔区小寨东路一号"),
];
const WHAT: [(&str, &str); 4] = [
    ("category", "城乡建设"),
    ("title", "小区门前道路破损"),
    ("request", "请尽快修复。"),
    ("facts", "道路破损已三个月。"),
];

async fn step(app: &App, name: &str) {
    app.wait_css(&format!("[data-testid=guided][data-step={name}]"))
        .await;
}

async fn next(app: &App, to: &str) {
    app.click("[data-testid=guided-next]").await;
    step(app, to).await;
}

async fn fits_at_every_size(app: &App, what: &str) {
    for size in SIZES {
        choose(app, size).await;
        assert_layout(app, &format!("{what}, {size}")).await;
        app.shot(&format!("guided-{}-{size}", what.replace(' ', "-")))
            .await;
    }
    choose(app, "standard").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guided_steps_fill_the_same_draft_as_the_whole_form_and_the_choice_is_kept() {
    bounded(async move {
        let Some(screen) = Screen::start(1024, 768) else {
            return;
        };
        let Some(driver) = Driver::start_with_env(&[("DISPLAY", screen.display.as_ref())]).await
        else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;
        fill_screen(&app, 1024, 768).await;

        // The first screen offers the two ways; the whole form is the default.
        app.wait_css("[data-testid=choose-form][aria-pressed=true]")
            .await;
        fits_at_every_size(&app, "the first screen").await;
        app.click("[data-testid=choose-guided]").await;
        app.wait_css("[data-testid=choose-guided][aria-pressed=true]")
            .await;
        app.wait_css("[data-testid=form-mode-guided][aria-pressed=true]")
            .await;

        app.new_draft().await;
        step(&app, "who").await;
        assert_eq!(
            app.count("#f-title").await,
            0,
            "the first step asks only who the citizen is"
        );
        for (key, text) in WHO {
            app.fill(key, text).await;
        }
        next(&app, "what").await;
        app.choose_place("雁塔", "610113").await;
        for (key, text) in WHAT {
            app.fill(key, text).await;
        }
        // In the middle of the window, clear of the toolbar that floats at its top.
        app.js("document.querySelector('input[name=purpose][value=claim]').scrollIntoView({ block: 'center' })")
            .await;
        app.click("input[name=purpose][value=claim]").await;
        next(&app, "evidence").await;
        next(&app, "review").await;
        app.wait_css("[data-testid=guided-ok]").await;
        for (key, text) in WHO.iter().chain(WHAT.iter()) {
            app.wait_text(&format!("[data-testid=guided-value-{key}]"), text)
                .await;
        }
        app.wait_text("[data-testid=guided-value-region]", "雁塔区")
            .await;

        // The whole form shows the same draft; a change there is in the steps.
        app.click("[data-testid=form-mode-form]").await;
        app.wait_css("#f-title").await;
        for (key, text) in WHO.iter().chain(WHAT.iter()) {
            assert_eq!(
                app.value(&format!("#f-{key}")).await,
                *text,
                "the whole form's {key}"
            );
        }
        app.type_into("#f-title", "，雨天积水").await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        app.click("[data-testid=form-mode-guided]").await;
        step(&app, "who").await;
        assert_eq!(app.value("#f-name").await, WHO[0].1);
        next(&app, "what").await;
        assert_eq!(app.value("#f-title").await, "小区门前道路破损，雨天积水");

        // Every step fits the screen at every size.
        for (i, name) in ["what", "evidence", "review"].into_iter().enumerate() {
            if i > 0 {
                next(&app, name).await;
            }
            fits_at_every_size(&app, &format!("the guided step {name}")).await;
        }
        app.click("[data-testid=guided-edit][data-step=who]").await;
        step(&app, "who").await;
        fits_at_every_size(&app, "the guided step who").await;

        // The review's 提交 leads to the usual confirmation, with what was typed.
        for to in ["what", "evidence", "review"] {
            next(&app, to).await;
        }
        app.click("[data-testid=guided-submit]").await;
        app.wait_text("[data-testid=confirm]", WHO[0].1).await;
        app.quit().await;

        // The choice is kept.
        let app = driver.launch(dir.path(), &[]).await;
        app.wait_css("[data-testid=form-mode-guided][aria-pressed=true]")
            .await;
        app.quit().await;
    })
    .await;
}
