//! The OpenAPI 3.1 document of the bureau API, made by utoipa from the types in this crate.
//!
//! Each operation is described by one function in [`operations`]; they hold no logic (the
//! reference server implements them) and exist so the document is derived, not hand-written.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorCode, FieldProblem};

/// The document, as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty JSON with a final newline, as kept in `docs/bureau-api.json`.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the OpenAPI document is plain data and always serialises");
    json.push('\n');
    json
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Petition bureau API (信访局接口)",
        description = "How Petition Desk delivers petitions (信访事项) to the bureau exactly once, \
                       and brings the bureau's answers back. Errors are `{code, message}`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        operations::health,
        operations::catalog,
        operations::create_upload,
        operations::upload_offset,
        operations::upload_status,
        operations::upload_patch,
        operations::submit_petition,
        operations::get_petition,
        operations::get_petition_by_reference,
        operations::list_petitions,
        operations::evaluate,
        operations::request_review,
    ),
    components(schemas(ErrorBody, ErrorCode, FieldProblem)),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// One documentation function per operation of the API.
pub mod operations {
    use crate::error::ErrorBody;
    use crate::types::*;

    /// Is this the bureau, and is it up? Needs no token.
    #[utoipa::path(get, path = "/v1/health", tag = "service", security(()),
        responses((status = 200, body = Health)))]
    pub fn health() {}

    /// Regions, agencies, categories and attachment limits. Needs no token. Answers `304` to a
    /// matching `If-None-Match`.
    #[utoipa::path(get, path = "/v1/catalog", tag = "service", security(()),
        params(("If-None-Match" = Option<String>, Header, description = "The ETag of the cached catalogue")),
        responses(
            (status = 200, body = Catalog, headers(("ETag" = String))),
            (status = 304, description = "The cached catalogue is current")))]
    pub fn catalog() {}

    /// Announce an attachment (tus 1.0 creation). Content the bureau already holds completes at once.
    #[utoipa::path(post, path = "/v1/uploads", tag = "uploads", request_body = CreateUpload,
        responses(
            (status = 201, body = Upload, headers(("Location" = String), ("Upload-Offset" = u64))),
            (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
            (status = 413, body = ErrorBody, description = "`upload_too_large`"),
            (status = 422, body = ErrorBody, description = "`upload_media_type_not_allowed`"),
            (status = 429, body = ErrorBody)))]
    pub fn create_upload() {}

    /// How many bytes the bureau holds (tus 1.0 HEAD): the `Upload-Offset` header.
    #[utoipa::path(head, path = "/v1/uploads/{id}", tag = "uploads",
        params(("id" = String, Path)),
        responses(
            (status = 200, headers(("Upload-Offset" = u64), ("Upload-Length" = u64))),
            (status = 404), (status = 410)))]
    pub fn upload_offset() {}

    /// The upload as JSON.
    #[utoipa::path(get, path = "/v1/uploads/{id}", tag = "uploads",
        params(("id" = String, Path)),
        responses(
            (status = 200, body = Upload),
            (status = 404, body = ErrorBody), (status = 410, body = ErrorBody, description = "`upload_expired`")))]
    pub fn upload_status() {}

    /// Append bytes at `Upload-Offset` (tus 1.0 PATCH, body `application/offset+octet-stream`).
    /// When the last byte arrives the SHA-256 is checked; on a mismatch the upload is discarded.
    #[utoipa::path(patch, path = "/v1/uploads/{id}", tag = "uploads",
        params(("id" = String, Path), ("Upload-Offset" = u64, Header)),
        request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
        responses(
            (status = 204, headers(("Upload-Offset" = u64))),
            (status = 404, body = ErrorBody),
            (status = 409, body = ErrorBody, description = "`upload_offset_mismatch` (with the right `Upload-Offset`) or `upload_busy`"),
            (status = 410, body = ErrorBody),
            (status = 413, body = ErrorBody),
            (status = 422, body = ErrorBody, description = "`upload_checksum_mismatch`: the upload was discarded")))]
    pub fn upload_patch() {}

    /// Submit a petition, exactly once per `Idempotency-Key`.
    #[utoipa::path(post, path = "/v1/petitions", tag = "petitions", request_body = SubmitPetition,
        params(("Idempotency-Key" = String, Header, description = "The petition's UUID")),
        responses(
            (status = 201, body = Receipt, description = "Created, or the first answer replayed"),
            (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
            (status = 409, body = ErrorBody, description = "`request_in_flight`: retry after `Retry-After`"),
            (status = 413, body = ErrorBody),
            (status = 422, body = ErrorBody, description = "`validation_failed`, `idempotency_key_reused`, `upload_incomplete`"),
            (status = 429, body = ErrorBody)))]
    pub fn submit_petition() {}

    /// One of the caller's petitions.
    #[utoipa::path(get, path = "/v1/petitions/{tracking_code}", tag = "petitions",
        params(("tracking_code" = String, Path)),
        responses((status = 200, body = PetitionView), (status = 404, body = ErrorBody)))]
    pub fn get_petition() {}

    /// One of the caller's petitions, found by its submission reference (提交编号, `XXXXX-XXXXX`,
    /// made from the petition's id, see `petition_api::submission_reference`). Lower case, a
    /// missing dash, spaces and the look-alikes O/0 and I/L/1 are forgiven. The same answer as
    /// `GET /v1/petitions/{tracking_code}`.
    #[utoipa::path(get, path = "/v1/petitions/by-reference/{reference}", tag = "petitions",
        params(("reference" = String, Path, description = "The submission reference, e.g. `C1YKK-3D5JJ`")),
        responses(
            (status = 200, body = PetitionView),
            (status = 400, body = ErrorBody, description = "`bad_request`: not the shape of a reference"),
            (status = 404, body = ErrorBody, description = "`petition_not_found`")))]
    pub fn get_petition_by_reference() {}

    /// The caller's petitions that changed after `since` (omit it for all).
    #[utoipa::path(get, path = "/v1/petitions", tag = "petitions",
        params(("since" = Option<String>, Query, description = "`next_cursor` of the last answer")),
        responses((status = 200, body = PetitionList), (status = 400, body = ErrorBody)))]
    pub fn list_petitions() {}

    /// Rate the bureau's reply (满意/基本满意/不满意), once, after a reply.
    #[utoipa::path(post, path = "/v1/petitions/{tracking_code}/evaluation", tag = "petitions",
        params(("tracking_code" = String, Path)), request_body = EvaluationRequest,
        responses(
            (status = 200, body = PetitionView),
            (status = 404, body = ErrorBody),
            (status = 409, body = ErrorBody, description = "`evaluation_not_allowed`")))]
    pub fn evaluate() {}

    /// Ask for a review (复查) within 30 days of the reply.
    #[utoipa::path(post, path = "/v1/petitions/{tracking_code}/review", tag = "petitions",
        params(("tracking_code" = String, Path)), request_body = ReviewRequest,
        responses(
            (status = 200, body = PetitionView),
            (status = 404, body = ErrorBody),
            (status = 409, body = ErrorBody, description = "`review_not_allowed`")))]
    pub fn request_review() {}
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// `docs/bureau-api.json` is the document; `UPDATE_API_DOC=1` rewrites it.
    #[test]
    fn docs_bureau_api_json_matches_the_types() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/bureau-api.json");
        let fresh = super::document_json();
        if std::env::var_os("UPDATE_API_DOC").is_some() || !path.exists() {
            std::fs::write(&path, &fresh).expect("docs/ is writable");
        }
        let kept = std::fs::read_to_string(&path).expect("docs/bureau-api.json is readable");
        assert!(
            kept == fresh,
            "docs/bureau-api.json is out of date; run `UPDATE_API_DOC=1 cargo test -p petition-api` and commit it"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1() {
        let json: serde_json::Value =
            serde_json::from_str(&super::document_json()).expect("the document is JSON");
        assert!(
            json["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1"))
        );
        assert!(json["paths"]["/v1/petitions"]["post"].is_object());
        assert!(json["components"]["schemas"]["SubmitPetition"].is_object());
    }
}
