//! 朗读 in the real app, through a real speech-dispatcher and espeak-ng (`support::speech`): the
//! words the engine is given are the ones on screen, in Mandarin or in English with the UI, and
//! what espeak-ng made of them is sound, not silence; reading stops when the citizen moves on; at
//! the kiosk each step's question and the citizen's own text on the review screen are read; with
//! no speech engine there is no button, and the log says why.

use petition_tests::app::{App, Driver, bounded};
use petition_tests::eventually;
use petition_tests::speech::{Speech, Utterance, comparable, loudness, running};

const TAB: &str = "\u{E004}";
const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// The on-screen text of the elements `css` matches, in page order, as the window draws them.
async fn on_screen(app: &App, css: &str) -> String {
    let texts = app
        .js(&format!(
            "return [...document.querySelectorAll({css:?})].map((e) => e.innerText)"
        ))
        .await;
    let texts: Vec<String> = serde_json::from_value(texts).expect("a list of texts");
    assert!(!texts.is_empty(), "nothing on screen matches {css}");
    texts.join("\n")
}

/// Checks that utterance `n` is `expected` (as the screen shows it) in `voice`, and sounds.
async fn assert_read(speech: &Speech, n: usize, expected: &str, voice: &str) -> Utterance {
    let utterance = speech.wait_utterance(n).await;
    assert_eq!(
        comparable(&utterance.text),
        comparable(expected),
        "utterance {n}: what the engine was given, against the screen"
    );
    assert_eq!(utterance.voice, voice, "utterance {n}'s voice");
    let (seconds, rms) = loudness(&utterance.wav);
    // espeak-ng's speech is around 3000 of 32767; silence is 0.
    assert!(
        seconds > 0.3 && rms > 300.0,
        "utterance {n} is {seconds:.2} s long at loudness {rms:.0}: not speech"
    );
    utterance
}

/// Presses 朗读 on the block `id` and waits for the engine's utterance `n`. speech-dispatcher's
/// generic module (the test's engine) now and then refuses the first message after a stop on a
/// loaded machine (`301 ERROR CANT SPEAK` in its log); the app then says after 5 s that reading did
/// not work, and the test presses again, as a citizen would.
async fn read(app: &App, speech: &Speech, id: &str, n: usize) {
    let button = format!("[data-testid=read-aloud-{id}]");
    let failed = format!("[data-read-aloud={id}] [data-testid=read-aloud-failed]");
    app.click(&button).await;
    eventually(
        std::time::Duration::from_secs(40),
        &format!("utterance {n} ({id}) at the speech engine"),
        || async {
            if speech.utterances().len() >= n {
                return Some(());
            }
            if app.count(&failed).await > 0 {
                eprintln!("the speech engine dropped {id}: pressing 朗读 again");
                app.click(&button).await;
            }
            None
        },
    )
    .await;
}

async fn wait_not_reading(app: &App, id: &str) {
    app.wait_css(&format!(
        "[data-testid=read-aloud-{id}]:not([data-reading])"
    ))
    .await;
}

