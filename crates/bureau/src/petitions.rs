//! Petitions: submission exactly once per `Idempotency-Key`, and what their owner may read and do.
//!
//! A submission first claims its key (a row that says "in flight"). The claim, the petition and
//! the stored answer are one transaction away from each other: a replay finds the answer, a
//! concurrent request finds the claim (409), a different body finds a different hash (422). A
//! claim whose request died is taken over after [`STALE_CLAIM_SECONDS`].
//!
//! [`deliver`] is the intake behind the claim, and the intake of sealed outbox bundles too
//! (`crate::outbox`): whichever way a petition id comes, it becomes one petition.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, http::HeaderMap};
use petition_api::headers::IDEMPOTENCY_KEY;
use petition_api::{
    AttachmentInfo, AttachmentRef, DueDates, ErrorCode, Evaluation, EvaluationRequest, Event,
    EventKind, FieldProblem, PetitionList, PetitionView, Receipt, Reply, ReviewRequest, Status,
    SubmitPetition, normalize_reference, submission_reference,
};
use petition_rules::i18n::Lang;
use petition_rules::validate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Row, Transaction};
use time::OffsetDateTime;

use crate::AppState;
use crate::auth::Caller;
use crate::clock::{china_date, due, parse_rfc3339, rfc3339};
use crate::error::{ApiError, Error};
use crate::http::JsonBody;
use crate::outbox::StagedFile;
use crate::store::{BUNDLE_TOKEN_ID, lock_changes};
use crate::uploads;

/// Seconds after which an unfinished claim is taken to belong to a request that died.
pub const STALE_CLAIM_SECONDS: i64 = 30;

pub use petition_rules::statute::{
    ACCEPTANCE_DAYS, EXTENSION_DAYS, REPLY_DAYS, REVIEW_REQUEST_DAYS,
};

const MAX_FILE_NAME_CHARS: usize = 255;
const MAX_COMMENT_CHARS: usize = 2000;
const MAX_REVIEW_REASON_CHARS: usize = 20_000;

/// `POST /v1/petitions`
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(req): JsonBody<SubmitPetition>,
) -> Result<Response, ApiError> {
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::IdempotencyKeyMissing,
                "缺少 Idempotency-Key 请求头（信访件编号）。",
                "The Idempotency-Key header (the petition's id) is missing.",
            )
        })?
        .to_str()
        .ok()
        .and_then(petition_key)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::IdempotencyKeyInvalid,
                "Idempotency-Key 应为信访件的 UUID。",
                "The Idempotency-Key must be the petition's UUID.",
            )
        })?;
    let body_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&req).map_err(|_| ApiError::internal())?,
    ));
    let now = state.clock().now();

    if let Some(answer) = claim(&state, &caller.token_id, &key, &body_hash, now).await? {
        return Ok(answer);
    }
    match deliver(&state, &caller.token_id, &key, &req, Source::Api, now).await {
        Ok(Delivery::Created(receipt) | Delivery::AlreadyDelivered(receipt)) => {
            Ok((StatusCode::CREATED, Json(receipt)).into_response())
        }
        Err(e) => {
            release(&state, &caller.token_id, &key).await?;
            Err(e)
        }
    }
}

/// A petition id as the bureau keeps it (a hyphenated lower-case UUID), or `None` when it is not
/// a UUID.
pub fn petition_key(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id.trim())
        .ok()
        .map(|id| id.hyphenated().to_string())
}

