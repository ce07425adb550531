//! The attachment corpus, made where a test needs it: phone photos carrying real metadata (EXIF
//! with GPS, an orientation, an embedded thumbnail, XMP, IPTC, a comment), a scan, a screenshot,
//! and hostile files (a decompression bomb, an empty file, a script named `.jpg`, a JPEG cut
//! short). The same bytes every time: the pictures are drawn from their coordinates, and the
//! metadata is written byte for byte (TIFF/EXIF, JPEG segments, PNG chunks), so what the tests
//! prove stripped is known to have been there.
//!
//! Every picture is drawn upright with a red square in its top-left corner and none elsewhere
//! ([`MARKER_SIDE`]), and stored as its orientation tag asks, so a test can tell that the
//! pipeline turned it the right way.

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};

/// Every file [`write_attachments`] makes.
pub const ATTACHMENTS: [&str; 8] = [
    "bomb-60000x60000.png",
    "empty.png",
    "not-an-image.jpg",
    "photo-12mp-gps.jpg",
    "photo-rotated-6-gps.jpg",
    "scan.png",
    "screenshot.webp",
    "truncated.jpg",
];

/// The side of the red square in each picture's upright top-left corner, as a fraction of its
/// shorter side.
pub const MARKER_SIDE: f64 = 0.125;

/// The camera the photos' metadata names, found nowhere in a stripped file.
pub const CAMERA_MAKE: &str = "TestCam";
pub const CAMERA_MODEL: &str = "Model X";

/// Writes every file of [`ATTACHMENTS`] into `dir`.
pub fn write_attachments(dir: &Path) {
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes)
            .unwrap_or_else(|e| panic!("write the corpus file {name}: {e}"));
    };
    write("bomb-60000x60000.png", &png_bomb());
    write("empty.png", b"");
    write(
        "not-an-image.jpg",
        b"#!/bin/sh\necho this is a script, not a photo\n",
    );
    write("photo-12mp-gps.jpg", &phone_photo(4000, 3000, 1, true));
    // Held sideways, as a phone stores a portrait photo: 1600 x 1200 pixels, upright 1200 x 1600.
    let rotated = phone_photo(1200, 1600, 6, false);
    write("photo-rotated-6-gps.jpg", &rotated);
    // Cut a third of the way into its entropy-coded data: no end-of-image marker.
    write("truncated.jpg", &rotated[..rotated.len() / 3]);
    write("scan.png", &scan());
    write("screenshot.webp", &screenshot());
}

/// A photo `width` x `height` upright, stored as EXIF `orientation` asks (1 upright, 6 turned a
/// quarter anticlockwise, so that a viewer turns it clockwise), as a phone's JPEG: JFIF, then
/// EXIF with camera, date, serial number and GPS position; with `everything`, also an EXIF
/// thumbnail, XMP (with the GPS position again), IPTC and a comment.
pub fn phone_photo(width: u32, height: u32, orientation: u16, everything: bool) -> Vec<u8> {
    let upright = draw(width, height, |x, y| {
        // Sky over a field, with grain, as a camera's noise keeps the JPEG photo-sized.
        let grain = i32::from(hash(x, y) % 24) - 12;
        let base = if y < height / 2 {
            [90 + (y * 100 / height) as i32, 140, 220]
        } else {
            [70, 150 - ((y - height / 2) * 60 / height) as i32, 60]
        };
        base.map(|c| (c + grain).clamp(0, 255) as u8)
    });
    let stored = match orientation {
        1 => upright,
        6 => image::imageops::rotate270(&upright),
        other => panic!("orientation {other} is not drawn"),
    };
    let mut jpeg = encode_jpeg(&stored, 90);
    let mut segments = vec![segment(0xE1, &exif(orientation, everything))];
    if everything {
        segments.push(segment(0xE1, &xmp()));
        segments.push(segment(0xED, &iptc()));
        segments.push(segment(0xFE, b"Taken by a TestCam Model X"));
    }
    let at = after_jfif(&jpeg);
    jpeg.splice(at..at, segments.concat());
    jpeg
}

