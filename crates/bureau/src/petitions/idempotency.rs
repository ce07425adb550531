//! `POST /v1/petitions` exactly once per token and `Idempotency-Key` (the petition's id).
//!
//! A submission first claims its key (a row that says "in flight"). The claim, the petition and
//! the stored answer are one transaction away from each other: a replay finds the answer, a
//! concurrent request finds the claim (409), a different body finds a different hash (422). A
//! claim whose request died is taken over after [`STALE_CLAIM_SECONDS`]. The delivery stores
//! its receipt as the claim's answer in its own transaction ([`answer`]).

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use petition_api::headers::IDEMPOTENCY_KEY;
use petition_api::{ErrorCode, Receipt, SubmitPetition};
use petition_rules::model::Purpose;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

use crate::AppState;
use crate::error::{ApiError, Error};
use crate::store::idempotency::{ClaimState, answer_claim};

/// Seconds after which an unfinished claim is taken to belong to a request that died.
pub const STALE_CLAIM_SECONDS: i64 = 30;

/// A petition id as the bureau keeps it (a hyphenated lower-case UUID), or `None` when it is not
/// a UUID.
pub fn petition_key(id: &str) -> Option<String> {
    uuid::Uuid::parse_str(id.trim())
        .ok()
        .map(|id| id.hyphenated().to_string())
}

/// The petition id a submission names in its `Idempotency-Key` header: a UUID in its hyphenated
/// form, as the document says (the braced, URN and undashed forms are refused). A header sent
/// empty is one not sent.
pub fn key_of(headers: &HeaderMap) -> Result<String, KeyProblem> {
    headers
        .get(IDEMPOTENCY_KEY)
        .filter(|value| !value.as_bytes().iter().all(u8::is_ascii_whitespace))
        .ok_or(KeyProblem::Missing)?
        .to_str()
        .ok()
        .filter(|key| key.len() == 36)
        .and_then(petition_key)
        .ok_or(KeyProblem::Invalid)
}

/// Why a submission's `Idempotency-Key` cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    Missing,
    /// Not a UUID.
    Invalid,
}

impl From<KeyProblem> for ApiError {
    fn from(problem: KeyProblem) -> ApiError {
        match problem {
            KeyProblem::Missing => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::IdempotencyKeyMissing,
                "bureau-idempotency_key_missing",
            ),
            KeyProblem::Invalid => ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::IdempotencyKeyInvalid,
                "bureau-idempotency_key_invalid",
            ),
        }
    }
}

/// What tells two bodies sent with one key apart (of the petition as [`super::normalized`]
/// keeps it).
pub fn body_hash(req: &SubmitPetition) -> Result<String, serde_json::Error> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(req)?)))
}

/// The hash a bureau from before the 2022 kinds took of this body: with its purpose under the
/// 2005 name the app sent then. A claim made then still holds for the same petition sent again
/// after the app's migration.
fn body_hash_2005(req: &SubmitPetition) -> Option<String> {
    let (old, _) = Purpose::ALIASES
        .into_iter()
        .find(|(_, kind)| kind.key() == req.purpose)?;
    body_hash(&SubmitPetition {
        purpose: old.into(),
        ..req.clone()
    })
    .ok()
}

/// Claims the key for this request, or answers for it: `Some` is the answer to give.
pub async fn claim(
    state: &AppState,
    account_id: &str,
    key: &str,
    body_hash: &str,
    req: &SubmitPetition,
    now: OffsetDateTime,
) -> Result<Option<Response>, ApiError> {
    let store = state.store();
    let now_unix = now.unix_timestamp();
    if store
        .insert_claim(account_id, key, body_hash, now_unix)
        .await?
    {
        return Ok(None);
    }
    let claim = store.claim(account_id, key).await?;
    if claim.body_hash != body_hash && Some(&claim.body_hash) != body_hash_2005(req).as_ref() {
        return Err(key_reused());
    }
    match claim.state {
        ClaimState::Done {
            status_code,
            response,
        } => {
            let body: serde_json::Value =
                serde_json::from_str(&response).map_err(|_| Error::Corrupt("stored answer"))?;
            let status = StatusCode::from_u16(status_code as u16)
                .map_err(|_| Error::Corrupt("stored status"))?;
            return Ok(Some((status, Json(body)).into_response()));
        }
        ClaimState::InFlight { claimed_unix } => {
            if claimed_unix < now_unix - STALE_CLAIM_SECONDS
                && store
                    .take_over_claim(account_id, key, claimed_unix, now_unix)
                    .await?
            {
                return Ok(None);
            }
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::RequestInFlight,
        "bureau-request_in_flight",
    )
    .with_header("retry-after", 1))
}

/// Gives up a claim whose request failed, so a corrected petition can be sent with the same id.
pub async fn release(state: &AppState, account_id: &str, key: &str) -> Result<(), Error> {
    state.store().release_claim(account_id, key).await
}

/// Stores `receipt` as the answer to the owner's claim on the key, for replays.
pub async fn answer(
    tx: &mut Transaction<'_, Any>,
    owner: &str,
    key: &str,
    receipt: &Receipt,
) -> Result<(), ApiError> {
    let json = serde_json::to_string(receipt).map_err(|_| ApiError::internal())?;
    answer_claim(tx, owner, key, &json).await?;
    Ok(())
}

/// The key was used before with another petition.
pub fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::IdempotencyKeyReused,
        "bureau-idempotency_key_reused",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn petition(purpose: &str) -> SubmitPetition {
        serde_json::from_value(serde_json::json!({
            "name": "王丽", "id_number": "11010519491231002X", "phone": "13912345678",
            "address": "西安市雁塔区", "region": "610113", "category": "城乡建设",
            "purpose": purpose, "title": "t", "request": "r", "facts": "f",
        }))
        .expect("a petition")
    }

    #[test]
    fn a_claim_made_before_the_2022_kinds_holds_for_the_same_petition() {
        // What a bureau of before took the hash of: the body as the app sent it then.
        for (then, now) in [("complaint", "claim"), ("report", "accusation")] {
            let before = body_hash(&petition(then)).expect("hash");
            let after = super::super::normalized(&petition(then));
            assert_eq!(after.purpose, now);
            assert_ne!(body_hash(&after).expect("hash"), before);
            assert_eq!(body_hash_2005(&after), Some(before));
        }
        assert_eq!(body_hash_2005(&petition("suggestion")), None);
    }
}
