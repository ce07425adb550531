//! A petition as a formal Chinese letter on A4 paper (the 来信 channel), as PDF bytes.
//!
//! [`render`] lays a [`Letter`] out the way a letter to a petition bureau is written: the
//! addressee at the top, the title centred, then what 信访工作条例 第十九条 asks of a petition (the
//! petitioner's name, address and contact, the request, the facts and the reasons), the other
//! fields, the attachments (附件), a signature line and the date; every page ends with
//! 第 N 页 共 M 页. The letter is always in Chinese: it goes to a Chinese bureau. Its headings and
//! labels are the message catalogue's `letter-*` texts.
//!
//! The text is set in one embedded typeface (a subset of Noto Serif CJK SC, `fonts/`, remade by
//! `scripts/vendor-letter-font`); krilla embeds a subset of it with a ToUnicode map, so the
//! letter prints the same on any machine and its text can be copied and searched. Lines are
//! broken by the rules of `wrap.rs` (Chinese between any two characters, never before closing
//! punctuation; Latin at spaces). A character the typeface lacks is never left out of a citizen's
//! letter: [`render`] refuses with [`Error::MissingGlyph`], naming the part of the letter, never
//! its text.

mod wrap;

use std::fmt;

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use petition_messages::{Lang, text};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// Noto Serif CJK SC Regular, subset (`scripts/vendor-letter-font` says to what, and why).
const TYPEFACE: &[u8] = include_bytes!("../fonts/NotoSerifCJKsc-Regular-subset.otf");

/// A4, in PDF points (1/72 inch).
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// Margins after GB/T 9704 (official documents): 28 mm left, 26 mm right; 30 mm top and bottom
/// leave room for the footer.
const LEFT: f32 = 79.37;
const RIGHT: f32 = 73.7;
const TOP: f32 = 85.04;
const BOTTOM: f32 = 85.04;
const TEXT_WIDTH: f32 = PAGE_WIDTH - LEFT - RIGHT;
/// The footer's baseline, from the top of the page.
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 48.0;

const BODY_SIZE: f32 = 14.0;
const TITLE_SIZE: f32 = 20.0;
const FOOTER_SIZE: f32 = 10.5;
/// Line height as a multiple of the type size.
const LEADING: f32 = 1.8;
/// Where the baseline sits in a line of text, as a part of the type size from the line's top
/// (Noto's ascent is 0.88 em).
const ASCENT: f32 = 0.88;
/// The width of the stroke that makes the title and headings bolder than the body.
const BOLD_STROKE: f32 = 0.4;
/// The blank after 信访人（签名）：, in ems.
const SIGNATURE_RULE: f32 = 8.0;

const COLON: &str = "：";

/// A petition as it goes on paper. Empty texts are left out of the letter, not printed blank.
///
/// Every text is personal data: `Debug` shows none of it.
pub struct Letter {
    /// Who the letter goes to: "莲湖区信访局", or the office the citizen names.
    pub addressee: String,
    pub addressee_address: Option<String>,
    pub postcode: Option<String>,
    /// A label and a code the bureau gave (查询码 and the code) for a petition it has received.
    pub reference: Option<(String, String)>,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub email: String,
    /// Where the matter happened, as its full path ("陕西省 › 西安市 › 莲湖区").
    pub place: String,
    pub agency: String,
    pub category: String,
    /// The kind of matter in words (建议意见, 检举控告, 申诉求决).
    pub purpose: String,
    /// The letter's title; the catalogue's 信访信 when empty.
    pub title: String,
    /// The request, the facts and the reasons: one paragraph per line.
    pub request: String,
    pub facts: String,
    pub reasons: String,
    /// The attached files: name and size in bytes, in order.
    pub attachments: Vec<(String, u64)>,
    /// The day the letter is dated.
    pub date: Date,
}

impl fmt::Debug for Letter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Letter")
            .field("attachments", &self.attachments.len())
            .finish_non_exhaustive()
    }
}

/// A civil date, printed as 2026年12月2日.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i16,
    pub month: i8,
    pub day: i8,
}

/// A part of the letter, as an error names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Addressee,
    AddresseeAddress,
    Postcode,
    Reference,
    Name,
    IdNumber,
    Phone,
    Address,
    Email,
    Place,
    Agency,
    Category,
    Purpose,
    Title,
    Request,
    Facts,
    Reasons,
    Attachments,
}

