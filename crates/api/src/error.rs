//! The error body every failed request gets: `{code, message}` and, for validation, the problems
//! of each field.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a request failed. The snake_case names are stable: clients branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed (a header, a query parameter, a path).
    BadRequest,
    /// The body is not the JSON this endpoint takes.
    InvalidJson,
    /// A text (in the body, the path or the query) holds a NUL character, which no field may
    /// hold and PostgreSQL cannot store (422).
    InvalidText,
    /// The `Content-Type` is not one this endpoint takes.
    UnsupportedMediaType,
    /// No bearer token, or one the bureau does not know.
    Unauthorized,
    /// No such endpoint.
    NotFound,
    /// The endpoint exists but not with this method.
    MethodNotAllowed,
    /// The body is larger than the bureau takes (413).
    BodyTooLarge,
    /// The request's headers are too large or too many (431).
    HeadersTooLarge,
    /// The request's URI is too long (414).
    UriTooLong,
    /// The request's body stopped arriving: nothing came for the bureau's read timeout (408).
    RequestTimeout,
    /// Too many requests from this token; wait for `Retry-After` seconds (429).
    RateLimited,
    /// The petition breaks a rule; `problems` lists each field (422).
    ValidationFailed,
    /// The petition's `region` is not a place of the bureau's catalogue; `problems` names the
    /// field (422).
    UnknownRegion,
    /// The petition's `category` is not one of the bureau's catalogue; `problems` names the
    /// field (422).
    UnknownCategory,
    /// `POST /v1/petitions` needs an `Idempotency-Key` header.
    IdempotencyKeyMissing,
    /// The `Idempotency-Key` is not a UUID.
    IdempotencyKeyInvalid,
    /// The key was used before with a different body (422).
    IdempotencyKeyReused,
    /// The first request with this key is still being handled; retry after `Retry-After` (409).
    RequestInFlight,
    /// No upload with this id for this caller.
    UploadNotFound,
    /// The upload was not finished in time and is gone (410).
    UploadExpired,
    /// The PATCH does not start where the bureau's copy ends; `Upload-Offset` says where (409).
    UploadOffsetMismatch,
    /// Another PATCH of this upload is running: a newer one took the upload over from this one,
    /// which stopped (409).
    UploadBusy,
    /// The attachment is larger than the limit, or a PATCH goes past the declared length (413).
    UploadTooLarge,
    /// The media type is not one the catalogue allows.
    UploadMediaTypeNotAllowed,
    /// The bytes do not match the declared SHA-256; the upload was discarded (422).
    UploadChecksumMismatch,
    /// A referenced upload is not complete and verified.
    UploadIncomplete,
    /// More attachments than the catalogue allows.
    TooManyAttachments,
    /// No petition with this tracking code for this caller.
    PetitionNotFound,
    /// An evaluation is only taken after a reply, and only once (409).
    EvaluationNotAllowed,
    /// A review is only taken after a reply, within 30 days, and only once (409).
    ReviewNotAllowed,
    /// A re-examination (复核) is only taken after the review's decision, within 30 days, and
    /// only once; after it the matter is concluded (409).
    RecheckNotAllowed,
    /// An urge (催办) is taken only once a deadline of the bureau's has passed, and once a day
    /// (409).
    UrgeNotAllowed,
    /// Only a citizen's account follows petitions by their 查询码, not a kiosk (403).
    TrackNotAllowed,
    /// The bearer token's time is up; sign in again (401).
    TokenExpired,
    /// The number is not a mainland mobile number, or a sign-up's name or ID number is not right;
    /// `problems` names the field (422).
    AccountFieldInvalid,
    /// No code was sent to this number, or a newer one replaced it: ask for one (422).
    CodeMissing,
    /// The code is not the one sent; `message` says how many tries are left (422).
    CodeWrong,
    /// The code was wrong five times and no longer counts: ask for a new one (422).
    CodeVoided,
    /// The code's 5 minutes are over: ask for a new one (422).
    CodeExpired,
    /// The code was used already: ask for a new one (422).
    CodeUsed,
    /// A code was sent to this number less than a minute ago; wait for `Retry-After` (429).
    CodeTooSoon,
    /// Ten codes were sent to this number in the last hour; wait for `Retry-After` (429).
    CodeHourlyLimit,
    /// The bureau sends no more codes now (too many from this address, or in all); wait for
    /// `Retry-After` (429).
    CodeBudgetSpent,
    /// The code was right but the number has no account: sign up (404).
    AccountNotFound,
    /// The bureau cannot send text messages now (none configured, or the gateway failed); the
    /// request may be retried (503).
    SmsUnavailable,
    /// The bureau failed; the request may be retried.
    Internal,
}

impl ErrorCode {
    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidText => "invalid_text",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::HeadersTooLarge => "headers_too_large",
            ErrorCode::UriTooLong => "uri_too_long",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::UnknownRegion => "unknown_region",
            ErrorCode::UnknownCategory => "unknown_category",
            ErrorCode::IdempotencyKeyMissing => "idempotency_key_missing",
            ErrorCode::IdempotencyKeyInvalid => "idempotency_key_invalid",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::RequestInFlight => "request_in_flight",
            ErrorCode::UploadNotFound => "upload_not_found",
            ErrorCode::UploadExpired => "upload_expired",
            ErrorCode::UploadOffsetMismatch => "upload_offset_mismatch",
            ErrorCode::UploadBusy => "upload_busy",
            ErrorCode::UploadTooLarge => "upload_too_large",
            ErrorCode::UploadMediaTypeNotAllowed => "upload_media_type_not_allowed",
            ErrorCode::UploadChecksumMismatch => "upload_checksum_mismatch",
            ErrorCode::UploadIncomplete => "upload_incomplete",
            ErrorCode::TooManyAttachments => "too_many_attachments",
            ErrorCode::PetitionNotFound => "petition_not_found",
            ErrorCode::EvaluationNotAllowed => "evaluation_not_allowed",
            ErrorCode::ReviewNotAllowed => "review_not_allowed",
            ErrorCode::RecheckNotAllowed => "recheck_not_allowed",
            ErrorCode::UrgeNotAllowed => "urge_not_allowed",
            ErrorCode::TrackNotAllowed => "track_not_allowed",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::AccountFieldInvalid => "account_field_invalid",
            ErrorCode::CodeMissing => "code_missing",
            ErrorCode::CodeWrong => "code_wrong",
            ErrorCode::CodeVoided => "code_voided",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::CodeUsed => "code_used",
            ErrorCode::CodeTooSoon => "code_too_soon",
            ErrorCode::CodeHourlyLimit => "code_hourly_limit",
            ErrorCode::CodeBudgetSpent => "code_budget_spent",
            ErrorCode::AccountNotFound => "account_not_found",
            ErrorCode::SmsUnavailable => "sms_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable snake_case code ([`ErrorCode`]); codes may be added, so clients keep a default.
    #[schema(value_type = ErrorCode)]
    pub code: String,
    /// What happened and what to do, in Chinese and English (`中文。 / English.`).
    pub message: String,
    /// For `validation_failed`, `unknown_region` and `unknown_category`: each field's problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<FieldProblem>,
}

/// One field's problem, with the codes of `petition_core::validate::ProblemCode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field key (`name`, `id_number`, `phone`, …).
    pub field: String,
    /// The problem code (`required`, `id_number_checksum`, …).
    pub code: String,
    /// The message shown next to the field.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_stable_names() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::IdempotencyKeyReused,
            ErrorCode::UploadChecksumMismatch,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_string(&code).expect("an enum serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
