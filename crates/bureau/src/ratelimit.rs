//! A token bucket per bearer token: enough to tell a runaway client to slow down (429).
//!
//! On SQLite the buckets are in this process's memory (one process owns a SQLite database). On
//! PostgreSQL they are in the database ([`crate::Store::take_request`]), so that every replica
//! of the bureau on that database draws from the same bucket.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::Error;
use crate::store::{Backend, Store};

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    /// The buckets, when they are kept in memory (SQLite).
    buckets: Option<Mutex<HashMap<String, Bucket>>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limiter whose buckets are kept where `backend` calls for.
    pub fn new(per_second: f64, burst: f64, backend: Backend) -> RateLimiter {
        RateLimiter {
            per_second: per_second.max(f64::MIN_POSITIVE),
            burst: burst.max(1.0),
            buckets: (backend == Backend::Sqlite).then(Mutex::default),
        }
    }

    /// Takes one request from `key`'s bucket; `Ok(Err(seconds))` says how long to wait.
    pub async fn check(&self, store: &Store, key: &str) -> Result<Result<(), u64>, Error> {
        match &self.buckets {
            Some(buckets) => Ok(self.take(buckets, key, Instant::now())),
            None => store.take_request(key, self.per_second, self.burst).await,
        }
    }

    fn take(
        &self,
        buckets: &Mutex<HashMap<String, Bucket>>,
        key: &str,
        now: Instant,
    ) -> Result<(), u64> {
        let mut buckets = buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refilled_at_the_rate() {
        let limiter = RateLimiter::new(2.0, 3.0, Backend::Sqlite);
        let buckets = limiter.buckets.as_ref().expect("in memory on SQLite");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(buckets, "a", t0), Ok(()));
        }
        assert_eq!(limiter.take(buckets, "a", t0), Err(1));
        assert_eq!(
            limiter.take(buckets, "b", t0),
            Ok(()),
            "buckets are per token"
        );
        assert_eq!(
            limiter.take(buckets, "a", t0 + Duration::from_millis(500)),
            Ok(())
        );
    }
}
