//! Petitions, in rooms:
//!
//! - [`intake`] takes a petition in, exactly once per owner and petition id, whether it comes by
//!   `POST /v1/petitions` or in a sealed outbox bundle (`crate::outbox`);
//! - [`idempotency`] is the protocol of `POST /v1/petitions` around it: the claim on the
//!   `Idempotency-Key`, the replayed answer, the 409 and the 422;
//! - [`views`] is what an owner reads: one petition, by tracking code or submission reference,
//!   and the list of changes;
//! - [`steps`] are the citizen's steps after the reply (evaluation, 复查, 复核, urging); the operator's are
//!   `crate::ops`;
//! - [`wallet`] lets a citizen's account follow a petition made elsewhere by its 查询码 and the
//!   petitioner's mobile number;
//! - [`deadlines`] are the statute's periods as dates.
//!
//! The SQL behind them is `crate::store::petitions` and `crate::store::idempotency`.

use axum::http::StatusCode;
use petition_api::ErrorCode;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::petitions::PetitionRow;

pub mod deadlines;
pub mod idempotency;
pub mod intake;
pub mod steps;
pub mod views;
pub mod wallet;

pub use deadlines::{ACCEPTANCE_DAYS, EXTENSION_DAYS, REPLY_DAYS, REVIEW_REQUEST_DAYS};
pub use idempotency::{STALE_CLAIM_SECONDS, petition_key};
pub use intake::{Delivery, Source, deliver, is_file_name, new_tracking_code, normalized};

fn petition_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::PetitionNotFound,
        "bureau-petition_not_found",
    )
}

/// The caller's petition with this tracking code, or `petition_not_found`.
async fn owned(state: &AppState, caller: &Caller, code: &str) -> Result<PetitionRow, ApiError> {
    state
        .store()
        .petition_row(code, Some(&caller.account_id))
        .await?
        .ok_or_else(petition_not_found)
}
