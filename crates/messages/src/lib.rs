//! One message catalogue for the whole of Petition Desk: every text a citizen, an administrator
//! or a bureau operator reads, in Project Fluent files under `locales/` (zh-CN first, en second),
//! one file set read by the core, the CLI and the bureau through this crate and by the UI through
//! `@fluent/bundle` (it imports the same files).
//!
//! - `locales/*/errors.ftl`: one message per error code (the id is the code), saying what happened
//!   and what to do; an error crosses every boundary as its code and arguments and is worded where
//!   it is shown.
//! - `locales/*/fields.ftl`: the petition's fields, purposes and validation problems.
//! - `locales/*/ui.ftl`: the words of the app's windows.
//! - `locales/*/cli.ftl`: what `petitionctl` says to an administrator in a terminal.
//! - `locales/*/letter.ftl`: the headings and labels of a petition printed as a letter
//!   (`petition-letter`; the letter is printed in Chinese, English names its parts in errors).
//! - `locales/*/bureau.ftl`: the reference bureau's answers (sent in both languages, [`bilingual`])
//!   and what its own command line says to an operator.
//!
//! The UI loads errors, fields and ui; the other files are read by Rust only.
//!
//! A message missing in one language, or using other variables than its counterpart, fails this
//! crate's tests.

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

/// The two languages the app speaks. Chinese comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// `zh…` is Chinese, anything else that names a language is English.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::Zh)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language of the terminal (`LC_ALL`, `LC_MESSAGES`, `LANG`), Chinese when unknown.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .and_then(|v| Lang::parse(&v))
            .unwrap_or_default()
    }

    /// The message `id` in this language, with no arguments ([`text`]).
    pub fn text(self, id: &str) -> String {
        text(self, id, &[])
    }
}

/// The catalogue's files, as (language, file name, Fluent source).
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (
        Lang::Zh,
        "errors.ftl",
        include_str!("../locales/zh-CN/errors.ftl"),
    ),
    (
        Lang::Zh,
        "fields.ftl",
        include_str!("../locales/zh-CN/fields.ftl"),
    ),
    (Lang::Zh, "ui.ftl", include_str!("../locales/zh-CN/ui.ftl")),
    (
        Lang::Zh,
        "cli.ftl",
        include_str!("../locales/zh-CN/cli.ftl"),
    ),
    (
        Lang::Zh,
        "bureau.ftl",
        include_str!("../locales/zh-CN/bureau.ftl"),
    ),
    (
        Lang::Zh,
        "letter.ftl",
        include_str!("../locales/zh-CN/letter.ftl"),
    ),
    (
        Lang::En,
        "errors.ftl",
        include_str!("../locales/en/errors.ftl"),
    ),
    (
        Lang::En,
        "fields.ftl",
        include_str!("../locales/en/fields.ftl"),
    ),
    (Lang::En, "ui.ftl", include_str!("../locales/en/ui.ftl")),
    (Lang::En, "cli.ftl", include_str!("../locales/en/cli.ftl")),
    (
        Lang::En,
        "bureau.ftl",
        include_str!("../locales/en/bureau.ftl"),
    ),
    (
        Lang::En,
        "letter.ftl",
        include_str!("../locales/en/letter.ftl"),
    ),
];

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let locale: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // Plain text for terminals, logs and tests: no Unicode isolation marks around placeables.
    bundle.set_use_isolating(false);
    for (l, _, source) in SOURCES {
        if *l != lang {
            continue;
        }
        // A file that does not parse keeps the messages that do; the tests fail on it.
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(r) | Err((r, _)) => r,
        };
        let _ = bundle.add_resource(resource);
    }
    bundle
}

static BUNDLES: LazyLock<[Bundle; 2]> = LazyLock::new(|| [bundle(Lang::Zh), bundle(Lang::En)]);

fn bundle_of(lang: Lang) -> &'static Bundle {
    &BUNDLES[match lang {
        Lang::Zh => 0,
        Lang::En => 1,
    }]
}

/// A value for a message's variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Arg<'a> {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(n as f64)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64, f64);

/// The message `id` in `lang` with `args` filled in. A message this language lacks falls back to
/// the other language, and one missing in both to its id (the tests keep both from happening).
pub fn text(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(s) => fluent_args.set(*name, FluentValue::from(s.as_ref())),
            Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
        }
    }
    let other = match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    for l in [lang, other] {
        let bundle = bundle_of(l);
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, Some(&fluent_args), &mut errors)
                .into_owned();
        }
    }
    id.to_owned()
}

