//! 朗读: the questions, hints and errors on screen, and the citizen's own text on the review
//! screen, read aloud by the operating system's own speech engine, offline (the `tts` crate:
//! speech-dispatcher on Linux, WinRT on Windows, AVSpeechSynthesizer on macOS).
//!
//! The engine's handle is not `Send` (an `Rc` inside), so it lives on a thread of its own and the
//! commands talk to that thread. One utterance at a time: a new one interrupts the last, and
//! `read_aloud` returns when its utterance has been spoken or stopped, so the UI knows when its
//! button stops saying 停止.
//!
//! What is read is never logged (the `tts` crate's own trace lines are silenced in
//! `petition_core::logging`): only which languages have a voice, and why there is none.

use std::sync::mpsc;

use petition_core::i18n::Lang;
use tauri::State;
use tokio::sync::{oneshot, watch};

use crate::error::CommandError;
use crate::state::AppState;

/// The longest text read at once: more than every field of a petition together.
const MAX_CHARS: usize = 40_000;

/// How long the engine may take to begin an utterance. One that has not begun by then was
/// dropped (speech-dispatcher says a message is queued before its output module takes it, and a
/// module can refuse it, seen right after a stop on a loaded machine): the caller is told it
/// failed, so the button does not go on saying 停止朗读 over silence.
const BEGIN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The utterance being spoken.
struct Speaking {
    /// Its id, as text.
    id: String,
    began: bool,
    asked: std::time::Instant,
    done: oneshot::Sender<Result<(), ()>>,
}

/// The speech thread's handle, managed by the app.
pub struct ReadAloud {
    requests: mpsc::Sender<Request>,
    /// `None` until the engine has been asked for its voices; then the languages that have one.
    languages: watch::Receiver<Option<Vec<Lang>>>,
}

enum Request {
    Speak {
        text: String,
        lang: Lang,
        done: oneshot::Sender<Result<(), ()>>,
    },
    Stop,
    /// The engine reports an utterance begun (its id, as text).
    Began(String),
    /// The engine reports an utterance spoken to its end or stopped (its id, as text: the id's
    /// own type differs by platform).
    Ended(String),
}

impl ReadAloud {
    /// Starts the speech thread; the engine is opened there, without holding up the window.
    pub fn start() -> ReadAloud {
        let (requests, inbox) = mpsc::channel();
        let (found, languages) = watch::channel(None);
        let ended = requests.clone();
        let spawned = std::thread::Builder::new()
            .name("read-aloud".into())
            .spawn(move || run(inbox, ended, found));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "read-aloud: the speech thread could not start");
        }
        ReadAloud {
            requests,
            languages,
        }
    }

    async fn languages(&self) -> Vec<Lang> {
        let mut languages = self.languages.clone();
        match languages.wait_for(Option::is_some).await {
            Ok(found) => found.clone().unwrap_or_default(),
            // The thread is gone (it could not start): nothing can be read.
            Err(_) => Vec::new(),
        }
    }
}

