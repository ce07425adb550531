//! Errors: [`Error`] for the library (store, files), [`ApiError`] for HTTP answers.
//!
//! An [`ApiError`] is what a client sees: a status, a stable code and a bilingual message from the
//! message catalogue (`bureau.ftl`). It never carries personal data nor internals; an [`Error`] turned into one is logged by kind only.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use petition_api::{ErrorBody, ErrorCode, FieldProblem};
use petition_rules::i18n::bilingual;

/// What went wrong inside the bureau. The cause is the error's `source`, not part of its text, so
/// a report that prints the chain (anyhow's) names it once.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed.
    #[error("the database failed")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("the database schema could not be brought up to date")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file operation failed; the text says which.
    #[error("could not {0}")]
    Io(&'static str, #[source] std::io::Error),
    /// A stored value could not be read back.
    #[error("corrupt record: {0}")]
    Corrupt(&'static str),
    /// The catalogue could not be written as JSON.
    #[error("catalogue: {0}")]
    Regions(String),
    /// The operator's `offices.json` does not read; the text says where and why.
    #[error("offices.json: {0}")]
    Offices(String),
}

/// An HTTP error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub problems: Vec<FieldProblem>,
    pub headers: HeaderMap,
}

impl ApiError {
    /// A NUL character in a text: refused alike on SQLite and PostgreSQL (which cannot store it).
    pub fn invalid_text() -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidText,
            "bureau-invalid_text",
        )
    }

    /// An answer whose message is the catalogue's `id` (`bureau.ftl`), in Chinese and English.
    pub fn new(status: StatusCode, code: ErrorCode, id: &str) -> ApiError {
        ApiError {
            status,
            code,
            message: bilingual(id, &[]),
            problems: Vec::new(),
            headers: HeaderMap::new(),
        }
    }

    /// [`ApiError::new`] with arguments for the message.
    pub fn with_args(
        status: StatusCode,
        code: ErrorCode,
        id: &str,
        args: &[(&str, petition_rules::i18n::Arg<'_>)],
    ) -> ApiError {
        ApiError {
            message: bilingual(id, args),
            ..ApiError::new(status, code, id)
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl ToString) -> ApiError {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            self.headers.insert(HeaderName::from_static(name), v);
        }
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "bureau-unauthorized",
        )
        .with_header("www-authenticate", "Bearer")
    }

    /// A token whose time is up: the citizen signs in again.
    pub fn token_expired() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenExpired,
            "bureau-token_expired",
        )
        .with_header("www-authenticate", "Bearer error=\"invalid_token\"")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "bureau-not_found",
        )
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "bureau-internal",
        )
    }

    /// The answer for an error status that a handler did not describe (e.g. from the router).
    pub fn from_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::NOT_FOUND => ApiError::not_found(),
            StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
                status,
                ErrorCode::MethodNotAllowed,
                "bureau-method_not_allowed",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::body_too_large(),
            StatusCode::REQUEST_TIMEOUT => ApiError::request_timeout(),
            StatusCode::URI_TOO_LONG => {
                ApiError::new(status, ErrorCode::UriTooLong, "bureau-uri_too_long")
            }
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ApiError::new(
                status,
                ErrorCode::HeadersTooLarge,
                "bureau-headers_too_large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                status,
                ErrorCode::UnsupportedMediaType,
                "bureau-unsupported_media_type",
            ),
            s if s.is_server_error() => ApiError {
                status,
                ..ApiError::internal()
            },
            s => ApiError::new(s, ErrorCode::BadRequest, "bureau-bad_request"),
        }
    }

    /// A request that is not well-formed HTTP (hyper's 400, `crate::serve`).
    pub fn malformed() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "bureau-bad_request-malformed",
        )
    }

    /// A body that sent nothing for the read timeout (`Limits::read_timeout`).
    pub fn request_timeout() -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            ErrorCode::RequestTimeout,
            "bureau-request_timeout",
        )
    }

    pub fn body_too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            "bureau-body_too_large",
        )
    }

    fn body(self) -> ErrorBody {
        ErrorBody {
            code: self.code.as_str().to_owned(),
            message: self.message,
            problems: self.problems,
        }
    }

    /// The answer's body as JSON bytes, for a writer below axum (`crate::serve`).
    pub(crate) fn into_json(self) -> Vec<u8> {
        serde_json::to_vec(&self.body()).expect("an error body is plain data and serialises")
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        // The error's text may quote a query, never a petition's field: queries bind values.
        tracing::error!(
            error = %e,
            cause = std::error::Error::source(&e).map(tracing::field::display),
            "request failed inside the bureau"
        );
        ApiError::internal()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        ApiError::from(Error::Db(e))
    }
}

/// Whether a body failed because nothing came for the read timeout (the router's
/// `RequestBodyTimeoutLayer`), somewhere down the error's chain.
pub(crate) fn is_read_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        next = e.source();
    }
    false
}

impl IntoResponse for ApiError {
    fn into_response(mut self) -> Response {
        let (status, headers) = (self.status, std::mem::take(&mut self.headers));
        let mut response = (status, axum::Json(self.body())).into_response();
        response.headers_mut().extend(headers);
        response
    }
}
