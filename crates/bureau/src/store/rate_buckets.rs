//! Each token's request bucket on PostgreSQL (`rate_buckets`, migration 0005), shared by every
//! replica of the bureau that uses the database; see [`crate::ratelimit`].

use std::sync::LazyLock;

use sqlx::Row;

use super::Store;
use crate::error::Error;

impl Store {
    /// Takes one request from `token_id`'s bucket, refilled at `per_second` up to `burst` by the
    /// database's clock (the one clock all replicas share). `Ok(Err(seconds))` says how long to
    /// wait. PostgreSQL only.
    pub async fn take_request(
        &self,
        token_id: &str,
        per_second: f64,
        burst: f64,
    ) -> Result<Result<(), u64>, Error> {
        // One statement, so that two replicas' requests take turns on the row (the update reads
        // the row as the other left it).
        let row = sqlx::query(statement())
            .bind(token_id)
            .bind(burst)
            .bind(per_second)
            .fetch_one(self.pool())
            .await?;
        let tokens: f64 = row.try_get("tokens")?;
        let allowed: bool = row.try_get("allowed")?;
        Ok(if allowed {
            Ok(())
        } else {
            Err(((1.0 - tokens) / per_second).ceil().max(1.0) as u64)
        })
    }
}

/// The bucket's upsert: `$1` the token, `$2` the burst, `$3` the refill per second.
fn statement() -> &'static str {
    static STATEMENT: LazyLock<String> = LazyLock::new(|| {
        // The bucket's level now, before this request takes from it.
        let level = "LEAST($2::float8, b.tokens + $3::float8 * \
                     GREATEST(EXTRACT(EPOCH FROM (now() - b.at))::float8, 0))";
        format!(
            "INSERT INTO rate_buckets AS b (token_id, tokens, allowed, at) \
             VALUES ($1, $2::float8 - 1, TRUE, now()) \
             ON CONFLICT (token_id) DO UPDATE SET \
                 tokens = {level} - CASE WHEN {level} >= 1 THEN 1 ELSE 0 END, \
                 allowed = {level} >= 1, \
                 at = GREATEST(b.at, now()) \
             RETURNING tokens, allowed"
        )
    });
    &STATEMENT
}