/// The message `id` in Chinese, then in English, as `zh / en`: the form of a text that goes to
/// someone whose language is not known (the bureau's HTTP answers, an outbox item's stored
/// failure).
pub fn bilingual(id: &str, args: &[(&str, Arg<'_>)]) -> String {
    format!(
        "{} / {}",
        text(Lang::Zh, id, args),
        text(Lang::En, id, args)
    )
}

/// The part of a [`bilingual`] text (`zh / en`) in `lang`; a text in one language only, as it is.
pub fn one_language(bilingual: &str, lang: Lang) -> &str {
    match bilingual.split_once(" / ") {
        Some((zh, en)) => match lang {
            Lang::Zh => zh.trim(),
            Lang::En => en.trim(),
        },
        None => bilingual.trim(),
    }
}

/// Whether `id` is a message in both languages.
pub fn has(id: &str) -> bool {
    Lang::ALL.iter().all(|l| bundle_of(*l).has_message(id))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    #[test]
    fn a_bilingual_text_is_read_in_one_language() {
        let both = bilingual("bureau-urge_not_allowed-today", &[]);
        assert_eq!(
            one_language(&both, Lang::Zh),
            text(Lang::Zh, "bureau-urge_not_allowed-today", &[])
        );
        assert_eq!(
            one_language(&both, Lang::En),
            text(Lang::En, "bureau-urge_not_allowed-today", &[])
        );
        assert_eq!(one_language(" 只有中文 ", Lang::En), "只有中文");
    }

    /// Every message of one language: its id and the variables it uses.
    fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        for (l, file, source) in SOURCES {
            if *l != lang {
                continue;
            }
            let resource = fluent_syntax::parser::parse(*source).unwrap_or_else(|(_, errors)| {
                panic!("{} {file} does not parse: {errors:?}", l.tag())
            });
            for entry in resource.body {
                let ast::Entry::Message(m) = entry else {
                    continue;
                };
                let mut vars = BTreeSet::new();
                if let Some(value) = &m.value {
                    pattern_variables(value, &mut vars);
                }
                let id = m.id.name.to_owned();
                assert!(
                    out.insert(id.clone(), vars).is_none(),
                    "{} has `{id}` twice",
                    l.tag()
                );
            }
        }
        out
    }

    fn pattern_variables(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, vars);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        let inline = match expression {
            ast::Expression::Inline(inline) => inline,
            ast::Expression::Select { selector, variants } => {
                for v in variants {
                    pattern_variables(&v.value, vars);
                }
                selector
            }
        };
        if let ast::InlineExpression::VariableReference { id } = inline {
            vars.insert(id.name.to_owned());
        }
    }

    #[test]
    fn both_languages_have_the_same_messages_with_the_same_variables() {
        let zh = messages(Lang::Zh);
        let en = messages(Lang::En);
        let only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        assert!(only_zh.is_empty(), "in zh-CN only: {only_zh:?}");
        assert!(only_en.is_empty(), "in en only: {only_en:?}");
        for (id, vars) in &zh {
            assert_eq!(Some(vars), en.get(id), "`{id}` uses other variables in en");
        }
    }

    #[test]
    fn a_message_is_formatted_with_its_arguments_and_no_isolation_marks() {
        assert_eq!(text(Lang::Zh, "app-name", &[]), "信访助手");
        let found = text(Lang::En, "list-results", &[("n", 3.into())]);
        assert!(
            found.contains('3') && !found.contains('\u{2068}'),
            "{found}"
        );
        assert_eq!(text(Lang::En, "no-such-message", &[]), "no-such-message");
        assert!(has("app-name") && !has("no-such-message"));
    }

    #[test]
    fn every_file_of_the_catalogue_is_read() {
        let locales = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        for lang in Lang::ALL {
            let dir = locales.join(lang.tag());
            for entry in std::fs::read_dir(&dir).expect("a locale folder") {
                let name = entry.expect("an entry").file_name();
                let name = name.to_string_lossy();
                if !name.ends_with(".ftl") {
                    continue;
                }
                assert!(
                    SOURCES.iter().any(|(l, f, _)| *l == lang && *f == name),
                    "{}/{name} is not in SOURCES",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn a_message_on_several_lines_keeps_its_blank_line() {
        let found = text(Lang::En, "app-startFailed", &[("logs", "/var/log".into())]);
        assert!(
            found.starts_with("Petition Desk could not open.")
                && found.contains("changed.\n\nRestart")
                && found.ends_with(":\n/var/log"),
            "{found:?}"
        );
    }

    #[test]
    fn a_bilingual_text_is_chinese_then_english() {
        assert_eq!(bilingual("app-name", &[]), "信访助手 / Petition Desk");
    }

    #[test]
    fn languages_are_told_from_tags() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("C"), None);
    }
}
