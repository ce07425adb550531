//! Attachments across crates: the attachment corpus (made by `petition_tests::corpus`) through
//! the pipeline and through `petitionctl`, no metadata left in what is stored (checked by parsing
//! the output), every picture turned upright, the peak memory of hostile files measured in child
//! processes, and the fuzz corpus replayed as a regression test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use petition_core::attachment::{self, Limits, MediaType};
use petition_tests::corpus;
use sha2::{Digest, Sha256};

/// The attachment corpus, written into a temporary directory of its own.
fn corpus_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    corpus::write_attachments(dir.path());
    dir
}

/// The crash-free inputs the fuzz target found, kept in the repository.
fn fuzz_corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/normalize"
    ))
}

#[derive(Debug, Clone, Copy)]
enum Expect {
    Accepted {
        /// `None`: whichever of JPEG and PNG is smaller.
        media_type: Option<MediaType>,
        width: u32,
        height: u32,
    },
    Refused(&'static str),
}

/// Every file of the corpus and what must happen to it. Dimensions are after EXIF orientation
/// and shrinking to 2560 px.
const CORPUS: &[(&str, Expect)] = &[
    ("bomb-60000x60000.png", Expect::Refused("image_too_large")),
    ("empty.png", Expect::Refused("file_empty")),
    ("not-an-image.jpg", Expect::Refused("not_image_or_pdf")),
    (
        "photo-12mp-gps.jpg",
        Expect::Accepted {
            media_type: Some(MediaType::Jpeg),
            width: 2560,
            height: 1920,
        },
    ),
    (
        // 1600 × 1200 stored sideways, EXIF orientation 6: upright it is 1200 × 1600.
        "photo-rotated-6-gps.jpg",
        Expect::Accepted {
            media_type: Some(MediaType::Jpeg),
            width: 1200,
            height: 1600,
        },
    ),
    (
        "scan.png",
        Expect::Accepted {
            media_type: Some(MediaType::Png),
            width: 800,
            height: 600,
        },
    ),
    (
        "screenshot.webp",
        Expect::Accepted {
            media_type: None,
            width: 640,
            height: 480,
        },
    ),
    ("truncated.jpg", Expect::Refused("image_damaged")),
];

/// Fails unless `bytes` (a stored JPEG or PNG) carry nothing but pixels: no EXIF/APP1 (and so no
/// GPS), no XMP, no IPTC/APP13, no ICC or other APPn block, no comment, no embedded thumbnail, no
/// PNG text, eXIf, iCCP or time chunk.
fn assert_no_metadata(bytes: &[u8], what: &str) {
    for needle in [
        &b"Exif\0"[..],
        b"http://ns.adobe.com/xap",
        b"Photoshop 3.0",
        corpus::CAMERA_MAKE.as_bytes(),
        corpus::CAMERA_MODEL.as_bytes(),
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{what}: {:?} left in the output",
            String::from_utf8_lossy(needle)
        );
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        assert_jpeg_has_no_metadata(bytes, what);
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        assert_png_has_no_metadata(bytes, what);
    } else {
        panic!("{what}: stored image is neither JPEG nor PNG");
    }
}

fn assert_jpeg_has_no_metadata(bytes: &[u8], what: &str) {
    // A second start-of-image marker would be an embedded thumbnail (entropy-coded data cannot
    // hold one).
    assert!(
        !bytes[2..].windows(2).any(|w| w == [0xFF, 0xD8]),
        "{what}: an embedded JPEG (thumbnail) is left"
    );
    let mut i = 2;
    loop {
        assert_eq!(bytes[i], 0xFF, "{what}: marker expected at {i}");
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let payload = &bytes[i + 4..i + 2 + len];
        match marker {
            // JFIF header, allowed without its optional thumbnail.
            0xE0 => {
                assert!(
                    payload.starts_with(b"JFIF\0"),
                    "{what}: APP0 that is not JFIF"
                );
                assert_eq!(&payload[12..14], [0, 0], "{what}: JFIF thumbnail");
            }
            0xE1..=0xEF => panic!("{what}: APP{} segment left", marker - 0xE0),
            0xFE => panic!("{what}: comment segment left"),
            0xDA => return,
            // Tables, frame headers, restart interval.
            0xDB | 0xC4 | 0xC0..=0xC3 | 0xDD => {}
            other => panic!("{what}: unexpected marker {other:#04x}"),
        }
        i += 2 + len;
    }
}

