//! Citizens' accounts (网上信访 registration): a mainland mobile number proved by a 6-digit code
//! sent to it, a name and resident ID number given at sign-up (checked like the form's, not
//! verified), and bearer tokens that expire.
//!
//! - `POST /v1/account/codes` sends a code. It answers the same whether or not the number has an
//!   account, and sends the code either way, so nothing tells a stranger whether a number is
//!   registered. Limits: one code a minute and ten an hour per number, a budget per network
//!   address and one in all (text messages cost the bureau money), each refused with its own
//!   code and `Retry-After`.
//! - `POST /v1/account/tokens` trades the code for a token: 5 minutes to use it, once; five wrong
//!   tries void it. A sign-up's code makes the account (or signs in to the one the number has);
//!   a sign-in's finds it. Petitions kiosks delivered with the number are claimed by it then.
//! - `GET /v1/account`, `DELETE /v1/account` (注销) and `DELETE /v1/account/tokens/current`
//!   (signing out) work with a token.
//!
//! Who owns petitions is the account, not the token (see `crate::store`): a new token sees the
//! same history, and a petition re-sent under it is the same one.

pub mod sms;

use std::net::SocketAddr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use petition_api::{
    Account, CodePurpose, CodeRequest, CodeSent, ErrorBody, ErrorCode, FieldProblem, SignedIn,
    VerifyCode,
};
use petition_rules::i18n::Lang;
use petition_rules::validate::{ProblemCode, check_id_number, mask_mobile, mobile_number};
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::Caller;
use crate::clock::{china_date, rfc3339};
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::store::TokenKind;
use crate::store::accounts::{NewCode, code_hash};

/// The network address a request came from (set by `crate::serve` on every connection).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

const MAX_NAME_CHARS: usize = 50;

fn field_problem(field: &str, code: ProblemCode) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: code.code().into(),
        message: format!("{} / {}", code.message(Lang::Zh), code.message(Lang::En)),
    }
}

fn invalid(problems: Vec<FieldProblem>) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::AccountFieldInvalid,
        "bureau-account_field_invalid",
    );
    error.problems = problems;
    error
}

/// `account_field_invalid` naming the phone: not a mainland mobile number.
fn not_a_mobile() -> ApiError {
    invalid(vec![field_problem("phone", ProblemCode::PhoneInvalid)])
}

fn seconds(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn too_many(code: ErrorCode, id: &str, wait: i64) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, id).with_header("retry-after", wait.max(1))
}

/// Six digits from the CSPRNG, uniform.
fn new_code() -> String {
    let n: u32 = rand::random_range(0..1_000_000);
    format!("{n:06}")
}

/// Send a one-time code to a mobile number, to sign up or to sign in.
#[utoipa::path(post, path = "/v1/account/codes", tag = "account", security(()),
    request_body = CodeRequest,
    responses(
        (status = 202, body = CodeSent, description = "A code is on its way; the same answer whether or not the number has an account"),
        (status = 422, body = ErrorBody, description = "`account_field_invalid`: not a mainland mobile number, or a sign-up's name or ID number is not right; `problems` names the field"),
        (status = 429, body = ErrorBody, description = "`code_too_soon` (one a minute), `code_hourly_limit` (ten an hour per number), `code_budget_spent` (this address's or the bureau's budget); `Retry-After` says when", headers(("Retry-After" = u64))),
        (status = 503, body = ErrorBody, description = "`sms_unavailable`: the bureau cannot send text messages now")))]
