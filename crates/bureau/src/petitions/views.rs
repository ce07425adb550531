//! What a petition's owner reads: one petition by tracking code or by submission reference, and
//! the owner's petitions that changed after a cursor. Every answer is a whole [`PetitionView`].

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use petition_api::{
    ErrorBody, ErrorCode, EventKind, PetitionList, PetitionView, Reply, normalize_reference,
};
use serde::Deserialize;
use time::Date;

use super::deadlines::{Dates, due_dates, urge_from};
use super::owned;
use crate::AppState;
use crate::auth::Caller;
use crate::clock::{china_date, parse_rfc3339, ymd};
use crate::error::{ApiError, Error};
use crate::store::petitions::PetitionRecord;

/// Petitions in one answer of `GET /v1/petitions`.
const PAGE: i64 = 100;

/// The dates of a stored petition that its deadlines hang on.
pub fn dates_of(p: &PetitionRecord) -> Dates<'_> {
    let last = |kind: EventKind| {
        p.events
            .iter()
            .rev()
            .find(|e| e.kind == kind)
            .map(|e| e.at.as_str())
    };
    Dates {
        status: p.status,
        purpose: &p.purpose,
        received_at: &p.received_at,
        // Unless the organ sent it back since (第二十三条): then it waits to be routed again.
        routed_at: p
            .events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Routed | EventKind::Objected))
            .filter(|e| e.kind == EventKind::Routed)
            .map(|e| e.at.as_str()),
        accepted_at: p.accepted_at.as_deref(),
        replied_at: p.replied_at.as_deref(),
        extended: p.extended,
        review_requested_at: last(EventKind::ReviewRequested),
        reviewed_at: last(EventKind::ReviewDecided),
        recheck_requested_at: last(EventKind::RecheckRequested),
    }
}

/// The China day of the citizen's last urge of a petition, if any.
pub fn last_urged(p: &PetitionRecord) -> Option<Date> {
    p.events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Urged)
        .and_then(|e| parse_rfc3339(&e.at))
        .map(china_date)
}

/// The whole view of one petition, at the bureau's time.
pub async fn view(state: &AppState, tracking_code: &str) -> Result<PetitionView, Error> {
    let p = state.store().petition_record(tracking_code).await?;
    let dates = dates_of(&p);
    let due = due_dates(&dates)?;
    let today = china_date(state.clock().now());
    let urge_from = urge_from(&dates, last_urged(&p), today)?.map(ymd);
    let replies = p
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Replied | EventKind::ReviewDecided | EventKind::RecheckDecided
            )
        })
        .map(|e| Reply {
            at: e.at.clone(),
            text: e.text.clone().unwrap_or_default(),
        })
        .collect();
    Ok(PetitionView {
        tracking_code: p.tracking_code,
        petition_id: p.petition_id,
        status: p.status,
        due,
        received_at: p.received_at,
        updated_at: p.updated_at,
        title: p.title,
        region: p.region,
        category: p.category,
        purpose: p.purpose,
        attachments: p.attachments,
        events: p.events,
        replies,
        evaluation: p.evaluation,
        urge_from,
    })
}

/// One of the caller's petitions.
#[utoipa::path(get, path = "/v1/petitions/{tracking_code}", tag = "petitions",
    params(("tracking_code" = String, Path, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$", example = "XF-2345-6789-ABCD-EFGH", description = "The 查询码 of the receipt")),
    responses((status = 200, body = PetitionView), (status = 404, body = ErrorBody, description = "`petition_not_found`")))]
pub async fn get_petition(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<PetitionView>, ApiError> {
    owned(&state, &caller, &code).await?;
    Ok(Json(view(&state, &code).await?))
}

/// One of the caller's petitions, found by its submission reference (提交编号, `XXXXX-XXXXX`,
/// made from the petition's id, see `petition_api::submission_reference`). Lower case, a
/// missing dash, spaces and the look-alikes O/0 and I/L/1 are forgiven. The same answer as
/// `GET /v1/petitions/{tracking_code}`.
#[utoipa::path(get, path = "/v1/petitions/by-reference/{reference}", tag = "petitions",
    params(("reference" = String, Path, pattern = r"^[ \t\-\u3000\u2010-\u2015\u2212\uff0d]*([0-9A-HJKMNP-TV-Za-hjkmnp-tv-zIiLlOo\uff10-\uff19\uff21-\uff28\uff2a\uff2b\uff2d\uff2e\uff30-\uff34\uff36-\uff3a\uff41-\uff48\uff4a\uff4b\uff4d\uff4e\uff50-\uff54\uff56-\uff5a\uff29\uff49\uff2c\uff4c\uff2f\uff4f][ \t\-\u3000\u2010-\u2015\u2212\uff0d]*){10}$", example = "C1YKK-3D5JJ",
        description = "The submission reference, e.g. `C1YKK-3D5JJ`: ten symbols of Crockford's base 32, with O read as 0 and I, L as 1, in either case or full width, with any spaces and dashes")),
    responses(
        (status = 200, body = PetitionView),
        (status = 400, body = ErrorBody, description = "`bad_request`: not the shape of a reference"),
        (status = 404, body = ErrorBody, description = "`petition_not_found`")))]
pub async fn get_petition_by_reference(
    State(state): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<PetitionView>, ApiError> {
    let reference = normalize_reference(&reference).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "bureau-bad_request-reference",
        )
    })?;
    let code = state
        .store()
        .tracking_code_by_reference(&reference, &caller.account_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::PetitionNotFound,
                "bureau-petition_not_found-reference",
            )
        })?;
    Ok(Json(view(&state, &code).await?))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    since: Option<String>,
}

/// The caller's petitions that changed after `since` (omit it for all).
#[utoipa::path(get, path = "/v1/petitions", tag = "petitions",
    params(("since" = Option<String>, Query, pattern = r"^[0-9]{0,18}$", example = "0",
        description = "`next_cursor` of the last answer: a whole number from 0; empty or left out is from the start")),
    responses((status = 200, body = PetitionList), (status = 400, body = ErrorBody, description = "`bad_request`: `since` is not a cursor")))]
pub async fn list_petitions(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<PetitionList>, ApiError> {
    let since: i64 = match q.since.as_deref() {
        None | Some("") => 0,
        // Digits only, at most 18 of them (every such number fits), as the document says.
        Some(s) => (s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    "bureau-bad_request-since",
                )
            })?,
    };
    let store = state.store();
    let changed = store
        .changed_since(&caller.account_id, since, PAGE + 1)
        .await?;
    let more = changed.len() as i64 > PAGE;
    let mut cursor = since;
    let mut petitions = Vec::new();
    for (code, seq) in changed.iter().take(PAGE as usize) {
        cursor = *seq;
        petitions.push(view(&state, code).await?);
    }
    Ok(Json(PetitionList {
        petitions,
        next_cursor: cursor.to_string(),
        more,
    }))
}
