//! Small traps for a citizen who is not used to computers (issue 20, point 3 and 4), in the real
//! app: tabbing back into a filled field keeps the text (the caret goes to its end), no key can
//! scroll the app's frame out of the window, a long title wraps to two lines instead of being cut,
//! the trash screen's text offers only what the trash offers, and the language button is named in
//! the UI's language.

use petition_tests::app::{App, Driver, bounded};

const TAB: &str = "\u{E004}";
const SHIFT: &str = "\u{E008}";
const END: &str = "\u{E010}";
const PAGE_DOWN: &str = "\u{E00F}";
const SPACE: &str = "\u{E00D}";
/// WebDriver's "release every modifier".
const NULL: &str = "\u{E000}";

/// Where the app's header is, and how far the document itself is scrolled.
async fn frame_position(app: &App) -> (f64, f64) {
    let v = app
        .js(
            "return [document.querySelector('.topbar').getBoundingClientRect().top, \
             document.scrollingElement.scrollTop]",
        )
        .await;
    (
        v[0].as_f64().expect("a number"),
        v[1].as_f64().expect("a number"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_keeps_what_was_typed_and_the_window_keeps_its_frame() {
    bounded(async move {
        let Some(driver) = Driver::start().await else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;

        // The language button is named in Chinese in the Chinese UI.
        let name = app
            .js("return document.querySelector('[data-testid=switch-language]').getAttribute('aria-label')")
            .await;
        assert!(
            name.as_str().is_some_and(|n| n.contains("切换")),
            "the language button's name: {name}"
        );

        app.click("[data-testid=new-draft]").await;
        let long = "小区门前道路破损严重，雨天积水，老人和孩子出行很不方便，希望尽快修复";
        app.type_into("#f-title", long).await;
        app.wait_text("[data-testid=save-status]", "已保存").await;

        // Out of the title with Tab, back with Shift+Tab, one more character: nothing is lost.
        app.js("document.querySelector('#f-title').focus()").await;
        app.press(TAB).await;
        app.press(&format!("{SHIFT}{TAB}{NULL}")).await;
        let focused = app.js("return document.activeElement.id").await;
        assert_eq!(focused, "f-title", "Shift+Tab went back to the title");
        app.press("！").await;
        let value = app.value("#f-title").await;
        assert_eq!(value, format!("{long}！"), "the title after tabbing back into it");

        // End, Page Down and Space, pressed on the draft's button in the sidebar and in the form, leave
        // the header where it is: only the panels scroll.
        for css in ["[data-testid=draft-item]", "#f-facts"] {
            app.js(&format!("document.querySelector({css:?}).focus()")).await;
            for key in [END, PAGE_DOWN, SPACE, END] {
                app.press(key).await;
                let (top, scrolled) = frame_position(&app).await;
                assert!(
                    top == 0.0 && scrolled == 0.0,
                    "after a key on `{css}` the header is at {top} px, the document scrolled by {scrolled} px"
                );
            }
        }
        // The document is no taller than the window (the hidden file input stays in the form).
        let sizes = app
            .js("return [document.documentElement.scrollHeight, window.innerHeight]")
            .await;
        assert!(
            sizes[0].as_f64() <= sizes[1].as_f64(),
            "document height against the window: {sizes}"
        );

        // The long title wraps to two lines in the list rather than being cut after a few words.
        // (WebKitWebDriver's element text leaves out clamped text; the page's own text has it.)
        petition_tests::eventually(
            std::time::Duration::from_secs(20),
            "the title in the list",
            || async {
                app.js("return document.querySelector('[data-testid=draft-item] .draft-title')?.textContent ?? ''")
                    .await
                    .as_str()
                    .filter(|t| t.starts_with("小区门前"))
                    .map(|_| ())
            },
        )
        .await;
        let lines = app
            .js("const t = document.querySelector('[data-testid=draft-item] .draft-title'); \
                 const s = getComputedStyle(t); \
                 return Math.round(t.getBoundingClientRect().height / parseFloat(s.lineHeight))")
            .await;
        let seen = app
            .js("const t = document.querySelector('[data-testid=draft-item] .draft-title'); \
                 const s = getComputedStyle(t); \
                 return [t.textContent, t.getBoundingClientRect().height, s.lineHeight, s.display, s.webkitLineClamp]")
            .await;
        assert_eq!(lines, 2, "the title's lines in the list: {seen}");

        // The trash's screen does not offer a "new petition" it has no button for.
        app.click("[data-testid=show-trash]").await;
        app.wait_text("[data-testid=placeholder]", "回收站").await;
        let text = app.text("[data-testid=placeholder]").await;
        assert!(!text.contains("或新建"), "{text}");
        app.quit().await;
    })
    .await;
}
