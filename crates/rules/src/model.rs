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

/// What the petitioner wants (信访目的).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 投诉请求
    Complaint,
    /// 建议意见
    Suggestion,
    /// 反映情况
    Report,
}

impl Purpose {
    pub fn key(self) -> &'static str {
        match self {
            Purpose::Complaint => "complaint",
            Purpose::Suggestion => "suggestion",
            Purpose::Report => "report",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        match s {
            "complaint" => Some(Purpose::Complaint),
            "suggestion" => Some(Purpose::Suggestion),
            "report" => Some(Purpose::Report),
            _ => None,
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
    /// 已办结
    Closed,
}

impl State {
    /// Every state, in lifecycle order.
    pub const ALL: [State; 12] = [
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
    /// `complaint`, `suggestion`, `report`, or empty while not chosen.
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
