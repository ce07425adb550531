//! Why a sync operation could not be done. Like every core error, each variant has a stable
//! snake_case [`SyncError::code`] and a message in both languages saying what to do. None carries
//! a token, a field's value or a file name.

use super::plan::NetworkKind;
use crate::i18n::Lang;
use crate::validate::{Problem, field_label};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The petition cannot be submitted yet: these fields need work.
    #[error("the petition is not ready to submit ({} problems)", .0.len())]
    NotReady(Vec<Problem>),
    /// The petition is not in the outbox (a draft, or unknown to the outbox).
    #[error("the petition is not in the outbox")]
    NotQueued,
    /// The submission was already sent (or delivered); it can no longer be withdrawn.
    #[error("the submission was already sent")]
    AlreadySent,
    /// No bureau address is set.
    #[error("no bureau address is set")]
    NoBureau,
    /// The bureau address is not an `https://` URL (plain `http://` is allowed to loopback only).
    #[error("the bureau address is not a usable https URL")]
    BureauUrlInvalid,
    /// No token is stored for this data directory.
    #[error("not signed in to the bureau")]
    NotSignedIn,
    /// The token given is empty or has characters a header cannot carry.
    #[error("the token is malformed")]
    TokenInvalid,
    /// The OS keyring is missing, locked or refused access.
    #[error("the OS keyring cannot be used")]
    Keyring(#[source] keyring::Error),
    /// The HTTP client could not be built (the TLS roots could not be loaded).
    #[error("the HTTP client cannot be set up")]
    Client(#[source] reqwest::Error),
    /// Signing in: the bureau could not be reached in a way that needs a setting fixed (its
    /// certificate, a proxy); nothing was kept.
    #[error("the bureau cannot be connected to ({})", .0.key())]
    Connection(NetworkKind),
    /// Signing in: the address answered, but not as a bureau (a wrong address, a captive
    /// portal); nothing was kept.
    #[error("the address does not answer as a bureau")]
    NotBureau,
    /// Signing in: the bureau refused the token; nothing was kept.
    #[error("the bureau refused the token")]
    TokenRefused,
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotReady(_) => "not_ready",
            SyncError::NotQueued => "not_queued",
            SyncError::AlreadySent => "already_sent",
            SyncError::NoBureau => "no_bureau",
            SyncError::BureauUrlInvalid => "bureau_url_invalid",
            SyncError::NotSignedIn => "not_signed_in",
            SyncError::TokenInvalid => "token_invalid",
            SyncError::Keyring(_) => "token_keyring_unavailable",
            SyncError::Client(_) => "http_client_failed",
            SyncError::Connection(kind) => super::engine::network_error(*kind).0,
            SyncError::NotBureau => "not_bureau",
            SyncError::TokenRefused => "token_refused",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            SyncError::NotReady(problems) => {
                let list = problems
                    .iter()
                    .map(|p| format!("{}：{}", field_label(p.field, lang), p.code.message(lang)))
                    .collect::<Vec<_>>()
                    .join(lang.pick("；", "; "));
                match lang {
                    Lang::Zh => format!("还不能提交，请先修改：{list}"),
                    Lang::En => format!("This petition cannot be submitted yet; fix: {list}"),
                }
            }
            SyncError::NotQueued => lang
                .pick(
                    "这份信访事项不在待发送列表中。",
                    "This petition is not in the outbox.",
                )
                .to_owned(),
            SyncError::AlreadySent => lang
                .pick(
                    "这份信访事项已经发往信访局，不能再撤回。请等待回执和办理结果。",
                    "This petition has already been sent to the bureau and can no longer be withdrawn. Wait for its receipt and the bureau's answer.",
                )
                .to_owned(),
            SyncError::NoBureau => lang
                .pick(
                    "尚未设置信访局地址。请先登录：petitionctl login --bureau 地址 --token 令牌。",
                    "No bureau address is set. Sign in first: petitionctl login --bureau URL --token TOKEN.",
                )
                .to_owned(),
            SyncError::BureauUrlInvalid => lang
                .pick(
                    "信访局地址应以 https:// 开头（仅本机地址可用 http://）。请核对后重新登录。",
                    "The bureau address must start with https:// (http:// only for this machine). Check it and sign in again.",
                )
                .to_owned(),
            SyncError::NotSignedIn => lang
                .pick(
                    "尚未登录信访局。请输入信访局提供的令牌登录后，待发送的信访事项会自动发出。",
                    "Not signed in to the bureau. Sign in with the token the bureau gave you; the outbox is then sent by itself.",
                )
                .to_owned(),
            SyncError::TokenInvalid => lang
                .pick(
                    "令牌格式不对，请完整复制信访局提供的令牌。",
                    "The token is malformed; copy the whole token the bureau gave you.",
                )
                .to_owned(),
            SyncError::Keyring(_) => lang
                .pick(
                    "无法把信访局的令牌保存到这台电脑保管密码的地方（系统密码库），可能还没有解锁。如果电脑提示解锁，请输入您登录电脑时用的密码，然后再试。令牌不会保存到普通文件中。",
                    "The bureau's token cannot be kept where this computer keeps passwords (the system password store); it may still be locked. If the computer asks you to unlock it, type the password you log in with, then try again. The token is never kept in a plain file.",
                )
                .to_owned(),
            SyncError::Client(_) => lang
                .pick(
                    "无法建立安全连接组件，请重新安装信访助手。",
                    "The secure connection component could not be set up; reinstall Petition Desk.",
                )
                .to_owned(),
            SyncError::Connection(NetworkKind::Certificate) => lang
                .pick(
                    "无法验证信访局的证书，登录未完成，什么也没有保存。请核对网址；如果信访局用的是自己的证书，请管理员把它的证书（CA）装到这台机器的证书库中，然后再登录。",
                    "The bureau's certificate cannot be verified, so you are not signed in and nothing was kept. Check the address; if the bureau uses a certificate of its own, have an administrator install its certificate authority in this machine's certificate store, then sign in again.",
                )
                .to_owned(),
            SyncError::Connection(NetworkKind::Proxy) => lang
                .pick(
                    "网络代理拒绝了连接，登录未完成，什么也没有保存。请管理员检查代理设置后再登录。",
                    "The network proxy refused the connection, so you are not signed in and nothing was kept. Have an administrator check the proxy settings, then sign in again.",
                )
                .to_owned(),
            SyncError::Connection(_) => lang
                .pick(
                    "无法与信访局建立安全连接，登录未完成，什么也没有保存。请核对网址，或请管理员检查网络设备后再登录。",
                    "A secure connection to the bureau cannot be made, so you are not signed in and nothing was kept. Check the address, or have an administrator check the network equipment, then sign in again.",
                )
                .to_owned(),
            SyncError::NotBureau => lang
                .pick(
                    "这个网址的应答不是信访局发出的，登录未完成，什么也没有保存。请核对网址；如果用的是公共 Wi-Fi，请先在浏览器中登录 Wi-Fi。",
                    "This address does not answer as a bureau, so you are not signed in and nothing was kept. Check the address; on a public Wi-Fi, sign in to the Wi-Fi in a browser first.",
                )
                .to_owned(),
            SyncError::TokenRefused => lang
                .pick(
                    "信访局不接受这个令牌（可能输错了、已过期或已被收回），登录未完成，什么也没有保存。请核对令牌，或向信访局要一个新的。",
                    "The bureau does not accept this token (mistyped, expired or revoked), so you are not signed in and nothing was kept. Check the token, or ask the bureau for a new one.",
                )
                .to_owned(),
        }
    }
}
