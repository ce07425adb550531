//! `petitionctl letter`: the PDF a citizen posts (来信), read back with poppler's `pdftotext` and
//! `pdffonts` (poppler-utils, which `scripts/setup` installs; a missing tool fails the test).
//!
//! The text is compared after taking every whitespace character (spaces and line breaks) out of
//! both the draft's text and what `pdftotext` extracts: wrapping puts line breaks where the
//! lines end (and drops the space it breaks at), and a paragraph's lines are the letter's own.
//! Every other character is compared as it is, in order.

use std::path::Path;
use std::process::Command;

use petition_tests::petitionctl;

/// A poppler tool's output for `pdf`, failing the test when the tool is not installed.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} cannot be run ({e}): install poppler-utils (scripts/setup does)")
        });
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 from poppler")
}

fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = petitionctl().args(args).output().expect("run petitionctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const NAME: &str = "欧阳桂兰";
const REQUEST: &str = "请有关部门尽快修复桃园南路 88 号小区门前破损路面，并在施工期间设置警示标志，保障居民（特别是老人和儿童）出行安全。";
const FACTS: &str = "2026年9月起，小区门前约 30 米路面多处塌陷，最深处约 15 厘米。每逢雨天积水没过脚踝，已有两位老人在此摔倒受伤。\n我们于 10 月 8 日拨打 12345 热线反映，得到的答复是“已转交相关部门”，但至今没有人来查看。\n附近的 Lao Wang 说，早在 2025 年就有人反映过。";
const REASONS: &str = "根据《城市道路管理条例》第二十一条，城市道路管理部门应当对城市道路进行养护、维修，保证其经常处于完好状态。\n路面破损已危及居民人身安全，理应及时修复。";

fn draft(d: &str) -> String {
    let (code, out, err) = run(&[
        "--data-dir",
        d,
        "draft",
        "new",
        "--title",
        "关于桃园南路小区门前道路破损的投诉",
        "--set",
        &format!("name={NAME}"),
        "--set",
        "phone=13800138000",
        "--set",
        "address=陕西省西安市莲湖区桃园南路 88 号",
        "--set",
        "region=610104",
        "--set",
        "purpose=claim",
        "--set",
        &format!("request={REQUEST}"),
        "--set",
        &format!("facts={FACTS}"),
        "--set",
        &format!("reasons={REASONS}"),
    ]);
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

#[test]
fn a_letter_holds_the_name_and_every_paragraph_verbatim_in_an_embedded_cjk_font() {
    let data = tempfile::tempdir().expect("temp dir");
    let d = data.path().to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("temp dir");
    let id = draft(d);
    let photo = dir.path().join("路面照片.jpg");
    std::fs::write(
        &photo,
        petition_tests::corpus::phone_photo(64, 48, 1, false),
    )
    .expect("photo");
    let (code, _, err) = run(&[
        "--data-dir",
        d,
        "attach",
        &id,
        photo.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{err}");

    let pdf = dir.path().join("信件.pdf");
    let (code, out, err) = run(&["--data-dir", d, "letter", &id, pdf.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!((out.as_str(), err.as_str()), ("", ""), "nothing is printed");

    let text = poppler("pdftotext", &[], &pdf);
    let extracted = squeezed(&text);
    for (what, expected) in [
        ("the name", NAME),
        ("the title", "关于桃园南路小区门前道路破损的投诉"),
        ("the place, by name", "问题发生地：陕西省 › 西安市 › 莲湖区"),
        ("the addressee, its own 信访局", "莲湖区信访局："),
        ("the kind of matter", "信访目的：申诉求决"),
        ("the heading of the request", "信访请求"),
        ("the attachment", "附件：1.路面照片.jpg（"),
        ("the signature line", "信访人（签名）："),
        ("the footer", "第1页共1页"),
    ] {
        assert!(
            extracted.contains(&squeezed(expected)),
            "{what} is missing:\n{text}"
        );
    }
    for (field, value) in [("request", REQUEST), ("facts", FACTS), ("reasons", REASONS)] {
        for paragraph in value.lines() {
            assert!(
                extracted.contains(&squeezed(paragraph)),
                "a paragraph of {field} is not verbatim: {paragraph}\nin:\n{text}"
            );
        }
    }
    // The paragraphs in the order of the letter: request, facts, reasons.
    let at = |s: &str| extracted.find(&squeezed(s)).expect("found above");
    assert!(at(REQUEST) < at(FACTS.lines().next().expect("a line")));
    assert!(
        at(FACTS.lines().last().expect("a line")) < at(REASONS.lines().next().expect("a line"))
    );
    // Fields the draft leaves empty are left out.
    assert!(
        !extracted.contains("电子邮箱") && !extracted.contains("涉及单位"),
        "{text}"
    );

    let fonts = poppler("pdffonts", &[], &pdf);
    let embedded_cjk = fonts.lines().skip(2).any(|row| {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type… encoding emb sub uni object-id generation
        row.contains("CJK")
            && cols.len() >= 6
            && cols[cols.len() - 5..cols.len() - 2] == ["yes", "yes", "yes"]
    });
    assert!(
        embedded_cjk,
        "no embedded CJK font subset with a ToUnicode map:\n{fonts}"
    );
}

#[test]
fn a_letter_is_refused_clearly_and_nothing_is_left_when_it_cannot_be_written_whole() {
    let data = tempfile::tempdir().expect("temp dir");
    let d = data.path().to_str().expect("utf-8");
    let dir = tempfile::tempdir().expect("temp dir");
    let id = draft(d);

    // A folder that is not there.
    let pdf = dir.path().join("missing").join("信件.pdf");
    let (code, out, err) = run(&["--data-dir", d, "letter", &id, pdf.to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!out.contains(NAME) && !err.contains(NAME), "{err}");

    // A name with a character the typeface lacks (biáng, U+30EDE): refused, naming the field and
    // not its text, and no file is written.
    let (code, _, err) = run(&[
        "--data-dir",
        d,
        "draft",
        "set",
        &id,
        "--set",
        "name=王\u{30EDE}",
    ]);
    assert_eq!(code, 0, "{err}");
    let pdf = dir.path().join("信件.pdf");
    let (code, _, err) = run(&["--data-dir", d, "letter", &id, pdf.to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    assert!(err.contains("Petitioner's name"), "{err}");
    assert!(!err.contains('王') && !err.contains('\u{30EDE}'), "{err}");
    assert!(!pdf.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("the folder")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(left.is_empty(), "nothing is left: {left:?}");

    // In Chinese too.
    let out = petitionctl()
        .env("LANG", "zh_CN.UTF-8")
        .args(["--data-dir", d, "letter", &id, pdf.to_str().expect("utf-8")])
        .output()
        .expect("run petitionctl");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("信访人姓名") && err.contains("信件没有生成"),
        "{err}"
    );
}
