//! Request and response bodies. Times are RFC 3339 in UTC; dates are `YYYY-MM-DD` (China time).
//!
//! Personal data only travels in [`SubmitPetition`] and [`CodeRequest`] (a sign-up's name and ID
//! number); no response carries it back (a phone number only ever comes back masked), so no
//! response can leak it to a log or a screen it does not belong on.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /v1/health`: a body no captive portal can imitate by accident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `petition-bureau`.
    pub service: String,
    /// `ok` when the bureau takes petitions.
    pub status: String,
    /// The contract version (`1`).
    pub api_version: String,
    /// The bureau's clock (RFC 3339).
    pub time: String,
}

/// `GET /v1/catalog`: everything the form offers, cached offline by the app (ETag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Catalog {
    /// Regions (GB/T 2260) the bureau serves, province down to county.
    pub regions: Vec<Region>,
    pub agencies: Vec<Agency>,
    pub categories: Vec<Category>,
    pub attachment_limits: AttachmentLimits,
    /// Where the region list comes from, and its licence.
    pub regions_source: String,
    /// The bureau's age X25519 public key (`age1…`): kiosks seal outbox bundles to it
    /// (`petition_api::bundle`). Absent from bureaus that take no bundles.
    #[serde(default)]
    pub outbox_recipient: Option<String>,
    /// The 信访 offices a letter is addressed to, by the place they serve: a petition goes to
    /// the office of its place or, when that has none, of the nearest place above it.
    #[serde(default)]
    pub offices: Vec<Office>,
}

/// A 信访 office (信访局, 信访办) that takes letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Office {
    /// The region code of the place it serves, with every place below it.
    pub region: String,
    /// e.g. `西安市信访局`.
    pub name: String,
    /// Its postal address, when the bureau publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Its six-digit postcode (邮编), when the bureau publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
}

/// One administrative division (GB/T 2260).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Region {
    /// Six digits, e.g. `610113`.
    pub code: String,
    /// e.g. `雁塔区`.
    pub name: String,
    /// The enclosing division, absent for the province.
    pub parent: Option<String>,
}

/// An agency a petition may concern (涉及单位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Agency {
    /// The name the petition's `agency` field holds.
    pub name: String,
    pub name_en: String,
    /// The region codes of the places it serves, each with every place below it; empty for an
    /// agency of every place of the catalogue.
    #[serde(default)]
    pub regions: Vec<String>,
}

/// A category of matters (问题类别).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    /// The name the petition's `category` field holds, e.g. `疫情防控`.
    pub name: String,
    pub name_en: String,
    /// What the petitioner should know before choosing it, e.g. that a matter for a court goes
    /// to the court (诉访分离, 信访工作条例 第三十一条); shown when it is chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_en: Option<String>,
}

/// What attachments the bureau takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentLimits {
    /// The largest attachment, in bytes.
    pub max_bytes: u64,
    /// The most attachments per petition.
    pub max_files: u32,
    /// Media types taken.
    pub media_types: Vec<String>,
    /// Seconds an unfinished upload is kept.
    pub upload_expiry_seconds: u64,
}

/// `POST /v1/uploads`: announce an attachment before sending its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "length": 11, "media_type": "application/pdf",
    "sha256": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
}))]
pub struct CreateUpload {
    /// Bytes in all. A number with no fraction (`11.0`) counts as the integer it is, as in JSON
    /// Schema.
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 0)]
    pub length: u64,
    /// One of the catalogue's `attachment_limits.media_types`.
    pub media_type: String,
    /// The SHA-256 of all the bytes, 64 hex digits (either case); checked when the last byte
    /// arrives.
    #[schema(pattern = r"^[0-9a-fA-F]{64}$")]
    pub sha256: String,
}

/// Where an upload stands (`POST /v1/uploads`, `GET /v1/uploads/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Upload {
    /// Where to `HEAD` and `PATCH`: `/v1/uploads/{id}`.
    pub id: String,
    pub length: u64,
    /// Bytes the bureau holds; the next PATCH starts here.
    pub offset: u64,
    pub media_type: String,
    pub sha256: String,
    /// All bytes are there and their checksum matched. Identical content already held by the
    /// bureau completes at once, without sending a byte.
    pub complete: bool,
    /// An unfinished upload is discarded after this time (RFC 3339).
    pub expires_at: String,
}