/// A page of text as a flatbed scanner saves it: 800 x 600 RGB PNG, white with dark lines of
/// "words", with the scanner's text and EXIF chunks.
fn scan() -> Vec<u8> {
    let image = draw(800, 600, |x, y| {
        let line = y % 30;
        let word = (x / 7 + y / 30 * 13) % 11;
        if (60..740).contains(&x) && (40..580).contains(&y) && (10..22).contains(&line) && word < 8
        {
            [30, 30, 40]
        } else {
            [250, 250, 248]
        }
    });
    let png = encode_png(&image);
    let mut chunks = Vec::new();
    chunks.extend(png_chunk(b"tEXt", b"Software\0TestCam Scanner Model X"));
    chunks.extend(png_chunk(b"eXIf", &tiff(&[camera_ifd(1, Vec::new())])));
    let at = png_chunks_start(&png);
    let mut out = png;
    out.splice(at..at, chunks);
    out
}

/// A 640 x 480 screenshot of an app: a title bar, a panel of fields with text in them, lossless
/// WebP.
fn screenshot() -> Vec<u8> {
    let image = draw(640, 480, |x, y| {
        // Letters 5 px wide with a gap, on lines 12 px apart; one in five is a space.
        let glyph = !hash(x / 6, y / 12).is_multiple_of(5)
            && !x.is_multiple_of(6)
            && (3..10).contains(&(y % 12));
        if y < 48 {
            if (100..300).contains(&x) && (18..30).contains(&y) && glyph {
                [255, 255, 255]
            } else {
                [32, 96, 200]
            }
        } else if (40..600).contains(&x) && (80..440).contains(&y) {
            let row = (y - 80) % 60;
            if (12..24).contains(&row) && (70..380).contains(&x) && glyph {
                [40, 40, 48]
            } else if row < 40 && (60..400).contains(&x) {
                [235, 235, 240]
            } else {
                [255, 255, 255]
            }
        } else {
            [220, 222, 228]
        }
    });
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(image.as_raw(), 640, 480, ExtendedColorType::Rgb8)
        .expect("encode a WebP");
    out
}

/// A PNG whose header claims 60000 x 60000 grey pixels (3.6 GB decoded) in a few kilobytes: a
/// valid PNG of 64 such rows of zeros, its height rewritten (and its checksum with it).
fn png_bomb() -> Vec<u8> {
    const SIDE: u32 = 60_000;
    let rows = vec![0u8; SIDE as usize * 64];
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&rows, SIDE, 64, ExtendedColorType::L8)
        .expect("encode a PNG");
    // Signature, then IHDR: length, type, width, height, …, CRC of type and data.
    png[20..24].copy_from_slice(&SIDE.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// An upright RGB picture from `pixel`, with the red marker in its top-left corner.
fn draw(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
    let marker = (f64::from(width.min(height)) * MARKER_SIDE) as u32;
    RgbImage::from_fn(width, height, |x, y| {
        if x < marker && y < marker {
            Rgb([220, 20, 20])
        } else {
            Rgb(pixel(x, y))
        }
    })
}

/// A well-mixed byte from the coordinates (no random state: the same corpus every time).
fn hash(x: u32, y: u32) -> u8 {
    let mut h = (u64::from(x) << 32 | u64::from(y)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (h >> 56) as u8
}

fn encode_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("encode a JPEG");
    out
}

fn encode_png(image: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode a PNG");
    out.into_inner()
}

/// A JPEG marker segment: `FF marker`, length, payload.
fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).expect("a segment under 64 KiB");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Where the segments after start-of-image and the JFIF header begin.
fn after_jfif(jpeg: &[u8]) -> usize {
    assert_eq!(jpeg[..2], [0xFF, 0xD8], "a JPEG");
    if jpeg[2..4] == [0xFF, 0xE0] {
        4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]))
    } else {
        2
    }
}