fn assert_png_has_no_metadata(bytes: &[u8], what: &str) {
    let mut i = 8;
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let kind = &bytes[i + 4..i + 8];
        assert!(
            matches!(kind, b"IHDR" | b"PLTE" | b"tRNS" | b"IDAT" | b"IEND"),
            "{what}: PNG chunk {} left",
            String::from_utf8_lossy(kind)
        );
        i += 12 + usize::try_from(len).expect("chunk length");
    }
}

/// Fails unless `image` shows the corpus's red marker in its top-left corner and only there:
/// it was turned upright, the right way round.
fn assert_upright(image: &image::DynamicImage, what: &str) {
    let image = image.to_rgb8();
    let (w, h) = image.dimensions();
    let inset = (f64::from(w.min(h)) * corpus::MARKER_SIDE / 2.0) as u32;
    let red = |x: u32, y: u32| {
        let [r, g, b] = image.get_pixel(x, y).0;
        r > 160 && g < 90 && b < 90
    };
    assert!(red(inset, inset), "{what}: the marker is not top left");
    for (x, y) in [
        (w - 1 - inset, inset),
        (inset, h - 1 - inset),
        (w - 1 - inset, h - 1 - inset),
    ] {
        assert!(!red(x, y), "{what}: a marker at ({x}, {y}), not top left");
    }
}

