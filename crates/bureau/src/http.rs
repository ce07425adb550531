//! The router and what every request passes through: JSON bodies, JSON errors for everything
//! (unknown paths, wrong methods, panics), a body that sends nothing for the read timeout cut
//! (408), and a log line without personal data.
//!
//! The router and the OpenAPI document are built together ([`api`], utoipa-axum): a handler is
//! routed only with its documented operation, and the tests below hold the document to the
//! contract in `petition_api::openapi` and every documented operation to a route.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use petition_api::{API_VERSION, Catalog, ErrorCode, Health, SERVICE_NAME};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::accounts;
use crate::clock::rfc3339;
use crate::error::{ApiError, is_read_timeout};
use crate::petitions::{intake, steps, views, wallet};
use crate::uploads;

/// The bureau API as a router over `state`, serving its OpenAPI document at `/openapi.json`.
/// Every request body is read with the read timeout between its pieces
/// ([`crate::Limits::read_timeout`]): one that sends nothing for as long fails, and is answered
/// 408 `request_timeout`.
pub fn app(state: AppState) -> Router {
    let limits = &state.config().limits;
    let read_timeout = limits.read_timeout;
    let (api, _) = api(limits.max_json_bytes).split_for_parts();
    let document = Bytes::from(
        serde_json::to_vec(&crate::contract::document(&state.config().limits))
            .expect("the OpenAPI document is plain data and always serialises"),
    );
    api.route(
        "/openapi.json",
        get(move || {
            let document = document.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    document,
                )
            }
        }),
    )
    .fallback(|| async { ApiError::not_found() })
    .layer(middleware::from_fn(no_nul_in_uri))
    .layer(middleware::from_fn(json_errors))
    .layer(CatchPanicLayer::custom(
        |_: Box<dyn std::any::Any + Send>| {
            tracing::error!("a request handler panicked");
            ApiError::internal().into_response()
        },
    ))
    .layer(middleware::from_fn(log_request))
    .layer(middleware::from_fn(run_to_completion))
    .layer(RequestBodyTimeoutLayer::new(read_timeout))
    .with_state(state)
}

/// Every operation of the API: each handler's `#[utoipa::path]` is both its route and its part
/// of the document, so nothing is routed here but through `routes!` (one path per call, as
/// `routes!` routes every handler of a call at every path of it). JSON bodies are limited to
/// `json_limit` bytes; upload PATCH bodies are streamed and bounded by the upload's length.
pub(crate) fn api(json_limit: usize) -> OpenApiRouter<AppState> {
    let json_routes = OpenApiRouter::new()
        .routes(routes!(uploads::create_upload))
        .routes(routes!(intake::submit_petition, views::list_petitions))
        .routes(routes!(views::get_petition))
        .routes(routes!(views::get_petition_by_reference))
        .routes(routes!(steps::evaluate))
        .routes(routes!(steps::request_review))
        .routes(routes!(steps::request_recheck))
        .routes(routes!(steps::urge))
        .routes(routes!(wallet::track))
        .routes(routes!(accounts::send_code))
        .routes(routes!(accounts::verify_code))
        .routes(routes!(accounts::get_account, accounts::delete_account))
        .routes(routes!(accounts::sign_out))
        .layer(DefaultBodyLimit::max(json_limit));
    let upload_routes = OpenApiRouter::new()
        .routes(routes!(
            uploads::upload_offset,
            uploads::upload_status,
            uploads::upload_patch
        ))
        .layer(DefaultBodyLimit::disable());
    // The frame (title, description, licence, security scheme) is the contract crate's; the
    // handlers bring the operations and every schema they name.
    OpenApiRouter::with_openapi(petition_api::openapi::frame())
        .routes(routes!(health))
        .routes(routes!(catalog))
        .merge(json_routes)
        .merge(upload_routes)
}

/// Runs every request to its end in a task of its own, even when the client goes away, so what a
/// handler started is finished: a submission dropped halfway would hold its claim on the key for
/// [`crate::petitions::STALE_CLAIM_SECONDS`], and the client's retry would be answered 409 meanwhile.
/// (A handler dropped inside SQLite's `BEGIN` could also leave its pooled connection inside a
/// transaction; the pool closes such connections itself, see `store::Store::open`.)
async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        // Panics are caught inside (CatchPanicLayer); this is a cancelled runtime.
        Err(_) => ApiError::internal().into_response(),
    }
}

/// Is this the bureau, and is it up? Needs no token.
#[utoipa::path(get, path = "/v1/health", tag = "service", security(()),
    responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        service: SERVICE_NAME.into(),
        status: "ok".into(),
        api_version: API_VERSION.into(),
        time: rfc3339(state.clock().now()),
    })
}

/// Regions, agencies, categories and attachment limits. Needs no token. Answers `304` to a
/// matching `If-None-Match`.
#[utoipa::path(get, path = "/v1/catalog", tag = "service", security(()),
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of the cached catalogue")),
    responses(
        (status = 200, body = Catalog, headers(("ETag" = String))),
        (status = 304, description = "The cached catalogue is current")))]
