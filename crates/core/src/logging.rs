//! Logs: stderr for whoever started the program, and daily rolling files in the app's log
//! directory (the one Tauri's `app_log_dir()` names), kept 14 days.
//!
//! What is logged anywhere in the workspace is ids, codes, counts and states: never a field's
//! value, a file name, petition text or a token. A test searches the log directory for the marker
//! strings of a synced petition and fails on any.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::paths::APP_IDENTIFIER;

/// The environment variable that may stand in for the OS's log directory.
pub const LOG_DIR_ENV: &str = "PETITION_LOG_DIR";

/// Log files kept (one a day).
const KEEP_FILES: usize = 14;

/// What the log files take: `info` and up, and nothing of sqlx, whose statement logger writes
/// SQL text (a key pragma, a value typed into a query) at any level. The store turns it off on
/// every keyed connection as well; this keeps the files clean of whatever else a statement holds.
const FILE_FILTER: &str = "info,sqlx=off";

/// Crates that log what they are given at their debug and trace levels: the speech engine's
/// (`tts`, `speech_dispatcher`) write the text read aloud. Below `warn` they are dropped before
/// any filter `RUST_LOG` sets.
const QUIET_TARGETS: &[&str] = &["tts", "speech_dispatcher"];

/// Whether a log line is kept whatever `RUST_LOG` says: not a debug or trace line of
/// [`QUIET_TARGETS`].
fn not_quieted(meta: &tracing::Metadata<'_>) -> bool {
    let quiet = QUIET_TARGETS
        .iter()
        .any(|t| meta.target() == *t || meta.target().starts_with(&format!("{t}::")));
    !quiet || *meta.level() <= tracing::Level::WARN
}

/// The OS's log directory for Petition Desk: `~/Library/Logs/<id>` on macOS, `<local app data>/
/// <id>/logs` elsewhere (Tauri's `app_log_dir()`).
pub fn default_log_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        dirs::home_dir().map(|h| h.join("Library/Logs").join(APP_IDENTIFIER))
    } else {
        dirs::data_local_dir().map(|d| d.join(APP_IDENTIFIER).join("logs"))
    }
}

/// `PETITION_LOG_DIR`, else [`default_log_dir`].
pub fn log_dir() -> Option<PathBuf> {
    std::env::var_os(LOG_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(default_log_dir)
}

/// Starts logging to stderr (level from `RUST_LOG`, else `stderr_default`) and, when the log
/// directory can be made, to `<log dir>/<prefix>.<date>.log` at `info`. Keep the guard alive
/// until the program ends: dropping it flushes the file.
pub fn init(prefix: &str, stderr_default: &str) -> Option<WorkerGuard> {
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(stderr_default)),
        );
    let file = log_dir().and_then(|dir| {
        RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(prefix)
            .filename_suffix("log")
            .max_log_files(KEEP_FILES)
            .build(dir)
            .ok()
    });
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(EnvFilter::new(FILE_FILTER));
            let _ = tracing_subscriber::registry()
                .with(tracing_subscriber::filter::filter_fn(not_quieted))
                .with(stderr)
                .with(layer)
                .try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry()
                .with(tracing_subscriber::filter::filter_fn(not_quieted))
                .with(stderr)
                .try_init();
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The `tts` crate traces `speak({text}, …)`: with `RUST_LOG=trace` that would put what the
    /// citizen wrote on stderr.
    #[test]
    fn the_speech_engines_debug_and_trace_lines_are_dropped_whatever_rust_log_says() {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::filter::filter_fn(not_quieted))
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .with_filter(EnvFilter::new("trace")),
            );
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "tts::backends::speech_dispatcher", "speak(王丽华的诉求, true)");
            tracing::debug!(target: "tts", "王丽华的住址");
            tracing::info!(target: "speech_dispatcher", "王丽华的电话");
            tracing::warn!(target: "tts", "the engine failed");
            tracing::trace!(target: "petition_core::sync", "a trace line of our own");
            tracing::trace!(target: "ttsx", "a crate that only starts alike");
        });
        let logged = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf-8");
        assert!(!logged.contains("王丽华"), "{logged}");
        for kept in [
            "the engine failed",
            "a trace line of our own",
            "only starts alike",
        ] {
            assert!(logged.contains(kept), "{kept} is missing from {logged}");
        }
    }
}
