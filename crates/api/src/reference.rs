//! The submission reference (提交编号): what a citizen can write down the moment a petition is
//! queued, before any network, and later use to find it at the bureau.
//!
//! It is made from the petition's UUID (the `Idempotency-Key`) alone, so the app and the bureau
//! compute the same one without talking: the first 50 bits of the key's SHA-256 in Crockford's
//! base32, `XXXXX-XXXXX`. Unlike the tracking code (查询码) it is no secret and no proof of
//! ownership: the bureau still only shows a petition to the token that owns it.

use sha2::{Digest, Sha256};

/// Crockford's base32: digits and capitals without I, L, O and U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a reference, without the dash.
const SYMBOLS: usize = 10;

/// The reference of the petition whose `Idempotency-Key` is `idempotency_key`, e.g.
/// `2G4KX-QM7RA`.
///
/// A UUID is hashed in the form the bureau keeps (hyphenated, lower case), so any spelling of
/// the same UUID gives the same reference; anything else is hashed as given, trimmed.
pub fn submission_reference(idempotency_key: &str) -> String {
    let key = idempotency_key.trim();
    let canonical = match uuid::Uuid::parse_str(key) {
        Ok(id) => id.hyphenated().to_string(),
        Err(_) => key.to_owned(),
    };
    let digest = Sha256::digest(canonical.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let bits = u64::from_be_bytes(first) >> (64 - 5 * SYMBOLS);
    let mut reference = String::with_capacity(SYMBOLS + 1);
    for i in 0..SYMBOLS {
        if i == SYMBOLS / 2 {
            reference.push('-');
        }
        let symbol = (bits >> (5 * (SYMBOLS - 1 - i))) & 31;
        reference.push(char::from(CROCKFORD[symbol as usize]));
    }
    reference
}

/// A reference as someone typed or read it, in the form [`submission_reference`] writes; `None`
/// when it cannot be one.
///
/// Takes lower case, spaces and dashes anywhere (or none), full-width forms from a Chinese input
/// method, and the look-alikes Crockford allows for: `O` is `0`, `I` and `L` are `1`.
pub fn normalize_reference(input: &str) -> Option<String> {
    let mut symbols = Vec::with_capacity(SYMBOLS);
    for c in input.chars() {
        let c = half_width(c).to_ascii_uppercase();
        let symbol = match c {
            ' ' | '\t' | '-' | '\u{3000}' | '\u{2010}'..='\u{2015}' | '\u{2212}' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
            _ => return None,
        };
        symbols.push(symbol);
        if symbols.len() > SYMBOLS {
            return None;
        }
    }
    if symbols.len() != SYMBOLS {
        return None;
    }
    symbols.insert(SYMBOLS / 2, '-');
    Some(symbols.into_iter().collect())
}

/// `Ａ` → `A`: the full-width forms of ASCII (U+FF01…U+FF5E) as ASCII.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "6f1c7a52-2b9e-4d1a-9c3e-8f0a1b2c3d4e";

    #[test]
    fn the_reference_is_the_first_50_bits_of_the_sha256_in_crockford_base32() {
        // The SHA-256 of the key begins 60 7d 39 8d a5 94 bb cc; its first 50 bits in Crockford's
        // base32, worked out apart from this code with Python's hashlib.
        assert_eq!(submission_reference(KEY), "C1YKK-3D5JJ");
    }

    #[test]
    fn any_spelling_of_the_uuid_gives_the_same_reference() {
        let reference = submission_reference(KEY);
        assert_eq!(submission_reference(&KEY.to_ascii_uppercase()), reference);
        assert_eq!(submission_reference(&format!(" {KEY}\n")), reference);
        assert_eq!(submission_reference(&KEY.replace('-', "")), reference);
        assert_ne!(
            submission_reference("6f1c7a52-2b9e-4d1a-9c3e-8f0a1b2c3d4f"),
            reference
        );
    }

    #[test]
    fn references_have_the_written_shape() {
        for _ in 0..200 {
            let key = uuid::Uuid::new_v4().to_string();
            let reference = submission_reference(&key);
            assert_eq!(reference.len(), 11);
            assert_eq!(reference.as_bytes()[5], b'-');
            assert!(
                reference
                    .bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| CROCKFORD.contains(&b)),
                "{reference}"
            );
            assert_eq!(normalize_reference(&reference), Some(reference));
        }
    }

    #[test]
    fn normalising_forgives_how_people_write_and_read_it() {
        let want = Some("0H1KX-1M7RA".to_owned());
        for typed in [
            "0H1KX-1M7RA",
            "0h1kx-1m7ra",
            "0H1KX1M7RA",
            " 0H1 KX 1M7 RA ",
            "OH1KX-IM7RA",
            "oh1kx-lm7ra",
            "０Ｈ１ＫＸ－１Ｍ７ＲＡ",
            "0H1KX\u{3000}1M7RA",
        ] {
            assert_eq!(normalize_reference(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn what_cannot_be_a_reference_is_refused() {
        for typed in [
            "",
            "0H1KX-1M7R",
            "0H1KX-1M7RAA",
            "0H1KX-1M7RU",
            "0H1KX_1M7RA",
            "XF-AAAA-BBBB-CCCC-DDDD",
            "0H1KX-1M7R张",
        ] {
            assert_eq!(normalize_reference(typed), None, "{typed:?}");
        }
    }
}
