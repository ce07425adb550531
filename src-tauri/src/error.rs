//! Errors as the UI receives them: `{code, message}`. The UI shows its own translation of `code`
//! and falls back to `message`, which is in the language the user chose.

use petition_core::i18n::Lang;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl CommandError {
    pub fn from_core(e: &petition_core::Error, lang: Lang) -> CommandError {
        // The cause stays in the log (it never holds field values); the UI gets the code.
        tracing::warn!(code = e.code(), error = %e, cause = ?std::error::Error::source(e), "command failed");
        CommandError {
            code: e.code().to_owned(),
            message: e.message(lang),
        }
    }
}

impl CommandError {
    /// A failure of the shell's own (printing, a dialog), with the catalogue's message for
    /// `code`.
    pub fn of(code: &str, lang: Lang) -> CommandError {
        CommandError {
            code: code.to_owned(),
            message: lang.text(code),
        }
    }

    /// A call the UI should never make (missing argument or body): a fault of the app.
    pub fn bad_request(lang: Lang) -> CommandError {
        CommandError {
            code: "bad_request".to_owned(),
            message: lang.text("bad_request"),
        }
    }
}
