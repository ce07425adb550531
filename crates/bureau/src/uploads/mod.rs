//! Attachment uploads with tus 1.0 semantics: `POST` announces length, media type and SHA-256;
//! `HEAD` tells the offset; `PATCH` appends at the offset. The last byte triggers the checksum:
//! a match moves the bytes to `blobs/<sha256>` (one file per content, so identical attachments
//! are stored once), a mismatch discards the upload. Unfinished uploads expire. Attachments of
//! sealed outbox bundles are kept the same way ([`keep_bundled`], in `blobs`). The rows are
//! `crate::store::uploads`.
//!
//! An announced content completes at once only when the caller's own token holds it already (in
//! an upload or a petition of its own): another caller's copy never shows, so an announcement
//! tells nobody what anyone else sent.
//!
//! A PATCH claims the upload in its row (the next `claim`, in the database so that bureaus
//! sharing one take turns too) and takes it from any PATCH still running, such as a connection
//! that went silent: a client's resume is never kept waiting for a dead connection to time out.
//! Whenever a body pauses for [`RECORD_AFTER_PAUSE`] its holder records what came (so a resume
//! after a stall starts after it) or sees whether it still holds the upload; an old holder finds
//! out there, or at its end, and stops without recording anything. What the holders write never
//! mixes: a PATCH that takes the upload from one that did not let go writes in a copy of the
//! bytes recorded so far (migration 0003 says how).

use std::io::SeekFrom;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use petition_api::headers::{
    OFFSET_OCTET_STREAM, TUS_RESUMABLE, TUS_VERSION, UPLOAD_LENGTH, UPLOAD_OFFSET,
};
use petition_api::{CreateUpload, ErrorBody, ErrorCode, Upload};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::AppState;
use crate::auth::Caller;
use crate::clock::rfc3339;
use crate::error::{ApiError, Error};
use crate::http::JsonBody;
use crate::store::uploads::UploadRow;

mod blobs;

pub use blobs::keep_bundled;
use blobs::{keep, sha256_file};

/// Counts attachment bytes as they arrive, to show what interruptions cost: `resent_bytes` are
/// bytes of a content the bureau had received before (at the same position, in this or an
/// earlier upload of the same SHA-256) — what a client sends again after a cut.
#[derive(Debug, Default)]
pub struct Received {
    inner: std::sync::Mutex<ReceivedInner>,
}

#[derive(Debug, Default)]
struct ReceivedInner {
    counters: UploadCounters,
    /// Per content: the end of the furthest byte received.
    high_water: std::collections::HashMap<String, u64>,
}

/// What [`Received`] counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct UploadCounters {
    pub received_bytes: u64,
    pub resent_bytes: u64,
}

impl Received {
    fn record(&self, sha256: &str, at: u64, len: u64) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mark = inner.high_water.get(sha256).copied().unwrap_or(0);
        let again = mark.saturating_sub(at).min(len);
        inner.counters.received_bytes += len;
        inner.counters.resent_bytes += again;
        inner
            .high_water
            .insert(sha256.to_owned(), mark.max(at + len));
    }

    pub fn counters(&self) -> UploadCounters {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .counters
    }
}

impl UploadRow {
    fn to_api(&self) -> Upload {
        Upload {
            id: self.id.clone(),
            length: self.length,
            offset: self.offset,
            media_type: self.media_type.clone(),
            sha256: self.sha256.clone(),
            complete: self.complete,
            expires_at: time::OffsetDateTime::from_unix_timestamp(self.expires_unix)
                .map(rfc3339)
                .unwrap_or_default(),
        }
    }
}

fn tus_headers(row: &UploadRow) -> [(&'static str, HeaderValue); 4] {
    [
        (TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION)),
        (UPLOAD_OFFSET, HeaderValue::from(row.offset)),
        (UPLOAD_LENGTH, HeaderValue::from(row.length)),
        ("cache-control", HeaderValue::from_static("no-store")),
    ]
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::UploadNotFound,
        "bureau-upload_not_found",
    )
}

fn expired() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        ErrorCode::UploadExpired,
        "bureau-upload_expired",
    )
}

