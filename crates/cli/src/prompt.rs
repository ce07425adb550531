//! Asking for a passphrase or PIN: from the terminal without echo when there is one, else as lines
//! on standard input (provisioning scripts). Never from the command line, where `ps` shows it.

use std::io::{BufRead, IsTerminal};

use petition_core::i18n::Lang;
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

/// A new secret, typed twice; refuses when the two differ or one is missing.
pub fn read_new_secret(what_zh: &str, what_en: &str, lang: Lang) -> anyhow::Result<Passphrase> {
    let (first_prompt, again_prompt) = match lang {
        Lang::Zh => (
            format!("请输入{what_zh}："),
            format!("请再输入一次{what_zh}："),
        ),
        Lang::En => (format!("{what_en}: "), format!("{what_en} again: ")),
    };
    let missing = || {
        anyhow::anyhow!(
            "{}",
            match lang {
                Lang::Zh =>
                    format!("没有读到{what_zh}：请在终端输入，或在标准输入中给出两行相同的内容。"),
                Lang::En => format!(
                    "No {what_en} was read: type it in a terminal, or give it twice, as two lines on standard input."
                ),
            }
        )
    };
    let first = read_secret(&first_prompt)?.ok_or_else(missing)?;
    let again = read_secret(&again_prompt)?.ok_or_else(missing)?;
    if first.expose() != again.expose() {
        anyhow::bail!(
            "{}",
            match lang {
                Lang::Zh => format!("两次输入的{what_zh}不一致，未作任何设置。请重新运行。"),
                Lang::En =>
                    format!("The two {what_en}s differ; nothing was set. Run the command again."),
            }
        );
    }
    Ok(first)
}

/// The administrator passphrase of a data directory kept in passphrase mode: `PETITION_PASSPHRASE`,
/// else asked for.
pub fn passphrase_for_unlock(lang: Lang) -> anyhow::Result<Option<Passphrase>> {
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        return Ok(Some(Passphrase::new(value.to_string_lossy().into_owned())));
    }
    read_secret(lang.pick("请输入管理员口令：", "Administrator passphrase: "))
}

/// The environment variable that may hold the bureau token for scripts (read once, never logged).
pub const TOKEN_ENV: &str = "PETITION_BUREAU_TOKEN";

/// The bureau token given as `--token`: the value itself, or `-` to read it (from the terminal
/// without echo, else the next line of standard input), so it need not stand on a command line
/// that `ps` shows to every user of the machine.
pub fn token(arg: String, lang: Lang) -> anyhow::Result<petition_core::sync::Secret> {
    let text = if arg == "-" {
        read_secret(lang.pick("请输入令牌：", "Token: "))?
            .map(|p| p.expose().to_owned())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}",
                    lang.pick(
                        "没有读到令牌：请在终端输入，或在标准输入的第一行给出。",
                        "No token was read: type it in a terminal, or give it as the first line on standard input."
                    )
                )
            })?
    } else {
        arg
    };
    Ok(petition_core::sync::Secret::new(text)?)
}
