//! A petition as a letter for the 来信 channel, for `petitionctl letter` and the app alike: the
//! draft read from the store, its place named from the catalogue (陕西省 › 西安市 › 莲湖区, never the
//! code), the letter addressed to the 信访 office the catalogue names for that place (with its
//! postal address and 邮编), and, once the petition is submitted, its 提交编号 or 查询码. The page
//! itself is `petition-letter`'s; the file is written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

pub use petition_letter::{Date, Letter, Part};

use crate::catalog::Catalogue;
use crate::i18n::{Lang, text};
use crate::model::State;
use crate::{Error, Petition, Purpose, Result, Store};

/// Why no letter was made or written.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    /// A character in this part is not in the letter's typeface: the letter is refused rather
    /// than printed without it. The part is named, never its text.
    #[error("the letter's typeface has no glyph for a character in its {0:?} part")]
    MissingGlyph(Part),
    /// The PDF could not be made (a broken build: the embedded typeface cannot be read).
    #[error("the letter could not be made")]
    Render(#[source] petition_letter::Error),
    /// The folder to write into is not there.
    #[error("the letter's folder does not exist")]
    NoFolder(PathBuf),
    /// The file could not be written (disk full, no permission, …).
    #[error("the letter could not be written")]
    CannotWrite {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl LetterError {
    pub fn code(&self) -> &'static str {
        match self {
            LetterError::MissingGlyph(_) => "letter_missing_glyph",
            LetterError::Render(_) => "letter_failed",
            LetterError::NoFolder(_) => "letter_no_folder",
            LetterError::CannotWrite { .. } => "letter_cannot_write",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            LetterError::MissingGlyph(part) => {
                text(lang, self.code(), &[("part", part.label(lang).into())])
            }
            LetterError::Render(_) => lang.text(self.code()),
            LetterError::NoFolder(folder) => text(
                lang,
                self.code(),
                &[("folder", folder.display().to_string().into())],
            ),
            LetterError::CannotWrite { file, source } => text(
                lang,
                self.code(),
                &[
                    ("file", file.display().to_string().into()),
                    ("error", source.to_string().into()),
                ],
            ),
        }
    }
}

/// Who the letter goes to when the citizen names the office: each part given replaces the
/// catalogue's.
#[derive(Debug, Default, Clone)]
pub struct Addressee {
    pub office: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
}

impl Store {
    /// The letter of petition `id` (a draft, or one submitted or answered), dated `date`.
    pub async fn letter(&self, id: &str, to: Addressee, date: Date) -> Result<Letter> {
        let petition = self.drafts().get(id).await?;
        let status = self.outbox().petition_status(id).await?;
        let attachments = self
            .attachments()
            .list(id)
            .await?
            .into_iter()
            .map(|a| (a.file_name, a.bytes))
            .collect();
        let reference = match status.tracking_code {
            Some(code) => Some((Lang::Zh.text("letter-reference-tracking_code"), code)),
            None if matches!(petition.state, State::Queued | State::Uploading) => {
                Some((Lang::Zh.text("letter-reference-submission"), id.to_owned()))
            }
            None => None,
        };
        let catalogue = self.catalog().await?;
        Ok(compose(
            petition,
            &catalogue,
            to,
            reference,
            attachments,
            date,
        ))
    }
}

fn compose(
    petition: Petition,
    catalogue: &Catalogue,
    to: Addressee,
    reference: Option<(String, String)>,
    attachments: Vec<(String, u64)>,
    date: Date,
) -> Letter {
    let Petition {
        name,
        id_number,
        phone,
        address,
        email,
        region,
        agency,
        category,
        purpose,
        title,
        request,
        facts,
        reasons,
        ..
    } = petition;
    let region = region.trim();
    let office = catalogue.office_for(region);
    let addressee = to
        .office
        .or_else(|| office.map(|o| o.name.clone()))
        .unwrap_or_else(|| office_of_place(catalogue, region));
    let from_catalogue = to.address.is_none() && to.postcode.is_none();
    let (addressee_address, postcode) = if from_catalogue {
        (
            office.and_then(|o| o.address.clone()),
            office.and_then(|o| o.postcode.clone()),
        )
    } else {
        (to.address, to.postcode)
    };
    Letter {
        addressee,
        addressee_address,
        postcode,
        reference,
        name,
        id_number,
        phone,
        address,
        email,
        place: catalogue
            .places()
            .label(region)
            .unwrap_or_else(|| region.to_owned()),
        agency,
        category,
        purpose: purpose_label(&purpose),
        title,
        request,
        facts,
        reasons,
        attachments,
        date,
    }
}

/// With no office in the catalogue: the 信访局 of the place itself (莲湖区信访局), or 信访部门 when
/// the draft names no place the list has.
fn office_of_place(catalogue: &Catalogue, region: &str) -> String {
    match catalogue.places().get(region) {
        Some(place) => text(
            Lang::Zh,
            "letter-addressee-of_place",
            &[("place", place.name.clone().into())],
        ),
        None => Lang::Zh.text("letter-addressee-default"),
    }
}

/// The kind of matter in words, in Chinese; empty when the draft has none yet.
fn purpose_label(key: &str) -> String {
    match Purpose::parse(key) {
        Some(Purpose::Suggestion) => Lang::Zh.text("purpose-suggestion"),
        Some(Purpose::Accusation) => Lang::Zh.text("purpose-accusation"),
        Some(Purpose::Claim) => Lang::Zh.text("purpose-claim"),
        None => String::new(),
    }
}

/// The letter as PDF bytes.
pub fn render(letter: &Letter) -> Result<Vec<u8>> {
    petition_letter::render(letter).map_err(|e| {
        Error::Letter(match e {
            petition_letter::Error::MissingGlyph(part) => LetterError::MissingGlyph(part),
            other => LetterError::Render(other),
        })
    })
}

/// Today in the machine's time zone, as the letter dates it.
pub fn today() -> Date {
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    Date {
        year: today.year(),
        month: today.month(),
        day: today.day(),
    }
}

/// `bytes` written to `out` through a temporary file in the same folder, renamed over `out` once
/// it is complete and on disk: a reader never finds half a letter. The file is readable by its
/// owner only, as every file holding a citizen's data.
pub fn write_whole(out: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(Error::Letter(LetterError::NoFolder(folder.to_owned())));
    }
    let cannot_write = |source: std::io::Error| {
        Error::Letter(LetterError::CannotWrite {
            file: out.to_owned(),
            source,
        })
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(cannot_write)?;
    file.write_all(bytes).map_err(cannot_write)?;
    file.as_file().sync_all().map_err(cannot_write)?;
    // Closed before the move (Windows moves no open file), and moved durably.
    let temp = file.into_temp_path();
    petition_platform::fs::replace(&temp, out).map_err(cannot_write)?;
    // The file is at `out` now: nothing is left for the temporary path to remove.
    let _ = temp.keep();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(region: &str) -> Petition {
        let empty = String::new;
        Petition {
            id: "id".to_owned(),
            created_at: empty(),
            updated_at: empty(),
            state: State::Draft,
            trashed_at: None,
            name: empty(),
            id_number: empty(),
            phone: empty(),
            address: empty(),
            email: empty(),
            region: region.to_owned(),
            agency: empty(),
            category: empty(),
            purpose: empty(),
            title: empty(),
            request: empty(),
            facts: empty(),
            reasons: empty(),
        }
    }

    fn date() -> Date {
        Date {
            year: 2026,
            month: 12,
            day: 3,
        }
    }

    #[test]
    fn with_no_catalogue_the_letter_goes_to_the_places_own_office_and_names_the_place() {
        let shipped = Catalogue::shipped();
        let letter = compose(
            draft("610104"),
            &shipped,
            Addressee::default(),
            None,
            vec![],
            date(),
        );
        assert_eq!(letter.addressee, "莲湖区信访局");
        assert_eq!(letter.place, "陕西省 › 西安市 › 莲湖区");
        assert_eq!(letter.addressee_address, None);
        let letter = compose(
            draft(""),
            &shipped,
            Addressee::default(),
            None,
            vec![],
            date(),
        );
        assert_eq!(letter.addressee, "信访部门");
        // A code the list does not have is printed as it is, never changed.
        let letter = compose(
            draft("610322"),
            &shipped,
            Addressee::default(),
            None,
            vec![],
            date(),
        );
        assert_eq!(letter.place, "610322");
        assert_eq!(letter.addressee, "信访部门");
    }

    #[test]
    fn the_catalogues_office_gives_its_name_address_and_postcode_unless_the_citizen_names_one() {
        let catalog: petition_api::Catalog = serde_json::from_value(serde_json::json!({
            "regions": [],
            "agencies": [],
            "categories": [],
            "attachment_limits": {
                "max_bytes": 1,
                "max_files": 1,
                "media_types": [],
                "upload_expiry_seconds": 1
            },
            "regions_source": "",
            "offices": [{
                "region": "610100",
                "name": "西安市信访局",
                "address": "西安市未央区凤城八路109号",
                "postcode": "710007"
            }]
        }))
        .expect("a catalogue");
        let catalogue = Catalogue::with_bureau(catalog, None);
        let letter = compose(
            draft("610104"),
            &catalogue,
            Addressee::default(),
            None,
            vec![],
            date(),
        );
        assert_eq!(letter.addressee, "西安市信访局");
        assert_eq!(
            letter.addressee_address.as_deref(),
            Some("西安市未央区凤城八路109号")
        );
        assert_eq!(letter.postcode.as_deref(), Some("710007"));
        let named = Addressee {
            office: Some("陕西省信访局".to_owned()),
            address: Some("西安市新城区".to_owned()),
            postcode: None,
        };
        let letter = compose(draft("610104"), &catalogue, named, None, vec![], date());
        assert_eq!(letter.addressee, "陕西省信访局");
        assert_eq!(letter.addressee_address.as_deref(), Some("西安市新城区"));
        assert_eq!(letter.postcode, None, "not mixed with the catalogue's");
    }

    #[test]
    fn a_folder_that_is_not_there_is_an_error_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let out = dir.path().join("missing").join("letter.pdf");
        let err = write_whole(&out, b"%PDF-").expect_err("no folder");
        assert_eq!(err.code(), "letter_no_folder");
        assert!(err.message(Lang::En).contains("does not exist"), "{err}");
        let out = dir.path().join("letter.pdf");
        write_whole(&out, b"%PDF-1").expect("written");
        write_whole(&out, b"%PDF-2").expect("replaced");
        assert_eq!(std::fs::read(&out).expect("the letter"), b"%PDF-2");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("the folder")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        assert_eq!(left, ["letter.pdf"], "no temporary file is left behind");
    }
}