/// Announce an attachment (the creation step of the tus-like upload protocol: a JSON body, not
/// tus's `Upload-Length` header; see the document's description). Content the caller sent before
/// (in an upload or a petition of its token) completes at once; anyone else's copy does not count.
#[utoipa::path(post, path = "/v1/uploads", tag = "uploads", request_body = CreateUpload,
    responses(
        (status = 201, body = Upload, headers(("Location" = String), ("Upload-Offset" = u64), ("Tus-Resumable" = String)),
            links(
                ("status" = (operation_id = "upload_status", parameters(("id" = "$response.body#/id")))),
                ("offset" = (operation_id = "upload_offset", parameters(("id" = "$response.body#/id")))),
                ("send" = (operation_id = "upload_patch", parameters(("path.id" = "$response.body#/id")))))),
        (status = 400, body = ErrorBody, description = "`bad_request`: the SHA-256 is not 64 hex digits"),
        (status = 413, body = ErrorBody, description = "`upload_too_large`, or `body_too_large`"),
        (status = 422, body = ErrorBody, description = "`upload_media_type_not_allowed`, `invalid_json`, `invalid_text`")))]
pub async fn create_upload(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<CreateUpload>,
) -> Result<Response, ApiError> {
    let limits = &state.config().limits;
    if req.length > limits.max_attachment_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UploadTooLarge,
            "bureau-upload_too_large",
        ));
    }
    if !limits.media_types.contains(&req.media_type) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UploadMediaTypeNotAllowed,
            "bureau-upload_media_type_not_allowed",
        ));
    }
    let sha = req.sha256.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "bureau-bad_request-sha256",
        ));
    }
    let now = state.clock().now();
    // Completed at once only from the caller's own copy: content another token sent is stored
    // once too, but only after the caller has sent its bytes (`blobs::keep`).
    let held = state
        .store()
        .owns_content(&caller.account_id, &sha, req.length)
        .await?
        && tokio::fs::metadata(state.config().blob_path(&sha))
            .await
            .is_ok_and(|m| m.len() == req.length);
    let row = UploadRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        account_id: caller.account_id,
        length: req.length,
        media_type: req.media_type,
        sha256: sha,
        offset: if held { req.length } else { 0 },
        complete: held,
        expires_unix: (now + limits.upload_ttl).unix_timestamp(),
        claim: 0,
        released_claim: 0,
        file_claim: 0,
    };
    state.store().insert_upload(&row).await?;
    let location = format!("/v1/uploads/{}", row.id);
    let mut response = (
        StatusCode::CREATED,
        tus_headers(&row),
        axum::Json(row.to_api()),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// How many bytes the bureau holds: the `Upload-Offset` header (as tus's HEAD). A HEAD answer
/// has no body, so its errors carry only their status.
#[utoipa::path(head, path = "/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, pattern = r"^[0-9a-f]{32}$", example = "0f8e4c2a9b7d4e6f8a1b3c5d7e9f0a2b", description = "The `id` of `POST /v1/uploads`'s answer")),
    responses(
        (status = 200, description = "The upload stands at `Upload-Offset`", headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Tus-Resumable" = String))),
        (status = 404, description = "`upload_not_found`: no upload of this caller has this id"),
        (status = 410, description = "`upload_expired`: not finished in time, and gone")))]
pub async fn upload_offset(
    state: State<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Response, ApiError> {
    // The answer to GET without its body, which the server leaves out of a HEAD answer.
    upload_status(state, caller, id).await
}

/// The upload as JSON.
#[utoipa::path(get, path = "/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, pattern = r"^[0-9a-f]{32}$", example = "0f8e4c2a9b7d4e6f8a1b3c5d7e9f0a2b", description = "The `id` of `POST /v1/uploads`'s answer")),
    responses(
        (status = 200, body = Upload, headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Tus-Resumable" = String))),
        (status = 404, body = ErrorBody, description = "`upload_not_found`"),
        (status = 410, body = ErrorBody, description = "`upload_expired`")))]
pub async fn upload_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let row = state
        .store()
        .upload(&id, &caller.account_id)
        .await?
        .ok_or_else(not_found)?;
    if !row.complete && row.expires_unix < state.clock().now().unix_timestamp() {
        discard(&state, &row).await?;
        return Err(expired());
    }
    Ok((tus_headers(&row), axum::Json(row.to_api())).into_response())
}

/// How long a PATCH body may pause before what it brought so far is recorded (synced, its offset
/// stored), so that a resume after a stall starts after it; the holder also checks then that no
/// newer PATCH took the upload.
const RECORD_AFTER_PAUSE: Duration = Duration::from_secs(1);