fn corpus_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("the corpus directory")
        .map(|e| {
            e.expect("corpus entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn every_corpus_file_gives_its_expected_outcome() {
    let dir = corpus_dir();
    let listed: BTreeSet<String> = CORPUS.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(
        corpus_files(dir.path()),
        listed,
        "every corpus file needs an expected outcome"
    );
    let limits = Limits::default();
    for (name, expect) in CORPUS {
        let bytes = std::fs::read(dir.path().join(name)).expect("read corpus file");
        let result = attachment::normalize(&bytes, &limits);
        match (*expect, result) {
            (Expect::Refused(code), Err(e)) => assert_eq!(e.code(), code, "{name}"),
            (Expect::Refused(code), Ok(_)) => panic!("{name}: accepted, expected {code}"),
            (Expect::Accepted { .. }, Err(e)) => panic!("{name}: refused with {}", e.code()),
            (
                Expect::Accepted {
                    media_type,
                    width,
                    height,
                },
                Ok(out),
            ) => {
                if let Some(media_type) = media_type {
                    assert_eq!(out.media_type, media_type, "{name}");
                }
                assert_eq!(
                    (out.width, out.height),
                    (Some(width), Some(height)),
                    "{name}"
                );
                assert_eq!(hex::encode(Sha256::digest(&out.bytes)), out.sha256);
                assert_no_metadata(&out.bytes, name);
                let decoded = image::load_from_memory(&out.bytes).expect("output decodes");
                assert_eq!(
                    (decoded.width(), decoded.height()),
                    (width, height),
                    "{name}"
                );
                assert_upright(&decoded, name);
                let thumbnail = out.thumbnail.expect("an image has a thumbnail");
                assert_no_metadata(&thumbnail, name);
                let thumb = image::load_from_memory(&thumbnail).expect("thumbnail decodes");
                assert_eq!(thumb.width().max(thumb.height()), 256, "{name}");
                // Same shape as the image: upright too.
                assert_eq!(thumb.width() > thumb.height(), width > height, "{name}");
                assert_upright(&thumb, &format!("{name}'s thumbnail"));
            }
        }
    }
}

/// `petitionctl`, built beside this test binary (`cargo build -p petition-cli`).
fn petitionctl() -> Command {
    let exe = std::env::current_exe().expect("test executable");
    // target/<profile>/deps/tests-… → target/<profile>/petitionctl
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable in <target>/<profile>/deps")
        .join(format!("petitionctl{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p petition-cli` first",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.env_remove("PETITION_DATA_DIR")
        .env("LANG", "en_US.UTF-8");
    cmd
}

fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn petitionctl_attaches_the_corpus_and_exports_what_it_stored() {
    let dir = corpus_dir();
    let data = dir.path().join("data");
    let new = petitionctl()
        .arg("--data-dir")
        .arg(&data)
        .args(["draft", "new", "--title", "附件测试"])
        .output()
        .expect("run petitionctl draft new");
    assert!(
        new.status.success(),
        "{}",
        String::from_utf8_lossy(&new.stderr)
    );
    let id = String::from_utf8(new.stdout)
        .expect("utf-8 id")
        .trim()
        .to_owned();

    let mut cmd = petitionctl();
    cmd.arg("--data-dir").arg(&data).args(["attach", &id]);
    for (name, _) in CORPUS {
        cmd.arg(dir.path().join(name));
    }
    let out = cmd.output().expect("run petitionctl attach");
    assert_eq!(out.status.code(), Some(1), "some corpus files are refused");
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), CORPUS.len());
    let mut stored = Vec::new();
    for ((name, expect), line) in CORPUS.iter().zip(&lines) {
        assert!(
            line["file"].as_str().is_some_and(|f| f.ends_with(name)),
            "{line}"
        );
        match expect {
            Expect::Refused(code) => {
                assert_eq!(line["ok"], false, "{line}");
                assert_eq!(line["code"], *code, "{line}");
                assert!(line["message"].as_str().is_some_and(|m| !m.is_empty()));
            }
            Expect::Accepted { width, height, .. } => {
                assert_eq!(line["ok"], true, "{line}");
                assert_eq!(line["width"], *width, "{line}");
                assert_eq!(line["height"], *height, "{line}");
                stored.push(line.clone());
            }
        }
    }

    for line in &stored {
        let sha = line["sha256"].as_str().expect("sha256");
        let target = dir.path().join(sha);
        let export = petitionctl()
            .arg("--data-dir")
            .arg(&data)
            .args(["attachment", "export", &id, sha])
            .arg(&target)
            .output()
            .expect("run petitionctl attachment export");
        assert!(
            export.status.success(),
            "{}",
            String::from_utf8_lossy(&export.stderr)
        );
        let bytes = std::fs::read(&target).expect("exported file");
        assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
        assert_eq!(line["bytes"], bytes.len());
        assert_no_metadata(&bytes, sha);
    }

    // Attaching the same files again stores nothing new.
    let again = petitionctl()
        .arg("--data-dir")
        .arg(&data)
        .args(["attach", &id])
        .arg(dir.path().join("scan.png"))
        .output()
        .expect("run petitionctl attach");
    assert!(again.status.success());
    let files = std::fs::read_dir(data.join(attachment::ATTACHMENT_DIR))
        .expect("attachment folder")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_file()))
        .count();
    assert_eq!(files, stored.len());
}

