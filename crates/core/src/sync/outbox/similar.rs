//! The same matter twice: before a petition is submitted, the citizen's petitions still pending
//! (queued here, or at the bureau and not yet answered) that look like it: the same place and
//! category, and a very similar title or facts. The 信访工作条例 第十九条第三款 does not let a
//! higher organ take a matter that is already being handled, so the form asks first, quoting the
//! earlier petition; the citizen decides.

use std::collections::HashSet;

use serde::Serialize;

use super::Outbox;
use crate::error::Result;
use crate::model::{Petition, State};
use crate::search::{Token, tokenize};
use crate::store::rfc3339;

/// How alike two titles, or two accounts of the facts, must be (the Dice coefficient of their
/// words and two-character pieces) to count as the same matter: a title with a few words added
/// or changed still is, two matters on one street in different words are not.
pub const SAME_MATTER: f64 = 0.6;

/// The most earlier petitions quoted.
const MOST: usize = 3;

/// A pending petition that looks like the one about to be submitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SimilarPetition {
    pub id: String,
    /// Personal data, never logged.
    pub title: String,
    pub state: State,
    /// The 查询码, once delivered.
    pub tracking_code: Option<String>,
    /// When the citizen submitted it (RFC 3339).
    pub submitted_at: String,
    /// How alike, 0–1: the closer of the titles' and the facts' resemblance.
    pub resemblance: f64,
}

/// Still to be answered: waiting here, or registered, accepted or being handled at the bureau,
/// or in review or re-examination. A matter refused, answered or closed is not pending.
fn is_pending(state: State) -> bool {
    matches!(
        state,
        State::Queued
            | State::Uploading
            | State::Submitted
            | State::Registered
            | State::Accepted
            | State::Handling
            | State::ReviewRequested
            | State::RecheckRequested
    )
}

/// The words and two-character pieces of a text, as the search index has them, once its
/// punctuation is taken out (so 道路，破损 has the pieces of 道路破损).
fn pieces(text: &str) -> HashSet<String> {
    let text: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    tokenize(&text)
        .into_iter()
        .map(|t| match t {
            Token::Bigram(s) | Token::Word(s) => s.to_lowercase(),
            Token::Single(c) => c.to_string(),
        })
        .collect()
}