fn offset_mismatch(row: &UploadRow) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::UploadOffsetMismatch,
        "bureau-upload_offset_mismatch",
    )
    .with_header("upload-offset", row.offset)
    .with_header("tus-resumable", TUS_VERSION)
}

/// A newer PATCH took the upload while this one ran.
fn taken_over() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::UploadBusy,
        "bureau-upload_busy",
    )
    .with_header("retry-after", 1)
}

/// Append bytes at `Upload-Offset` (as tus's PATCH, body `application/offset+octet-stream`).
/// When the last byte arrives the SHA-256 is checked; on a mismatch the upload is discarded. A
/// PATCH takes the upload over from an earlier one still running (a stalled connection's), which
/// stops; what that one had received by its last pause is kept.
#[utoipa::path(patch, path = "/v1/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, pattern = r"^[0-9a-f]{32}$", example = "0f8e4c2a9b7d4e6f8a1b3c5d7e9f0a2b", description = "The `id` of `POST /v1/uploads`'s answer"),
        ("Upload-Offset" = u64, Header, minimum = 0, example = 0, description = "Where these bytes start: the bureau's `Upload-Offset`")),
    request_body(content = inline(OctetStream), content_type = "application/offset+octet-stream",
        description = "The next bytes of the file, at most up to its announced length"),
    responses(
        (status = 204, description = "Taken; the upload now stands at `Upload-Offset`", headers(("Upload-Offset" = u64), ("Tus-Resumable" = String))),
        (status = 400, body = ErrorBody, description = "`bad_request`: `Upload-Offset` is missing or not a number"),
        (status = 404, body = ErrorBody, description = "`upload_not_found`"),
        (status = 408, body = ErrorBody, description = "`request_timeout`: the body paused for longer than the read timeout; what came is kept"),
        (status = 409, body = ErrorBody, description = "`upload_offset_mismatch` (with the right `Upload-Offset`), or `upload_busy`: a newer PATCH took the upload over"),
        (status = 410, body = ErrorBody, description = "`upload_expired`"),
        (status = 413, body = ErrorBody, description = "`upload_too_large`: more bytes than the announced length"),
        (status = 415, body = ErrorBody, description = "`unsupported_media_type`: the body is not `application/offset+octet-stream`"),
        (status = 422, body = ErrorBody, description = "`upload_checksum_mismatch`: the upload was discarded")))]
pub async fn upload_patch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let is_octets = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == OFFSET_OCTET_STREAM.as_bytes());
    if !is_octets {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "bureau-unsupported_media_type-patch",
        ));
    }
    let claimed: u64 = headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "bureau-bad_request-upload_offset",
            )
        })?;
    let row = state
        .store()
        .upload(&id, &caller.account_id)
        .await?
        .ok_or_else(not_found)?;
    if !row.complete && row.expires_unix < state.clock().now().unix_timestamp() {
        discard(&state, &row).await?;
        return Err(expired());
    }
    if row.complete || claimed != row.offset {
        return Err(offset_mismatch(&row));
    }
    // The claim is taken only where the bytes end, so a PATCH at a wrong offset takes nothing
    // from the one running.
    let Some(row) = state
        .store()
        .claim_upload(&id, &caller.account_id, claimed)
        .await?
    else {
        // Completed, or moved on, since it was read.
        let row = state
            .store()
            .upload(&id, &caller.account_id)
            .await?
            .ok_or_else(not_found)?;
        return Err(offset_mismatch(&row));
    };

    // Receiving runs in its own task: a client that goes away mid-request drops this handler,
    // and what it had sent must still be written and its offset recorded (else the resume
    // repeats bytes the bureau already counted, or finds a verified file not marked complete).
    let offset = tokio::spawn(receive(state, row, body))
        .await
        .map_err(|e| Error::Io("receive an upload", std::io::Error::other(e)))??;
    Ok((
        StatusCode::NO_CONTENT,
        [
            (TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION)),
            (UPLOAD_OFFSET, HeaderValue::from(offset)),
        ],
    )
        .into_response())
}

/// How a PATCH's body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyEnd {
    /// Every byte the client meant to send came.
    Whole,
    /// The connection failed midway.
    Cut,
    /// Nothing came for the read timeout.
    Silent,
    /// More than the upload's length came.
    TooLarge,
    /// A newer PATCH took the upload.
    TakenOver,
}

