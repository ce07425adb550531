//! The citizen's own account at the bureau (网上信访 registration): a mobile number proved by a
//! 6-digit code the bureau sends to it, in two steps that may be far apart (the text message
//! takes its time): [`Store::ask_code`] for `sign_up` (with the name and resident ID number,
//! checked like the form's; they then fill new drafts) or `sign_in`, then [`Store::verify_code`],
//! which keeps the bureau's token where [`Store::save_token`] keeps every token (the OS keyring,
//! or the encrypted database in passphrase mode).
//!
//! Signing in starts the status pull afresh, so the account's petitions written on another
//! machine (or claimed from a kiosk) come down as delivered ones. Each outbox item is marked
//! with the account it was delivered under; another account signed in later does not see it
//! ([`super::outbox`]). Signing out forgets the token and, when asked, the local copies of the
//! account's delivered petitions; drafts stay.

pub use petition_api::{CodePurpose, CodeSent};
use petition_api::{CodeRequest, ErrorCode, TrackRequest, VerifyCode};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::SyncError;
use super::plan::Failure;
use super::secret::{BUREAU_URL_SETTING, CURSOR_SETTING, Secret, check_bureau_url};
use crate::error::Result;
use crate::model::Field;
use crate::store::Store;
use crate::validate::{
    Problem, ProblemCode, check_id_number, mask_mobile, mobile_number, tracking_code,
};

/// The setting that holds the signed-in account's mobile number (11 digits).
pub const ACCOUNT_PHONE_SETTING: &str = "account.phone";
/// When the account's token stops working (RFC 3339).
const EXPIRES_SETTING: &str = "account.expires_at";
/// The code asked for and not yet used: `{bureau_url, phone, sign_up, name, id_number}`.
const PENDING_SETTING: &str = "account.pending";
/// The sign-up's name and ID number, which fill new drafts.
pub const NAME_SETTING: &str = "account.name";
pub const ID_NUMBER_SETTING: &str = "account.id_number";

/// The bureau this build knows: `PETITION_DEFAULT_BUREAU_URL` when it was built, else the
/// reference bureau on this machine (`petition-bureau serve` listens there by default).
pub const DEFAULT_BUREAU_URL: &str = match option_env!("PETITION_DEFAULT_BUREAU_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8600",
};

impl Store {
    /// The bureau to sign up or in at: the one given (a command line's `--bureau`, an
    /// administrator's setting), else the one kept from the last sign-in, else the build's.
    /// A citizen never types one.
    pub async fn account_bureau(&self, given: Option<&str>) -> Result<String> {
        if let Some(url) = given.map(str::trim).filter(|u| !u.is_empty()) {
            return Ok(url.to_owned());
        }
        Ok(self
            .settings()
            .get(BUREAU_URL_SETTING)
            .await?
            .unwrap_or_else(|| DEFAULT_BUREAU_URL.to_owned()))
    }
}

/// Where the account stands, as `petitionctl account status --json` and the app show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountStatus {
    /// A token is kept for this data directory.
    pub signed_in: bool,
    /// The account's mobile number, masked (`139****4567`); none for a token given by hand.
    pub phone: Option<String>,
    pub bureau_url: Option<String>,
    /// When the token stops working (RFC 3339).
    pub expires_at: Option<String>,
    /// The masked number a code was sent to and is awaited.
    pub code_sent_to: Option<String>,
}

/// What signing in brought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountSignedIn {
    pub status: AccountStatus,
    /// The account was made now (a sign-up).
    pub created: bool,
    /// Petitions made at a kiosk with this number that the account took over.
    pub claimed: u64,
}

#[derive(Serialize, Deserialize)]
struct Pending {
    bureau_url: String,
    phone: String,
    sign_up: bool,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
}

/// The bureau's codes a sign-in can be refused with; anything else is `account_refused`.
const REFUSALS: [ErrorCode; 14] = [
    ErrorCode::AccountFieldInvalid,
    ErrorCode::CodeMissing,
    ErrorCode::CodeWrong,
    ErrorCode::CodeVoided,
    ErrorCode::CodeExpired,
    ErrorCode::CodeUsed,
    ErrorCode::CodeTooSoon,
    ErrorCode::CodeHourlyLimit,
    ErrorCode::CodeBudgetSpent,
    ErrorCode::AccountNotFound,
    ErrorCode::SmsUnavailable,
    ErrorCode::RateLimited,
    ErrorCode::TokenExpired,
    ErrorCode::Unauthorized,
];