pub async fn send_code(
    State(state): State<AppState>,
    peer: Option<axum::Extension<Peer>>,
    JsonBody(req): JsonBody<CodeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock().now();
    let phone = mobile_number(req.phone.trim()).ok_or_else(not_a_mobile)?;
    let sign_up = req.purpose == CodePurpose::SignUp;
    let (name, id_number) = (req.name.trim(), req.id_number.trim().to_ascii_uppercase());
    if sign_up {
        let mut problems = Vec::new();
        if name.is_empty() {
            problems.push(field_problem("name", ProblemCode::Required));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push(field_problem("name", ProblemCode::TooLong));
        }
        if id_number.is_empty() {
            problems.push(field_problem("id_number", ProblemCode::Required));
        } else if let Err(code) = check_id_number(&id_number, china_date(now)) {
            problems.push(field_problem("id_number", code));
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
    }
    let sms = &state.inner.sms;
    if !sms.configured() {
        tracing::error!("a code was asked for, but no SMS sender is configured");
        return Err(sms_unavailable());
    }
    let limits = &state.config().limits.accounts;
    let address = peer.map_or_else(|| "unknown".to_owned(), |p| p.0.0.ip().to_string());
    let now_unix = now.unix_timestamp();
    let code = new_code();
    {
        // One request at a time between counting the sends and recording this one, so two at
        // once cannot both pass a limit (per process; replicas on one PostgreSQL may each let
        // one through at a limit's edge).
        let _turn = state.inner.code_turn.lock().await;
        let sends = state.store().code_sends(&phone, &address, now_unix).await?;
        let interval = seconds(limits.code_interval);
        if let Some(last) = sends.last_to_phone.filter(|&t| now_unix - t < interval) {
            return Err(too_many(
                ErrorCode::CodeTooSoon,
                "bureau-code_too_soon",
                last + interval - now_unix,
            ));
        }
        let hour_left = |oldest: Option<i64>| oldest.map_or(3600, |t| t + 3600 - now_unix);
        if sends.to_phone >= i64::from(limits.codes_per_phone_hour) {
            return Err(too_many(
                ErrorCode::CodeHourlyLimit,
                "bureau-code_hourly_limit",
                hour_left(sends.oldest_to_phone),
            ));
        }
        let budget = [
            (
                sends.from_address,
                limits.codes_per_address_hour,
                sends.oldest_from_address,
            ),
            (sends.in_all, limits.codes_per_hour, sends.oldest_in_all),
        ];
        if let Some((_, _, oldest)) = budget.iter().find(|(n, max, _)| *n >= i64::from(*max)) {
            tracing::warn!("the budget of text messages is spent for now");
            return Err(too_many(
                ErrorCode::CodeBudgetSpent,
                "bureau-code_budget_spent",
                hour_left(*oldest),
            ));
        }
        state
            .store()
            .put_code(&NewCode {
                phone: &phone,
                code: &code,
                sign_up,
                name: sign_up.then_some(name),
                id_number: sign_up.then_some(id_number.as_str()),
                now_unix,
                expires_unix: now_unix + seconds(limits.code_ttl),
                address: &address,
            })
            .await?;
    }
    let minutes = limits.code_ttl.as_secs().div_ceil(60);
    if let Err(e) = sms.send(&phone, &code, &rfc3339(now), minutes).await {
        tracing::error!(error = %e, "a code could not be sent");
        return Err(sms_unavailable());
    }
    tracing::info!(sign_up, "a code was sent");
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeSent {
            expires_in: limits.code_ttl.as_secs(),
            resend_after: limits.code_interval.as_secs(),
        }),
    ))
}

fn sms_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::SmsUnavailable,
        "bureau-sms_unavailable",
    )
}

fn code_refused(code: ErrorCode, id: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, id)
}

/// Trade the code sent to a number for a bearer token of its account.
#[utoipa::path(post, path = "/v1/account/tokens", tag = "account", security(()),
    request_body = VerifyCode,
    responses(
        (status = 201, body = SignedIn),
        (status = 404, body = ErrorBody, description = "`account_not_found`: the code was right, but the number has no account; sign up"),
        (status = 422, body = ErrorBody, description = "`code_wrong` (the message says how many tries are left), `code_voided` (five wrong tries), `code_expired` (after 5 minutes), `code_used`, `code_missing` (none was sent); `account_field_invalid` for a number that is not a mobile number")))]
