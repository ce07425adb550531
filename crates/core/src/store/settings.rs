//! The settings room: the `settings` table, one text value per key, and the settings read as
//! more than text (the retention period). Each domain names its own keys (the kiosk's in
//! [`crate::kiosk`], the bureau's address in [`crate::sync`], the retention period in
//! [`crate::retention`]).

use super::Store;
use crate::error::Result;
use crate::retention::{DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, RETENTION_SETTING};

/// The settings room of a [`Store`].
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    store: &'a Store,
}

impl<'a> Settings<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Settings { store }
    }

    /// A setting of the app (for example the UI language), if set.
    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.store.reader)
                .await?,
        )
    }

    /// Sets a setting, replacing any earlier value.
    pub async fn set(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.store.writer)
        .await?;
        Ok(())
    }

    /// The retention period in days: the setting, or the default.
    pub async fn retention_days(&self) -> Result<u32> {
        Ok(self
            .get(RETENTION_SETTING)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    /// Sets the retention period: 0 (purge at the first run after the receipt) to
    /// [`MAX_RETENTION_DAYS`]; callers check the range and say so to the user, a larger value is
    /// held at the maximum.
    pub async fn set_retention_days(&self, days: u32) -> Result<()> {
        let days = days.min(MAX_RETENTION_DAYS);
        self.set(RETENTION_SETTING, &days.to_string()).await
    }
}
