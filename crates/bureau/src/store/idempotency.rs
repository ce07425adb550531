//! The claims of `POST /v1/petitions` on their `Idempotency-Key`, one row per account and key:
//! `in_flight` while a request works on it, `done` with the answer to replay. The protocol that
//! reads them is `crate::petitions::idempotency`.

use sqlx::{Any, Row, Transaction};

use super::Store;
use crate::error::Error;

/// What a claim on a key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The SHA-256 of the body the key was first sent with.
    pub body_hash: String,
    pub state: ClaimState,
}

/// How far the request that claimed a key got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimState {
    /// A request works on it, since `claimed_unix`.
    InFlight { claimed_unix: i64 },
    /// It was answered: the status and JSON body to give again.
    Done { status_code: i64, response: String },
}

impl Store {
    /// Claims the key for a request; `false` when some request claimed it before.
    pub async fn insert_claim(
        &self,
        account_id: &str,
        key: &str,
        body_hash: &str,
        now_unix: i64,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let inserted = sqlx::query(
            "INSERT INTO idempotency (account_id, key, body_hash, state, claimed_unix) \
             VALUES ($1, $2, $3, 'in_flight', $4) ON CONFLICT (account_id, key) DO NOTHING",
        )
        .bind(account_id)
        .bind(key)
        .bind(body_hash)
        .bind(now_unix)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The claim on a key that [`Store::insert_claim`] found taken.
    pub async fn claim(&self, account_id: &str, key: &str) -> Result<Claim, Error> {
        let row = sqlx::query(
            "SELECT body_hash, state, status_code, response, claimed_unix FROM idempotency \
             WHERE account_id = $1 AND key = $2",
        )
        .bind(account_id)
        .bind(key)
        .fetch_one(&self.pool)
        .await?;
        let state: String = row.try_get("state")?;
        Ok(Claim {
            body_hash: row.try_get("body_hash")?,
            state: if state == "done" {
                ClaimState::Done {
                    status_code: row.try_get("status_code")?,
                    response: row.try_get("response")?,
                }
            } else {
                ClaimState::InFlight {
                    claimed_unix: row.try_get("claimed_unix")?,
                }
            },
        })
    }

    /// Takes over an unfinished claim made at `claimed_unix`; `false` when another request took
    /// it over or finished it first.
    pub async fn take_over_claim(
        &self,
        account_id: &str,
        key: &str,
        claimed_unix: i64,
        now_unix: i64,
    ) -> Result<bool, Error> {
        let _turn = self.write_turn().await;
        let taken = sqlx::query(
            "UPDATE idempotency SET claimed_unix = $1 \
             WHERE account_id = $2 AND key = $3 AND state = 'in_flight' AND claimed_unix = $4",
        )
        .bind(now_unix)
        .bind(account_id)
        .bind(key)
        .bind(claimed_unix)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Drops an unfinished claim.
    pub async fn release_claim(&self, account_id: &str, key: &str) -> Result<(), Error> {
        let _turn = self.write_turn().await;
        sqlx::query(
            "DELETE FROM idempotency WHERE account_id = $1 AND key = $2 AND state = 'in_flight'",
        )
        .bind(account_id)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Stores `response` (JSON, status 201) as the answer to the claim, in the delivery's
/// transaction.
pub async fn answer_claim(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    key: &str,
    response: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE idempotency SET state = 'done', status_code = 201, response = $1 \
         WHERE account_id = $2 AND key = $3",
    )
    .bind(response)
    .bind(account_id)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
