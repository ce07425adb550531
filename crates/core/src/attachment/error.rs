//! Why an attachment was refused or could not be stored. Each variant has a stable snake_case
//! [`AttachmentError::code`] and a message in both languages saying what happened and what to do
//! (the catalogue's, by the code). No message names the file: file names can be personal data.

use crate::i18n::{Arg, Lang, text};

#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    /// The file has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The file is larger than one attachment may be (checked before reading it whole).
    #[error("the file is larger than {max_bytes} bytes")]
    FileTooLarge { max_bytes: u64 },
    /// The bytes are none of JPEG, PNG, WebP, GIF, BMP, TIFF or PDF (whatever the name says).
    #[error("the file is not an image or PDF")]
    NotImageOrPdf,
    /// An image format the app knows, in a variant its decoder cannot read (e.g. 12-bit JPEG).
    #[error("the image uses a variant of its format that cannot be read")]
    ImageUnsupported,
    /// The image is truncated or corrupt.
    #[error("the image is damaged")]
    ImageDamaged,
    /// The image declares more pixels, a longer side or more decoded memory than allowed.
    #[error("the image is too large: at most {max_pixels} pixels, {max_side} px a side")]
    ImageTooLarge { max_pixels: u64, max_side: u32 },
    /// The PDF lacks its header or its end-of-file marker.
    #[error("the PDF is damaged")]
    PdfDamaged,
    /// The petition already holds as many attachments as allowed.
    #[error("at most {max} files per petition")]
    TooManyFiles { max: u32 },
    /// Adding this file would take the petition's attachments over the size allowed.
    #[error("at most {max_bytes} bytes of attachments per petition")]
    PetitionTooLarge { max_bytes: u64 },
    /// The file given could not be read.
    #[error("the file cannot be read")]
    Unreadable(#[source] std::io::Error),
    /// The petition has no attachment with this checksum.
    #[error("no such attachment")]
    NotFound,
    /// A new order must name every attachment of the petition exactly once.
    #[error("the new order does not list the petition's attachments exactly once each")]
    OrderInvalid,
    /// A stored file no longer matches its checksum (disk damage or tampering).
    #[error("a stored attachment does not match its checksum")]
    StoredFileDamaged,
    /// The attachment's file was purged after the retention period; the bureau holds it.
    #[error("the attachment was purged from this machine after the retention period")]
    Purged,
    /// The attachment folder in the data directory could not be written or read.
    #[error("the attachment folder cannot be used")]
    Storage(#[source] std::io::Error),
    /// Re-encoding failed, or processing stopped unexpectedly; a fault of the app, not the file.
    #[error("processing the file failed")]
    ProcessingFailed,
}

/// Whole megabytes (10⁶ bytes), as limits are written for people.
fn mb(bytes: u64) -> u64 {
    bytes / 1_000_000
}

impl AttachmentError {
    /// The stable code that crosses every boundary (UI, CLI JSON, HTTP).
    pub fn code(&self) -> &'static str {
        match self {
            AttachmentError::Empty => "file_empty",
            AttachmentError::FileTooLarge { .. } => "file_too_large",
            AttachmentError::NotImageOrPdf => "not_image_or_pdf",
            AttachmentError::ImageUnsupported => "image_unsupported",
            AttachmentError::ImageDamaged => "image_damaged",
            AttachmentError::ImageTooLarge { .. } => "image_too_large",
            AttachmentError::PdfDamaged => "pdf_damaged",
            AttachmentError::TooManyFiles { .. } => "too_many_files",
            AttachmentError::PetitionTooLarge { .. } => "petition_too_large",
            AttachmentError::Unreadable(_) => "file_unreadable",
            AttachmentError::NotFound => "attachment_not_found",
            AttachmentError::OrderInvalid => "attachment_order_invalid",
            AttachmentError::StoredFileDamaged => "attachment_file_damaged",
            AttachmentError::Purged => "attachment_purged",
            AttachmentError::Storage(_) => "attachment_storage_failed",
            AttachmentError::ProcessingFailed => "processing_failed",
        }
    }

    /// What happened and what to do, in the given language: the catalogue's message for the code,
    /// with the limit it names.
    pub fn message(&self, lang: Lang) -> String {
        let limit = match self {
            AttachmentError::FileTooLarge { max_bytes } => Some(("mb", Arg::from(mb(*max_bytes)))),
            AttachmentError::ImageTooLarge { max_pixels, .. } => {
                Some(("mp", Arg::from(max_pixels / 1_000_000)))
            }
            AttachmentError::TooManyFiles { max } => Some(("files", Arg::from(*max))),
            AttachmentError::PetitionTooLarge { max_bytes } => {
                Some(("total", Arg::from(mb(*max_bytes))))
            }
            _ => None,
        };
        text(lang, self.code(), limit.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_distinct_and_every_message_is_bilingual() {
        let all = [
            AttachmentError::Empty,
            AttachmentError::FileTooLarge {
                max_bytes: 20_000_000,
            },
            AttachmentError::NotImageOrPdf,
            AttachmentError::ImageUnsupported,
            AttachmentError::ImageDamaged,
            AttachmentError::ImageTooLarge {
                max_pixels: 100_000_000,
                max_side: 30_000,
            },
            AttachmentError::PdfDamaged,
            AttachmentError::TooManyFiles { max: 10 },
            AttachmentError::PetitionTooLarge {
                max_bytes: 50_000_000,
            },
            AttachmentError::Unreadable(std::io::Error::other("x")),
            AttachmentError::NotFound,
            AttachmentError::OrderInvalid,
            AttachmentError::StoredFileDamaged,
            AttachmentError::Purged,
            AttachmentError::Storage(std::io::Error::other("x")),
            AttachmentError::ProcessingFailed,
        ];
        let mut codes: Vec<_> = all.iter().map(AttachmentError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert_ne!(e.message(Lang::Zh), e.message(Lang::En));
        }
        let too_large = &all[5];
        assert!(too_large.message(Lang::En).contains("100 megapixels"));
        assert!(too_large.message(Lang::Zh).contains("10000 万像素"));
    }
}