/// `POST /v1/petitions` (with `Idempotency-Key: <the petition's UUID>`): one petition, complete.
///
/// The bureau checks it with the same rules as the app (`petition-rules`): required fields must
/// hold more than white space, lengths count characters as sent (surrounding white space
/// included), formats are judged with surrounding white space trimmed. The schema states every
/// rule a pattern can; what it cannot (the ID number's check digit and birth date, the province of
/// a region code or ID, which phone numbers exist) is answered `422 validation_failed` with the
/// fields named. No string may hold NUL (`422 invalid_text`).
///
/// No `Debug`: it holds personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "张三", "id_number": "11010519491231002X", "phone": "13800138000",
    "address": "陕西省西安市莲湖区北大街 1 号", "email": "", "region": "610104", "agency": "",
    "category": "城乡建设", "purpose": "claim", "title": "小区门口道路积水",
    "request": "请尽快修复排水设施。", "facts": "每逢下雨，小区门口积水深约 20 厘米。",
    "reasons": "", "attachments": []
}))]
pub struct SubmitPetition {
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 50
    )]
    pub name: String,
    /// Resident ID number (18 characters, GB 11643).
    #[schema(
        pattern = r"^[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{17}[0-9Xx][\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 18
    )]
    pub id_number: String,
    /// A mainland mobile number (optionally +86) or a landline with its area code; spaces, dashes
    /// and parentheses may stand between the digits.
    #[schema(
        pattern = r"^[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9 ()（）+\-‐‑‒–—－]*[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 30
    )]
    pub phone: String,
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 200
    )]
    pub address: String,
    /// Optional.
    #[schema(
        pattern = r"^[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*([^@\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+@[^@.\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+(\.[^@.\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+)+)?[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 254
    )]
    #[serde(default)]
    pub email: String,
    /// GB/T 2260 code.
    #[schema(
        pattern = r"^[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{6}[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 12
    )]
    pub region: String,
    /// Optional: the bureau routes a petition whose agency the citizen does not know.
    #[schema(pattern = r"^[^\u0000]*$", max_length = 100)]
    #[serde(default)]
    pub agency: String,
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 100
    )]
    pub category: String,
    /// The kind of matter of 信访工作条例 (2022) 第三十一条: `suggestion` (建议意见),
    /// `accusation` (检举控告) or `claim` (申诉求决). The 2005 names are read as their 2022 kind:
    /// `complaint` (投诉请求) as `claim`, `report` (反映情况) as `accusation`.
    #[schema(
        pattern = r"^[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(suggestion|accusation|claim|complaint|report)[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$",
        max_length = 16
    )]
    pub purpose: String,
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 100
    )]
    pub title: String,
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 20000
    )]
    pub request: String,
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 20000
    )]
    pub facts: String,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 20000)]
    #[serde(default)]
    pub reasons: String,
    /// Completed uploads of this caller.
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

impl fmt::Debug for SubmitPetition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmitPetition")
            .field("attachments", &self.attachments.len())
            .finish_non_exhaustive()
    }
}

/// An attachment of a petition: a completed upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentRef {
    /// The `id` of a completed upload of this caller.
    #[schema(
        pattern = r"^[^\u0000]*$",
        example = "0f8e4c2a9b7d4e6f8a1b3c5d7e9f0a2b"
    )]
    pub upload_id: String,
    /// The name shown to the bureau's staff.
    #[schema(pattern = r"^[^\u0000]*$", example = "积水照片.jpg")]
    pub file_name: String,
}

/// `201` to `POST /v1/petitions`, and the same again for a replay of the same key and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// 查询码: unguessable, to look the petition up.
    pub tracking_code: String,
    /// The client's petition id (the `Idempotency-Key`).
    pub petition_id: String,
    /// RFC 3339.
    pub received_at: String,
    pub status: Status,
    /// The bureau decides whether to accept the petition by this date (15 days).
    pub acceptance_due: String,
}

