//! Line breaking for Chinese text with Latin words in it.
//!
//! A line may break between any two hanzi (or other wide characters), after a run of spaces, and
//! nowhere else: a Latin word, a number or an e-mail address stays whole unless it is wider than
//! the line by itself. Two rules of Chinese typesetting (禁则) hold on top: closing punctuation
//! never starts a line, and opening brackets never end one; the break moves back instead, so the
//! character before the punctuation goes down to the next line with it.

/// Characters that must not start a line: closing punctuation, full-width and half-width.
const NO_LINE_START: &str = "。，、；：？！）」』】》〉〕〗〙”’…—·．，,.;:?!)]}%‰℃～";

/// Characters that must not end a line: opening brackets and quotes.
const NO_LINE_END: &str = "（「『【《〈〔〖〘“‘([{";

/// A character that stands alone for line breaking: hanzi, kana, CJK punctuation and full-width
/// forms (a line may break before or after one).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF      // radicals, ideographic description
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x31FF    // bopomofo, strokes
        | 0x3200..=0x33FF    // enclosed CJK, compatibility
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF00..=0xFFEF    // half- and full-width forms
        | 0x20000..=0x3FFFF) // extensions B and on
        || (!c.is_ascii() && (NO_LINE_START.contains(c) || NO_LINE_END.contains(c)))
}

/// Whether a line may break between `before` and `after`.
fn may_break(before: char, after: char) -> bool {
    if after == ' ' || NO_LINE_START.contains(after) || NO_LINE_END.contains(before) {
        return false;
    }
    before == ' ' || is_wide(before) || is_wide(after)
}

/// `paragraph` (one line of text, no line breaks) cut into lines: the first at most `first`
/// wide, the others at most `rest`, each character `advance(c)` wide. Spaces at a break are
/// dropped. A piece that cannot be broken and is wider than a line is cut where it overflows.
pub fn wrap(paragraph: &str, first: f32, rest: f32, advance: impl Fn(char) -> f32) -> Vec<String> {
    let chars: Vec<char> = paragraph.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let limit = if lines.is_empty() { first } else { rest };
        let mut width = 0.0;
        // The last place the line may end, and the end of its text before any spaces there.
        let mut last_break = None;
        let mut end = start;
        while end < chars.len() {
            let c = chars[end];
            if end > start && may_break(chars[end - 1], c) {
                last_break = Some(end);
            }
            width += advance(c);
            if width > limit && c != ' ' && end > start {
                break;
            }
            end += 1;
        }
        let cut = if end == chars.len() {
            end
        } else {
            last_break.unwrap_or(end)
        };
        let line: String = chars[start..cut].iter().collect();
        lines.push(line.trim_end_matches(' ').to_owned());
        start = cut;
        while start < chars.len() && chars[start] == ' ' {
            start += 1;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hanzi and full-width punctuation 1 wide, everything else half.
    fn advance(c: char) -> f32 {
        if c.is_ascii() { 0.5 } else { 1.0 }
    }

    fn lines(text: &str, width: f32) -> Vec<String> {
        wrap(text, width, width, advance)
    }

    #[test]
    fn chinese_breaks_between_any_two_characters_and_no_line_overflows() {
        let text = "雨天积水老人出行不便已经三个月了";
        let got = lines(text, 5.0);
        assert_eq!(got, ["雨天积水老", "人出行不便", "已经三个月", "了"]);
        assert_eq!(got.concat(), text);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line_and_takes_the_character_before_it_along() {
        let got = lines("雨天积水老，人出行不便。已经三个月」", 5.0);
        for line in &got[1..] {
            let first = line.chars().next().expect("a line has text");
            assert!(
                !NO_LINE_START.contains(first),
                "{line:?} starts a line: {got:?}"
            );
        }
        assert_eq!(got[0], "雨天积水");
        assert_eq!(got[1], "老，人出行");
        assert_eq!(got.concat(), "雨天积水老，人出行不便。已经三个月」");
        // Each of 。，、；：？！）」 is kept off the start of a line.
        for p in "。，、；：？！）」".chars() {
            let text = format!("一二三四五{p}六");
            let got = lines(&text, 5.0);
            assert_eq!(got, ["一二三四", &format!("五{p}六")], "{p}");
        }
    }

    #[test]
    fn an_opening_bracket_never_ends_a_line() {
        let got = lines("一二三四「五六」", 5.0);
        assert_eq!(got, ["一二三四", "「五六」"]);
    }

    #[test]
    fn latin_words_break_at_spaces_and_stay_whole() {
        let got = lines("please repair the street lamp", 3.5);
        assert_eq!(got, ["please", "repair", "the", "street", "lamp"]);
        let got = lines("邮箱 wang.li@example.com 可用", 10.0);
        assert_eq!(got, ["邮箱", "wang.li@example.com", "可用"]);
        let got = lines("address No.12 Road", 5.0);
        assert_eq!(got, ["address", "No.12 Road"]);
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_where_it_overflows() {
        let got = lines("abcdefghij", 2.0);
        assert_eq!(got, ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn the_first_line_may_be_narrower_for_an_indent() {
        let got = wrap("一二三四五六七八", 3.0, 5.0, advance);
        assert_eq!(got, ["一二三", "四五六七八"]);
    }

    #[test]
    fn a_line_of_punctuation_only_is_still_printed() {
        let got = lines("。。。。。。。", 3.0);
        assert_eq!(got.concat(), "。。。。。。。");
    }
}
