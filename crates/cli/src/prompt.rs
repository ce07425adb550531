//! Asking for a passphrase or PIN: from the terminal without echo when there is one, else as lines
//! on standard input (provisioning scripts). Never from the command line, where `ps` shows it.

use std::io::{BufRead, IsTerminal};

use petition_core::i18n::{Arg, Lang, text};
use petition_core::keys::Passphrase;

/// The environment variable that may hold the administrator passphrase for scripts (read once,
/// never logged).
pub const PASSPHRASE_ENV: &str = "PETITION_PASSPHRASE";

fn read_line_stdin() -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line)?;
    Ok((n > 0).then_some(line))
}

/// One secret: with `prompt` from the terminal, or the next line of standard input.
pub fn read_secret(prompt: &str) -> anyhow::Result<Option<Passphrase>> {
    if std::io::stdin().is_terminal() {
        Ok(Some(Passphrase::new(rpassword::prompt_password(prompt)?)))
    } else {
        Ok(read_line_stdin()?.map(Passphrase::new))
    }
}

/// A new secret, typed twice; refuses when the two differ or one is missing. `what` names the
/// secret in `lang` (the catalogue's `cli-secret-…`).
pub fn read_new_secret(what: &str, lang: Lang) -> anyhow::Result<Passphrase> {
    let what = [("what", Arg::from(what))];
    let missing = || anyhow::anyhow!("{}", text(lang, "cli-prompt-missing", &what));
    let first = read_secret(&text(lang, "cli-prompt-first", &what))?.ok_or_else(missing)?;
    let again = read_secret(&text(lang, "cli-prompt-again", &what))?.ok_or_else(missing)?;
    if first.expose() != again.expose() {
        anyhow::bail!("{}", text(lang, "cli-prompt-differ", &what));
    }
    Ok(first)
}

/// The administrator passphrase of a data directory kept in passphrase mode: `PETITION_PASSPHRASE`,
/// else asked for.
pub fn passphrase_for_unlock(lang: Lang) -> anyhow::Result<Option<Passphrase>> {
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        return Ok(Some(Passphrase::new(value.to_string_lossy().into_owned())));
    }
    read_secret(&lang.text("cli-prompt-passphrase"))
}

/// The environment variable that may hold the bureau token for scripts (read once, never logged).
pub const TOKEN_ENV: &str = "PETITION_BUREAU_TOKEN";

/// The bureau token given as `--token`: the value itself, or `-` to read it (from the terminal
/// without echo, else the next line of standard input), so it need not stand on a command line
/// that `ps` shows to every user of the machine.
pub fn token(arg: String, lang: Lang) -> anyhow::Result<petition_core::sync::Secret> {
    let text = if arg == "-" {
        read_secret(&lang.text("cli-prompt-token"))?
            .map(|p| p.expose().to_owned())
            .ok_or_else(|| anyhow::anyhow!("{}", lang.text("cli-prompt-no_token")))?
    } else {
        arg
    };
    Ok(petition_core::sync::Secret::new(text)?)
}
