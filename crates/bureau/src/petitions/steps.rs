//! The citizen's steps after the bureau's decisions: rating each (满意度评价) once, asking for a
//! review (复查) of the reply and then for a re-examination (复核) of the review's decision, each
//! within the statute's period, and urging the bureau (催办) once its deadline has passed. The
//! operator's steps are `crate::ops`.
//!
//! Each step may carry an `Idempotency-Key` (a UUID the app makes for it): the event the step
//! made keeps the key, so the same request sent again, after its answer was lost on the way,
//! answers with the petition as it stands and changes nothing.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use petition_api::{
    ErrorBody, ErrorCode, Evaluation, EvaluationRequest, EventKind, FieldProblem, PetitionView,
    ReviewRequest, Status,
};
use time::OffsetDateTime;

use super::deadlines::{recheck_in_time, review_in_time, urge_from};
use super::idempotency::{KeyProblem, key_of};
use super::owned;
use super::views::{dates_of, last_urged, view};
use crate::AppState;
use crate::auth::Caller;
use crate::clock::{china_date, parse_rfc3339, rfc3339, ymd};
use crate::error::ApiError;
use crate::http::JsonBody;
use crate::store::petitions::PetitionRow;

const MAX_COMMENT_CHARS: usize = 2000;

/// The `Idempotency-Key` of a step, when it came with one (a UUID).
fn step_key(headers: &HeaderMap) -> Result<Option<String>, Box<ApiError>> {
    match key_of(headers) {
        Ok(key) => Ok(Some(key)),
        Err(KeyProblem::Missing) => Ok(None),
        Err(KeyProblem::Invalid) => Err(Box::new(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::IdempotencyKeyInvalid,
            "bureau-idempotency_key_invalid-step",
        ))),
    }
}

/// Whether the step of this kind was taken before under `key` (then the answer is the petition
/// as it stands); a key that made another kind of event is refused.
async fn taken_before(
    state: &AppState,
    code: &str,
    key: Option<&str>,
    kind: EventKind,
) -> Result<bool, ApiError> {
    let Some(key) = key else {
        return Ok(false);
    };
    match state.store().event_of_key(code, key).await? {
        None => Ok(false),
        Some(made) if made == kind.as_str() => Ok(true),
        Some(_) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IdempotencyKeyReused,
            "bureau-idempotency_key_reused-step",
        )),
    }
}

const MAX_REVIEW_REASON_CHARS: usize = 20_000;

/// Attempts at rating before a petition that keeps changing under it is given up on.
const RATE_ATTEMPTS: usize = 3;

/// Rate the bureau's latest decision (满意/基本满意/不满意): the reply, the review's, the
/// re-examination's, each once.
#[utoipa::path(post, path = "/v1/petitions/{tracking_code}/evaluation", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description = "A UUID made for this step: the same request sent again with it answers with the petition as it stands and changes nothing")), request_body = EvaluationRequest,
    responses(
        (status = 200, body = PetitionView),
        (status = 400, body = ErrorBody, description = "`idempotency_key_invalid`: the key is not a UUID"),
        (status = 404, body = ErrorBody, description = "`petition_not_found`"),
        (status = 409, body = ErrorBody, description = "`evaluation_not_allowed`: no decision yet, or this one rated before"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: the comment is too long; `invalid_json`, `invalid_text`; `idempotency_key_reused`: the key made another step")))]
pub async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<EvaluationRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    let key = step_key(&headers).map_err(|e| *e)?;
    if req.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "bureau-validation_failed-comment",
        ));
    }
    let _turn = state.store().write_turn().await;
    for _ in 0..RATE_ATTEMPTS {
        let row = owned(&state, &caller, &code).await?;
        if taken_before(&state, &code, key.as_deref(), EventKind::Evaluated).await? {
            return Ok(Json(view(&state, &code).await?));
        }
        let Some(decision) = row.decision.filter(|_| !row.decision_rated) else {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::EvaluationNotAllowed,
                if row.decision.is_none() {
                    "bureau-evaluation_not_allowed"
                } else {
                    "bureau-evaluation_not_allowed-twice"
                },
            ));
        };
        let evaluation = Evaluation {
            satisfaction: req.satisfaction,
            comment: req.comment.trim().into(),
            at: rfc3339(state.clock().now()),
            decision,
        };
        if state
            .store()
            .rate(&code, &evaluation, row.change_seq, key.as_deref())
            .await?
        {
            return Ok(Json(view(&state, &code).await?));
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::EvaluationNotAllowed,
        "bureau-evaluation_not_allowed-twice",
    ))
}

