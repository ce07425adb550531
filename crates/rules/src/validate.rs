//! What would stop a petition from being submitted.
//!
//! [`check`] lists every problem at once, each tied to its field, so the form can show them next
//! to the fields. Drafts may be incomplete; these rules apply only when a petition is checked or
//! submitted. The bureau runs the same rules on what it receives.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use crate::i18n::Lang;
use crate::model::{Field, Petition, Purpose};

/// One problem with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Problem {
    pub field: Field,
    pub code: ProblemCode,
}

/// Why a field stops submission. The snake_case names are stable codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The field is required and empty.
    Required,
    /// A resident ID is 17 digits and a check character (digit or X).
    IdNumberFormat,
    /// The check character does not match (GB 11643).
    IdNumberChecksum,
    /// The birth date inside the ID is not a real date, or lies in the future.
    IdNumberBirthDate,
    /// The first two digits name no province.
    IdNumberRegion,
    /// Neither a mainland mobile number nor a landline with area code.
    PhoneInvalid,
    EmailInvalid,
    /// Not a six-digit GB/T 2260 code.
    RegionInvalid,
    PurposeInvalid,
    TooLong,
    /// A well-formed region code that the bureau's catalogue does not have.
    UnknownRegion,
    /// A category that is not one of the bureau's catalogue.
    UnknownCategory,
}

impl ProblemCode {
    pub fn code(self) -> &'static str {
        match self {
            ProblemCode::Required => "required",
            ProblemCode::IdNumberFormat => "id_number_format",
            ProblemCode::IdNumberChecksum => "id_number_checksum",
            ProblemCode::IdNumberBirthDate => "id_number_birth_date",
            ProblemCode::IdNumberRegion => "id_number_region",
            ProblemCode::PhoneInvalid => "phone_invalid",
            ProblemCode::EmailInvalid => "email_invalid",
            ProblemCode::RegionInvalid => "region_invalid",
            ProblemCode::PurposeInvalid => "purpose_invalid",
            ProblemCode::TooLong => "too_long",
            ProblemCode::UnknownRegion => "unknown_region",
            ProblemCode::UnknownCategory => "unknown_category",
        }
    }

    /// Every problem.
    pub const ALL: [ProblemCode; 12] = [
        ProblemCode::Required,
        ProblemCode::IdNumberFormat,
        ProblemCode::IdNumberChecksum,
        ProblemCode::IdNumberBirthDate,
        ProblemCode::IdNumberRegion,
        ProblemCode::PhoneInvalid,
        ProblemCode::EmailInvalid,
        ProblemCode::RegionInvalid,
        ProblemCode::PurposeInvalid,
        ProblemCode::TooLong,
        ProblemCode::UnknownRegion,
        ProblemCode::UnknownCategory,
    ];

    /// The problem of a stable code ([`ProblemCode::code`]).
    pub fn parse(code: &str) -> Option<ProblemCode> {
        ProblemCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The message shown next to the field (`problem-<code>` in the message catalogue).
    pub fn message(self, lang: Lang) -> String {
        lang.text(&format!("problem-{}", self.code()))
    }
}

/// The label of a field, as the form shows it (`field-<key>` in the message catalogue).
pub fn field_label(field: Field, lang: Lang) -> String {
    lang.text(&format!("field-{}", field.key()))
}

/// Fields that must be filled before a petition can be submitted. Agency and reasons may stay
/// empty: the bureau routes a petition whose agency the citizen does not know.
pub const REQUIRED: [Field; 10] = [
    Field::Name,
    Field::IdNumber,
    Field::Phone,
    Field::Address,
    Field::Region,
    Field::Category,
    Field::Purpose,
    Field::Title,
    Field::Request,
    Field::Facts,
];

/// Every problem that would stop submission, in form order. Empty means ready.
pub fn check(p: &Petition) -> Vec<Problem> {
    check_on(p, OffsetDateTime::now_utc().date())
}

