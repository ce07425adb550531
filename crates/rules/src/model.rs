//! The petition (信访事项) as a citizen drafts it, and the keys of its fields.
//!
//! Field keys are a contract: the same words appear in `petitionctl --set KEY=VALUE`, in every
//! `--json` output, in the UI's form model and in the database columns.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One editable field of a petition. `key()` is the stable name used everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    IdNumber,
    Phone,
    Address,
    Email,
    Region,
    Agency,
    Category,
    Purpose,
    Title,
    Request,
    Facts,
    Reasons,
}

impl Field {
    /// Every field, in the order of the form.
    pub const ALL: [Field; 13] = [
        Field::Name,
        Field::IdNumber,
        Field::Phone,
        Field::Address,
        Field::Email,
        Field::Region,
        Field::Agency,
        Field::Category,
        Field::Purpose,
        Field::Title,
        Field::Request,
        Field::Facts,
        Field::Reasons,
    ];

    /// The stable key (also the database column).
    pub fn key(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdNumber => "id_number",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::Email => "email",
            Field::Region => "region",
            Field::Agency => "agency",
            Field::Category => "category",
            Field::Purpose => "purpose",
            Field::Title => "title",
            Field::Request => "request",
            Field::Facts => "facts",
            Field::Reasons => "reasons",
        }
    }

    /// The most characters the field may hold; longer text is refused when saved.
    pub fn max_chars(self) -> usize {
        match self {
            Field::Name => 50,
            Field::IdNumber => 18,
            Field::Phone => 30,
            Field::Address => 200,
            Field::Email => 254,
            Field::Region => 12,
            Field::Agency | Field::Category => 100,
            Field::Purpose => 16,
            Field::Title => 100,
            Field::Request | Field::Facts | Field::Reasons => 20_000,
        }
    }

    /// Fields whose text feeds the full-text search index.
    pub fn is_searchable(self) -> bool {
        !matches!(self, Field::Purpose)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A field key that is not one of [`Field::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField(pub String);

impl fmt::Display for UnknownField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown field `{}`", self.0)
    }
}

impl std::error::Error for UnknownField {}

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|f| f.key() == s)
            .ok_or_else(|| UnknownField(s.to_owned()))
    }
}

/// The kind of matter (信访事项的类别), as 信访工作条例 (2022) 第三十一条 sorts them: each kind is
/// handled its own way, and only a 申诉求决 matter has the 60-day deadline of 第三十四条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 建议意见: ideas and opinions for better government work.
    Suggestion,
    /// 检举控告: reporting wrongdoing by public servants or organs.
    #[serde(alias = "report")]
    Accusation,
    /// 申诉求决: asking for one's own rights or interests to be dealt with.
    #[serde(alias = "complaint")]
    Claim,
}

impl Purpose {
    /// Every kind, in the order the form offers them.
    pub const ALL: [Purpose; 3] = [Purpose::Suggestion, Purpose::Accusation, Purpose::Claim];

    /// The values of the 2005 regulation, still accepted and read as their 2022 kind:
    /// 投诉请求 asked for one's own matter to be settled (申诉求决), and 反映情况 told of a wrong
    /// that someone does, which 2022 files as 检举控告 and whose petitioner's name it keeps from
    /// the people reported on (第三十条): the reading that protects the petitioner.
    pub const ALIASES: [(&'static str, Purpose); 2] = [
        ("complaint", Purpose::Claim),
        ("report", Purpose::Accusation),
    ];

    pub fn key(self) -> &'static str {
        match self {
            Purpose::Suggestion => "suggestion",
            Purpose::Accusation => "accusation",
            Purpose::Claim => "claim",
        }
    }

    /// A kind by its key or by one of its [`Purpose::ALIASES`].
    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.key() == s).or_else(|| {
            Purpose::ALIASES
                .into_iter()
                .find(|(alias, _)| *alias == s)
                .map(|(_, p)| p)
        })
    }

    /// The value to keep for what was given: the key of its kind for a key or an alias
    /// (white space around it dropped), anything else unchanged (for the check to refuse).
    pub fn normalize(value: &str) -> std::borrow::Cow<'_, str> {
        match Purpose::parse(value.trim()) {
            Some(p) if p.key() != value => p.key().into(),
            _ => value.into(),
        }
    }
}

/// Where a petition is in its life: on this machine (`draft`, `queued`, `uploading`), then at the
/// bureau (`submitted` with its 查询码 onwards, as the bureau reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written; every field may change.
    Draft,
    /// Submitted by the citizen and frozen; waiting in the outbox for the bureau.
    Queued,
    /// Its attachments are being sent.
    Uploading,
    /// The bureau's receipt is stored: it has a tracking code (已提交).
    Submitted,
    /// 已登记
    Registered,
    /// 已受理
    Accepted,
    /// 不予受理
    NotAccepted,
    /// 办理中 (the bureau may report it between acceptance and reply).
    Handling,
    /// 已答复
    Replied,
    /// 已申请复查
    ReviewRequested,
    /// 已复查
    Reviewed,
    /// 已申请复核
    RecheckRequested,
    /// 已复核: the matter is concluded (不再受理).
    Rechecked,
    /// 已办结
    Closed,
}

impl State {
    /// Every state, in lifecycle order.
    pub const ALL: [State; 14] = [
        State::Draft,
        State::Queued,
        State::Uploading,
        State::Submitted,
        State::Registered,
        State::Accepted,
        State::NotAccepted,
        State::Handling,
        State::Replied,
        State::ReviewRequested,
        State::Reviewed,
        State::RecheckRequested,
        State::Rechecked,
        State::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Queued => "queued",
            State::Uploading => "uploading",
            State::Submitted => "submitted",
            State::Registered => "registered",
            State::Accepted => "accepted",
            State::NotAccepted => "not_accepted",
            State::Handling => "handling",
            State::Replied => "replied",
            State::ReviewRequested => "review_requested",
            State::Reviewed => "reviewed",
            State::RecheckRequested => "recheck_requested",
            State::Rechecked => "rechecked",
            State::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.key() == s)
    }

    /// The state in words, as a citizen reads it (notifications): the catalogue's `state-<key>`.
    pub fn label(self, lang: crate::i18n::Lang) -> String {
        lang.text(match self {
            State::Draft => "state-draft",
            State::Queued => "state-queued",
            State::Uploading => "state-uploading",
            State::Submitted => "state-submitted",
            State::Registered => "state-registered",
            State::Accepted => "state-accepted",
            State::NotAccepted => "state-not_accepted",
            State::Handling => "state-handling",
            State::Replied => "state-replied",
            State::ReviewRequested => "state-review_requested",
            State::Reviewed => "state-reviewed",
            State::RecheckRequested => "state-recheck_requested",
            State::Rechecked => "state-rechecked",
            State::Closed => "state-closed",
        })
    }

    /// Still on this machine only: the bureau has not given a receipt.
    pub fn is_local(self) -> bool {
        matches!(self, State::Draft | State::Queued | State::Uploading)
    }
}

/// A whole petition. Drafts may be incomplete, so every text field may be empty.
///
/// Deliberately no `Debug` that prints the text: this struct holds personal data, and `Debug`
/// output ends up in logs and panics.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Petition {
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    pub state: State,
    /// Set while the draft lies in the trash (RFC 3339).
    pub trashed_at: Option<String>,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub email: String,
    pub region: String,
    pub agency: String,
    pub category: String,
    /// `suggestion`, `accusation`, `claim`, or empty while not chosen.
    pub purpose: String,
    pub title: String,
    pub request: String,
    pub facts: String,
    pub reasons: String,
}

impl fmt::Debug for Petition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Petition")
            .field("id", &self.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Petition {
    /// The text of one field.
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Name => &self.name,
            Field::IdNumber => &self.id_number,
            Field::Phone => &self.phone,
            Field::Address => &self.address,
            Field::Email => &self.email,
            Field::Region => &self.region,
            Field::Agency => &self.agency,
            Field::Category => &self.category,
            Field::Purpose => &self.purpose,
            Field::Title => &self.title,
            Field::Request => &self.request,
            Field::Facts => &self.facts,
            Field::Reasons => &self.reasons,
        }
    }

    /// Mutable access to one field's text.
    pub fn get_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Name => &mut self.name,
            Field::IdNumber => &mut self.id_number,
            Field::Phone => &mut self.phone,
            Field::Address => &mut self.address,
            Field::Email => &mut self.email,
            Field::Region => &mut self.region,
            Field::Agency => &mut self.agency,
            Field::Category => &mut self.category,
            Field::Purpose => &mut self.purpose,
            Field::Title => &mut self.title,
            Field::Request => &mut self.request,
            Field::Facts => &mut self.facts,
            Field::Reasons => &mut self.reasons,
        }
    }
}

/// One line of a draft list: enough to show and pick a draft.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PetitionSummary {
    pub id: String,
    pub title: String,
    pub state: State,
    pub created_at: String,
    pub updated_at: String,
    pub trashed_at: Option<String>,
    /// The bureau sent it back to be corrected, and a field it refused is not changed yet.
    #[serde(default)]
    pub returned: bool,
}

impl fmt::Debug for PetitionSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PetitionSummary")
            .field("id", &self.id)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2005_purposes_are_read_as_their_2022_kinds() {
        assert_eq!(Purpose::parse("claim"), Some(Purpose::Claim));
        assert_eq!(Purpose::parse("complaint"), Some(Purpose::Claim));
        assert_eq!(Purpose::parse("report"), Some(Purpose::Accusation));
        assert_eq!(Purpose::parse("suggestion"), Some(Purpose::Suggestion));
        assert_eq!(Purpose::parse("Claim"), None);
        assert_eq!(Purpose::normalize("complaint"), "claim");
        assert_eq!(Purpose::normalize(" report "), "accusation");
        assert_eq!(Purpose::normalize("accusation"), "accusation");
        assert_eq!(Purpose::normalize("nonsense"), "nonsense");
        let old: Purpose = serde_json::from_str("\"complaint\"").expect("alias");
        assert_eq!(old, Purpose::Claim);
        assert_eq!(serde_json::to_string(&old).expect("json"), "\"claim\"");
    }

    #[test]
    fn every_state_has_words_in_both_languages_not_its_key() {
        for state in State::ALL {
            for lang in crate::i18n::Lang::ALL {
                assert!(!state.label(lang).is_empty(), "{state:?}");
            }
            // No raw key such as `replied` inside Chinese text.
            let zh = state.label(crate::i18n::Lang::Zh);
            assert!(zh.chars().all(|c| !c.is_ascii()), "{state:?}");
            assert!(
                !state.label(crate::i18n::Lang::En).contains('_'),
                "{state:?}"
            );
        }
    }

    #[test]
    fn every_key_parses_back_to_its_field() {
        for f in Field::ALL {
            assert_eq!(f.key().parse::<Field>(), Ok(f));
        }
        assert!("nickname".parse::<Field>().is_err());
    }

    #[test]
    fn every_state_parses_back() {
        for st in State::ALL {
            assert_eq!(State::parse(st.key()), Some(st));
        }
        assert_eq!(State::parse("lost"), None);
    }
}