async fn catalog(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let served = &state.inner.catalog;
    let etag = HeaderValue::from_str(&served.etag).expect("the ETag is hex in quotes");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"…"` matches `"…"`.
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == served.etag)
        });
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        served.json.clone(),
    )
        .into_response()
}

/// `Json<T>` whose rejections are `{code, message}` answers and never echo the body (it may
/// hold personal data).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Serialize, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let value = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        let body = T::deserialize(value).map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
                "bureau-invalid_json-shape",
            )
        })?;
        // A NUL in any text the bureau would keep is refused before it reaches a store (SQLite
        // would keep it, PostgreSQL refuses the statement): the two behave alike. Members the
        // API does not know are never kept, so what they hold does not matter.
        let kept = serde_json::to_value(&body).map_err(|_| ApiError::internal())?;
        if holds_nul(&kept) {
            return Err(ApiError::invalid_text());
        }
        Ok(JsonBody(body))
    }
}

/// Whether a string anywhere in `value` (a key too) holds a NUL character.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// A body that is not JSON, not declared as JSON, too large, or that stopped arriving.
fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        }
        rejection if is_read_timeout(&rejection) => ApiError::request_timeout(),
        rejection if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::body_too_large()
        }
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidJson,
            "bureau-invalid_json",
        ),
    }
}

/// A NUL character in the path or the query (`%00`): refused before any handler, as in a body.
async fn no_nul_in_uri(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    if nul(uri.path()) || uri.query().is_some_and(nul) {
        return ApiError::invalid_text().into_response();
    }
    next.run(req).await
}

/// Turns every error answer that is not already JSON (the router's 405, a layer's 413, …) into
/// `{code, message}`.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let mut replaced = ApiError::from_status(status).into_response();
        for (name, value) in response.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                replaced.headers_mut().insert(name.clone(), value.clone());
            }
        }
        return replaced;
    }
    response
}

/// One line per request: method, route pattern (never the query), status, time.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".into());
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Method;
    use tower::ServiceExt;

    use super::*;
    use crate::{Clock, Config};

    const METHODS: [Method; 8] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ];

    async fn router() -> (Router, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let state = AppState::open(Config::new(dir.path()), Clock::system())
            .await
            .expect("the bureau opens");
        let router = app(state).layer(middleware::from_fn(|req: Request, next: Next| async {
            let matched = req.extensions().get::<MatchedPath>().cloned();
            let mut response = next.run(req).await;
            if let Some(m) = matched {
                let value = HeaderValue::from_str(m.as_str()).expect("a route is a header value");
                response.headers_mut().insert("x-matched-route", value);
            }
            response
        }));
        (router, dir)
    }

    async fn send(router: &Router, method: Method, uri: &str) -> Response {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("a request");
        router.clone().oneshot(request).await.expect("an answer")
    }

    /// What `/openapi.json` serves is the document built from the handlers' own declarations
    /// (`contract::document`, kept in `docs/bureau-api.json`).
    #[tokio::test]
    async fn the_served_document_is_the_contract() {
        let (router, _dir) = router().await;
        let response = send(&router, Method::GET, "/openapi.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the document");
        let served: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let contract = crate::contract::document(&crate::config::Limits::default());
        let mut differences = Vec::new();
        differ("", &served, &contract, &mut differences);
        assert!(
            differences.is_empty(),
            "the served document and contract::document disagree at {differences:?}"
        );
    }

    /// The JSON pointers where `a` and `b` differ, down to the first value that does.
    fn differ(at: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
                for key in keys {
                    let at = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                    match (a.get(key), b.get(key)) {
                        (Some(a), Some(b)) => differ(&at, a, b, out),
                        (Some(_), None) => out.push(format!("{at} (only served)")),
                        (None, _) => out.push(format!("{at} (only in the contract)")),
                    }
                }
            }
            _ if a != b => out.push(at.to_owned()),
            _ => {}
        }
    }

    /// Walks the document: every documented path is a route of the router, which answers every
    /// documented method there and only those (405 for the rest). HEAD is answered wherever GET
    /// is, as axum does. Routes outside the document cannot be listed from axum; `api` routes
    /// nothing but through `routes!`, and `app` adds only `/openapi.json`.
    #[tokio::test]
    async fn every_documented_operation_has_a_route_and_no_other_method_does() {
        let (router, _dir) = router().await;
        let document = api(1024).into_openapi();
        assert!(!document.paths.paths.is_empty());
        for (path, item) in &document.paths.paths {
            let uri = path.replace('{', "").replace('}', "-x");
            let documented: Vec<Method> = [
                (Method::GET, item.get.is_some()),
                (Method::HEAD, item.head.is_some() || item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
                (Method::OPTIONS, item.options.is_some()),
                (Method::TRACE, item.trace.is_some()),
            ]
            .into_iter()
            .filter_map(|(m, yes)| yes.then_some(m))
            .collect();
            for method in METHODS {
                let response = send(&router, method.clone(), &uri).await;
                assert_eq!(
                    response
                        .headers()
                        .get("x-matched-route")
                        .and_then(|v| v.to_str().ok()),
                    Some(path.as_str()),
                    "{method} {uri} is not routed at the documented {path}"
                );
                let routed = response.status() != StatusCode::METHOD_NOT_ALLOWED;
                let expected = documented.contains(&method);
                assert_eq!(
                    routed, expected,
                    "{method} {path}: answered {routed}, documented {expected}"
                );
            }
        }
    }
}