/// [`check`] as of a given day (birth dates may not lie after it).
pub fn check_on(p: &Petition, today: Date) -> Vec<Problem> {
    let mut problems = Vec::new();
    for field in Field::ALL {
        // Lengths count what was typed, white space included (as the store does when it saves);
        // emptiness and formats are judged on the text without surrounding white space.
        if p.get(field).chars().count() > field.max_chars() {
            problems.push(Problem {
                field,
                code: ProblemCode::TooLong,
            });
            continue;
        }
        let value = p.get(field).trim();
        if value.is_empty() {
            if REQUIRED.contains(&field) {
                problems.push(Problem {
                    field,
                    code: ProblemCode::Required,
                });
            }
            continue;
        }
        let code = match field {
            Field::IdNumber => check_id_number(value, today).err(),
            Field::Phone => (!is_phone(value)).then_some(ProblemCode::PhoneInvalid),
            Field::Email => (!is_email(value)).then_some(ProblemCode::EmailInvalid),
            Field::Region => (!is_region_code(value)).then_some(ProblemCode::RegionInvalid),
            Field::Purpose => Purpose::parse(value)
                .is_none()
                .then_some(ProblemCode::PurposeInvalid),
            _ => None,
        };
        if let Some(code) = code {
            problems.push(Problem { field, code });
        }
    }
    problems
}

/// Province-level codes of GB/T 2260 (the first two digits of a resident ID and a region code).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [u8; 11] = *b"10X98765432";

/// The GB 11643 check character for the first 17 digits.
pub fn id_check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// Checks an 18-character resident ID number (GB 11643-1999).
pub fn check_id_number(id: &str, today: Date) -> Result<(), ProblemCode> {
    let bytes = id.as_bytes();
    if bytes.len() != 18
        || !bytes[..17].iter().all(u8::is_ascii_digit)
        || !(bytes[17].is_ascii_digit() || bytes[17] == b'X' || bytes[17] == b'x')
    {
        return Err(ProblemCode::IdNumberFormat);
    }
    let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
    if !PROVINCES.contains(&province) {
        return Err(ProblemCode::IdNumberRegion);
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        bytes[r]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    let birth = Month::try_from(month as u8)
        .ok()
        .and_then(|m| Date::from_calendar_date(year as i32, m, day as u8).ok());
    match birth {
        Some(d) if year >= 1880 && d <= today => {}
        _ => return Err(ProblemCode::IdNumberBirthDate),
    }
    let mut first17 = [0u8; 17];
    first17.copy_from_slice(&bytes[..17]);
    if id_check_char(&first17) != bytes[17].to_ascii_uppercase() {
        return Err(ProblemCode::IdNumberChecksum);
    }
    Ok(())
}

/// A mainland mobile number (optionally +86) or a landline with its area code.
/// Spaces, dashes and parentheses between digits are allowed.
pub fn is_phone(phone: &str) -> bool {
    let mut digits = String::with_capacity(phone.len());
    for c in phone.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Dashes of every width (the hint's example uses a non-breaking one, U+2011, so it
            // never breaks across lines, and a copied example must still be accepted).
            ' ' | '-' | '‐' | '‑' | '‒' | '–' | '—' | '－' | '(' | ')' | '（' | '）' =>
                {}
            '+' if digits.is_empty() => {}
            _ => return false,
        }
    }
    let digits = if phone.trim_start().starts_with('+') {
        match digits.strip_prefix("86") {
            Some(rest) => rest,
            None => return false,
        }
    } else {
        digits.as_str()
    };
    is_mobile(digits) || is_landline(digits)
}

/// The 11 digits of a mainland mobile number written as [`is_phone`] takes it (+86, spaces,
/// dashes), or `None` for a landline or anything else: the form an account's number is kept in.
pub fn mobile_number(phone: &str) -> Option<String> {
    if !is_phone(phone) {
        return None;
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.len() {
        13 => digits.strip_prefix("86")?.to_owned(),
        _ => digits,
    };
    is_mobile(&digits).then_some(digits)
}

/// A 查询码 as the bureau writes it (`XF-2345-6789-ABCD-EFGH`) from one typed off a letter or a
/// receipt: in either case, with or without the hyphens, with spaces; `None` when it cannot be
/// one (another length, a letter the codes never use).
pub fn tracking_code(typed: &str) -> Option<String> {
    const ALPHABET: &str = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let body = plain.strip_prefix("XF")?;
    if body.chars().count() != 16 || !body.chars().all(|c| ALPHABET.contains(c)) {
        return None;
    }
    let groups: Vec<&str> = (0..4).map(|i| &body[i * 4..i * 4 + 4]).collect();
    Some(format!("XF-{}", groups.join("-")))
}

/// A mobile number with its middle four digits hidden, as an account shows it: `139****4567`.
pub fn mask_mobile(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..3], &chars[chars.len() - 4..]);
    format!(
        "{}{}{}",
        head.iter().collect::<String>(),
        "*".repeat(chars.len() - 7),
        tail.iter().collect::<String>()
    )
}

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn is_landline(d: &str) -> bool {
    let b = d.as_bytes();
    if b.first() != Some(&b'0') {
        return false;
    }
    // 010 and 02x are followed by 8-digit numbers; other area codes have four digits and are
    // followed by 7 or 8. A local number never starts with 0 or 1.
    let (area, local) = if b.get(1) == Some(&b'1') || b.get(1) == Some(&b'2') {
        if b.get(1) == Some(&b'1') && b.get(2) != Some(&b'0') {
            return false;
        }
        b.split_at(3.min(b.len()))
    } else {
        b.split_at(4.min(b.len()))
    };
    let local_ok = match area.len() {
        3 => local.len() == 8,
        _ => local.len() == 7 || local.len() == 8,
    };
    area.len() >= 3 && local_ok && local[0] >= b'2'
}

