//! Intake: one petition in, under its petition id, whichever way it comes.
//!
//! [`submit_petition`] is `POST /v1/petitions`: it claims the key ([`super::idempotency`]),
//! then delivers. [`deliver`] is the intake behind the claim, and the intake of sealed outbox
//! bundles too (`crate::outbox`): whichever way a petition id comes, it becomes one petition of
//! its owner's.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use petition_api::{
    AttachmentInfo, AttachmentRef, ErrorBody, ErrorCode, FieldProblem, Receipt, Status,
    SubmitPetition, submission_reference,
};
use petition_rules::i18n::Lang;
use petition_rules::model::{Field, Purpose};
use petition_rules::validate;
use time::OffsetDateTime;

use super::deadlines::acceptance_due;
use super::idempotency::{self, key_reused};
use crate::AppState;
use crate::auth::Caller;
use crate::clock::{china_date, parse_rfc3339, rfc3339};
use crate::error::{ApiError, Error};
use crate::http::JsonBody;
use crate::outbox::StagedFile;
use crate::store::BUNDLE_TOKEN_ID;
use crate::store::petitions::{self as stored, Delivered, NewPetition};
use crate::uploads;

const MAX_FILE_NAME_CHARS: usize = 255;

/// Submit a petition, exactly once per `Idempotency-Key`.
#[utoipa::path(post, path = "/v1/petitions", tag = "petitions", request_body = SubmitPetition,
    params(("Idempotency-Key" = String, Header, pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        example = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
        description = "The petition's id, a UUID in its hyphenated form (either case)")),
    responses(
        (status = 201, body = Receipt, description = "Created, or the first answer replayed",
            links(
                ("view" = (operation_id = "get_petition", parameters(("tracking_code" = "$response.body#/tracking_code")))),
                ("evaluate" = (operation_id = "evaluate", parameters(("tracking_code" = "$response.body#/tracking_code")))),
                ("review" = (operation_id = "request_review", parameters(("tracking_code" = "$response.body#/tracking_code")))),
                ("recheck" = (operation_id = "request_recheck", parameters(("tracking_code" = "$response.body#/tracking_code")))))),
        (status = 400, body = ErrorBody, description = "`idempotency_key_missing`, `idempotency_key_invalid`, `invalid_json`"),
        (status = 409, body = ErrorBody, description = "`request_in_flight`: retry after `Retry-After`"),
        (status = 422, body = ErrorBody, description = "`validation_failed` (with the fields), `unknown_region` or `unknown_category` (a region or category not in the catalogue, with the field), `idempotency_key_reused`, `upload_incomplete`, `too_many_attachments`, `invalid_json`, `invalid_text`")))]
pub async fn submit_petition(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(req): JsonBody<SubmitPetition>,
) -> Result<Response, ApiError> {
    let key = idempotency::key_of(&headers)?;
    let req = normalized(&req);
    let body_hash = idempotency::body_hash(&req).map_err(|_| ApiError::internal())?;
    let now = state.clock().now();

    if let Some(answer) =
        idempotency::claim(&state, &caller.account_id, &key, &body_hash, &req, now).await?
    {
        return Ok(answer);
    }
    match deliver(&state, &caller.account_id, &key, &req, Source::Api, now).await {
        Ok(Delivery::Created(receipt) | Delivery::AlreadyDelivered(receipt)) => {
            Ok((StatusCode::CREATED, Json(receipt)).into_response())
        }
        Err(e) => {
            idempotency::release(&state, &caller.account_id, &key).await?;
            Err(e)
        }
    }
}

