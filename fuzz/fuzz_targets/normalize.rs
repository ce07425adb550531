//! Any bytes through the whole ingest pipeline (sniff, limits, decode, shrink, orient, re-encode,
//! thumbnail, PDF check). A panic, a hang or a runaway allocation is a finding; a refusal is not.
//! Whatever is accepted must carry no EXIF block.

#![no_main]

use libfuzzer_sys::fuzz_target;
use petition_core::attachment::{Limits, MediaType, normalize};

fuzz_target!(|data: &[u8]| {
    // Smaller than the app's limits so each run stays fast; the same checks run.
    let limits = Limits {
        max_pixels: 4_000_000,
        max_side: 8192,
        max_decode_bytes: 64_000_000,
        max_long_side: 512,
        thumbnail_side: 64,
        ..Limits::default()
    };
    if let Ok(out) = normalize(data, &limits) {
        if out.media_type != MediaType::Pdf {
            assert!(!out.bytes.windows(5).any(|w| w == b"Exif\0"));
        }
    }
});