/// A plain-form address: something@domain.tld, no spaces.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

/// A six-digit GB/T 2260 code whose first two digits name a province.
pub fn is_region_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 6
        && b.iter().all(u8::is_ascii_digit)
        && PROVINCES.contains(&((b[0] - b'0') * 10 + (b[1] - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn id(s: &str) -> Result<(), ProblemCode> {
        check_id_number(s, TODAY)
    }

    #[test]
    fn every_problem_code_reads_back_as_itself_and_as_serde_writes_it() {
        for code in ProblemCode::ALL {
            assert_eq!(ProblemCode::parse(code.code()), Some(code));
            assert_eq!(
                serde_json::to_value(code).expect("serialises"),
                serde_json::Value::String(code.code().into())
            );
        }
        let mut codes: Vec<_> = ProblemCode::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ProblemCode::ALL.len(), "each code once");
        assert_eq!(ProblemCode::parse("nonsense"), None);
    }

    /// Builds a valid ID from 17 digits by appending the right check character.
    fn with_check(first17: &str) -> String {
        let mut a = [0u8; 17];
        a.copy_from_slice(first17.as_bytes());
        format!("{first17}{}", id_check_char(&a) as char)
    }

    #[test]
    fn real_id_numbers_pass() {
        // The worked example of GB 11643-1999 and numbers whose check character is X.
        assert_eq!(id("11010519491231002X"), Ok(()));
        assert_eq!(id("440524188001010014"), Ok(()));
        assert_eq!(id("11010519491231002x"), Ok(()));
        assert_eq!(id(&with_check("61010219900307123")), Ok(()));
        assert_eq!(
            id(&with_check("61052520000229001")),
            Ok(()),
            "2000 was a leap year"
        );
    }

    #[test]
    fn broken_id_numbers_say_why() {
        assert_eq!(id("110105194912310021"), Err(ProblemCode::IdNumberChecksum));
        assert_eq!(id("11010519491231002"), Err(ProblemCode::IdNumberFormat));
        assert_eq!(id("1101051949123100211"), Err(ProblemCode::IdNumberFormat));
        assert_eq!(id("11010519491231002Y"), Err(ProblemCode::IdNumberFormat));
        assert_eq!(id("11010519491231A02X"), Err(ProblemCode::IdNumberFormat));
        assert_eq!(
            id("１１０１０５１９４９１２３１００２Ｘ"),
            Err(ProblemCode::IdNumberFormat)
        );
        // 1900 was not a leap year; month 13; day 32; a birth tomorrow.
        assert_eq!(
            id(&with_check("61010219000229123")),
            Err(ProblemCode::IdNumberBirthDate)
        );
        assert_eq!(
            id(&with_check("61010219901301123")),
            Err(ProblemCode::IdNumberBirthDate)
        );
        assert_eq!(
            id(&with_check("61010219900132123")),
            Err(ProblemCode::IdNumberBirthDate)
        );
        assert_eq!(
            id(&with_check("61010220261130123")),
            Err(ProblemCode::IdNumberBirthDate)
        );
        assert_eq!(
            id(&with_check("99010219900307123")),
            Err(ProblemCode::IdNumberRegion)
        );
    }

    #[test]
    fn mobile_numbers_are_kept_as_eleven_digits_and_shown_masked() {
        assert_eq!(
            mobile_number("139 1234 4567").as_deref(),
            Some("13912344567")
        );
        assert_eq!(
            mobile_number("+86 139-1234-4567").as_deref(),
            Some("13912344567")
        );
        assert_eq!(
            mobile_number("029-88886666"),
            None,
            "a landline has no account"
        );
        assert_eq!(mobile_number("12912344567"), None);
        assert_eq!(mobile_number("1391234456"), None);
        assert_eq!(mask_mobile("13912344567"), "139****4567");
    }

    #[test]
    fn phones() {
        for ok in [
            "13912345678",
            "139 1234 5678",
            "139-1234-5678",
            "+86 13912345678",
            "+8619912345678",
            "029-88886666",
            "029‑88886666",
            "029－88886666",
            "(029)88886666",
            "010-62345678",
            "0917-2234567",
            "09172234567",
            "0917-82345678",
        ] {
            assert!(is_phone(ok), "{ok} should be accepted");
        }
        for bad in [
            "",
            "12345678901",
            "1391234567",
            "139123456789",
            "+1 13912345678",
            "88886666",
            "029-8888666",
            "029-08886666",
            "011-12345678",
            "0917-123456",
            "139a2345678",
            "13912345678 转 8",
        ] {
            assert!(!is_phone(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn emails_and_regions() {
        assert!(is_email("wang.li@example.cn"));
        assert!(!is_email("wang.li@example"));
        assert!(!is_email("wang li@example.cn"));
        assert!(!is_email("@example.cn"));
        assert!(is_region_code("610102"));
        assert!(!is_region_code("990102"));
        assert!(!is_region_code("61010"));
    }

    fn complete() -> Petition {
        Petition {
            id: "x".into(),
            created_at: String::new(),
            updated_at: String::new(),
            state: crate::model::State::Draft,
            trashed_at: None,
            name: "王丽".into(),
            id_number: "11010519491231002X".into(),
            phone: "13912345678".into(),
            address: "西安市雁塔区小寨东路 1 号".into(),
            email: String::new(),
            region: "610113".into(),
            agency: String::new(),
            category: "城乡建设".into(),
            purpose: "complaint".into(),
            title: "小区门前道路破损".into(),
            request: "请尽快修复道路。".into(),
            facts: "道路破损已三个月。".into(),
            reasons: String::new(),
        }
    }

    #[test]
    fn a_complete_petition_has_no_problem() {
        assert_eq!(check_on(&complete(), TODAY), vec![]);
    }

    #[test]
    fn every_problem_is_listed_with_its_field() {
        let mut p = complete();
        p.name = "  ".into();
        p.id_number = "110105194912310021".into();
        p.phone = "12345".into();
        p.email = "nope".into();
        p.purpose = "praise".into();
        p.facts.clear();
        let got: Vec<(Field, ProblemCode)> = check_on(&p, TODAY)
            .into_iter()
            .map(|p| (p.field, p.code))
            .collect();
        assert_eq!(
            got,
            vec![
                (Field::Name, ProblemCode::Required),
                (Field::IdNumber, ProblemCode::IdNumberChecksum),
                (Field::Phone, ProblemCode::PhoneInvalid),
                (Field::Email, ProblemCode::EmailInvalid),
                (Field::Purpose, ProblemCode::PurposeInvalid),
                (Field::Facts, ProblemCode::Required),
            ]
        );
    }

    #[test]
    fn a_tracking_code_is_read_as_typed_off_a_letter() {
        for typed in [
            "XF-2345-6789-ABCD-EFGH",
            "xf-2345-6789-abcd-efgh",
            " XF 2345 6789 ABCD EFGH ",
            "XF23456789ABCDEFGH",
        ] {
            assert_eq!(
                tracking_code(typed).as_deref(),
                Some("XF-2345-6789-ABCD-EFGH"),
                "{typed}"
            );
        }
        for wrong in [
            "",
            "XF",
            "XF-2345-6789-ABCD",
            "XF-2345-6789-ABCD-EFG0",
            "YF-2345-6789-ABCD-EFGH",
            "XF-2345-6789-ABCD-EFGHJ",
            "XF-２３４５-6789-ABCD-EFGH",
        ] {
            assert_eq!(tracking_code(wrong), None, "{wrong}");
        }
    }
}
