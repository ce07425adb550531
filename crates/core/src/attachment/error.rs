//! Why an attachment was refused or could not be stored. Each variant has a stable snake_case
//! [`AttachmentError::code`] and a message in both languages saying what happened and what to do.
//! No message names the file: file names can be personal data.

use crate::i18n::Lang;

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

    /// What happened and what to do, in the given language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AttachmentError::Empty => lang
                .pick(
                    "这个文件是空的（0 字节）。请重新选择原文件。",
                    "This file is empty (0 bytes). Choose the original file again.",
                )
                .to_owned(),
            AttachmentError::FileTooLarge { max_bytes } => match lang {
                Lang::Zh => format!(
                    "文件太大：每个文件最多 {} MB。请先缩小照片或拆分文件后再添加。",
                    mb(*max_bytes)
                ),
                Lang::En => format!(
                    "The file is too large: at most {} MB per file. Make the photo smaller or split the file, then add it again.",
                    mb(*max_bytes)
                ),
            },
            AttachmentError::NotImageOrPdf => lang
                .pick(
                    "这个文件不是图片或 PDF。只能添加 JPEG、PNG、WebP、GIF、BMP、TIFF 图片或 PDF 文件。",
                    "This file is not an image or PDF. Only JPEG, PNG, WebP, GIF, BMP and TIFF images and PDF files can be added.",
                )
                .to_owned(),
            AttachmentError::ImageUnsupported => lang
                .pick(
                    "无法读取这张图片的格式变体。请用看图软件另存为 JPEG 或 PNG 后再添加。",
                    "This image uses a variant of its format that cannot be read. Save it as JPEG or PNG in an image viewer, then add it again.",
                )
                .to_owned(),
            AttachmentError::ImageDamaged => lang
                .pick(
                    "图片已损坏或不完整，无法打开。请重新拍摄、重新扫描或重新复制原文件。",
                    "The image is damaged or incomplete and cannot be opened. Take the photo or scan again, or copy the original file again.",
                )
                .to_owned(),
            AttachmentError::ImageTooLarge {
                max_pixels,
                max_side,
            } => match lang {
                Lang::Zh => format!(
                    "图片尺寸太大：最多 {} 万像素，每边最多 {max_side} 像素。请先缩小图片后再添加。",
                    max_pixels / 10_000
                ),
                Lang::En => format!(
                    "The image is too large: at most {} megapixels and {max_side} pixels a side. Make it smaller, then add it again.",
                    max_pixels / 1_000_000
                ),
            },
            AttachmentError::PdfDamaged => lang
                .pick(
                    "PDF 文件已损坏或不完整。请重新下载或重新导出后再添加。",
                    "The PDF is damaged or incomplete. Download or export it again, then add it.",
                )
                .to_owned(),
            AttachmentError::TooManyFiles { max } => match lang {
                Lang::Zh => format!("每份信访事项最多 {max} 个附件。请先删除不需要的附件。"),
                Lang::En => format!(
                    "At most {max} files per petition. Remove an attachment you do not need first."
                ),
            },
            AttachmentError::PetitionTooLarge { max_bytes } => match lang {
                Lang::Zh => format!(
                    "每份信访事项的附件合计最多 {} MB。请删除或缩小部分附件。",
                    mb(*max_bytes)
                ),
                Lang::En => format!(
                    "At most {} MB of attachments per petition. Remove some attachments or make them smaller.",
                    mb(*max_bytes)
                ),
            },
            AttachmentError::Unreadable(_) => lang
                .pick(
                    "无法读取这个文件。请确认文件仍在原处并且有权限打开。",
                    "This file cannot be read. Check that it is still there and that you may open it.",
                )
                .to_owned(),
            AttachmentError::NotFound => lang
                .pick(
                    "找不到这个附件，它可能已被删除。请刷新附件列表。",
                    "This attachment cannot be found; it may have been removed. Refresh the list of attachments.",
                )
                .to_owned(),
            AttachmentError::OrderInvalid => lang
                .pick(
                    "附件顺序与当前附件不符（附件可能刚被增删）。请刷新后重新排序。",
                    "The new order does not match the current attachments (one may just have been added or removed). Refresh and reorder again.",
                )
                .to_owned(),
            AttachmentError::Purged => lang.text("attachment_purged"),
            AttachmentError::StoredFileDamaged => lang
                .pick(
                    "本机保存的附件已损坏。请删除该附件后重新添加原文件。",
                    "The attachment saved on this computer is damaged. Remove it and add the original file again.",
                )
                .to_owned(),
            AttachmentError::Storage(_) => lang
                .pick(
                    "无法保存附件。请检查磁盘空间和数据目录的权限后重试。",
                    "The attachment could not be saved. Check the free disk space and the data folder's permissions, then try again.",
                )
                .to_owned(),
            AttachmentError::ProcessingFailed => lang
                .pick(
                    "处理这个文件时出错（这是程序的问题，不是文件的问题）。请重试；若反复出现，请联系管理员。",
                    "Processing this file failed (a fault of the app, not of the file). Try again; if it keeps happening, tell the administrator.",
                )
                .to_owned(),
        }
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
