//! The wallet: a citizen's account follows a petition made elsewhere (by letter, by phone, at a
//! window, on another machine) once it shows the petition's 查询码 with the petitioner's mobile
//! number. A wrong pair and an unknown code get the same answer, and pairs that do not match are
//! limited per account and per code, so that the number cannot be guessed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use petition_api::{ErrorBody, ErrorCode, FieldProblem, PetitionView, TrackRequest};
use petition_rules::validate::{mobile_number, tracking_code};

use super::views::view;
use crate::AppState;
use crate::auth::Caller;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::store::TokenKind;

/// Pairs that did not match that one account may try in an hour.
pub const MISSES_PER_ACCOUNT_HOUR: i64 = 5;
/// Pairs that did not match that one 查询码 may meet in an hour, from all accounts.
pub const MISSES_PER_CODE_HOUR: i64 = 10;

fn invalid(field: &str, key: &'static str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
        key,
    );
    e.problems.push(FieldProblem {
        field: field.into(),
        code: "invalid".into(),
        message: e.message.clone(),
    });
    e
}

/// Follow a petition made elsewhere by its 查询码 and the petitioner's mobile number.
#[utoipa::path(post, path = "/v1/petitions/track", tag = "petitions", request_body = TrackRequest,
    responses(
        (status = 200, body = PetitionView, description = "The petition, which the caller's account now follows like its own: it is in the list of changes, and the citizen's steps may be taken on it"),
        (status = 403, body = ErrorBody, description = "`track_not_allowed`: a kiosk's token; only a citizen's account follows petitions"),
        (status = 404, body = ErrorBody, description = "`petition_not_found`: no petition with this 查询码 and this number, the same answer whichever is wrong"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: not a 查询码, or not a mobile number; `invalid_json`, `invalid_text`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many pairs that did not match in the last hour, from this account or at this 查询码; `Retry-After` says when", headers(("Retry-After" = u64)))))]
pub async fn track(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<TrackRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    if caller.kind != TokenKind::Citizen {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::TrackNotAllowed,
            "bureau-track_not_allowed",
        ));
    }
    let code = tracking_code(&req.tracking_code)
        .ok_or_else(|| invalid("tracking_code", "bureau-validation_failed-tracking_code"))?;
    let phone = mobile_number(&req.phone)
        .ok_or_else(|| invalid("phone", "bureau-validation_failed-track_phone"))?;
    let now = state.clock().now();
    let now_unix = now.unix_timestamp();
    {
        let _turn = state.store().write_turn().await;
        let [by_account, at_code] = state
            .store()
            .track_misses(&caller.account_id, &code, now_unix)
            .await?;
        for ((misses, oldest), limit) in [
            (by_account, MISSES_PER_ACCOUNT_HOUR),
            (at_code, MISSES_PER_CODE_HOUR),
        ] {
            if misses >= limit {
                let wait = oldest.map_or(3600, |t| t + 3600 - now_unix).max(1);
                return Err(ApiError::with_args(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    "bureau-track_limited",
                    &[("minutes", ((wait + 59) / 60).into())],
                )
                .with_header("retry-after", wait));
            }
        }
        let found = state
            .store()
            .track(&caller.account_id, &code, &phone, &rfc3339(now), now_unix)
            .await?;
        if !found {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::PetitionNotFound,
                "bureau-petition_not_found-track",
            ));
        }
    }
    tracing::info!("a petition is followed by its 查询码");
    Ok(Json(view(&state, &code).await?))
}
