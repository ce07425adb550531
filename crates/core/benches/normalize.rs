//! Normalising a 12-megapixel phone photo (orient, strip, shrink to 2560 px, thumbnail), side by
//! side with Debian's ImageMagick doing the same, single-threaded, in one run.
//!
//! `cargo bench -p petition-core --bench normalize` (release). Figures go to docs/benchmarks.md.
//! Environment: `BENCH_ITERATIONS` (default 10), `BENCH_IMAGE` (default the tests' corpus's
//! `photo-12mp-gps.jpg`, drawn afresh: 4000 × 3000 with EXIF, GPS, XMP and IPTC),
//! `BENCH_CONVERT` (default `/usr/bin/convert`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use petition_core::attachment::{Limits, normalize};

/// The attachment corpus of the tests, for its phone photo.
#[allow(dead_code)]
#[path = "../../../tests/support/corpus.rs"]
mod attachment_corpus;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The process's peak resident size so far, in KB (Linux).
fn own_peak_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs a command under GNU time; returns its wall time and peak resident size in KB.
fn timed(program: &str, args: &[&str]) -> (Duration, u64) {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "PEAK_KB=%M", program])
        .args(args)
        // ImageMagick would otherwise use every core through OpenMP.
        .env("MAGICK_THREAD_LIMIT", "1")
        .env("OMP_NUM_THREADS", "1")
        .output()
        .expect("run /usr/bin/time (Debian package `time`)");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{program} failed: {stderr}");
    let peak = stderr
        .split_once("PEAK_KB=")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (elapsed, peak)
}

fn main() {
    let drawn = tempfile::tempdir().expect("temp dir");
    let image = std::env::var_os("BENCH_IMAGE").map_or_else(
        || {
            let path = drawn.path().join("photo-12mp-gps.jpg");
            std::fs::write(&path, attachment_corpus::phone_photo(4000, 3000, 1, true))
                .expect("write the benchmark photo");
            path
        },
        PathBuf::from,
    );
    let convert = std::env::var("BENCH_CONVERT").unwrap_or_else(|_| "/usr/bin/convert".into());
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .max(1);
    let input = std::fs::read(&image).expect("read the benchmark image");
    let limits = Limits::default();
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out = |name: &str| out_dir.path().join(name).to_string_lossy().into_owned();
    let image_arg = image.to_string_lossy().into_owned();

    println!(
        "image: {} ({} bytes), {iterations} iterations, single-threaded",
        Path::new(&image_arg)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        input.len()
    );

    // One warm-up each, then alternate so both see the same machine state.
    let warm = normalize(&input, &limits).expect("the photo is accepted");
    timed(
        &convert,
        &[
            &image_arg,
            "-auto-orient",
            "-strip",
            "-resize",
            "2560x2560>",
            "-quality",
            "85",
            &out("im.jpg"),
        ],
    );
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut theirs_peak = 0;
    for _ in 0..iterations {
        let start = Instant::now();
        let result = normalize(&input, &limits).expect("the photo is accepted");
        ours.push(start.elapsed());
        std::hint::black_box(result);

        let (main, main_peak) = timed(
            &convert,
            &[
                &image_arg,
                "-auto-orient",
                "-strip",
                "-resize",
                "2560x2560>",
                "-quality",
                "85",
                &out("im.jpg"),
            ],
        );
        let (thumb, thumb_peak) = timed(
            &convert,
            &[
                &out("im.jpg"),
                "-thumbnail",
                "256x256",
                "-quality",
                "80",
                &out("im-thumb.jpg"),
            ],
        );
        theirs.push(main + thumb);
        theirs_peak = theirs_peak.max(main_peak).max(thumb_peak);
    }
    let (ours, theirs) = (median(ours), median(theirs));
    let im_bytes = std::fs::metadata(out("im.jpg"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "petition-core: {:.0} ms per image, peak RSS {} KB (whole bench process), output {}x{} {} bytes",
        ms(ours),
        own_peak_kb().unwrap_or(0),
        warm.width.unwrap_or(0),
        warm.height.unwrap_or(0),
        warm.bytes.len()
    );
    println!(
        "ImageMagick:   {:.0} ms per image (normalise + thumbnail, two processes), peak RSS {theirs_peak} KB, output {im_bytes} bytes",
        ms(theirs)
    );
    println!(
        "ratio: petition-core is {:.2}x as fast as ImageMagick",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}