pub async fn verify_code(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<VerifyCode>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.clock().now();
    let now_unix = now.unix_timestamp();
    let phone = mobile_number(req.phone.trim()).ok_or_else(not_a_mobile)?;
    let limits = &state.config().limits.accounts;
    let max = i64::from(limits.code_max_failures);
    let store = state.store();
    let Some(live) = store.phone_code(&phone).await? else {
        return Err(code_refused(ErrorCode::CodeMissing, "bureau-code_missing"));
    };
    let refusal = |used: bool, failures: i64, expires: i64| {
        if used {
            Some(code_refused(ErrorCode::CodeUsed, "bureau-code_used"))
        } else if failures >= max {
            Some(code_refused(ErrorCode::CodeVoided, "bureau-code_voided"))
        } else if expires <= now_unix {
            Some(code_refused(ErrorCode::CodeExpired, "bureau-code_expired"))
        } else {
            None
        }
    };
    if let Some(refused) = refusal(live.used, live.failures, live.expires_unix) {
        return Err(refused);
    }
    let typed: String = req.code.chars().filter(|c| !c.is_whitespace()).collect();
    let hash = code_hash(&phone, &typed);
    if hash != live.hash {
        let failures = store.code_failed(&phone).await?.unwrap_or(max);
        if failures >= max {
            tracing::info!("a code was voided after wrong tries");
            return Err(code_refused(ErrorCode::CodeVoided, "bureau-code_voided"));
        }
        return Err(ApiError::with_args(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CodeWrong,
            "bureau-code_wrong",
            &[("left", (max - failures).into())],
        ));
    }
    if !store.use_code(&phone, &hash, now_unix, max).await? {
        // Another request used it (or voided it) meanwhile.
        let again = store.phone_code(&phone).await?;
        return Err(again
            .and_then(|c| refusal(c.used, c.failures, c.expires_unix))
            .unwrap_or_else(|| code_refused(ErrorCode::CodeUsed, "bureau-code_used")));
    }
    let stamp = rfc3339(now);
    let (account, created) = match store.account_by_phone(&phone).await? {
        Some(account) => (account, false),
        None if live.sign_up => {
            store
                .create_citizen_account(
                    &phone,
                    live.name.as_deref().unwrap_or_default(),
                    live.id_number.as_deref().unwrap_or_default(),
                    &stamp,
                )
                .await?
        }
        None => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::AccountNotFound,
                "bureau-account_not_found",
            ));
        }
    };
    let claimed = store.claim_kiosk_petitions(&account.id, &phone).await?;
    let expires = now + time::Duration::seconds(seconds(limits.token_lifetime));
    let token = store
        .issue_token(
            &account.id,
            TokenKind::Citizen,
            &stamp,
            expires.unix_timestamp(),
        )
        .await?;
    tracing::info!(created, claimed, "a citizen signed in");
    Ok((
        StatusCode::CREATED,
        Json(SignedIn {
            token,
            expires_at: rfc3339(expires),
            created,
            claimed,
            account: Account {
                phone: mask_mobile(&phone),
                registered_at: account.created_at,
            },
        }),
    ))
}

/// The caller's account: its number, masked, and when it was made.
#[utoipa::path(get, path = "/v1/account", tag = "account",
    responses((status = 200, body = Account), (status = 401, body = ErrorBody, description = "`unauthorized`, `token_expired`: sign in again")))]
pub async fn get_account(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Account>, ApiError> {
    let account = state
        .store()
        .account(&caller.account_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(Account {
        phone: account
            .phone
            .as_deref()
            .map(mask_mobile)
            .unwrap_or_default(),
        registered_at: account.created_at,
    }))
}

/// 注销账号: the account's number, name and ID number are erased and every token of it stops
/// working. Its petitions stay with the bureau as the regulation's records. Only an account with
/// a number can be deleted (not a kiosk's).
#[utoipa::path(delete, path = "/v1/account", tag = "account",
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody, description = "`account_not_found`: this token's account has no number (a kiosk's)")))]
pub async fn delete_account(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    let account = state.store().account(&caller.account_id).await?;
    if account.and_then(|a| a.phone).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::AccountNotFound,
            "bureau-account_not_found",
        ));
    }
    state
        .store()
        .delete_account(&caller.account_id, &rfc3339(state.clock().now()))
        .await?;
    tracing::info!("an account was deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out: this token stops working; the account and its petitions stay.
#[utoipa::path(delete, path = "/v1/account/tokens/current", tag = "account",
    responses((status = 204, description = "Signed out")))]
pub async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    state
        .store()
        .revoke_token(&caller.token_id, &rfc3339(state.clock().now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `petition-bureau account revoke --phone P`: every token of the number's account stops
/// working; `None` when the number has no account.
pub async fn revoke(
    store: &crate::Store,
    phone: &str,
    now: OffsetDateTime,
) -> Result<Option<u64>, crate::Error> {
    let Some(phone) = mobile_number(phone.trim()) else {
        return Ok(None);
    };
    let Some(account) = store.account_by_phone(&phone).await? else {
        return Ok(None);
    };
    Ok(Some(
        store
            .revoke_account_tokens(&account.id, &rfc3339(now))
            .await?,
    ))
}
