//! Full-text search that works for Chinese.
//!
//! SQLite's FTS5 `trigram` tokenizer cannot answer a two-character query, and two characters are a
//! common Chinese word (道路, 噪音). So the index holds our own tokens instead, split by FTS5's
//! `unicode61` tokenizer on spaces: every run of CJK characters becomes its overlapping bigrams
//! (道路破损 → 道路 路破 破损), and other text becomes its words. A query is tokenized the same way
//! and asked as a phrase, so "路破损" matches exactly where 路破 is followed by 破损 — that is, where
//! the substring occurs. A one-character query cannot be answered from bigrams; the store scans
//! for it instead.

/// Whether `c` is written without spaces between words (Han, kana, Hangul).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x3134F) // Extensions B–G
}

/// One token of text: a CJK bigram (or a lone CJK character), or a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Bigram(String),
    Single(char),
    Word(String),
}

/// Splits text into tokens, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, tokens: &mut Vec<Token>| {
        match run.len() {
            0 => {}
            1 => tokens.push(Token::Single(run[0])),
            _ => tokens.extend(run.windows(2).map(|w| Token::Bigram(w.iter().collect()))),
        }
        run.clear();
    };
    let flush_word = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(word.to_lowercase()));
            word.clear();
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut tokens);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut tokens);
            word.push(c);
        } else {
            flush_run(&mut run, &mut tokens);
            flush_word(&mut word, &mut tokens);
        }
    }
    flush_run(&mut run, &mut tokens);
    flush_word(&mut word, &mut tokens);
    tokens
}

/// The text the index stores for one field: its tokens separated by spaces.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for token in tokenize(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        match token {
            Token::Bigram(s) | Token::Word(s) => out.push_str(&s),
            Token::Single(c) => out.push(c),
        }
    }
    out
}

/// How a query is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// An FTS5 MATCH expression.
    Match(String),
    /// Too short for the index (a single CJK character): scan for this substring.
    Scan(String),
    /// Nothing to look for.
    Empty,
}

/// Turns what the user typed into a [`Plan`]. Space-separated terms must all match.
pub fn plan(query: &str) -> Plan {
    let mut phrases = Vec::new();
    for term in query.split_whitespace() {
        let tokens = tokenize(term);
        if tokens.is_empty() {
            continue;
        }
        if let [Token::Single(c)] = tokens.as_slice()
            && query.split_whitespace().count() == 1
        {
            return Plan::Scan(c.to_string());
        }
        let last = tokens.len() - 1;
        let parts: Vec<String> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let text = match t {
                    Token::Bigram(s) | Token::Word(s) => s.clone(),
                    Token::Single(c) => c.to_string(),
                };
                // Tokens hold only letters and digits, so quoting cannot be escaped out of; the
                // last part of a term may be the start of a longer word or bigram.
                let prefix = i == last || matches!(t, Token::Single(_));
                format!("\"{text}\"{}", if prefix { " *" } else { "" })
            })
            .collect();
        phrases.push(parts.join(" + "));
    }
    if phrases.is_empty() {
        Plan::Empty
    } else {
        Plan::Match(phrases.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_runs_become_bigrams_and_words_stay_whole() {
        assert_eq!(
            index_text("道路破损，Road 42号"),
            "道路 路破 破损 road 42 号"
        );
    }

    #[test]
    fn queries_become_phrases() {
        assert_eq!(plan("道路"), Plan::Match("\"道路\" *".into()));
        assert_eq!(plan("路破损"), Plan::Match("\"路破\" + \"破损\" *".into()));
        assert_eq!(
            plan("道路 road"),
            Plan::Match("\"道路\" * AND \"road\" *".into())
        );
        assert_eq!(plan("路"), Plan::Scan("路".into()));
        assert_eq!(plan(" ,。 "), Plan::Empty);
        assert_eq!(plan("\"*) OR"), Plan::Match("\"or\" *".into()));
    }
}
