//! A speech-dispatcher of the test's own, whose one output module hands each utterance to
//! espeak-ng and keeps what it was given: the text (as speech-dispatcher passed it on), the voice,
//! and the audio espeak-ng made of it (`espeak-ng -w`, a WAV file). The app reaches it through
//! `SPEECHD_ADDRESS`, as any speech-dispatcher client does. Nothing is played.
//!
//! After writing its audio an utterance "plays" for as long as [`Speech::hold`] says (0 s at
//! first), so a test can stop it while it is being read and see it stopped: speech-dispatcher
//! then ends the module's process, whose pid each utterance records.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{Service, eventually, require};

/// The running speech-dispatcher, stopped when dropped.
#[derive(Debug)]
pub struct Speech {
    dir: tempfile::TempDir,
    _server: Service,
}

/// One utterance as the engine received it.
#[derive(Debug, Clone)]
pub struct Utterance {
    pub text: String,
    /// espeak-ng's voice: `cmn` (Mandarin) or `en`.
    pub voice: String,
    pub wav: PathBuf,
    /// The process "playing" it (the module's shell).
    pub pid: u32,
}

impl Speech {
    /// Starts speech-dispatcher on a socket in a temp dir, or returns `None` (skipping) where it
    /// or espeak-ng is missing.
    pub fn start() -> Option<Speech> {
        let has = |cmd: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {cmd}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !require(
            "speech-dispatcher (apt-get install speech-dispatcher)",
            has("speech-dispatcher"),
        ) || !require("espeak-ng (apt-get install espeak-ng)", has("espeak-ng"))
        {
            return None;
        }
        let dir = tempfile::tempdir().expect("a temp dir for speech-dispatcher");
        let root = dir.path();
        let out = root.join("out");
        for sub in ["conf/modules", "home", "out"] {
            std::fs::create_dir_all(root.join(sub)).expect("speech-dispatcher's folders");
        }
        std::fs::write(root.join("hold"), "0").expect("the hold file");
        // No sound card here: libao's null driver stands in for one (speech-dispatcher will not
        // start a module without audio output).
        std::fs::write(root.join("home/.libao"), "default_driver=null\n").expect(".libao");
        std::fs::write(
            root.join("conf/speechd.conf"),
            format!(
                "CommunicationMethod \"unix_socket\"\nAudioOutputMethod \"libao\"\n\
                 LogLevel 2\nLogDir \"{logs}\"\nTimeout 0\n\
                 AddModule \"capture\" \"sd_generic\" \"capture.conf\"\n\
                 DefaultModule \"capture\"\nDefaultLanguage \"zh\"\n",
                logs = root.display()
            ),
        )
        .expect("speechd.conf");
        // Each utterance: its pid and voice, its text and voice (the module fills in only the first
        // `$DATA` and `$VOICE`), the audio espeak-ng makes of that text, then the text renamed to
        // `.txt` (it appears last, once the rest is written); then it holds as long as the hold
        // file says, as the same process (`exec`: speech-dispatcher's stop ends that process,
        // and a `sleep` of its own would keep the module busy). One utterance is one call (the module would cut text into 300-byte pieces,
        // through the middle of a character).
        let out = out.display();
        let hold = root.join("hold");
        let hold = hold.display();
        std::fs::write(
            root.join("conf/modules/capture.conf"),
            format!(
                "GenericExecuteSynth \"n=$(date +%s%N); v=$VOICE; echo $$ > {out}/$n.pid; \
                 printf '%s' $v > {out}/$n.voice; \
                 printf '%s' \\'$DATA\\' > {out}/$n.part && \
                 espeak-ng -v $v -w {out}/$n.wav -f {out}/$n.part && \
                 mv {out}/$n.part {out}/$n.txt; \
                 exec sleep $(cat {hold})\"\n\
                 AddVoice \"zh\" \"MALE1\" \"cmn\"\nAddVoice \"en\" \"MALE1\" \"en\"\n\
                 DefaultVoice \"cmn\"\nGenericMaxChunkLength 1000000\n\
                 GenericLanguage \"zh\" \"cmn\" \"utf-8\"\nGenericLanguage \"en\" \"en\" \"utf-8\"\n"
            ),
        )
        .expect("the capture module's configuration");
        let socket = root.join("speechd.sock");
        let server = Service::spawn(
            Command::new("speech-dispatcher")
                .arg("-C")
                .arg(root.join("conf"))
                .args(["-s", "-t", "0", "-c", "unix_socket", "-S"])
                .arg(&socket)
                // Its own pid file: another test's speech-dispatcher may be running.
                .arg("-P")
                .arg(root.join("speechd.pid"))
                .env("HOME", root.join("home"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("start speech-dispatcher");
        let start = std::time::Instant::now();
        while !socket.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "speech-dispatcher did not open its socket (its log: {})",
                root.join("speech-dispatcher.log").display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Speech {
            dir,
            _server: server,
        })
    }

    /// `SPEECHD_ADDRESS` for the app.
    pub fn address(&self) -> OsString {
        let mut address = OsString::from("unix_socket:");
        address.push(self.dir.path().join("speechd.sock"));
        address
    }

    /// How long each utterance from now on plays after its audio is written.
    pub fn hold(&self, seconds: u32) {
        std::fs::write(self.dir.path().join("hold"), seconds.to_string()).expect("the hold file");
    }

    /// Every utterance received so far, oldest first.
    pub fn utterances(&self) -> Vec<Utterance> {
        let out = self.dir.path().join("out");
        let mut stamps: Vec<String> = std::fs::read_dir(&out)
            .expect("the utterances' folder")
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(".txt").map(str::to_owned)
            })
            .collect();
        stamps.sort_by_key(|s| s.parse::<u128>().unwrap_or_default());
        stamps
            .iter()
            .map(|n| Utterance {
                text: without_terminator(read(&out.join(format!("{n}.txt")))),
                voice: read(&out.join(format!("{n}.voice"))),
                wav: out.join(format!("{n}.wav")),
                pid: read(&out.join(format!("{n}.pid")))
                    .trim()
                    .parse()
                    .expect("a pid"),
            })
            .collect()
    }