/// Where a petition is at the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Received, not yet registered (已提交).
    Submitted,
    /// Registered (已登记).
    Registered,
    /// Accepted and being handled (已受理).
    Accepted,
    /// Not accepted, with a reason (不予受理).
    NotAccepted,
    /// The bureau replied (已答复).
    Replied,
    /// The citizen asked for a review (已申请复查).
    ReviewRequested,
    /// The review's decision is given (已复查); a re-examination may be asked for.
    Reviewed,
    /// The citizen asked for a re-examination (已申请复核).
    RecheckRequested,
    /// The re-examination's decision is given (已复核): the matter is concluded, and the same
    /// facts and reasons are not taken again (不再受理, 第三十六条).
    Rechecked,
    /// Closed (已办结).
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Registered => "registered",
            Status::Accepted => "accepted",
            Status::NotAccepted => "not_accepted",
            Status::Replied => "replied",
            Status::ReviewRequested => "review_requested",
            Status::Reviewed => "reviewed",
            Status::RecheckRequested => "recheck_requested",
            Status::Rechecked => "rechecked",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Submitted,
            Status::Registered,
            Status::Accepted,
            Status::NotAccepted,
            Status::Replied,
            Status::ReviewRequested,
            Status::Reviewed,
            Status::RecheckRequested,
            Status::Rechecked,
            Status::Closed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// What happened to a petition, dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Submitted,
    Registered,
    /// Registered and routed (登记转送, 第二十二条) to the organ that handles it, named in the
    /// event's text.
    Routed,
    /// The organ it was routed to found it is not its matter and sent it back to the 信访部门,
    /// within five working days (第二十三条); the text says why. It is routed again.
    Objected,
    /// Accepted; the text, when there is one, is the notice of how it will be handled (受理告知,
    /// 第二十三条).
    Accepted,
    NotAccepted,
    /// The reply deadline was extended by 30 days.
    Extended,
    Replied,
    Evaluated,
    ReviewRequested,
    /// The review's decision (复查意见), with its text.
    ReviewDecided,
    RecheckRequested,
    /// The re-examination's decision (复核意见), with its text.
    RecheckDecided,
    /// The citizen urged the bureau (催办) after one of its deadlines had passed.
    Urged,
    Closed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Registered => "registered",
            EventKind::Routed => "routed",
            EventKind::Objected => "objected",
            EventKind::Accepted => "accepted",
            EventKind::NotAccepted => "not_accepted",
            EventKind::Extended => "extended",
            EventKind::Replied => "replied",
            EventKind::Evaluated => "evaluated",
            EventKind::ReviewRequested => "review_requested",
            EventKind::ReviewDecided => "review_decided",
            EventKind::RecheckRequested => "recheck_requested",
            EventKind::RecheckDecided => "recheck_decided",
            EventKind::Urged => "urged",
            EventKind::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Submitted,
            EventKind::Registered,
            EventKind::Routed,
            EventKind::Objected,
            EventKind::Accepted,
            EventKind::NotAccepted,
            EventKind::Extended,
            EventKind::Replied,
            EventKind::Evaluated,
            EventKind::ReviewRequested,
            EventKind::ReviewDecided,
            EventKind::RecheckRequested,
            EventKind::RecheckDecided,
            EventKind::Urged,
            EventKind::Closed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One dated event in a petition's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub kind: EventKind,
    /// RFC 3339.
    pub at: String,
    /// The bureau's text: a reason for not accepting, a reply.
    pub text: Option<String>,
}

/// A reply of the bureau (答复意见).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reply {
    pub at: String,
    pub text: String,
}