/// The citizen's reason for a review or a re-examination, checked.
fn reason_of(req: &ReviewRequest) -> Result<&str, Box<ApiError>> {
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
        return Err(Box::new(e));
    }
    Ok(reason)
}

/// Ask for a review (复查) within 30 days of the reply.
#[utoipa::path(post, path = "/v1/petitions/{tracking_code}/review", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description = "A UUID made for this step: the same request sent again with it answers with the petition as it stands and changes nothing")), request_body = ReviewRequest,
    responses(
        (status = 200, body = PetitionView),
        (status = 400, body = ErrorBody, description = "`idempotency_key_invalid`: the key is not a UUID"),
        (status = 404, body = ErrorBody, description = "`petition_not_found`"),
        (status = 409, body = ErrorBody, description = "`review_not_allowed`: no reply yet, asked before, or after the 30 days"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: no reason, or one too long; `invalid_json`, `invalid_text`; `idempotency_key_reused`: the key made another step")))]
pub async fn request_review(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<ReviewRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    ask_again(SecondLook::Review, &state, &caller, &code, &headers, &req).await
}

/// Ask for a re-examination (复核) of the review's decision within 30 days of it (第三十六条).
/// After its decision the matter is concluded.
#[utoipa::path(post, path = "/v1/petitions/{tracking_code}/recheck", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description = "A UUID made for this step: the same request sent again with it answers with the petition as it stands and changes nothing")), request_body = ReviewRequest,
    responses(
        (status = 200, body = PetitionView),
        (status = 400, body = ErrorBody, description = "`idempotency_key_invalid`: the key is not a UUID"),
        (status = 404, body = ErrorBody, description = "`petition_not_found`"),
        (status = 409, body = ErrorBody, description = "`recheck_not_allowed`: no review decision yet, asked before, after the 30 days, or the matter is concluded"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: no reason, or one too long; `invalid_json`, `invalid_text`; `idempotency_key_reused`: the key made another step")))]
pub async fn request_recheck(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<ReviewRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    ask_again(SecondLook::Recheck, &state, &caller, &code, &headers, &req).await
}

/// What a citizen asks to be looked at again: the reply, by a review (复查, 第三十五条), or the
/// review's decision, by a re-examination (复核, 第三十六条).
#[derive(Debug, Clone, Copy)]
enum SecondLook {
    Review,
    Recheck,
}

impl SecondLook {
    fn event(self) -> EventKind {
        match self {
            SecondLook::Review => EventKind::ReviewRequested,
            SecondLook::Recheck => EventKind::RecheckRequested,
        }
    }

    /// The refusal with the message `key`. The ids are written at `refuse(…)` calls, where
    /// the catalogue's test finds them.
    fn refuse(self, key: &'static str) -> ApiError {
        let code = match self {
            SecondLook::Review => ErrorCode::ReviewNotAllowed,
            SecondLook::Recheck => ErrorCode::RecheckNotAllowed,
        };
        ApiError::new(StatusCode::CONFLICT, code, key)
    }

    /// Asked for before, on this petition.
    fn twice(self) -> ApiError {
        self.refuse(match self {
            SecondLook::Review => "bureau-review_not_allowed-twice",
            SecondLook::Recheck => "bureau-recheck_not_allowed-twice",
        })
    }

    /// Why it may not be asked for now; `None` when it may.
    fn refusal(self, row: &PetitionRow, now: OffsetDateTime) -> Option<ApiError> {
        match self {
            SecondLook::Review => {
                let replied = row.replied_at.as_deref().and_then(parse_rfc3339);
                let status_ok = matches!(row.status, Status::Replied | Status::Closed);
                if replied.is_none() {
                    Some(self.refuse("bureau-review_not_allowed-before_reply"))
                } else if row.review_requested {
                    Some(self.twice())
                } else if !(status_ok && replied.is_some_and(|r| review_in_time(r, now))) {
                    Some(self.refuse("bureau-review_not_allowed-late"))
                } else {
                    None
                }
            }
            SecondLook::Recheck => {
                let reviewed = row.reviewed_at.as_deref().and_then(parse_rfc3339);
                if row.recheck_requested {
                    Some(self.twice())
                } else if let Some(reviewed) = reviewed.filter(|_| row.status == Status::Reviewed) {
                    (!recheck_in_time(reviewed, now))
                        .then(|| self.refuse("bureau-recheck_not_allowed-late"))
                } else {
                    Some(self.refuse("bureau-recheck_not_allowed-before_review"))
                }
            }
        }
    }
}

/// Asks for `look` with the citizen's reason, once: the same request again with its key
/// answers with the petition as it stands.
async fn ask_again(
    look: SecondLook,
    state: &AppState,
    caller: &Caller,
    code: &str,
    headers: &HeaderMap,
    req: &ReviewRequest,
) -> Result<Json<PetitionView>, ApiError> {
    let key = step_key(headers).map_err(|e| *e)?;
    let reason = reason_of(req).map_err(|e| *e)?;
    let now = state.clock().now();
    {
        let _turn = state.store().write_turn().await;
        let row = owned(state, caller, code).await?;
        if taken_before(state, code, key.as_deref(), look.event()).await? {
            return Ok(Json(view(state, code).await?));
        }
        if let Some(refusal) = look.refusal(&row, now) {
            return Err(refusal);
        }
        let asked = state
            .store()
            .request_review(
                code,
                row.status,
                look.event(),
                &rfc3339(now),
                reason,
                key.as_deref(),
            )
            .await?;
        if !asked {
            return Err(look.twice());
        }
    }
    Ok(Json(view(state, code).await?))
}

/// Urge the bureau (催办) once one of its deadlines has passed: recorded as an event the
/// operator sees, at most once a day (China time). `urge_from` in the answer says when the next
/// urge is possible.
#[utoipa::path(post, path = "/v1/petitions/{tracking_code}/urge", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", description = "A UUID made for this step: the same request sent again with it answers with the petition as it stands and changes nothing")),
    responses(
        (status = 200, body = PetitionView),
        (status = 400, body = ErrorBody, description = "`idempotency_key_invalid`: the key is not a UUID"),
        (status = 404, body = ErrorBody, description = "`petition_not_found`"),
        (status = 409, body = ErrorBody, description = "`urge_not_allowed`: nothing waits on the bureau, its deadline has not passed, or an urge was made today"),
        (status = 422, body = ErrorBody, description = "`idempotency_key_reused`: the key made another step")))]
pub async fn urge(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<PetitionView>, ApiError> {
    let key = step_key(&headers).map_err(|e| *e)?;
    let now = state.clock().now();
    let today = china_date(now);
    {
        let _turn = state.store().write_turn().await;
        let row = owned(&state, &caller, &code).await?;
        if taken_before(&state, &code, key.as_deref(), EventKind::Urged).await? {
            return Ok(Json(view(&state, &code).await?));
        }
        let p = state.store().petition_record(&code).await?;
        let urged = last_urged(&p);
        let refuse = |key, args: &[_]| {
            ApiError::with_args(StatusCode::CONFLICT, ErrorCode::UrgeNotAllowed, key, args)
        };
        match urge_from(&dates_of(&p), urged, today)? {
            None => return Err(refuse("bureau-urge_not_allowed-nothing_waits", &[])),
            Some(_) if urged == Some(today) => {
                return Err(refuse("bureau-urge_not_allowed-today", &[]));
            }
            Some(from) if from > today => {
                let date = ymd(from);
                return Err(refuse(
                    "bureau-urge_not_allowed-early",
                    &[("date", date.as_str().into())],
                ));
            }
            Some(_) => {}
        }
        if !state
            .store()
            .add_citizen_event(
                &code,
                EventKind::Urged,
                &rfc3339(now),
                row.change_seq,
                key.as_deref(),
            )
            .await?
        {
            // Another request changed the petition meanwhile: most likely the same urge.
            return Err(refuse("bureau-urge_not_allowed-today", &[]));
        }
    }
    Ok(Json(view(&state, &code).await?))
}
