//! The reference petition bureau (信访局参考服务器): the bureau API of `petition-api`, served
//! by axum over SQLite (default, in the data directory) or PostgreSQL.
//!
//! - [`app`] builds the router and its OpenAPI document from the same route declarations (the
//!   handlers' `#[utoipa::path]`) over an [`AppState`]; tests start it on `127.0.0.1:0`;
//! - [`store`] is the database and holds every SQL statement (runtime queries, migrations for
//!   both backends);
//! - [`uploads`] and the rooms of [`petitions`] (intake with its idempotency protocol, views,
//!   the citizen's steps) are the endpoints; [`ops`] moves petitions through the workflow for
//!   the operator's command line;
//! - [`accounts`] registers citizens by a mobile number and a one-time code, and issues their
//!   tokens; every petition belongs to an account;
//! - [`outbox`] holds the bureau's age key and imports kiosks' sealed outbox bundles through
//!   the same intake as the API;
//! - [`error`] turns every failure into `{code, message}`, never HTML;
//! - [`serve`] runs the router over hyper, with the read timeouts, and words hyper's own
//!   answers to requests it cannot parse as the router's.

pub mod accounts;
pub mod auth;
pub mod catalog;
pub mod clock;
pub mod config;
mod contract;
pub mod error;
pub mod ops;
pub mod outbox;
pub mod petitions;
pub mod ratelimit;
pub mod store;
pub mod uploads;

mod http;
mod serve;

use std::sync::Arc;

pub use clock::Clock;
pub use config::{Config, Limits};
pub use error::{ApiError, Error};
pub use http::app;
pub use serve::serve;
pub use store::Store;

/// Everything a request handler needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    store: Store,
    clock: Clock,
    catalog: catalog::Served,
    outbox_key: outbox::OutboxKey,
    limiter: ratelimit::RateLimiter,
    received: uploads::Received,
    sms: accounts::sms::Sms,
    /// Counting the codes sent and recording one take turns (see `accounts::send_code`).
    code_turn: tokio::sync::Mutex<()>,
}

impl AppState {
    /// Opens (and migrates) the store the config names and prepares the data directory, with
    /// the bureau's outbox key (made on first use).
    pub async fn open(config: Config, clock: Clock) -> Result<AppState, Error> {
        let store = Store::open(&config).await?;
        AppState::with_store(config, store, clock).await
    }

    /// Builds the state around an open store.
    pub async fn with_store(config: Config, store: Store, clock: Clock) -> Result<AppState, Error> {
        for dir in [config.blob_dir(), config.partial_dir()] {
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(|e| Error::Io("create the data directory", e))?;
        }
        let outbox_key = outbox::OutboxKey::load_or_create(&config.outbox_key_path())?;
        let offices = catalog::read_offices(&config.offices_path())?;
        let catalog = catalog::Served::new(&config.limits, outbox_key.recipient(), &offices)?;
        let limiter = ratelimit::RateLimiter::new(
            config.limits.rate_per_second,
            config.limits.rate_burst,
            store.backend(),
        );
        let sms = accounts::sms::Sms::new(config.sms.clone());
        Ok(AppState {
            inner: Arc::new(Inner {
                sms,
                code_turn: Default::default(),
                config,
                store,
                clock,
                catalog,
                outbox_key,
                limiter,
                received: Default::default(),
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The catalogue the bureau serves and checks petitions against.
    pub fn catalog(&self) -> &catalog::Served {
        &self.inner.catalog
    }

    /// The key kiosks seal their outbox bundles to.
    pub fn outbox_key(&self) -> &outbox::OutboxKey {
        &self.inner.outbox_key
    }

    /// Attachment bytes received since start, and how many of them the bureau already had.
    pub fn upload_counters(&self) -> uploads::UploadCounters {
        self.inner.received.counters()
    }
}