/// The statutory dates (信访工作条例): the last day of each period, in China time, `YYYY-MM-DD`.
/// A period counts calendar days from the day after its event, and one whose last day is a day
/// off (a weekend not worked in exchange, a public holiday) ends on the next working day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DueDates {
    /// Acceptance decision: 15 days after receipt (the same day as `route`, kept for older
    /// apps).
    pub acceptance: String,
    /// Registering and routing (登记转送): 15 days after receipt (第二十二条).
    #[serde(default)]
    pub route: String,
    /// Once routed: the handling organ's notice whether and how it takes the matter (受理告知),
    /// 15 days after it was routed (第二十三条); `null` before.
    #[serde(default)]
    pub notice: Option<String>,
    /// Reply: 60 days after acceptance, 90 when extended; only a 申诉求决 matter (`claim`) has
    /// this deadline (第三十四条), so it is `null` for suggestions and accusations.
    pub reply: Option<String>,
    /// The reply deadline was extended by 30 days.
    pub reply_extended: bool,
    /// A review may be requested until this date: 30 days after the reply.
    pub review_request: Option<String>,
    /// While a review (复查) is asked for: its decision is due 30 days after the request
    /// (第三十五条).
    #[serde(default)]
    pub review_decision: Option<String>,
    /// After the review's decision: a re-examination (复核) may be asked for until this date,
    /// 30 days after it (第三十六条).
    #[serde(default)]
    pub recheck_request: Option<String>,
    /// While a re-examination is asked for: its decision is due 30 days after the request.
    #[serde(default)]
    pub recheck_decision: Option<String>,
}

/// Satisfaction with the reply (满意度评价).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Dissatisfied,
}

impl Satisfaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::BasicallySatisfied => "basically_satisfied",
            Satisfaction::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Satisfaction> {
        match s {
            "satisfied" => Some(Satisfaction::Satisfied),
            "basically_satisfied" => Some(Satisfaction::BasicallySatisfied),
            "dissatisfied" => Some(Satisfaction::Dissatisfied),
            _ => None,
        }
    }
}

/// `POST /v1/petitions/{tracking_code}/evaluation`: rates the bureau's latest decision (the
/// reply, the review's or the re-examination's), once each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"satisfaction": "satisfied", "comment": "处理及时，谢谢。"}))]
pub struct EvaluationRequest {
    pub satisfaction: Satisfaction,
    /// Optional, at most 2 000 characters.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$", max_length = 2000)]
    pub comment: String,
}

/// Which decision of the bureau's an evaluation rates: each is rated at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The reply (答复意见).
    #[default]
    Reply,
    /// The review's decision (复查意见).
    Review,
    /// The re-examination's decision (复核意见).
    Recheck,
}

/// The citizen's evaluation as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub satisfaction: Satisfaction,
    pub comment: String,
    pub at: String,
    /// The decision rated (`reply` for evaluations recorded before decisions were told apart).
    #[serde(default)]
    pub decision: Decision,
}

/// `POST /v1/petitions/{tracking_code}/review`: a review request (复查), within 30 days of the
/// reply; and `POST /v1/petitions/{tracking_code}/recheck`: a re-examination request (复核),
/// within 30 days of the review's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "答复没有回应积水的原因，请复查。"}))]
pub struct ReviewRequest {
    /// Why the citizen asks for a review: more than white space, at most 20 000 characters.
    #[schema(
        pattern = r"^[^\u0000]*[^\u0000\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
        max_length = 20000
    )]
    pub reason: String,
}

/// `POST /v1/petitions/track`: adds a petition made elsewhere (by letter, by phone, at a window
/// or on another machine) to the caller's list by its 查询码 and the petitioner's mobile
/// number. A wrong pair is answered like an unknown code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"tracking_code": "XF-2345-6789-ABCD-EFGH", "phone": "13912345678"}))]
pub struct TrackRequest {
    /// As the bureau writes it on the receipt. The bureau also takes one typed in lower case,
    /// with spaces or without the hyphens.
    #[schema(max_length = 64, pattern = r"^XF(-[2-9A-HJ-NP-Z]{4}){4}$")]
    pub tracking_code: String,
    /// The petitioner's mobile number, as given in the petition: its 11 digits. The bureau also
    /// takes one written with +86, spaces or hyphens.
    #[schema(max_length = 32, pattern = r"^1[3-9][0-9]{9}$")]
    pub phone: String,
}

/// An attachment as the bureau holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentInfo {
    pub file_name: String,
    pub media_type: String,
    pub length: u64,
    pub sha256: String,
}