/// Hostile files made from small valid ones by rewriting their declared size.
#[cfg(unix)]
fn synthesized_bombs(dir: &Path) -> Vec<PathBuf> {
    let tiny = image::DynamicImage::ImageRgb8(image::RgbImage::new(8, 8));
    let encode = |format| {
        let mut out = std::io::Cursor::new(Vec::new());
        tiny.write_to(&mut out, format).expect("encode tiny image");
        out.into_inner()
    };
    let mut bombs = Vec::new();
    let mut write = |name: &str, bytes: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write bomb");
        bombs.push(path);
    };

    // JPEG whose frame header declares 65500 × 65500.
    let mut jpeg = encode(image::ImageFormat::Jpeg);
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline frame header");
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xDC, 0xFF, 0xDC]);
    write("bomb-65500.jpg", jpeg);

    // BMP whose header declares 60000 × 60000.
    let mut bmp = encode(image::ImageFormat::Bmp);
    bmp[18..22].copy_from_slice(&60_000i32.to_le_bytes());
    bmp[22..26].copy_from_slice(&60_000i32.to_le_bytes());
    write("bomb-60000.bmp", bmp);

    // GIF whose screen and first frame declare 65535 × 65535.
    let mut gif = encode(image::ImageFormat::Gif);
    gif[6..10].copy_from_slice(&[0xFF; 4]);
    let frame = gif
        .iter()
        .position(|&b| b == 0x2C)
        .expect("image descriptor");
    gif[frame + 5..frame + 9].copy_from_slice(&[0xFF; 4]);
    write("bomb-65535.gif", gif);
    bombs
}

/// Set by [`hostile_files_stay_under_512_mb_in_a_child_process`] for the probe it starts.
#[cfg(unix)]
const PROBE_ENV: &str = "PETITION_ATTACHMENT_MEMORY_PROBE";

/// Runs `petitionctl normalize` on each hostile file of the corpus the test below wrote into
/// `PROBE_ENV`'s directory, and prints the largest peak resident size of those children. Run only
/// as a child of that test, so no other test's children count.
#[cfg(unix)]
#[test]
#[ignore = "started by hostile_files_stay_under_512_mb_in_a_child_process"]
fn memory_probe() {
    let Some(dir) = petition_tests::required(
        &format!("{PROBE_ENV} (set by the test that starts this probe)"),
        std::env::var_os(PROBE_ENV),
    ) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let mut files = vec![dir.join("bomb-60000x60000.png"), dir.join("truncated.jpg")];
    files.extend(synthesized_bombs(&dir));
    for file in &files {
        let out = petitionctl()
            .arg("normalize")
            .arg(file)
            .arg(dir.join("out"))
            .output()
            .expect("run petitionctl normalize");
        let lines = json_lines(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{}: {lines:?}", file.display());
        let code = lines[0]["code"].as_str().expect("code");
        let expected = if file.ends_with("truncated.jpg") {
            "image_damaged"
        } else {
            "image_too_large"
        };
        assert_eq!(code, expected, "{}", file.display());
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    // Linux reports kilobytes.
    println!("PEAK_RSS_KB={}", usage.max_rss());
}

#[cfg(unix)]
#[test]
fn hostile_files_stay_under_512_mb_in_a_child_process() {
    // Written here: a child started while the probe held the drawn photos could count them.
    let dir = corpus_dir();
    let out = Command::new(std::env::current_exe().expect("test executable"))
        .args([
            "attachments::memory_probe",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PROBE_ENV, dir.path())
        .output()
        .expect("start the memory probe");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "probe failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kb: u64 = stdout
        .split_once("PEAK_RSS_KB=")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("the probe prints its children's peak");
    eprintln!("peak resident memory of petitionctl on the hostile files: {peak_kb} KB");
    assert!(peak_kb > 0);
    assert!(peak_kb < 512 * 1024, "peak {peak_kb} KB");
}

#[test]
fn the_fuzz_corpus_goes_through_the_pipeline() {
    let Ok(entries) = std::fs::read_dir(fuzz_corpus_dir()) else {
        panic!("fuzz/corpus/normalize is missing");
    };
    let limits = Limits::default();
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("corpus entry").path();
        let bytes = std::fs::read(&path).expect("read fuzz input");
        if let Ok(out) = attachment::normalize(&bytes, &limits)
            && out.media_type != MediaType::Pdf
        {
            assert_no_metadata(&out.bytes, &path.display().to_string());
            image::load_from_memory(&out.bytes).expect("accepted output decodes");
        }
        count += 1;
    }
    assert!(count > 0, "the fuzz corpus is empty");
}