/// The speech thread: opens the engine, finds a voice per language, then speaks and stops as
/// asked until the app ends.
fn run(
    inbox: mpsc::Receiver<Request>,
    ended: mpsc::Sender<Request>,
    found: watch::Sender<Option<Vec<Lang>>>,
) {
    let Some((mut tts, voices)) = open(ended) else {
        found.send_replace(Some(Vec::new()));
        // Answer what comes: every request is refused as unavailable.
        for request in inbox {
            if let Request::Speak { done, .. } = request {
                let _ = done.send(Err(()));
            }
        }
        return;
    };
    found.send_replace(Some(voices.iter().map(|(lang, _)| *lang).collect()));
    let waits_for_end = tts.supported_features().utterance_callbacks;
    let mut current: Option<Speaking> = None;
    loop {
        let waiting = current
            .as_ref()
            .filter(|s| !s.began)
            .map(|s| BEGIN_WAIT.saturating_sub(s.asked.elapsed()));
        let request = match waiting {
            Some(left) => match inbox.recv_timeout(left) {
                Ok(request) => request,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    tracing::warn!(
                        "read-aloud: the speech engine did not begin within 5 s; told the UI it failed"
                    );
                    let _ = tts.stop();
                    if let Some(dropped) = current.take() {
                        let _ = dropped.done.send(Err(()));
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            },
            None => match inbox.recv() {
                Ok(request) => request,
                Err(_) => return,
            },
        };
        match request {
            Request::Speak { text, lang, done } => {
                // The one being spoken is interrupted: its caller hears it ended.
                if let Some(before) = current.take() {
                    let _ = before.done.send(Ok(()));
                }
                let Some((_, voice)) = voices.iter().find(|(l, _)| *l == lang) else {
                    let _ = done.send(Err(()));
                    continue;
                };
                if let Err(e) = tts.set_voice(voice) {
                    tracing::warn!(error = %e, "read-aloud: the voice could not be chosen");
                }
                match tts.speak(text, true) {
                    Ok(Some(id)) if waits_for_end => {
                        current = Some(Speaking {
                            id: format!("{id:?}"),
                            began: false,
                            asked: std::time::Instant::now(),
                            done,
                        });
                    }
                    Ok(_) => {
                        let _ = done.send(Ok(()));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "read-aloud: the speech engine refused to speak");
                        let _ = done.send(Err(()));
                    }
                }
            }
            Request::Stop => {
                if let Err(e) = tts.stop() {
                    tracing::warn!(error = %e, "read-aloud: the speech engine did not stop");
                }
                if let Some(stopped) = current.take() {
                    let _ = stopped.done.send(Ok(()));
                }
            }
            Request::Began(id) => {
                if let Some(speaking) = current.as_mut().filter(|s| s.id == id) {
                    speaking.began = true;
                }
            }
            Request::Ended(id) => {
                if current.as_ref().is_some_and(|s| s.id == id) {
                    let ended = current.take().expect("checked just above");
                    let _ = ended.done.send(Ok(()));
                }
            }
        }
    }
}

/// Opens the OS's speech engine and picks a voice for each of the UI's languages; `None`, with
/// the reason in the log, when it cannot be opened or has no voice at all for them.
fn open(ended: mpsc::Sender<Request>) -> Option<(tts::Tts, Vec<(Lang, tts::Voice)>)> {
    let tts = match tts::Tts::default() {
        Ok(tts) => tts,
        Err(e) => {
            tracing::info!(error = %e, "read-aloud: no speech engine could be opened (on Linux: is speech-dispatcher installed?); the 朗读 buttons are hidden");
            return None;
        }
    };
    if tts.supported_features().utterance_callbacks {
        let tell = |to: mpsc::Sender<Request>,
                    what: fn(String) -> Request|
         -> Box<dyn FnMut(tts::UtteranceId)> {
            Box::new(move |id| {
                let _ = to.send(what(format!("{id:?}")));
            })
        };
        let set = tts
            .on_utterance_begin(Some(tell(ended.clone(), Request::Began)))
            .and(tts.on_utterance_end(Some(tell(ended.clone(), Request::Ended))))
            .and(tts.on_utterance_stop(Some(tell(ended, Request::Ended))));
        if let Err(e) = set {
            tracing::warn!(error = %e, "read-aloud: the engine will not say when it is done");
        }
    }
    let all = match tts.voices() {
        Ok(all) => all,
        Err(e) => {
            tracing::info!(error = %e, "read-aloud: the speech engine lists no voices; the 朗读 buttons are hidden");
            return None;
        }
    };
    let mut voices = Vec::new();
    for lang in Lang::ALL {
        match best_voice(lang, &all) {
            Some(voice) => voices.push((lang, voice.clone())),
            None => tracing::info!(
                language = lang.tag(),
                voices = all.len(),
                "read-aloud: no voice of this language is installed (Linux: espeak-ng's Mandarin `cmn` or English); its 朗读 buttons are hidden"
            ),
        }
    }
    tracing::info!(
        languages = ?voices.iter().map(|(l, _)| l.tag()).collect::<Vec<_>>(),
        "read-aloud: ready"
    );
    (!voices.is_empty()).then_some((tts, voices))
}

