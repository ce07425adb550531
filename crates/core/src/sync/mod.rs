//! Sync: queued petitions reach the bureau exactly once, and the bureau's answers come back.
//!
//! - [`outbox`] (the room [`crate::Store::outbox`]): `submit` freezes a draft and writes its
//!   outbox row in one transaction; `withdraw` takes it back while its submission is unsent; the
//!   outbox and status views; what the engine records (uploads, receipts, the bureau's events);
//! - [`plan`] decides, without I/O, the next step of an item, the size of each upload request,
//!   what follows a failure, whether a pass is due or paused, and computes backoff;
//! - `client` is the thin HTTP layer over the bureau API (reqwest, rustls; plain http to
//!   loopback only): a reachability check no captive portal passes, tus uploads, the submission
//!   counted only when its receipt parses;
//! - [`engine`] drives items with the planner and streams [`SyncEvent`]s; `run_once` drains and
//!   pulls, `run` keeps going until shut down and can be woken;
//! - [`account`] is the citizen's own account: a mobile number and a one-time code for a token,
//!   signing out, and each account's delivered petitions kept apart;
//! - [`secret`] is the bureau account: signing in, and the token in the OS keyring (or, in
//!   passphrase mode, the database);
//! - [`due`] is a delivered petition's deadlines and which of the bureau's have passed;
//! - [`steps`] are the citizen's steps after delivery (rating, 复查, 复核, 催办), queued and sent
//!   once, in order, each under its own key;
//! - [`reminders`] are the desktop's reminders of a delivered petition's deadlines;
//! - [`netwatch`] notices a change of network, so the engine tries again at once.
//!
//! The petition's id is its `Idempotency-Key` forever; nothing local is deleted before its
//! receipt is stored.

pub mod account;
pub(crate) mod client;
pub mod due;
pub mod engine;
mod error;
pub mod lookups;
pub mod netwatch;
pub mod outbox;
pub mod plan;
pub mod reminders;
pub mod secret;
pub mod steps;

use serde::Serialize;

pub use account::Tracked;
pub use account::{AccountSignedIn, AccountStatus};
pub use due::Due;
pub use engine::{Engine, EngineConfig, RunSummary, Waker};
pub use error::SyncError;
pub use lookups::{Lookup, LookupState};
pub use outbox::{Outbox, SimilarPetition};
pub use secret::{BUREAU_URL_SETTING, Secret, SignIn, check_bureau_url};
pub use steps::{Step, StepKind, StepRequest, StepState};

use crate::model::State;
use crate::validate::Problem;

/// An outbox item as the UI shows it: one petition on its way, with progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OutboxItem {
    pub id: String,
    /// Shown to the citizen; personal data, never logged.
    pub title: String,
    pub state: ItemState,
    pub bytes_sent: u64,
    pub bytes_total: u64,
    pub files_sent: u32,
    pub files_total: u32,
    /// 查询码, once delivered.
    pub tracking_code: Option<String>,
    /// The last failure: why it waits, or what the citizen must do.
    pub error: Option<ErrorView>,
    /// When the next try is due (RFC 3339), while backing off.
    pub next_attempt_at: Option<String>,
    /// When it was submitted (RFC 3339).
    pub queued_at: String,
}

/// The state of an outbox item, as the UI words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    WaitingForNetwork,
    /// The bureau answers, but not in a way this machine can trust or reach through (its
    /// certificate, a proxy): retried by itself, and someone must fix a setting.
    CannotConnect,
    Uploading,
    Submitting,
    Delivered,
    NeedsAttention,
}

/// `{code, message}` of a failure; the message is the bureau's (both languages) or the app's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}

impl ErrorView {
    /// The failure kept in a row's `error_code` and `error_message` (the outbox's, a step's, a
    /// lookup's), if any.
    pub(crate) fn from_row(row: &sqlx::sqlite::SqliteRow) -> crate::error::Result<Option<Self>> {
        use sqlx::Row;
        Ok(
            match (
                row.try_get::<Option<String>, _>("error_code")?,
                row.try_get::<Option<String>, _>("error_message")?,
            ) {
                (Some(code), message) => Some(ErrorView {
                    code,
                    message: message.unwrap_or_default(),
                }),
                (None, _) => None,
            },
        )
    }
}

/// One dated event of the bureau about a petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BureauEvent {
    /// `submitted`, `registered`, `accepted`, `not_accepted`, `extended`, `replied`, …
    pub kind: String,
    /// RFC 3339.
    pub at: String,
    /// The bureau's text (a reason, a reply).
    pub text: Option<String>,
}

/// Where a petition stands, locally and at the bureau (`petitionctl status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PetitionStatus {
    pub id: String,
    pub state: State,
    pub tracking_code: Option<String>,
    pub received_at: Option<String>,
    /// Oldest first.
    pub events: Vec<BureauEvent>,
    /// The outbox item, once submitted.
    pub outbox: Option<OutboxItem>,
    /// The deadlines, from the bureau's last answer (all `null` before one).
    pub due: Due,
    /// The citizen's steps after delivery, oldest first: waiting, sent or refused (with why).
    pub steps: Vec<Step>,
}

/// What the engine reports while it works. The shell forwards these to the UI as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    /// The reachability check ran: the bureau answered, or why not.
    Reachability {
        reachable: bool,
        error: Option<ErrorView>,
    },
    /// An outbox item changed (state, bytes or files sent, error).
    Item { item: OutboxItem },
    /// A receipt was stored: the petition is at the bureau.
    Delivered { id: String, tracking_code: String },
    /// The bureau moved a submitted petition on: worth a desktop notification.
    StatusChanged {
        id: String,
        tracking_code: String,
        state: State,
        /// The events new since the last pull.
        events: Vec<BureauEvent>,
    },
    /// The bureau sent a petition back to the drafts: its catalogue no longer has the place or
    /// category (`problem`), which the citizen chooses again before submitting once more.
    Returned {
        id: String,
        /// Shown to the citizen; personal data, never logged.
        title: String,
        problem: Problem,
    },
    /// A step after delivery (a rating, a request, an urge) was sent, refused, or waits again.
    Step { step: Step },
    /// A 查询码 kept without a network was looked up: found (the petition is in the outbox now),
    /// refused, or it waits again.
    Lookup { lookup: Lookup },
    /// Nothing to do now; the next try is due then (RFC 3339), if anything waits.
    Idle { next_attempt_at: Option<String> },
    /// A new catalogue of the bureau was kept: the form's places, agencies and categories may
    /// have changed.
    CatalogChanged,
}
