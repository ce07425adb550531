//! The router and what every request passes through: JSON bodies, JSON errors for everything
//! (unknown paths, wrong methods, panics), and a log line without personal data.

use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use petition_api::{API_VERSION, ErrorCode, Health, SERVICE_NAME};
use serde::de::DeserializeOwned;
use tower_http::catch_panic::CatchPanicLayer;

use crate::AppState;
use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::petitions::{intake, steps, views};
use crate::uploads;

/// The bureau API as a router over `state`.
pub fn app(state: AppState) -> Router {
    let json_limit = state.config().limits.max_json_bytes;
    let json_routes = Router::new()
        .route("/v1/uploads", post(uploads::create_upload))
        .route(
            "/v1/petitions",
            post(intake::submit_petition).get(views::list_petitions),
        )
        .route("/v1/petitions/{tracking_code}", get(views::get_petition))
        .route(
            "/v1/petitions/by-reference/{reference}",
            get(views::get_petition_by_reference),
        )
        .route(
            "/v1/petitions/{tracking_code}/evaluation",
            post(steps::evaluate),
        )
        .route(
            "/v1/petitions/{tracking_code}/review",
            post(steps::request_review),
        )
        .layer(DefaultBodyLimit::max(json_limit));
    let upload_routes = Router::new()
        .route(
            "/v1/uploads/{id}",
            get(uploads::upload_status)
                .head(uploads::upload_offset)
                .patch(uploads::upload_patch),
        )
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/catalog", get(catalog))
        .route("/openapi.json", get(openapi))
        .merge(json_routes)
        .merge(upload_routes)
        .fallback(|| async { ApiError::not_found() })
        .layer(middleware::from_fn(json_errors))
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("a request handler panicked");
                ApiError::internal().into_response()
            },
        ))
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn(run_to_completion))
        .with_state(state)
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

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        service: SERVICE_NAME.into(),
        status: "ok".into(),
        api_version: API_VERSION.into(),
        time: rfc3339(state.clock().now()),
    })
}

async fn catalog(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let served = &state.inner.catalog;
    let etag = HeaderValue::from_str(&served.etag).expect("the ETag is hex in quotes");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == served.etag || t.trim() == "*")
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

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(petition_api::openapi::document())
}

/// `Json<T>` whose rejections are `{code, message}` answers and never echo the body (it may
/// hold personal data).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE))
            }
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::body_too_large())
            }
            Err(JsonRejection::JsonDataError(_)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidJson,
                "请求内容缺少字段或字段类型不对，请按接口文档填写。",
                "The JSON lacks a field or has one of the wrong type; see the API document.",
            )),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidJson,
                "请求内容不是有效的 JSON。",
                "The request body is not valid JSON.",
            )),
        }
    }
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