/// The voice that reads `lang` best: its exact language and region first (`zh-CN`, `en-US`,
/// `en-GB`…), then the language alone (espeak-ng names Mandarin `cmn`), in the engine's order.
fn best_voice(lang: Lang, voices: &[tts::Voice]) -> Option<&tts::Voice> {
    voices
        .iter()
        .filter_map(|v| voice_rank(lang, v.language().as_str()).map(|rank| (rank, v)))
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, v)| v)
}

/// How well a voice of language tag `tag` reads `lang`: lower is better, `None` not at all.
fn voice_rank(lang: Lang, tag: &str) -> Option<u8> {
    let tag = tag.to_ascii_lowercase().replace('_', "-");
    let primary = tag.split('-').next().unwrap_or_default();
    match lang {
        Lang::Zh => match (primary, tag.as_str()) {
            (_, "zh-cn" | "zh-hans-cn" | "zh-hans" | "cmn-hans-cn" | "cmn-cn") => Some(0),
            ("cmn", _) => Some(1),
            // Chinese of some other place or script (zh-TW, zh-HK): still Chinese, read last.
            ("zh", _) if !tag.contains("yue") => Some(2),
            _ => None,
        },
        Lang::En => match (primary, tag.as_str()) {
            (_, "en-us" | "en-gb") => Some(0),
            ("en", _) => Some(1),
            _ => None,
        },
    }
}

/// The languages that can be read aloud on this computer (the UI's `zh-CN` and `en` that have a
/// voice installed); empty when there is no speech engine, and the UI then shows no 朗读 button.
#[tauri::command]
#[specta::specta]
pub async fn read_aloud_languages(read_aloud: State<'_, ReadAloud>) -> Result<Vec<Lang>, ()> {
    Ok(read_aloud.languages().await)
}

/// Reads `text` aloud in `language`, interrupting what was being read; returns when it has been
/// read to its end or stopped.
#[tauri::command]
#[specta::specta]
pub async fn read_aloud(
    state: State<'_, AppState>,
    read_aloud: State<'_, ReadAloud>,
    text: String,
    language: Lang,
) -> Result<(), CommandError> {
    let lang = state.lang();
    if text.chars().count() > MAX_CHARS {
        return Err(CommandError::bad_request(lang));
    }
    if text.trim().is_empty() {
        return Ok(());
    }
    let (done, spoken) = oneshot::channel();
    let asked = read_aloud.requests.send(Request::Speak {
        text,
        lang: language,
        done,
    });
    let unavailable = || CommandError::of("read_aloud_unavailable", lang);
    if asked.is_err() {
        return Err(unavailable());
    }
    match spoken.await {
        Ok(Ok(())) => Ok(()),
        _ => Err(unavailable()),
    }
}

/// Stops reading aloud (the citizen moved on).
#[tauri::command]
#[specta::specta]
pub fn stop_reading_aloud(read_aloud: State<'_, ReadAloud>) -> Result<(), ()> {
    let _ = read_aloud.requests.send(Request::Stop);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mandarin_is_read_by_a_chinese_voice_of_the_mainland_first() {
        assert_eq!(voice_rank(Lang::Zh, "zh-CN"), Some(0));
        assert_eq!(voice_rank(Lang::Zh, "cmn"), Some(1));
        assert_eq!(voice_rank(Lang::Zh, "zh-TW"), Some(2));
        assert_eq!(voice_rank(Lang::Zh, "yue"), None);
        assert_eq!(voice_rank(Lang::Zh, "zh-yue"), None);
        assert_eq!(voice_rank(Lang::Zh, "en-US"), None);
    }

    #[test]
    fn english_is_read_by_any_english_voice() {
        assert_eq!(voice_rank(Lang::En, "en_US"), Some(0));
        assert_eq!(voice_rank(Lang::En, "en-GB-x-rp"), Some(1));
        assert_eq!(voice_rank(Lang::En, "en"), Some(1));
        assert_eq!(voice_rank(Lang::En, "eo"), None);
        assert_eq!(voice_rank(Lang::En, "cmn"), None);
    }
}