    /// Waits for the `n`th utterance (counting from 1) and returns it.
    pub async fn wait_utterance(&self, n: usize) -> Utterance {
        eventually(
            Duration::from_secs(30),
            &format!("utterance {n} at the speech engine"),
            || async { self.utterances().into_iter().nth(n - 1) },
        )
        .await
    }
}

/// The text without the line `.` that ends a message in speech-dispatcher's protocol (SSIP),
/// which the generic module (`sd_generic` 0.11) leaves at the end of `$DATA` for some messages
/// (seen on several whose last line is a field's error, never on others); speech-dispatcher's
/// own log shows the text it received from the app without it.
fn without_terminator(text: String) -> String {
    match text.trim_end().strip_suffix('.') {
        Some(rest) if rest.ends_with('\n') || rest.ends_with("\n ") => rest.trim_end().to_owned(),
        _ => text,
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether process `pid` is still running.
pub fn running(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// A 16-bit PCM WAV file's length in seconds and its loudness (the samples' root mean square,
/// of 32767 at full scale).
pub fn loudness(wav: &Path) -> (f64, f64) {
    let bytes = std::fs::read(wav).unwrap_or_else(|e| panic!("{}: {e}", wav.display()));
    assert!(
        bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "{} is not a WAV file",
        wav.display()
    );
    let (mut at, mut rate, mut bits, mut channels) = (12, 0u32, 0u16, 0u16);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = &bytes[at + 8..(at + 8 + size).min(bytes.len())];
        if id == b"fmt " {
            channels = u16::from_le_bytes([body[2], body[3]]);
            rate = u32::from_le_bytes(body[4..8].try_into().expect("4 bytes"));
            bits = u16::from_le_bytes([body[14], body[15]]);
        } else if id == b"data" {
            assert_eq!(bits, 16, "espeak-ng writes 16-bit samples");
            let samples: Vec<f64> = body
                .chunks_exact(2)
                .map(|s| f64::from(i16::from_le_bytes([s[0], s[1]])))
                .collect();
            let rms =
                (samples.iter().map(|s| s * s).sum::<f64>() / samples.len().max(1) as f64).sqrt();
            let seconds = samples.len() as f64 / f64::from(rate * u32::from(channels.max(1)));
            return (seconds, rms);
        }
        at += 8 + size + (size & 1);
    }
    panic!("{} has no data chunk", wav.display());
}

/// Text as the engine is given it and as the screen shows it, made comparable: full-width forms
/// (（）：，) as their ASCII twins, which speech-dispatcher substitutes, and every run of white
/// space as one space.
pub fn comparable(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}
