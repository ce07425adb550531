//! The letter in the real app (issue 16): 打印信件 sends a draft's letter to the printer with no
//! dialog (a real CUPS-PDF printer, the default for this app through `PRINTER`), and 保存为 PDF
//! asks where to keep it in the system's save dialog (filled in with xdotool) and writes it
//! there; both are read back with `pdftotext`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use petition_tests::app::{App, Driver, bounded};
use petition_tests::eventually;

const NAME: &str = "欧阳桂兰";
const FACTS: &str = "小区门前道路破损已三个月，两位老人在此摔倒。";

fn pdf_text(pdf: &Path) -> String {
    pdf_text_if_whole(pdf).unwrap_or_else(|| panic!("pdftotext reads {pdf:?}"))
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool runs (scripts/setup installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect()
        })
        .unwrap_or_default()
}

async fn write_draft(app: &App) {
    app.new_draft().await;
    app.fill("name", NAME).await;
    app.choose_place("莲湖", "610104").await;
    app.fill("title", "小区门前道路破损").await;
    app.fill("facts", FACTS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drafts_letter_is_printed_without_a_dialog_and_saved_where_the_citizen_chooses() {
    bounded(async move {
        let Some(printer) = petition_tests::required(
            "a CUPS printer (PETITION_TEST_PRINTER, from .ci/start-cups)",
            std::env::var("PETITION_TEST_PRINTER").ok(),
        ) else {
            return;
        };
        let printed_dir = PathBuf::from(
            std::env::var("PETITION_TEST_PRINT_DIR").expect("PETITION_TEST_PRINT_DIR"),
        );
        // Alone on the display: the save dialog is found as the one new window, and takes the
        // keyboard.
        let printer_env = std::ffi::OsString::from(&printer);
        let Some(driver) =
            Driver::start_alone_with_env(&[("PRINTER", printer_env.as_os_str())]).await
        else {
            return;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("saved-letter.pdf");
        let app = driver.launch(dir.path(), &[]).await;
        write_draft(&app).await;

        // 保存为 PDF: the system's save dialog, over the app's window.
        let windows = || xdotool(&["search", "--onlyvisible", "--class", "petition-desk"]);
        let before = windows();
        app.click("[data-testid=save-letter]").await;
        let dialog = eventually(Duration::from_secs(30), "the save dialog", || async {
            windows()
                .lines()
                .find(|w| !before.lines().any(|b| b == *w))
                .map(str::to_owned)
        })
        .await;
        // Give GTK a moment to map and draw the dialog before typing into it.
        tokio::time::sleep(Duration::from_millis(800)).await;
        xdotool(&["windowfocus", "--sync", &dialog]);
        xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
        xdotool(&["type", "--delay", "20", out.to_str().expect("utf-8")]);
        xdotool(&["key", "Return"]);
        app.wait_text("[data-testid=letter-status]", "saved-letter.pdf")
            .await;
        let saved = pdf_text(&out);
        assert!(
            saved.contains(NAME) && saved.contains("莲湖区信访局："),
            "{saved}"
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&out)
                .expect("the saved letter")
                .permissions(),
        );
        assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");

        // 打印信件: to the default printer, no dialog.
        let earlier = pdfs(&printed_dir);
        app.click("[data-testid=print-letter]").await;
        app.wait_css("[data-testid=letter-status][data-done]").await;
        let said = app.text("[data-testid=letter-status]").await;
        assert!(
            said.contains("打印出来") || said.contains("准备好"),
            "printed or queued: {said}"
        );
        assert_eq!(app.count("[data-testid=letter-error]").await, 0);
        assert_eq!(windows(), before, "a window (a print dialog?) opened");
        let printed = eventually(Duration::from_secs(60), "the printed letter", || async {
            pdfs(&printed_dir)
                .into_iter()
                .find(|p| !earlier.contains(p))
        })
        .await;
        // CUPS-PDF writes the file as the job runs: wait for the whole of it.
        eventually(Duration::from_secs(30), "the whole printed PDF", || async {
            let size = std::fs::metadata(&printed).ok()?.len();
            tokio::time::sleep(Duration::from_millis(500)).await;
            let still = std::fs::metadata(&printed).ok()?.len();
            (size > 0 && size == still).then_some(())?;
            pdf_text_if_whole(&printed).map(|_| ())
        })
        .await;
        // CUPS-PDF re-makes the PDF through Ghostscript, which keeps the glyphs but not their
        // text: the printed page is compared with the saved letter as pictures instead, by the
        // ink in each small square of the page (the edges of small text are drawn a little
        // differently by the two). A blank page or another text is far from 0.
        let scratch = tempfile::tempdir().expect("temp dir");
        let paper = page(&printed, scratch.path(), "printed");
        let letter = page(&out, scratch.path(), "saved");
        let other = page(&other_letter(scratch.path()), scratch.path(), "other");
        let (apart, from_other) = (ink_apart(&paper, &letter), ink_apart(&paper, &other));
        assert!(
            apart < 0.2 && apart * 3.0 < from_other,
            "the printed page is the letter: {apart:.3} apart from it, {from_other:.3} from \
             another citizen's (0 the same, 1 nothing alike)"
        );
        let blank =
            image::GrayImage::from_pixel(letter.width(), letter.height(), image::Luma([255]));
        assert!(ink_apart(&paper, &blank) > 0.99);

        app.quit().await;
    })
    .await;
}

/// The text of a PDF CUPS-PDF may still be writing: `None` until pdftotext reads it.
fn pdf_text_if_whole(pdf: &Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils; scripts/setup installs it)");
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    })
}