/// Claims the key for this request, or answers for it: `Some` is the answer to give.
async fn claim(
    state: &AppState,
    token_id: &str,
    key: &str,
    body_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<Response>, ApiError> {
    let pool = state.store().pool();
    let now_unix = now.unix_timestamp();
    {
        let _turn = state.store().write_turn().await;
        let inserted = sqlx::query(
            "INSERT INTO idempotency (token_id, key, body_hash, state, claimed_unix) \
             VALUES ($1, $2, $3, 'in_flight', $4) ON CONFLICT (token_id, key) DO NOTHING",
        )
        .bind(token_id)
        .bind(key)
        .bind(body_hash)
        .bind(now_unix)
        .execute(pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(None);
        }
    }
    let row = sqlx::query(
        "SELECT body_hash, state, status_code, response, claimed_unix FROM idempotency \
         WHERE token_id = $1 AND key = $2",
    )
    .bind(token_id)
    .bind(key)
    .fetch_one(pool)
    .await?;
    let stored_hash: String = row.try_get("body_hash")?;
    if stored_hash != body_hash {
        return Err(key_reused());
    }
    let claim_state: String = row.try_get("state")?;
    if claim_state == "done" {
        let status: i64 = row.try_get("status_code")?;
        let body: String = row.try_get("response")?;
        let body: serde_json::Value =
            serde_json::from_str(&body).map_err(|_| Error::Corrupt("stored answer"))?;
        let status =
            StatusCode::from_u16(status as u16).map_err(|_| Error::Corrupt("stored status"))?;
        return Ok(Some((status, Json(body)).into_response()));
    }
    let claimed: i64 = row.try_get("claimed_unix")?;
    if claimed < now_unix - STALE_CLAIM_SECONDS {
        let _turn = state.store().write_turn().await;
        let taken = sqlx::query(
            "UPDATE idempotency SET claimed_unix = $1 \
             WHERE token_id = $2 AND key = $3 AND state = 'in_flight' AND claimed_unix = $4",
        )
        .bind(now_unix)
        .bind(token_id)
        .bind(key)
        .bind(claimed)
        .execute(pool)
        .await?;
        if taken.rows_affected() == 1 {
            return Ok(None);
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::RequestInFlight,
        "同一信访件正在提交中，请稍后重试。",
        "The first submission with this key is still being handled; retry after Retry-After.",
    )
    .with_header("retry-after", 1))
}

/// Gives up a claim whose request failed, so a corrected petition can be sent with the same id.
async fn release(state: &AppState, token_id: &str, key: &str) -> Result<(), Error> {
    let _turn = state.store().write_turn().await;
    sqlx::query("DELETE FROM idempotency WHERE token_id = $1 AND key = $2 AND state = 'in_flight'")
        .bind(token_id)
        .bind(key)
        .execute(state.store().pool())
        .await?;
    Ok(())
}

/// Where a petition comes from, and so where its attachments are.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// `POST /v1/petitions`: the petition's `attachments` name completed uploads of the owner.
    /// The delivery is also the answer to the owner's claim on the key (see [`submit`]).
    Api,
    /// A sealed outbox bundle (`petition-bureau import`): the attachments are the bundle's,
    /// checked and staged (`crate::outbox`), and the petition's own `attachments` are ignored.
    Bundle(&'a [StagedFile]),
}

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A new petition, received now.
    Created(Receipt),
    /// The petition id was delivered before, by either way, with the same petition: nothing
    /// changed, and this is the receipt it got then.
    AlreadyDelivered(Receipt),
}

