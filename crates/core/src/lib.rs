//! Petition Desk's core: every rule of the app, with no window attached.
//!
//! - [`model`], [`validate`] and [`i18n`] come from `petition-rules`, the pure rules the bureau
//!   shares: the petition and its fields, what would stop one from being submitted, the languages;
//! - [`search`] turns Chinese and Latin text into the tokens the full-text index holds;
//! - [`store`] keeps everything in one encrypted SQLite file, durably, with one writer; a
//!   [`Store`] hands out one room per domain: [`Store::drafts`], [`Store::settings`],
//!   [`Store::outbox`] (in [`sync`]), [`Store::attachments`] (in [`attachment`]) and
//!   [`Store::kiosk`] (in [`kiosk`]);
//! - [`letter`] makes a petition's letter for the 来信 channel (its page is `petition-letter`'s);
//! - [`sync`] delivers submitted petitions to the bureau exactly once and brings its answers back.
//!
//! The Tauri shell, `petitionctl` and the tests all drive this crate; none of them holds a rule.

pub mod attachment;
pub mod catalog;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod kiosk;
pub mod letter;
pub mod logging;
pub mod paths;
pub mod retention;
pub mod search;
pub mod store;
pub mod sync;

pub use petition_rules::{i18n, model, validate};

pub use error::{Error, Result};
pub use model::{Field, Petition, PetitionSummary, Purpose};
pub use store::Store;
