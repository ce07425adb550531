//! The bureau API (信访局接口) as a contract: what the app sends, what the bureau answers.
//!
//! - [`types`] holds every request and response body, shared by the app's sync engine and the
//!   reference server (`petition-bureau`);
//! - [`error`] is the one error body, `{code, message}`, with its stable snake_case codes;
//! - [`openapi`] builds the OpenAPI 3.1 document from these types; the server serves it at
//!   `/openapi.json` and a test keeps `docs/bureau-api.json` equal to it;
//! - [`reference`] is the submission reference (提交编号) both sides derive from a petition's id;
//! - [`bundle`] seals a kiosk's outbox to the bureau's key for a USB drive, and opens it again.

pub mod bundle;
pub mod error;
pub mod openapi;
pub mod reference;
pub mod types;

pub use error::{ErrorBody, ErrorCode, FieldProblem};
pub use reference::{normalize_reference, submission_reference};
pub use types::*;

/// The value of `Health::service`; a captive portal's page cannot produce it.
pub const SERVICE_NAME: &str = "petition-bureau";
/// The version of this contract, in `Health::api_version`.
pub const API_VERSION: &str = "1";

/// Request and response header names.
pub mod headers {
    /// The client's petition id (a UUID), making `POST /v1/petitions` safe to repeat.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// tus 1.0: bytes of the upload the bureau holds, or where a PATCH starts.
    pub const UPLOAD_OFFSET: &str = "upload-offset";
    /// tus 1.0: the whole length of the upload.
    pub const UPLOAD_LENGTH: &str = "upload-length";
    /// tus 1.0: the protocol version, on every upload answer.
    pub const TUS_RESUMABLE: &str = "tus-resumable";
    /// The tus version spoken.
    pub const TUS_VERSION: &str = "1.0.0";
    /// The media type of a PATCH body (tus 1.0).
    pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
}