/// Takes in one petition for the `owner` token, under its petition id `key`: the one intake of
/// the API and of sealed bundles.
///
/// A petition id is delivered once, whichever way it comes and under whichever token: when it
/// was delivered before with the same petition and the same attachments (by name and content)
/// the answer is [`Delivery::AlreadyDelivered`], with anything else `idempotency_key_reused`. A
/// petition an unnamed bundle brought in ([`BUNDLE_TOKEN_ID`]) goes to the first token that
/// delivers it again, which proves it wrote it by sending the same personal data.
pub async fn deliver(
    state: &AppState,
    owner: &str,
    key: &str,
    req: &SubmitPetition,
    source: Source<'_>,
    now: OffsetDateTime,
) -> Result<Delivery, ApiError> {
    let petition = to_core(key, req, now);
    let problems = validate::check_on(&petition, china_date(now));
    if !problems.is_empty() {
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "信访件有需要修改的地方，请按提示逐项修改。",
            "The petition breaks some rules; see the problem of each field.",
        );
        error.problems = problems
            .into_iter()
            .map(|p| FieldProblem {
                field: p.field.key().into(),
                code: p.code.code().into(),
                message: format!(
                    "{} / {}",
                    p.code.message(Lang::Zh),
                    p.code.message(Lang::En)
                ),
            })
            .collect();
        return Err(error);
    }
    let count = match source {
        Source::Api => req.attachments.len(),
        Source::Bundle(files) => files.len(),
    };
    if count > state.config().limits.max_attachments as usize {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooManyAttachments,
            "附件数量超过上限，请合并或删减。",
            "More attachments than the bureau takes; merge or drop some.",
        ));
    }
    let attachments = match source {
        Source::Api => completed_uploads(state, owner, &req.attachments).await?,
        Source::Bundle(files) => uploads::keep_bundled(state, files).await?,
    };
    let content = Content::of(req, &attachments);

    let _turn = state.store().write_turn().await;
    let mut tx = state.store().begin_write().await?;
    if let Some(earlier) = delivered(&mut tx, key, owner).await? {
        if earlier.content != content {
            return Err(key_reused());
        }
        if earlier.token_id == BUNDLE_TOKEN_ID && owner != BUNDLE_TOKEN_ID {
            sqlx::query("UPDATE petitions SET token_id = $1 WHERE tracking_code = $2")
                .bind(owner)
                .bind(&earlier.receipt.tracking_code)
                .execute(&mut *tx)
                .await?;
        }
        if matches!(source, Source::Api) {
            answer_claim(&mut tx, owner, key, &earlier.receipt).await?;
        }
        tx.commit().await?;
        return Ok(Delivery::AlreadyDelivered(earlier.receipt));
    }

    let tracking_code = new_tracking_code();
    let received_at = rfc3339(now);
    let receipt = Receipt {
        tracking_code: tracking_code.clone(),
        petition_id: key.into(),
        received_at: received_at.clone(),
        status: Status::Submitted,
        acceptance_due: due(now, ACCEPTANCE_DAYS),
    };
    let body = serde_json::to_string(req).map_err(|_| ApiError::internal())?;
    sqlx::query(
        "INSERT INTO petitions (tracking_code, petition_id, token_id, status, body, title, region, \
         category, purpose, received_at, updated_at, reference) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&tracking_code)
    .bind(key)
    .bind(owner)
    .bind(Status::Submitted.as_str())
    .bind(&body)
    .bind(req.title.trim())
    .bind(req.region.trim())
    .bind(req.category.trim())
    .bind(req.purpose.trim())
    .bind(&received_at)
    .bind(&received_at)
    .bind(submission_reference(key))
    .execute(&mut *tx)
    .await?;
    for (i, a) in attachments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO attachments (tracking_code, position, file_name, media_type, length, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&tracking_code)
        .bind(i as i64)
        .bind(&a.file_name)
        .bind(&a.media_type)
        .bind(a.length as i64)
        .bind(&a.sha256)
        .execute(&mut *tx)
        .await?;
    }
    add_event(
        &mut tx,
        &tracking_code,
        EventKind::Submitted,
        &received_at,
        None,
    )
    .await?;
    if matches!(source, Source::Api) {
        answer_claim(&mut tx, owner, key, &receipt).await?;
    }
    tx.commit().await?;
    tracing::info!(attachments = attachments.len(), "petition received");
    Ok(Delivery::Created(receipt))
}

/// The owner's completed uploads that `refs` name, with the names the bureau's staff will see.
async fn completed_uploads(
    state: &AppState,
    owner: &str,
    refs: &[AttachmentRef],
) -> Result<Vec<AttachmentInfo>, ApiError> {
    let mut attachments = Vec::with_capacity(refs.len());
    for a in refs {
        let upload = uploads::load(state, &a.upload_id, owner).await?;
        let name = a.file_name.trim();
        match upload {
            Some(u) if u.complete && is_file_name(name) => {
                attachments.push(AttachmentInfo {
                    file_name: name.into(),
                    media_type: u.media_type,
                    length: u.length,
                    sha256: u.sha256,
                });
            }
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UploadIncomplete,
                    "有附件尚未上传完成或已失效，请重新上传后再提交。",
                    "An attachment is not completely uploaded (or has no file name); upload it again, then submit.",
                ));
            }
        }
    }
    Ok(attachments)
}

