//! The citizen's steps after the bureau's reply: rating it (满意度评价), once, and asking for a
//! review (复查) within the statute's period. The operator's steps are `crate::ops`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use petition_api::{
    ErrorBody, ErrorCode, Evaluation, EvaluationRequest, FieldProblem, PetitionView, ReviewRequest,
    Status,
};

use super::deadlines::review_in_time;
use super::owned;
use super::views::view;
use crate::AppState;
use crate::auth::Caller;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::ApiError;
use crate::http::JsonBody;

const MAX_COMMENT_CHARS: usize = 2000;
const MAX_REVIEW_REASON_CHARS: usize = 20_000;

/// Rate the bureau's reply (满意/基本满意/不满意), once, after a reply.
#[utoipa::path(post, path = "/v1/petitions/{tracking_code}/evaluation", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt")), request_body = EvaluationRequest,
    responses(
        (status = 200, body = PetitionView),
        (status = 404, body = ErrorBody, description = "`petition_not_found`"),
        (status = 409, body = ErrorBody, description = "`evaluation_not_allowed`: no reply yet, or rated before"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: the comment is too long; `invalid_json`, `invalid_text`")))]
pub async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(req): JsonBody<EvaluationRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    if req.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "bureau-validation_failed-comment",
        ));
    }
    let evaluation = Evaluation {
        satisfaction: req.satisfaction,
        comment: req.comment.trim().into(),
        at: rfc3339(state.clock().now()),
    };
    {
        let _turn = state.store().write_turn().await;
        let row = owned(&state, &caller, &code).await?;
        if row.replied_at.is_none() || row.has_evaluation {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::EvaluationNotAllowed,
                "bureau-evaluation_not_allowed",
            ));
        }
        if !state.store().rate(&code, &evaluation).await? {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::EvaluationNotAllowed,
                "bureau-evaluation_not_allowed-twice",
            ));
        }
    }
    Ok(Json(view(state.store(), &code).await?))
}

/// Ask for a review (复查) within 30 days of the reply.
#[utoipa::path(post, path = "/v1/petitions/{tracking_code}/review", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt")), request_body = ReviewRequest,
    responses(
        (status = 200, body = PetitionView),
        (status = 404, body = ErrorBody, description = "`petition_not_found`"),
        (status = 409, body = ErrorBody, description = "`review_not_allowed`: no reply yet, asked before, or after the 30 days"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: no reason, or one too long; `invalid_json`, `invalid_text`")))]
pub async fn request_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(req): JsonBody<ReviewRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    // The length counts what was sent (as the schema's maxLength does); emptiness ignores white
    // space around the text.
    let too_long = req.reason.chars().count() > MAX_REVIEW_REASON_CHARS;
    let reason = req.reason.trim();
    if reason.is_empty() || too_long {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "bureau-validation_failed-review_reason",
        );
        e.problems.push(FieldProblem {
            field: "reason".into(),
            code: if too_long { "too_long" } else { "required" }.into(),
            message: e.message.clone(),
        });
        return Err(e);
    }
    let now = state.clock().now();
    let at = rfc3339(now);
    {
        let _turn = state.store().write_turn().await;
        let row = owned(&state, &caller, &code).await?;
        let replied = row.replied_at.as_deref().and_then(parse_rfc3339);
        let in_time = replied.is_some_and(|r| review_in_time(r, now));
        let status_ok = matches!(row.status, Status::Replied | Status::Closed);
        if !(in_time && status_ok) || row.review_requested {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::ReviewNotAllowed,
                if replied.is_none() {
                    "bureau-review_not_allowed-before_reply"
                } else if row.review_requested {
                    "bureau-review_not_allowed-twice"
                } else {
                    "bureau-review_not_allowed-late"
                },
            ));
        }
        state.store().request_review(&code, &at, reason).await?;
    }
    Ok(Json(view(state.store(), &code).await?))
}