/// Writes a PATCH's body at the upload's offset, records the new offset and, once every byte is
/// there, checks the whole file. `row` holds this PATCH's claim; the file written is the one its
/// bytes so far are in if the last holder let go of it, else a copy of those bytes of its own
/// (a holder that did not let go may still be writing in its file).
async fn receive(state: AppState, row: UploadRow, body: Body) -> Result<u64, ApiError> {
    let config = state.config();
    let held = config.partial_path(&row.id, row.file_claim);
    if row.offset == row.length
        && tokio::fs::metadata(&held).await.is_err()
        && tokio::fs::metadata(config.blob_path(&row.sha256))
            .await
            .is_ok_and(|m| m.len() == row.length)
    {
        // The bureau stopped after keeping this verified file and before marking its upload
        // complete: the file is held, so the upload is complete.
        state.store().complete_upload(&row.id).await?;
        return Ok(row.offset);
    }
    let let_go = row.released_claim == row.claim - 1;
    let file_claim = if let_go { row.file_claim } else { row.claim };
    let path = config.partial_path(&row.id, file_claim);
    if !let_go {
        copy_received(&held, &path, row.offset).await?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&path)
        .await
        .map_err(|e| Error::Io("open a partial upload", e))?;
    file.set_len(row.offset)
        .await
        .map_err(|e| Error::Io("trim a partial upload", e))?;
    file.seek(SeekFrom::Start(row.offset))
        .await
        .map_err(|e| Error::Io("seek in a partial upload", e))?;
    let room = row.length - row.offset;
    let mut written: u64 = 0;
    let mut recorded: u64 = 0;
    let mut stream = body.into_data_stream();
    let end = loop {
        let chunk = match tokio::time::timeout(RECORD_AFTER_PAUSE, stream.next()).await {
            Ok(None) => break BodyEnd::Whole,
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(e))) if crate::error::is_read_timeout(&e) => break BodyEnd::Silent,
            Ok(Some(Err(_))) => break BodyEnd::Cut,
            Err(_paused) => {
                let holds = if written > recorded {
                    sync(&file).await?;
                    recorded = written;
                    let offset = row.offset + written;
                    state
                        .store()
                        .record_upload(&row.id, row.claim, file_claim, offset, false)
                        .await?
                } else {
                    state.store().holds_upload(&row.id, row.claim).await?
                };
                if !holds {
                    break BodyEnd::TakenOver;
                }
                continue;
            }
        };
        if written + chunk.len() as u64 > room {
            break BodyEnd::TooLarge;
        }
        state
            .inner
            .received
            .record(&row.sha256, row.offset + written, chunk.len() as u64);
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::Io("write a partial upload", e))?;
        written += chunk.len() as u64;
    };
    if end == BodyEnd::TooLarge {
        written = 0;
        file.set_len(row.offset)
            .await
            .map_err(|e| Error::Io("trim a partial upload", e))?;
    }
    sync(&file).await?;
    drop(file);
    let offset = row.offset + written;
    match end {
        BodyEnd::TakenOver => return Err(lose(&state, &row, file_claim).await),
        BodyEnd::Whole | BodyEnd::Cut | BodyEnd::Silent if offset == row.length => {
            if !state.store().holds_upload(&row.id, row.claim).await? {
                // The newer PATCH brings the bytes too, and finishes.
                return Err(lose(&state, &row, file_claim).await);
            }
            return match finish(&state, &row, &path).await {
                Ok(()) => Ok(offset),
                // A newer PATCH, come as this one checked its bytes, completed the upload first
                // (and removed this one's file).
                Err(_) if completed(&state, &row).await => Ok(offset),
                Err(e) => Err(e),
            };
        }
        _ => {}
    }
    if !state
        .store()
        .record_upload(&row.id, row.claim, file_claim, offset, true)
        .await?
    {
        return Err(lose(&state, &row, file_claim).await);
    }
    match end {
        BodyEnd::Whole => Ok(offset),
        // The client is gone; what arrived is kept for its resume.
        BodyEnd::Cut => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "bureau-bad_request-upload_cut",
        )
        .with_header("upload-offset", offset)),
        BodyEnd::Silent => Err(ApiError::request_timeout().with_header("upload-offset", offset)),
        BodyEnd::TooLarge => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UploadTooLarge,
            "bureau-upload_too_large-past_length",
        )
        .with_header("upload-offset", offset)),
        BodyEnd::TakenOver => Err(taken_over()),
    }
}