/// The bureau's codes following a petition can be refused with; anything else is
/// `track_refused`.
const TRACK_REFUSALS: [ErrorCode; 4] = [
    ErrorCode::PetitionNotFound,
    ErrorCode::ValidationFailed,
    ErrorCode::RateLimited,
    ErrorCode::TrackNotAllowed,
];

/// What [`Store::track`] gave the citizen: the local id, and whether it waits for the bureau
/// (the petition is then not in the outbox yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Tracked {
    pub id: String,
    pub waiting: bool,
}

/// Whether a 查询码 that met `failure` waits to be asked again: no answer, not the bureau's
/// answer (a captive portal), a bureau that is down or busy. Too many tries (429) is said at
/// once, like a pair the bureau does not know.
pub(crate) fn lookup_waits(failure: &Failure) -> bool {
    match failure {
        Failure::Network(_) | Failure::NotBureau => true,
        Failure::Http { status, .. } => *status == 408 || (500..=599).contains(status),
    }
}

/// A 查询码 the bureau refused, as the citizen is told it.
fn track_refused(failure: Failure) -> SyncError {
    match failure {
        Failure::Network(_) => SyncError::AccountOffline,
        Failure::NotBureau => SyncError::NotBureau,
        Failure::Http { status: 401, .. } => SyncError::SignInAgain,
        Failure::Http { code, message, .. } => SyncError::TrackRefused {
            code: TRACK_REFUSALS
                .into_iter()
                .map(ErrorCode::as_str)
                .find(|known| *known == code)
                .unwrap_or("track_refused"),
            message,
        },
    }
}

/// A failed account request as the citizen is told it.
fn refused(failure: Failure) -> SyncError {
    match failure {
        Failure::Network(_) => SyncError::AccountOffline,
        Failure::NotBureau => SyncError::NotBureau,
        Failure::Http {
            code,
            message,
            retry_after,
            ..
        } => SyncError::AccountRefused {
            code: REFUSALS
                .into_iter()
                .map(ErrorCode::as_str)
                .find(|known| *known == code)
                .unwrap_or("account_refused"),
            message,
            retry_after: retry_after.map(|d| d.as_secs()),
        },
    }
}

impl Store {
    /// Asks the bureau to text a code to `phone`, to sign up (with `name` and `id_number`) or in.
    /// The fields are checked here first, like the form's; nothing is kept but the code's number
    /// until [`Store::verify_code`].
    pub async fn ask_code(
        &self,
        bureau_url: &str,
        phone: &str,
        purpose: CodePurpose,
        name: &str,
        id_number: &str,
    ) -> Result<CodeSent> {
        let url = check_bureau_url(bureau_url)?;
        let sign_up = purpose == CodePurpose::SignUp;
        let (name, id_number) = (name.trim(), id_number.trim().to_ascii_uppercase());
        let mut problems = Vec::new();
        let digits = mobile_number(phone.trim());
        if digits.is_none() {
            problems.push(Problem {
                field: Field::Phone,
                code: if phone.trim().is_empty() {
                    ProblemCode::Required
                } else {
                    ProblemCode::PhoneInvalid
                },
            });
        }
        if sign_up {
            if name.is_empty() {
                problems.push(Problem {
                    field: Field::Name,
                    code: ProblemCode::Required,
                });
            } else if name.chars().count() > Field::Name.max_chars() {
                problems.push(Problem {
                    field: Field::Name,
                    code: ProblemCode::TooLong,
                });
            }
            let today = petition_rules::statute::china_date(time::OffsetDateTime::now_utc());
            match id_number.as_str() {
                "" => problems.push(Problem {
                    field: Field::IdNumber,
                    code: ProblemCode::Required,
                }),
                id => {
                    if let Err(code) = check_id_number(id, today) {
                        problems.push(Problem {
                            field: Field::IdNumber,
                            code,
                        });
                    }
                }
            }
        }
        let Some(digits) = digits.filter(|_| problems.is_empty()) else {
            return Err(SyncError::NotReady(problems).into());
        };
        let request = CodeRequest {
            phone: digits.clone(),
            purpose,
            name: if sign_up {
                name.to_owned()
            } else {
                String::new()
            },
            id_number: if sign_up {
                id_number.clone()
            } else {
                String::new()
            },
        };
        let sent = super::client::request_code(&url, &request)
            .await
            .map_err(refused)?;
        let pending = Zeroizing::new(
            serde_json::to_string(&Pending {
                bureau_url: url,
                phone: digits,
                sign_up,
                name: request.name.clone(),
                id_number: request.id_number.clone(),
            })
            .map_err(|e| crate::Error::Database(sqlx::Error::Encode(e.into())))?,
        );
        self.settings().set(PENDING_SETTING, &pending).await?;
        tracing::info!(sign_up, "a code was asked for");
        Ok(sent)
    }