/// A file name the bureau's staff can be shown (already trimmed).
pub fn is_file_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= MAX_FILE_NAME_CHARS
}

/// What makes two deliveries of one petition id the same petition: every field, and the
/// attachments by name and content (not by upload id, which differs between ways and tries).
#[derive(PartialEq, Eq)]
struct Content {
    petition: SubmitPetition,
    attachments: Vec<(String, String)>,
}

impl Content {
    fn of(req: &SubmitPetition, attachments: &[AttachmentInfo]) -> Content {
        Content {
            petition: SubmitPetition {
                attachments: Vec::new(),
                ..req.clone()
            },
            attachments: attachments
                .iter()
                .map(|a| (a.file_name.clone(), a.sha256.clone()))
                .collect(),
        }
    }
}

/// A petition delivered before under some token.
struct Earlier {
    token_id: String,
    receipt: Receipt,
    content: Content,
}

/// The petition delivered before with this id: the owner's own if there is one (before there
/// was one intake, two tokens could each deliver the same id).
async fn delivered(
    tx: &mut Transaction<'_, Any>,
    key: &str,
    owner: &str,
) -> Result<Option<Earlier>, ApiError> {
    let Some(row) = sqlx::query(
        "SELECT tracking_code, token_id, body, received_at FROM petitions WHERE petition_id = $1 \
         ORDER BY CASE WHEN token_id = $2 THEN 0 ELSE 1 END, received_at, tracking_code LIMIT 1",
    )
    .bind(key)
    .bind(owner)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let tracking_code: String = row.try_get("tracking_code")?;
    let body: String = row.try_get("body")?;
    let petition: SubmitPetition =
        serde_json::from_str(&body).map_err(|_| Error::Corrupt("petition body"))?;
    let received_at: String = row.try_get("received_at")?;
    let received = parse_rfc3339(&received_at).ok_or(Error::Corrupt("petition date"))?;
    let attachments = sqlx::query(
        "SELECT file_name, sha256 FROM attachments WHERE tracking_code = $1 ORDER BY position",
    )
    .bind(&tracking_code)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|a| Ok((a.try_get("file_name")?, a.try_get("sha256")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some(Earlier {
        token_id: row.try_get("token_id")?,
        receipt: Receipt {
            tracking_code,
            petition_id: key.into(),
            received_at,
            status: Status::Submitted,
            acceptance_due: due(received, ACCEPTANCE_DAYS),
        },
        content: Content {
            petition: SubmitPetition {
                attachments: Vec::new(),
                ..petition
            },
            attachments,
        },
    }))
}

/// Stores `receipt` as the answer to the owner's claim on the key, for replays.
async fn answer_claim(
    tx: &mut Transaction<'_, Any>,
    owner: &str,
    key: &str,
    receipt: &Receipt,
) -> Result<(), ApiError> {
    let json = serde_json::to_string(receipt).map_err(|_| ApiError::internal())?;
    sqlx::query(
        "UPDATE idempotency SET state = 'done', status_code = 201, response = $1 \
         WHERE token_id = $2 AND key = $3",
    )
    .bind(&json)
    .bind(owner)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::IdempotencyKeyReused,
        "这个信访件编号已用于内容不同的提交；修改后的信访件请用新的编号。",
        "This Idempotency-Key was used with a different body; a changed petition needs a new id.",
    )
}

fn to_core(key: &str, req: &SubmitPetition, now: OffsetDateTime) -> petition_rules::Petition {
    let at = rfc3339(now);
    petition_rules::Petition {
        id: key.into(),
        created_at: at.clone(),
        updated_at: at,
        state: petition_rules::model::State::Draft,
        trashed_at: None,
        name: req.name.clone(),
        id_number: req.id_number.clone(),
        phone: req.phone.clone(),
        address: req.address.clone(),
        email: req.email.clone(),
        region: req.region.clone(),
        agency: req.agency.clone(),
        category: req.category.clone(),
        purpose: req.purpose.clone(),
        title: req.title.clone(),
        request: req.request.clone(),
        facts: req.facts.clone(),
        reasons: req.reasons.clone(),
    }
}