/// Another citizen's letter, from `petitionctl letter`: the same form, other words.
fn other_letter(scratch: &Path) -> PathBuf {
    let data = scratch.join("other-data");
    let d = data.to_str().expect("utf-8");
    let out = petition_tests::petitionctl()
        .args([
            "--data-dir",
            d,
            "draft",
            "new",
            "--title",
            "关于噪音扰民的建议",
        ])
        .args(["--set", "name=司马文"])
        .args(["--set", "region=610113"])
        .args([
            "--set",
            "request=请夜间停止施工，并公布投诉电话，方便居民反映情况。",
        ])
        .args([
            "--set",
            "facts=工地每晚十一点以后仍在施工，附近三栋楼的居民无法入睡。",
        ])
        .output()
        .expect("petitionctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let pdf = scratch.join("other.pdf");
    let out = petition_tests::petitionctl()
        .args(["--data-dir", d, "letter", &id])
        .arg(&pdf)
        .output()
        .expect("petitionctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pdf
}

/// Page 1 of `pdf` at 50 dpi in grey (`pdftoppm`).
fn page(pdf: &Path, scratch: &Path, stem: &str) -> image::GrayImage {
    let stem = scratch.join(stem);
    let out = Command::new("pdftoppm")
        .args(["-r", "50", "-gray", "-png", "-singlefile", "-f", "1"])
        .arg(pdf)
        .arg(&stem)
        .output()
        .expect("pdftoppm runs (scripts/setup installs poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(stem.with_extension("png"))
        .expect("the rendered page")
        .into_luma8()
}

/// How far apart the ink of two pages is, square by square (10 px at 50 dpi, about 5 mm): the
/// difference of their ink over the sum of it, 0 when every square holds as much ink on both,
/// 1 when no square holds ink on both.
fn ink_apart(a: &image::GrayImage, b: &image::GrayImage) -> f64 {
    const SQUARE: u32 = 10;
    let (w, h) = (a.width().min(b.width()), a.height().min(b.height()));
    let ink = |img: &image::GrayImage, x0: u32, y0: u32| -> f64 {
        let mut sum = 0u64;
        for y in y0..(y0 + SQUARE).min(h) {
            for x in x0..(x0 + SQUARE).min(w) {
                sum += u64::from(255 - img.get_pixel(x, y).0[0]);
            }
        }
        sum as f64
    };
    let (mut apart, mut total) = (0.0, 0.0);
    for y in (0..h).step_by(SQUARE as usize) {
        for x in (0..w).step_by(SQUARE as usize) {
            let (p, q) = (ink(a, x, y), ink(b, x, y));
            apart += (p - q).abs();
            total += p + q;
        }
    }
    if total == 0.0 { 0.0 } else { apart / total }
}