impl Part {
    /// The part's name in `lang`, as the letter labels it.
    pub fn label(self, lang: Lang) -> String {
        lang.text(match self {
            Part::Addressee => "letter-part-addressee",
            Part::AddresseeAddress => "letter-part-addressee_address",
            Part::Postcode => "letter-part-postcode",
            Part::Reference => "letter-part-reference",
            Part::Name => "letter-name",
            Part::IdNumber => "letter-id_number",
            Part::Phone => "letter-phone",
            Part::Address => "letter-address",
            Part::Email => "letter-email",
            Part::Place => "letter-place",
            Part::Agency => "letter-agency",
            Part::Category => "letter-category",
            Part::Purpose => "letter-purpose",
            Part::Title => "letter-part-title",
            Part::Request => "letter-request",
            Part::Facts => "letter-facts",
            Part::Reasons => "letter-reasons",
            Part::Attachments => "letter-attachments",
        })
    }
}

/// Why a letter could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A character in this part of the letter is not in the letter's typeface, or is a control
    /// character: the letter is refused rather than printed without it. The text is not
    /// repeated here: it is personal data.
    #[error("the letter's typeface has no glyph for a character in its {0:?} part")]
    MissingGlyph(Part),
    /// The embedded typeface could not be read, or lacks a character of the letter's own words
    /// (a broken build).
    #[error(
        "the letter's embedded typeface cannot be read or lacks a character of the letter's own words"
    )]
    Typeface,
    /// krilla could not write the PDF.
    #[error("the letter's PDF could not be written")]
    Pdf(#[source] krilla::error::KrillaError),
}