/// One field of a TIFF directory.
enum Value {
    Ascii(&'static str),
    Byte(&'static [u8]),
    Short(u16),
    Long(u32),
    Rational(&'static [(u32, u32)]),
    /// The offset of another directory of the same TIFF, by its index.
    Directory(usize),
    /// The offset of these bytes, placed after the directory.
    Data(Vec<u8>),
}

impl Value {
    /// TIFF type, count, and the bytes of the value.
    fn encode(&self) -> (u16, u32, Vec<u8>) {
        match self {
            Value::Ascii(s) => {
                let mut bytes = s.as_bytes().to_vec();
                bytes.push(0);
                (2, bytes.len() as u32, bytes)
            }
            Value::Byte(b) => (1, b.len() as u32, b.to_vec()),
            Value::Short(v) => (3, 1, v.to_be_bytes().to_vec()),
            Value::Long(v) => (4, 1, v.to_be_bytes().to_vec()),
            Value::Rational(r) => (
                5,
                r.len() as u32,
                r.iter()
                    .flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat())
                    .collect(),
            ),
            Value::Directory(_) => (4, 1, vec![0; 4]),
            Value::Data(_) => (4, 1, vec![0; 4]),
        }
    }
}

/// A TIFF directory: its fields (in ascending tag order) and the index of the next one.
struct Directory {
    fields: Vec<(u16, Value)>,
    next: Option<usize>,
}

/// A big-endian TIFF of `directories`, the first being IFD0.
fn tiff(directories: &[Directory]) -> Vec<u8> {
    let data_len = |d: &Directory| -> usize {
        d.fields
            .iter()
            .map(|(_, v)| match v {
                Value::Data(bytes) => bytes.len().next_multiple_of(2),
                v => {
                    let len = v.encode().2.len();
                    if len > 4 { len.next_multiple_of(2) } else { 0 }
                }
            })
            .sum()
    };
    let mut offsets = vec![8usize];
    for d in directories {
        let last = *offsets.last().expect("an offset");
        offsets.push(last + 2 + 12 * d.fields.len() + 4 + data_len(d));
    }
    let offset = |i: usize| u32::try_from(offsets[i]).expect("a small TIFF");
    let mut out = b"MM\0\x2A".to_vec();
    out.extend_from_slice(&8u32.to_be_bytes());
    for (i, d) in directories.iter().enumerate() {
        assert!(d.fields.is_sorted_by_key(|(tag, _)| *tag), "tags in order");
        let mut data_at = offsets[i] + 2 + 12 * d.fields.len() + 4;
        let mut data = Vec::new();
        out.extend_from_slice(&(d.fields.len() as u16).to_be_bytes());
        for (tag, value) in &d.fields {
            let (kind, count, mut bytes) = value.encode();
            match value {
                Value::Directory(j) => bytes = offset(*j).to_be_bytes().to_vec(),
                Value::Data(blob) => {
                    bytes = (data_at as u32).to_be_bytes().to_vec();
                    let padded = blob.len().next_multiple_of(2);
                    data.extend_from_slice(blob);
                    data.resize(data.len() + padded - blob.len(), 0);
                    data_at += padded;
                }
                _ if bytes.len() > 4 => {
                    let padded = bytes.len().next_multiple_of(2);
                    data.extend_from_slice(&bytes);
                    data.resize(data.len() + padded - bytes.len(), 0);
                    bytes = (data_at as u32).to_be_bytes().to_vec();
                    data_at += padded;
                }
                _ => bytes.resize(4, 0),
            }
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&kind.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(&d.next.map_or(0, offset).to_be_bytes());
        out.extend_from_slice(&data);
        assert_eq!(
            out.len(),
            offsets[i + 1],
            "directory {i} where it was placed"
        );
    }
    out
}

/// IFD0 of a camera: make, model, orientation, software, then `more` fields (pointers).
fn camera_ifd(orientation: u16, more: Vec<(u16, Value)>) -> Directory {
    let mut fields = vec![
        (0x010F, Value::Ascii(CAMERA_MAKE)),
        (0x0110, Value::Ascii(CAMERA_MODEL)),
        (0x0112, Value::Short(orientation)),
        (0x0131, Value::Ascii("gen")),
    ];
    fields.extend(more);
    Directory { fields, next: None }
}

/// The APP1 payload of a phone's EXIF: IFD0 (camera, orientation), the EXIF directory (date,
/// serial number), the GPS directory (34°15′N 108°56′E, Xi'an), and with `thumbnail` IFD1 with
/// an embedded 160 x 120 JPEG.
fn exif(orientation: u16, thumbnail: bool) -> Vec<u8> {
    let mut ifd0 = camera_ifd(
        orientation,
        vec![(0x8769, Value::Directory(1)), (0x8825, Value::Directory(2))],
    );
    let exif_ifd = Directory {
        fields: vec![
            (0x9003, Value::Ascii("2020:02:07 15:09:00")),
            (0xA431, Value::Ascii("SN-123456789")),
        ],
        next: None,
    };
    let gps = Directory {
        fields: vec![
            (0x0000, Value::Byte(&[2, 3, 0, 0])),
            (0x0001, Value::Ascii("N")),
            (0x0002, Value::Rational(&[(34, 1), (15, 1), (0, 1)])),
            (0x0003, Value::Ascii("E")),
            (0x0004, Value::Rational(&[(108, 1), (56, 1), (0, 1)])),
        ],
        next: None,
    };
    let mut directories = vec![];
    if thumbnail {
        ifd0.next = Some(3);
        let small = encode_jpeg(&draw(160, 120, |_, _| [128, 128, 128]), 70);
        let len = small.len() as u32;
        directories.extend([ifd0, exif_ifd, gps]);
        directories.push(Directory {
            fields: vec![
                (0x0103, Value::Short(6)),
                (0x0201, Value::Data(small)),
                (0x0202, Value::Long(len)),
            ],
            next: None,
        });
    } else {
        directories.extend([ifd0, exif_ifd, gps]);
    }
    let mut out = b"Exif\0\0".to_vec();
    out.extend(tiff(&directories));
    out
}

/// The APP1 payload of an XMP packet that repeats the camera and the GPS position.
fn xmp() -> Vec<u8> {
    let mut out = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    out.extend_from_slice(
        format!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
             <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF \
             xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
             <rdf:Description xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\" \
             xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" tiff:Make=\"{CAMERA_MAKE}\" \
             tiff:Model=\"{CAMERA_MODEL}\" exif:GPSLatitude=\"34,15.0N\" \
             exif:GPSLongitude=\"108,56.0E\"/></rdf:RDF></x:xmpmeta>\
             <?xpacket end=\"w\"?>"
        )
        .as_bytes(),
    );
    out
}

/// The APP13 payload of IPTC data (by-line and city) in a Photoshop resource block.
fn iptc() -> Vec<u8> {
    let mut record = Vec::new();
    for (dataset, value) in [(80u8, "王丽".as_bytes()), (90, "西安".as_bytes())] {
        record.extend_from_slice(&[0x1C, 2, dataset]);
        record.extend_from_slice(&(value.len() as u16).to_be_bytes());
        record.extend_from_slice(value);
    }
    let mut out = b"Photoshop 3.0\0".to_vec();
    out.extend_from_slice(b"8BIM");
    out.extend_from_slice(&0x0404u16.to_be_bytes());
    // An empty name, padded to even length.
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(record.len() as u32).to_be_bytes());
    if record.len() % 2 == 1 {
        record.push(0);
    }
    out.extend_from_slice(&record);
    out
}

/// Where the chunks after IHDR begin in a PNG.
fn png_chunks_start(png: &[u8]) -> usize {
    assert_eq!(&png[12..16], b"IHDR", "a PNG");
    8 + 12 + 13
}

/// A PNG chunk: length, type, data, CRC of type and data.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// CRC-32 as PNG uses it (ISO 3309, reflected, polynomial 0xEDB88320).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
