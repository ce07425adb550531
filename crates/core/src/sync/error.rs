//! Why a sync operation could not be done. Like every core error, each variant has a stable
//! snake_case [`SyncError::code`] and a message in both languages saying what to do, from the
//! message catalogue. None carries a token, a field's value or a file name.

use super::plan::NetworkKind;
use crate::i18n::{Lang, text};
use crate::validate::{Problem, field_label};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The petition cannot be submitted yet: these fields need work.
    #[error("the petition is not ready to submit ({} problems)", .0.len())]
    NotReady(Vec<Problem>),
    /// The petition is not in the outbox (a draft, or unknown to the outbox).
    #[error("the petition is not in the outbox")]
    NotQueued,
    /// A step after delivery (a rating, a review, an urge) on a petition the bureau has not
    /// confirmed yet.
    #[error("the petition has not reached the bureau yet")]
    NotDelivered,
    /// Following a petition by its 查询码 needs a citizen's account signed in (a mobile number).
    #[error("no citizen account is signed in")]
    TrackNeedsAccount,
    /// What was typed cannot be a 查询码.
    #[error("not a tracking code")]
    TrackingCodeInvalid,
    /// What was typed is not a mainland mobile number.
    #[error("not a mobile number")]
    TrackPhoneInvalid,
    /// A local id given for a 查询码 typed without a network: the bureau has not been asked yet.
    #[error("the tracking code waits to be looked up")]
    LookupWaiting,
    /// A local id given for a 查询码 the bureau then did not take. `code` is the bureau's;
    /// `message` its words in both languages.
    #[error("the bureau did not find the tracked petition ({code})")]
    LookupRefused { code: String, message: String },
    /// Following a petition: the bureau refused (no such pair, too many tries, a kiosk). `code`
    /// is the bureau's, from a fixed list; `message` its words in both languages.
    #[error("the bureau refused to follow the petition ({code})")]
    TrackRefused { code: &'static str, message: String },
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
    /// Signing up or in: the bureau refused (a wrong or spent code, a limit, a number without an
    /// account, a field to correct). `code` is the bureau's, from a fixed list; `message` its
    /// words in both languages (they may count tries left), and `retry_after` its wait.
    #[error("the bureau refused the sign-in ({code})")]
    AccountRefused {
        code: &'static str,
        message: String,
        retry_after: Option<u64>,
    },
    /// Signing up or in: the bureau cannot be reached now; nothing was sent.
    #[error("the bureau cannot be reached for the sign-in")]
    AccountOffline,
    /// The bureau no longer takes the token (expired, revoked, or the account deleted): the
    /// citizen signs in again; queued petitions wait for it.
    #[error("the bureau no longer takes the token")]
    SignInAgain,
    /// Verifying a code with none asked for on this machine.
    #[error("no code was asked for")]
    NoCodeAsked,
    /// The bureau's catalogue could not be fetched now; the one kept (or the shipped places)
    /// stays in use.
    #[error("the catalogue could not be fetched")]
    CatalogUnavailable(super::plan::Failure),
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotReady(_) => "not_ready",
            SyncError::NotQueued => "not_queued",
            SyncError::NotDelivered => "not_delivered",
            SyncError::TrackNeedsAccount => "track_needs_account",
            SyncError::TrackingCodeInvalid => "tracking_code_invalid",
            SyncError::TrackPhoneInvalid => "track_phone_invalid",
            SyncError::LookupWaiting => "lookup_waiting",
            SyncError::LookupRefused { .. } => "lookup_refused",
            SyncError::TrackRefused { code, .. } => code,
            SyncError::AlreadySent => "already_sent",
            SyncError::NoBureau => "no_bureau",
            SyncError::BureauUrlInvalid => "bureau_url_invalid",
            SyncError::NotSignedIn => "not_signed_in",
            SyncError::TokenInvalid => "token_invalid",
            SyncError::Keyring(_) => "token_keyring_unavailable",
            SyncError::Client(_) => "http_client_failed",
            SyncError::Connection(kind) => super::engine::network_error(*kind),
            SyncError::NotBureau => "not_bureau",
            SyncError::TokenRefused => "token_refused",
            SyncError::CatalogUnavailable(_) => "catalog_unavailable",
            SyncError::AccountRefused { code, .. } => code,
            SyncError::NoCodeAsked => "no_code_asked",
            SyncError::AccountOffline => "account_offline",
            SyncError::SignInAgain => "sign_in_again",
        }
    }

    /// What happened and what to do: the catalogue's message for the code; for a refused sign-in,
    /// the one that says nothing was kept; for a petition not ready, its problems.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            SyncError::NotReady(problems) => {
                let list = problems
                    .iter()
                    .map(|p| {
                        text(
                            lang,
                            "not_ready-problem",
                            &[
                                ("field", field_label(p.field, lang).into()),
                                ("problem", p.code.message(lang).into()),
                            ],
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(&lang.text("not_ready-separator"));
                text(lang, "not_ready-problems", &[("problems", list.into())])
            }
            SyncError::Connection(NetworkKind::Certificate) => {
                lang.text("sign_in-bureau_certificate")
            }
            SyncError::Connection(NetworkKind::Proxy) => lang.text("sign_in-proxy_failed"),
            SyncError::Connection(_) => lang.text("sign_in-bureau_tls_failed"),
            SyncError::NotBureau => lang.text("sign_in-not_bureau"),
            SyncError::TrackRefused { message, .. } if message.contains(" / ") => {
                crate::i18n::one_language(message, lang).to_owned()
            }
            SyncError::TrackRefused { .. } => lang.text("track_refused"),
            SyncError::LookupRefused { message, .. } => text(
                lang,
                "lookup_refused",
                &[(
                    "reason",
                    if message.contains(" / ") {
                        crate::i18n::one_language(message, lang).to_owned()
                    } else {
                        lang.text("track_refused")
                    }
                    .into(),
                )],
            ),
            SyncError::AccountRefused { message, code, .. } => {
                // The bureau words it in both languages, "中文 / English": the one asked for.
                if message.contains(" / ") {
                    crate::i18n::one_language(message, lang).to_owned()
                } else {
                    lang.text(code)
                }
            }
            SyncError::NotQueued
            | SyncError::NotDelivered
            | SyncError::TrackNeedsAccount
            | SyncError::TrackingCodeInvalid
            | SyncError::TrackPhoneInvalid
            | SyncError::LookupWaiting
            | SyncError::AlreadySent
            | SyncError::NoBureau
            | SyncError::BureauUrlInvalid
            | SyncError::NotSignedIn
            | SyncError::TokenInvalid
            | SyncError::Keyring(_)
            | SyncError::Client(_)
            | SyncError::TokenRefused
            | SyncError::NoCodeAsked
            | SyncError::AccountOffline
            | SyncError::SignInAgain
            | SyncError::CatalogUnavailable(_) => lang.text(self.code()),
        }
    }
}