/// The letter as a PDF file.
pub fn render(letter: &Letter) -> Result<Vec<u8>, Error> {
    let typeface = Typeface::new()?;
    let pages = layout(letter, &typeface)?;
    let font = Font::new(TYPEFACE.into(), 0).ok_or(Error::Typeface)?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().language("zh-CN".to_owned()).creator(text(
        Lang::Zh,
        "app-name",
        &[],
    )));
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a page size");
    for lines in &pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for line in lines {
            surface.set_fill(Some(Fill::default()));
            surface.set_stroke(line.bold.then(|| Stroke {
                width: BOLD_STROKE,
                ..Stroke::default()
            }));
            surface.draw_text(
                Point::from_xy(line.x, line.baseline),
                font.clone(),
                line.size,
                &line.text,
                false,
                TextDirection::Auto,
            );
            if let Some(rule) = line.rule {
                let start = line.x + typeface.width(&line.text, line.size);
                let mut path = PathBuilder::new();
                path.move_to(start, line.baseline + 2.0);
                path.line_to(start + rule, line.baseline + 2.0);
                if let Some(path) = path.finish() {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        width: 0.6,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(Error::Pdf)
}

/// The letter's typeface as far as laying text out needs it: which characters it has, and how
/// wide each is.
struct Typeface {
    charmap: skrifa::charmap::Charmap<'static>,
    metrics: skrifa::metrics::GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Typeface {
    fn new() -> Result<Typeface, Error> {
        let font = FontRef::new(TYPEFACE).map_err(|_| Error::Typeface)?;
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Ok(Typeface {
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    fn has(&self, c: char) -> bool {
        self.charmap.map(c).is_some_and(|g| g.to_u32() != 0)
    }

    /// The advance of `c`, in ems.
    fn advance(&self, c: char) -> f32 {
        self.charmap
            .map(c)
            .and_then(|g| self.metrics.advance_width(g))
            .map_or(0.0, |w| w / self.units_per_em)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// `text` ready to set: carriage returns and invisible characters (zero-width spaces and
    /// joiners, variation selectors, byte-order marks) taken out, tabs made spaces; an error
    /// naming `part` if a character is left that the typeface cannot show.
    fn printable(&self, part: Part, text: &str) -> Result<String, Error> {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\r'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
                | '\u{FE00}'..='\u{FE0F}' => {}
                '\t' => out.push(' '),
                '\n' => out.push('\n'),
                c if !c.is_control() && self.has(c) => out.push(c),
                _ => return Err(Error::MissingGlyph(part)),
            }
        }
        Ok(out)
    }

    /// The letter's own words (the catalogue's), checked as [`Typeface::printable`] does.
    fn ours(&self, text: String) -> Result<String, Error> {
        if text.chars().all(|c| self.has(c)) {
            Ok(text)
        } else {
            Err(Error::Typeface)
        }
    }
}

/// One line of text placed on a page.
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    x: f32,
    /// From the top of the page.
    baseline: f32,
    text: String,
    size: f32,
    bold: bool,
    /// A blank of this width drawn after the text (the signature line).
    rule: Option<f32>,
}

/// One line of text before it is put on a page.
#[derive(Debug, Clone)]
struct Line {
    x: f32,
    text: String,
    size: f32,
    bold: bool,
    /// Space above the line, unless it starts a page.
    gap: f32,
    /// Goes on the same page as the line after it (a heading, the signature above the date).
    keep_with_next: bool,
    rule: Option<f32>,
}

impl Line {
    fn height(&self) -> f32 {
        self.size * LEADING
    }
}

/// Lines, as a letter is built from them.
struct Lines<'a> {
    typeface: &'a Typeface,
    lines: Vec<Line>,
}

impl Lines<'_> {
    fn push(&mut self, x: f32, text: String, size: f32) -> &mut Line {
        self.lines.push(Line {
            x,
            text,
            size,
            bold: false,
            gap: 0.0,
            keep_with_next: false,
            rule: None,
        });
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }

    /// `text` wrapped to the text width, each line `align`ed.
    fn block(&mut self, text: &str, size: f32, align: Align, bold: bool, gap: f32) {
        let typeface = self.typeface;
        let width = TEXT_WIDTH / size;
        for (i, line) in text
            .lines()
            .flat_map(|l| wrap::wrap(l.trim(), width, width, |c| typeface.advance(c)))
            .enumerate()
        {
            let x = match align {
                Align::Left => LEFT,
                Align::Centre => LEFT + (TEXT_WIDTH - typeface.width(&line, size)) / 2.0,
            };
            let placed = self.push(x, line, size);
            placed.bold = bold;
            if i == 0 {
                placed.gap = gap;
            }
        }
    }

    /// `label：value`, the value's lines aligned after the label.
    fn labelled(&mut self, label: &str, value: &str, gap: f32) {
        let typeface = self.typeface;
        let label = format!("{label}{COLON}");
        let indent = typeface.width(&label, BODY_SIZE);
        let width = (TEXT_WIDTH - indent) / BODY_SIZE;
        for (i, line) in value
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .flat_map(|l| wrap::wrap(l, width, width, |c| typeface.advance(c)))
            .enumerate()
        {
            if i == 0 {
                self.push(LEFT, format!("{label}{line}"), BODY_SIZE).gap = gap;
            } else {
                self.push(LEFT + indent, line, BODY_SIZE);
            }
        }
    }

    /// A heading and its text, one paragraph per line, each indented by two characters.
    fn section(&mut self, heading: &str, body: &str) {
        let typeface = self.typeface;
        let heading_line = self.push(LEFT, heading.to_owned(), BODY_SIZE);
        heading_line.bold = true;
        heading_line.gap = BODY_SIZE * 0.6;
        heading_line.keep_with_next = true;
        let width = TEXT_WIDTH / BODY_SIZE;
        for paragraph in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            for (i, line) in wrap::wrap(paragraph, width - 2.0, width, |c| typeface.advance(c))
                .into_iter()
                .enumerate()
            {
                let x = if i == 0 { LEFT + 2.0 * BODY_SIZE } else { LEFT };
                self.push(x, line, BODY_SIZE);
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Align {
    Left,
    Centre,
}

/// The letter's pages, each with its lines placed and its footer last.
fn layout(letter: &Letter, typeface: &Typeface) -> Result<Vec<Vec<Placed>>, Error> {
    let zh = Lang::Zh;
    let clean = |part, s: &str| typeface.printable(part, s.trim());
    let mut lines = Lines {
        typeface,
        lines: Vec::new(),
    };

    if let Some(postcode) = &letter.postcode {
        let postcode = clean(Part::Postcode, postcode)?;
        if !postcode.is_empty() {
            let line = text(zh, "letter-postcode", &[("code", postcode.into())]);
            lines.block(&line, BODY_SIZE, Align::Left, false, 0.0);
        }
    }
    if let Some(address) = &letter.addressee_address {
        let address = clean(Part::AddresseeAddress, address)?;
        lines.block(&address, BODY_SIZE, Align::Left, false, 0.0);
    }
    let addressee = clean(Part::Addressee, &letter.addressee)?;
    let addressee = if addressee.is_empty() {
        typeface.ours(zh.text("letter-addressee-default"))?
    } else {
        addressee
    };
    let salutation = text(zh, "letter-salutation", &[("addressee", addressee.into())]);
    lines.block(&salutation, BODY_SIZE, Align::Left, false, 0.0);

    let title = clean(Part::Title, &letter.title)?;
    let title = if title.is_empty() {
        typeface.ours(zh.text("letter-title-default"))?
    } else {
        title
    };
    lines.block(&title, TITLE_SIZE, Align::Centre, true, TITLE_SIZE * 0.6);

    let mut gap = BODY_SIZE * 0.6;
    let details = [
        (Part::Name, &letter.name),
        (Part::IdNumber, &letter.id_number),
        (Part::Address, &letter.address),
        (Part::Phone, &letter.phone),
        (Part::Email, &letter.email),
        (Part::Place, &letter.place),
        (Part::Agency, &letter.agency),
        (Part::Category, &letter.category),
        (Part::Purpose, &letter.purpose),
    ];
    for (part, value) in details {
        let value = clean(part, value)?;
        if !value.is_empty() {
            lines.labelled(&part.label(zh), &value, gap);
            gap = 0.0;
        }
    }
    if let Some((label, code)) = &letter.reference {
        let label = clean(Part::Reference, label)?;
        let code = clean(Part::Reference, code)?;
        if !code.is_empty() {
            lines.labelled(&label, &code, gap);
        }
    }

    for (part, body) in [
        (Part::Request, &letter.request),
        (Part::Facts, &letter.facts),
        (Part::Reasons, &letter.reasons),
    ] {
        let body = clean(part, body)?;
        if !body.is_empty() {
            lines.section(&part.label(zh), &body);
        }
    }

    let attachments = letter
        .attachments
        .iter()
        .enumerate()
        .map(|(i, (name, bytes))| {
            let name = clean(Part::Attachments, name)?.replace('\n', " ");
            Ok(text(
                zh,
                "letter-attachment",
                &[
                    ("n", (i + 1).to_string().into()),
                    ("name", name.into()),
                    ("size", size_in_words(*bytes).into()),
                ],
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    if !attachments.is_empty() {
        lines.labelled(
            &Part::Attachments.label(zh),
            &attachments.join("\n"),
            BODY_SIZE * 0.6,
        );
    }

    let signature = typeface.ours(zh.text("letter-signature"))?;
    let signature_width = typeface.width(&signature, BODY_SIZE) + SIGNATURE_RULE * BODY_SIZE;
    let right = LEFT + TEXT_WIDTH - BODY_SIZE;
    let signed = lines.push(right - signature_width, signature, BODY_SIZE);
    signed.gap = BODY_SIZE * LEADING;
    signed.keep_with_next = true;
    signed.rule = Some(SIGNATURE_RULE * BODY_SIZE);
    let d = letter.date;
    let date = text(
        zh,
        "letter-date",
        &[
            ("year", d.year.to_string().into()),
            ("month", d.month.to_string().into()),
            ("day", d.day.to_string().into()),
        ],
    );
    let date = typeface.ours(date)?;
    let x = right - typeface.width(&date, BODY_SIZE);
    lines.push(x, date, BODY_SIZE);

    let mut pages = paginate(&lines.lines);
    let count = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        let footer = text(
            zh,
            "letter-page",
            &[
                ("page", (i + 1).to_string().into()),
                ("pages", count.to_string().into()),
            ],
        );
        let footer = typeface.ours(footer)?;
        page.push(Placed {
            x: (PAGE_WIDTH - typeface.width(&footer, FOOTER_SIZE)) / 2.0,
            baseline: FOOTER_BASELINE,
            text: footer,
            size: FOOTER_SIZE,
            bold: false,
            rule: None,
        });
    }
    Ok(pages)
}

/// `lines` put on as many pages as they need, top to bottom; a line kept with the next goes over
/// to the next page with it, unless the two would not fit on any page.
fn paginate(lines: &[Line]) -> Vec<Vec<Placed>> {
    let bottom = PAGE_HEIGHT - BOTTOM;
    let mut pages = vec![Vec::new()];
    let mut y = TOP;
    for (i, line) in lines.iter().enumerate() {
        // This line and every line it is kept with.
        let mut needed = line.gap + line.height();
        let mut j = i;
        while lines[j].keep_with_next && j + 1 < lines.len() {
            j += 1;
            needed += lines[j].gap + lines[j].height();
        }
        let at_top = y == TOP;
        let group_moves = y + needed > bottom && TOP + needed - line.gap <= bottom;
        let line_moves = y + line.gap + line.height() > bottom;
        if !at_top && (group_moves || line_moves) {
            pages.push(Vec::new());
            y = TOP;
        }
        if y != TOP {
            y += line.gap;
        }
        let page = pages.last_mut().expect("there is always a page");
        page.push(Placed {
            x: line.x,
            baseline: y + (line.height() - line.size) / 2.0 + ASCENT * line.size,
            text: line.text.clone(),
            size: line.size,
            bold: line.bold,
            rule: line.rule,
        });
        y += line.height();
    }
    pages
}

/// A file size as a reader wants it: 820 字节, 56 KB, 1.2 MB.
fn size_in_words(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let zh = Lang::Zh;
    if bytes < KB {
        text(zh, "letter-size-bytes", &[("n", bytes.to_string().into())])
    } else if bytes < MB {
        let n = bytes.div_ceil(KB);
        text(zh, "letter-size-kb", &[("n", n.to_string().into())])
    } else {
        // One decimal, rounded half up, in integers.
        let tenths = (bytes * 10 + MB / 2) / MB;
        let n = format!("{}.{}", tenths / 10, tenths % 10);
        text(zh, "letter-size-mb", &[("n", n.into())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invented citizen.
    fn letter() -> Letter {
        Letter {
            addressee: "莲湖区信访局".to_owned(),
            addressee_address: Some("西安市莲湖区北大街 1 号".to_owned()),
            postcode: Some("710003".to_owned()),
            reference: None,
            name: "王丽".to_owned(),
            id_number: "11010519491231002X".to_owned(),
            phone: "029-88886666".to_owned(),
            address: "西安市雁塔区小寨东路1号".to_owned(),
            email: String::new(),
            place: "陕西省 › 西安市 › 莲湖区".to_owned(),
            agency: String::new(),
            category: "城乡建设".to_owned(),
            purpose: "申诉求决".to_owned(),
            title: "小区门前道路破损".to_owned(),
            request: "请尽快修复道路。".to_owned(),
            facts: "雨天积水，老人出行不便。\n已经三个月。".to_owned(),
            reasons: "道路属于市政设施。".to_owned(),
            attachments: vec![
                ("照片1.jpg".to_owned(), 1_234_567),
                ("合同.pdf".to_owned(), 800),
            ],
            date: Date {
                year: 2026,
                month: 12,
                day: 2,
            },
        }
    }

    fn pages(letter: &Letter) -> Vec<Vec<Placed>> {
        layout(letter, &Typeface::new().expect("the typeface")).expect("a layout")
    }

    fn texts(page: &[Placed]) -> Vec<&str> {
        page.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn a_short_letter_is_one_page_in_the_order_of_a_formal_letter() {
        let pages = pages(&letter());
        assert_eq!(pages.len(), 1);
        let got = texts(&pages[0]);
        let expected = [
            "邮政编码：710003",
            "西安市莲湖区北大街 1 号",
            "莲湖区信访局：",
            "小区门前道路破损",
            "信访人姓名：王丽",
            "公民身份号码：11010519491231002X",
            "住址：西安市雁塔区小寨东路1号",
            "联系电话：029-88886666",
            "问题发生地：陕西省 › 西安市 › 莲湖区",
            "问题类别：城乡建设",
            "信访目的：申诉求决",
            "信访请求",
            "请尽快修复道路。",
            "事实",
            "雨天积水，老人出行不便。",
            "已经三个月。",
            "理由",
            "道路属于市政设施。",
            "附件：1. 照片1.jpg（1.2 MB）",
            "2. 合同.pdf（800 字节）",
            "信访人（签名）：",
            "2026年12月2日",
            "第 1 页 共 1 页",
        ];
        assert_eq!(got, expected);
        // Empty fields (email, agency) are left out, not printed blank.
        assert!(
            !got.iter()
                .any(|l| l.starts_with("电子邮箱") || l.starts_with("涉及单位"))
        );
    }

    #[test]
    fn long_facts_go_over_several_pages_each_with_its_footer_and_nothing_is_lost() {
        let mut letter = letter();
        let sentence = "二〇二六年三月起，小区门前的道路多处塌陷，雨天积水没过脚踝，Lao Wang 的电动车也摔坏了。";
        let facts: String = sentence.chars().cycle().take(20_000).collect();
        letter.facts = facts.clone();
        let pages = pages(&letter);
        assert!(pages.len() >= 10, "{} pages", pages.len());
        let n = pages.len();
        let mut body = String::new();
        for (i, page) in pages.iter().enumerate() {
            let footer = page.last().expect("a page has lines");
            assert_eq!(footer.text, format!("第 {} 页 共 {n} 页", i + 1));
            assert_eq!(footer.baseline, FOOTER_BASELINE);
            for line in &page[..page.len() - 1] {
                assert!(
                    line.baseline < PAGE_HEIGHT - BOTTOM,
                    "{line:?} runs into the footer"
                );
                assert!(line.baseline > TOP, "{line:?} runs into the top margin");
                let width = Typeface::new()
                    .expect("typeface")
                    .width(&line.text, line.size);
                assert!(
                    line.x + width <= PAGE_WIDTH - RIGHT + 0.01,
                    "{line:?} runs into the right margin"
                );
            }
            body.extend(page[..page.len() - 1].iter().map(|l| l.text.as_str()));
        }
        // Wrapping drops only the spaces it breaks at.
        let squeeze = |s: &str| s.replace(' ', "");
        let (body, facts) = (squeeze(&body), squeeze(&facts));
        let at = body.find("事实").expect("the heading") + "事实".len();
        let printed: String = body[at..].chars().take(facts.chars().count()).collect();
        let same = printed
            .chars()
            .zip(facts.chars())
            .take_while(|(a, b)| a == b)
            .count();
        assert_eq!(printed, facts, "differs after {same} characters");
        let bytes = render(&letter).expect("a PDF");
        assert!(bytes.starts_with(b"%PDF-"));
    }

    #[test]
    fn a_heading_is_never_the_last_line_of_a_page() {
        // Push 事实's heading to the bottom of page 1 by a growing request, and look at every
        // page break.
        for lines in 0..30 {
            let mut letter = letter();
            letter.request = vec!["请尽快修复道路。"; lines].join("\n");
            for page in pages(&letter) {
                let before_footer = &page[page.len().saturating_sub(2)];
                assert!(
                    !before_footer.bold,
                    "{lines}: {before_footer:?} ends a page"
                );
            }
        }
    }

    #[test]
    fn a_character_the_typeface_lacks_is_an_error_naming_the_part_not_its_text() {
        let typeface = Typeface::new().expect("the typeface");
        // biáng (U+30EDE, extension G): in no standard list of hanzi in use.
        let rare = '\u{30EDE}';
        assert!(!typeface.has(rare));
        let mut with_rare_name = letter();
        with_rare_name.name = format!("王{rare}");
        let err = render(&with_rare_name).expect_err("refused");
        assert!(matches!(err, Error::MissingGlyph(Part::Name)), "{err:?}");
        assert!(!err.to_string().contains('王'), "{err}");
        assert_eq!(Part::Name.label(Lang::Zh), "信访人姓名");

        let mut with_control = letter();
        with_control.facts = "雨天\u{7}积水".to_owned();
        let err = render(&with_control).expect_err("refused");
        assert!(matches!(err, Error::MissingGlyph(Part::Facts)), "{err:?}");

        let mut attachment = letter();
        attachment.attachments[1].0 = format!("{rare}.pdf");
        let err = render(&attachment).expect_err("refused");
        assert!(
            matches!(err, Error::MissingGlyph(Part::Attachments)),
            "{err:?}"
        );
    }

    #[test]
    fn invisible_characters_and_carriage_returns_are_taken_out_tabs_become_spaces() {
        let typeface = Typeface::new().expect("the typeface");
        let got = typeface
            .printable(Part::Facts, "雨天\u{200B}积水\r\n第二\t段\u{FE0F}")
            .expect("printable");
        assert_eq!(got, "雨天积水\n第二 段");
    }

    #[test]
    fn the_pdf_embeds_a_subset_of_the_typeface_with_a_map_back_to_unicode() {
        let bytes = render(&letter()).expect("a PDF");
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(
            has(b"/FontFile3") || has(b"/FontFile2"),
            "the font is embedded"
        );
        assert!(has(b"/ToUnicode"));
        assert!(has(b"NotoSerifCJK"), "the font is named");
        assert!(
            bytes.len() < 200_000,
            "a one-page letter holds a subset, not the whole typeface: {} bytes",
            bytes.len()
        );
    }

    #[test]
    fn sizes_are_in_bytes_kilobytes_or_megabytes() {
        assert_eq!(size_in_words(800), "800 字节");
        assert_eq!(size_in_words(1024), "1 KB");
        assert_eq!(size_in_words(56 * 1024 + 1), "57 KB");
        assert_eq!(size_in_words(1_234_567), "1.2 MB");
        assert_eq!(size_in_words(10 * 1024 * 1024), "10.0 MB");
    }
}
