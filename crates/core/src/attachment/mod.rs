//! Attachments: photos, scans, screenshots and PDFs added to a petition, made safe and small.
//!
//! - [`sniff`] tells the format from the bytes and checks the structure decoders forgive;
//! - `raster` decodes within [`Limits`], shrinks, turns upright and re-encodes from pixels, so no
//!   metadata (EXIF, GPS, XMP, IPTC, embedded thumbnails) survives; PDFs are checked and kept
//!   byte for byte;
//! - [`normalize`] is the whole pipeline for one file, with no store: `petitionctl normalize`, the
//!   fuzz target and the benchmark call it;
//! - `store` is the attachments room ([`crate::Store::attachments`], [`Attachments`]): it keeps
//!   the results content-addressed under `<data dir>/attachments/`, linked to drafts in SQLite,
//!   processing batches in parallel off the async threads and reporting [`Progress`];
//! - `files` reads and writes the sealed files themselves.
//!
//! Every refusal is an [`AttachmentError`] with a stable code; a refused file never stops the
//! rest of a batch.

mod error;
mod files;
mod raster;
pub mod sniff;
mod store;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

pub use error::AttachmentError;
pub(crate) use files::read_attachment;
pub use sniff::MediaType;
pub use store::{
    ATTACHMENT_DIR, Attachment, Attachments, Content, Incoming, Progress, Source, Stage,
};

/// What the app accepts. The defaults are the issue's; the bureau's catalogue may later set them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one file as given (checked before it is read whole).
    pub max_file_bytes: u64,
    /// Attachments per petition.
    pub max_files_per_petition: u32,
    /// Bytes of all stored (normalised) attachments of one petition.
    pub max_petition_bytes: u64,
    /// Pixels an image may declare in its header.
    pub max_pixels: u64,
    /// Pixels either side of an image may declare.
    pub max_side: u32,
    /// Bytes the decoder may allocate; bounds memory whatever the header says.
    pub max_decode_bytes: u64,
    /// Longest side of a stored image; larger ones are shrunk.
    pub max_long_side: u32,
    /// Longest side of a thumbnail.
    pub thumbnail_side: u32,
    /// JPEG quality of stored photos.
    pub jpeg_quality: u8,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 20_000_000,
            max_files_per_petition: 10,
            max_petition_bytes: 50_000_000,
            max_pixels: 100_000_000,
            max_side: 30_000,
            // A 100-megapixel RGBA image, with a little room; still far below 512 MB.
            max_decode_bytes: 420_000_000,
            max_long_side: 2560,
            thumbnail_side: 256,
            jpeg_quality: 85,
        }
    }
}

/// One file made ready to store.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub media_type: MediaType,
    /// Pixel size after orientation and shrinking; `None` for a PDF.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Pages of a PDF when they could be counted cheaply.
    pub page_count: Option<u32>,
    /// The bytes to store (for a PDF, the original bytes).
    pub bytes: Vec<u8>,
    /// Lowercase hex SHA-256 of `bytes`: the content address.
    pub sha256: String,
    /// A JPEG (or PNG, if transparent) whose longest side is at most `thumbnail_side`; `None` for
    /// a PDF.
    pub thumbnail: Option<Vec<u8>>,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks and normalises one file's bytes: the whole pipeline, without a store.
pub fn normalize(input: &[u8], limits: &Limits) -> Result<Normalized, AttachmentError> {
    if input.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if input.len() as u64 > limits.max_file_bytes {
        return Err(AttachmentError::FileTooLarge {
            max_bytes: limits.max_file_bytes,
        });
    }
    match sniff::sniff(input).ok_or(AttachmentError::NotImageOrPdf)? {
        MediaType::Pdf => {
            let info = sniff::check_pdf(input).ok_or(AttachmentError::PdfDamaged)?;
            Ok(Normalized {
                media_type: MediaType::Pdf,
                width: None,
                height: None,
                page_count: info.page_count,
                bytes: input.to_vec(),
                sha256: sha256_hex(input),
                thumbnail: None,
            })
        }
        format => {
            // A decoder that panics on a hostile file refuses that file; it must not take the
            // app (or the rest of the batch) down with it.
            let encoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                raster::normalize(input, format, limits)
            }))
            .map_err(|_| AttachmentError::ImageDamaged)??;
            Ok(Normalized {
                media_type: encoded.media_type,
                width: Some(encoded.width),
                height: Some(encoded.height),
                page_count: None,
                sha256: sha256_hex(&encoded.bytes),
                bytes: encoded.bytes,
                thumbnail: Some(encoded.thumbnail),
            })
        }
    }
}

/// Reads a file for [`normalize`], refusing one larger than allowed before reading it whole.
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, AttachmentError> {
    let file = std::fs::File::open(path).map_err(AttachmentError::Unreadable)?;
    let too_large = AttachmentError::FileTooLarge {
        max_bytes: limits.max_file_bytes,
    };
    let declared = file.metadata().map_err(AttachmentError::Unreadable)?.len();
    if declared > limits.max_file_bytes {
        return Err(too_large);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    // The file may grow while it is read; never take more than the limit and one byte.
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(AttachmentError::Unreadable)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_large);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_come_before_any_decoding() {
        let limits = Limits::default();
        assert_eq!(
            normalize(b"", &limits).expect_err("empty").code(),
            "file_empty"
        );
        assert_eq!(
            normalize(b"#!/bin/sh\necho not a photo\n", &limits)
                .expect_err("script")
                .code(),
            "not_image_or_pdf"
        );
        let small = Limits {
            max_file_bytes: 4,
            ..Limits::default()
        };
        assert_eq!(
            normalize(b"%PDF-1.4", &small).expect_err("big").code(),
            "file_too_large"
        );
        assert_eq!(
            normalize(b"%PDF-1.4\n", &limits)
                .expect_err("no end")
                .code(),
            "pdf_damaged"
        );
    }

    #[test]
    fn a_pdf_is_kept_byte_for_byte() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n";
        let out = normalize(pdf, &Limits::default()).expect("pdf accepted");
        assert_eq!(out.bytes, pdf);
        assert_eq!(out.media_type, MediaType::Pdf);
        assert_eq!(out.page_count, Some(1));
        assert_eq!(out.sha256, sha256_hex(pdf));
        assert!(out.thumbnail.is_none());
    }
}
