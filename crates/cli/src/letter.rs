//! `petitionctl letter`: a draft printed as a formal letter (PDF), for citizens who post their
//! petition (来信) or keep a paper copy of it. The letter itself is `petition-letter`'s; this
//! module reads the petition and its attachments from the store, fills a [`Letter`] in, and
//! writes the file so that it is there whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use petition_core::i18n::{Lang, text};
use petition_core::model::State;
use petition_core::{Petition, Purpose, Store};
use petition_letter::{Date, Letter};

#[derive(Debug, Args)]
pub struct LetterArgs {
    /// The draft (its id, or the start of it).
    id: String,
    /// The PDF to write; one that is there is replaced.
    out: PathBuf,
    /// The office the letter goes to (default: the petition bureau of the place it is about,
    /// 信访部门 when the draft names no place).
    #[arg(long, value_name = "OFFICE")]
    to: Option<String>,
    /// The office's postal address, printed above its name.
    #[arg(long, value_name = "ADDRESS")]
    to_address: Option<String>,
    /// The office's postcode, printed above its address.
    #[arg(long, value_name = "CODE")]
    postcode: Option<String>,
}

pub async fn letter(store: &Store, args: LetterArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let id = crate::resolve(store, &args.id).await?;
    let petition = store.drafts().get(&id).await?;
    let status = store.outbox().petition_status(&id).await?;
    let attachments = store
        .attachments()
        .list(&id)
        .await?
        .into_iter()
        .map(|a| (a.file_name, a.bytes))
        .collect();
    let reference = match status.tracking_code {
        Some(code) => Some((Lang::Zh.text("letter-reference-tracking_code"), code)),
        None if matches!(petition.state, State::Queued | State::Uploading) => {
            Some((Lang::Zh.text("letter-reference-submission"), id.clone()))
        }
        None => None,
    };
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
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
    let letter = Letter {
        addressee: args.to.unwrap_or_else(|| addressee(&region)),
        addressee_address: args.to_address,
        postcode: args.postcode,
        reference,
        name,
        id_number,
        phone,
        address,
        email,
        place: place_label(&region),
        agency,
        category,
        purpose: purpose_label(&purpose),
        title,
        request,
        facts,
        reasons,
        attachments,
        date: Date {
            year: today.year(),
            month: today.month(),
            day: today.day(),
        },
    };
    let pdf = petition_letter::render(&letter).map_err(|e| match e {
        petition_letter::Error::MissingGlyph(part) => anyhow::anyhow!(
            "{}",
            text(
                lang,
                "cli-letter-missing_glyph",
                &[("part", part.label(lang).into())]
            )
        ),
        other => anyhow::anyhow!(
            "{}",
            text(
                lang,
                "cli-letter-failed",
                &[("error", other.to_string().into())]
            )
        ),
    })?;
    write_whole(&args.out, &pdf, lang)?;
    Ok(ExitCode::SUCCESS)
}

/// The place a region code names, as its full path (陕西省 › 西安市 › 莲湖区). For now the code
/// itself: the region lookup takes this function's place.
fn place_label(code: &str) -> String {
    code.trim().to_owned()
}

/// The petition office of the place `region` names, or 信访部门 when it names none.
fn addressee(region: &str) -> String {
    if region.trim().is_empty() {
        return Lang::Zh.text("letter-addressee-default");
    }
    let place = place_label(region);
    // The office of the smallest area of the path.
    let smallest = place.rsplit('›').next().unwrap_or(&place).trim();
    text(
        Lang::Zh,
        "letter-addressee-of_place",
        &[("place", smallest.into())],
    )
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

/// `bytes` written to `out` through a temporary file in the same folder, renamed over `out` once
/// it is complete and on disk: a reader never finds half a letter. The file is readable by its
/// owner only, as every file holding a citizen's data.
fn write_whole(out: &Path, bytes: &[u8], lang: Lang) -> anyhow::Result<()> {
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        anyhow::bail!(
            "{}",
            text(
                lang,
                "cli-letter-no_folder",
                &[("folder", folder.display().to_string().into())]
            )
        );
    }
    let cannot_write = |e: std::io::Error| {
        anyhow::anyhow!(
            "{}",
            text(
                lang,
                "cli-letter-cannot_write",
                &[
                    ("file", out.display().to_string().into()),
                    ("error", e.to_string().into()),
                ]
            )
        )
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(cannot_write)?;
    file.write_all(bytes).map_err(cannot_write)?;
    file.as_file().sync_all().map_err(cannot_write)?;
    file.persist(out).map_err(|e| cannot_write(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letter_goes_to_the_office_of_the_smallest_area_or_to_the_petition_office() {
        assert_eq!(addressee(""), "信访部门");
        assert_eq!(addressee("610104"), "610104信访局");
        // What the region lookup will give.
        assert_eq!(
            text(
                Lang::Zh,
                "letter-addressee-of_place",
                &[("place", "莲湖区".into())]
            ),
            "莲湖区信访局"
        );
    }

    #[test]
    fn a_folder_that_is_not_there_is_an_error_and_nothing_is_written() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let out = dir.path().join("missing").join("letter.pdf");
        let err = write_whole(&out, b"%PDF-", Lang::En).expect_err("no folder");
        assert!(err.to_string().contains("does not exist"), "{err}");
        let out = dir.path().join("letter.pdf");
        write_whole(&out, b"%PDF-1", Lang::En).expect("written");
        write_whole(&out, b"%PDF-2", Lang::En).expect("replaced");
        assert_eq!(std::fs::read(&out).expect("the letter"), b"%PDF-2");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("the folder")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        assert_eq!(left, ["letter.pdf"], "no temporary file is left behind");
    }
}