    /// Trades the code the citizen read for the account's token, and signs this data directory
    /// in with it: the token kept, the status pull started afresh, items stopped for want of a
    /// sign-in tried again.
    pub async fn verify_code(&self, code: &str) -> Result<AccountSignedIn> {
        let pending = self
            .settings()
            .get(PENDING_SETTING)
            .await?
            .map(Zeroizing::new)
            .and_then(|json| serde_json::from_str::<Pending>(&json).ok())
            .ok_or(SyncError::NoCodeAsked)?;
        let signed = super::client::verify_code(
            &pending.bureau_url,
            &VerifyCode {
                phone: pending.phone.clone(),
                code: code.trim().to_owned(),
            },
        )
        .await
        .map_err(refused)?;
        let token = Secret::new(signed.token.clone())?;
        self.save_token(token).await?;
        let mut values = vec![
            (BUREAU_URL_SETTING, pending.bureau_url.as_str()),
            (CURSOR_SETTING, ""),
            (ACCOUNT_PHONE_SETTING, pending.phone.as_str()),
            (EXPIRES_SETTING, signed.expires_at.as_str()),
        ];
        if pending.sign_up {
            values.push((NAME_SETTING, pending.name.as_str()));
            values.push((ID_NUMBER_SETTING, pending.id_number.as_str()));
        }
        let mut tx = self.writer().begin().await?;
        if !pending.sign_up {
            // Another account's name must not fill this one's drafts.
            sqlx::query("DELETE FROM settings WHERE key IN (?, ?)")
                .bind(NAME_SETTING)
                .bind(ID_NUMBER_SETTING)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM settings WHERE key = ?")
            .bind(PENDING_SETTING)
            .execute(&mut *tx)
            .await?;
        super::secret::keep_sign_in(&mut tx, &values).await?;
        tx.commit().await?;
        tracing::info!(
            created = signed.created,
            claimed = signed.claimed,
            "signed in to the account"
        );
        Ok(AccountSignedIn {
            status: self.account_status().await?,
            created: signed.created,
            claimed: signed.claimed,
        })
    }

    /// The wallet: follows a petition made elsewhere (by letter, by phone, at a kiosk, on
    /// another machine) by its 查询码 and the petitioner's mobile number, and keeps it here as a
    /// delivered one of the account's. When the bureau cannot be reached (no network, a captive
    /// portal, a bureau that is down), the pair waits in the outbox ([`super::lookups`]) and is
    /// asked with the next sync; the local id given then stands for the petition once found.
    pub async fn track(&self, typed_code: &str, phone: &str) -> Result<Tracked> {
        let code = tracking_code(typed_code).ok_or(SyncError::TrackingCodeInvalid)?;
        let phone = mobile_number(phone).ok_or(SyncError::TrackPhoneInvalid)?;
        let Some(account) = self.settings().get(ACCOUNT_PHONE_SETTING).await? else {
            return Err(SyncError::TrackNeedsAccount.into());
        };
        let url = self
            .settings()
            .get(BUREAU_URL_SETTING)
            .await?
            .ok_or(SyncError::NoBureau)?;
        let bureau = super::client::Bureau::new(&check_bureau_url(&url)?, &self.token().await?)?;
        let asked = bureau
            .track(&TrackRequest {
                tracking_code: code.clone(),
                phone: phone.clone(),
            })
            .await;
        let view = match asked {
            Ok(view) => view,
            Err(failure) if lookup_waits(&failure) => {
                let lookup = self.outbox().queue_lookup(&account, &code, &phone).await?;
                return Ok(Tracked {
                    id: lookup.key,
                    waiting: true,
                });
            }
            Err(failure) => return Err(track_refused(failure).into()),
        };
        self.outbox().record_remote(&view).await?;
        // Kept under the account, or here already (a petition of this machine's): either way
        // it is in the outbox now.
        self.outbox().item(&view.petition_id).await?;
        tracing::info!(petition = %view.petition_id, "a petition is followed by its 查询码");
        Ok(Tracked {
            id: view.petition_id,
            waiting: false,
        })
    }

    /// Where the account stands.
    pub async fn account_status(&self) -> Result<AccountStatus> {
        let signed_in = match self.token().await {
            Ok(_) => true,
            Err(crate::Error::Sync(SyncError::NotSignedIn)) => false,
            Err(e) => return Err(e),
        };
        let settings = self.settings();
        let phone = settings.get(ACCOUNT_PHONE_SETTING).await?;
        let pending = settings
            .get(PENDING_SETTING)
            .await?
            .map(Zeroizing::new)
            .and_then(|json| serde_json::from_str::<Pending>(&json).ok());
        Ok(AccountStatus {
            signed_in,
            phone: phone.filter(|_| signed_in).map(|p| mask_mobile(&p)),
            bureau_url: settings.get(BUREAU_URL_SETTING).await?,
            expires_at: settings.get(EXPIRES_SETTING).await?.filter(|_| signed_in),
            code_sent_to: pending.map(|p| mask_mobile(&p.phone)),
        })
    }

    /// Signs out: the bureau is told when it can be reached (the token stops working there), the
    /// token is forgotten here, and with `forget_delivered` so are the local copies of the
    /// account's delivered petitions. Drafts stay; items still waiting stay for the account's
    /// next sign-in.
    pub async fn sign_out(&self, forget_delivered: bool) -> Result<()> {
        self.end_session(forget_delivered, false).await
    }

    /// 注销账号: the bureau erases the account's number, name and ID number and revokes its
    /// tokens (its petitions stay there as records); here it is signed out and its delivered
    /// petitions forgotten. Needs the bureau: offline, nothing changes.
    pub async fn delete_account(&self) -> Result<()> {
        self.end_session(true, true).await
    }

    async fn end_session(&self, forget_delivered: bool, delete: bool) -> Result<()> {
        let url = self.settings().get(BUREAU_URL_SETTING).await?;
        if let (Ok(token), Some(url)) = (self.token().await, url) {
            let bureau = super::client::Bureau::new(&url, &token)?;
            let told = if delete {
                bureau.delete_account().await
            } else {
                bureau.sign_out().await
            };
            match told {
                Ok(()) => {}
                // A token the bureau no longer takes is signed out there already.
                Err(Failure::Http {
                    status: 401 | 404, ..
                }) if !delete => {}
                Err(failure) if delete => return Err(refused(failure).into()),
                Err(_) => tracing::info!("the bureau was not told of the sign-out (unreachable)"),
            }
        } else if delete {
            return Err(SyncError::NotSignedIn.into());
        }
        let phone = self.settings().get(ACCOUNT_PHONE_SETTING).await?;
        if forget_delivered && let Some(phone) = &phone {
            let forgotten = self.drafts().forget_delivered(phone).await?;
            tracing::info!(
                petitions = forgotten,
                "delivered petitions forgotten at sign-out"
            );
        }
        self.forget_saved_token().await?;
        let mut tx = self.writer().begin().await?;
        for key in [
            ACCOUNT_PHONE_SETTING,
            EXPIRES_SETTING,
            PENDING_SETTING,
            NAME_SETTING,
            ID_NUMBER_SETTING,
            CURSOR_SETTING,
        ] {
            sqlx::query("DELETE FROM settings WHERE key = ?")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(delete, "signed out");
        Ok(())
    }
}