/// 查询码: `XF-` and four groups of four from a 32-letter alphabet without look-alikes; 80 random
/// bits from the operating system's generator.
pub fn new_tracking_code() -> String {
    const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let mut code = String::from("XF");
    for (i, b) in bytes.iter().enumerate() {
        if i % 4 == 0 {
            code.push('-');
        }
        code.push(ALPHABET[usize::from(b % 32)] as char);
    }
    code
}

/// Appends an event and moves the petition's change cursor past it.
pub async fn add_event(
    tx: &mut Transaction<'_, Any>,
    tracking_code: &str,
    kind: EventKind,
    at: &str,
    text: Option<&str>,
) -> Result<(), sqlx::Error> {
    lock_changes(tx).await?;
    sqlx::query("INSERT INTO events (tracking_code, kind, at, text) VALUES ($1, $2, $3, $4)")
        .bind(tracking_code)
        .bind(kind.as_str())
        .bind(at)
        .bind(text)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE petitions SET updated_at = $1, \
         change_seq = (SELECT MAX(id) FROM events WHERE tracking_code = $2) \
         WHERE tracking_code = $3",
    )
    .bind(at)
    .bind(tracking_code)
    .bind(tracking_code)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The columns of a petition that rules look at.
#[derive(Debug, Clone)]
pub struct PetitionRow {
    pub tracking_code: String,
    pub token_id: String,
    pub status: Status,
    pub accepted_at: Option<String>,
    pub replied_at: Option<String>,
    pub extended: bool,
    pub review_requested: bool,
    pub has_evaluation: bool,
}

/// Reads a petition's state; `owner` limits it to one token's petitions.
pub async fn load_row(
    pool: &AnyPool,
    tracking_code: &str,
    owner: Option<&str>,
) -> Result<Option<PetitionRow>, Error> {
    let row = sqlx::query(
        "SELECT tracking_code, token_id, status, accepted_at, replied_at, extended, review_requested, \
         evaluation FROM petitions WHERE tracking_code = $1",
    )
    .bind(tracking_code)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let token_id: String = r.try_get("token_id")?;
    if owner.is_some_and(|o| o != token_id) {
        return Ok(None);
    }
    let status: String = r.try_get("status")?;
    Ok(Some(PetitionRow {
        tracking_code: r.try_get("tracking_code")?,
        token_id,
        status: Status::parse(&status).ok_or(Error::Corrupt("petition status"))?,
        accepted_at: r.try_get("accepted_at")?,
        replied_at: r.try_get("replied_at")?,
        extended: r.try_get::<i64, _>("extended")? != 0,
        review_requested: r.try_get::<i64, _>("review_requested")? != 0,
        has_evaluation: r.try_get::<Option<String>, _>("evaluation")?.is_some(),
    }))
}

