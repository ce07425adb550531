//! The attachment files on disk: sealed under the store's [`FileCipher`], named by a keyed hash
//! of their content, written atomically (temporary file, fsync, rename, fsync of the folder).
//! Blocking functions, called from the blocking pool by the attachments room and the export.

use std::io::Write;
use std::path::Path;

use super::{AttachmentError, sha256_hex};
use crate::crypto::{FileCipher, FileKind};

/// The thumbnails' folder inside the attachments' folder.
pub(super) const THUMBNAIL_DIR: &str = "thumbnails";
/// The name a file being written has until it is renamed into place.
pub(super) const TEMP_PREFIX: &str = ".tmp-";

/// The plain bytes of the stored attachment `sha256` in `dir`, checked against it. Blocking.
pub(crate) fn read_attachment(
    files: &FileCipher,
    dir: &Path,
    sha256: &str,
) -> std::result::Result<Vec<u8>, AttachmentError> {
    let bytes = read_sealed(files, dir, FileKind::Attachment, sha256)?
        .ok_or(AttachmentError::StoredFileDamaged)?;
    if sha256_hex(&bytes) == sha256 {
        Ok(bytes)
    } else {
        Err(AttachmentError::StoredFileDamaged)
    }
}

/// Reads and opens the sealed file of the content with this SHA-256; `None` when there is no
/// such file. A file that does not open under the store's key is damaged.
pub(crate) fn read_sealed(
    files: &FileCipher,
    dir: &Path,
    kind: FileKind,
    sha256: &str,
) -> std::result::Result<Option<Vec<u8>>, AttachmentError> {
    let name = files.file_name(sha256);
    let sealed = match std::fs::read(dir.join(&name)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AttachmentError::Storage(e)),
    };
    files
        .open(kind, &name, &sealed)
        .map(Some)
        .map_err(|_| AttachmentError::StoredFileDamaged)
}

/// Writes the bytes `seal` gives as `dir/name` unless that file is there already (the name is a
/// keyed hash of the content): to a temporary file first, synced, then renamed into place, then
/// the folder synced.
pub(super) fn write_content_addressed(
    dir: &Path,
    name: &str,
    seal: impl FnOnce() -> Vec<u8>,
) -> std::result::Result<(), AttachmentError> {
    let target = dir.join(name);
    if target.is_file() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(AttachmentError::Storage)?;
    let temp = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4()));
    let bytes = seal();
    let written = (|| {
        let mut file = std::fs::File::create_new(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        petition_platform::fs::replace(&temp, &target)
    })();
    if written.is_err() {
        // Best effort: a leftover temporary file is collected later.
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(AttachmentError::Storage)
}

/// Removes the file named `name` and its thumbnail.
pub(super) fn remove_content(dir: &Path, name: &str) -> std::result::Result<(), AttachmentError> {
    for path in [dir.join(name), dir.join(THUMBNAIL_DIR).join(name)] {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AttachmentError::Storage(e)),
        }
    }
    Ok(())
}