async fn sync(file: &tokio::fs::File) -> Result<(), Error> {
    file.sync_data()
        .await
        .map_err(|e| Error::Io("flush a partial upload", e))
}

/// Gives a PATCH that took an upload from a holder that did not let go a file of its own: the
/// first `offset` bytes of the holder's, which the holder no longer changes (it writes only past
/// what it recorded). A first PATCH may find no file yet.
async fn copy_received(
    from: &std::path::Path,
    to: &std::path::Path,
    offset: u64,
) -> Result<(), ApiError> {
    match tokio::fs::copy(from, to).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && offset == 0 => {}
        // The holder, with every byte, moved its file among the blobs as it was being copied:
        // the upload is about to be complete.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(taken_over()),
        Err(e) => return Err(Error::Io("copy a partial upload", e).into()),
    }
    Ok(())
}

/// Stops a PATCH that a newer one took the upload from: its own file goes, unless the upload's
/// bytes are still recorded in it (the newer PATCH copies them from there).
async fn lose(state: &AppState, row: &UploadRow, file_claim: i64) -> ApiError {
    tracing::info!("a newer PATCH took the upload over; this one stops");
    let in_use = match state.store().upload(&row.id, &row.account_id).await {
        Ok(now) => now.is_some_and(|now| now.file_claim == file_claim),
        Err(_) => true,
    };
    if !in_use {
        // Best effort: whatever is left goes when the upload completes or is discarded.
        let _ = tokio::fs::remove_file(state.config().partial_path(&row.id, file_claim)).await;
    }
    taken_over()
}

/// Whether the upload is complete (and so there is nothing left to do).
async fn completed(state: &AppState, row: &UploadRow) -> bool {
    matches!(state.store().upload(&row.id, &row.account_id).await, Ok(Some(now)) if now.complete)
}

/// Checks the SHA-256 of the holder's fully received file and keeps it, or discards the upload.
async fn finish(state: &AppState, row: &UploadRow, path: &std::path::Path) -> Result<(), ApiError> {
    let actual = sha256_file(path).await?;
    if actual != row.sha256 {
        // Only while this PATCH holds it: the bytes of a newer one may yet be right.
        if state.store().delete_held_upload(&row.id, row.claim).await? {
            remove_partials(state, &row.id).await?;
        }
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UploadChecksumMismatch,
            "bureau-upload_checksum_mismatch",
        ));
    }
    keep(state, &row.sha256, path).await?;
    state.store().complete_upload(&row.id).await?;
    remove_partials(state, &row.id).await?;
    Ok(())
}

/// Removes an unfinished upload: its row and its partial files.
async fn discard(state: &AppState, row: &UploadRow) -> Result<(), Error> {
    remove_partials(state, &row.id).await?;
    state.store().delete_upload(&row.id).await
}

/// Removes every file the PATCHes of an upload made (`<id>.part`, `<id>.<claim>.part`).
async fn remove_partials(state: &AppState, id: &str) -> Result<(), Error> {
    let listing = |e| Error::Io("list partial uploads", e);
    let mut dir = tokio::fs::read_dir(state.config().partial_dir())
        .await
        .map_err(listing)?;
    let prefix = format!("{id}.");
    while let Some(entry) = dir.next_entry().await.map_err(listing)? {
        let name = entry.file_name();
        let ours = name
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".part"));
        if !ours {
            continue;
        }
        match tokio::fs::remove_file(entry.path()).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::Io("remove a partial upload", e)),
        }
    }
    Ok(())
}

/// Discards every unfinished upload past its expiry; returns how many.
pub async fn sweep(state: &AppState) -> Result<usize, Error> {
    let rows = state
        .store()
        .expired_uploads(state.clock().now().unix_timestamp())
        .await?;
    for row in &rows {
        discard(state, row).await?;
    }
    Ok(rows.len())
}

/// Runs [`sweep`] every minute.
pub async fn sweep_forever(state: AppState) {
    loop {
        tokio::time::sleep(Duration::from_secs(60)).await;
        match sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "discarded expired uploads"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired uploads failed"),
        }
    }
}

/// The body of a PATCH: raw bytes.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct OctetStream(Vec<u8>);