/// The whole view of one petition.
pub async fn view(pool: &AnyPool, tracking_code: &str) -> Result<PetitionView, Error> {
    let r = sqlx::query(
        "SELECT tracking_code, petition_id, status, title, region, category, purpose, received_at, \
         updated_at, accepted_at, replied_at, extended, evaluation FROM petitions WHERE tracking_code = $1",
    )
    .bind(tracking_code)
    .fetch_one(pool)
    .await?;
    let status: String = r.try_get("status")?;
    let received_at: String = r.try_get("received_at")?;
    let accepted_at: Option<String> = r.try_get("accepted_at")?;
    let replied_at: Option<String> = r.try_get("replied_at")?;
    let extended = r.try_get::<i64, _>("extended")? != 0;
    let evaluation: Option<String> = r.try_get("evaluation")?;
    let instant = |s: &str| parse_rfc3339(s).ok_or(Error::Corrupt("petition date"));

    let attachments = sqlx::query(
        "SELECT file_name, media_type, length, sha256 FROM attachments WHERE tracking_code = $1 ORDER BY position",
    )
    .bind(tracking_code)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|a| {
        Ok(AttachmentInfo {
            file_name: a.try_get("file_name")?,
            media_type: a.try_get("media_type")?,
            length: a.try_get::<i64, _>("length")? as u64,
            sha256: a.try_get("sha256")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut events = Vec::new();
    for e in sqlx::query("SELECT kind, at, text FROM events WHERE tracking_code = $1 ORDER BY id")
        .bind(tracking_code)
        .fetch_all(pool)
        .await?
    {
        let kind: String = e.try_get("kind")?;
        events.push(Event {
            kind: EventKind::parse(&kind).ok_or(Error::Corrupt("event kind"))?,
            at: e.try_get("at")?,
            text: e.try_get("text")?,
        });
    }
    let replies = events
        .iter()
        .filter(|e| e.kind == EventKind::Replied)
        .map(|e| Reply {
            at: e.at.clone(),
            text: e.text.clone().unwrap_or_default(),
        })
        .collect();
    let reply_days = REPLY_DAYS + if extended { EXTENSION_DAYS } else { 0 };
    Ok(PetitionView {
        tracking_code: r.try_get("tracking_code")?,
        petition_id: r.try_get("petition_id")?,
        status: Status::parse(&status).ok_or(Error::Corrupt("petition status"))?,
        due: DueDates {
            acceptance: due(instant(&received_at)?, ACCEPTANCE_DAYS),
            reply: accepted_at
                .as_deref()
                .map(|a| instant(a).map(|t| due(t, reply_days)))
                .transpose()?,
            reply_extended: extended,
            review_request: replied_at
                .as_deref()
                .map(|a| instant(a).map(|t| due(t, REVIEW_REQUEST_DAYS)))
                .transpose()?,
        },
        received_at,
        updated_at: r.try_get("updated_at")?,
        title: r.try_get("title")?,
        region: r.try_get("region")?,
        category: r.try_get("category")?,
        purpose: r.try_get("purpose")?,
        attachments,
        events,
        replies,
        evaluation: evaluation
            .map(|e| serde_json::from_str(&e).map_err(|_| Error::Corrupt("evaluation")))
            .transpose()?,
    })
}

fn petition_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::PetitionNotFound,
        "查不到这个查询码对应的信访件，请核对查询码。",
        "No petition of yours has this tracking code; check the code.",
    )
}

async fn owned(state: &AppState, caller: &Caller, code: &str) -> Result<PetitionRow, ApiError> {
    load_row(state.store().pool(), code, Some(&caller.token_id))
        .await?
        .ok_or_else(petition_not_found)
}

/// `GET /v1/petitions/{tracking_code}`
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<PetitionView>, ApiError> {
    owned(&state, &caller, &code).await?;
    Ok(Json(view(state.store().pool(), &code).await?))
}

/// `GET /v1/petitions/by-reference/{reference}`: the same answer as [`get_one`], for the
/// caller's petition with this submission reference.
pub async fn get_by_reference(
    State(state): State<AppState>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<PetitionView>, ApiError> {
    let reference = normalize_reference(&reference).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "提交编号应为十位字母和数字，例如 C1YKK-3D5JJ。",
            "A submission reference is ten letters and digits, like C1YKK-3D5JJ.",
        )
    })?;
    // 50 bits can repeat across many petitions, but hardly among one token's: the first wins.
    let code: String = sqlx::query(
        "SELECT tracking_code FROM petitions WHERE reference = $1 AND token_id = $2 \
         ORDER BY received_at, tracking_code LIMIT 1",
    )
    .bind(&reference)
    .bind(&caller.token_id)
    .fetch_optional(state.store().pool())
    .await?
    .ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::PetitionNotFound,
            "查不到这个提交编号对应的信访件，请核对提交编号；刚从终端导出的信访件要等信访局导入后才能查到。",
            "No petition of yours has this submission reference; check it. A petition carried from a kiosk on a USB drive shows once the bureau has imported it.",
        )
    })?
    .try_get("tracking_code")?;
    Ok(Json(view(state.store().pool(), &code).await?))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    since: Option<String>,
}

const PAGE: i64 = 100;