/// Where a petition comes from, and so where its attachments are.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// `POST /v1/petitions`: the petition's `attachments` name completed uploads of the owner.
    /// The delivery is also the answer to the owner's claim on the key (see [`submit_petition`]).
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
/// A petition id is delivered once per owner, whichever way it comes: when the owner delivered
/// it before with the same petition and the same attachments (by name and content) the answer
/// is [`Delivery::AlreadyDelivered`], with anything else `idempotency_key_reused`. Another
/// token's petition under the same id is never the answer, nor its receipt: the owner's is a
/// petition of its own. A petition an unnamed bundle brought in ([`BUNDLE_TOKEN_ID`]) goes to the
/// first token that delivers it again, which proves it wrote it by sending the same personal
/// data; an unnamed bundle, the operator's import, finds a petition whoever delivered it.
pub async fn deliver(
    state: &AppState,
    owner: &str,
    key: &str,
    req: &SubmitPetition,
    source: Source<'_>,
    now: OffsetDateTime,
) -> Result<Delivery, ApiError> {
    let req = &normalized(req);
    let petition = to_core(key, req, now);
    let problems = validate::check_on(&petition, china_date(now));
    if !problems.is_empty() {
        return Err(validation_failed(problems));
    }
    let unknown = state.catalog().unknown(req);
    if !unknown.is_empty() {
        return Err(not_in_catalog(unknown));
    }
    let count = match source {
        Source::Api => req.attachments.len(),
        Source::Bundle(files) => files.len(),
    };
    if count > state.config().limits.max_attachments as usize {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooManyAttachments,
            "bureau-too_many_attachments",
        ));
    }
    let attachments = match source {
        Source::Api => completed_uploads(state, owner, &req.attachments).await?,
        Source::Bundle(files) => uploads::keep_bundled(state, files).await?,
    };
    let content = Content::of(req, &attachments);

    let _turn = state.store().write_turn().await;
    let mut tx = state.store().begin_write().await?;
    if let Some(earlier) = stored::delivered(&mut tx, key, owner).await? {
        let receipt = receipt_of(&earlier, key)?;
        if Content::of_delivered(&earlier) != content {
            return Err(key_reused());
        }
        if earlier.account_id == BUNDLE_TOKEN_ID && owner != BUNDLE_TOKEN_ID {
            stored::set_owner(&mut tx, &earlier.tracking_code, owner).await?;
        }
        if matches!(source, Source::Api) {
            idempotency::answer(&mut tx, owner, key, &receipt).await?;
        }
        tx.commit().await?;
        return Ok(Delivery::AlreadyDelivered(receipt));
    }

    let tracking_code = new_tracking_code();
    let received_at = rfc3339(now);
    let receipt = Receipt {
        tracking_code: tracking_code.clone(),
        petition_id: key.into(),
        received_at: received_at.clone(),
        status: Status::Submitted,
        acceptance_due: acceptance_due(now),
    };
    let body = serde_json::to_string(req).map_err(|_| ApiError::internal())?;
    stored::insert(
        &mut tx,
        &NewPetition {
            tracking_code: &tracking_code,
            petition_id: key,
            owner,
            reference: &submission_reference(key),
            received_at: &received_at,
            petition: req,
            body: &body,
            attachments: &attachments,
        },
    )
    .await?;
    if matches!(source, Source::Api) {
        idempotency::answer(&mut tx, owner, key, &receipt).await?;
    }
    tx.commit().await?;
    tracing::info!(attachments = attachments.len(), "petition received");
    Ok(Delivery::Created(receipt))
}

/// The rules' problems with a petition as a `validation_failed` answer.
fn validation_failed(problems: Vec<validate::Problem>) -> ApiError {
    with_problems(
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            "bureau-validation_failed",
        ),
        problems,
    )
}

/// A region or category the catalogue does not have, as `unknown_region` (the region first:
/// the categories offered may depend on it) or `unknown_category`, with every such field.
fn not_in_catalog(problems: Vec<validate::Problem>) -> ApiError {
    let (code, id) = if problems.iter().any(|p| p.field == Field::Region) {
        (ErrorCode::UnknownRegion, "bureau-unknown_region")
    } else {
        (ErrorCode::UnknownCategory, "bureau-unknown_category")
    };
    with_problems(
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, id),
        problems,
    )
}

fn with_problems(mut error: ApiError, problems: Vec<validate::Problem>) -> ApiError {
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
    error
}

/// The owner's completed uploads that `refs` name, with the names the bureau's staff will see.
async fn completed_uploads(
    state: &AppState,
    owner: &str,
    refs: &[AttachmentRef],
) -> Result<Vec<AttachmentInfo>, ApiError> {
    let mut attachments = Vec::with_capacity(refs.len());
    for a in refs {
        let upload = state.store().upload(&a.upload_id, owner).await?;
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
                    "bureau-upload_incomplete",
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

    fn of_delivered(earlier: &Delivered) -> Content {
        Content {
            petition: SubmitPetition {
                attachments: Vec::new(),
                ..normalized(&earlier.petition)
            },
            attachments: earlier.attachments.clone(),
        }
    }
}

/// The receipt a petition got when it was delivered.
fn receipt_of(earlier: &Delivered, key: &str) -> Result<Receipt, Error> {
    let received = parse_rfc3339(&earlier.received_at).ok_or(Error::Corrupt("petition date"))?;
    Ok(Receipt {
        tracking_code: earlier.tracking_code.clone(),
        petition_id: key.into(),
        received_at: earlier.received_at.clone(),
        status: Status::Submitted,
        acceptance_due: acceptance_due(received),
    })
}

/// The petition as the bureau keeps and compares it: a purpose of the 2005 regulation
/// (`complaint`, `report`) read as its 2022 kind, so a petition queued before the app moved to
/// the 2022 kinds is the same petition after.
pub fn normalized(req: &SubmitPetition) -> SubmitPetition {
    SubmitPetition {
        purpose: Purpose::normalize(&req.purpose).into_owned(),
        ..req.clone()
    }
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
