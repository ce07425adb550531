//! Every error code the app's core or its shell can hand to the UI has a message in the
//! catalogue's errors, in both languages: the UI words an error from its code, and a code without
//! a message would reach a citizen as the core's fallback text, or as nothing.
//!
//! The codes are read from the Rust sources the way a reviewer finds them: the string literals of
//! every `fn code(…)` and of `fn network_error(…)`, and each `code: "…"` written out; the rules'
//! validation problems are worded as `problem-<code>`. And every message id the Rust code hands to
//! the catalogue (`text(lang, "id", …)`, `lang.text("id")`, `bilingual("id", …)`, the bureau's
//! `ApiError::new(status, code, "id")`) is in it, in both languages.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use petition_messages::has;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The body of the function that starts at `start` (its first `{` to the matching `}`).
fn body(text: &str, start: usize) -> &str {
    let open = start + text[start..].find('{').expect("a body");
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open..open + i];
                }
            }
            _ => {}
        }
    }
    &text[open..]
}

/// The `"snake_case"` literals in `text`.
fn literals(text: &str, out: &mut BTreeSet<String>) {
    for piece in text.split('"').skip(1).step_by(2) {
        let code = !piece.is_empty()
            && piece.starts_with(|c: char| c.is_ascii_lowercase())
            && piece
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
        if code {
            out.insert(piece.to_owned());
        }
    }
}

/// The Rust files under `dirs`, each with its text before its first `#[cfg(test)]` (tests name
/// codes and ids that are not the program's).
fn sources(dirs: &[&str]) -> Vec<(PathBuf, String)> {
    let root = workspace();
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root.join(dir), &mut files);
    }
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("a source file");
            let program = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned();
            (file, program)
        })
        .collect()
}

/// The codes in the sources under `dirs`.
fn codes(dirs: &[&str]) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for (_, text) in sources(dirs) {
        let text = text.as_str();
        for marker in ["fn code(", "fn network_error("] {
            let mut from = 0;
            while let Some(at) = text[from..].find(marker) {
                let start = from + at;
                literals(body(text, start), &mut codes);
                from = start + marker.len();
            }
        }
        // Only the literal that follows each `code: "` (not the rest of the file after it).
        for piece in text.split("code: \"").skip(1) {
            let literal = piece.split('"').next().unwrap_or_default();
            literals(&format!("\"{literal}\""), &mut codes);
        }
    }
    codes
}

#[test]
fn every_error_code_has_a_message_in_both_languages() {
    let codes = codes(&["crates/core/src", "src-tauri/src"]);
    // The scan finds the codes (a broken scan must not pass by finding none).
    for known in [
        "not_found",
        "file_too_large",
        "no_bureau",
        "kiosk_forbidden",
        "bad_request",
    ] {
        assert!(codes.contains(known), "the scan missed {known}: {codes:?}");
    }
    let missing: Vec<&String> = codes.iter().filter(|code| !has(code)).collect();
    assert!(
        missing.is_empty(),
        "no message in errors.ftl for: {missing:#?}"
    );
}

/// A validation problem is worded as `problem-<code>` (the rules' `ProblemCode`).
#[test]
fn every_problem_code_has_a_message_in_both_languages() {
    let codes = codes(&["crates/rules/src"]);
    assert!(
        codes.contains("id_number_checksum"),
        "the scan missed a problem: {codes:?}"
    );
    let missing: Vec<String> = codes
        .iter()
        .map(|code| format!("problem-{code}"))
        .filter(|id| !has(id))
        .collect();
    assert!(
        missing.is_empty(),
        "no message in fields.ftl for: {missing:#?}"
    );
}

/// The arguments of a call whose `(` ends just before `text`, each as written, up to the `)` that
/// closes the call (strings and nested brackets are skipped over).
fn arguments(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let (mut depth, mut start, mut i) = (0usize, 0usize, 0usize);
    let mut args = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A char literal such as '(' (not a lifetime: those have no closing quote).
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => {
                args.push(&text[start..i]);
                return args;
            }
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                args.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    args
}

/// Whether `s` has the shape of a message id.
fn is_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Every message id the sources under `dirs` hand to the catalogue, with a file that uses it: the
/// literals in the id argument of each call (a `match` or an `if` there gives each of its own).
fn ids_used(dirs: &[&str]) -> BTreeMap<String, PathBuf> {
    let mut ids = BTreeMap::new();
    for (file, source) in sources(dirs) {
        let source = source.as_str();
        // `refuse(` is the closure the citizen's steps word their refusals with.
        for marker in [
            "text(",
            "bilingual(",
            "ApiError::new(",
            "ApiError::with_args(",
            "refuse(",
        ] {
            for (at, _) in source.match_indices(marker) {
                let before = &source[..at];
                let joined = before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
                if joined || before.trim_end().ends_with("fn") {
                    continue;
                }
                let index = match marker {
                    "text(" if before.ends_with('.') => 0,
                    "text(" => 1,
                    "bilingual(" | "refuse(" => 0,
                    _ => 2,
                };
                let args = arguments(&source[at + marker.len()..]);
                let Some(id) = args.get(index) else { continue };
                for literal in id.split('"').skip(1).step_by(2) {
                    if is_id(literal) {
                        ids.entry(literal.to_owned())
                            .or_insert_with(|| file.clone());
                    }
                }
            }
        }
    }
    ids
}

#[test]
fn every_message_id_used_in_rust_is_in_the_catalogue_in_both_languages() {
    let used = ids_used(&[
        "crates/messages/src",
        "crates/rules/src",
        "crates/core/src",
        "crates/cli/src",
        "crates/bureau/src",
        "crates/letter/src",
        "src-tauri/src",
    ]);
    // The scan finds ids in each kind of call (a broken scan must not pass by finding none).
    for known in [
        "too_long-field",
        "bad_request",
        "bureau_answer-busy",
        "cli-state-uploading",
        "cli-login-kept_keyring",
        "bureau-not_found",
        "bureau-review_not_allowed-late",
        "bureau-urge_not_allowed-early",
        "bureau-code_wrong",
        "bureau-import-wrong_key",
        "notify-delivered",
    ] {
        assert!(
            used.contains_key(known),
            "the scan missed {known}: {used:?}"
        );
    }
    let missing: Vec<_> = used.iter().filter(|(id, _)| !has(id)).collect();
    assert!(
        missing.is_empty(),
        "used in Rust but not in the catalogue (in both languages): {missing:#?}"
    );
}
