//! How a one-time code reaches a phone: an SMS gateway over HTTP for deployments, or, for tests
//! and demos only, a file in which each code is one JSON line. The bureau sends no code without
//! one of them (`sms_unavailable`).
//!
//! The gateway is named by a URL template whose `{phone}`, `{code}` and `{message}` are filled in
//! (percent-encoded), and is sent a POST with the JSON `{"phone", "code", "message"}`; its
//! credential, if it needs one, comes from the environment or a file and goes in the
//! `Authorization: Bearer` header, never on a command line. Any 2xx answer is success.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use petition_rules::i18n::{Lang, text};
use zeroize::Zeroizing;

/// Where codes go, as configured.
#[derive(Clone, Default)]
pub enum SmsConfig {
    /// None: no code can be sent.
    #[default]
    Off,
    /// Tests and demos: one JSON line per code appended to this file (mode 0600).
    File(PathBuf),
    /// A deployment's gateway.
    Gateway {
        /// `https://…` (http:// only to this machine) with `{phone}`, `{code}`, `{message}`.
        template: String,
        /// The bearer credential, if the gateway takes one.
        credential: Option<Zeroizing<String>>,
    },
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsConfig::Off => f.write_str("Off"),
            SmsConfig::File(path) => f.debug_tuple("File").field(path).finish(),
            SmsConfig::Gateway { credential, .. } => f
                .debug_struct("Gateway")
                .field("credential", &credential.as_ref().map(|_| "<redacted>"))
                .finish_non_exhaustive(),
        }
    }
}

/// Why a gateway template cannot be used.
pub fn check_template(template: &str) -> Result<(), String> {
    let sample = fill(template, "13800000000", "000000", "x");
    let url = reqwest::Url::parse(&sample).map_err(|e| format!("not a URL ({e})"))?;
    let loopback = url.host_str().is_some_and(|h| {
        h.eq_ignore_ascii_case("localhost")
            || h.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err("the gateway must be https:// (http:// only to this machine)".into()),
    }
}

/// The template with its placeholders filled in, percent-encoded.
fn fill(template: &str, phone: &str, code: &str, message: &str) -> String {
    template
        .replace("{phone}", &enc(phone))
        .replace("{code}", &enc(code))
        .replace("{message}", &enc(message))
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text message, in Chinese with its English after it.
pub fn message(code: &str, minutes: u64) -> String {
    let args = [("code", code.into()), ("minutes", minutes.into())];
    format!(
        "{} {}",
        text(Lang::Zh, "bureau-sms-text", &args),
        text(Lang::En, "bureau-sms-text", &args)
    )
}

/// The sender the bureau uses.
#[derive(Debug)]
pub struct Sms {
    config: SmsConfig,
    client: reqwest::Client,
    /// Appends to the file take turns.
    file: tokio::sync::Mutex<()>,
}

/// Why a code was not sent; logged by kind, never with the number or the code.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("no SMS sender is configured (--sms-gateway, or --sms-file for tests)")]
    Off,
    #[error("the SMS file could not be written")]
    File(#[source] std::io::Error),
    #[error("the SMS gateway could not be reached")]
    Unreachable(#[source] reqwest::Error),
    #[error("the SMS gateway answered {0}")]
    Refused(u16),
}

impl Sms {
    pub fn new(config: SmsConfig) -> Sms {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with rustls and a timeout builds");
        Sms {
            config,
            client,
            file: Default::default(),
        }
    }

    pub fn configured(&self) -> bool {
        !matches!(self.config, SmsConfig::Off)
    }

    /// Sends `code` to `phone` (11 digits); `at` is RFC 3339.
    pub async fn send(
        &self,
        phone: &str,
        code: &str,
        at: &str,
        minutes: u64,
    ) -> Result<(), SmsError> {
        match &self.config {
            SmsConfig::Off => Err(SmsError::Off),
            SmsConfig::File(path) => {
                let line = serde_json::json!({"phone": phone, "code": code, "at": at}).to_string();
                let _turn = self.file.lock().await;
                let path = path.clone();
                tokio::task::spawn_blocking(move || append_line(&path, &line))
                    .await
                    .map_err(|e| SmsError::File(std::io::Error::other(e)))?
                    .map_err(SmsError::File)
            }
            SmsConfig::Gateway {
                template,
                credential,
            } => {
                let message = message(code, minutes);
                let mut request = self
                    .client
                    .post(fill(template, phone, code, &message))
                    .json(&serde_json::json!({"phone": phone, "code": code, "message": message}));
                if let Some(credential) = credential {
                    request = request.bearer_auth(credential.as_str());
                }
                let response = request.send().await.map_err(SmsError::Unreachable)?;
                match response.status() {
                    s if s.is_success() => Ok(()),
                    s => Err(SmsError::Refused(s.as_u16())),
                }
            }
        }
    }
}

fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_filled_in_encoded_and_must_be_https_or_loopback() {
        assert_eq!(
            fill(
                "https://sms.example.cn/send?to={phone}&text={message}",
                "13912344567",
                "1",
                "验证码 1"
            ),
            "https://sms.example.cn/send?to=13912344567&text=%E9%AA%8C%E8%AF%81%E7%A0%81%201"
        );
        assert!(check_template("https://sms.example.cn/send?to={phone}").is_ok());
        assert!(check_template("http://127.0.0.1:9000/sms").is_ok());
        assert!(check_template("http://sms.example.cn/send").is_err());
        assert!(check_template("not a url {phone}").is_err());
    }

    #[test]
    fn the_credential_never_shows_in_debug() {
        let config = SmsConfig::Gateway {
            template: "https://sms.example.cn/{phone}".into(),
            credential: Some(Zeroizing::new("s3cret-gateway-key".into())),
        };
        assert!(!format!("{config:?}").contains("s3cret"));
    }
}
