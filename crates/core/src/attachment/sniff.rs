//! Telling the format from the bytes (never from the name or a MIME type someone reports), and the
//! structural checks that decoders forgive but we must not: a JPEG that stops before its end, a PDF
//! without its end-of-file marker.

use serde::{Deserialize, Serialize};

/// The formats the app takes in (all of them) and stores (JPEG, PNG and PDF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
    #[serde(rename = "image/gif")]
    Gif,
    #[serde(rename = "image/bmp")]
    Bmp,
    #[serde(rename = "image/tiff")]
    Tiff,
    #[serde(rename = "application/pdf")]
    Pdf,
}

impl MediaType {
    /// The MIME type, as stored in the database and sent to the bureau.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Gif => "image/gif",
            MediaType::Bmp => "image/bmp",
            MediaType::Tiff => "image/tiff",
            MediaType::Pdf => "application/pdf",
        }
    }

    pub fn parse(mime: &str) -> Option<MediaType> {
        [
            MediaType::Jpeg,
            MediaType::Png,
            MediaType::Webp,
            MediaType::Gif,
            MediaType::Bmp,
            MediaType::Tiff,
            MediaType::Pdf,
        ]
        .into_iter()
        .find(|m| m.as_str() == mime)
    }

    /// The usual file extension, for names of exported files.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Webp => "webp",
            MediaType::Gif => "gif",
            MediaType::Bmp => "bmp",
            MediaType::Tiff => "tif",
            MediaType::Pdf => "pdf",
        }
    }
}

/// How far into the file a PDF header may start (as readers allow).
const PDF_HEADER_WINDOW: usize = 1024;
/// How far from the end the `%%EOF` marker must lie.
const PDF_TRAILER_WINDOW: usize = 1024;

/// The format of `bytes`, judged from their signature alone.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(MediaType::Png)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(MediaType::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(MediaType::Webp)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(MediaType::Tiff)
    } else if is_bmp(bytes) {
        Some(MediaType::Bmp)
    } else if find(&bytes[..bytes.len().min(PDF_HEADER_WINDOW)], b"%PDF-").is_some() {
        Some(MediaType::Pdf)
    } else {
        None
    }
}

/// `BM` alone is too weak a signature (text can start with it): the DIB header size that follows
/// must be one of the sizes the format defines.
fn is_bmp(bytes: &[u8]) -> bool {
    if bytes.len() < 18 || !bytes.starts_with(b"BM") {
        return false;
    }
    let dib = u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]);
    matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether a JPEG runs from its start marker through every segment and scan to its end marker.
/// Decoders fill a truncated scan with grey and say nothing; a citizen's evidence should not be
/// silently half grey, so such a file counts as damaged.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        let start = i;
        while i < bytes.len() && bytes[i] == 0xFF {
            i += 1;
        }
        if i == start || i >= bytes.len() {
            return false;
        }
        let marker = bytes[i];
        i += 1;
        match marker {
            0xD9 => return true,
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = bytes
            .get(i..i + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            return false;
        };
        if len < 2 {
            return false;
        }
        i += len;
        if i > bytes.len() {
            return false;
        }
        if marker == 0xDA {
            // Entropy-coded data: runs until a marker other than a stuffed 0xFF00 or a restart.
            loop {
                let Some(off) = bytes[i..].iter().position(|&b| b == 0xFF) else {
                    return false;
                };
                i += off;
                match bytes.get(i + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => i += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

/// What the PDF check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfInfo {
    /// Pages counted from uncompressed `/Type /Page` objects; `None` when they are hidden in
    /// compressed object streams, where counting would mean parsing the file.
    pub page_count: Option<u32>,
}

/// Checks that `bytes` look like a whole PDF: a header near the start, `%%EOF` near the end.
/// The file is kept byte for byte, so nothing else is parsed.
pub fn check_pdf(bytes: &[u8]) -> Option<PdfInfo> {
    let head = find(&bytes[..bytes.len().min(PDF_HEADER_WINDOW)], b"%PDF-")?;
    let version = bytes.get(head + 5..head + 8)?;
    if !(version[0].is_ascii_digit() && version[1] == b'.' && version[2].is_ascii_digit()) {
        return None;
    }
    let tail = &bytes[bytes.len().saturating_sub(PDF_TRAILER_WINDOW)..];
    find(tail, b"%%EOF")?;
    let pages = count_pages(bytes);
    Some(PdfInfo {
        page_count: (pages > 0).then_some(pages),
    })
}

/// Counts `/Type /Page` (not `/Pages`) dictionary entries, whitespace between the two allowed.
fn count_pages(bytes: &[u8]) -> u32 {
    let mut count = 0u32;
    let mut rest = bytes;
    while let Some(at) = find(rest, b"/Type") {
        rest = &rest[at + 5..];
        let value = rest.trim_ascii_start();
        if let Some(after) = value.strip_prefix(b"/Page") {
            let next = after.first().copied().unwrap_or(b' ');
            if !next.is_ascii_alphanumeric() {
                count = count.saturating_add(1);
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_comes_from_the_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some(MediaType::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(MediaType::Png));
        assert_eq!(sniff(b"GIF89a......"), Some(MediaType::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(MediaType::Webp));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(MediaType::Tiff));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(MediaType::Pdf));
        let mut bmp = b"BM\0\0\0\0\0\0\0\0\0\0\0\0".to_vec();
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(sniff(&bmp), Some(MediaType::Bmp));
        assert_eq!(sniff(b"BMW drivers, please read this letter"), None);
        assert_eq!(sniff(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_jpeg_must_reach_its_end_marker() {
        // SOI, a comment, SOS with a stuffed 0xFF00 and a restart marker, EOI.
        let whole =
            b"\xFF\xD8\xFF\xFE\x00\x04hi\xFF\xDA\x00\x02\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xD9";
        assert!(jpeg_is_complete(whole));
        for cut in 0..whole.len() - 1 {
            assert!(!jpeg_is_complete(&whole[..cut]), "cut at {cut}");
        }
        assert!(!jpeg_is_complete(b"\xFF\xD8\xFF\xC0\x00\x00"));
    }

    #[test]
    fn a_pdf_needs_its_header_and_end_marker_and_pages_are_counted() {
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >> endobj\n\
                    2 0 obj << /Type /Page >> endobj 3 0 obj <</Type/Page/Parent 1 0 R>> endobj\n\
                    trailer << >>\n%%EOF\n";
        assert_eq!(
            check_pdf(pdf),
            Some(PdfInfo {
                page_count: Some(2)
            })
        );
        assert_eq!(check_pdf(&pdf[..pdf.len() - 7]), None);
        assert_eq!(check_pdf(b"%PDF-x.y\n%%EOF"), None);
        assert_eq!(
            check_pdf(b"%PDF-1.7\n%%EOF\n"),
            Some(PdfInfo { page_count: None })
        );
    }
}