/// `GET /v1/petitions?since=CURSOR`
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<PetitionList>, ApiError> {
    let since: i64 = match q.since.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(s) => s.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "since 参数应为上次返回的 next_cursor。",
                "`since` must be the next_cursor of an earlier answer.",
            )
        })?,
    };
    let pool = state.store().pool();
    let rows = sqlx::query(
        "SELECT tracking_code, change_seq FROM petitions WHERE token_id = $1 AND change_seq > $2 \
         ORDER BY change_seq LIMIT $3",
    )
    .bind(&caller.token_id)
    .bind(since)
    .bind(PAGE + 1)
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > PAGE;
    let mut cursor = since;
    let mut petitions = Vec::new();
    for r in rows.iter().take(PAGE as usize) {
        let code: String = r.try_get("tracking_code")?;
        cursor = r.try_get("change_seq")?;
        petitions.push(view(pool, &code).await?);
    }
    Ok(Json(PetitionList {
        petitions,
        next_cursor: cursor.to_string(),
        more,
    }))
}

/// `POST /v1/petitions/{tracking_code}/evaluation`
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
            "评价内容太长，请删减。",
            "The comment is too long; shorten it.",
        ));
    }
    let now = state.clock().now();
    let at = rfc3339(now);
    let evaluation = Evaluation {
        satisfaction: req.satisfaction,
        comment: req.comment.trim().into(),
        at: at.clone(),
    };
    let json = serde_json::to_string(&evaluation).map_err(|_| ApiError::internal())?;
    {
        let _turn = state.store().write_turn().await;
        let row = owned(&state, &caller, &code).await?;
        if row.replied_at.is_none() || row.has_evaluation {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::EvaluationNotAllowed,
                "答复之后才能评价，且只能评价一次。",
                "A reply can be rated only after it is given, and only once.",
            ));
        }
        let mut tx = state.store().pool().begin().await?;
        let updated = sqlx::query(
            "UPDATE petitions SET evaluation = $1 WHERE tracking_code = $2 AND evaluation IS NULL",
        )
        .bind(&json)
        .bind(&code)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::EvaluationNotAllowed,
                "这件信访已经评价过了。",
                "This petition has been rated already.",
            ));
        }
        add_event(
            &mut tx,
            &code,
            EventKind::Evaluated,
            &at,
            Some(req.satisfaction.as_str()),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Json(view(state.store().pool(), &code).await?))
}

/// `POST /v1/petitions/{tracking_code}/review`
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(req): JsonBody<ReviewRequest>,
) -> Result<Json<PetitionView>, ApiError> {
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REVIEW_REASON_CHARS {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "请写明申请复查的理由（不超过两万字）。",
            "Give the reason for the review request (at most 20,000 characters).",
        );
        e.problems.push(FieldProblem {
            field: "reason".into(),
            code: if reason.is_empty() {
                "required"
            } else {
                "too_long"
            }
            .into(),
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
        let in_time = replied.is_some_and(|r| {
            china_date(now) <= china_date(r) + time::Duration::days(REVIEW_REQUEST_DAYS)
        });
        let status_ok = matches!(row.status, Status::Replied | Status::Closed);
        if !(in_time && status_ok) || row.review_requested {
            let (zh, en) = if replied.is_none() {
                (
                    "答复之后才能申请复查。",
                    "A review can be requested only after the reply.",
                )
            } else if row.review_requested {
                ("已经申请过复查了。", "A review has been requested already.")
            } else {
                (
                    "答复已超过 30 天，不能再申请复查。",
                    "More than 30 days have passed since the reply; a review can no longer be requested.",
                )
            };
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::ReviewNotAllowed,
                zh,
                en,
            ));
        }
        let mut tx = state.store().pool().begin().await?;
        sqlx::query(
            "UPDATE petitions SET status = $1, review_requested = 1 WHERE tracking_code = $2",
        )
        .bind(Status::ReviewRequested.as_str())
        .bind(&code)
        .execute(&mut *tx)
        .await?;
        add_event(
            &mut tx,
            &code,
            EventKind::ReviewRequested,
            &at,
            Some(reason),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Json(view(state.store().pool(), &code).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_codes_are_long_and_distinct() {
        let a = new_tracking_code();
        let b = new_tracking_code();
        assert_eq!(a.len(), "XF-AAAA-BBBB-CCCC-DDDD".len());
        assert_ne!(a, b);
        assert!(!a.contains(['0', 'O', '1', 'I']));
    }
}