async fn wait_gone(pid: u32, what: &str) {
    eventually(WAIT, what, || async { (!running(pid)).then_some(()) }).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_question_is_read_aloud_as_shown_in_mandarin_and_english_and_stops_on_moving_on() {
    bounded(async move {
        let Some(speech) = Speech::start() else {
            return;
        };
        let address = speech.address();
        // Alone on the display: the test moves the focus with Tab.
        let Some(driver) = Driver::start_alone_with_env(&[("SPEECHD_ADDRESS", &address)]).await
        else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;
        app.new_draft().await;

        // The name's question and hint, read to the end; the button is 朗读 again after it.
        app.wait_css("[data-testid=read-aloud-q-name]").await;
        assert_eq!(app.text("[data-testid=read-aloud-q-name]").await, "朗读");
        let shown = on_screen(&app, "label[for=f-name], #hint-name").await;
        read(&app, &speech, "q-name", 1).await;
        assert_read(&speech, 1, &shown, "cmn").await;
        wait_not_reading(&app, "q-name").await;

        // An error is read with its question: the ID number's last digit.
        app.type_into("#f-id_number", "110105194912310021").await;
        app.wait_text("[data-testid=save-status]", "已保存").await;
        app.click("[data-testid=check]").await;
        app.wait_text("[data-testid=problem-id_number]", "最后一位")
            .await;
        let shown = on_screen(
            &app,
            "label[for=f-id_number], #hint-id_number, #problem-id_number",
        )
        .await;
        read(&app, &speech, "q-id_number", 2).await;
        assert_read(&speech, 2, &shown, "cmn").await;
        wait_not_reading(&app, "q-id_number").await;

        // Moving on stops it: into the question's own field it goes on, to the next question it
        // stops, and the engine's process for it ends.
        speech.hold(120);
        read(&app, &speech, "q-phone", 3).await;
        let shown = on_screen(&app, "label[for=f-phone], #hint-phone, #problem-phone").await;
        let pid = assert_read(&speech, 3, &shown, "cmn").await.pid;
        app.wait_css("[data-testid=read-aloud-q-phone][data-reading]")
            .await;
        assert_eq!(
            app.text("[data-testid=read-aloud-q-phone]").await,
            "停止朗读"
        );
        app.press(TAB).await;
        app.wait_css("#f-phone:focus").await;
        assert!(
            running(pid),
            "reading stopped when the focus went into the question's own field"
        );
        app.wait_css("[data-testid=read-aloud-q-phone][data-reading]")
            .await;
        app.press(TAB).await;
        app.wait_css("[data-testid=read-aloud-q-address]:focus")
            .await;
        wait_not_reading(&app, "q-phone").await;
        wait_gone(pid, "the engine to stop reading the phone's question").await;

        // Pressed again while reading, the button stops it.
        read(&app, &speech, "q-address", 4).await;
        let shown = on_screen(
            &app,
            "label[for=f-address], #hint-address, #problem-address",
        )
        .await;
        let pid = assert_read(&speech, 4, &shown, "cmn").await.pid;
        app.wait_css("[data-testid=read-aloud-q-address][data-reading]")
            .await;
        app.click("[data-testid=read-aloud-q-address]").await;
        wait_not_reading(&app, "q-address").await;
        wait_gone(pid, "the engine to stop when 停止朗读 is pressed").await;
        speech.hold(0);

        // In the English UI the English text, in an English voice.
        app.click("[data-testid=switch-language]").await;
        app.wait_text("[data-testid=read-aloud-q-title]", "Read aloud")
            .await;
        let shown = on_screen(&app, "label[for=f-title], #hint-title, #problem-title").await;
        assert!(
            shown.is_ascii(),
            "the title's question is in English: {shown}"
        );
        read(&app, &speech, "q-title", 5).await;
        assert_read(&speech, 5, &shown, "en").await;
        app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_kiosk_reads_each_step_and_the_citizens_own_text_on_the_review_screen() {
    bounded(async move {
        if !crate::sync::keyring_ready() {
            return;
        }
        let Some(speech) = Speech::start() else {
            return;
        };
        let address = speech.address();
        let Some(driver) = Driver::start_with_env(&[("SPEECHD_ADDRESS", &address)]).await else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver
            .launch_until(dir.path(), &["--kiosk"], "[data-testid=kiosk-welcome]")
            .await;
        app.click("[data-testid=kiosk-start]").await;
        app.wait_css("[data-testid=kiosk-step][data-step=who]")
            .await;

        // The step's question, then a field's.
        read(&app, &speech, "step-who", 1).await;
        let shown = on_screen(&app, "#kiosk-heading, .kiosk-lead").await;
        assert_read(&speech, 1, &shown, "cmn").await;
        wait_not_reading(&app, "step-who").await;
        app.fill("name", "朗读测试王丽华").await;
        app.fill("address", "西安市雁塔区小寨东路一号").await;

        // Reading stops when the citizen goes on to the next step.
        speech.hold(120);
        read(&app, &speech, "q-address", 2).await;
        let shown = on_screen(&app, "label[for=f-address], #hint-address, #problem-address").await;
        let pid = assert_read(&speech, 2, &shown, "cmn").await.pid;
        app.click("[data-testid=kiosk-next]").await;
        app.wait_css("[data-testid=kiosk-step][data-step=what]")
            .await;
        wait_gone(pid, "the engine to stop when the step changed").await;
        speech.hold(0);

        // The review reads what the citizen wrote, as it shows it.
        app.click("[data-testid=kiosk-next]").await;
        app.wait_css("[data-testid=kiosk-step][data-step=evidence]")
            .await;
        app.click("[data-testid=kiosk-next]").await;
        app.wait_css("[data-testid=kiosk-step][data-step=review]")
            .await;
        app.wait_css("[data-testid=kiosk-check] [data-testid=kiosk-problem]")
            .await;
        read(&app, &speech, "review-who", 3).await;
        let shown = on_screen(
            &app,
            "#kiosk-review-who, [aria-labelledby=kiosk-review-who] dt, [aria-labelledby=kiosk-review-who] dd",
        )
        .await;
        let utterance = assert_read(&speech, 3, &shown, "cmn").await;
        for typed in ["朗读测试王丽华", "西安市雁塔区小寨东路一号"] {
            assert!(
                utterance.text.contains(typed),
                "the review read the citizen's {typed}: {}",
                utterance.text
            );
        }
        // And the check's problems, each with what to do.
        read(&app, &speech, "review-check", 4).await;
        let shown = on_screen(
            &app,
            "[data-testid=kiosk-check] .question p, [data-testid=kiosk-problem]",
        )
        .await;
        assert_read(&speech, 4, &shown, "cmn").await;
        app.quit().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_speech_engine_there_is_no_button_and_the_log_says_why() {
    bounded(async move {
        let logs = tempfile::tempdir().expect("temp dir");
        // The support's default: an address no speech-dispatcher serves.
        let Some(driver) =
            Driver::start_with_env(&[("PETITION_LOG_DIR", logs.path().as_os_str())]).await
        else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let app = driver.launch(dir.path(), &[]).await;
        app.new_draft().await;
        let logged = eventually(WAIT, "the log to say why nothing is read aloud", || async {
            let text: String = std::fs::read_dir(logs.path())
                .ok()?
                .flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect();
            text.contains("read-aloud:").then_some(text)
        })
        .await;
        assert!(
            logged.contains("no speech engine could be opened"),
            "the log names the reason: {logged}"
        );
        assert_eq!(
            app.count(".read-aloud").await,
            0,
            "a 朗读 button without a voice"
        );
        app.quit().await;
    })
    .await;
}
