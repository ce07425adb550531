use petition_core::attachment::{Attachment, Incoming, Limits, Source};
use serde::Serialize;
use tauri::State;
use tauri::ipc::{InvokeBody, Request, Response};

use crate::error::CommandError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

/// The limits the UI checks before it reads a file into memory (the core checks them again).
#[derive(Debug, Serialize, specta::Type)]
pub struct AttachmentLimits {
    pub max_file_bytes: u64,
    pub max_files_per_petition: u32,
    pub max_petition_bytes: u64,
    pub max_pixels: u64,
}

#[tauri::command]
#[specta::specta]
pub fn attachment_limits() -> AttachmentLimits {
    let l = Limits::default();
    AttachmentLimits {
        max_file_bytes: l.max_file_bytes,
        max_files_per_petition: l.max_files_per_petition,
        max_petition_bytes: l.max_petition_bytes,
        max_pixels: l.max_pixels,
    }
}

/// Adds one file to a draft. The bytes come as the raw body (dropped, picked or pasted in the
/// UI); the headers `petition-id` and `file-name` (percent-encoded) say where and what it was
/// called. The core decides the type from the bytes, never from the name.
#[tauri::command]
pub async fn attach_file(state: State<'_, AppState>, request: Request<'_>) -> Res<Attachment> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
    };
    let (Some(id), InvokeBody::Raw(bytes)) = (header("petition-id"), request.body()) else {
        return Err(CommandError::bad_request(state.lang()));
    };
    let name = header("file-name").unwrap_or_default();
    let incoming = Incoming {
        name,
        source: Source::Bytes(bytes.clone()),
    };
    let mut results = state
        .store()?
        .attachments()
        .attach(&id, vec![incoming], &Limits::default(), |_| {})
        .await
        .map_err(|e| state.err(e))?;
    match results.pop() {
        Some(result) => result.map_err(|e| state.err(e)),
        None => Err(CommandError::bad_request(state.lang())),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_attachments(state: State<'_, AppState>, id: String) -> Res<Vec<Attachment>> {
    state.require_own_draft(&id)?;
    state
        .store()?
        .attachments()
        .list(&id)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn remove_attachment(state: State<'_, AppState>, id: String, sha256: String) -> Res<()> {
    state.require_own_draft(&id)?;
    state
        .store()?
        .attachments()
        .remove(&id, &sha256)
        .await
        .map_err(|e| state.err(e))
}

#[tauri::command]
#[specta::specta]
pub async fn reorder_attachments(
    state: State<'_, AppState>,
    id: String,
    order: Vec<String>,
) -> Res<()> {
    state
        .store()?
        .attachments()
        .reorder(&id, &order)
        .await
        .map_err(|e| state.err(e))
}

/// The thumbnail's bytes (JPEG or PNG), raw; empty for a file without one (a PDF).
#[tauri::command]
pub async fn attachment_thumbnail(
    state: State<'_, AppState>,
    id: String,
    sha256: String,
) -> Res<Response> {
    state.require_own_draft(&id)?;
    let thumb = state
        .store()?
        .attachments()
        .thumbnail(&id, &sha256)
        .await
        .map_err(|e| state.err(e))?;
    Ok(Response::new(thumb.map(|c| c.bytes).unwrap_or_default()))
}
