//! 文字大小 in the real app (issue 20, point 1), each on a screen of its own size: 标准 / 大 / 特大
//! at 1024×768 and 1366×768, on every desktop screen and at the kiosk; nothing reaches past the
//! window's edge, no button's text is cut, nothing scrolls sideways, the sticky toolbar never
//! covers more than a fifth of the window, the line spacing grows with the size, and End /
//! Page Down leave the header in place, and axe-core finds no WCAG 2.1 A/AA violation, with
//! every question's 朗读 button shown (a speech engine of the test's own). Ctrl+= / Ctrl+- /
//! Ctrl+0 change the size, which the desktop keeps. On a 1920×1080 screen at 200 % scaling the
//! window fits the screen.

use petition_tests::app::{App, Driver, bounded};
use petition_tests::screen::Screen;
use petition_tests::speech::Speech;

const END: &str = "\u{E010}";
const PAGE_DOWN: &str = "\u{E00F}";
const CONTROL: &str = "\u{E009}";
const NULL: &str = "\u{E000}";

pub(super) const SIZES: [&str; 3] = ["standard", "large", "extra_large"];

/// What is wrong with the layout as the window shows it now, in words; empty when nothing is.
const LAYOUT_PROBLEMS: &str = r#"
const width = window.innerWidth, height = window.innerHeight;
const problems = [];
const page = document.scrollingElement;
if (page.scrollWidth > width) problems.push(`the page is ${page.scrollWidth} px wide in a ${width} px window`);
for (const el of document.querySelectorAll('.topbar, .sidebar, .content, .kiosk-page, .kiosk-step, .kiosk-nav, .kiosk-welcome')) {
  if (el.scrollWidth > el.clientWidth + 1) problems.push(`.${el.className.split(' ')[0]} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
}
const name = (el) => el.dataset.testid || el.id || el.textContent.trim().slice(0, 24);
for (const el of document.querySelectorAll('button, input:not([type=file]), select, textarea, a, label')) {
  const r = el.getBoundingClientRect();
  // Not shown (a closed fold, another screen) or visually hidden.
  if (r.width <= 1 || r.height <= 1) continue;
  if (r.left < -0.5 || r.right > width + 0.5) problems.push(`${name(el)} reaches from ${Math.round(r.left)} to ${Math.round(r.right)} px`);
  if (el.tagName === 'BUTTON' && el.scrollWidth > el.clientWidth + 1) problems.push(`the text of ${name(el)} is cut off`);
}
const bar = document.querySelector('[data-testid=toolbar]');
if (bar && getComputedStyle(bar).position === 'sticky' && bar.offsetHeight > height / 5) {
  problems.push(`the sticky toolbar covers ${bar.offsetHeight} of ${height} px`);
}
return problems;
"#;

async fn layout_problems(app: &App) -> Vec<String> {
    serde_json::from_value(app.js(LAYOUT_PROBLEMS).await).expect("a list of problems")
}

/// The layout as [`LAYOUT_PROBLEMS`] judges it, and no WCAG 2.1 A/AA violation (axe-core).
/// The layout is given two seconds to settle after a change: the toolbar stops floating only
/// once its ResizeObserver has seen it grow.
pub(super) async fn assert_layout(app: &App, what: &str) {
    let start = std::time::Instant::now();
    let mut problems = layout_problems(app).await;
    while !problems.is_empty() && start.elapsed() < std::time::Duration::from_secs(2) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        problems = layout_problems(app).await;
    }
    assert!(problems.is_empty(), "{what}: {problems:#?}");
    let violations = app.axe_violations().await;
    assert!(violations.is_empty(), "axe-core on {what}: {violations:#?}");
}

async fn text_size(app: &App) -> String {
    app.js("return document.documentElement.dataset.textSize ?? ''")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The root's line spacing, as a multiple of its font size.
async fn line_spacing(app: &App) -> f64 {
    app.js("const s = getComputedStyle(document.documentElement); \
         return parseFloat(s.lineHeight) / parseFloat(s.fontSize)")
        .await
        .as_f64()
        .expect("a number")
}

/// The window's outer size and the screen's free area, in CSS pixels.
async fn window_and_screen(app: &App) -> [f64; 4] {
    let v = app
        .js("return [window.outerWidth, window.outerHeight, screen.availWidth, screen.availHeight]")
        .await;
    std::array::from_fn(|i| v[i].as_f64().expect("a number"))
}

/// Makes the window fill the screen (no window manager here: the outer size is the page's).
pub(super) async fn fill_screen(app: &App, width: u32, height: u32) {
    app.client
        .set_window_size(width, height)
        .await
        .expect("the window resized");
    petition_tests::eventually(
        std::time::Duration::from_secs(10),
        "the window at the screen's size",
        || async {
            let v = app
                .js("return [window.innerWidth, window.innerHeight]")
                .await;
            (v[0].as_u64() == Some(u64::from(width)) && v[1].as_u64() == Some(u64::from(height)))
                .then_some(())
        },
    )
    .await;
}

/// A `width`×`height` screen of the test's own, a speech engine (so every question's 朗读 button
/// is on screen too) and a driver whose apps use both; `None` (skipping) where one is missing.
async fn on_screen_with_speech(width: u32, height: u32) -> Option<(Screen, Speech, Driver)> {
    let screen = Screen::start(width, height)?;
    let speech = Speech::start()?;
    let address = speech.address();
    let driver = Driver::start_with_env(&[
        ("DISPLAY", screen.display.as_ref()),
        ("SPEECHD_ADDRESS", &address),
    ])
    .await?;
    Some((screen, speech, driver))
}

pub(super) async fn choose(app: &App, size: &str) {
    app.click(&format!("[data-testid=text-size-{size}]")).await;
    petition_tests::eventually(
        std::time::Duration::from_secs(10),
        "the text size to change",
        || async { (text_size(app).await == size).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_desktop_screen_fits_at_every_text_size_and_the_keys_change_it() {
    bounded(async move {
        for (width, height) in [(1024, 768), (1366, 768)] {
            let Some((_screen, _speech, driver)) = on_screen_with_speech(width, height).await else {
                return;
            };
            let dir = tempfile::tempdir().expect("temp dir");
            let app = driver.launch(dir.path(), &[]).await;
            // The window opens no larger than the screen.
            let [w, h, sw, sh] = window_and_screen(&app).await;
            assert!(
                w <= sw && h <= sh,
                "a {w}×{h} window on a {sw}×{sh} screen"
            );
            fill_screen(&app, width, height).await;

            // A petition in the trash, and one open in the form with a long title.
            app.new_draft().await;
            app.type_into("#f-title", "旧的草稿").await;
            app.wait_text("[data-testid=save-status]", "已保存").await;
            app.click("[data-testid=trash]").await;
            app.wait_css("[data-testid=placeholder]").await;
            app.new_draft().await;
            app.type_into(
                "#f-title",
                "小区门前道路破损严重，雨天积水，老人和孩子出行很不方便，希望尽快修复",
            )
            .await;
            app.wait_css("[data-testid=read-aloud-q-title]").await;
            app.wait_text("[data-testid=save-status]", "已保存").await;

            let mut spacing = Vec::new();
            for size in SIZES {
                choose(&app, size).await;
                spacing.push(line_spacing(&app).await);
                let at = format!("{size} at {width}×{height}");
                app.click("[data-testid=show-drafts]").await;
                app.wait_css("[data-testid=draft-item]").await;
                app.shot(&format!("text-size-drafts-{size}-{width}")).await;
                app.click("[data-testid=draft-item]").await;
                app.wait_css("#f-facts").await;
                // The chosen draft's form is in view, also when the list is above it.
                let top = app
                    .js("return document.querySelector('[data-testid=toolbar]').getBoundingClientRect().top / window.innerHeight")
                    .await
                    .as_f64()
                    .expect("a number");
                assert!((0.0..0.5).contains(&top), "the form's toolbar at {top} of the window, {at}");
                assert_layout(&app, &format!("the form, {at}")).await;
                app.shot(&format!("text-size-form-{size}-{width}")).await;
                // End and Page Down in the form leave the header where it is.
                app.js("document.querySelector('#f-facts').focus()").await;
                for key in [END, PAGE_DOWN] {
                    app.press(key).await;
                }
                let top = app
                    .js("return [document.querySelector('.topbar').getBoundingClientRect().top, document.scrollingElement.scrollTop]")
                    .await;
                assert_eq!(top, serde_json::json!([0, 0]), "the header, {at}");
                app.click("[data-testid=show-outbox]").await;
                app.wait_css("[data-testid=track]").await;
                assert_layout(&app, &format!("the outbox, {at}")).await;
                app.shot(&format!("text-size-outbox-{size}-{width}")).await;
                app.click("[data-testid=show-trash]").await;
                app.wait_css("[data-testid=trash-item]").await;
                assert_layout(&app, &format!("the trash, {at}")).await;
            }
            assert!(
                spacing[0] < spacing[1] && spacing[1] < spacing[2],
                "the line spacing at the three sizes: {spacing:?}"
            );

            // The zoom keys: larger twice (and no further), smaller, back to standard.
            app.click("[data-testid=show-drafts]").await;
            choose(&app, "standard").await;
            for (keys, expected) in [
                ("=", "large"),
                ("=", "extra_large"),
                ("=", "extra_large"),
                ("-", "large"),
                ("0", "standard"),
                ("-", "standard"),
            ] {
                app.press(&format!("{CONTROL}{keys}{NULL}")).await;
                assert_eq!(text_size(&app).await, expected, "after Ctrl+{keys}");
            }
            // Kept for the next start.
            choose(&app, "large").await;
            app.quit().await;
            let app = driver.launch(dir.path(), &[]).await;
            assert_eq!(text_size(&app).await, "large", "after a restart");
            let pressed = app
                .js("return document.querySelector('[data-testid=text-size-large]').getAttribute('aria-pressed')")
                .await;
            assert_eq!(pressed, "true");
            app.quit().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kiosk_fits_a_1024_by_768_screen_at_every_text_size() {
    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let Some((_screen, _speech, driver)) = on_screen_with_speech(1024, 768).await else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver
            .launch_until(dir.path(), &["--kiosk"], "[data-testid=kiosk-welcome]")
            .await;
        // Full screen, or (with no window manager to make it so) made to fit the screen.
        let shown = app
            .js("return [window.innerWidth, window.innerHeight]")
            .await;
        assert_eq!(shown, serde_json::json!([1024, 768]), "the kiosk's window");
        for size in SIZES {
            choose(&app, size).await;
            assert_layout(&app, &format!("the kiosk's welcome, {size}")).await;
            app.shot(&format!("text-size-kiosk-welcome-{size}")).await;
        }
        app.click("[data-testid=kiosk-start]").await;
        app.wait_css("[data-testid=kiosk-step][data-step=who]")
            .await;
        app.wait_css("[data-testid=read-aloud-step-who]").await;
        for size in SIZES {
            choose(&app, size).await;
            assert_layout(&app, &format!("the kiosk's first step, {size}")).await;
            app.shot(&format!("text-size-kiosk-who-{size}")).await;
        }
        // The zoom keys are the desktop's: the kiosk has its buttons.
        app.press(&format!("{CONTROL}0{NULL}")).await;
        assert_eq!(text_size(&app).await, "extra_large");
        app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_fits_a_1920_by_1080_screen_at_200_percent_scaling() {
    bounded(async move {
        let Some(screen) = Screen::start(1920, 1080) else {
            return;
        };
        let Some(driver) = Driver::start_with_env(&[
            ("DISPLAY", screen.display.as_ref()),
            ("GDK_SCALE", "2".as_ref()),
        ])
        .await
        else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;
        let ratio = app
            .js("return window.devicePixelRatio")
            .await
            .as_f64()
            .expect("a number");
        assert_eq!(ratio, 2.0, "the display is scaled");
        let [w, h, sw, sh] = window_and_screen(&app).await;
        assert!(w <= sw && h <= sh, "a {w}×{h} window on a {sw}×{sh} screen");
        assert_layout(&app, "the first screen at 200 % scaling").await;
        app.quit().await;
    })
    .await;
}