/// How alike two texts are, 0–1 (the Dice coefficient of their [`pieces`]); two texts with no
/// pieces are not alike at all.
pub fn resemblance(a: &str, b: &str) -> f64 {
    let (a, b) = (pieces(a), pieces(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(&b).count();
    #[allow(clippy::cast_precision_loss)] // counts of pieces are far below 2^52
    let dice = 2.0 * common as f64 / (a.len() + b.len()) as f64;
    dice
}

/// Whether `earlier` is the same matter as `petition`, and how alike: the same place and category
/// (as stored, without surrounding white space), and a title or facts at least [`SAME_MATTER`]
/// alike.
pub fn same_matter(petition: &Petition, earlier: &Petition) -> Option<f64> {
    if petition.region.trim() != earlier.region.trim()
        || petition.category.trim() != earlier.category.trim()
        || petition.region.trim().is_empty()
    {
        return None;
    }
    let alike = resemblance(&petition.title, &earlier.title)
        .max(resemblance(&petition.facts, &earlier.facts));
    (alike >= SAME_MATTER).then_some(alike)
}

impl Outbox<'_> {
    /// The citizen's pending petitions that look like draft `id` ([`same_matter`]), the most
    /// alike first. Empty at a kiosk: there the petitions of earlier citizens are no business of
    /// the one at the screen.
    pub async fn similar_pending(&self, id: &str) -> Result<Vec<SimilarPetition>> {
        let petition = self.store.drafts().get(id).await?;
        if self.store.kiosk().config().await?.is_some() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
            "SELECT o.petition_id, o.queued_at, o.tracking_code FROM outbox o \
             JOIN petitions p ON p.id = o.petition_id \
             WHERE o.petition_id != ? AND TRIM(p.region) = TRIM(?) AND TRIM(p.category) = TRIM(?)",
        )
        .bind(id)
        .bind(&petition.region)
        .bind(&petition.category)
        .fetch_all(self.store.reader())
        .await?;
        let mut similar = Vec::new();
        for (earlier_id, queued_at, tracking_code) in rows {
            let earlier = self.store.drafts().get(&earlier_id).await?;
            if !is_pending(earlier.state) {
                continue;
            }
            if let Some(resemblance) = same_matter(&petition, &earlier) {
                similar.push(SimilarPetition {
                    id: earlier.id,
                    title: earlier.title,
                    state: earlier.state,
                    tracking_code,
                    submitted_at: rfc3339(queued_at),
                    resemblance,
                });
            }
        }
        similar.sort_by(|a, b| b.resemblance.total_cmp(&a.resemblance));
        similar.truncate(MOST);
        Ok(similar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn petition(region: &str, category: &str, title: &str, facts: &str) -> Petition {
        let empty = String::new;
        Petition {
            id: "x".into(),
            created_at: empty(),
            updated_at: empty(),
            state: State::Submitted,
            trashed_at: None,
            name: empty(),
            id_number: empty(),
            phone: empty(),
            address: empty(),
            email: empty(),
            region: region.into(),
            agency: empty(),
            category: category.into(),
            purpose: empty(),
            title: title.into(),
            request: empty(),
            facts: facts.into(),
            reasons: empty(),
        }
    }

    #[test]
    fn a_title_with_words_added_is_the_same_matter_and_another_matter_on_the_street_is_not() {
        let earlier = petition(
            "610104",
            "城乡建设",
            "小区门前道路破损严重",
            "北关正街12号门前的人行道塌陷已有三个月。",
        );
        let again = petition("610104", "城乡建设", "小区门前道路破损严重，无人维修", "");
        let alike = same_matter(&again, &earlier).expect("the same matter");
        assert!(alike > 0.7 && alike < 1.0, "{alike}");

        let other = petition(
            "610104",
            "城乡建设",
            "小区夜间施工噪音扰民",
            "工地每天夜里十一点后还在打桩。",
        );
        assert_eq!(same_matter(&other, &earlier), None);
        assert!(resemblance(&other.title, &earlier.title) < 0.2);
    }

    #[test]
    fn the_facts_alone_can_make_it_the_same_matter() {
        let facts = "北关正街12号门前的人行道塌陷已有三个月，老人多次摔倒，物业说不归他们管。";
        let earlier = petition("610104", "城乡建设", "道路破损", facts);
        let again = petition(
            "610104",
            "城乡建设",
            "请尽快修路",
            &format!("{facts}上周又有人摔伤。"),
        );
        assert!(same_matter(&again, &earlier).is_some());
    }

    #[test]
    fn another_place_or_category_is_another_matter_however_alike_the_words() {
        let earlier = petition("610104", "城乡建设", "小区门前道路破损严重", "");
        for (region, category, same) in [
            ("610104", "城乡建设", true),
            (" 610104 ", "城乡建设 ", true),
            ("610113", "城乡建设", false),
            ("610104", "劳动社会保障", false),
        ] {
            let again = petition(region, category, &earlier.title, "");
            assert_eq!(
                same_matter(&again, &earlier).is_some(),
                same,
                "{region} {category}"
            );
        }
        let nowhere = petition("", "", "小区门前道路破损严重", "");
        assert_eq!(same_matter(&nowhere, &nowhere.clone()), None);
    }

    #[test]
    fn resemblance_ignores_punctuation_and_case_and_empty_text_is_unlike_anything() {
        assert!((resemblance("道路，破损！", "道路破损") - 1.0).abs() < 1e-9);
        assert!((resemblance("Road DAMAGED", "road damaged") - 1.0).abs() < 1e-9);
        assert_eq!(resemblance("", ""), 0.0);
        assert_eq!(resemblance("，。", "道路"), 0.0);
    }
}