/// A petition as its owner sees it at the bureau (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PetitionView {
    pub tracking_code: String,
    pub petition_id: String,
    pub status: Status,
    pub received_at: String,
    pub updated_at: String,
    pub title: String,
    pub region: String,
    pub category: String,
    pub purpose: String,
    pub attachments: Vec<AttachmentInfo>,
    /// Oldest first.
    pub events: Vec<Event>,
    pub replies: Vec<Reply>,
    pub due: DueDates,
    pub evaluation: Option<Evaluation>,
    /// The first day (China time, `YYYY-MM-DD`) the citizen may urge the bureau (催办): today
    /// when a deadline of the bureau's has passed and no urge was made today, tomorrow after one
    /// was, the day after the deadline while it runs; `null` when nothing waits on the bureau.
    #[serde(default)]
    pub urge_from: Option<String>,
}

/// `GET /v1/petitions?since=CURSOR`: the caller's petitions changed after the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PetitionList {
    /// Oldest change first.
    pub petitions: Vec<PetitionView>,
    /// Pass as `since` next time; unchanged when nothing changed.
    pub next_cursor: String,
    /// More changes wait beyond this page.
    pub more: bool,
}

/// A `u64` from a JSON number with no fraction: `11` or `11.0` (JSON Schema's `integer` counts
/// both), never `11.5`, `-1` or a string.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    /// 2^64, the first whole `f64` a `u64` cannot hold.
    const BEYOND: f64 = 18_446_744_073_709_551_616.0;
    let n = serde_json::Number::deserialize(deserializer)?;
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..BEYOND).contains(f))
                .map(|f| f as u64)
        })
        .ok_or_else(|| serde::de::Error::custom("not a whole number of bytes"))
}

/// Why a one-time code is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// 注册: a new account with the name and ID number given.
    SignUp,
    /// 登录: an account made before.
    SignIn,
}

/// `POST /v1/account/codes`: send a 6-digit code to a mainland mobile number. The answer is the
/// same whether or not the number has an account. No `Debug`: it holds personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"phone": "13912344567", "purpose": "sign_up", "name": "张三",
    "id_number": "11010519491231002X"}))]
pub struct CodeRequest {
    /// A mainland mobile number (optionally +86); spaces and dashes may stand between the digits.
    #[schema(pattern = r"^[^\u0000]*$", max_length = 30)]
    pub phone: String,
    pub purpose: CodePurpose,
    /// For `sign_up`: the name, as on the petition form (at most 50 characters). Not verified.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$", max_length = 50)]
    pub name: String,
    /// For `sign_up`: the resident ID number (18 characters, GB 11643). Not verified beyond its
    /// check digit.
    #[serde(default)]
    #[schema(pattern = r"^[^\u0000]*$", max_length = 18)]
    pub id_number: String,
}

impl fmt::Debug for CodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeRequest")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// `202` to `POST /v1/account/codes`: a code is on its way (if the number can take one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeSent {
    /// Seconds the code is valid (300).
    pub expires_in: u64,
    /// Seconds before another code can be asked for this number (60).
    pub resend_after: u64,
}

/// `POST /v1/account/tokens`: the code that was sent, for a bearer token of the account. No
/// `Debug`: it holds the number and the code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"phone": "13912344567", "code": "204816"}))]
pub struct VerifyCode {
    #[schema(pattern = r"^[^\u0000]*$", max_length = 30)]
    pub phone: String,
    /// The six digits of the text message; spaces are forgiven.
    #[schema(pattern = r"^[^\u0000]*$", max_length = 20)]
    pub code: String,
}

impl fmt::Debug for VerifyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifyCode(<redacted>)")
    }
}

/// An account as its owner sees it: nothing personal but the number, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    /// The mobile number with its middle four digits hidden, e.g. `139****4567`.
    #[schema(example = "139****4567")]
    pub phone: String,
    /// RFC 3339.
    pub registered_at: String,
}

/// `201` to `POST /v1/account/tokens`. No `Debug`: it holds the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedIn {
    /// The bearer token; shown once, kept hashed by the bureau.
    pub token: String,
    /// RFC 3339: the token stops working then, and the citizen signs in again.
    pub expires_at: String,
    /// The account was made by this sign-up (`false`: the number had one, which is now signed
    /// in to).
    pub created: bool,
    /// Petitions made at a kiosk with this number that the account took over now.
    pub claimed: u64,
    pub account: Account,
}

impl fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedIn")
            .field("expires_at", &self.expires_at)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}
