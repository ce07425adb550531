//! The bytes the bureau keeps: one file per content, `blobs/<sha256>`, whether it came by
//! upload or in a sealed outbox bundle ([`keep_bundled`]).

use axum::http::StatusCode;
use petition_api::{AttachmentInfo, ErrorCode};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{ApiError, Error};
use crate::outbox::StagedFile;

/// Moves a verified file to `blobs/<sha256>`, or removes it when that content is held already.
pub(super) async fn keep(
    state: &AppState,
    sha256: &str,
    path: &std::path::Path,
) -> Result<(), Error> {
    let blob = state.config().blob_path(sha256);
    if let Some(dir) = blob.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| Error::Io("create a blob directory", e))?;
    }
    if tokio::fs::metadata(&blob).await.is_ok() {
        // Identical content is already held: keep one copy.
        tokio::fs::remove_file(path)
            .await
            .map_err(|e| Error::Io("remove a duplicate upload", e))?;
    } else {
        tokio::fs::rename(path, &blob)
            .await
            .map_err(|e| Error::Io("keep a verified upload", e))?;
    }
    Ok(())
}

/// Keeps the attachments of a petition from a sealed bundle as completed uploads are kept (one
/// blob per content), after the checks an upload passes: size, media type (from the bytes, as a
/// bundle does not say) and file name. Keeps nothing unless all pass. The bytes were checked
/// against their SHA-256 when the bundle was read, and wait in its staging folder.
pub async fn keep_bundled(
    state: &AppState,
    files: &[StagedFile],
) -> Result<Vec<AttachmentInfo>, ApiError> {
    let limits = &state.config().limits;
    let mut attachments = Vec::with_capacity(files.len());
    for file in files {
        let name = file.file_name.trim();
        if !crate::petitions::is_file_name(name) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::UploadIncomplete,
                "bureau-upload_incomplete-file_name",
            ));
        }
        if file.length > limits.max_attachment_bytes {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::UploadTooLarge,
                "bureau-upload_too_large",
            ));
        }
        let media_type = media_type_of(&file.head)
            .filter(|m| limits.media_types.iter().any(|t| t == m))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UploadMediaTypeNotAllowed,
                    "bureau-upload_media_type_not_allowed",
                )
            })?;
        attachments.push(AttachmentInfo {
            file_name: name.into(),
            media_type: media_type.into(),
            length: file.length,
            sha256: file.sha256.clone(),
        });
    }
    for file in files {
        if tokio::fs::metadata(state.config().blob_path(&file.sha256))
            .await
            .is_ok_and(|m| m.len() == file.length)
        {
            continue;
        }
        // Not held yet, so the bundle's reading staged it (it stays staged until it is kept).
        let staged = file.path.as_deref().ok_or_else(|| {
            Error::Io(
                "keep a bundled attachment",
                std::io::Error::from(std::io::ErrorKind::NotFound),
            )
        })?;
        keep(state, &file.sha256, staged).await?;
    }
    Ok(attachments)
}

/// The media type the first bytes show, among those the bureau may take.
fn media_type_of(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.len() >= 12 && data.starts_with(b"RIFF") && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

pub(super) async fn sha256_file(path: &std::path::Path) -> Result<String, Error> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| Error::Io("hash an upload", std::io::Error::other(e)))?
    .map_err(|e| Error::Io("hash an upload", e))
}
